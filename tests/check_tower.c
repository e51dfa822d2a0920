/*
 * tests/check_tower.c -- protocol towers (C706 Appendix L): the golden
 * ncacn_ip_tcp tower of the endpoint mapper, ncalrpc and IPv6 towers,
 * every truncation, the floor limit, a table of malformed towers and a
 * bit-flip loop.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "proto/proto.h"
#include "tests/tests.h"

/* EPM e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0, NDR 2.0, ncacn_ip_tcp,
 * port 135, 127.0.0.1: what rpcd answers to ept_map (75 bytes). */
#define GOLDEN_HEX                                                           \
    "050013000d0883afe11f5dc91191a408002b14a0fa03000200000013000d045d888a" \
    "eb1cc9119fe808002b10486002000200000001000b02000000010007020000870100" \
    "0904007f000001"
/* The same with port 0 and 0.0.0.0: impacket's ept_map request. */
#define IMPACKET_MAP_HEX                                                     \
    "050013000d0883afe11f5dc91191a408002b14a0fa03000200000013000d045d888a" \
    "eb1cc9119fe808002b10486002000200000001000b02000000010007020000000100" \
    "09040000000000"
/* Floors 1 and 2 of both (50 bytes, after the floor count). */
#define FLOORS12_HEX                                                         \
    "13000d0883afe11f5dc91191a408002b14a0fa03000200000013000d045d888a" \
    "eb1cc9119fe808002b104860020002000000"
/* ncalrpc, endpoint "epmapper": floors 1-2, then 0x0c | u16 0, then
 * 0x10 | "epmapper\0". */
#define LRPC_HEX                                                             \
    "0400" FLOORS12_HEX "01000c02000000" "0100100900" "65706d617070657200"

static const GUID epm_uuid = {0xe1af8308, 0x5d1f, 0x11c9,
                              {0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa}};
static const GUID ndr_uuid = {0x8a885d04, 0x1ceb, 0x11c9,
                              {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}};

/* Offsets in the golden tower. */
enum {
    OFF_COUNT = 0, OFF_F1_LHS_LEN = 2, OFF_F1_ID = 4, OFF_F1_RHS_LEN = 23,
    OFF_F2_ID = 29, OFF_F3_ID = 54, OFF_F3_RHS_LEN = 55, OFF_F4_ID = 61,
    OFF_F4_RHS_LEN = 62, OFF_F5_ID = 68, OFF_F5_RHS_LEN = 69, GOLDEN_LEN = 75,
};

static uint8_t *
unhex(const char *hex, size_t *len)
{
    uint8_t *b = tu_unhex(hex, len);

    ck_assert_ptr_nonnull(b);
    return b;
}

static void
base_tower(struct rpc_tower *t, enum rpc_protseq ps)
{
    memset(t, 0, sizeof(*t));
    t->iface.SyntaxGUID = epm_uuid;
    t->iface.SyntaxVersion.MajorVersion = 3;
    t->xfer.SyntaxGUID = ndr_uuid;
    t->xfer.SyntaxVersion.MajorVersion = 2;
    t->protseq = ps;
}

static int
syntax_eq(const RPC_SYNTAX_IDENTIFIER *a, const RPC_SYNTAX_IDENTIFIER *b)
{
    return a->SyntaxGUID.Data1 == b->SyntaxGUID.Data1 &&
           a->SyntaxGUID.Data2 == b->SyntaxGUID.Data2 &&
           a->SyntaxGUID.Data3 == b->SyntaxGUID.Data3 &&
           memcmp(a->SyntaxGUID.Data4, b->SyntaxGUID.Data4, 8) == 0 &&
           a->SyntaxVersion.MajorVersion == b->SyntaxVersion.MajorVersion &&
           a->SyntaxVersion.MinorVersion == b->SyntaxVersion.MinorVersion;
}

/* Field by field: what a decode fills in. */
static int
tower_eq(const struct rpc_tower *a, const struct rpc_tower *b)
{
    return syntax_eq(&a->iface, &b->iface) && syntax_eq(&a->xfer, &b->xfer) &&
           a->protseq == b->protseq && a->port == b->port &&
           a->family == b->family &&
           memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
           strcmp(a->endpoint, b->endpoint) == 0;
}

/* Decodes from an exactly sized heap copy, so that ASan sees any read
 * past the end. */
