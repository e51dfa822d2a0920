/*
 * tests/check_ndr.c -- the NDR 2.0 cursor: both byte orders, alignment,
 * bounds, arrays, strings and pointers.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "tests/tests.h"

START_TEST(test_integers_both_orders)
{
    static const uint8_t le[] = {0xab, 0, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12,
                                 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    static const uint8_t be[] = {0xab, 0, 0x12, 0x34, 0x12, 0x34, 0x56, 0x78,
                                 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    const uint8_t *bufs[2] = {le, be};
    const uint8_t dreps[2] = {DREP_LE, DREP_BE};

    for (int i = 0; i < 2; i++) {
        struct ndr_cursor r, w;
        uint8_t a;
        uint16_t b;
        uint32_t c;
        uint64_t d;

        ndr_init_read(&r, bufs[i], 16, dreps[i]);
        ck_assert_int_eq(ndr_get_u8(&r, &a), 0);
        ck_assert_int_eq(ndr_get_u16(&r, &b), 0);   /* aligns to 2 */
        ck_assert_int_eq(ndr_get_u32(&r, &c), 0);
        ck_assert_int_eq(ndr_get_u64(&r, &d), 0);
        ck_assert_uint_eq(a, 0xab);
        ck_assert_uint_eq(b, 0x1234);
        ck_assert_uint_eq(c, 0x12345678);
        ck_assert_uint_eq(d, 0x0102030405060708ull);
        ck_assert_uint_eq(ndr_remaining(&r), 0);
        ck_assert_int_eq(ndr_get_u8(&r, &a), PROTO_E_SHORT);

        ck_assert_int_eq(ndr_init_write(&w, 0, dreps[i]), 0);
        ck_assert_int_eq(ndr_put_u8(&w, 0xab), 0);
        ck_assert_int_eq(ndr_put_u16(&w, 0x1234), 0);
        ck_assert_int_eq(ndr_put_u32(&w, 0x12345678), 0);
        ck_assert_int_eq(ndr_put_u64(&w, 0x0102030405060708ull), 0);
        ck_assert_uint_eq(w.len, 16);
        ck_assert_mem_eq(w.data, bufs[i], 16);
        ndr_cursor_free(&w);
    }
}
END_TEST

START_TEST(test_signed_and_enum)
{
    struct ndr_cursor w, r;
    int32_t v;
    uint16_t e;

    ck_assert_int_eq(ndr_init_write(&w, 4, DREP_BE), 0);
    ck_assert_int_eq(ndr_put_i32(&w, -2), 0);
    ck_assert_int_eq(ndr_put_enum(&w, 7), 0);
    ck_assert_uint_eq(w.len, 6);
    ndr_init_read(&r, w.data, w.len, DREP_BE);
    ck_assert_int_eq(ndr_get_i32(&r, &v), 0);
    ck_assert_int_eq(v, -2);
    ck_assert_int_eq(ndr_get_enum(&r, &e), 0);
    ck_assert_uint_eq(e, 7);
    ndr_cursor_free(&w);
}
END_TEST

START_TEST(test_alignment_padding)
{
    struct ndr_cursor w, r;
    uint8_t b;
    uint64_t q;

    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_LE), 0);
    ck_assert_int_eq(ndr_put_u8(&w, 1), 0);
    ck_assert_int_eq(ndr_put_u64(&w, 2), 0);
    ck_assert_uint_eq(w.len, 16);
    for (int i = 1; i < 8; i++)
        ck_assert_uint_eq(w.data[i], 0);     /* writers pad with zeros */
    ck_assert_int_eq(ndr_align(&w, 3), PROTO_E_INVAL);

    /* Readers skip whatever the gap holds. */
    w.data[3] = 0xff;
    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_u8(&r, &b), 0);
    ck_assert_int_eq(ndr_get_u64(&r, &q), 0);
    ck_assert_uint_eq(q, 2);
    /* Alignment past the end is a short read, not a wrap. */
    ndr_init_read(&r, w.data, 5, DREP_LE);
    ck_assert_int_eq(ndr_get_u8(&r, &b), 0);
    ck_assert_int_eq(ndr_get_u64(&r, &q), PROTO_E_SHORT);
    ndr_cursor_free(&w);
}
END_TEST

START_TEST(test_uuid_wire_layout)
{
    GUID g, h;
    struct ndr_cursor w, r;
    static const uint8_t le[16] = {0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11,
                                   0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa};

    ck_assert_int_eq(proto_uuid_parse(EPM_IF_UUID_STR, &g), 0);
    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_LE), 0);
    ck_assert_int_eq(ndr_put_uuid(&w, &g), 0);
    ck_assert_mem_eq(w.data, le, 16);
    ndr_cursor_free(&w);

    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_BE), 0);
    ck_assert_int_eq(ndr_put_uuid(&w, &g), 0);
    ck_assert_uint_eq(w.data[0], 0xe1);         /* Data1 big-endian */
    ck_assert_uint_eq(w.data[8], 0x91);         /* Data4 unchanged */
    ndr_init_read(&r, w.data, w.len, DREP_BE);
    ck_assert_int_eq(ndr_get_uuid(&r, &h), 0);
    ck_assert(proto_uuid_equal(&g, &h));
    ndr_cursor_free(&w);
}
END_TEST

