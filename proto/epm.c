/*
 * proto/epm.c -- NDR 2.0 codec of the endpoint mapper's request and
 * response stubs (C706 Appendix O as MS-RPCE 2.2.1.2 redefines it).
 *
 * The rules this file applies, with where they come from:
 *
 *  - Top-level pointer parameters: the referent id, then the referent
 *    right after it (each parameter is marshalled in turn, C706 14.3.12).
 *  - Pointers embedded in an array of structures (the twr_p_t in every
 *    ept_entry_t, the twr_p_t elements of ept_map's towers): every
 *    element's inline part first, then the referents in element order
 *    (C706 14.3.12, deferral of embedded referents).
 *  - twr_t is a conformant structure: its conformance (max_count) goes
 *    first, then tower_length, then the octets; the two counts agree
 *    (size_is(tower_length); C706 14.3.7, structures containing a
 *    conformant array).
 *  - ept_entry_t's [string] char annotation[64] is a varying array:
 *    offset (0), actual_count (the NUL included), the chars (C706 14.3.3.3,
 *    14.3.4).
 *  - Conformant varying arrays (entries of ept_lookup, towers of ept_map):
 *    max_count = size_is, offset 0, actual_count = length_is (C706
 *    14.3.3.4).
 *  - Full pointers: an id seen before names the same object; its data is
 *    not repeated (C706 14.3.11).  See proto/epm.h for referent ids.
 *
 * Decoders check every count against its limit and against the bytes
 * left before they allocate by it; they never abort.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/epm.h"


RPC_CLIENT_INTERFACE epm_client_interface = {
    sizeof(RPC_CLIENT_INTERFACE),
    {{0xe1af8308, 0x5d1f, 0x11c9, {0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa}},
     {EPM_IF_VERS_MAJOR, EPM_IF_VERS_MINOR}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {NDR20_VERSION, 0}},
    NULL, 0, NULL, 0, NULL, 0,
};

/* The least an ept_entry_t takes inline: uuid, referent id, annotation
 * offset and actual_count, one char.  Used to check a count against the
 * bytes present before allocating by it. */
#define ENTRY_MIN_WIRE 29u

static const GUID nil_guid;

static int
guid_is_nil(const GUID *g)
{
    return proto_uuid_equal(g, &nil_guid);
}

int
epm_handle_is_null(const struct epm_handle *h)
{
    return h == NULL || guid_is_nil(&h->uuid);
}

uint32_t
epm_next_ref(uint32_t ref_max)
{
    return ref_max == UINT32_MAX ? 1u : ref_max + 1u;
}

/* ---- referent ids on the encode side ------------------------------------ */

/* What an encode has handed out so far: fresh ids continue from next. */
struct refs {
    uint32_t next;
    uint32_t uuid_ref;               /* id used by a uuid pointer, or 0 */
};

static void
refs_init(struct refs *g, uint32_t base)
{
    g->next = base != 0 ? base : 1u;
    g->uuid_ref = 0;
}

/* The id to write for a non-NULL pointer whose requested id is want. */
static uint32_t
refs_pick(struct refs *g, uint32_t want)
{
    uint32_t id = want;

    if (id == 0) {
        id = g->next;
        g->next = epm_next_ref(g->next);
    } else if (id >= g->next) {
        g->next = epm_next_ref(id);
    }
    return id;
}

/* ---- small pieces ------------------------------------------------------- */

static int
get_handle(struct ndr_cursor *c, struct epm_handle *h)
{
    int r;

    if ((r = ndr_get_u32(c, &h->attributes)) != 0)
        return r;
    return ndr_get_uuid(c, &h->uuid);
}

static int
put_handle(struct ndr_cursor *c, const struct epm_handle *h)
{
    int r;

    if ((r = ndr_put_u32(c, h->attributes)) != 0)
        return r;
    return ndr_put_uuid(c, &h->uuid);
}

static void
note_ref(uint32_t *ref_max, uint32_t ref)
{
    if (ref > *ref_max)
        *ref_max = ref;
}