static int
decode_exact(const uint8_t *p, size_t len, struct rpc_tower *t)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    int r;

    ck_assert_ptr_nonnull(copy);
    if (len > 0)
        memcpy(copy, p, len);
    r = proto_tower_decode(copy, len, t);
    free(copy);
    return r;
}

/* ---- a tower builder for hand-made towers ------------------------------- */

struct tb {
    uint8_t buf[1024];
    size_t len;
    uint16_t floors;
};

static void
tb_set_count(struct tb *b, uint16_t count)
{
    b->buf[0] = (uint8_t)count;
    b->buf[1] = (uint8_t)(count >> 8);
}

static void
tb_floor(struct tb *b, const void *lhs, size_t lhs_len, const void *rhs,
         size_t rhs_len)
{
    ck_assert_uint_le(b->len + 4 + lhs_len + rhs_len, sizeof(b->buf));
    b->buf[b->len++] = (uint8_t)lhs_len;
    b->buf[b->len++] = (uint8_t)(lhs_len >> 8);
    memcpy(b->buf + b->len, lhs, lhs_len);
    b->len += lhs_len;
    b->buf[b->len++] = (uint8_t)rhs_len;
    b->buf[b->len++] = (uint8_t)(rhs_len >> 8);
    if (rhs_len > 0)
        memcpy(b->buf + b->len, rhs, rhs_len);
    b->len += rhs_len;
    tb_set_count(b, ++b->floors);
}

/* Count + floors 1 and 2 of the golden tower. */
static void
tb_init(struct tb *b)
{
    size_t n;
    uint8_t *f = unhex(FLOORS12_HEX, &n);

    ck_assert_uint_eq(n, 50);
    memcpy(b->buf + 2, f, n);
    free(f);
    b->len = 2 + n;
    b->floors = 2;
    tb_set_count(b, 2);
}

static void
tb_byte_floor(struct tb *b, uint8_t id, const void *rhs, size_t rhs_len)
{
    tb_floor(b, &id, 1, rhs, rhs_len);
}

static const uint8_t zero2[2] = {0, 0};

/* ---- the golden tower --------------------------------------------------- */

START_TEST(test_golden_decode)
{
    static const uint8_t lo[4] = {127, 0, 0, 1};
    size_t len;
    uint8_t *b = unhex(GOLDEN_HEX, &len);
    struct rpc_tower t;

    ck_assert_uint_eq(len, GOLDEN_LEN);
    ck_assert_int_eq(decode_exact(b, len, &t), PROTO_OK);
    ck_assert_uint_eq(t.iface.SyntaxGUID.Data1, 0xe1af8308u);
    ck_assert(syntax_eq(&t.iface, &(RPC_SYNTAX_IDENTIFIER){epm_uuid, {3, 0}}));
    ck_assert(syntax_eq(&t.xfer, &(RPC_SYNTAX_IDENTIFIER){ndr_uuid, {2, 0}}));
    ck_assert_int_eq(t.protseq, RPC_PROTSEQ_NCACN_IP_TCP);
    ck_assert_uint_eq(t.port, 135);
    ck_assert_int_eq(t.family, AF_INET);
    ck_assert_mem_eq(t.addr, lo, 4);
    ck_assert_str_eq(t.endpoint, "");
    free(b);
}
END_TEST

START_TEST(test_golden_reencode)
{
    static const char *const hex[] = {GOLDEN_HEX, IMPACKET_MAP_HEX, LRPC_HEX};

    for (size_t i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
        size_t len, outlen = 0;
        uint8_t *b = unhex(hex[i], &len);
        uint8_t out[512];
        struct rpc_tower t;

        ck_assert_int_eq(decode_exact(b, len, &t), PROTO_OK);
        ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &outlen),
                         PROTO_OK);
        ck_assert_int_eq(tu_memdiff(out, outlen, b, len), 0);
        free(b);
    }
}
END_TEST

/* Building the tower from fields gives the golden bytes. */
START_TEST(test_golden_encode)
{
    size_t len, outlen;
    uint8_t *b = unhex(GOLDEN_HEX, &len);
    uint8_t out[GOLDEN_LEN];
    struct rpc_tower t;

    base_tower(&t, RPC_PROTSEQ_NCACN_IP_TCP);
    t.port = 135;
    t.family = AF_INET;
    t.addr[0] = 127;
    t.addr[3] = 1;
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &outlen),
                     PROTO_OK);
    ck_assert_int_eq(tu_memdiff(out, outlen, b, len), 0);
    free(b);
}
END_TEST

