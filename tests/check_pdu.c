/*
 * tests/check_pdu.c -- every connection-oriented PDU type round-trips in
 * both byte orders, with and without a sec_trailer; verify() enforces the
 * header rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "tests/tests.h"

static const uint8_t stub7[7] = {1, 2, 3, 4, 5, 6, 7};
static const uint8_t authval[16] = "0123456789abcdef";
static RPC_SYNTAX_IDENTIFIER xfers[2];
static struct rpc_ctx_elem ctxs[2];
static struct rpc_result results[3];
static const uint8_t sec_addr[] = "49152";
static const uint8_t nak_extra[20] = {0x90, 1, 2, 3};
static const struct rpc_version nak_versions[2] = {{5, 0}, {5, 1}};

/* Fills p with a PDU of the given type with every field non-trivial. */
static void
make_pdu(struct rpc_pdu *p, uint8_t ptype, uint8_t drep0, int with_auth)
{
    rpc_pdu_init(p, ptype, 0x01020304);
    p->hdr.drep[0] = drep0;
    switch (ptype) {
    case PTYPE_REQUEST:
        p->u.request.alloc_hint = 7;
        p->u.request.cont_id = 0x0102;
        p->u.request.opnum = 0x0304;
        p->u.request.stub = stub7;
        p->u.request.stub_len = sizeof(stub7);
        break;
    case PTYPE_RESPONSE:
        p->u.response.alloc_hint = 7;
        p->u.response.cont_id = 3;
        p->u.response.cancel_count = 2;
        p->u.response.stub = stub7;
        p->u.response.stub_len = sizeof(stub7);
        break;
    case PTYPE_FAULT:
        p->hdr.pfc_flags |= PFC_DID_NOT_EXECUTE;
        p->u.fault.cont_id = 1;
        p->u.fault.cancel_count = 1;
        p->u.fault.status = NCA_S_FAULT_CANCEL;
        p->u.fault.stub = stub7;
        p->u.fault.stub_len = 4;
        break;
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        xfers[0] = rpc_ndr20_syntax;
        xfers[1] = rpc_ndr64_syntax;
        memset(ctxs, 0, sizeof(ctxs));
        proto_uuid_parse(EPM_IF_UUID_STR, &ctxs[0].abstract.SyntaxGUID);
        ctxs[0].abstract.SyntaxVersion.MajorVersion = 3;
        ctxs[0].n_xfer = 2;
        ctxs[0].xfer = xfers;
        ctxs[1] = ctxs[0];
        ctxs[1].cont_id = 1;
        ctxs[1].n_xfer = 1;
        ctxs[1].xfer = &xfers[1];
        p->u.bind.max_xmit_frag = 5840;
        p->u.bind.max_recv_frag = 4280;
        p->u.bind.assoc_group_id = 0xabcdef;
        p->u.bind.n_ctx = 2;
        p->u.bind.ctx = ctxs;
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        memset(results, 0, sizeof(results));
        results[0].xfer = rpc_ndr20_syntax;
        results[1].result = P_CONT_PROVIDER_REJECTION;
        results[1].reason = P_REASON_PROPOSED_TS_NOT_SUPPORTED;
        results[2].result = P_CONT_NEGOTIATE_ACK;
        results[2].reason = BTFN_KEEP_CONNECTION_ON_ORPHAN;
        p->u.bind_ack.max_xmit_frag = 4280;
        p->u.bind_ack.max_recv_frag = 4280;
        p->u.bind_ack.assoc_group_id = 0x12345;
        p->u.bind_ack.sec_addr = sec_addr;
        p->u.bind_ack.sec_addr_len = sizeof(sec_addr);
        p->u.bind_ack.n_results = 3;
        p->u.bind_ack.results = results;
        break;
    case PTYPE_BIND_NAK:
        p->u.bind_nak.reason = BIND_NAK_LOCAL_LIMIT_EXCEEDED;
        p->u.bind_nak.n_versions = 2;
        p->u.bind_nak.versions = nak_versions;
        p->u.bind_nak.extra = nak_extra;
        p->u.bind_nak.extra_len = sizeof(nak_extra);
        break;
    case PTYPE_AUTH3:
        p->u.auth3.pad = 0;
        break;
    case PTYPE_CO_CANCEL:
    case PTYPE_ORPHANED:
        p->hdr.pfc_flags = PFC_LAST_FRAG | PFC_PENDING_CANCEL;
        break;
    default:
        break;
    }
    if (with_auth) {
        p->has_auth = 1;
        p->auth.type = RPC_AUTH_TYPE_NTLMSSP;
        p->auth.level = RPC_C_AUTHN_LEVEL_PKT_INTEGRITY;
        p->auth.pad_length = (ptype == PTYPE_REQUEST || ptype == PTYPE_RESPONSE ||
                              ptype == PTYPE_FAULT) ? 9 : 0;
        p->auth.context_id = 0x11223344;
        p->auth.value = authval;
        p->auth.value_len = sizeof(authval);
    }
}

