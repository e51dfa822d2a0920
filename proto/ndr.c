/*
 * proto/ndr.c -- the NDR 2.0 cursor (C706 chapter 14).
 *
 * Every get checks the bytes left before it consumes; every put checks
 * the room left (or grows an owned buffer) before it writes; sizes are
 * checked for overflow.  Nothing here aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

/* Referent ids start where Windows' stubs start them (MS-RPCE 2.2.5.3.x
 * notes that any non-zero value is valid; these are what peers expect to
 * see in captures). */
#define NDR_FIRST_REFERENT 0x00020000u
#define NDR_REFERENT_STEP  4u

/* Full-pointer ids seen (read) or handed out (write): an open-addressing
 * hash on the key (the id when reading, the object when writing), so that
 * a request with many pointers costs linear time, not quadratic. */
struct ndr_ptrent {
    uintptr_t key;          /* 0: empty slot */
    uint32_t id;
};

struct ndr_ptrtab {
    size_t n, cap;          /* cap: a power of two, or 0 */
    struct ndr_ptrent *ent;
};

void
ndr_init_read(struct ndr_cursor *c, const void *data, size_t len,
              uint8_t drep0)
{
    memset(c, 0, sizeof(*c));
    /* The cursor type is shared with writers; writable == 0 keeps every
     * put away from this borrowed buffer. */
    c->data = (uint8_t *)(uintptr_t)data;
    c->len = data != NULL ? len : 0;
    c->drep0 = drep0;
    c->next_ref = NDR_FIRST_REFERENT;
}

int
ndr_init_write(struct ndr_cursor *c, size_t hint, uint8_t drep0)
{
    memset(c, 0, sizeof(*c));
    c->drep0 = drep0;
    c->writable = 1;
    c->owned = 1;
    c->next_ref = NDR_FIRST_REFERENT;
    if (hint > 0) {
        if ((c->data = malloc(hint)) == NULL)
            return PROTO_E_NOMEM;
        c->cap = hint;
    }
    return 0;
}

void
ndr_init_write_fixed(struct ndr_cursor *c, void *buf, size_t cap,
                     uint8_t drep0)
{
    memset(c, 0, sizeof(*c));
    c->data = buf;
    c->cap = buf != NULL ? cap : 0;
    c->drep0 = drep0;
    c->writable = 1;
    c->next_ref = NDR_FIRST_REFERENT;
}

void
ndr_cursor_free(struct ndr_cursor *c)
{
    if (c == NULL)
        return;
    if (c->owned)
        free(c->data);
    if (c->ptrs != NULL) {
        free(c->ptrs->ent);
        free(c->ptrs);
    }
    memset(c, 0, sizeof(*c));
}

uint8_t *
ndr_steal(struct ndr_cursor *c, size_t *len)
{
    uint8_t *d;

    if (!c->owned)
        return NULL;
    d = c->data;
    if (len != NULL)
        *len = c->len;
    c->data = NULL;
    c->len = c->cap = c->off = 0;
    return d;
}

size_t
ndr_remaining(const struct ndr_cursor *c)
{
    return c->off <= c->len ? c->len - c->off : 0;
}

int
ndr_is_le(const struct ndr_cursor *c)
{
    return drep_is_le(c->drep0);
}

/* ---- room -------------------------------------------------------------- */

static int
need_read(const struct ndr_cursor *c, size_t n)
{
    if (c->off > c->len || n > c->len - c->off)
        return PROTO_E_SHORT;
    return 0;
}

/* Makes room for n bytes at off; the write then extends len. */
static int
grow(struct ndr_cursor *c, size_t n)
{
    size_t want, ncap;
    uint8_t *nd;

    if (!c->writable)
        return PROTO_E_READONLY;
    if (c->off + n < c->off)
        return PROTO_E_OVERFLOW;
    want = c->off + n;
    if (want <= c->cap)
        return 0;
    if (!c->owned)
        return PROTO_E_RANGE;
    ncap = c->cap ? c->cap : 64;
    while (ncap < want) {
        if (ncap > SIZE_MAX / 2)
            return PROTO_E_OVERFLOW;
        ncap *= 2;
    }
    if ((nd = realloc(c->data, ncap)) == NULL)
        return PROTO_E_NOMEM;
    c->data = nd;
    c->cap = ncap;
    return 0;
}