START_TEST(test_impacket_map_tower)
{
    size_t len;
    uint8_t *b = unhex(IMPACKET_MAP_HEX, &len);
    struct rpc_tower t;
    static const uint8_t any[16];

    ck_assert_uint_eq(len, GOLDEN_LEN);
    ck_assert_int_eq(decode_exact(b, len, &t), PROTO_OK);
    ck_assert_int_eq(t.protseq, RPC_PROTSEQ_NCACN_IP_TCP);
    ck_assert_uint_eq(t.port, 0);
    ck_assert_int_eq(t.family, AF_INET);
    ck_assert_mem_eq(t.addr, any, 16);
    free(b);
}
END_TEST

/* impacket needs floors 1 and 2 to be exactly 25 bytes and no more than
 * TOWER_MAX_FLOORS floors, whatever the tower. */
START_TEST(test_floor_shape)
{
    struct rpc_tower t[3];
    uint8_t out[512];
    size_t len;

    base_tower(&t[0], RPC_PROTSEQ_NCACN_IP_TCP);
    t[0].family = AF_INET;
    base_tower(&t[1], RPC_PROTSEQ_NCACN_IP_TCP);
    t[1].family = AF_INET6;
    base_tower(&t[2], RPC_PROTSEQ_NCALRPC);
    strcpy(t[2].endpoint, "x");
    for (int i = 0; i < 3; i++) {
        t[i].iface.SyntaxVersion.MinorVersion = 0xffff;
        ck_assert_int_eq(proto_tower_encode(&t[i], out, sizeof(out), &len),
                         PROTO_OK);
        ck_assert_uint_le(out[0] | out[1] << 8, TOWER_MAX_FLOORS);
        /* Floor 1: lhs 19, rhs 2; floor 2 the same, 25 bytes later. */
        ck_assert_uint_eq(out[2] | out[3] << 8, 19);
        ck_assert_uint_eq(out[23] | out[24] << 8, 2);
        ck_assert_uint_eq(out[27] | out[28] << 8, 19);
        ck_assert_uint_eq(out[48] | out[49] << 8, 2);
        ck_assert_uint_eq(out[25] | out[26] << 8, 0xffff);
    }
}
END_TEST

START_TEST(test_encode_capacity)
{
    struct rpc_tower t;
    uint8_t out[GOLDEN_LEN + 10];
    size_t len = 1234;

    base_tower(&t, RPC_PROTSEQ_NCACN_IP_TCP);
    t.family = AF_INET;
    /* Too small: PROTO_E_RANGE, and *len says how much is needed. */
    ck_assert_int_eq(proto_tower_encode(&t, out, GOLDEN_LEN - 1, &len),
                     PROTO_E_RANGE);
    ck_assert_uint_eq(len, GOLDEN_LEN);
    ck_assert_int_eq(proto_tower_encode(&t, NULL, 0, &len), PROTO_E_RANGE);
    ck_assert_uint_eq(len, GOLDEN_LEN);
    ck_assert_int_eq(proto_tower_encode(&t, out, GOLDEN_LEN, &len), PROTO_OK);
    ck_assert_uint_eq(len, GOLDEN_LEN);
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_OK);
    ck_assert_uint_eq(len, GOLDEN_LEN);

    base_tower(&t, RPC_PROTSEQ_NCALRPC);
    strcpy(t.endpoint, "epmapper");
    ck_assert_int_eq(proto_tower_encode(&t, out, 10, &len), PROTO_E_RANGE);
    ck_assert_uint_eq(len, 2 + 50 + 7 + 5 + 9);
}
END_TEST