/* twr_t: max_count, tower_length, octets (borrowed). */
static int
get_twr_body(struct ndr_cursor *c, struct epm_twr *t)
{
    uint32_t max, len;
    int r;

    if ((r = ndr_get_conformance(c, &max, EPM_TWR_MAX)) != 0 ||
        (r = ndr_get_u32(c, &len)) != 0)
        return r;
    /* size_is(tower_length): the conformance is tower_length. */
    if (len != max)
        return PROTO_E_FORMAT;
    if ((r = ndr_get_ref(c, &t->octets, len)) != 0)
        return r;
    t->len = len;
    return 0;
}

static int
check_twr(const struct epm_twr *t)
{
    if (!t->present)
        return 0;
    if (t->len > EPM_TWR_MAX)
        return PROTO_E_RANGE;
    if (t->len > 0 && t->octets == NULL)
        return PROTO_E_INVAL;
    return 0;
}

static int
put_twr_body(struct ndr_cursor *c, const struct epm_twr *t)
{
    int r;

    if ((r = ndr_put_u32(c, t->len)) != 0 ||
        (r = ndr_put_u32(c, t->len)) != 0)
        return r;
    return ndr_put_bytes(c, t->octets, t->len);
}

static int
same_twr(const struct epm_twr *a, const struct epm_twr *b)
{
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->octets, b->octets, a->len) == 0);
}

/* A top-level [ptr] twr_p_t: id, then the twr_t. */
static int
get_twr_p(struct ndr_cursor *c, struct epm_twr *t)
{
    int r;

    if ((r = ndr_get_ptr(c, &t->ref)) != 0)
        return r;
    if (t->ref == 0)
        return 0;
    t->present = 1;
    return get_twr_body(c, t);
}

static int
put_twr_p(struct ndr_cursor *c, struct refs *g, const struct epm_twr *t)
{
    uint32_t id;
    int r;

    if ((r = check_twr(t)) != 0)
        return r;
    if (!t->present)
        return ndr_put_u32(c, 0);
    id = refs_pick(g, t->ref);
    /* A uuid and a tower are different objects: they cannot share an
     * id. */
    if (id == g->uuid_ref)
        return PROTO_E_INVAL;
    if ((r = ndr_put_u32(c, id)) != 0)
        return r;
    return put_twr_body(c, t);
}

static int
get_uuid_p(struct ndr_cursor *c, struct epm_uuid_p *u)
{
    int r;

    if ((r = ndr_get_ptr(c, &u->ref)) != 0)
        return r;
    if (u->ref == 0)
        return 0;
    u->present = 1;
    return ndr_get_uuid(c, &u->uuid);
}

static int
put_uuid_p(struct ndr_cursor *c, struct refs *g, const struct epm_uuid_p *u)
{
    uint32_t id;
    int r;

    if (!u->present)
        return ndr_put_u32(c, 0);
    id = refs_pick(g, u->ref);
    g->uuid_ref = id;
    if ((r = ndr_put_u32(c, id)) != 0)
        return r;
    return ndr_put_uuid(c, &u->uuid);
}

/* [string] char annotation[64]: offset 0, actual_count with the NUL,
 * the chars; one NUL, at the end. */
static int
get_annotation(struct ndr_cursor *c, char out[EPM_ANNOTATION_MAX])
{
    uint32_t offset, actual;
    const uint8_t *p;
    int r;

    if ((r = ndr_get_variance(c, &offset, &actual, EPM_ANNOTATION_MAX)) != 0)
        return r;
    if (offset != 0 || actual == 0)
        return PROTO_E_FORMAT;
    if ((r = ndr_get_ref(c, &p, actual)) != 0)
        return r;
    if (p[actual - 1] != '\0' || memchr(p, '\0', actual - 1) != NULL)
        return PROTO_E_FORMAT;
    memcpy(out, p, actual);
    return 0;
}