/* The room is usually there: checked here, inline, grown apart. */
static inline int
need_write(struct ndr_cursor *c, size_t n)
{
    if (c->writable && c->off <= c->cap && n <= c->cap - c->off)
        return 0;
    return grow(c, n);
}

static void
wrote(struct ndr_cursor *c, size_t n)
{
    c->off += n;
    if (c->off > c->len)
        c->len = c->off;
}

int
ndr_skip(struct ndr_cursor *c, size_t n)
{
    int r;

    if (c->writable)
        return ndr_put_zeros(c, n);
    if ((r = need_read(c, n)) != 0)
        return r;
    c->off += n;
    return 0;
}

int
ndr_align(struct ndr_cursor *c, size_t n)
{
    size_t pad;

    if (n == 0 || (n & (n - 1)) != 0)
        return PROTO_E_INVAL;
    pad = (n - (c->off & (n - 1))) & (n - 1);
    if (pad == 0)
        return 0;
    /* Writers pad with zeros; readers skip whatever is there (C706 14.2.2
     * leaves the content of alignment gaps unspecified). */
    return ndr_skip(c, pad);
}

/* ---- fixed-size integers ------------------------------------------------ */

/* get_uint and put_uint are inline with n a constant at each call (1, 2,
 * 4 or 8), so that ndr_load/ndr_store's loops unroll and the alignment
 * mask folds: PDU headers and stubs are mostly these calls. */
/* Pads to a multiple of n (a power of two) before an n-byte integer. */
static inline int
align_for(struct ndr_cursor *c, size_t n)
{
    size_t pad = (n - (c->off & (n - 1))) & (n - 1);

    return pad == 0 ? 0 : ndr_skip(c, pad);
}

static inline int
get_uint(struct ndr_cursor *c, size_t n, uint64_t *v)
{
    int r;

    if ((r = align_for(c, n)) != 0 || (r = need_read(c, n)) != 0)
        return r;
    *v = ndr_load(c->data + c->off, n, ndr_is_le(c));
    c->off += n;
    return 0;
}

static inline int
put_uint(struct ndr_cursor *c, size_t n, uint64_t v)
{
    int r;

    if ((r = align_for(c, n)) != 0 || (r = need_write(c, n)) != 0)
        return r;
    ndr_store(c->data + c->off, n, v, ndr_is_le(c));
    wrote(c, n);
    return 0;
}

int
ndr_get_u8(struct ndr_cursor *c, uint8_t *v)
{
    uint64_t x;
    int r = get_uint(c, 1, &x);

    if (r == 0)
        *v = (uint8_t)x;
    return r;
}

int
ndr_get_u16(struct ndr_cursor *c, uint16_t *v)
{
    uint64_t x;
    int r = get_uint(c, 2, &x);

    if (r == 0)
        *v = (uint16_t)x;
    return r;
}

int
ndr_get_u32(struct ndr_cursor *c, uint32_t *v)
{
    uint64_t x;
    int r = get_uint(c, 4, &x);

    if (r == 0)
        *v = (uint32_t)x;
    return r;
}

int
ndr_get_u64(struct ndr_cursor *c, uint64_t *v)
{
    return get_uint(c, 8, v);
}

int
ndr_get_i32(struct ndr_cursor *c, int32_t *v)
{
    uint32_t x;
    int r = ndr_get_u32(c, &x);

    if (r == 0)
        memcpy(v, &x, sizeof(*v));
    return r;
}

int
ndr_get_enum(struct ndr_cursor *c, uint16_t *v)
{
    /* C706 14.2.6: an enum is a 16-bit integer unless [v1_enum]. */
    return ndr_get_u16(c, v);
}

int
ndr_put_u8(struct ndr_cursor *c, uint8_t v)
{
    return put_uint(c, 1, v);
}

int
ndr_put_u16(struct ndr_cursor *c, uint16_t v)
{
    return put_uint(c, 2, v);
}

int
ndr_put_u32(struct ndr_cursor *c, uint32_t v)
{
    return put_uint(c, 4, v);
}

