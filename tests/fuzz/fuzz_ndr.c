/*
 * tests/fuzz/fuzz_ndr.c -- fuzz target for the NDR cursor (proto/ndr.c).
 *
 * The input is a little program for the cursor:
 *
 *   byte 0      bits 0-5: number of opcodes n (0..63)
 *               bit 6:    write mode (else read mode)
 *               bit 7:    write mode into a fixed buffer (else growing)
 *   bytes 1..n  opcodes: low nibble = operation, high nibble = argument
 *   the rest    read mode: the bytes the cursor reads
 *               write mode: a tape the values to write come from
 *
 * Read mode runs the opcodes as ndr_get_* calls over the rest of the input
 * and checks what every get promises (offset stays inside the buffer,
 * counts obey their limits, strings are terminated, borrowed pointers stay
 * inside the input); values that decode are re-encoded and decoded again.
 * Write mode runs them as ndr_put_* calls and then reads the result back
 * with the matching gets: every value must come back unchanged and the
 * reader must end exactly where the writer did.  Both modes run once with
 * little-endian and once with big-endian integers, since every integer
 * path has one branch per byte order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

#define MAX_OPS NDR_PROG_MAX_OPS

/* Count limits the argument nibble selects: 0 means "only the cursor's
 * own NDR_MAX_COUNT", otherwise a small power of two so that the limit
 * check, not the bytes-left check, is what fails. */
static uint32_t
limit_of(unsigned a)
{
    return a == 0 ? NDR_MAX_COUNT : 1u << (a - 1);
}

static void
check_cursor(const struct ndr_cursor *c, size_t len, int r)
{
    FUZZ_CHECK(FUZZ_PROTO_RC(r));
    FUZZ_CHECK(c->len == len);
    FUZZ_CHECK(c->off <= c->len);
}

/* ---- read mode ---------------------------------------------------------- */

/* Encodes a decoded string again and decodes that: what the reader
 * accepted the writer must be able to produce, byte for byte the same
 * value. */
static void
roundtrip_string(const char *s, uint8_t drep0)
{
    struct ndr_cursor w, rd;
    char *back = NULL;

    FUZZ_CHECK(ndr_init_write(&w, 0, drep0) == 0);
    FUZZ_CHECK(ndr_put_string(&w, s) == 0);
    ndr_init_read(&rd, w.data, w.len, drep0);
    FUZZ_CHECK(ndr_get_string(&rd, &back, NDR_MAX_COUNT) == 0);
    FUZZ_CHECK(strcmp(back, s) == 0);
    FUZZ_CHECK(ndr_remaining(&rd) == 0);
    free(back);
    ndr_cursor_free(&rd);
    ndr_cursor_free(&w);
}

static void
roundtrip_wstring(const uint16_t *s, uint32_t n, uint8_t drep0)
{
    struct ndr_cursor w, rd;
    uint16_t *back = NULL;
    uint32_t nback = 0;

    FUZZ_CHECK(ndr_init_write(&w, 0, drep0) == 0);
    FUZZ_CHECK(ndr_put_wstring(&w, s, n) == 0);
    ndr_init_read(&rd, w.data, w.len, drep0);
    FUZZ_CHECK(ndr_get_wstring(&rd, &back, &nback, NDR_MAX_COUNT) == 0);
    FUZZ_CHECK(nback == n);
    FUZZ_CHECK(memcmp(back, s, (size_t)n * 2) == 0);
    free(back);
    ndr_cursor_free(&rd);
    ndr_cursor_free(&w);
}

static void
roundtrip_syntax(const RPC_SYNTAX_IDENTIFIER *s, uint8_t drep0)
{
    struct ndr_cursor w, rd;
    RPC_SYNTAX_IDENTIFIER back;

    FUZZ_CHECK(ndr_init_write(&w, 0, drep0) == 0);
    FUZZ_CHECK(ndr_put_syntax(&w, s) == 0);
    FUZZ_CHECK(w.len == 20);
    ndr_init_read(&rd, w.data, w.len, drep0);
    FUZZ_CHECK(ndr_get_syntax(&rd, &back) == 0);
    FUZZ_CHECK(proto_uuid_equal(&back.SyntaxGUID, &s->SyntaxGUID));
    FUZZ_CHECK(back.SyntaxVersion.MajorVersion ==
               s->SyntaxVersion.MajorVersion);
    FUZZ_CHECK(back.SyntaxVersion.MinorVersion ==
               s->SyntaxVersion.MinorVersion);
    ndr_cursor_free(&rd);
    ndr_cursor_free(&w);
}