static int
put_annotation(struct ndr_cursor *c, const char a[EPM_ANNOTATION_MAX])
{
    const char *nul = memchr(a, '\0', EPM_ANNOTATION_MAX);
    uint32_t n;
    int r;

    if (nul == NULL)
        return PROTO_E_INVAL;
    n = (uint32_t)(nul - a) + 1;
    if ((r = ndr_put_u32(c, 0)) != 0 || (r = ndr_put_u32(c, n)) != 0)
        return r;
    return ndr_put_bytes(c, a, n);
}

/* ---- arrays of ept_entry_t ---------------------------------------------- */

/* Reads n entries: the inline parts, then the deferred towers in element
 * order; a tower id seen at an earlier element is an alias of it. */
static int
get_entries(struct ndr_cursor *c, uint32_t n, struct epm_entry **out,
            uint32_t *ref_max)
{
    struct epm_entry *e;
    int r;

    *out = NULL;
    if (n == 0)
        return 0;
    if ((r = ndr_check_elems(c, n, ENTRY_MIN_WIRE)) != 0)
        return r;
    if ((e = calloc(n, sizeof(*e))) == NULL)
        return PROTO_E_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        /* ept_entry_t is aligned to 4, its largest member's alignment. */
        if ((r = ndr_align(c, 4)) != 0 ||
            (r = ndr_get_uuid(c, &e[i].object)) != 0 ||
            (r = ndr_get_ptr(c, &e[i].tower.ref)) != 0 ||
            (r = get_annotation(c, e[i].annotation)) != 0)
            goto fail;
        e[i].tower.present = e[i].tower.ref != 0;
        note_ref(ref_max, e[i].tower.ref);
    }
    for (uint32_t i = 0; i < n; i++) {
        struct epm_twr *t = &e[i].tower;
        uint32_t j;

        if (!t->present)
            continue;
        for (j = 0; j < i; j++)
            if (e[j].tower.ref == t->ref)
                break;
        if (j < i) {
            t->len = e[j].tower.len;
            t->octets = e[j].tower.octets;
            continue;
        }
        if ((r = get_twr_body(c, t)) != 0)
            goto fail;
    }
    *out = e;
    return 0;
fail:
    free(e);
    return r;
}

static int
check_entries(const struct epm_entry *e, uint32_t n)
{
    int r;

    if (n > 0 && e == NULL)
        return PROTO_E_INVAL;
    for (uint32_t i = 0; i < n; i++) {
        if (memchr(e[i].annotation, '\0', EPM_ANNOTATION_MAX) == NULL)
            return PROTO_E_INVAL;
        if ((r = check_twr(&e[i].tower)) != 0)
            return r;
    }
    return 0;
}

/* Writes the inline parts, then the towers not written before. */
static int
put_entries(struct ndr_cursor *c, struct refs *g, const struct epm_entry *e,
            uint32_t n)
{
    uint32_t ids[EPM_MAX_ENTS];
    int r;

    if (n > EPM_MAX_ENTS)
        return PROTO_E_RANGE;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = e[i].tower.present ? refs_pick(g, e[i].tower.ref) : 0;
        if ((r = ndr_align(c, 4)) != 0 ||
            (r = ndr_put_uuid(c, &e[i].object)) != 0 ||
            (r = ndr_put_u32(c, ids[i])) != 0 ||
            (r = put_annotation(c, e[i].annotation)) != 0)
            return r;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j;

        if (ids[i] == 0)
            continue;
        for (j = 0; j < i; j++)
            if (ids[j] == ids[i])
                break;
        if (j < i) {
            /* An alias: the same id must name the same tower. */
            if (!same_twr(&e[j].tower, &e[i].tower))
                return PROTO_E_INVAL;
            continue;
        }
        if ((r = put_twr_body(c, &e[i].tower)) != 0)
            return r;
    }
    return 0;
}

/* ---- ept_insert / ept_delete requests ----------------------------------- */

void
epm_insert_req_clear(struct epm_insert_req *r)
{
    if (r == NULL)
        return;
    free(r->entries);
    memset(r, 0, sizeof(*r));
}