START_TEST(test_encode_invalid)
{
    struct rpc_tower t;
    uint8_t out[512];
    size_t len;

    ck_assert_int_eq(proto_tower_encode(NULL, out, sizeof(out), &len),
                     PROTO_E_INVAL);
    base_tower(&t, RPC_PROTSEQ_NCACN_IP_TCP);
    t.family = AF_INET;
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), NULL),
                     PROTO_E_INVAL);
    t.family = 0;
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_E_INVAL);
    t.family = AF_UNIX;
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_E_INVAL);
    base_tower(&t, RPC_PROTSEQ_UNKNOWN);
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_E_INVAL);
    base_tower(&t, (enum rpc_protseq)42);
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_E_INVAL);

    /* ncalrpc endpoints the transport would refuse are never written. */
    base_tower(&t, RPC_PROTSEQ_NCALRPC);
    strcpy(t.endpoint, "../x");
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_E_INVAL);
    strcpy(t.endpoint, "a/b");
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_E_INVAL);
    memset(t.endpoint, 'a', sizeof(t.endpoint));    /* no NUL */
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &len),
                     PROTO_E_INVAL);
}
END_TEST

/* ---- ncalrpc ------------------------------------------------------------ */

START_TEST(test_lrpc_roundtrip)
{
    size_t len, outlen;
    uint8_t *b = unhex(LRPC_HEX, &len);
    uint8_t out[512];
    struct rpc_tower t, t2;

    base_tower(&t, RPC_PROTSEQ_NCALRPC);
    strcpy(t.endpoint, "epmapper");
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &outlen),
                     PROTO_OK);
    ck_assert_int_eq(tu_memdiff(out, outlen, b, len), 0);
    ck_assert_int_eq(decode_exact(out, outlen, &t2), PROTO_OK);
    ck_assert(tower_eq(&t, &t2));
    ck_assert_uint_eq(t2.port, 0);
    ck_assert_int_eq(t2.family, 0);

    /* The longest name the transport allows, and the empty name an
     * ept_map request carries. */
    memset(t.endpoint, 'e', 64);
    t.endpoint[64] = '\0';
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &outlen),
                     PROTO_OK);
    ck_assert_int_eq(decode_exact(out, outlen, &t2), PROTO_OK);
    ck_assert(tower_eq(&t, &t2));
    t.endpoint[0] = '\0';
    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out), &outlen),
                     PROTO_OK);
    ck_assert_uint_eq(outlen, 2 + 50 + 7 + 5 + 1);
    ck_assert_int_eq(decode_exact(out, outlen, &t2), PROTO_OK);
    ck_assert(tower_eq(&t, &t2));
    free(b);
}
END_TEST

/* Wine writes the protocol floor's rhs empty; that reads the same. */
START_TEST(test_lrpc_wine_protocol_floor)
{
    struct tb b;
    struct rpc_tower t;

    tb_init(&b);
    tb_byte_floor(&b, 0x0c, NULL, 0);
    tb_byte_floor(&b, 0x10, "wine_ep", 8);
    ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_OK);
    ck_assert_int_eq(t.protseq, RPC_PROTSEQ_NCALRPC);
    ck_assert_str_eq(t.endpoint, "wine_ep");

    /* ncacn_ip_tcp with an empty protocol floor rhs, too. */
    tb_init(&b);
    tb_byte_floor(&b, 0x0b, NULL, 0);
    tb_byte_floor(&b, 0x07, "\x01\x02", 2);
    tb_byte_floor(&b, 0x09, "\x0a\x00\x00\x01", 4);
    ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_OK);
    ck_assert_uint_eq(t.port, 0x0102);
    ck_assert_uint_eq(t.addr[0], 10);
    ck_assert_uint_eq(t.addr[3], 1);
}
END_TEST

/* ---- IPv6 --------------------------------------------------------------- */

