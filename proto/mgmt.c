/*
 * proto/mgmt.c -- the mgmt interface's stub codec (proto/mgmt.h).
 *
 * inq_if_ids' reply (C706 14.3.7.1, 14.3.12.3): the full pointer to the
 * vector, then the conformant struct -- max_count hoisted in front of
 * count -- its array of pointers, then their referents in order, then
 * the status.  max_count must equal count (a server that sends less than
 * it announced, or more, is not trusted with the array).
 */
#include <stdlib.h>
#include <string.h>

#include "proto/mgmt.h"

void
mgmt_if_ids_clear(struct mgmt_if_ids *v)
{
    free(v->ids);
    memset(v, 0, sizeof(*v));
}

int
mgmt_if_ids_reply_decode(struct ndr_cursor *c, struct mgmt_if_ids *v)
{
    uint32_t ref, max, count;
    int r;

    memset(v, 0, sizeof(*v));
    if ((r = ndr_get_ptr(c, &ref)) != 0)
        return r;
    if (ref != 0) {
        if ((r = ndr_get_conformance(c, &max, MGMT_MAX_IF_IDS)) != 0 ||
            (r = ndr_get_u32(c, &count)) != 0)
            return r;
        if (count != max)
            return PROTO_E_FORMAT;
        /* The pointers are there before anything is allocated. */
        if ((r = ndr_check_elems(c, count, 4)) != 0)
            return r;
        v->vector_present = 1;
        v->count = count;
        if (count > 0 && (v->ids = calloc(count, sizeof(*v->ids))) == NULL) {
            memset(v, 0, sizeof(*v));
            return PROTO_E_NOMEM;
        }
        for (uint32_t i = 0; i < count && r == 0; i++) {
            uint32_t p;

            if ((r = ndr_get_ptr(c, &p)) == 0)
                v->ids[i].present = p != 0;
        }
        for (uint32_t i = 0; i < count && r == 0; i++) {
            struct mgmt_if_id *e = &v->ids[i];

            if (!e->present)
                continue;
            if ((r = ndr_get_uuid(c, &e->uuid)) == 0 &&
                (r = ndr_get_u16(c, &e->vers_major)) == 0)
                r = ndr_get_u16(c, &e->vers_minor);
        }
    }
    if (r == 0)
        r = ndr_get_u32(c, &v->status);
    if (r != 0)
        mgmt_if_ids_clear(v);
    return r;
}

int
mgmt_if_ids_reply_encode(struct ndr_cursor *w, const struct mgmt_if_ids *v)
{
    static const int present = 1;
    int r;

    if (v->vector_present && v->count > 0 && v->ids == NULL)
        return PROTO_E_INVAL;
    if ((r = ndr_put_ptr(w, v->vector_present ? &present : NULL)) != 0)
        return r;
    if (v->vector_present) {
        if ((r = ndr_put_u32(w, v->count)) != 0 ||
            (r = ndr_put_u32(w, v->count)) != 0)
            return r;
        for (uint32_t i = 0; i < v->count && r == 0; i++)
            r = ndr_put_ptr(w, v->ids[i].present ? &present : NULL);
        for (uint32_t i = 0; i < v->count && r == 0; i++) {
            const struct mgmt_if_id *e = &v->ids[i];

            if (!e->present)
                continue;
            if ((r = ndr_put_uuid(w, &e->uuid)) == 0 &&
                (r = ndr_put_u16(w, e->vers_major)) == 0)
                r = ndr_put_u16(w, e->vers_minor);
        }
        if (r != 0)
            return r;
    }
    return ndr_put_u32(w, v->status);
}

int
mgmt_inq_stats_req_decode(struct ndr_cursor *c, uint32_t *count)
{
    return ndr_get_u32(c, count);
}

int
mgmt_inq_princ_name_req_decode(struct ndr_cursor *c, uint32_t *authn,
                               uint32_t *size)
{
    int r;

    if ((r = ndr_get_u32(c, authn)) != 0)
        return r;
    return ndr_get_u32(c, size);
}

int
mgmt_is_listening_reply_decode(struct ndr_cursor *c, uint32_t *status,
                               uint32_t *listening)
{
    int r;

    if ((r = ndr_get_u32(c, status)) != 0)
        return r;
    return ndr_get_u32(c, listening);
}

int
mgmt_status_reply_decode(struct ndr_cursor *c, uint32_t *status)
{
    return ndr_get_u32(c, status);
}