static const uint8_t all_types[] = {
    PTYPE_REQUEST, PTYPE_RESPONSE, PTYPE_FAULT, PTYPE_BIND, PTYPE_BIND_ACK,
    PTYPE_BIND_NAK, PTYPE_ALTER_CONTEXT, PTYPE_ALTER_CONTEXT_RESP, PTYPE_AUTH3,
    PTYPE_SHUTDOWN, PTYPE_CO_CANCEL, PTYPE_ORPHANED,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

static void
assert_same_syntax(const RPC_SYNTAX_IDENTIFIER *a, const RPC_SYNTAX_IDENTIFIER *b)
{
    ck_assert(rpc_syntax_equal(a, b));
}

/* Compares what a decode gives with what was encoded. */
static void
assert_same(const struct rpc_pdu *a, const struct rpc_pdu *b)
{
    ck_assert_mem_eq(&a->hdr, &b->hdr, sizeof(a->hdr));
    ck_assert_int_eq(a->has_auth, b->has_auth);
    if (a->has_auth) {
        ck_assert_uint_eq(a->auth.type, b->auth.type);
        ck_assert_uint_eq(a->auth.level, b->auth.level);
        ck_assert_uint_eq(a->auth.pad_length, b->auth.pad_length);
        ck_assert_uint_eq(a->auth.context_id, b->auth.context_id);
        ck_assert_uint_eq(a->auth.value_len, b->auth.value_len);
        ck_assert_mem_eq(a->auth.value, b->auth.value, a->auth.value_len);
    }
    switch (a->hdr.ptype) {
    case PTYPE_REQUEST:
        ck_assert_uint_eq(a->u.request.alloc_hint, b->u.request.alloc_hint);
        ck_assert_uint_eq(a->u.request.cont_id, b->u.request.cont_id);
        ck_assert_uint_eq(a->u.request.opnum, b->u.request.opnum);
        ck_assert_uint_eq(a->u.request.stub_len, b->u.request.stub_len);
        ck_assert_mem_eq(a->u.request.stub, b->u.request.stub, a->u.request.stub_len);
        if (a->hdr.pfc_flags & PFC_OBJECT_UUID)
            ck_assert(proto_uuid_equal(&a->u.request.object, &b->u.request.object));
        break;
    case PTYPE_RESPONSE:
        ck_assert_uint_eq(a->u.response.alloc_hint, b->u.response.alloc_hint);
        ck_assert_uint_eq(a->u.response.cont_id, b->u.response.cont_id);
        ck_assert_uint_eq(a->u.response.cancel_count, b->u.response.cancel_count);
        ck_assert_uint_eq(a->u.response.stub_len, b->u.response.stub_len);
        ck_assert_mem_eq(a->u.response.stub, b->u.response.stub, a->u.response.stub_len);
        break;
    case PTYPE_FAULT:
        ck_assert_uint_eq(a->u.fault.status, b->u.fault.status);
        ck_assert_uint_eq(a->u.fault.cancel_count, b->u.fault.cancel_count);
        ck_assert_uint_eq(a->u.fault.stub_len, b->u.fault.stub_len);
        ck_assert_mem_eq(a->u.fault.stub, b->u.fault.stub, a->u.fault.stub_len);
        break;
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        ck_assert_uint_eq(a->u.bind.max_xmit_frag, b->u.bind.max_xmit_frag);
        ck_assert_uint_eq(a->u.bind.max_recv_frag, b->u.bind.max_recv_frag);
        ck_assert_uint_eq(a->u.bind.assoc_group_id, b->u.bind.assoc_group_id);
        ck_assert_uint_eq(a->u.bind.n_ctx, b->u.bind.n_ctx);
        for (unsigned i = 0; i < a->u.bind.n_ctx; i++) {
            ck_assert_uint_eq(a->u.bind.ctx[i].cont_id, b->u.bind.ctx[i].cont_id);
            ck_assert_uint_eq(a->u.bind.ctx[i].n_xfer, b->u.bind.ctx[i].n_xfer);
            assert_same_syntax(&a->u.bind.ctx[i].abstract, &b->u.bind.ctx[i].abstract);
            for (unsigned j = 0; j < a->u.bind.ctx[i].n_xfer; j++)
                assert_same_syntax(&a->u.bind.ctx[i].xfer[j], &b->u.bind.ctx[i].xfer[j]);
        }
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        ck_assert_uint_eq(a->u.bind_ack.assoc_group_id, b->u.bind_ack.assoc_group_id);
        ck_assert_uint_eq(a->u.bind_ack.sec_addr_len, b->u.bind_ack.sec_addr_len);
        ck_assert_mem_eq(a->u.bind_ack.sec_addr, b->u.bind_ack.sec_addr,
                         a->u.bind_ack.sec_addr_len);
        ck_assert_uint_eq(a->u.bind_ack.n_results, b->u.bind_ack.n_results);
        for (unsigned i = 0; i < a->u.bind_ack.n_results; i++) {
            ck_assert_uint_eq(a->u.bind_ack.results[i].result, b->u.bind_ack.results[i].result);
            ck_assert_uint_eq(a->u.bind_ack.results[i].reason, b->u.bind_ack.results[i].reason);
            assert_same_syntax(&a->u.bind_ack.results[i].xfer, &b->u.bind_ack.results[i].xfer);
        }
        break;
    case PTYPE_BIND_NAK:
        ck_assert_uint_eq(a->u.bind_nak.reason, b->u.bind_nak.reason);
        ck_assert_uint_eq(a->u.bind_nak.n_versions, b->u.bind_nak.n_versions);
        ck_assert_mem_eq(a->u.bind_nak.versions, b->u.bind_nak.versions,
                         2 * (size_t)a->u.bind_nak.n_versions);
        ck_assert_uint_eq(a->u.bind_nak.extra_len, b->u.bind_nak.extra_len);
        ck_assert_mem_eq(a->u.bind_nak.extra, b->u.bind_nak.extra, a->u.bind_nak.extra_len);
        break;
    default:
        break;
    }
}

static void
roundtrip(struct rpc_pdu *p)
{
    struct ndr_cursor c;
    struct rpc_pdu d;
    uint16_t fl;
    int r;

    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    r = rpc_pdu_encode(p, &c);
    ck_assert_msg(r == 0, "%s: encode: %s", rpc_ptype_name(p->hdr.ptype), proto_strerror(r));
    ck_assert_uint_eq(c.len, p->hdr.frag_length);
    ck_assert_int_eq(rpc_peek_frag_length(c.data, c.len, &fl), 0);
    ck_assert_uint_eq(fl, c.len);
    r = rpc_pdu_parse(c.data, c.len, &d);
    ck_assert_msg(r == 0, "%s drep %02x auth %d: parse: %s", rpc_ptype_name(p->hdr.ptype),
                  p->hdr.drep[0], p->has_auth, proto_strerror(r));
    assert_same(p, &d);
    rpc_pdu_clear(&d);
    ndr_cursor_free(&c);
}

START_TEST(test_roundtrip_every_type)
{
    /* _i: type index; both orders, with and without auth */
    for (int order = 0; order < 2; order++) {
        for (int auth = 0; auth < 2; auth++) {
            struct rpc_pdu p;

            make_pdu(&p, all_types[_i], order ? DREP_BE : DREP_LE, auth);
            roundtrip(&p);
        }
    }
}
END_TEST

START_TEST(test_request_object_uuid)
{
    struct rpc_pdu p;
    struct ndr_cursor c;

    for (int order = 0; order < 2; order++) {
        make_pdu(&p, PTYPE_REQUEST, order ? DREP_BE : DREP_LE, order);
        p.hdr.pfc_flags |= PFC_OBJECT_UUID;
        UuidCreate(&p.u.request.object);
        roundtrip(&p);
        ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
        ck_assert_int_eq(rpc_pdu_encode(&p, &c), 0);
        /* 24-byte header + 16-byte object UUID before the stub. */
        ck_assert_mem_eq(c.data + 40, stub7, sizeof(stub7));
        ndr_cursor_free(&c);
    }
}
END_TEST

START_TEST(test_big_endian_header_layout)
{
    struct rpc_pdu p;
    struct ndr_cursor c;

    make_pdu(&p, PTYPE_SHUTDOWN, DREP_BE, 0);
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &c), 0);
    ck_assert_uint_eq(c.len, 16);
    ck_assert_uint_eq(c.data[8], 0);
    ck_assert_uint_eq(c.data[9], 16);
    ck_assert_uint_eq(c.data[12], 1);      /* call_id 0x01020304 */
    ck_assert_uint_eq(c.data[15], 4);
    ndr_cursor_free(&c);
}
END_TEST