static void
run_read(const uint8_t *prog, size_t nops, const uint8_t *data, size_t len,
         uint8_t drep0)
{
    struct ndr_cursor c;
    /* Full-pointer ids seen so far: a model of the cursor's table. */
    uint32_t seen[MAX_OPS];
    size_t nseen = 0;

    ndr_init_read(&c, data, len, drep0);
    /* A read cursor borrows its bytes; writing through it would scribble
     * on the peer's input. */
    FUZZ_CHECK(ndr_put_u8(&c, 0) == PROTO_E_READONLY);
    FUZZ_CHECK(c.off == 0 && c.len == len);

    for (size_t i = 0; i < nops; i++) {
        unsigned op = prog[i] & 0x0f, a = prog[i] >> 4;
        size_t before = c.off;
        int r = 0;

        switch (op) {
        case OP_U8: {
            uint8_t v;
            r = ndr_get_u8(&c, &v);
            break;
        }
        case OP_U16: {
            uint16_t v;
            if ((r = ndr_get_u16(&c, &v)) == 0)
                FUZZ_CHECK(c.off % 2 == 0);
            break;
        }
        case OP_U32: {
            uint32_t v;
            int32_t iv;
            r = (a & 1) ? ndr_get_i32(&c, &iv) : ndr_get_u32(&c, &v);
            if (r == 0)
                FUZZ_CHECK(c.off % 4 == 0);
            break;
        }
        case OP_U64: {
            uint64_t v;
            if ((r = ndr_get_u64(&c, &v)) == 0)
                FUZZ_CHECK(c.off % 8 == 0);
            break;
        }
        case OP_UUID: {
            GUID u;
            r = ndr_get_uuid(&c, &u);
            break;
        }
        case OP_SYNTAX: {
            RPC_SYNTAX_IDENTIFIER s;
            if ((r = ndr_get_syntax(&c, &s)) == 0)
                roundtrip_syntax(&s, drep0);
            break;
        }
        case OP_STRING: {
            char *s = NULL;
            if ((r = ndr_get_string(&c, &s, limit_of(a))) == 0) {
                FUZZ_CHECK(s != NULL);
                /* header (12) + chars + NUL were consumed */
                FUZZ_CHECK(strlen(s) + 1 + 12 <= c.off - before);
                FUZZ_CHECK(strlen(s) + 1 <= limit_of(a));
                roundtrip_string(s, drep0);
                free(s);
            }
            break;
        }
        case OP_WSTRING: {
            uint16_t *s = NULL;
            uint32_t n = 0;
            if ((r = ndr_get_wstring(&c, &s, &n, limit_of(a))) == 0) {
                FUZZ_CHECK(s != NULL && n > 0 && n <= limit_of(a));
                FUZZ_CHECK(s[n - 1] == 0);
                for (uint32_t k = 0; k + 1 < n; k++)
                    FUZZ_CHECK(s[k] != 0);
                FUZZ_CHECK((size_t)n * 2 + 12 <= c.off - before);
                roundtrip_wstring(s, n, drep0);
                free(s);
            }
            break;
        }
        case OP_CARRAY: {
            const uint8_t *p = NULL;
            uint32_t n = 0;
            if ((r = ndr_get_carray(&c, &p, &n, limit_of(a))) == 0) {
                FUZZ_CHECK(n <= limit_of(a));
                FUZZ_CHECK(fuzz_inside(data, len, p, n));
                FUZZ_CHECK(p == NULL || p + n == data + c.off);
            }
            break;
        }
        case OP_VARYING: {
            uint32_t max = 0, off = 0, actual = 0;
            size_t esz = (size_t)1 << (a & 3);
            if ((r = ndr_get_conformance(&c, &max, limit_of(a))) != 0)
                break;
            FUZZ_CHECK(max <= limit_of(a) && max <= NDR_MAX_COUNT);
            if ((r = ndr_get_variance(&c, &off, &actual, max)) != 0)
                break;
            /* C706 14.3.3.3: the window lies inside the conformance. */
            FUZZ_CHECK(off <= max && actual <= max - off);
            r = ndr_check_elems(&c, actual, esz);
            if (r == 0)
                FUZZ_CHECK((size_t)actual * esz <= ndr_remaining(&c));
            break;
        }
        case OP_PTR: {
            uint32_t ref;
            r = ndr_get_ptr(&c, &ref);
            break;
        }
        case OP_FULL_PTR: {
            uint32_t ref = 0;
            int first = -1, known = 0;
            if ((r = ndr_get_full_ptr(&c, &ref, &first)) != 0)
                break;
            for (size_t k = 0; k < nseen; k++)
                known |= seen[k] == ref;
            /* "first" means the referent's contents follow: exactly once
             * per non-NULL id, never for NULL. */
            if (ref == 0) {
                FUZZ_CHECK(first == 0);
            } else {
                FUZZ_CHECK(first == !known);
                if (!known)
                    seen[nseen++] = ref;
            }
            break;
        }
        case OP_ALIGN: {
            /* Arguments 8..15 ask for 3, 5, 6, ... which are no
             * alignment at all: the cursor must refuse, not loop. */
            size_t n = (a & 8) ? (size_t)(a - 5) : (size_t)1 << (a & 3);
            r = ndr_align(&c, n);
            if (n & (n - 1)) {
                FUZZ_CHECK(r == PROTO_E_INVAL && c.off == before);
            } else if (r == 0) {
                FUZZ_CHECK(c.off % n == 0 && c.off - before < n);
            }
            break;
        }
        case OP_SKIP:
            if ((r = ndr_skip(&c, a)) == 0)
                FUZZ_CHECK(c.off == before + a);
            break;
        case OP_BYTES: {
            uint8_t buf[16];
            const uint8_t *p = NULL;
            if (a & 1) {
                r = ndr_get_bytes(&c, buf, a);
            } else if ((r = ndr_get_ref(&c, &p, a)) == 0) {
                FUZZ_CHECK(fuzz_inside(data, len, p, a));
            }
            break;
        }
        case OP_ENUM: {
            uint16_t v;
            r = ndr_get_enum(&c, &v);
            break;
        }
        default:
            break;
        }
        check_cursor(&c, len, r);
        /* A successful get moves forward; no get ever moves back. */
        FUZZ_CHECK(c.off >= before);
    }
    ndr_cursor_free(&c);
}