static int
get_insert_delete(struct ndr_cursor *c, struct epm_insert_req *r,
                  int with_replace)
{
    uint32_t max;
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = ndr_get_u32(c, &r->num_ents)) != 0 ||
        (rc = ndr_get_conformance(c, &max, EPM_MAX_ENTS)) != 0)
        goto fail;
    /* [size_is(num_ents)]: the conformance is num_ents. */
    if (max != r->num_ents) {
        rc = PROTO_E_FORMAT;
        goto fail;
    }
    if ((rc = get_entries(c, r->num_ents, &r->entries, &r->ref_max)) != 0)
        goto fail;
    if (with_replace && (rc = ndr_get_u32(c, &r->replace)) != 0)
        goto fail;
    return 0;
fail:
    epm_insert_req_clear(r);
    return rc;
}

static int
put_insert_delete(struct ndr_cursor *c, const struct epm_insert_req *r,
                  int with_replace)
{
    struct refs g;
    int rc;

    if (r->num_ents > EPM_MAX_ENTS)
        return PROTO_E_RANGE;
    if ((rc = check_entries(r->entries, r->num_ents)) != 0)
        return rc;
    refs_init(&g, r->ref_base);
    if ((rc = ndr_put_u32(c, r->num_ents)) != 0 ||
        (rc = ndr_put_u32(c, r->num_ents)) != 0 ||
        (rc = put_entries(c, &g, r->entries, r->num_ents)) != 0)
        return rc;
    return with_replace ? ndr_put_u32(c, r->replace) : 0;
}

int
epm_insert_req_decode(struct ndr_cursor *c, struct epm_insert_req *r)
{
    return get_insert_delete(c, r, 1);
}

int
epm_insert_req_encode(struct ndr_cursor *c, const struct epm_insert_req *r)
{
    return put_insert_delete(c, r, 1);
}

int
epm_delete_req_decode(struct ndr_cursor *c, struct epm_insert_req *r)
{
    return get_insert_delete(c, r, 0);
}

int
epm_delete_req_encode(struct ndr_cursor *c, const struct epm_insert_req *r)
{
    return put_insert_delete(c, r, 0);
}

/* ---- ept_lookup request ------------------------------------------------- */

int
epm_lookup_req_decode(struct ndr_cursor *c, struct epm_lookup_req *r)
{
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = ndr_get_u32(c, &r->inquiry_type)) != 0 ||
        (rc = get_uuid_p(c, &r->object)) != 0 ||
        (rc = ndr_get_ptr(c, &r->ifid.ref)) != 0)
        goto fail;
    if (r->ifid.ref != 0) {
        uint16_t major, minor;

        r->ifid.present = 1;
        /* A uuid_t and an rpc_if_id_t are different objects. */
        if (r->ifid.ref == r->object.ref) {
            rc = PROTO_E_FORMAT;
            goto fail;
        }
        if ((rc = ndr_get_uuid(c, &r->ifid.id.Uuid)) != 0 ||
            (rc = ndr_get_u16(c, &major)) != 0 ||
            (rc = ndr_get_u16(c, &minor)) != 0)
            goto fail;
        r->ifid.id.VersMajor = major;
        r->ifid.id.VersMinor = minor;
    }
    if ((rc = ndr_get_u32(c, &r->vers_option)) != 0 ||
        (rc = get_handle(c, &r->handle)) != 0 ||
        (rc = ndr_get_u32(c, &r->max_ents)) != 0)
        goto fail;
    /* MS-RPCE 2.2.1.2.4: [range(0,500)] max_ents. */
    if (r->max_ents > EPM_MAX_ENTS) {
        rc = PROTO_E_RANGE;
        goto fail;
    }
    note_ref(&r->ref_max, r->object.ref);
    note_ref(&r->ref_max, r->ifid.ref);
    return 0;
fail:
    memset(r, 0, sizeof(*r));
    return rc;
}