START_TEST(test_auth_trailer_position)
{
    struct rpc_pdu p;
    struct ndr_cursor c;

    make_pdu(&p, PTYPE_REQUEST, DREP_LE, 1);
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &c), 0);
    /* 24 + 7 stub + 9 pad = 40: the trailer sits 16-aligned in the stub. */
    ck_assert_uint_eq(c.len, 24 + 7 + 9 + 8 + 16);
    ck_assert_uint_eq(p.hdr.auth_length, 16);
    ck_assert_uint_eq(c.data[40], RPC_AUTH_TYPE_NTLMSSP);
    ck_assert_uint_eq(c.data[42], 9);
    ck_assert_mem_eq(c.data + 48, authval, 16);
    ndr_cursor_free(&c);
}
END_TEST

/* Encodes a valid PDU, applies edit, and expects parse to give err. */
static void
expect_parse(uint8_t ptype, void (*edit)(uint8_t *, size_t), int err)
{
    struct rpc_pdu p, d;
    struct ndr_cursor c;
    int r;

    make_pdu(&p, ptype, DREP_LE, 0);
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &c), 0);
    edit(c.data, c.len);
    r = rpc_pdu_parse(c.data, c.len, &d);
    ck_assert_msg(r == err, "%s: got %d (%s), want %d", rpc_ptype_name(ptype), r,
                  proto_strerror(r), err);
    if (r == 0)
        rpc_pdu_clear(&d);
    ndr_cursor_free(&c);
}

