/*
 * tests/check_vectors.c -- the byte-exact test vectors (tests/vectors/,
 * copied from the project's spec; impacket and tshark accept them): every
 * vector decodes to the fields VECTORS.txt documents and re-encodes
 * byte-for-byte, and so does every DCE/RPC PDU in the capture files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "tests/tests.h"

#define MAX_VECTORS 32

struct vector {
    char name[8];
    uint8_t *bytes;
    size_t len;
};

static struct vector vecs[MAX_VECTORS];
static int nvecs;

/* VECTORS.txt: a line "Vn title (N bytes)" followed by a line of hex. */
static void
load_vectors(void)
{
    size_t flen;
    char *text = (char *)tu_read_file(tu_srcpath("tests/vectors/VECTORS.txt"), &flen);
    char *save = NULL, *line, *title = NULL;

    ck_assert_msg(text != NULL, "cannot read tests/vectors/VECTORS.txt");
    text = realloc(text, flen + 1);
    ck_assert_ptr_nonnull(text);
    text[flen] = '\0';
    nvecs = 0;
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == 'V') {
            title = line;
            continue;
        }
        if (title == NULL || line[0] == '\0')
            continue;
        ck_assert_int_lt(nvecs, MAX_VECTORS);
        struct vector *v = &vecs[nvecs++];
        size_t n = strcspn(title, " ");
        ck_assert_uint_lt(n, sizeof(v->name));
        memcpy(v->name, title, n);
        v->name[n] = '\0';
        v->bytes = tu_unhex(line, &v->len);
        ck_assert_msg(v->bytes != NULL, "%s: bad hex", v->name);
        /* The title states the length: "(N bytes)". */
        const char *paren = strrchr(title, '(');
        ck_assert_ptr_nonnull(paren);
        ck_assert_uint_eq(strtoul(paren + 1, NULL, 10), v->len);
        title = NULL;
    }
    free(text);
}

static void
free_vectors(void)
{
    for (int i = 0; i < nvecs; i++)
        free(vecs[i].bytes);
    nvecs = 0;
}

static const struct vector *
vec(const char *name)
{
    for (int i = 0; i < nvecs; i++)
        if (strcmp(vecs[i].name, name) == 0)
            return &vecs[i];
    ck_abort_msg("vector %s missing", name);
    return NULL;
}

/* Re-encodes a decoded PDU and compares with the original bytes. */
static void
assert_reencodes(struct rpc_pdu *p, const uint8_t *bytes, size_t len,
                 const char *what)
{
    struct ndr_cursor c;

    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_msg(rpc_pdu_encode(p, &c) == 0, "%s: encode failed", what);
    ck_assert_msg(tu_memdiff(c.data, c.len, bytes, len) == 0,
                  "%s: re-encoding differs", what);
    ndr_cursor_free(&c);
}

static void
parse_vec(const char *name, struct rpc_pdu *p)
{
    const struct vector *v = vec(name);
    int r = rpc_pdu_parse(v->bytes, v->len, p);

    ck_assert_msg(r == 0, "%s: %s", name, proto_strerror(r));
    ck_assert_uint_eq(p->hdr.frag_length, v->len);
    ck_assert_uint_eq(p->hdr.rpc_vers, 5);
    ck_assert_uint_eq(p->hdr.rpc_vers_minor, 0);
    ck_assert_uint_eq(p->hdr.drep[0], DREP_LE);
    ck_assert_uint_eq(p->hdr.auth_length, 0);
    ck_assert_uint_eq(p->hdr.call_id, 1);
}

static GUID
guid(const char *s)
{
    GUID g;

    ck_assert_int_eq(proto_uuid_parse(s, &g), 0);
    return g;
}

static void
assert_syntax(const RPC_SYNTAX_IDENTIFIER *s, const char *uuid, unsigned major,
              unsigned minor)
{
    GUID g = guid(uuid);

    ck_assert(proto_uuid_equal(&s->SyntaxGUID, &g));
    ck_assert_uint_eq(s->SyntaxVersion.MajorVersion, major);
    ck_assert_uint_eq(s->SyntaxVersion.MinorVersion, minor);
}

START_TEST(test_all_vectors_roundtrip)
{
    ck_assert_int_eq(nvecs, 9);
    for (int i = 0; i < nvecs; i++) {
        struct rpc_pdu p;
        int r = rpc_pdu_parse(vecs[i].bytes, vecs[i].len, &p);

        ck_assert_msg(r == 0, "%s: %s", vecs[i].name, proto_strerror(r));
        assert_reencodes(&p, vecs[i].bytes, vecs[i].len, vecs[i].name);
        rpc_pdu_clear(&p);
    }
}
END_TEST

