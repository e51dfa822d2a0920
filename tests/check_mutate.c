/*
 * tests/check_mutate.c -- the PDU decoder against damaged input.
 *
 * For every connection-oriented PDU type, in both byte orders, with and
 * without a sec_trailer where one is allowed, a valid PDU is built with
 * rpc_pdu_init/rpc_pdu_encode and then damaged one way at a time: every
 * bit flipped, every truncation, extensions, every frag_length, hostile
 * auth_length and alloc_hint values.  Each result must be either success
 * with every borrowed pointer inside the input, or a PROTO_E_* code --
 * never a crash or a read outside the input.  Every input is copied into
 * an exactly sized malloc'ed block, so that under ASan (CI builds with
 * --enable-asan) a read one byte past the end is a failure, not luck.
 *
 * Where the rule is certain the test also asserts the error: fewer than
 * 16 bytes is PROTO_E_SHORT, a wrong version PROTO_E_VERSION, a frag_length
 * that disagrees with the bytes PROTO_E_LENGTH or PROTO_E_SHORT, and so on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "tests/tests.h"

/* ---- the samples -------------------------------------------------------- */

struct sample {
    const char *name;
    uint8_t ptype;
    unsigned obj;     /* request with PFC_OBJECT_UUID */
    unsigned auth;    /* with a sec_trailer */
};

/* C706 12.6.4 / MS-RPCE 2.2.2: bind_nak and shutdown carry no
 * auth_verifier; every other type may. */
static const struct sample samples[] = {
    {"bind", PTYPE_BIND, 0, 0},
    {"bind+auth", PTYPE_BIND, 0, 1},
    {"bind_ack", PTYPE_BIND_ACK, 0, 0},
    {"bind_ack+auth", PTYPE_BIND_ACK, 0, 1},
    {"bind_nak", PTYPE_BIND_NAK, 0, 0},
    {"alter_context", PTYPE_ALTER_CONTEXT, 0, 0},
    {"alter_context+auth", PTYPE_ALTER_CONTEXT, 0, 1},
    {"alter_context_resp", PTYPE_ALTER_CONTEXT_RESP, 0, 0},
    {"alter_context_resp+auth", PTYPE_ALTER_CONTEXT_RESP, 0, 1},
    {"request", PTYPE_REQUEST, 0, 0},
    {"request+auth", PTYPE_REQUEST, 0, 1},
    {"request+obj", PTYPE_REQUEST, 1, 0},
    {"request+obj+auth", PTYPE_REQUEST, 1, 1},
    {"response", PTYPE_RESPONSE, 0, 0},
    {"response+auth", PTYPE_RESPONSE, 0, 1},
    {"fault", PTYPE_FAULT, 0, 0},
    {"fault+auth", PTYPE_FAULT, 0, 1},
    {"auth3", PTYPE_AUTH3, 0, 0},
    {"auth3+auth", PTYPE_AUTH3, 0, 1},
    {"shutdown", PTYPE_SHUTDOWN, 0, 0},
    {"co_cancel", PTYPE_CO_CANCEL, 0, 0},
    {"co_cancel+auth", PTYPE_CO_CANCEL, 0, 1},
    {"orphaned", PTYPE_ORPHANED, 0, 0},
    {"orphaned+auth", PTYPE_ORPHANED, 0, 1},
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))
/* Loop index: sample * 2 + byte order. */
#define N_CASES ((int)(N_SAMPLES * 2))

static const uint8_t stub_data[40] = {
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 'r',  'p',  'c',  't',
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03,
    0x04, 0x05, 0x06, 0x07,
};
static const uint8_t auth_value[24] = {
    0x01, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    0x00, 0x00, 0x00, 0x00, 'N',  'T',  'L',  'M',  'S',  'S',  'P',  0x00,
};
static const uint8_t sec_addr[] = "49664";
static const struct rpc_version nak_versions[1] = {{RPC_C_VERS, 0}};
static const uint8_t nak_extra[20] = {
    0x90, 0x74, 0x03, 0x20, 0xd0, 0xfa, 0xd3, 0x11, 0x82, 0xd7,
    0x00, 0x9f, 0xf6, 0xea, 0x42, 0x27, 0x05, 0x00, 0x00, 0x00,
};