static void e_vers(uint8_t *b, size_t n) { (void)n; b[0] = 4; }
static void e_minor(uint8_t *b, size_t n) { (void)n; b[1] = 2; }
static void e_ptype_cl(uint8_t *b, size_t n) { (void)n; b[2] = PTYPE_PING; }
static void e_ptype_big(uint8_t *b, size_t n) { (void)n; b[2] = 20; }
static void e_reserved_flag(uint8_t *b, size_t n) { (void)n; b[3] |= PFC_RESERVED_1; }
static void e_dne_request(uint8_t *b, size_t n) { (void)n; b[3] |= PFC_DID_NOT_EXECUTE; }
static void e_bind_not_last(uint8_t *b, size_t n) { (void)n; b[3] &= (uint8_t)~PFC_LAST_FRAG; }
static void e_drep_char(uint8_t *b, size_t n) { (void)n; b[4] = 0x11; }
static void e_drep_int(uint8_t *b, size_t n) { (void)n; b[4] = 0x20; }
static void e_drep_float(uint8_t *b, size_t n) { (void)n; b[5] = 1; }
static void e_drep_res(uint8_t *b, size_t n) { (void)n; b[7] = 1; }
static void e_frag_short(uint8_t *b, size_t n) { b[8] = (uint8_t)(n - 1); b[9] = 0; }
static void e_frag_long(uint8_t *b, size_t n) { b[8] = (uint8_t)(n + 1); b[9] = 0; }
static void e_frag_tiny(uint8_t *b, size_t n) { (void)n; b[8] = 15; b[9] = 0; }
static void e_auth_big(uint8_t *b, size_t n) { b[10] = (uint8_t)(n - 16 - 7); b[11] = 0; }
static void e_auth_huge(uint8_t *b, size_t n) { (void)n; b[10] = 0xff; b[11] = 0xff; }
static void e_ctx_count(uint8_t *b, size_t n) { (void)n; b[24] = 200; }
static void e_secaddr_noterm(uint8_t *b, size_t n) { (void)n; b[26 + 5] = (uint8_t)'x'; }
static void e_none(uint8_t *b, size_t n) { (void)b; (void)n; }

START_TEST(test_verify_rules)
{
    expect_parse(PTYPE_REQUEST, e_none, 0);
    expect_parse(PTYPE_REQUEST, e_vers, PROTO_E_VERSION);
    expect_parse(PTYPE_REQUEST, e_minor, PROTO_E_VERSION);
    expect_parse(PTYPE_SHUTDOWN, e_ptype_cl, PROTO_E_PTYPE);
    expect_parse(PTYPE_SHUTDOWN, e_ptype_big, PROTO_E_PTYPE);
    for (size_t i = 0; i < N_TYPES; i++) {
        /* Bind and alter_context flags are ignored, as Windows does. */
        int ignored = all_types[i] == PTYPE_BIND || all_types[i] == PTYPE_ALTER_CONTEXT;
        expect_parse(all_types[i], e_reserved_flag, ignored ? 0 : PROTO_E_FLAGS);
    }
    expect_parse(PTYPE_REQUEST, e_dne_request, PROTO_E_FLAGS);
    expect_parse(PTYPE_BIND, e_bind_not_last, 0);
    expect_parse(PTYPE_BIND_ACK, e_bind_not_last, PROTO_E_FLAGS);
    expect_parse(PTYPE_REQUEST, e_drep_char, PROTO_E_DREP);
    expect_parse(PTYPE_REQUEST, e_drep_int, PROTO_E_DREP);
    expect_parse(PTYPE_BIND, e_drep_int, PROTO_E_DREP);
    expect_parse(PTYPE_REQUEST, e_drep_float, PROTO_E_DREP);
    expect_parse(PTYPE_REQUEST, e_drep_res, PROTO_E_DREP);
    expect_parse(PTYPE_REQUEST, e_frag_short, PROTO_E_LENGTH);
    expect_parse(PTYPE_REQUEST, e_frag_long, PROTO_E_SHORT);
    expect_parse(PTYPE_REQUEST, e_frag_tiny, PROTO_E_LENGTH);
    expect_parse(PTYPE_REQUEST, e_auth_big, PROTO_E_AUTH);
    expect_parse(PTYPE_SHUTDOWN, e_auth_huge, PROTO_E_AUTH);
    expect_parse(PTYPE_BIND, e_ctx_count, PROTO_E_SHORT);
    expect_parse(PTYPE_BIND_ACK, e_secaddr_noterm, PROTO_E_FORMAT);
}
END_TEST

START_TEST(test_header_only)
{
    uint8_t hdr[16] = {5, 0, 0, 3, 0x10, 0, 0, 0, 0x34, 0x12, 0, 0, 1, 0, 0, 0};
    struct rpc_hdr h;
    uint16_t fl;

    ck_assert_int_eq(rpc_peek_frag_length(hdr, 16, &fl), 0);
    ck_assert_uint_eq(fl, 0x1234);
    hdr[4] = 0;
    ck_assert_int_eq(rpc_peek_frag_length(hdr, 16, &fl), 0);
    ck_assert_uint_eq(fl, 0x3412);
    ck_assert_int_eq(rpc_peek_frag_length(hdr, 15, &fl), PROTO_E_SHORT);
    ck_assert_int_eq(rpc_hdr_decode(hdr, 16, &h), 0);
    ck_assert_uint_eq(h.call_id, 0x01000000);
    ck_assert_int_eq(rpc_hdr_decode(hdr, 3, &h), PROTO_E_SHORT);
}
END_TEST