START_TEST(test_v1_bind)
{
    struct rpc_pdu p;

    parse_vec("V1", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_BIND);
    ck_assert_uint_eq(p.hdr.pfc_flags, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_uint_eq(p.u.bind.max_xmit_frag, 4280);
    ck_assert_uint_eq(p.u.bind.max_recv_frag, 4280);
    ck_assert_uint_eq(p.u.bind.assoc_group_id, 0);
    ck_assert_uint_eq(p.u.bind.n_ctx, 1);
    ck_assert_uint_eq(p.u.bind.ctx[0].cont_id, 0);
    ck_assert_uint_eq(p.u.bind.ctx[0].n_xfer, 1);
    assert_syntax(&p.u.bind.ctx[0].abstract, EPM_IF_UUID_STR, 3, 0);
    assert_syntax(&p.u.bind.ctx[0].xfer[0], NDR20_UUID_STR, 2, 0);
    ck_assert(rpc_syntax_equal(&p.u.bind.ctx[0].xfer[0], &rpc_ndr20_syntax));
    rpc_pdu_clear(&p);
}
END_TEST

START_TEST(test_v2_bind_ack)
{
    struct rpc_pdu p;

    parse_vec("V2", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_BIND_ACK);
    ck_assert_uint_eq(p.u.bind_ack.max_xmit_frag, 4280);
    ck_assert_uint_eq(p.u.bind_ack.max_recv_frag, 4280);
    ck_assert_uint_eq(p.u.bind_ack.assoc_group_id, 0x12345);
    ck_assert_uint_eq(p.u.bind_ack.sec_addr_len, 4);
    ck_assert_str_eq((const char *)p.u.bind_ack.sec_addr, "135");
    ck_assert_uint_eq(p.u.bind_ack.n_results, 1);
    ck_assert_uint_eq(p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
    ck_assert_uint_eq(p.u.bind_ack.results[0].reason, 0);
    ck_assert(rpc_syntax_equal(&p.u.bind_ack.results[0].xfer, &rpc_ndr20_syntax));
    rpc_pdu_clear(&p);
}
END_TEST

START_TEST(test_v3_ept_map_request)
{
    struct rpc_pdu p;

    parse_vec("V3", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_REQUEST);
    ck_assert_uint_eq(p.u.request.opnum, 3);
    ck_assert_uint_eq(p.u.request.cont_id, 0);
    ck_assert_uint_eq(p.u.request.alloc_hint, 132);
    ck_assert_uint_eq(p.u.request.stub_len, 132);
    ck_assert_ptr_eq(p.u.request.stub, vec("V3")->bytes + 24);
    rpc_pdu_clear(&p);
}
END_TEST

START_TEST(test_v4_v5_v7_responses)
{
    struct rpc_pdu p;
    struct ndr_cursor c;
    uint32_t status;

    parse_vec("V4", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_RESPONSE);
    ck_assert_uint_eq(p.u.response.alloc_hint, 128);
    ck_assert_uint_eq(p.u.response.stub_len, 128);
    ck_assert_uint_eq(p.u.response.cancel_count, 0);
    rpc_pdu_clear(&p);

    /* V5: the stub ends with status EPT_S_NOT_REGISTERED. */
    parse_vec("V5", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_RESPONSE);
    ck_assert_uint_eq(p.u.response.stub_len, 40);
    ndr_init_read(&c, p.u.response.stub, p.u.response.stub_len, DREP_LE);
    ck_assert_int_eq(ndr_skip(&c, 36), 0);
    ck_assert_int_eq(ndr_get_u32(&c, &status), 0);
    ck_assert_uint_eq(status, EPT_S_NOT_REGISTERED_DCE);
    rpc_pdu_clear(&p);

    parse_vec("V7", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_RESPONSE);
    ck_assert_uint_eq(p.u.response.alloc_hint, 168);
    ck_assert_uint_eq(p.u.response.stub_len, 168);
    rpc_pdu_clear(&p);
}
END_TEST

START_TEST(test_v6_ept_lookup_request)
{
    struct rpc_pdu p;
    struct ndr_cursor c;
    uint32_t inquiry, obj, ifid, vers, max_ents, h;

    parse_vec("V6", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_REQUEST);
    ck_assert_uint_eq(p.u.request.opnum, 2);
    ck_assert_uint_eq(p.u.request.stub_len, 40);
    /* inquiry 0, obj NULL, ifid NULL, vers 1, 20-byte null handle,
     * max_ents 500. */
    ndr_init_read(&c, p.u.request.stub, p.u.request.stub_len, DREP_LE);
    ck_assert_int_eq(ndr_get_u32(&c, &inquiry), 0);
    ck_assert_int_eq(ndr_get_ptr(&c, &obj), 0);
    ck_assert_int_eq(ndr_get_ptr(&c, &ifid), 0);
    ck_assert_int_eq(ndr_get_u32(&c, &vers), 0);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(ndr_get_u32(&c, &h), 0);
        ck_assert_uint_eq(h, 0);
    }
    ck_assert_int_eq(ndr_get_u32(&c, &max_ents), 0);
    ck_assert_uint_eq(inquiry, 0);
    ck_assert_uint_eq(obj, 0);
    ck_assert_uint_eq(ifid, 0);
    ck_assert_uint_eq(vers, 1);
    ck_assert_uint_eq(max_ents, 500);
    ck_assert_uint_eq(ndr_remaining(&c), 0);
    rpc_pdu_clear(&p);
}
END_TEST

START_TEST(test_v8_fault)
{
    struct rpc_pdu p;

    parse_vec("V8", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_FAULT);
    ck_assert_uint_eq(p.hdr.pfc_flags,
                      PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE);
    ck_assert_uint_eq(p.u.fault.status, NCA_S_OP_RNG_ERROR);
    ck_assert_uint_eq(p.u.fault.cont_id, 0);
    ck_assert_uint_eq(p.u.fault.stub_len, 0);
    rpc_pdu_clear(&p);
}
END_TEST

START_TEST(test_v9_bind_nak)
{
    struct rpc_pdu p;

    parse_vec("V9", &p);
    ck_assert_uint_eq(p.hdr.ptype, PTYPE_BIND_NAK);
    ck_assert_uint_eq(p.u.bind_nak.reason, BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
    ck_assert_uint_eq(p.u.bind_nak.n_versions, 1);
    ck_assert_uint_eq(p.u.bind_nak.versions[0].major, 5);
    ck_assert_uint_eq(p.u.bind_nak.versions[0].minor, 0);
    ck_assert_uint_eq(p.u.bind_nak.extra_len, 0);
    rpc_pdu_clear(&p);
}
END_TEST

/* Builds the same PDUs from fields (not from bytes) and compares: the
 * encoder alone produces the vectors. */
START_TEST(test_encode_from_fields)
{
    static const struct rpc_version v50[1] = {{5, 0}};
    struct rpc_pdu p;
    struct rpc_ctx_elem ctx;
    RPC_SYNTAX_IDENTIFIER x = rpc_ndr20_syntax;
    struct rpc_result res;
    static const uint8_t sec_addr[] = "135";

    rpc_pdu_init(&p, PTYPE_BIND, 1);
    p.u.bind.max_xmit_frag = p.u.bind.max_recv_frag = 4280;
    memset(&ctx, 0, sizeof(ctx));
    ctx.n_xfer = 1;
    ctx.abstract.SyntaxGUID = guid(EPM_IF_UUID_STR);
    ctx.abstract.SyntaxVersion.MajorVersion = 3;
    ctx.xfer = &x;
    p.u.bind.n_ctx = 1;
    p.u.bind.ctx = &ctx;
    assert_reencodes(&p, vec("V1")->bytes, vec("V1")->len, "V1 from fields");

    rpc_pdu_init(&p, PTYPE_BIND_ACK, 1);
    p.u.bind_ack.max_xmit_frag = p.u.bind_ack.max_recv_frag = 4280;
    p.u.bind_ack.assoc_group_id = 0x12345;
    p.u.bind_ack.sec_addr = sec_addr;
    p.u.bind_ack.sec_addr_len = sizeof(sec_addr);
    memset(&res, 0, sizeof(res));
    res.xfer = rpc_ndr20_syntax;
    p.u.bind_ack.n_results = 1;
    p.u.bind_ack.results = &res;
    assert_reencodes(&p, vec("V2")->bytes, vec("V2")->len, "V2 from fields");

    rpc_pdu_init(&p, PTYPE_FAULT, 1);
    p.hdr.pfc_flags |= PFC_DID_NOT_EXECUTE;
    p.u.fault.alloc_hint = 32;
    p.u.fault.status = NCA_S_OP_RNG_ERROR;
    assert_reencodes(&p, vec("V8")->bytes, vec("V8")->len, "V8 from fields");

    rpc_pdu_init(&p, PTYPE_BIND_NAK, 1);
    p.u.bind_nak.reason = BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED;
    p.u.bind_nak.n_versions = 1;
    p.u.bind_nak.versions = v50;
    assert_reencodes(&p, vec("V9")->bytes, vec("V9")->len, "V9 from fields");
}
END_TEST

/* ---- captures ----------------------------------------------------------- */

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Walks a little-endian Ethernet/IPv4/TCP pcap and checks every DCE/RPC
 * PDU in the TCP payloads.  Returns the number of PDUs. */
static int
check_pcap(const char *rel, int *n_btfn)
{
    size_t len, off = 24;
    uint8_t *f = tu_read_file(tu_srcpath(rel), &len);
    int npdu = 0;

    ck_assert_msg(f != NULL, "cannot read %s", rel);
    ck_assert_uint_ge(len, 24);
    ck_assert_uint_eq(le32(f), 0xa1b2c3d4u);
    ck_assert_uint_eq(le32(f + 20), 1); /* LINKTYPE_ETHERNET */
    while (off + 16 <= len) {
        uint32_t incl = le32(f + off + 8);
        const uint8_t *pkt = f + off + 16;

        ck_assert_uint_le(incl, len - off - 16);
        off += 16 + incl;
        if (incl < 14 + 20 || pkt[12] != 0x08 || pkt[13] != 0x00)
            continue;
        const uint8_t *ip = pkt + 14;
        size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
        size_t iplen = (size_t)ip[2] << 8 | ip[3];
        if (ip[9] != 6 || iplen > incl - 14 || ihl + 20 > iplen)
            continue;
        const uint8_t *tcp = ip + ihl;
        size_t thl = (size_t)(tcp[12] >> 4) * 4;
        if (ihl + thl > iplen)
            continue;
        const uint8_t *pl = tcp + thl;
        size_t plen = iplen - ihl - thl;
        while (plen > 0) {
            uint16_t fl;
            struct rpc_pdu p;
            ck_assert_int_eq(rpc_peek_frag_length(pl, plen, &fl), 0);
            ck_assert_uint_le(fl, plen);
            int r = rpc_pdu_parse(pl, fl, &p);
            ck_assert_msg(r == 0, "%s: PDU %d: %s", rel, npdu, proto_strerror(r));
            assert_reencodes(&p, pl, fl, rel);
            if (p.hdr.ptype == PTYPE_BIND) {
                for (unsigned i = 0; i < p.u.bind.n_ctx; i++) {
                    uint16_t feat;
                    if (p.u.bind.ctx[i].n_xfer > 0 &&
                        rpc_btfn_match(&p.u.bind.ctx[i].xfer[0], &feat)) {
                        ck_assert_uint_eq(feat, BTFN_SECURITY_CONTEXT_MULTIPLEXING |
                                                BTFN_KEEP_CONNECTION_ON_ORPHAN);
                        (*n_btfn)++;
                    }
                }
            }
            rpc_pdu_clear(&p);
            npdu++;
            pl += fl;
            plen -= fl;
        }
    }
    free(f);
    return npdu;
}

START_TEST(test_captures)
{
    int btfn = 0;

    ck_assert_int_ge(check_pcap("tests/vectors/all.pcap", &btfn), 9);
    ck_assert_int_ge(check_pcap("tests/vectors/epm.pcap", &btfn), 2);
    ck_assert_int_ge(check_pcap("tests/vectors/btfn.pcap", &btfn), 1);
    ck_assert_int_eq(btfn, 1);
}
END_TEST

START_TEST(test_btfn_syntax)
{
    RPC_SYNTAX_IDENTIFIER s;
    uint16_t f = 0;
    char buf[37];

    rpc_btfn_syntax(BTFN_KEEP_CONNECTION_ON_ORPHAN | BTFN_SECURITY_CONTEXT_MULTIPLEXING, &s);
    proto_uuid_format(&s.SyntaxGUID, buf);
    ck_assert_str_eq(buf, "6cb71c2c-9812-4540-0300-000000000000");
    ck_assert_uint_eq(s.SyntaxVersion.MajorVersion, 1);
    ck_assert(rpc_btfn_match(&s, &f));
    ck_assert_uint_eq(f, 3);
    ck_assert(!rpc_btfn_match(&rpc_ndr20_syntax, &f));
    s.SyntaxGUID.Data4[7] = 1;
    ck_assert(!rpc_btfn_match(&s, &f));
}
END_TEST

Suite *
vectors_suite(void)
{
    Suite *s = suite_create("vectors");
    TCase *tc = tcase_create("vectors");

    tcase_add_checked_fixture(tc, load_vectors, free_vectors);
    tcase_add_test(tc, test_all_vectors_roundtrip);
    tcase_add_test(tc, test_v1_bind);
    tcase_add_test(tc, test_v2_bind_ack);
    tcase_add_test(tc, test_v3_ept_map_request);
    tcase_add_test(tc, test_v4_v5_v7_responses);
    tcase_add_test(tc, test_v6_ept_lookup_request);
    tcase_add_test(tc, test_v8_fault);
    tcase_add_test(tc, test_v9_bind_nak);
    tcase_add_test(tc, test_encode_from_fields);
    tcase_add_test(tc, test_captures);
    tcase_add_test(tc, test_btfn_syntax);
    suite_add_tcase(s, tc);
    return s;
}