int
ndr_put_u64(struct ndr_cursor *c, uint64_t v)
{
    return put_uint(c, 8, v);
}

int
ndr_put_i32(struct ndr_cursor *c, int32_t v)
{
    uint32_t x;

    memcpy(&x, &v, sizeof(x));
    return ndr_put_u32(c, x);
}

int
ndr_put_enum(struct ndr_cursor *c, uint16_t v)
{
    return ndr_put_u16(c, v);
}

int
ndr_patch_u16(struct ndr_cursor *c, size_t at, uint16_t v)
{
    if (!c->writable)
        return PROTO_E_READONLY;
    if (at > c->len || c->len - at < 2)
        return PROTO_E_RANGE;
    ndr_store(c->data + at, 2, v, ndr_is_le(c));
    return 0;
}

int
ndr_patch_u32(struct ndr_cursor *c, size_t at, uint32_t v)
{
    if (!c->writable)
        return PROTO_E_READONLY;
    if (at > c->len || c->len - at < 4)
        return PROTO_E_RANGE;
    ndr_store(c->data + at, 4, v, ndr_is_le(c));
    return 0;
}

/* ---- UUIDs and syntax ids ---------------------------------------------- */

int
ndr_get_uuid(struct ndr_cursor *c, GUID *u)
{
    /* C706 Appendix A: u32, u16, u16, then 8 bytes in order; the
     * integers follow drep. */
    uint32_t d1;
    uint16_t d2, d3;
    int r;

    if ((r = ndr_get_u32(c, &d1)) != 0 || (r = ndr_get_u16(c, &d2)) != 0 ||
        (r = ndr_get_u16(c, &d3)) != 0 ||
        (r = ndr_get_bytes(c, u->Data4, 8)) != 0)
        return r;
    u->Data1 = d1;
    u->Data2 = d2;
    u->Data3 = d3;
    return 0;
}

int
ndr_put_uuid(struct ndr_cursor *c, const GUID *u)
{
    int r;

    if ((r = ndr_put_u32(c, u->Data1)) != 0 ||
        (r = ndr_put_u16(c, u->Data2)) != 0 ||
        (r = ndr_put_u16(c, u->Data3)) != 0 ||
        (r = ndr_put_bytes(c, u->Data4, 8)) != 0)
        return r;
    return 0;
}

int
ndr_get_syntax(struct ndr_cursor *c, RPC_SYNTAX_IDENTIFIER *s)
{
    /* C706 12.6.3.1 p_syntax_id_t: uuid, u32 version with the major
     * version in the low 16 bits. */
    uint32_t v;
    int r;

    if ((r = ndr_get_uuid(c, &s->SyntaxGUID)) != 0 ||
        (r = ndr_get_u32(c, &v)) != 0)
        return r;
    s->SyntaxVersion.MajorVersion = (unsigned short)(v & 0xffff);
    s->SyntaxVersion.MinorVersion = (unsigned short)(v >> 16);
    return 0;
}

int
ndr_put_syntax(struct ndr_cursor *c, const RPC_SYNTAX_IDENTIFIER *s)
{
    int r;

    if ((r = ndr_put_uuid(c, &s->SyntaxGUID)) != 0)
        return r;
    return ndr_put_u32(c, (uint32_t)s->SyntaxVersion.MajorVersion |
                              (uint32_t)s->SyntaxVersion.MinorVersion << 16);
}

/* ---- byte strings ------------------------------------------------------- */

int
ndr_get_bytes(struct ndr_cursor *c, void *dst, size_t n)
{
    int r;

    if ((r = need_read(c, n)) != 0)
        return r;
    if (n > 0)
        memcpy(dst, c->data + c->off, n);
    c->off += n;
    return 0;
}

int
ndr_get_ref(struct ndr_cursor *c, const uint8_t **p, size_t n)
{
    int r;

    if ((r = need_read(c, n)) != 0)
        return r;
    /* A cursor over no buffer has no address to offset. */
    *p = c->data != NULL ? c->data + c->off : NULL;
    c->off += n;
    return 0;
}

int
ndr_put_bytes(struct ndr_cursor *c, const void *src, size_t n)
{
    int r;

    if ((r = need_write(c, n)) != 0)
        return r;
    if (n > 0)
        memcpy(c->data + c->off, src, n);
    wrote(c, n);
    return 0;
}

