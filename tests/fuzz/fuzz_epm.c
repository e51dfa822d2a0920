/*
 * tests/fuzz/fuzz_epm.c -- fuzz target for the endpoint mapper's stub
 * codec (proto/epm.c).
 *
 * Input: byte 0 picks the byte order (bit 0 set: big-endian), the rest is
 * a stub as it follows a request or response header.  The stub is decoded
 * as every request and response kind in turn.  For each that decodes:
 *
 *  - the result keeps its promises: counts within their limits, towers
 *    borrowed from inside the input, annotations terminated;
 *  - it re-encodes, in the same byte order, to exactly as many bytes as
 *    were consumed, equal to the input except in alignment gaps (where
 *    the encoder writes 0; C706 14.2.2 leaves them unspecified);
 *  - that encoding decodes and re-encodes to itself, and the decoded
 *    message encoded in the other byte order decodes to the same
 *    message (compared by its encoding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/epm.h"
#include "tests/fuzz/fuzz.h"
#include "tests/epm_msg.h"

#define FUZZ_EPM_INPUT_MAX 8192


static void
check_twr(const struct epm_twr *t, const uint8_t *in, size_t len)
{
    if (!t->present) {
        FUZZ_CHECK(t->ref == 0 && t->len == 0);
        return;
    }
    FUZZ_CHECK(t->ref != 0);
    FUZZ_CHECK(t->len <= EPM_TWR_MAX);
    FUZZ_CHECK(fuzz_inside(in, len, t->octets, t->len));
}

static void
check_entries(const struct epm_entry *e, uint32_t n, const uint8_t *in,
              size_t len)
{
    FUZZ_CHECK(n <= EPM_MAX_ENTS);
    FUZZ_CHECK((n == 0) == (e == NULL));
    for (uint32_t i = 0; i < n; i++) {
        FUZZ_CHECK(memchr(e[i].annotation, '\0', EPM_ANNOTATION_MAX) != NULL);
        check_twr(&e[i].tower, in, len);
    }
}

/* What a decoded message promises. */
static void
check_msg(enum kind k, const union msg *m, const uint8_t *in, size_t len)
{
    switch (k) {
    case K_INSERT_REQ:
    case K_DELETE_REQ:
        check_entries(m->ins.entries, m->ins.num_ents, in, len);
        break;
    case K_LOOKUP_REQ:
        FUZZ_CHECK(m->lreq.max_ents <= EPM_MAX_ENTS);
        FUZZ_CHECK(!m->lreq.object.present || !m->lreq.ifid.present ||
                   m->lreq.object.ref != m->lreq.ifid.ref);
        break;
    case K_MAP_REQ:
        FUZZ_CHECK(m->mreq.max_towers <= EPM_MAX_TOWERS);
        check_twr(&m->mreq.tower, in, len);
        break;
    case K_MGMT_DELETE_REQ:
        check_twr(&m->mgd.tower, in, len);
        break;
    case K_LOOKUP_RESP:
        FUZZ_CHECK(m->lresp.max_ents <= EPM_MAX_ENTS);
        FUZZ_CHECK(m->lresp.num_ents <= m->lresp.max_ents);
        check_entries(m->lresp.entries, m->lresp.num_ents, in, len);
        break;
    case K_MAP_RESP:
        FUZZ_CHECK(m->mresp.max_towers <= EPM_MAX_TOWERS);
        FUZZ_CHECK(m->mresp.num_towers <= m->mresp.max_towers);
        FUZZ_CHECK((m->mresp.num_towers == 0) == (m->mresp.towers == NULL));
        for (uint32_t i = 0; i < m->mresp.num_towers; i++)
            check_twr(&m->mresp.towers[i], in, len);
        break;
    default:
        break;
    }
}

/* Encodes m; the caller frees *out (NULL when nothing was written). */
static void
encode(enum kind k, const union msg *m, uint8_t drep, uint8_t **out,
       size_t *len)
{
    struct ndr_cursor c;

    FUZZ_CHECK(ndr_init_write(&c, 0, drep) == 0);
    FUZZ_CHECK(kencode(k, &c, m) == 0);
    *out = ndr_steal(&c, len);
    if (*out == NULL)
        *len = 0;
    ndr_cursor_free(&c);
}

/* Decodes exactly buf[0..len) (which must work: buf is an encoding). */
static void
decode_all(enum kind k, const uint8_t *buf, size_t len, uint8_t drep,
           union msg *m)
{
    struct ndr_cursor c;

    ndr_init_read(&c, buf, len, drep);
    FUZZ_CHECK(kdecode(k, &c, m) == 0);
    FUZZ_CHECK(c.off == len);
    ndr_cursor_free(&c);
}

static int
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void
one_kind(enum kind k, const uint8_t *in, size_t len, uint8_t drep)
{
    uint8_t other = drep == DREP_LE ? DREP_BE : DREP_LE;
    struct ndr_cursor c;
    union msg m, m2, m3;
    uint8_t *e1, *e2, *o, *e3;
    size_t l1, l2, lo, l3;
    int r;

    ndr_init_read(&c, in, len, drep);
    r = kdecode(k, &c, &m);
    FUZZ_CHECK(FUZZ_PROTO_RC(r));
    if (r != 0) {
        ndr_cursor_free(&c);
        return;
    }
    FUZZ_CHECK(c.off <= len);
    check_msg(k, &m, in, len);

    encode(k, &m, drep, &e1, &l1);
    FUZZ_CHECK(l1 == c.off);
    for (size_t i = 0; i < l1; i++)
        FUZZ_CHECK(e1[i] == in[i] || e1[i] == 0);

    decode_all(k, e1, l1, drep, &m2);
    encode(k, &m2, drep, &e2, &l2);
    FUZZ_CHECK(same(e1, l1, e2, l2));

    encode(k, &m, other, &o, &lo);
    FUZZ_CHECK(lo == l1);
    decode_all(k, o, lo, other, &m3);
    encode(k, &m3, drep, &e3, &l3);
    FUZZ_CHECK(same(e1, l1, e3, l3));

    kclear(k, &m3);
    kclear(k, &m2);
    kclear(k, &m);
    free(e1);
    free(e2);
    free(o);
    free(e3);
    ndr_cursor_free(&c);
}

int
FUZZ_ENTRY(epm)(const uint8_t *data, size_t size)
{
    uint8_t drep;
    uint8_t *in;
    size_t len;

    if (size < 1 || size > FUZZ_EPM_INPUT_MAX)
        return 0;
    drep = (data[0] & 1) ? DREP_BE : DREP_LE;
    len = size - 1;
    /* A copy of exactly the stub's size, so that a sanitizer sees any
     * read past it. */
    FUZZ_CHECK((in = malloc(len > 0 ? len : 1)) != NULL);
    if (len > 0)
        memcpy(in, data + 1, len);
    for (int k = 0; k < K_COUNT; k++)
        one_kind((enum kind)k, in, len, drep);
    free(in);
    return 0;
}