START_TEST(test_encode_limits)
{
    struct rpc_pdu p;
    struct ndr_cursor c;
    uint8_t *big = calloc(1, 70000);
    uint8_t small[20];

    ck_assert_ptr_nonnull(big);
    make_pdu(&p, PTYPE_REQUEST, DREP_LE, 0);
    p.u.request.stub = big;
    p.u.request.stub_len = 65535 - 24 + 1;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &c), PROTO_E_RANGE);
    ck_assert_uint_eq(c.len, 0);       /* nothing half-written is kept */
    p.u.request.stub_len = 65535 - 24;
    ck_assert_int_eq(rpc_pdu_encode(&p, &c), 0);
    ck_assert_uint_eq(c.len, 65535);
    ndr_cursor_free(&c);
    free(big);

    /* A fixed buffer too small: an error, no overrun. */
    make_pdu(&p, PTYPE_BIND, DREP_LE, 0);
    ndr_init_write_fixed(&c, small, sizeof(small), DREP_LE);
    ck_assert_int_eq(rpc_pdu_encode(&p, &c), PROTO_E_RANGE);
    ck_assert_uint_eq(c.len, 0);

    /* NULL pointers with non-zero lengths are caller errors. */
    make_pdu(&p, PTYPE_RESPONSE, DREP_LE, 0);
    p.u.response.stub = NULL;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &c), PROTO_E_INVAL);
    ndr_cursor_free(&c);
}
END_TEST

START_TEST(test_append_unaligned)
{
    /* A 60-byte bind_ack followed by a fault in one buffer: the fault's
     * alignment is relative to its own start. */
    struct rpc_pdu a, f, d;
    struct ndr_cursor c;
    size_t first;

    make_pdu(&a, PTYPE_BIND_ACK, DREP_LE, 0);
    a.u.bind_ack.n_results = 1;
    make_pdu(&f, PTYPE_FAULT, DREP_LE, 0);
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(ndr_put_u16(&c, 0), 0);        /* misalign on purpose */
    ck_assert_int_eq(rpc_pdu_encode(&a, &c), 0);
    first = c.len;
    ck_assert_int_eq(rpc_pdu_encode(&f, &c), 0);
    ck_assert_int_eq(rpc_pdu_parse(c.data + 2, first - 2, &d), 0);
    rpc_pdu_clear(&d);
    ck_assert_int_eq(rpc_pdu_parse(c.data + first, c.len - first, &d), 0);
    ck_assert_uint_eq(d.u.fault.status, NCA_S_FAULT_CANCEL);
    rpc_pdu_clear(&d);
    ndr_cursor_free(&c);
}
END_TEST

/* rpc_frag_iov: from every offset, with room for 1, 2, 3 or many
 * iovecs at a time, the iovecs cover exactly the rest of the stream --
 * headers interleaved with stub chunks, the last chunk short, the stub
 * bytes of f->ext from elsewhere -- and none is empty. */
static void
check_frag_stream(const struct rpc_frag_out *f, const uint8_t *want, size_t len,
                  const char *what)
{
    static const int maxes[] = {1, 2, 3, 64};
    static uint8_t got[40 * 8 + 12000];

    ck_assert_uint_le(len, sizeof(got));
    for (size_t off = 0; off <= len; off++) {
        /* A long stream: every 61st offset and those near where pieces
         * meet (fragment and range edges). */
        if (len > 1000 && off % 61 != 0) {
            size_t fsz = f->hdr_len + f->chunk, in = fsz ? off % fsz : 0;
            size_t s = fsz ? off / fsz * f->chunk + (in > f->hdr_len ? in - f->hdr_len : 0) : 0;
            int near = in < f->hdr_len + 3 || in + 3 > fsz || off + 3 > len;

            if (f->ext.len > 0)
                near |= (s + 3 > f->ext.off && s < f->ext.off + 3) ||
                        (s + 3 > f->ext.off + f->ext.len && s < f->ext.off + f->ext.len + 3);
            if (!near)
                continue;
        }
        for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
            size_t at = off;

            while (at < len) {
                struct iovec iov[64];
                int n = rpc_frag_iov(f, at, iov, maxes[m]);

                ck_assert_int_gt(n, 0);
                ck_assert_int_le(n, maxes[m]);
                for (int j = 0; j < n; j++) {
                    ck_assert_uint_gt(iov[j].iov_len, 0);
                    ck_assert_uint_le(at + iov[j].iov_len, len);
                    memcpy(got + at, iov[j].iov_base, iov[j].iov_len);
                    at += iov[j].iov_len;
                }
            }
            ck_assert_uint_eq(at, len);
            ck_assert_msg(memcmp(got + off, want + off, len - off) == 0,
                          "%s, from %zu, %d at a time", what, off, maxes[m]);
            {
                struct iovec iov[1];
                ck_assert_int_eq(rpc_frag_iov(f, len, iov, 1), 0);
            }
        }
    }
}