/* ---- write mode --------------------------------------------------------- */

/* Values come from the tape; once it runs out they are zeros, so every
 * program runs to its end. */
struct tape {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t
tape_u8(struct tape *t)
{
    return t->off < t->n ? t->p[t->off++] : 0;
}

static uint64_t
tape_uint(struct tape *t, size_t nbytes)
{
    uint64_t v = 0;

    for (size_t i = 0; i < nbytes; i++)
        v = v << 8 | tape_u8(t);
    return v;
}

/* What one put wrote, so that the read-back can compare. */
struct rec {
    uint8_t op, arg;
    uint64_t v;               /* integers, pointer "non-NULL", enum */
    uint32_t max, off, actual; /* conformance/variance */
    int first;                /* full pointer */
    size_t obj;               /* full pointer: object index, 0 = NULL */
    uint8_t bytes[64];        /* uuid, syntax, carray, string, bytes */
    uint16_t wchars[17];
    uint32_t n;               /* element count of the above */
};

/* Writes one value; fills *rec with what was written. */
static int
put_one(struct ndr_cursor *w, struct tape *t, unsigned op, unsigned a,
        struct rec *rec, const int *objs)
{
    memset(rec, 0, sizeof(*rec));
    rec->op = (uint8_t)op;
    rec->arg = (uint8_t)a;
    switch (op) {
    case OP_U8:
        rec->v = tape_u8(t);
        return ndr_put_u8(w, (uint8_t)rec->v);
    case OP_U16:
        rec->v = tape_uint(t, 2);
        return ndr_put_u16(w, (uint16_t)rec->v);
    case OP_U32:
        rec->v = tape_uint(t, 4);
        if (a & 1) {
            int32_t iv;
            uint32_t uv = (uint32_t)rec->v;
            memcpy(&iv, &uv, sizeof(iv));
            return ndr_put_i32(w, iv);
        }
        return ndr_put_u32(w, (uint32_t)rec->v);
    case OP_U64:
        rec->v = tape_uint(t, 8);
        return ndr_put_u64(w, rec->v);
    case OP_UUID:
    case OP_SYNTAX: {
        RPC_SYNTAX_IDENTIFIER s;
        for (size_t i = 0; i < 20; i++)
            rec->bytes[i] = tape_u8(t);
        memcpy(&s.SyntaxGUID.Data1, rec->bytes, 4);
        memcpy(&s.SyntaxGUID.Data2, rec->bytes + 4, 2);
        memcpy(&s.SyntaxGUID.Data3, rec->bytes + 6, 2);
        memcpy(s.SyntaxGUID.Data4, rec->bytes + 8, 8);
        memcpy(&s.SyntaxVersion.MajorVersion, rec->bytes + 16, 2);
        memcpy(&s.SyntaxVersion.MinorVersion, rec->bytes + 18, 2);
        return op == OP_UUID ? ndr_put_uuid(w, &s.SyntaxGUID)
                             : ndr_put_syntax(w, &s);
    }
    case OP_STRING:
        /* Characters 1..255: an embedded NUL would end the C string. */
        rec->n = tape_u8(t) % 32;
        for (uint32_t i = 0; i < rec->n; i++)
            rec->bytes[i] = (uint8_t)(tape_u8(t) | 1);
        rec->bytes[rec->n] = 0;
        return ndr_put_string(w, (const char *)rec->bytes);
    case OP_WSTRING:
        rec->n = tape_u8(t) % 16;
        for (uint32_t i = 0; i < rec->n; i++)
            rec->wchars[i] = (uint16_t)(tape_uint(t, 2) | 0x100);
        rec->wchars[rec->n++] = 0;
        return ndr_put_wstring(w, rec->wchars, rec->n);
    case OP_CARRAY:
        rec->n = tape_u8(t) % 64;
        for (uint32_t i = 0; i < rec->n; i++)
            rec->bytes[i] = tape_u8(t);
        return ndr_put_carray(w, rec->bytes, rec->n);
    case OP_VARYING: {
        /* There is no put for the conformance/variance words themselves
         * (callers write u32s); write a valid triple. */
        int r;
        rec->max = tape_u8(t);
        rec->off = rec->max ? tape_u8(t) % (rec->max + 1) : 0;
        rec->actual = tape_u8(t) % (rec->max - rec->off + 1);
        if ((r = ndr_put_u32(w, rec->max)) != 0 ||
            (r = ndr_put_u32(w, rec->off)) != 0)
            return r;
        return ndr_put_u32(w, rec->actual);
    }
    case OP_PTR:
        rec->v = tape_u8(t) & 1;
        return ndr_put_ptr(w, rec->v ? &objs[0] : NULL);
    case OP_FULL_PTR:
        /* Four objects and NULL: repeats are likely, which is the case
         * full pointers exist for. */
        rec->obj = tape_u8(t) % 5;
        return ndr_put_full_ptr(w, rec->obj ? &objs[rec->obj] : NULL,
                                &rec->first);
    case OP_ALIGN:
        return ndr_align(w, (size_t)1 << (a & 3));
    case OP_SKIP:
        /* skip on a write cursor writes zeros */
        return ndr_skip(w, a);
    case OP_BYTES:
        rec->n = a;
        for (uint32_t i = 0; i < rec->n; i++)
            rec->bytes[i] = tape_u8(t);
        return ndr_put_bytes(w, rec->bytes, rec->n);
    case OP_ENUM:
        rec->v = tape_uint(t, 2);
        return ndr_put_enum(w, (uint16_t)rec->v);
    default:
        return 0;
    }
}

/* Reads back one value written by put_one and compares. */
static void
get_one(struct ndr_cursor *c, const struct rec *rec, uint32_t *ids)
{
    switch (rec->op) {
    case OP_U8: {
        uint8_t v;
        FUZZ_CHECK(ndr_get_u8(c, &v) == 0 && v == rec->v);
        break;
    }
    case OP_U16: {
        uint16_t v;
        FUZZ_CHECK(ndr_get_u16(c, &v) == 0 && v == rec->v);
        break;
    }
    case OP_U32: {
        uint32_t v;
        FUZZ_CHECK(ndr_get_u32(c, &v) == 0 && v == rec->v);
        break;
    }
    case OP_U64: {
        uint64_t v;
        FUZZ_CHECK(ndr_get_u64(c, &v) == 0 && v == rec->v);
        break;
    }
    case OP_UUID: {
        GUID u;
        FUZZ_CHECK(ndr_get_uuid(c, &u) == 0);
        FUZZ_CHECK(memcmp(&u.Data1, rec->bytes, 4) == 0);
        FUZZ_CHECK(memcmp(&u.Data2, rec->bytes + 4, 2) == 0);
        FUZZ_CHECK(memcmp(&u.Data3, rec->bytes + 6, 2) == 0);
        FUZZ_CHECK(memcmp(u.Data4, rec->bytes + 8, 8) == 0);
        break;
    }
    case OP_SYNTAX: {
        RPC_SYNTAX_IDENTIFIER s;
        FUZZ_CHECK(ndr_get_syntax(c, &s) == 0);
        FUZZ_CHECK(memcmp(&s.SyntaxGUID.Data1, rec->bytes, 4) == 0);
        FUZZ_CHECK(memcmp(s.SyntaxGUID.Data4, rec->bytes + 8, 8) == 0);
        FUZZ_CHECK(memcmp(&s.SyntaxVersion.MajorVersion, rec->bytes + 16,
                          2) == 0);
        FUZZ_CHECK(memcmp(&s.SyntaxVersion.MinorVersion, rec->bytes + 18,
                          2) == 0);
        break;
    }
    case OP_STRING: {
        char *s = NULL;
        FUZZ_CHECK(ndr_get_string(c, &s, rec->n + 1) == 0);
        FUZZ_CHECK(strcmp(s, (const char *)rec->bytes) == 0);
        free(s);
        break;
    }
    case OP_WSTRING: {
        uint16_t *s = NULL;
        uint32_t n = 0;
        FUZZ_CHECK(ndr_get_wstring(c, &s, &n, rec->n) == 0);
        FUZZ_CHECK(n == rec->n);
        FUZZ_CHECK(memcmp(s, rec->wchars, (size_t)n * 2) == 0);
        free(s);
        break;
    }
    case OP_CARRAY: {
        const uint8_t *p = NULL;
        uint32_t n = 0;
        FUZZ_CHECK(ndr_get_carray(c, &p, &n, rec->n) == 0);
        FUZZ_CHECK(n == rec->n);
        FUZZ_CHECK(n == 0 || memcmp(p, rec->bytes, n) == 0);
        break;
    }
    case OP_VARYING: {
        uint32_t max, off, actual;
        FUZZ_CHECK(ndr_get_conformance(c, &max, rec->max) == 0);
        FUZZ_CHECK(ndr_get_variance(c, &off, &actual, max) == 0);
        FUZZ_CHECK(max == rec->max && off == rec->off &&
                   actual == rec->actual);
        break;
    }
    case OP_PTR: {
        uint32_t ref;
        FUZZ_CHECK(ndr_get_ptr(c, &ref) == 0);
        FUZZ_CHECK((ref != 0) == (rec->v != 0));
        break;
    }
    case OP_FULL_PTR: {
        uint32_t ref;
        int first;
        FUZZ_CHECK(ndr_get_full_ptr(c, &ref, &first) == 0);
        FUZZ_CHECK(first == rec->first);
        FUZZ_CHECK((ref != 0) == (rec->obj != 0));
        /* One object, one id; distinct objects, distinct ids. */
        if (rec->obj != 0) {
            if (ids[rec->obj] == 0)
                ids[rec->obj] = ref;
            FUZZ_CHECK(ids[rec->obj] == ref);
            for (size_t k = 1; k < 5; k++)
                FUZZ_CHECK(k == rec->obj || ids[k] != ref);
        }
        break;
    }
    case OP_ALIGN:
        FUZZ_CHECK(ndr_align(c, (size_t)1 << (rec->arg & 3)) == 0);
        break;
    case OP_SKIP: {
        const uint8_t *p;
        FUZZ_CHECK(ndr_get_ref(c, &p, rec->arg) == 0);
        for (size_t i = 0; i < rec->arg; i++)
            FUZZ_CHECK(p[i] == 0);
        break;
    }
    case OP_BYTES: {
        uint8_t buf[16];
        FUZZ_CHECK(ndr_get_bytes(c, buf, rec->n) == 0);
        FUZZ_CHECK(rec->n == 0 || memcmp(buf, rec->bytes, rec->n) == 0);
        break;
    }
    case OP_ENUM: {
        uint16_t v;
        FUZZ_CHECK(ndr_get_enum(c, &v) == 0 && v == rec->v);
        break;
    }
    default:
        break;
    }
}

static void
run_write(const uint8_t *prog, size_t nops, const uint8_t *data, size_t len,
          int fixed, uint8_t drep0)
{
    static struct rec recs[MAX_OPS];
    static const int objs[5];
    struct tape t = {data, len, 0};
    struct ndr_cursor w, c;
    uint8_t *fbuf = NULL;
    size_t cap = 0, done = 0;
    uint32_t ids[5] = {0};

    if (fixed) {
        /* A fixed buffer of 0..511 bytes with a guard zone behind it: a
         * put past cap must fail, not write. */
        cap = (size_t)tape_uint(&t, 2) % 512;
        FUZZ_CHECK((fbuf = malloc(cap + 16)) != NULL);
        memset(fbuf, 0xa5, cap + 16);
        ndr_init_write_fixed(&w, fbuf, cap, drep0);
    } else {
        FUZZ_CHECK(ndr_init_write(&w, tape_u8(&t), drep0) == 0);
    }

    for (size_t i = 0; i < nops; i++) {
        int r = put_one(&w, &t, prog[i] & 0x0f, (unsigned)(prog[i] >> 4),
                        &recs[i], objs);
        FUZZ_CHECK(FUZZ_PROTO_RC(r));
        FUZZ_CHECK(w.off <= w.len && (!fixed || w.len <= cap));
        if (r != 0) {
            /* Only a fixed buffer can run out of room. */
            FUZZ_CHECK(fixed && r == PROTO_E_RANGE);
            break;
        }
        done = i + 1;
    }
    if (fixed) {
        for (size_t i = cap; i < cap + 16; i++)
            FUZZ_CHECK(fbuf[i] == 0xa5);
    }

    /* Read back everything the completed puts wrote (a put that failed
     * may have left part of itself behind; that part is not read).  When
     * every put succeeded the reader must end where the writer did. */
    ndr_init_read(&c, w.data, w.len, drep0);
    for (size_t i = 0; i < done; i++)
        get_one(&c, &recs[i], ids);
    if (done == nops)
        FUZZ_CHECK(c.off == w.off);
    ndr_cursor_free(&c);

    /* A patch overwrites what is there and never extends. */
    FUZZ_CHECK(ndr_patch_u32(&w, w.len, 0) == PROTO_E_RANGE);
    FUZZ_CHECK(ndr_patch_u16(&w, w.len + 1, 0) == PROTO_E_RANGE);
    if (w.len >= 4)
        FUZZ_CHECK(ndr_patch_u32(&w, w.len - 4, 0) == 0);
    else
        FUZZ_CHECK(ndr_patch_u32(&w, 0, 0) == PROTO_E_RANGE);

    if (!fixed) {
        size_t wlen = 0, before = w.len;
        uint8_t *out = ndr_steal(&w, &wlen);
        FUZZ_CHECK(wlen == before && (out != NULL || wlen == 0));
        FUZZ_CHECK(w.data == NULL && w.len == 0);
        free(out);
    }
    ndr_cursor_free(&w);
    free(fbuf);
}

int
FUZZ_ENTRY(ndr)(const uint8_t *data, size_t size)
{
    size_t nops;
    const uint8_t *prog, *rest;
    size_t rest_len;
    static const uint8_t dreps[2] = {DREP_LE, DREP_BE};

    if (size < 1 || size > FUZZ_NDR_MAX)
        return 0;
    nops = data[0] & 0x3f;
    if (nops > size - 1)
        nops = size - 1;
    prog = data + 1;
    rest = data + 1 + nops;
    rest_len = size - 1 - nops;

    for (size_t d = 0; d < 2; d++) {
        if (data[0] & NDR_PROG_WRITE)
            run_write(prog, nops, rest, rest_len,
                      (data[0] & NDR_PROG_FIXED) != 0, dreps[d]);
        else
            run_read(prog, nops, rest, rest_len, dreps[d]);
    }
    return 0;
}