int
ndr_put_zeros(struct ndr_cursor *c, size_t n)
{
    int r;

    if ((r = need_write(c, n)) != 0)
        return r;
    if (n > 0)
        memset(c->data + c->off, 0, n);
    wrote(c, n);
    return 0;
}

/* ---- arrays and strings (C706 14.3.3, 14.3.4) -------------------------- */

int
ndr_check_elems(const struct ndr_cursor *c, uint32_t count, size_t elem_size)
{
    if (elem_size != 0 && count > SIZE_MAX / elem_size)
        return PROTO_E_OVERFLOW;
    return need_read(c, (size_t)count * elem_size);
}

int
ndr_get_conformance(struct ndr_cursor *c, uint32_t *max_count, uint32_t limit)
{
    int r;

    if ((r = ndr_get_u32(c, max_count)) != 0)
        return r;
    if (*max_count > limit || *max_count > NDR_MAX_COUNT)
        return PROTO_E_RANGE;
    return 0;
}

int
ndr_get_variance(struct ndr_cursor *c, uint32_t *offset, uint32_t *actual,
                 uint32_t max_count)
{
    int r;

    if ((r = ndr_get_u32(c, offset)) != 0 || (r = ndr_get_u32(c, actual)) != 0)
        return r;
    /* C706 14.3.3.3: offset + actual_count must not pass max_count. */
    if (*offset > max_count || *actual > max_count - *offset)
        return PROTO_E_RANGE;
    return 0;
}

int
ndr_get_carray(struct ndr_cursor *c, const uint8_t **p, uint32_t *count,
               uint32_t limit)
{
    int r;

    if ((r = ndr_get_conformance(c, count, limit)) != 0)
        return r;
    return ndr_get_ref(c, p, *count);
}

int
ndr_put_carray(struct ndr_cursor *c, const void *p, uint32_t count)
{
    int r;

    if ((r = ndr_put_u32(c, count)) != 0)
        return r;
    return ndr_put_bytes(c, p, count);
}

/* Reads max/offset/actual of a string and checks it can hold n chars of
 * width w, NUL-terminated. */
static int
get_string_hdr(struct ndr_cursor *c, uint32_t *actual, size_t w,
               uint32_t limit)
{
    uint32_t max, offset;
    int r;

    if ((r = ndr_get_conformance(c, &max, limit)) != 0 ||
        (r = ndr_get_variance(c, &offset, actual, max)) != 0)
        return r;
    /* Strings start at element 0 and carry their terminator (C706
     * 14.3.4). */
    if (offset != 0 || *actual == 0)
        return PROTO_E_FORMAT;
    return ndr_check_elems(c, *actual, w);
}

int
ndr_get_string(struct ndr_cursor *c, char **s, uint32_t limit)
{
    uint32_t actual;
    const uint8_t *p;
    char *out;
    int r;

    *s = NULL;
    if ((r = get_string_hdr(c, &actual, 1, limit)) != 0)
        return r;
    if ((r = ndr_get_ref(c, &p, actual)) != 0)
        return r;
    if (p[actual - 1] != '\0' || memchr(p, '\0', actual - 1) != NULL)
        return PROTO_E_FORMAT;
    if ((out = malloc(actual)) == NULL)
        return PROTO_E_NOMEM;
    memcpy(out, p, actual);
    *s = out;
    return 0;
}

int
ndr_put_string(struct ndr_cursor *c, const char *s)
{
    size_t n = strlen(s) + 1;
    int r;

    if (n > NDR_MAX_COUNT)
        return PROTO_E_RANGE;
    if ((r = ndr_put_u32(c, (uint32_t)n)) != 0 ||
        (r = ndr_put_u32(c, 0)) != 0 ||
        (r = ndr_put_u32(c, (uint32_t)n)) != 0)
        return r;
    return ndr_put_bytes(c, s, n);
}