/* Encodes samples[i / 2] in byte order i % 2 into a malloc'ed buffer. */
static uint8_t *
build(int i, size_t *len)
{
    const struct sample *s = &samples[i / 2];
    static RPC_SYNTAX_IDENTIFIER xfer[3];
    static struct rpc_ctx_elem ctx[2];
    static struct rpc_result res[2];
    struct rpc_pdu p;
    struct ndr_cursor w;
    size_t stub_len = 0;
    uint8_t *out;
    int r;

    rpc_pdu_init(&p, s->ptype, 0x0badf00d);
    p.hdr.drep[0] = (i % 2) ? DREP_BE : DREP_LE;
    switch (s->ptype) {
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        xfer[0] = rpc_ndr20_syntax;
        xfer[1] = rpc_ndr64_syntax;
        rpc_btfn_syntax(BTFN_KEEP_CONNECTION_ON_ORPHAN, &xfer[2]);
        memset(ctx, 0, sizeof(ctx));
        ck_assert_int_eq(proto_uuid_parse(EPM_IF_UUID_STR,
                                          &ctx[0].abstract.SyntaxGUID), 0);
        ctx[0].abstract.SyntaxVersion.MajorVersion = EPM_IF_VERS_MAJOR;
        ctx[0].n_xfer = 1;
        ctx[0].xfer = &xfer[0];
        ctx[1] = ctx[0];
        ctx[1].cont_id = 1;
        ctx[1].n_xfer = 2;
        ctx[1].xfer = &xfer[1];
        p.u.bind.max_xmit_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind.max_recv_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind.assoc_group_id = 0x00c0ffee;
        p.u.bind.n_ctx = 2;
        p.u.bind.ctx = ctx;
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        memset(res, 0, sizeof(res));
        res[0].xfer = rpc_ndr20_syntax;
        res[1].result = P_CONT_PROVIDER_REJECTION;
        res[1].reason = P_REASON_PROPOSED_TS_NOT_SUPPORTED;
        p.u.bind_ack.max_xmit_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind_ack.max_recv_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind_ack.assoc_group_id = 0x00c0ffee;
        /* 6 bytes of port: the results start after 2 bytes of padding */
        p.u.bind_ack.sec_addr = sec_addr;
        p.u.bind_ack.sec_addr_len = sizeof(sec_addr);
        p.u.bind_ack.n_results = 2;
        p.u.bind_ack.results = res;
        break;
    case PTYPE_BIND_NAK:
        p.u.bind_nak.reason = BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED;
        p.u.bind_nak.n_versions = 1;
        p.u.bind_nak.versions = nak_versions;
        p.u.bind_nak.extra = nak_extra;
        p.u.bind_nak.extra_len = sizeof(nak_extra);
        break;
    case PTYPE_REQUEST:
        stub_len = 36;
        p.u.request.alloc_hint = (uint32_t)stub_len;
        p.u.request.cont_id = 1;
        p.u.request.opnum = 2;
        p.u.request.stub = stub_data;
        p.u.request.stub_len = stub_len;
        if (s->obj) {
            p.hdr.pfc_flags |= PFC_OBJECT_UUID;
            ck_assert_int_eq(proto_uuid_parse(MGMT_IF_UUID_STR,
                                              &p.u.request.object), 0);
        }
        break;
    case PTYPE_RESPONSE:
        stub_len = 28;
        p.u.response.alloc_hint = (uint32_t)stub_len;
        p.u.response.cont_id = 1;
        p.u.response.stub = stub_data;
        p.u.response.stub_len = stub_len;
        break;
    case PTYPE_FAULT:
        stub_len = 4;
        p.hdr.pfc_flags |= PFC_DID_NOT_EXECUTE;
        p.u.fault.alloc_hint = 32;
        p.u.fault.cont_id = 1;
        p.u.fault.status = NCA_S_UNK_IF;
        p.u.fault.stub = stub_data + 28;
        p.u.fault.stub_len = stub_len;
        break;
    default:
        break;
    }
    if (s->auth) {
        p.has_auth = 1;
        p.auth.type = RPC_AUTH_TYPE_NTLMSSP;
        p.auth.level = RPC_C_AUTHN_LEVEL_PKT_INTEGRITY;
        /* MS-RPCE 2.2.2.11: stubs padded to 16 before the trailer. */
        p.auth.pad_length = (uint8_t)((RPC_AUTH_PAD_ALIGN -
                                       stub_len % RPC_AUTH_PAD_ALIGN) %
                                      RPC_AUTH_PAD_ALIGN);
        p.auth.context_id = 7;
        p.auth.value = auth_value;
        p.auth.value_len = sizeof(auth_value);
    }
    ck_assert_int_eq(ndr_init_write(&w, 0, DREP_LE), 0);
    r = rpc_pdu_encode(&p, &w);
    ck_assert_msg(r == 0, "%s: encode: %s", s->name, proto_strerror(r));
    out = ndr_steal(&w, len);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(*len, p.hdr.frag_length);
    return out;
}