START_TEST(test_fixed_buffer)
{
    uint8_t buf[6];
    struct ndr_cursor w;

    ndr_init_write_fixed(&w, buf, sizeof(buf), DREP_LE);
    ck_assert_int_eq(ndr_put_u32(&w, 1), 0);
    ck_assert_int_eq(ndr_put_u32(&w, 2), PROTO_E_RANGE);
    ck_assert_int_eq(ndr_put_u16(&w, 3), 0);
    ck_assert_uint_eq(w.len, 6);
    ck_assert_ptr_null(ndr_steal(&w, NULL));    /* not owned */
    ndr_cursor_free(&w);                        /* does not free buf */
    ck_assert_uint_eq(buf[4], 3);
}
END_TEST

START_TEST(test_read_cursor_refuses_puts)
{
    uint8_t buf[8] = {0};
    struct ndr_cursor r;

    ndr_init_read(&r, buf, sizeof(buf), DREP_LE);
    ck_assert_int_eq(ndr_put_u32(&r, 1), PROTO_E_READONLY);
    ck_assert_int_eq(ndr_patch_u16(&r, 0, 1), PROTO_E_READONLY);
    ndr_init_read(&r, NULL, 100, DREP_LE);
    ck_assert_uint_eq(ndr_remaining(&r), 0);
}
END_TEST

START_TEST(test_conformant_arrays)
{
    struct ndr_cursor w, r;
    const uint8_t *p;
    uint32_t n, off, act, max;

    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_LE), 0);
    ck_assert_int_eq(ndr_put_carray(&w, "hello", 5), 0);
    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_carray(&r, &p, &n, 100), 0);
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(p, "hello", 5);
    /* Above the caller's limit. */
    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_carray(&r, &p, &n, 4), PROTO_E_RANGE);
    /* A count larger than the bytes present never gets as far as an
     * allocation: a short read. */
    ck_assert_int_eq(ndr_patch_u32(&w, 0, 1000), 0);
    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_carray(&r, &p, &n, 0xffffffffu), PROTO_E_SHORT);
    ck_assert_int_eq(ndr_patch_u32(&w, 0, 0xffffffffu), 0);
    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_carray(&r, &p, &n, 0xffffffffu), PROTO_E_RANGE);
    ndr_cursor_free(&w);

    /* Variance: offset + actual must stay within max_count. */
    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_LE), 0);
    ck_assert_int_eq(ndr_put_u32(&w, 10), 0);
    ck_assert_int_eq(ndr_put_u32(&w, 4), 0);
    ck_assert_int_eq(ndr_put_u32(&w, 7), 0);
    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_conformance(&r, &max, 100), 0);
    ck_assert_int_eq(ndr_get_variance(&r, &off, &act, max), PROTO_E_RANGE);
    ck_assert_int_eq(ndr_patch_u32(&w, 8, 6), 0);
    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_conformance(&r, &max, 100), 0);
    ck_assert_int_eq(ndr_get_variance(&r, &off, &act, max), 0);
    ck_assert_uint_eq(off, 4);
    ck_assert_uint_eq(act, 6);
    /* 0xffffffff elements of 8 bytes: overflow or short, never a wrap. */
    ck_assert_int_ne(ndr_check_elems(&r, 0xffffffffu, 8), 0);
    ndr_cursor_free(&w);
}
END_TEST