START_TEST(test_ipv6)
{
    struct rpc_tower t6, t4, back;
    uint8_t out6[128], out4[128];
    size_t len6, len4;
    static const uint8_t any[16];

    /* No tower floor holds an IPv6 address: it goes out as 0.0.0.0 (what
     * Samba does), the port intact. */
    base_tower(&t6, RPC_PROTSEQ_NCACN_IP_TCP);
    t6.port = 5000;
    t6.family = AF_INET6;
    t6.addr[15] = 1;                                /* ::1 */
    base_tower(&t4, RPC_PROTSEQ_NCACN_IP_TCP);
    t4.port = 5000;
    t4.family = AF_INET;
    ck_assert_int_eq(proto_tower_encode(&t6, out6, sizeof(out6), &len6), 0);
    ck_assert_int_eq(proto_tower_encode(&t4, out4, sizeof(out4), &len4), 0);
    ck_assert_int_eq(tu_memdiff(out6, len6, out4, len4), 0);
    ck_assert_uint_eq(len6, GOLDEN_LEN);
    ck_assert_int_eq(decode_exact(out6, len6, &back), PROTO_OK);
    ck_assert_int_eq(back.family, AF_INET);
    ck_assert_uint_eq(back.port, 5000);
    ck_assert_mem_eq(back.addr, any, 16);
    ck_assert(syntax_eq(&back.iface, &t6.iface));

    /* An IPv4-mapped address goes out as its IPv4 address. */
    memset(t6.addr, 0, sizeof(t6.addr));
    t6.addr[10] = 0xff;
    t6.addr[11] = 0xff;
    t6.addr[12] = 10;
    t6.addr[13] = 1;
    t6.addr[14] = 2;
    t6.addr[15] = 3;
    memcpy(t4.addr, t6.addr + 12, 4);
    ck_assert_int_eq(proto_tower_encode(&t6, out6, sizeof(out6), &len6), 0);
    ck_assert_int_eq(proto_tower_encode(&t4, out4, sizeof(out4), &len4), 0);
    ck_assert_int_eq(tu_memdiff(out6, len6, out4, len4), 0);
    ck_assert_int_eq(decode_exact(out6, len6, &back), PROTO_OK);
    ck_assert(tower_eq(&back, &t4));

    /* A 16-byte address floor is not what any peer writes or reads. */
    {
        struct tb b;
        uint8_t a16[16] = {0};

        a16[15] = 1;
        tb_init(&b);
        tb_byte_floor(&b, 0x0b, zero2, 2);
        tb_byte_floor(&b, 0x07, "\x13\x88", 2);
        tb_byte_floor(&b, 0x09, a16, 16);
        ck_assert_int_eq(decode_exact(b.buf, b.len, &back), PROTO_E_FORMAT);
    }
}
END_TEST

/* ---- truncation, floor limit, malformed towers -------------------------- */

START_TEST(test_every_truncation)
{
    static const char *const hex[] = {GOLDEN_HEX, LRPC_HEX};

    for (size_t h = 0; h < sizeof(hex) / sizeof(hex[0]); h++) {
        size_t len;
        uint8_t *b = unhex(hex[h], &len);

        for (size_t n = 0; n < len; n++) {
            struct rpc_tower t;

            memset(&t, 0xa5, sizeof(t));
            ck_assert_msg(decode_exact(b, n, &t) == PROTO_E_SHORT,
                          "tower %zu cut at %zu", h, n);
            /* Nothing half-decoded is left behind. */
            ck_assert_int_eq(t.protseq, RPC_PROTSEQ_UNKNOWN);
            ck_assert_uint_eq(t.port, 0);
        }
        free(b);
    }
}
END_TEST

START_TEST(test_floor_limit)
{
    struct tb b;
    struct rpc_tower t;
    size_t len;
    uint8_t *g = unhex(GOLDEN_HEX, &len);

    /* A complete 7-floor tower: refused before its floors are read. */
    tb_init(&b);
    tb_byte_floor(&b, 0x0b, zero2, 2);
    tb_byte_floor(&b, 0x07, "\x00\x87", 2);
    tb_byte_floor(&b, 0x09, "\x7f\x00\x00\x01", 4);
    tb_byte_floor(&b, 0x11, "HOST", 5);
    tb_byte_floor(&b, 0x11, "HOST", 5);
    ck_assert_uint_eq(b.floors, 7);
    ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_E_RANGE);
    /* Six floors are within the limit but not a known transport. */
    b.len -= 2 + 1 + 2 + 5;
    tb_set_count(&b, 6);
    ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_E_FORMAT);

    /* Counts above the limit on the golden bytes. */
    g[0] = 7;
    ck_assert_int_eq(decode_exact(g, len, &t), PROTO_E_RANGE);
    g[0] = 0xff;
    g[1] = 0xff;
    ck_assert_int_eq(decode_exact(g, len, &t), PROTO_E_RANGE);
    ck_assert_int_eq(decode_exact(g, 2, &t), PROTO_E_RANGE);
    free(g);
}
END_TEST

/* One byte of the golden tower changed.  ANY_ERROR: the change shifts
 * the floors, and which check fails first does not matter. */