/* ---- parsing a mutant --------------------------------------------------- */

static int
inside(const uint8_t *base, size_t len, const uint8_t *p, size_t n)
{
    uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;

    if (n == 0)
        return 1;
    return p != NULL && q >= b && q - b <= len && n <= len - (q - b);
}

/* The borrowed pointers of a parsed PDU lie inside its input. */
static void
check_borrowed(const struct rpc_pdu *p, const uint8_t *buf, size_t len,
               const char *what)
{
    const uint8_t *ptr = NULL;
    size_t n = 0;

    switch (p->hdr.ptype) {
    case PTYPE_REQUEST:
        ptr = p->u.request.stub;
        n = p->u.request.stub_len;
        break;
    case PTYPE_RESPONSE:
        ptr = p->u.response.stub;
        n = p->u.response.stub_len;
        break;
    case PTYPE_FAULT:
        ptr = p->u.fault.stub;
        n = p->u.fault.stub_len;
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        ptr = p->u.bind_ack.sec_addr;
        n = p->u.bind_ack.sec_addr_len;
        break;
    case PTYPE_BIND_NAK:
        ptr = p->u.bind_nak.extra;
        n = p->u.bind_nak.extra_len;
        break;
    default:
        break;
    }
    ck_assert_msg(inside(buf, len, ptr, n), "%s: body points outside input",
                  what);
    if (p->has_auth)
        ck_assert_msg(inside(buf, len, p->auth.value, p->auth.value_len),
                      "%s: auth value points outside input", what);
    ck_assert_msg(p->hdr.frag_length == len, "%s: parsed with frag_length %u "
                  "for %zu bytes", what, p->hdr.frag_length, len);
}

/* Parses m[0..len) from an exactly sized copy; checks the result is 0
 * (with sane pointers) or a PROTO_E_* code, and returns it. */
static int
try_parse(const uint8_t *m, size_t len, const char *what)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    struct rpc_pdu p;
    int r;

    ck_assert_ptr_nonnull(copy);
    if (len > 0)
        memcpy(copy, m, len);
    r = rpc_pdu_parse(copy, len, &p);
    ck_assert_msg(r <= 0 && r >= PROTO_E_READONLY,
                  "%s: result %d is not a PROTO_E_* code", what, r);
    if (r == 0)
        check_borrowed(&p, copy, len, what);
    rpc_pdu_clear(&p);
    free(copy);
    return r;
}

/* Stores v at buf[at] in the PDU's own byte order. */
static void
put16(uint8_t *buf, size_t at, uint16_t v)
{
    if ((buf[4] & DREP_INT_MASK) == DREP_LE) {
        buf[at] = (uint8_t)v;
        buf[at + 1] = (uint8_t)(v >> 8);
    } else {
        buf[at] = (uint8_t)(v >> 8);
        buf[at + 1] = (uint8_t)v;
    }
}

static void
put32(uint8_t *buf, size_t at, uint32_t v)
{
    if ((buf[4] & DREP_INT_MASK) == DREP_LE) {
        put16(buf, at, (uint16_t)v);
        put16(buf, at + 2, (uint16_t)(v >> 16));
    } else {
        put16(buf, at, (uint16_t)(v >> 16));
        put16(buf, at + 2, (uint16_t)v);
    }
}

/* ptypes that are connectionless or unassigned (C706 12.6.3.1). */
static int
bad_ptype(unsigned t)
{
    return t == PTYPE_PING || (t >= PTYPE_WORKING && t <= PTYPE_CANCEL_ACK) ||
           t > PTYPE_MAX;
}

/* "bind+auth/be: what k", for failure messages (static buffer). */
static const char *
label(int i, const char *what, size_t k)
{
    static char buf[128];

    snprintf(buf, sizeof(buf), "%s/%s: %s %zu", samples[i / 2].name,
             (i % 2) ? "be" : "le", what, k);
    return buf;
}

/* ---- the tests ---------------------------------------------------------- */

static void
valid_case(int ci)
{
    size_t len;
    uint8_t *pdu = build(ci, &len);

    ck_assert_int_eq(try_parse(pdu, len, label(ci, "valid", 0)), 0);
    free(pdu);
}