int
epm_lookup_req_encode(struct ndr_cursor *c, const struct epm_lookup_req *r)
{
    struct refs g;
    int rc;

    if (r->max_ents > EPM_MAX_ENTS)
        return PROTO_E_RANGE;
    refs_init(&g, r->ref_base);
    if ((rc = ndr_put_u32(c, r->inquiry_type)) != 0 ||
        (rc = put_uuid_p(c, &g, &r->object)) != 0)
        return rc;
    if (!r->ifid.present) {
        rc = ndr_put_u32(c, 0);
    } else {
        uint32_t id = refs_pick(&g, r->ifid.ref);

        if (r->object.present && id == g.uuid_ref)
            return PROTO_E_INVAL;
        if ((rc = ndr_put_u32(c, id)) == 0 &&
            (rc = ndr_put_uuid(c, &r->ifid.id.Uuid)) == 0 &&
            (rc = ndr_put_u16(c, r->ifid.id.VersMajor)) == 0)
            rc = ndr_put_u16(c, r->ifid.id.VersMinor);
    }
    if (rc != 0 ||
        (rc = ndr_put_u32(c, r->vers_option)) != 0 ||
        (rc = put_handle(c, &r->handle)) != 0)
        return rc;
    return ndr_put_u32(c, r->max_ents);
}

/* ---- ept_map request ---------------------------------------------------- */

int
epm_map_req_decode(struct ndr_cursor *c, struct epm_map_req *r)
{
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = get_uuid_p(c, &r->object)) != 0 ||
        (rc = get_twr_p(c, &r->tower)) != 0)
        goto fail;
    if (r->tower.present && r->tower.ref == r->object.ref) {
        rc = PROTO_E_FORMAT;
        goto fail;
    }
    if ((rc = get_handle(c, &r->handle)) != 0 ||
        (rc = ndr_get_u32(c, &r->max_towers)) != 0)
        goto fail;
    /* MS-RPCE 2.2.1.2.5: [range(0,500)] max_towers. */
    if (r->max_towers > EPM_MAX_TOWERS) {
        rc = PROTO_E_RANGE;
        goto fail;
    }
    note_ref(&r->ref_max, r->object.ref);
    note_ref(&r->ref_max, r->tower.ref);
    return 0;
fail:
    memset(r, 0, sizeof(*r));
    return rc;
}

int
epm_map_req_encode(struct ndr_cursor *c, const struct epm_map_req *r)
{
    struct refs g;
    int rc;

    if (r->max_towers > EPM_MAX_TOWERS)
        return PROTO_E_RANGE;
    refs_init(&g, r->ref_base);
    if ((rc = put_uuid_p(c, &g, &r->object)) != 0 ||
        (rc = put_twr_p(c, &g, &r->tower)) != 0 ||
        (rc = put_handle(c, &r->handle)) != 0)
        return rc;
    return ndr_put_u32(c, r->max_towers);
}

/* ---- ept_lookup_handle_free request -------------------------------------- */

int
epm_handle_free_req_decode(struct ndr_cursor *c, struct epm_handle *h)
{
    int rc;

    if ((rc = get_handle(c, h)) != 0)
        memset(h, 0, sizeof(*h));
    return rc;
}

int
epm_handle_free_req_encode(struct ndr_cursor *c, const struct epm_handle *h)
{
    return put_handle(c, h);
}

/* ---- ept_mgmt_delete request -------------------------------------------- */

int
epm_mgmt_delete_req_decode(struct ndr_cursor *c, struct epm_mgmt_delete_req *r)
{
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = ndr_get_u32(c, &r->object_speced)) != 0 ||
        (rc = get_uuid_p(c, &r->object)) != 0 ||
        (rc = get_twr_p(c, &r->tower)) != 0)
        goto fail;
    if (r->tower.present && r->tower.ref == r->object.ref) {
        rc = PROTO_E_FORMAT;
        goto fail;
    }
    note_ref(&r->ref_max, r->object.ref);
    note_ref(&r->ref_max, r->tower.ref);
    return 0;
fail:
    memset(r, 0, sizeof(*r));
    return rc;
}

