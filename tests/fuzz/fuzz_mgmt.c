/*
 * tests/fuzz/fuzz_mgmt.c -- fuzz target for the mgmt interface's stub
 * codec (proto/mgmt.c): the request decoders the server runs on what a
 * client sends, and the reply decoders RpcMgmt* run on what a server
 * sends.
 *
 * Input: byte 0 picks the byte order (bit 0 set: big-endian), the rest is
 * a stub.  It is decoded as each request and reply kind.  An inq_if_ids
 * reply that decodes keeps its promises (count within MGMT_MAX_IF_IDS,
 * ids allocated exactly when count > 0, no more consumed than given),
 * re-encodes in both byte orders, and each encoding decodes to the same
 * message and re-encodes to itself byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mgmt.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_MGMT_INPUT_MAX 65536

static int
same(const struct mgmt_if_ids *a, const struct mgmt_if_ids *b)
{
    if (a->vector_present != b->vector_present || a->count != b->count ||
        a->status != b->status)
        return 0;
    for (uint32_t i = 0; i < a->count; i++) {
        const struct mgmt_if_id *x = &a->ids[i], *y = &b->ids[i];

        if (x->present != y->present)
            return 0;
        if (x->present &&
            (!proto_uuid_equal(&x->uuid, &y->uuid) ||
             x->vers_major != y->vers_major || x->vers_minor != y->vers_minor))
            return 0;
    }
    return 1;
}

/* v encoded in drep decodes to v and re-encodes to the same bytes. */
static void
round_trip(const struct mgmt_if_ids *v, uint8_t drep)
{
    struct ndr_cursor w, w2, r;
    struct mgmt_if_ids back;
    int rc;

    FUZZ_CHECK(ndr_init_write(&w, 64, drep) == 0);
    rc = mgmt_if_ids_reply_encode(&w, v);
    FUZZ_CHECK(rc == 0 || rc == PROTO_E_NOMEM);
    if (rc != 0) {
        ndr_cursor_free(&w);
        return;
    }
    ndr_init_read(&r, w.data, w.len, drep);
    rc = mgmt_if_ids_reply_decode(&r, &back);
    FUZZ_CHECK(rc == 0 || rc == PROTO_E_NOMEM);
    if (rc == 0) {
        FUZZ_CHECK(r.off == w.len);
        FUZZ_CHECK(same(v, &back));
        FUZZ_CHECK(ndr_init_write(&w2, 64, drep) == 0);
        FUZZ_CHECK(mgmt_if_ids_reply_encode(&w2, &back) == 0);
        FUZZ_CHECK(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);
        ndr_cursor_free(&w2);
        mgmt_if_ids_clear(&back);
    }
    ndr_cursor_free(&w);
}

int
FUZZ_ENTRY(mgmt)(const uint8_t *data, size_t size)
{
    struct ndr_cursor c;
    struct mgmt_if_ids v;
    uint32_t a, b;
    uint8_t drep;
    int rc;

    if (size == 0 || size > FUZZ_MGMT_INPUT_MAX)
        return 0;
    drep = (data[0] & 1) ? DREP_BE : DREP_LE;
    data++;
    size--;

    /* Requests (server side). */
    ndr_init_read(&c, data, size, drep);
    rc = mgmt_inq_stats_req_decode(&c, &a);
    FUZZ_CHECK(FUZZ_PROTO_RC(rc));
    FUZZ_CHECK(rc != 0 || size >= 4);
    ndr_init_read(&c, data, size, drep);
    rc = mgmt_inq_princ_name_req_decode(&c, &a, &b);
    FUZZ_CHECK(FUZZ_PROTO_RC(rc));
    FUZZ_CHECK(rc != 0 || size >= 8);

    /* Replies (client side). */
    ndr_init_read(&c, data, size, drep);
    rc = mgmt_is_listening_reply_decode(&c, &a, &b);
    FUZZ_CHECK(FUZZ_PROTO_RC(rc));
    ndr_init_read(&c, data, size, drep);
    rc = mgmt_status_reply_decode(&c, &a);
    FUZZ_CHECK(FUZZ_PROTO_RC(rc));

    ndr_init_read(&c, data, size, drep);
    rc = mgmt_if_ids_reply_decode(&c, &v);
    FUZZ_CHECK(FUZZ_PROTO_RC(rc));
    if (rc != 0) {
        /* Left zeroed. */
        FUZZ_CHECK(v.ids == NULL && v.count == 0 && !v.vector_present);
        return 0;
    }
    FUZZ_CHECK(c.off <= size);
    FUZZ_CHECK(v.count <= MGMT_MAX_IF_IDS);
    FUZZ_CHECK((v.count > 0) == (v.ids != NULL));
    FUZZ_CHECK(v.vector_present || v.count == 0);
    /* Every element's pointer was on the wire. */
    FUZZ_CHECK((size_t)v.count * 4 <= size);
    round_trip(&v, DREP_LE);
    round_trip(&v, DREP_BE);
    mgmt_if_ids_clear(&v);
    return 0;
}