START_TEST(test_strings)
{
    struct ndr_cursor w, r;
    char *s;

    for (int o = 0; o < 2; o++) {
        uint8_t drep = o ? DREP_BE : DREP_LE;

        ck_assert_int_eq(ndr_init_write(&w, 0, drep), 0);
        ck_assert_int_eq(ndr_put_u8(&w, 9), 0);
        ck_assert_int_eq(ndr_put_string(&w, "ncacn_ip_tcp"), 0);
        ck_assert_uint_eq(w.len, 4 + 12 + 13);
        ndr_init_read(&r, w.data, w.len, drep);
        ck_assert_int_eq(ndr_skip(&r, 1), 0);
        ck_assert_int_eq(ndr_get_string(&r, &s, 1024), 0);
        ck_assert_str_eq(s, "ncacn_ip_tcp");
        free(s);
        ndr_cursor_free(&w);
    }

    /* Missing terminator, embedded NUL, non-zero offset, actual 0. */
    static const uint8_t noterm[] = {3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'c'};
    static const uint8_t embedded[] = {3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 0};
    static const uint8_t offset[] = {3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'a', 0};
    static const uint8_t empty[] = {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t big[] = {0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 'a'};
    const struct { const uint8_t *b; size_t n; int err; } bad[] = {
        {noterm, sizeof(noterm), PROTO_E_FORMAT},
        {embedded, sizeof(embedded), PROTO_E_FORMAT},
        {offset, sizeof(offset), PROTO_E_FORMAT},
        {empty, sizeof(empty), PROTO_E_FORMAT},
        {big, sizeof(big), PROTO_E_SHORT},
        {noterm, 7, PROTO_E_SHORT},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ndr_init_read(&r, bad[i].b, bad[i].n, DREP_LE);
        ck_assert_int_eq(ndr_get_string(&r, &s, NDR_MAX_COUNT), bad[i].err);
        ck_assert_ptr_null(s);
    }
}
END_TEST

START_TEST(test_wstrings)
{
    static const uint16_t hi[] = {'h', 'i', 0};
    static const uint16_t unterminated[] = {'h', 'i'};
    struct ndr_cursor w, r;
    uint16_t *s;
    uint32_t n;

    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_BE), 0);
    ck_assert_int_eq(ndr_put_wstring(&w, unterminated, 2), PROTO_E_INVAL);
    ck_assert_int_eq(ndr_put_wstring(&w, hi, 3), 0);
    ck_assert_uint_eq(w.len, 12 + 6);
    ck_assert_uint_eq(w.data[13], 'h');  /* big-endian code units */
    ndr_init_read(&r, w.data, w.len, DREP_BE);
    ck_assert_int_eq(ndr_get_wstring(&r, &s, &n, 100), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(s, hi, sizeof(hi));
    free(s);
    /* A NUL before the end is malformed. */
    w.data[14] = 0;
    w.data[15] = 0;
    ndr_init_read(&r, w.data, w.len, DREP_BE);
    ck_assert_int_eq(ndr_get_wstring(&r, &s, &n, 100), PROTO_E_FORMAT);
    ck_assert_ptr_null(s);
    ndr_cursor_free(&w);
}
END_TEST

START_TEST(test_pointers)
{
    struct ndr_cursor w, r;
    int x, y, first;
    uint32_t id;

    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_LE), 0);
    ck_assert_int_eq(ndr_put_ptr(&w, NULL), 0);
    ck_assert_int_eq(ndr_put_ptr(&w, &x), 0);
    ck_assert_int_eq(ndr_put_ptr(&w, &y), 0);
    ck_assert_int_eq(ndr_put_full_ptr(&w, &x, &first), 0);
    ck_assert_int_eq(first, 1);
    ck_assert_int_eq(ndr_put_full_ptr(&w, &x, &first), 0);
    ck_assert_int_eq(first, 0);
    ck_assert_int_eq(ndr_put_full_ptr(&w, NULL, &first), 0);
    ck_assert_int_eq(first, 0);

    ndr_init_read(&r, w.data, w.len, DREP_LE);
    ck_assert_int_eq(ndr_get_ptr(&r, &id), 0);
    ck_assert_uint_eq(id, 0);
    ck_assert_int_eq(ndr_get_ptr(&r, &id), 0);
    ck_assert_uint_eq(id, 0x00020000);
    ck_assert_int_eq(ndr_get_ptr(&r, &id), 0);
    ck_assert_uint_eq(id, 0x00020004);
    ck_assert_int_eq(ndr_get_full_ptr(&r, &id, &first), 0);
    ck_assert_int_eq(first, 1);
    ck_assert_uint_eq(id, 0x00020008);
    ck_assert_int_eq(ndr_get_full_ptr(&r, &id, &first), 0);
    ck_assert_int_eq(first, 0);
    ck_assert_uint_eq(id, 0x00020008);
    ck_assert_int_eq(ndr_get_full_ptr(&r, &id, &first), 0);
    ck_assert_int_eq(first, 0);
    ck_assert_uint_eq(id, 0);
    ndr_cursor_free(&r);
    ndr_cursor_free(&w);
}
END_TEST

START_TEST(test_growth_and_steal)
{
    struct ndr_cursor w;
    uint8_t *p;
    size_t n;

    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_LE), 0);
    for (uint32_t i = 0; i < 100000; i++)
        ck_assert_int_eq(ndr_put_u32(&w, i), 0);
    ck_assert_uint_eq(w.len, 400000);
    p = ndr_steal(&w, &n);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(n, 400000);
    ck_assert_uint_eq(p[4 * 99999], (uint8_t)99999);
    free(p);
    ndr_cursor_free(&w);
    ndr_cursor_free(NULL);
}
END_TEST

Suite *
ndr_suite(void)
{
    Suite *s = suite_create("ndr");
    TCase *tc = tcase_create("cursor");

    tcase_add_test(tc, test_integers_both_orders);
    tcase_add_test(tc, test_signed_and_enum);
    tcase_add_test(tc, test_alignment_padding);
    tcase_add_test(tc, test_uuid_wire_layout);
    tcase_add_test(tc, test_fixed_buffer);
    tcase_add_test(tc, test_read_cursor_refuses_puts);
    tcase_add_test(tc, test_conformant_arrays);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_wstrings);
    tcase_add_test(tc, test_pointers);
    tcase_add_test(tc, test_growth_and_steal);
    suite_add_tcase(s, tc);
    return s;
}