#define ANY_ERROR 1
static const struct patch_case {
    size_t off;
    uint8_t val;
    int want;
} patches[] = {
    {OFF_COUNT, 0, PROTO_E_FORMAT},
    {OFF_COUNT, 3, PROTO_E_FORMAT},
    {OFF_COUNT, 4, PROTO_E_FORMAT},         /* bytes after floor 4 */
    {OFF_COUNT, 6, PROTO_E_SHORT},
    {OFF_COUNT, 7, PROTO_E_RANGE},
    {OFF_COUNT + 1, 1, PROTO_E_RANGE},      /* 0x0105 floors */
    {OFF_F1_LHS_LEN, 0, PROTO_E_FORMAT},    /* no protocol id */
    {OFF_F1_LHS_LEN, 18, ANY_ERROR},
    {OFF_F1_LHS_LEN, 20, ANY_ERROR},
    {OFF_F1_ID, 0x0e, PROTO_E_FORMAT},
    {OFF_F1_ID, 0x00, PROTO_E_FORMAT},
    {OFF_F1_RHS_LEN, 1, ANY_ERROR},
    {OFF_F1_RHS_LEN, 3, ANY_ERROR},
    {OFF_F2_ID, 0x0c, PROTO_E_FORMAT},
    {OFF_F3_ID, 0x0a, PROTO_E_FORMAT},      /* ncadg */
    {OFF_F3_ID, 0x0c, PROTO_E_FORMAT},      /* ncalrpc with TCP floors */
    {OFF_F3_ID, 0x0d, PROTO_E_FORMAT},
    {OFF_F3_ID, 0xff, PROTO_E_FORMAT},
    {OFF_F3_RHS_LEN, 1, ANY_ERROR},
    {OFF_F3_RHS_LEN, 3, ANY_ERROR},
    {OFF_F4_ID, 0x08, PROTO_E_FORMAT},      /* UDP */
    {OFF_F4_ID, 0x1f, PROTO_E_FORMAT},      /* HTTP */
    {OFF_F4_ID, 0x09, PROTO_E_FORMAT},
    {OFF_F4_ID, 0x0f, PROTO_E_FORMAT},      /* SMB */
    {OFF_F4_RHS_LEN, 1, ANY_ERROR},
    {OFF_F4_RHS_LEN, 3, ANY_ERROR},
    {OFF_F5_ID, 0x07, PROTO_E_FORMAT},
    {OFF_F5_ID, 0x11, PROTO_E_FORMAT},
    {OFF_F5_RHS_LEN, 3, PROTO_E_FORMAT},    /* then one stray byte */
    {OFF_F5_RHS_LEN, 5, PROTO_E_SHORT},
    {OFF_F5_RHS_LEN + 1, 1, PROTO_E_SHORT}, /* rhs 0x0104 */
};

START_TEST(test_malformed_patches)
{
    const struct patch_case *c = &patches[_i];
    size_t len;
    uint8_t *b = unhex(GOLDEN_HEX, &len);
    struct rpc_tower t;
    int r;

    b[c->off] = c->val;
    r = decode_exact(b, len, &t);
    if (c->want == ANY_ERROR)
        ck_assert_msg(r < 0, "patch %zu=%u: got %d", c->off, c->val, r);
    else
        ck_assert_msg(r == c->want, "patch %zu=%u: got %d, want %d", c->off,
                      c->val, r, c->want);
    ck_assert_int_eq(t.protseq, RPC_PROTSEQ_UNKNOWN);
    free(b);
}
END_TEST

START_TEST(test_trailing_bytes)
{
    size_t len;
    uint8_t *g = unhex(GOLDEN_HEX, &len);
    uint8_t b[GOLDEN_LEN + 1];
    struct rpc_tower t;

    memcpy(b, g, len);
    b[len] = 0;
    ck_assert_int_eq(decode_exact(b, len + 1, &t), PROTO_E_FORMAT);
    free(g);
}
END_TEST

/* Hand-built towers after floors 1 and 2: floor 3's id and rhs, then
 * floor 4 (and 5), each as id + rhs. */
struct built_case {
    const char *what;
    uint8_t f3_id;
    const char *f3_rhs;
    size_t f3_len;
    uint8_t f4_id;
    const char *f4_rhs;
    size_t f4_len;
    int has_f5;
    uint8_t f5_id;
    const char *f5_rhs;
    size_t f5_len;
    int want;
};

