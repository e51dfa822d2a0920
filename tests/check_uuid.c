/*
 * tests/check_uuid.c -- the Uuid* API and RpcStringFree.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "tests/tests.h"

/* The API takes non-const strings (as Windows declares it). */
#define CS(s) ((RPC_CSTR)(uintptr_t)(s))

START_TEST(test_create_unique_and_v4)
{
    UUID a, b;
    RPC_STATUS st;

    ck_assert_int_eq(UuidCreate(&a), RPC_S_OK);
    ck_assert_int_eq(UuidCreate(&b), RPC_S_OK);
    ck_assert_int_ne(UuidCompare(&a, &b, &st), 0);
    ck_assert_int_eq(st, RPC_S_OK);
    ck_assert_uint_eq(a.Data3 >> 12, 4);            /* version 4 */
    ck_assert_uint_eq(a.Data4[0] & 0xc0, 0x80);     /* RFC 4122 variant */
    ck_assert_int_eq(UuidCreateSequential(&a), RPC_S_OK);
    ck_assert_uint_eq(a.Data3 >> 12, 1);
    ck_assert_int_eq(UuidCreate(NULL), RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(test_string_roundtrip)
{
    UUID u, v;
    RPC_CSTR s = NULL;

    ck_assert_int_eq(UuidFromStringA(CS("E1AF8308-5D1F-11C9-91A4-08002B14A0FA"), &u),
                     RPC_S_OK);
    ck_assert_uint_eq(u.Data1, 0xe1af8308u);
    ck_assert_uint_eq(u.Data2, 0x5d1f);
    ck_assert_uint_eq(u.Data3, 0x11c9);
    ck_assert_uint_eq(u.Data4[0], 0x91);
    ck_assert_uint_eq(u.Data4[7], 0xfa);
    ck_assert_int_eq(UuidToStringA(&u, &s), RPC_S_OK);
    ck_assert_str_eq((char *)s, EPM_IF_UUID_STR);   /* lower case */
    ck_assert_int_eq(UuidFromStringA(s, &v), RPC_S_OK);
    ck_assert(proto_uuid_equal(&u, &v));
    ck_assert_int_eq(RpcStringFreeA(&s), RPC_S_OK);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(RpcStringFreeA(&s), RPC_S_OK);  /* NULL: no-op */
    ck_assert_int_eq(RpcStringFreeA(NULL), RPC_S_OK);
}
END_TEST

START_TEST(test_from_string_errors)
{
    static const char *const bad[] = {
        "e1af8308-5d1f-11c9-91a4-08002b14a0f",      /* short */
        "e1af8308-5d1f-11c9-91a4-08002b14a0faa",    /* long */
        "e1af8308x5d1f-11c9-91a4-08002b14a0fa",     /* separator */
        "g1af8308-5d1f-11c9-91a4-08002b14a0fa",     /* digit */
        "{e1af8308-5d1f-11c9-91a4-08002b14a0fa}",   /* braces */
        "e1af8308-5d1f-11c9-91a408002b14a0fa-",
        " e1af8308-5d1f-11c9-91a4-08002b14a0f",
    };
    UUID u;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(UuidFromStringA(CS(bad[i]), &u) == RPC_S_INVALID_STRING_UUID,
                      "accepted %s", bad[i]);
    /* NULL and "" are the nil UUID (as on Windows). */
    memset(&u, 0xff, sizeof(u));
    ck_assert_int_eq(UuidFromStringA(NULL, &u), RPC_S_OK);
    ck_assert(UuidIsNil(&u, NULL));
    memset(&u, 0xff, sizeof(u));
    ck_assert_int_eq(UuidFromStringA(CS(""), &u), RPC_S_OK);
    ck_assert(UuidIsNil(&u, NULL));
    ck_assert_int_eq(UuidFromStringA(CS(""), NULL), RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(test_compare_nil_hash)
{
    UUID a, b, nil;
    RPC_STATUS st = -1;

    ck_assert_int_eq(UuidCreateNil(&nil), RPC_S_OK);
    ck_assert(UuidIsNil(&nil, &st));
    ck_assert_int_eq(st, RPC_S_OK);
    ck_assert(UuidIsNil(NULL, &st));
    UuidFromStringA(CS("00000000-0000-0000-0000-000000000001"), &a);
    UuidFromStringA(CS("00000001-0000-0000-0000-000000000000"), &b);
    ck_assert(!UuidIsNil(&a, &st));
    /* Ordering is field by field: Data1 first. */
    ck_assert_int_eq(UuidCompare(&a, &b, &st), -1);
    ck_assert_int_eq(UuidCompare(&b, &a, &st), 1);
    ck_assert_int_eq(UuidCompare(&a, &a, &st), 0);
    ck_assert_int_eq(UuidCompare(NULL, &nil, &st), 0);
    ck_assert_int_eq(UuidCompare(NULL, &a, &st), -1);
    ck_assert(UuidEqual(&a, &a, &st));
    ck_assert(!UuidEqual(&a, &b, &st));
    /* Equal UUIDs hash equal; the nil UUID hashes to 0 (DCE uuid_hash). */
    UUID a2 = a;
    ck_assert_uint_eq(UuidHash(&a, &st), UuidHash(&a2, &st));
    ck_assert_uint_eq(UuidHash(&nil, &st), 0);
    ck_assert_uint_ne(UuidHash(&a, &st), UuidHash(&b, &st));
}
END_TEST

START_TEST(test_to_string_null)
{
    RPC_CSTR s = NULL;

    ck_assert_int_eq(UuidToStringA(NULL, &s), RPC_S_OK);
    ck_assert_str_eq((char *)s, "00000000-0000-0000-0000-000000000000");
    RpcStringFreeA(&s);
    ck_assert_int_eq(UuidToStringA(NULL, NULL), RPC_S_INVALID_ARG);
}
END_TEST

Suite *
uuid_suite(void)
{
    Suite *s = suite_create("uuid");
    TCase *tc = tcase_create("uuid");

    tcase_add_test(tc, test_create_unique_and_v4);
    tcase_add_test(tc, test_string_roundtrip);
    tcase_add_test(tc, test_from_string_errors);
    tcase_add_test(tc, test_compare_nil_hash);
    tcase_add_test(tc, test_to_string_null);
    suite_add_tcase(s, tc);
    return s;
}