/* The cases of a plain buffer, an empty stub, one and many fragments,
 * each without a range from elsewhere and with ranges at the start, the
 * end, across fragment edges and covering all of the stub. */
START_TEST(test_frag_iov)
{
    static const struct { size_t hdr_len, chunk, stub_len; } cases[] = {
        {24, 16, 0}, {24, 16, 1}, {24, 16, 16}, {24, 16, 17}, {24, 16, 100},
        {24, 8, 64}, {40, 5816, 12000}, {37, 0, 0},
    };
    static uint8_t hdrs[40 * 8], stub[12000], alt[12000], want[40 * 8 + 12000];

    for (size_t i = 0; i < sizeof(hdrs); i++)
        hdrs[i] = (uint8_t)(0x80 | i);
    for (size_t i = 0; i < sizeof(stub); i++) {
        stub[i] = (uint8_t)(i * 7 + 1) & 0x7f;
        alt[i] = (uint8_t)(i * 5 + 3) | 0x80;
    }
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        size_t sl = cases[k].stub_len, ch = cases[k].chunk;
        /* {off, len} of the range; len 0: none. */
        const size_t ranges[][2] = {
            {0, 0}, {0, sl}, {0, 1}, {sl > 0 ? sl - 1 : 0, sl > 0 ? 1 : 0},
            {sl / 3, sl / 3}, {ch > 1 && sl > ch ? ch - 1 : 0, ch > 1 && sl > ch ? 2 : 0},
        };

        for (size_t e = 0; e < sizeof(ranges) / sizeof(ranges[0]); e++) {
            struct rpc_frag_out f = {hdrs, stub, cases[k].hdr_len, 1, ch, sl,
                                     {NULL, 0, 0}};
            size_t len = 0, xo = ranges[e][0], xl = ranges[e][1];
            char what[64];

            if (e > 0 && xl == 0)
                continue;
            if (xl > 0) {
                f.ext.p = alt + xo;
                f.ext.off = xo;
                f.ext.len = xl;
            }
            if (f.chunk > 0 && f.stub_len > 0)
                f.nfrag = (f.stub_len + f.chunk - 1) / f.chunk;
            ck_assert_uint_le(f.nfrag * f.hdr_len, sizeof(hdrs));
            /* The stream, built the plain way. */
            for (size_t fr = 0, s0 = 0; fr < f.nfrag; fr++) {
                size_t n = f.stub_len - s0 < f.chunk ? f.stub_len - s0 : f.chunk;

                memcpy(want + len, hdrs + fr * f.hdr_len, f.hdr_len);
                len += f.hdr_len;
                for (size_t i = 0; i < n; i++)
                    want[len + i] = s0 + i >= xo && s0 + i < xo + xl ? alt[s0 + i]
                                                                      : stub[s0 + i];
                len += n;
                s0 += n;
            }
            ck_assert_uint_eq(len, f.nfrag * f.hdr_len + f.stub_len);
            snprintf(what, sizeof(what), "case %zu, range %zu+%zu", k, xo, xl);
            check_frag_stream(&f, want, len, what);
        }
    }
}
END_TEST

/* rpc_stub_iov and rpc_stub_ext_from at every position of a small stub
 * and a range in it; rpc_frag_copy into a stream puts the range's bytes
 * in the range's memory. */
START_TEST(test_stub_ext)
{
    uint8_t stub[20], alt[20], got[20];
    struct rpc_stub_ext x = {alt + 6, 6, 5};          /* bytes 6..10 */

    for (size_t i = 0; i < sizeof(stub); i++) {
        stub[i] = (uint8_t)i;
        alt[i] = (uint8_t)(100 + i);
    }
    for (size_t from = 0; from <= sizeof(stub); from++)
        for (size_t n = 0; from + n <= sizeof(stub); n++) {
            struct iovec iov[3];
            int k = rpc_stub_iov(stub, &x, from, n, iov);
            size_t at = 0;

            ck_assert_int_eq(k == 0, n == 0);
            for (int j = 0; j < k; j++) {
                ck_assert_uint_gt(iov[j].iov_len, 0);
                memcpy(got + at, iov[j].iov_base, iov[j].iov_len);
                at += iov[j].iov_len;
            }
            ck_assert_uint_eq(at, n);
            for (size_t i = 0; i < n; i++)
                ck_assert_uint_eq(got[i], from + i >= 6 && from + i < 11 ? alt[from + i]
                                                                        : stub[from + i]);
            ck_assert_int_eq(rpc_stub_iov(stub, NULL, from, n, iov), n > 0);
        }
    for (size_t at = 0; at <= sizeof(stub); at++) {
        struct rpc_stub_ext y;

        rpc_stub_ext_from(&x, at, &y);
        if (at >= 11) {
            ck_assert_ptr_null(y.p);
            ck_assert_uint_eq(y.len, 0);
            continue;
        }
        /* The same bytes, counted from at. */
        ck_assert_uint_eq(y.off + at, at > 6 ? at : 6);
        ck_assert_uint_eq(y.off + at + y.len, 11);
        ck_assert_ptr_eq(y.p, alt + (at > 6 ? at : 6));
    }
    {
        uint8_t h[4] = {0};
        struct rpc_frag_out f = {h, stub, 2, 2, 10, 20, {alt + 6, 6, 5}};
        uint8_t in[24];

        for (size_t i = 0; i < sizeof(in); i++)
            in[i] = (uint8_t)(200 + i);
        memset(stub, 0, sizeof(stub));
        memset(alt, 0, sizeof(alt));
        /* From stream offset 1 (inside the first header) to the end. */
        rpc_frag_copy(&f, 1, in, 23, 1);
        /* Stream: H H s0..s9 H H s10..s19; in[0] went to header byte 1. */
        for (size_t i = 0; i < 20; i++) {
            uint8_t b = (uint8_t)(200 + 1 + i + (i >= 10 ? 2 : 0));

            if (i >= 6 && i < 11) {
                ck_assert_uint_eq(alt[i], b);
                ck_assert_uint_eq(stub[i], 0);
            } else {
                ck_assert_uint_eq(stub[i], b);
            }
        }
    }
}
END_TEST