static const struct built_case built[] = {
    {"lrpc ok", 0x0c, "\0\0", 2, 0x10, "ep", 3, 0, 0, NULL, 0, PROTO_OK},
    {"lrpc no NUL", 0x0c, "\0\0", 2, 0x10, "abc", 3, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc embedded NUL", 0x0c, "\0\0", 2, 0x10, "a\0b", 4, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc empty rhs", 0x0c, "\0\0", 2, 0x10, "", 0, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc ../x", 0x0c, "\0\0", 2, 0x10, "../x", 5, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc a/b", 0x0c, "\0\0", 2, 0x10, "a/b", 4, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc ..", 0x0c, "\0\0", 2, 0x10, "..", 3, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc space", 0x0c, "\0\0", 2, 0x10, "samss lpc", 10, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc via SMB floor", 0x0c, "\0\0", 2, 0x0f, "ep", 3, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"lrpc 5 floors", 0x0c, "\0\0", 2, 0x10, "ep", 3, 1, 0x09,
     "\0\0\0\0", 4, PROTO_E_FORMAT},
    {"protocol rhs 1", 0x0c, "\0", 1, 0x10, "ep", 3, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"protocol rhs 3", 0x0b, "\0\0\0", 3, 0x07, "\0\x87", 2, 1, 0x09,
     "\0\0\0\0", 4, PROTO_E_FORMAT},
    {"tcp only 4 floors", 0x0b, "\0\0", 2, 0x07, "\0\x87", 2, 0, 0, NULL, 0,
     PROTO_E_FORMAT},
    {"tcp port rhs 0", 0x0b, "\0\0", 2, 0x07, "", 0, 1, 0x09, "\0\0\0\0", 4,
     PROTO_E_FORMAT},
    {"ip rhs 0", 0x0b, "\0\0", 2, 0x07, "\0\x87", 2, 1, 0x09, "", 0,
     PROTO_E_FORMAT},
    {"ncacn_np", 0x0b, "\0\0", 2, 0x0f, "\\pipe\\x", 8, 1, 0x11, "HOST", 5,
     PROTO_E_FORMAT},
    {"ncacn_http", 0x0b, "\0\0", 2, 0x1f, "\0\x87", 2, 1, 0x09,
     "\0\0\0\0", 4, PROTO_E_FORMAT},
    {"ncadg_ip_udp", 0x0a, "\0\0", 2, 0x08, "\0\x87", 2, 1, 0x09,
     "\0\0\0\0", 4, PROTO_E_FORMAT},
    {"tcp ok", 0x0b, "\0\0", 2, 0x07, "\0\x87", 2, 1, 0x09, "\0\0\0\0", 4,
     PROTO_OK},
    {"tcp minor 5", 0x0b, "\5\0", 2, 0x07, "\0\x87", 2, 1, 0x09,
     "\0\0\0\0", 4, PROTO_OK},
};

START_TEST(test_malformed_built)
{
    const struct built_case *c = &built[_i];
    struct tb b;
    struct rpc_tower t;
    int r;

    tb_init(&b);
    tb_byte_floor(&b, c->f3_id, c->f3_rhs, c->f3_len);
    tb_byte_floor(&b, c->f4_id, c->f4_rhs, c->f4_len);
    if (c->has_f5)
        tb_byte_floor(&b, c->f5_id, c->f5_rhs, c->f5_len);
    r = decode_exact(b.buf, b.len, &t);
    ck_assert_msg(r == c->want, "%s: got %d, want %d", c->what, r, c->want);
}
END_TEST