int
epm_mgmt_delete_req_encode(struct ndr_cursor *c,
                           const struct epm_mgmt_delete_req *r)
{
    struct refs g;
    int rc;

    refs_init(&g, r->ref_base);
    if ((rc = ndr_put_u32(c, r->object_speced)) != 0 ||
        (rc = put_uuid_p(c, &g, &r->object)) != 0)
        return rc;
    return put_twr_p(c, &g, &r->tower);
}

/* ---- status-only responses ---------------------------------------------- */

int
epm_status_resp_decode(struct ndr_cursor *c, uint32_t *status)
{
    int rc;

    if ((rc = ndr_get_u32(c, status)) != 0)
        *status = 0;
    return rc;
}

int
epm_status_resp_encode(struct ndr_cursor *c, uint32_t status)
{
    return ndr_put_u32(c, status);
}

/* ---- ept_lookup response ------------------------------------------------ */

void
epm_lookup_resp_clear(struct epm_lookup_resp *r)
{
    if (r == NULL)
        return;
    free(r->entries);
    memset(r, 0, sizeof(*r));
}

/* max_count, offset, actual_count of a [size_is(max), length_is(*num)]
 * array that follows a num already read. */
static int
get_cv_array_hdr(struct ndr_cursor *c, uint32_t *max, uint32_t num,
                 uint32_t limit)
{
    uint32_t offset, actual;
    int r;

    if ((r = ndr_get_conformance(c, max, limit)) != 0 ||
        (r = ndr_get_variance(c, &offset, &actual, *max)) != 0)
        return r;
    /* No first_is: the offset is 0; length_is(*num): actual == num. */
    if (offset != 0 || actual != num)
        return PROTO_E_FORMAT;
    return 0;
}

int
epm_lookup_resp_decode(struct ndr_cursor *c, struct epm_lookup_resp *r)
{
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = get_handle(c, &r->handle)) != 0 ||
        (rc = ndr_get_u32(c, &r->num_ents)) != 0 ||
        (rc = get_cv_array_hdr(c, &r->max_ents, r->num_ents,
                               EPM_MAX_ENTS)) != 0 ||
        (rc = get_entries(c, r->num_ents, &r->entries, &r->ref_max)) != 0 ||
        (rc = ndr_get_u32(c, &r->status)) != 0)
        goto fail;
    return 0;
fail:
    epm_lookup_resp_clear(r);
    return rc;
}

int
epm_lookup_resp_encode(struct ndr_cursor *c, const struct epm_lookup_resp *r)
{
    struct refs g;
    int rc;

    if (r->max_ents > EPM_MAX_ENTS)
        return PROTO_E_RANGE;
    if (r->num_ents > r->max_ents)
        return PROTO_E_INVAL;
    if ((rc = check_entries(r->entries, r->num_ents)) != 0)
        return rc;
    refs_init(&g, r->ref_base);
    if ((rc = put_handle(c, &r->handle)) != 0 ||
        (rc = ndr_put_u32(c, r->num_ents)) != 0 ||
        (rc = ndr_put_u32(c, r->max_ents)) != 0 ||
        (rc = ndr_put_u32(c, 0)) != 0 ||
        (rc = ndr_put_u32(c, r->num_ents)) != 0 ||
        (rc = put_entries(c, &g, r->entries, r->num_ents)) != 0)
        return rc;
    return ndr_put_u32(c, r->status);
}

/* ---- ept_map response --------------------------------------------------- */

void
epm_map_resp_clear(struct epm_map_resp *r)
{
    if (r == NULL)
        return;
    free(r->towers);
    memset(r, 0, sizeof(*r));
}