int
ndr_get_wstring(struct ndr_cursor *c, uint16_t **s, uint32_t *nchars,
                uint32_t limit)
{
    uint32_t actual;
    uint16_t *out;
    int r;

    *s = NULL;
    if ((r = get_string_hdr(c, &actual, 2, limit)) != 0)
        return r;
    if ((out = malloc((size_t)actual * 2)) == NULL)
        return PROTO_E_NOMEM;
    for (uint32_t i = 0; i < actual; i++) {
        if ((r = ndr_get_u16(c, &out[i])) != 0 ||
            (out[i] == 0) != (i == actual - 1)) {
            free(out);
            return r != 0 ? r : PROTO_E_FORMAT;
        }
    }
    *s = out;
    *nchars = actual;
    return 0;
}

int
ndr_put_wstring(struct ndr_cursor *c, const uint16_t *s, uint32_t nchars)
{
    int r;

    if (nchars == 0 || s[nchars - 1] != 0)
        return PROTO_E_INVAL;
    if ((r = ndr_put_u32(c, nchars)) != 0 || (r = ndr_put_u32(c, 0)) != 0 ||
        (r = ndr_put_u32(c, nchars)) != 0)
        return r;
    for (uint32_t i = 0; i < nchars; i++)
        if ((r = ndr_put_u16(c, s[i])) != 0)
            return r;
    return 0;
}

/* ---- pointers (C706 14.3.10-14.3.12) ------------------------------------ */

int
ndr_get_ptr(struct ndr_cursor *c, uint32_t *referent)
{
    return ndr_get_u32(c, referent);
}

int
ndr_put_ptr(struct ndr_cursor *c, const void *p)
{
    uint32_t id = 0;

    if (p != NULL) {
        id = c->next_ref;
        c->next_ref += NDR_REFERENT_STEP;
    }
    return ndr_put_u32(c, id);
}

static size_t
ptr_hash(uintptr_t k, size_t mask)
{
    uint64_t x = (uint64_t)k * 0x9e3779b97f4a7c15ull;

    return (size_t)(x >> 32) & mask;
}

static int
ptrtab_grow(struct ndr_ptrtab *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 64;
    struct ndr_ptrent *ne = calloc(ncap, sizeof(*ne));

    if (ne == NULL)
        return PROTO_E_NOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->ent[i].key != 0) {
            size_t j = ptr_hash(t->ent[i].key, ncap - 1);
            while (ne[j].key != 0)
                j = (j + 1) & (ncap - 1);
            ne[j] = t->ent[i];
        }
    }
    free(t->ent);
    t->ent = ne;
    t->cap = ncap;
    return 0;
}

/* Finds obj (put side) or id (get side, obj NULL) in the table; adds it
 * when absent.  *first tells which. */
static int
ptrtab_lookup(struct ndr_cursor *c, const void *obj, uint32_t *id, int *first)
{
    struct ndr_ptrtab *t = c->ptrs;
    uintptr_t key = obj != NULL ? (uintptr_t)obj : (uintptr_t)*id;
    size_t i;
    int r;

    if (t == NULL) {
        if ((t = calloc(1, sizeof(*t))) == NULL)
            return PROTO_E_NOMEM;
        c->ptrs = t;
    }
    if ((t->n + 1) * 2 > t->cap && (r = ptrtab_grow(t)) != 0)
        return r;
    for (i = ptr_hash(key, t->cap - 1); t->ent[i].key != 0; i = (i + 1) & (t->cap - 1)) {
        if (t->ent[i].key == key) {
            *id = t->ent[i].id;
            *first = 0;
            return 0;
        }
    }
    if (obj != NULL) {
        *id = c->next_ref;
        c->next_ref += NDR_REFERENT_STEP;
    }
    t->ent[i].key = key;
    t->ent[i].id = *id;
    t->n++;
    *first = 1;
    return 0;
}

int
ndr_get_full_ptr(struct ndr_cursor *c, uint32_t *referent, int *first)
{
    int r;

    *first = 0;
    if ((r = ndr_get_u32(c, referent)) != 0)
        return r;
    if (*referent == 0)
        return 0;
    return ptrtab_lookup(c, NULL, referent, first);
}

int
ndr_put_full_ptr(struct ndr_cursor *c, const void *p, int *first)
{
    uint32_t id = 0;
    int r;

    *first = 0;
    if (p != NULL && (r = ptrtab_lookup(c, p, &id, first)) != 0)
        return r;
    return ndr_put_u32(c, id);
}