/* Floors whose lhs is longer than the protocol id, and bad UUID floors. */
START_TEST(test_malformed_lhs)
{
    struct tb b;
    struct rpc_tower t;
    static const uint8_t tcp2[2] = {0x07, 0x00};
    static const uint8_t ncacn2[2] = {0x0b, 0x00};
    uint8_t uuid_lhs[20];
    size_t n;
    uint8_t *f = unhex(FLOORS12_HEX, &n);

    tb_init(&b);
    tb_floor(&b, ncacn2, 2, zero2, 2);
    tb_byte_floor(&b, 0x07, "\0\x87", 2);
    tb_byte_floor(&b, 0x09, "\0\0\0\0", 4);
    ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_E_FORMAT);

    tb_init(&b);
    tb_byte_floor(&b, 0x0b, zero2, 2);
    tb_floor(&b, tcp2, 2, "\0\x87", 2);
    tb_byte_floor(&b, 0x09, "\0\0\0\0", 4);
    ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_E_FORMAT);

    /* UUID floors: lhs 20 / rhs 0 / rhs 4 instead of 19 / 2. */
    memcpy(uuid_lhs, f + 2, 19);
    uuid_lhs[19] = 0;
    for (int v = 0; v < 3; v++) {
        b.len = 2;
        b.floors = 0;
        if (v == 0)
            tb_floor(&b, uuid_lhs, 20, zero2, 2);
        else
            tb_floor(&b, uuid_lhs, 19, "\0\0\0\0", v == 1 ? 0 : 4);
        tb_floor(&b, uuid_lhs, 19, zero2, 2);
        tb_byte_floor(&b, 0x0b, zero2, 2);
        tb_byte_floor(&b, 0x07, "\0\x87", 2);
        tb_byte_floor(&b, 0x09, "\0\0\0\0", 4);
        ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_E_FORMAT);
    }

    /* A Wine ncalrpc tower says 5 floors and holds 4. */
    tb_init(&b);
    tb_byte_floor(&b, 0x0c, NULL, 0);
    tb_byte_floor(&b, 0x10, "ep", 3);
    tb_set_count(&b, 5);
    ck_assert_int_eq(decode_exact(b.buf, b.len, &t), PROTO_E_SHORT);
    free(f);
}
END_TEST

START_TEST(test_decode_args)
{
    struct rpc_tower t;
    uint8_t b[2] = {5, 0};

    ck_assert_int_eq(proto_tower_decode(b, sizeof(b), NULL), PROTO_E_INVAL);
    ck_assert_int_eq(proto_tower_decode(NULL, 10, &t), PROTO_E_INVAL);
    ck_assert_int_eq(proto_tower_decode(NULL, 0, &t), PROTO_E_SHORT);
}
END_TEST

/* Every single-bit change of a good tower decodes cleanly or fails
 * cleanly; what decodes re-encodes and decodes to the same tower. */
START_TEST(test_bitflips)
{
    static const char *const hex[] = {GOLDEN_HEX, LRPC_HEX};

    for (size_t h = 0; h < sizeof(hex) / sizeof(hex[0]); h++) {
        size_t len;
        uint8_t *b = unhex(hex[h], &len);

        for (size_t i = 0; i < len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                struct rpc_tower t, t2;
                uint8_t out[512];
                size_t outlen;
                int r;

                b[i] ^= (uint8_t)(1u << bit);
                r = decode_exact(b, len, &t);
                ck_assert(r == PROTO_OK || r == PROTO_E_SHORT ||
                          r == PROTO_E_FORMAT || r == PROTO_E_RANGE);
                if (r == PROTO_OK) {
                    ck_assert_int_eq(proto_tower_encode(&t, out, sizeof(out),
                                                        &outlen),
                                     PROTO_OK);
                    ck_assert_int_eq(decode_exact(out, outlen, &t2),
                                     PROTO_OK);
                    ck_assert(tower_eq(&t, &t2));
                }
                b[i] ^= (uint8_t)(1u << bit);
            }
        }
        free(b);
    }
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
tower_suite(void)
{
    Suite *s = suite_create("tower");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_golden_decode);
    tcase_add_test(tc, test_golden_reencode);
    tcase_add_test(tc, test_golden_encode);
    tcase_add_test(tc, test_impacket_map_tower);
    tcase_add_test(tc, test_floor_shape);
    tcase_add_test(tc, test_encode_capacity);
    tcase_add_test(tc, test_encode_invalid);
    tcase_add_test(tc, test_lrpc_roundtrip);
    tcase_add_test(tc, test_lrpc_wine_protocol_floor);
    tcase_add_test(tc, test_ipv6);
    tcase_add_test(tc, test_every_truncation);
    tcase_add_test(tc, test_floor_limit);
    tcase_add_loop_test(tc, test_malformed_patches, 0, NELEM(patches));
    tcase_add_test(tc, test_trailing_bytes);
    tcase_add_loop_test(tc, test_malformed_built, 0, NELEM(built));
    tcase_add_test(tc, test_malformed_lhs);
    tcase_add_test(tc, test_decode_args);
    tcase_add_test(tc, test_bitflips);
    suite_add_tcase(s, tc);
    return s;
}