/* rpc_request_hdr_put / rpc_response_hdr_put write the bytes
 * rpc_pdu_encode makes of the same header, in both byte orders, for
 * values that fill every field (a swapped or shifted field shows). */
START_TEST(test_frag_hdr_put)
{
    static const uint8_t flag_sets[] = {
        PFC_FIRST_FRAG | PFC_LAST_FRAG, PFC_FIRST_FRAG, 0, PFC_LAST_FRAG,
        PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_PENDING_CANCEL,
    };
    static const uint8_t dreps[] = {DREP_LE, DREP_BE};
    uint8_t stub[40];

    for (size_t i = 0; i < sizeof(stub); i++)
        stub[i] = (uint8_t)(0xa0 + i);
    for (size_t d = 0; d < sizeof(dreps); d++) {
        for (size_t fl = 0; fl < sizeof(flag_sets); fl++) {
            for (size_t n = 0; n <= sizeof(stub); n += 20) {
                for (int resp = 0; resp < 2; resp++) {
                    uint8_t want[RPC_REQUEST_HDR_LEN + sizeof(stub)];
                    uint8_t got[RPC_REQUEST_HDR_LEN];
                    uint32_t call_id = 0x01020304u + (uint32_t)n;
                    uint32_t hint = 0x0a0b0c0du - (uint32_t)n;
                    uint16_t len = (uint16_t)(RPC_REQUEST_HDR_LEN + n);
                    uint8_t cc = (uint8_t)(0x77 + n);
                    struct ndr_cursor c;
                    struct rpc_pdu p;

                    rpc_pdu_init(&p, resp ? PTYPE_RESPONSE : PTYPE_REQUEST, call_id);
                    p.hdr.drep[0] = dreps[d];
                    p.hdr.pfc_flags = flag_sets[fl];
                    if (resp) {
                        p.u.response.alloc_hint = hint;
                        p.u.response.cont_id = 0x5566;
                        p.u.response.cancel_count = cc;
                        p.u.response.stub = stub;
                        p.u.response.stub_len = n;
                    } else {
                        p.u.request.alloc_hint = hint;
                        p.u.request.cont_id = 0x1122;
                        p.u.request.opnum = 0x3344;
                        p.u.request.stub = stub;
                        p.u.request.stub_len = n;
                    }
                    ndr_init_write_fixed(&c, want, sizeof(want), dreps[d]);
                    ck_assert_int_eq(rpc_pdu_encode(&p, &c), 0);
                    ck_assert_uint_eq(c.len, len);
                    memset(got, 0xee, sizeof(got));
                    if (resp)
                        rpc_response_hdr_put(got, flag_sets[fl], dreps[d], len, call_id,
                                             hint, 0x5566, cc);
                    else
                        rpc_request_hdr_put(got, flag_sets[fl], dreps[d], len, call_id,
                                            hint, 0x1122, 0x3344);
                    ck_assert_mem_eq(got, want, RPC_REQUEST_HDR_LEN);
                }
            }
        }
    }
}
END_TEST

/* rpc_pdu_parse's fast path for request and response fragments gives
 * the answers of the generic decode + verify: the same status for every
 * header mutated byte by byte and for a buffer longer or shorter than the
 * fragment, and the same fields when both accept. */
static int
generic_parse(const uint8_t *b, size_t len, struct rpc_pdu *p)
{
    int r = rpc_pdu_decode(b, len, p);

    if (r == 0 && (r = rpc_pdu_verify(p, len)) != 0)
        rpc_pdu_clear(p);
    return r;
}