int
epm_map_resp_decode(struct ndr_cursor *c, struct epm_map_resp *r)
{
    struct epm_twr *t = NULL;
    uint32_t n;
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = get_handle(c, &r->handle)) != 0 ||
        (rc = ndr_get_u32(c, &r->num_towers)) != 0 ||
        (rc = get_cv_array_hdr(c, &r->max_towers, r->num_towers,
                               EPM_MAX_TOWERS)) != 0)
        goto fail;
    n = r->num_towers;
    if (n > 0) {
        if ((rc = ndr_check_elems(c, n, 4)) != 0)
            goto fail;
        if ((t = calloc(n, sizeof(*t))) == NULL) {
            rc = PROTO_E_NOMEM;
            goto fail;
        }
        r->towers = t;
    }
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = ndr_get_ptr(c, &t[i].ref)) != 0)
            goto fail;
        t[i].present = t[i].ref != 0;
        note_ref(&r->ref_max, t[i].ref);
    }
    /* The towers follow the array of ids, in element order; an id seen
     * before is an alias (C706 14.3.11). */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j;

        if (!t[i].present)
            continue;
        for (j = 0; j < i; j++)
            if (t[j].ref == t[i].ref)
                break;
        if (j < i) {
            t[i].len = t[j].len;
            t[i].octets = t[j].octets;
        } else if ((rc = get_twr_body(c, &t[i])) != 0) {
            goto fail;
        }
    }
    if ((rc = ndr_get_u32(c, &r->status)) != 0)
        goto fail;
    return 0;
fail:
    epm_map_resp_clear(r);
    return rc;
}

int
epm_map_resp_encode(struct ndr_cursor *c, const struct epm_map_resp *r)
{
    struct refs g;
    uint32_t ids[EPM_MAX_TOWERS];
    uint32_t n = r->num_towers;
    int rc;

    if (r->max_towers > EPM_MAX_TOWERS)
        return PROTO_E_RANGE;
    if (n > r->max_towers || (n > 0 && r->towers == NULL))
        return PROTO_E_INVAL;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = check_twr(&r->towers[i])) != 0)
            return rc;
    refs_init(&g, r->ref_base);
    if ((rc = put_handle(c, &r->handle)) != 0 ||
        (rc = ndr_put_u32(c, n)) != 0 ||
        (rc = ndr_put_u32(c, r->max_towers)) != 0 ||
        (rc = ndr_put_u32(c, 0)) != 0 ||
        (rc = ndr_put_u32(c, n)) != 0)
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = r->towers[i].present ? refs_pick(&g, r->towers[i].ref) : 0;
        if ((rc = ndr_put_u32(c, ids[i])) != 0)
            return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j;

        if (ids[i] == 0)
            continue;
        for (j = 0; j < i; j++)
            if (ids[j] == ids[i])
                break;
        if (j < i) {
            if (!same_twr(&r->towers[j], &r->towers[i]))
                return PROTO_E_INVAL;
            continue;
        }
        if ((rc = put_twr_body(c, &r->towers[i])) != 0)
            return rc;
    }
    return ndr_put_u32(c, r->status);
}

/* ---- ept_lookup_handle_free and ept_inq_object responses ---------------- */

int
epm_handle_free_resp_decode(struct ndr_cursor *c,
                            struct epm_handle_free_resp *r)
{
    int rc;

    if ((rc = get_handle(c, &r->handle)) != 0 ||
        (rc = ndr_get_u32(c, &r->status)) != 0)
        memset(r, 0, sizeof(*r));
    return rc;
}

int
epm_handle_free_resp_encode(struct ndr_cursor *c,
                            const struct epm_handle_free_resp *r)
{
    int rc;

    if ((rc = put_handle(c, &r->handle)) != 0)
        return rc;
    return ndr_put_u32(c, r->status);
}

int
epm_inq_object_resp_decode(struct ndr_cursor *c,
                           struct epm_inq_object_resp *r)
{
    int rc;

    if ((rc = ndr_get_uuid(c, &r->object)) != 0 ||
        (rc = ndr_get_u32(c, &r->status)) != 0)
        memset(r, 0, sizeof(*r));
    return rc;
}

int
epm_inq_object_resp_encode(struct ndr_cursor *c,
                           const struct epm_inq_object_resp *r)
{
    int rc;

    if ((rc = ndr_put_uuid(c, &r->object)) != 0)
        return rc;
    return ndr_put_u32(c, r->status);
}