static void
bitflip_case(int ci)
{
    size_t len;
    uint8_t *pdu = build(ci, &len);
    uint16_t swapped = (uint16_t)(len >> 8 | (len & 0xff) << 8);

    for (size_t bit = 0; bit < len * 8; bit++) {
        size_t at = bit / 8;
        uint8_t mask = (uint8_t)(1u << (bit % 8));
        const char *what = label(ci, "bit", bit);
        int r;

        pdu[at] ^= mask;
        r = try_parse(pdu, len, what);
        switch (at) {
        case 0: /* rpc_vers */
            ck_assert_msg(r == PROTO_E_VERSION, "%s: %d", what, r);
            break;
        case 1: /* rpc_vers_minor: 0 -> 1 is 5.1, which Windows sends */
            if (mask == 1)
                ck_assert_msg(r == 0, "%s: %d", what, r);
            else
                ck_assert_msg(r == PROTO_E_VERSION, "%s: %d", what, r);
            break;
        case 2: /* ptype */
            if (bad_ptype(pdu[2]))
                ck_assert_msg(r == PROTO_E_PTYPE, "%s: %d", what, r);
            break;
        case 4: /* drep[0] */
            if (mask & DREP_CHAR_MASK) {
                /* EBCDIC or worse; integers still read right */
                ck_assert_msg(r == PROTO_E_DREP, "%s: %d", what, r);
            } else if (swapped != len || mask != 0x10) {
                /* integers now read in some other order */
                ck_assert_msg(r < 0, "%s: %d", what, r);
            }
            break;
        case 5: case 6: case 7: /* floats, reserved */
            ck_assert_msg(r == PROTO_E_DREP, "%s: %d", what, r);
            break;
        case 8: case 9: { /* frag_length */
            uint16_t fl;
            if ((pdu[4] & DREP_INT_MASK) == DREP_LE)
                fl = (uint16_t)(pdu[8] | pdu[9] << 8);
            else
                fl = (uint16_t)(pdu[8] << 8 | pdu[9]);
            /* Longer than the bytes: short.  Shorter: the prefix it
             * names may already fail to hold the auth trailer, so any
             * error will do. */
            if (fl > len)
                ck_assert_msg(r == PROTO_E_SHORT || r == PROTO_E_LENGTH,
                              "%s: %d", what, r);
            else
                ck_assert_msg(r < 0, "%s: %d", what, r);
            break;
        }
        case 12: case 13: case 14: case 15: /* call_id: any value */
            ck_assert_msg(r == 0, "%s: %d", what, r);
            break;
        default:
            break;
        }
        pdu[at] ^= mask;
    }
    free(pdu);
}

static void
truncate_case(int ci)
{
    size_t len;
    uint8_t *pdu = build(ci, &len);

    for (size_t n = 0; n < len; n++) {
        const char *what = label(ci, "truncated to", n);
        int r = try_parse(pdu, n, what);

        if (n < RPC_HDR_LEN)
            ck_assert_msg(r == PROTO_E_SHORT, "%s: %d", what, r);
        else
            ck_assert_msg(r == PROTO_E_LENGTH || r == PROTO_E_SHORT,
                          "%s: %d", what, r);
    }
    /* The same with frag_length made to agree: now the body decoders see
     * a PDU that ends early (a lying peer, not a short read). */
    for (size_t n = RPC_HDR_LEN; n < len; n++) {
        uint8_t *m = malloc(n);
        ck_assert_ptr_nonnull(m);
        memcpy(m, pdu, n);
        put16(m, 8, (uint16_t)n);
        (void)try_parse(m, n, label(ci, "cut with frag_length fixed to", n));
        free(m);
    }
    free(pdu);
}

static void
extend_case(int ci)
{
    size_t len;
    uint8_t *pdu = build(ci, &len);
    uint8_t *m = malloc(len + 64);

    ck_assert_ptr_nonnull(m);
    for (size_t k = 1; k <= 64; k++) {
        const char *what = label(ci, "extended by", k);
        int r;

        memcpy(m, pdu, len);
        memset(m + len, (int)(0xa5 ^ k), k);
        r = try_parse(m, len + k, what);
        ck_assert_msg(r == PROTO_E_LENGTH || r == PROTO_E_SHORT, "%s: %d",
                      what, r);
        /* With frag_length agreeing, the bytes join the body (or pose as
         * the sec_trailer): anything but a crash. */
        put16(m, 8, (uint16_t)(len + k));
        (void)try_parse(m, len + k, label(ci, "grown by", k));
    }
    free(m);
    free(pdu);
}