static void
assert_same_parse(const uint8_t *b, size_t len)
{
    struct rpc_pdu x, y;
    int rx = rpc_pdu_parse(b, len, &x), ry = generic_parse(b, len, &y);

    ck_assert_int_eq(rx, ry);
    if (rx != 0)
        return;
    ck_assert_uint_eq(x.hdr.rpc_vers, y.hdr.rpc_vers);
    ck_assert_uint_eq(x.hdr.rpc_vers_minor, y.hdr.rpc_vers_minor);
    ck_assert_uint_eq(x.hdr.ptype, y.hdr.ptype);
    ck_assert_uint_eq(x.hdr.pfc_flags, y.hdr.pfc_flags);
    ck_assert_mem_eq(x.hdr.drep, y.hdr.drep, 4);
    ck_assert_uint_eq(x.hdr.frag_length, y.hdr.frag_length);
    ck_assert_uint_eq(x.hdr.auth_length, y.hdr.auth_length);
    ck_assert_uint_eq(x.hdr.call_id, y.hdr.call_id);
    ck_assert_int_eq(x.has_auth, y.has_auth);
    if (x.hdr.ptype == PTYPE_REQUEST) {
        ck_assert_uint_eq(x.u.request.alloc_hint, y.u.request.alloc_hint);
        ck_assert_uint_eq(x.u.request.cont_id, y.u.request.cont_id);
        ck_assert_uint_eq(x.u.request.opnum, y.u.request.opnum);
        ck_assert_mem_eq(&x.u.request.object, &y.u.request.object, sizeof(GUID));
        ck_assert_ptr_eq(x.u.request.stub, y.u.request.stub);
        ck_assert_uint_eq(x.u.request.stub_len, y.u.request.stub_len);
    } else if (x.hdr.ptype == PTYPE_RESPONSE) {
        ck_assert_uint_eq(x.u.response.alloc_hint, y.u.response.alloc_hint);
        ck_assert_uint_eq(x.u.response.cont_id, y.u.response.cont_id);
        ck_assert_uint_eq(x.u.response.cancel_count, y.u.response.cancel_count);
        ck_assert_uint_eq(x.u.response.reserved, y.u.response.reserved);
        ck_assert_ptr_eq(x.u.response.stub, y.u.response.stub);
        ck_assert_uint_eq(x.u.response.stub_len, y.u.response.stub_len);
    }
    rpc_pdu_clear(&x);
    rpc_pdu_clear(&y);
}

START_TEST(test_parse_fast_path)
{
    static const uint8_t values[] = {0, 1, 2, 3, 4, 5, 0x10, 0x11, 0x40, 0x80, 0xff};
    static const size_t stub_lens[] = {0, 8, 13};
    uint8_t b[64];

    for (int d = 0; d < 2; d++) {
        for (int resp = 0; resp < 2; resp++) {
            for (size_t s = 0; s < sizeof(stub_lens) / sizeof(stub_lens[0]); s++) {
                size_t len = RPC_REQUEST_HDR_LEN + stub_lens[s];
                uint8_t d0 = d ? DREP_BE : DREP_LE;

                memset(b, 0xa5, sizeof(b));
                if (resp)
                    rpc_response_hdr_put(b, PFC_FIRST_FRAG | PFC_LAST_FRAG, d0,
                                         (uint16_t)len, 0x01020304u, 0x11223344u,
                                         0x0102, 7);
                else
                    rpc_request_hdr_put(b, PFC_FIRST_FRAG, d0, (uint16_t)len,
                                        0x01020304u, 0x11223344u, 0x0102, 0x0304);
                assert_same_parse(b, len);
                assert_same_parse(b, len + 1);
                assert_same_parse(b, len - 1);
                for (size_t i = 0; i < RPC_REQUEST_HDR_LEN; i++) {
                    uint8_t keep = b[i];

                    for (size_t v = 0; v < sizeof(values); v++) {
                        b[i] = values[v];
                        assert_same_parse(b, len);
                    }
                    b[i] = (uint8_t)(keep ^ 0x80);
                    assert_same_parse(b, len);
                    b[i] = (uint8_t)(keep + 1);
                    assert_same_parse(b, len);
                    b[i] = keep;
                }
            }
        }
    }
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(rpc_ptype_name(PTYPE_CO_CANCEL), "co_cancel");
    ck_assert_str_eq(rpc_ptype_name(99), "unknown");
    ck_assert_str_eq(proto_strerror(PROTO_E_SHORT), "truncated input");
    ck_assert_str_eq(proto_strerror(-999), "unknown error");
}
END_TEST

Suite *
pdu_suite(void)
{
    Suite *s = suite_create("pdu");
    TCase *tc = tcase_create("codec");

    tcase_add_loop_test(tc, test_roundtrip_every_type, 0, (int)N_TYPES);
    tcase_add_test(tc, test_request_object_uuid);
    tcase_add_test(tc, test_big_endian_header_layout);
    tcase_add_test(tc, test_auth_trailer_position);
    tcase_add_test(tc, test_verify_rules);
    tcase_add_test(tc, test_header_only);
    tcase_add_test(tc, test_encode_limits);
    tcase_add_test(tc, test_append_unaligned);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_frag_iov);
    tcase_add_test(tc, test_stub_ext);
    tcase_add_test(tc, test_frag_hdr_put);
    tcase_add_test(tc, test_parse_fast_path);
    suite_add_tcase(s, tc);
    return s;
}