static void
frag_length_case(int ci)
{
    size_t len;
    uint8_t *pdu = build(ci, &len);
    uint8_t *m = malloc(len);

    ck_assert_ptr_nonnull(m);
    for (size_t v = 0; v <= len + 16 + 1; v++) {
        /* the last round tries 0xffff */
        uint16_t fl = v == len + 17 ? 0xffff : (uint16_t)v;
        const char *what = label(ci, "frag_length", fl);
        int r;

        memcpy(m, pdu, len);
        put16(m, 8, fl);
        r = try_parse(m, len, what);
        if (fl == len)
            ck_assert_msg(r == 0, "%s: %d", what, r);
        else if (fl < RPC_HDR_LEN || fl > len)
            ck_assert_msg(r == PROTO_E_LENGTH || r == PROTO_E_SHORT,
                          "%s: %d", what, r);
        else
            /* a prefix may decode (or fail in its body); it still does
             * not account for every byte */
            ck_assert_msg(r < 0, "%s: %d", what, r);
    }
    free(m);
    free(pdu);
}

static void
auth_length_case(int ci)
{
    size_t len;
    uint8_t *pdu = build(ci, &len);
    uint8_t *m = malloc(len);
    const size_t hostile[3] = {len, len - 8, 0xffff};

    ck_assert_ptr_nonnull(m);
    /* C706 13.2.6.1: header + sec_trailer + auth value must fit in
     * frag_length, so these never can. */
    for (size_t k = 0; k < 3; k++) {
        const char *what = label(ci, "auth_length", hostile[k]);
        int r;

        memcpy(m, pdu, len);
        put16(m, 10, (uint16_t)hostile[k]);
        r = try_parse(m, len, what);
        ck_assert_msg(r == PROTO_E_AUTH, "%s: %d", what, r);
    }
    /* Every other value moves the sec_trailer somewhere into the body. */
    for (size_t v = 0; v <= len; v++) {
        memcpy(m, pdu, len);
        put16(m, 10, (uint16_t)v);
        (void)try_parse(m, len, label(ci, "auth_length", v));
    }
    free(m);
    free(pdu);
}

static void
alloc_hint_case(int ci)
{
    static const uint32_t hints[] = {0, 0x7fffffffu, 0x80000000u,
                                     0xffffffffu};
    uint8_t ptype = samples[ci / 2].ptype;
    size_t len;
    uint8_t *pdu;

    if (ptype != PTYPE_REQUEST && ptype != PTYPE_RESPONSE &&
        ptype != PTYPE_FAULT)
        return;
    pdu = build(ci, &len);
    /* C706 12.6.4.9: alloc_hint is advisory; the codec must neither
     * trust it nor reject a PDU for it (reassembly caps come later). */
    for (size_t k = 0; k < sizeof(hints) / sizeof(hints[0]); k++) {
        const char *what = label(ci, "alloc_hint", hints[k]);
        int r;

        put32(pdu, 16, hints[k]);
        r = try_parse(pdu, len, what);
        ck_assert_msg(r == 0, "%s: %d", what, r);
    }
    free(pdu);
}

/* One test per kind of damage, each over every sample: a Check test is
 * a fork, and under ASan a fork costs more than all the parsing. */
#define EVERY_CASE(kind)                                                     \
    START_TEST(test_##kind)                                                  \
    {                                                                        \
        for (int ci = 0; ci < N_CASES; ci++)                                 \
            kind##_case(ci);                                                 \
    }                                                                        \
    END_TEST

EVERY_CASE(valid)
EVERY_CASE(bitflip)
EVERY_CASE(truncate)
EVERY_CASE(extend)
EVERY_CASE(frag_length)
EVERY_CASE(auth_length)
EVERY_CASE(alloc_hint)

Suite *
mutate_suite(void)
{
    Suite *s = suite_create("mutate");
    TCase *tc = tcase_create("mutate");

    tcase_add_test(tc, test_valid);
    tcase_add_test(tc, test_bitflip);
    tcase_add_test(tc, test_truncate);
    tcase_add_test(tc, test_extend);
    tcase_add_test(tc, test_frag_length);
    tcase_add_test(tc, test_auth_length);
    tcase_add_test(tc, test_alloc_hint);
    suite_add_tcase(s, tc);
    return s;
}
