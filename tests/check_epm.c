/*
 * tests/check_epm.c -- the endpoint mapper: the stub codec (proto/epm.c)
 * against the vectors V3-V7 and in round trips of every request and
 * response in both byte orders, malformed and truncated stubs, and the
 * database (daemon/epm_db.c): insert/replace/delete, lookup paging,
 * inquiry types and version options, map matching, owners.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/epm_db.h"
#include "proto/epm.h"
#include "proto/proto.h"
#include "tests/epm_msg.h"
#include "tests/tests.h"

Suite *epm_suite(void);

/* ---- helpers ------------------------------------------------------------ */

static GUID
guid_of(const char *s)
{
    GUID g;

    ck_assert_int_eq(proto_uuid_parse(s, &g), 0);
    return g;
}

static RPC_SYNTAX_IDENTIFIER
syntax_of(const char *s, unsigned short major, unsigned short minor)
{
    RPC_SYNTAX_IDENTIFIER x;

    x.SyntaxGUID = guid_of(s);
    x.SyntaxVersion.MajorVersion = major;
    x.SyntaxVersion.MinorVersion = minor;
    return x;
}

static const char *const IF_A = "12345678-1234-abcd-ef00-0123456789ab";
static const char *const IF_B = "c3f6a4b0-5a5a-11d0-a5a5-00a0c9b7a1e2";
static const char *const OBJ_X = "0b6edbfa-4a24-4fc6-8a23-942b1eca65d1";
static const char *const OBJ_Y = "8cd2a1f4-09e0-4d3a-9d77-3b4d5f0e1c22";

/* The stub of vector name (from VECTORS.txt), copied into a buffer of
 * exactly its size so that ASan sees any read past it. */
static uint8_t *
vec_stub(const char *name, size_t *len)
{
    size_t flen, nlen = strlen(name);
    char *text = (char *)tu_read_file(tu_srcpath("tests/vectors/VECTORS.txt"),
                                      &flen);
    char *line, *save = NULL;
    uint8_t *pdu = NULL, *stub;
    size_t plen = 0;
    struct rpc_pdu p;
    int want = 0;

    ck_assert_msg(text != NULL, "cannot read tests/vectors/VECTORS.txt");
    text = realloc(text, flen + 1);
    ck_assert_ptr_nonnull(text);
    text[flen] = '\0';
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (want) {
            pdu = tu_unhex(line, &plen);
            break;
        }
        want = strncmp(line, name, nlen) == 0 && line[nlen] == ' ';
    }
    free(text);
    ck_assert_msg(pdu != NULL, "no vector %s", name);
    ck_assert_int_eq(rpc_pdu_parse(pdu, plen, &p), 0);
    if (p.hdr.ptype == PTYPE_REQUEST) {
        *len = p.u.request.stub_len;
        stub = malloc(*len);
        ck_assert_ptr_nonnull(stub);
        memcpy(stub, p.u.request.stub, *len);
    } else {
        ck_assert_uint_eq(p.hdr.ptype, PTYPE_RESPONSE);
        *len = p.u.response.stub_len;
        stub = malloc(*len);
        ck_assert_ptr_nonnull(stub);
        memcpy(stub, p.u.response.stub, *len);
    }
    rpc_pdu_clear(&p);
    free(pdu);
    return stub;
}


/* Encodes m in byte order drep into a malloc'ed buffer. */
static uint8_t *
enc(enum kind k, const union msg *m, uint8_t drep, size_t *len)
{
    struct ndr_cursor c;
    uint8_t *out;
    int r;

    ck_assert_int_eq(ndr_init_write(&c, 0, drep), 0);
    r = kencode(k, &c, m);
    ck_assert_msg(r == 0, "encode kind %d: %s", (int)k, proto_strerror(r));
    out = ndr_steal(&c, len);
    ndr_cursor_free(&c);
    if (out == NULL) {          /* an empty stub (nothing was written) */
        out = malloc(1);
        ck_assert_ptr_nonnull(out);
        *len = 0;
    }
    return out;
}

/* Decodes exactly buf[0..len) in byte order drep. */
static void
dec(enum kind k, const uint8_t *buf, size_t len, uint8_t drep, union msg *m)
{
    struct ndr_cursor c;
    int r;

    ndr_init_read(&c, buf, len, drep);
    r = kdecode(k, &c, m);
    ck_assert_msg(r == 0, "decode kind %d: %s", (int)k, proto_strerror(r));
    ck_assert_uint_eq(c.off, len);
    ndr_cursor_free(&c);
}

static void
assert_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    ck_assert_msg(tu_memdiff(a, alen, b, blen) == 0, "bytes differ");
}

/* Tower octets for samples: static storage, borrowed by the messages. */
static uint8_t tw_tcp[3][128], tw_lrpc[128];
static size_t tw_tcp_len[3], tw_lrpc_len;

static void
make_towers(void)
{
    struct rpc_tower t;

    for (int i = 0; i < 3; i++) {
        memset(&t, 0, sizeof(t));
        t.iface = syntax_of(IF_A, 1, (unsigned short)i);
        t.xfer = rpc_ndr20_syntax;
        t.protseq = RPC_PROTSEQ_NCACN_IP_TCP;
        t.port = (uint16_t)(49152 + i);
        t.family = AF_INET;
        t.addr[0] = 10;
        t.addr[3] = (uint8_t)(i + 1);
        ck_assert_int_eq(proto_tower_encode(&t, tw_tcp[i], sizeof(tw_tcp[i]),
                                            &tw_tcp_len[i]), 0);
    }
    memset(&t, 0, sizeof(t));
    t.iface = syntax_of(IF_B, 2, 5);
    t.xfer = rpc_ndr20_syntax;
    t.protseq = RPC_PROTSEQ_NCALRPC;
    strcpy(t.endpoint, "rpctest-lrpc");
    ck_assert_int_eq(proto_tower_encode(&t, tw_lrpc, sizeof(tw_lrpc),
                                        &tw_lrpc_len), 0);
}

static struct epm_twr
twr(const uint8_t *o, size_t len, uint32_t ref)
{
    struct epm_twr t;

    memset(&t, 0, sizeof(t));
    t.present = 1;
    t.ref = ref;
    t.octets = o;
    t.len = (uint32_t)len;
    return t;
}

static struct epm_entry sample_ents[4];

/* A sample of each kind; pointers borrow static storage.  refs: 0 for
 * fresh ids, 1 to give explicit ones (with an alias in the arrays). */
static void
sample(enum kind k, union msg *m, int refs)
{
    static struct epm_twr towers[4];

    make_towers();
    memset(m, 0, sizeof(*m));
    memset(sample_ents, 0, sizeof(sample_ents));
    sample_ents[0].object = guid_of(OBJ_X);
    sample_ents[0].tower = twr(tw_tcp[0], tw_tcp_len[0], refs ? 7 : 0);
    strcpy(sample_ents[0].annotation, "first");
    sample_ents[1].tower = twr(tw_lrpc, tw_lrpc_len, refs ? 9 : 0);
    strcpy(sample_ents[1].annotation,
           "a 63-character annotation, which is the most there is room for!");
    ck_assert_uint_eq(strlen(sample_ents[1].annotation), 63);
    /* No tower (a NULL twr_p_t) and an empty annotation. */
    sample_ents[2].object = guid_of(OBJ_Y);
    /* An alias of entry 0's tower when ids are explicit. */
    sample_ents[3].tower = twr(tw_tcp[0], tw_tcp_len[0], refs ? 7 : 0);
    strcpy(sample_ents[3].annotation, "alias");
    towers[0] = twr(tw_tcp[1], tw_tcp_len[1], refs ? 4 : 0);
    towers[1] = twr(tw_lrpc, tw_lrpc_len, refs ? 5 : 0);
    memset(&towers[2], 0, sizeof(towers[2]));
    towers[3] = twr(tw_tcp[1], tw_tcp_len[1], refs ? 4 : 0);

    switch (k) {
    case K_INSERT_REQ:
    case K_DELETE_REQ:
        m->ins.num_ents = 4;
        m->ins.entries = sample_ents;
        m->ins.replace = k == K_INSERT_REQ;
        break;
    case K_LOOKUP_REQ:
        m->lreq.inquiry_type = EPM_INQ_MATCH_BY_BOTH;
        m->lreq.object.present = 1;
        m->lreq.object.ref = refs ? 1 : 0;
        m->lreq.object.uuid = guid_of(OBJ_X);
        m->lreq.ifid.present = 1;
        m->lreq.ifid.ref = refs ? 2 : 0;
        m->lreq.ifid.id.Uuid = guid_of(IF_A);
        m->lreq.ifid.id.VersMajor = 1;
        m->lreq.ifid.id.VersMinor = 3;
        m->lreq.vers_option = EPM_VERS_COMPATIBLE;
        m->lreq.handle.attributes = 0;
        m->lreq.handle.uuid = guid_of(OBJ_Y);
        m->lreq.max_ents = 17;
        break;
    case K_MAP_REQ:
        m->mreq.object.present = 1;
        m->mreq.object.uuid = guid_of(OBJ_X);
        m->mreq.tower = twr(tw_tcp[2], tw_tcp_len[2], 0);
        m->mreq.max_towers = 500;
        m->mreq.handle.uuid = guid_of(OBJ_Y);
        break;
    case K_HFREE_REQ:
        m->h.attributes = 0x01020304;
        m->h.uuid = guid_of(OBJ_Y);
        break;
    case K_MGMT_DELETE_REQ:
        m->mgd.object_speced = 1;
        m->mgd.object.present = 1;
        m->mgd.object.uuid = guid_of(OBJ_X);
        m->mgd.tower = twr(tw_lrpc, tw_lrpc_len, refs ? 0x00020000 : 0);
        break;
    case K_STATUS_RESP:
        m->status = EPM_S_CANT_PERFORM_OP;
        break;
    case K_LOOKUP_RESP:
        m->lresp.handle.uuid = guid_of(OBJ_X);
        m->lresp.max_ents = 4;
        m->lresp.num_ents = 4;
        m->lresp.entries = sample_ents;
        m->lresp.status = 0;
        m->lresp.ref_base = 3;
        break;
    case K_MAP_RESP:
        m->mresp.max_towers = 6;
        m->mresp.num_towers = 4;
        m->mresp.towers = towers;
        m->mresp.status = 0;
        m->mresp.ref_base = 3;
        break;
    case K_HFREE_RESP:
        m->hfr.status = EPM_S_INVALID_CONTEXT;
        break;
    case K_INQ_OBJECT_RESP:
        m->inq.object = guid_of(OBJ_Y);
        m->inq.status = 0;
        break;
    case K_COUNT:
        break;
    }
}

/* ---- the vectors -------------------------------------------------------- */

/* V3's alignment gap: object id + uuid + tower id + max_count +
 * tower_length + 75 octets = 107. */
#define V3_GAP 107

START_TEST(test_v3_map_request)
{
    size_t len, elen;
    uint8_t *stub = vec_stub("V3", &len), *e;
    union msg m, f;
    struct rpc_tower t;

    ck_assert_uint_eq(len, 132);
    dec(K_MAP_REQ, stub, len, DREP_LE, &m);
    /* impacket sends referent ids 1 and 2, a nil object and the EPM's own
     * tower with port 0 and address 0.0.0.0. */
    ck_assert(m.mreq.object.present);
    ck_assert_uint_eq(m.mreq.object.ref, 1);
    ck_assert(UuidIsNil(&m.mreq.object.uuid, NULL));
    ck_assert(m.mreq.tower.present);
    ck_assert_uint_eq(m.mreq.tower.ref, 2);
    ck_assert_uint_eq(m.mreq.tower.len, 75);
    ck_assert(epm_handle_is_null(&m.mreq.handle));
    ck_assert_uint_eq(m.mreq.max_towers, 1);
    ck_assert_uint_eq(m.mreq.ref_max, 2);
    ck_assert_int_eq(proto_tower_decode(m.mreq.tower.octets, m.mreq.tower.len,
                                        &t), 0);
    ck_assert(rpc_syntax_equal(&t.iface, &(RPC_SYNTAX_IDENTIFIER){
        guid_of(EPM_IF_UUID_STR), {3, 0}}));
    ck_assert(rpc_syntax_equal(&t.xfer, &rpc_ndr20_syntax));
    ck_assert_int_eq(t.protseq, RPC_PROTSEQ_NCACN_IP_TCP);
    ck_assert_uint_eq(t.port, 0);
    /* The one byte after the 75 tower octets is an alignment gap (C706
     * 14.2.2 leaves its content unspecified): impacket fills it with
     * 0xab, the encoder (proto's ndr_align) with 0.  Everything else is
     * the same, byte for byte. */
    ck_assert_uint_eq(stub[V3_GAP], 0xab);
    stub[V3_GAP] = 0;
    e = enc(K_MAP_REQ, &m, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    /* Fresh ids give the same bytes: numbered 1, 2 as Windows does. */
    f = m;
    f.mreq.object.ref = 0;
    f.mreq.tower.ref = 0;
    e = enc(K_MAP_REQ, &f, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    free(stub);
}
END_TEST

START_TEST(test_v4_map_response)
{
    size_t len, elen, rlen;
    uint8_t *stub = vec_stub("V4", &len), *e, *req = vec_stub("V3", &rlen);
    union msg m, f, q;
    struct rpc_tower t;

    ck_assert_uint_eq(len, 128);
    dec(K_MAP_RESP, stub, len, DREP_LE, &m);
    ck_assert(epm_handle_is_null(&m.mresp.handle));
    ck_assert_uint_eq(m.mresp.num_towers, 1);
    ck_assert_uint_eq(m.mresp.max_towers, 1);
    ck_assert_uint_eq(m.mresp.status, 0);
    ck_assert(m.mresp.towers[0].present);
    ck_assert_uint_eq(m.mresp.towers[0].ref, 3);
    ck_assert_uint_eq(m.mresp.towers[0].len, 75);
    ck_assert_int_eq(proto_tower_decode(m.mresp.towers[0].octets,
                                        m.mresp.towers[0].len, &t), 0);
    ck_assert_uint_eq(t.port, 135);
    ck_assert_int_eq(t.family, AF_INET);
    ck_assert_mem_eq(t.addr, "\x7f\x00\x00\x01", 4);
    e = enc(K_MAP_RESP, &m, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    /* A server numbering its reply after V3's ids writes the same. */
    dec(K_MAP_REQ, req, rlen, DREP_LE, &q);
    f = m;
    struct epm_twr tw = m.mresp.towers[0];
    tw.ref = 0;
    f.mresp.towers = &tw;
    f.mresp.ref_base = epm_next_ref(q.mreq.ref_max);
    e = enc(K_MAP_RESP, &f, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    kclear(K_MAP_RESP, &m);
    free(stub);
    free(req);
}
END_TEST

START_TEST(test_v5_map_not_registered)
{
    size_t len, elen;
    uint8_t *stub = vec_stub("V5", &len), *e;
    union msg m;

    ck_assert_uint_eq(len, 40);
    dec(K_MAP_RESP, stub, len, DREP_LE, &m);
    ck_assert(epm_handle_is_null(&m.mresp.handle));
    ck_assert_uint_eq(m.mresp.num_towers, 0);
    ck_assert_uint_eq(m.mresp.max_towers, 1);
    ck_assert_ptr_null(m.mresp.towers);
    ck_assert_uint_eq(m.mresp.status, EPM_S_NOT_REGISTERED);
    ck_assert_uint_eq(m.mresp.status, EPT_S_NOT_REGISTERED_DCE);
    e = enc(K_MAP_RESP, &m, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    kclear(K_MAP_RESP, &m);
    free(stub);
}
END_TEST

START_TEST(test_v6_lookup_request)
{
    size_t len, elen;
    uint8_t *stub = vec_stub("V6", &len), *e;
    union msg m;

    ck_assert_uint_eq(len, 40);
    dec(K_LOOKUP_REQ, stub, len, DREP_LE, &m);
    ck_assert_uint_eq(m.lreq.inquiry_type, EPM_INQ_ALL_ELTS);
    ck_assert(!m.lreq.object.present);
    ck_assert(!m.lreq.ifid.present);
    ck_assert_uint_eq(m.lreq.vers_option, EPM_VERS_ALL);
    ck_assert(epm_handle_is_null(&m.lreq.handle));
    ck_assert_uint_eq(m.lreq.max_ents, 500);
    ck_assert_uint_eq(m.lreq.ref_max, 0);
    e = enc(K_LOOKUP_REQ, &m, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    free(stub);
}
END_TEST

START_TEST(test_v7_lookup_response)
{
    size_t len, elen;
    uint8_t *stub = vec_stub("V7", &len), *e;
    union msg m, f;
    struct rpc_tower t;
    struct epm_entry ent;

    ck_assert_uint_eq(len, 168);
    dec(K_LOOKUP_RESP, stub, len, DREP_LE, &m);
    ck_assert(epm_handle_is_null(&m.lresp.handle));
    ck_assert_uint_eq(m.lresp.num_ents, 1);
    ck_assert_uint_eq(m.lresp.max_ents, 500);
    ck_assert_uint_eq(m.lresp.status, 0);
    ck_assert(UuidIsNil(&m.lresp.entries[0].object, NULL));
    ck_assert_str_eq(m.lresp.entries[0].annotation, "Endpoint Mapper");
    ck_assert_uint_eq(m.lresp.entries[0].tower.ref, 1);
    ck_assert_int_eq(proto_tower_decode(m.lresp.entries[0].tower.octets,
                                        m.lresp.entries[0].tower.len, &t), 0);
    ck_assert_uint_eq(t.port, 135);
    ck_assert_mem_eq(t.addr, "\x7f\x00\x00\x01", 4);
    e = enc(K_LOOKUP_RESP, &m, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    /* The reply to V6 (no pointers) numbers its first pointer 1. */
    f = m;
    ent = m.lresp.entries[0];
    ent.tower.ref = 0;
    f.lresp.entries = &ent;
    f.lresp.ref_base = epm_next_ref(0);
    e = enc(K_LOOKUP_RESP, &f, DREP_LE, &elen);
    assert_same(e, elen, stub, len);
    free(e);
    kclear(K_LOOKUP_RESP, &m);
    free(stub);
}
END_TEST

/* The database serves V3 with the bytes of V4, and V6 with those of V7. */
START_TEST(test_vectors_from_db)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_cred root = {0, 1};
    struct epm_db_entry e, *out = NULL;
    struct epm_db_cursor *cur = NULL;
    struct epm_db_query q;
    struct rpc_tower t;
    uint32_t n, st;
    size_t len, rlen, elen, tlen;
    uint8_t *v3 = vec_stub("V3", &rlen), *v4 = vec_stub("V4", &len), *b;
    uint8_t tb[128];
    static const uint8_t lo[4] = {127, 0, 0, 1};
    union msg req, resp;
    struct epm_twr tw;
    struct epm_entry ent;

    ck_assert_ptr_nonnull(db);
    dec(K_MAP_REQ, v3, rlen, DREP_LE, &req);
    /* rpcd registers itself from a tower like the one asked for. */
    ck_assert_uint_eq(epm_db_entry_from_tower(NULL, req.mreq.tower.octets,
                                              req.mreq.tower.len,
                                              "Endpoint Mapper", &e),
                      EPM_S_OK);
    e.port = 135;
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 1, &root), EPM_S_OK);

    ck_assert_int_eq(proto_tower_decode(req.mreq.tower.octets,
                                        req.mreq.tower.len, &t), 0);
    st = epm_db_map(db, &cur, &req.mreq.object.uuid, &t,
                    req.mreq.max_towers, &out, &n);
    ck_assert_uint_eq(st, EPM_S_OK);
    ck_assert_ptr_null(cur);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(epm_db_entry_tower(&out[0], AF_INET, lo, tb, sizeof(tb),
                                        &tlen), 0);
    memset(&resp, 0, sizeof(resp));
    tw = twr(tb, tlen, 0);
    resp.mresp.max_towers = req.mreq.max_towers;
    resp.mresp.num_towers = n;
    resp.mresp.towers = &tw;
    resp.mresp.ref_base = epm_next_ref(req.mreq.ref_max);
    b = enc(K_MAP_RESP, &resp, DREP_LE, &elen);
    assert_same(b, elen, v4, len);
    free(b);
    free(out);
    free(v3);
    free(v4);

    v3 = vec_stub("V6", &rlen);
    v4 = vec_stub("V7", &len);
    dec(K_LOOKUP_REQ, v3, rlen, DREP_LE, &req);
    memset(&q, 0, sizeof(q));
    q.inquiry_type = req.lreq.inquiry_type;
    q.vers_option = req.lreq.vers_option;
    st = epm_db_lookup(db, &cur, &q, req.lreq.max_ents, &out, &n);
    ck_assert_uint_eq(st, EPM_S_OK);
    ck_assert_ptr_null(cur);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(epm_db_entry_tower(&out[0], AF_INET, lo, tb, sizeof(tb),
                                        &tlen), 0);
    memset(&ent, 0, sizeof(ent));
    ent.object = out[0].object;
    ent.tower = twr(tb, tlen, 0);
    memcpy(ent.annotation, out[0].annotation, sizeof(ent.annotation));
    memset(&resp, 0, sizeof(resp));
    resp.lresp.max_ents = req.lreq.max_ents;
    resp.lresp.num_ents = n;
    resp.lresp.entries = &ent;
    resp.lresp.ref_base = epm_next_ref(req.lreq.ref_max);
    b = enc(K_LOOKUP_RESP, &resp, DREP_LE, &elen);
    assert_same(b, elen, v4, len);
    free(b);
    free(out);
    free(v3);
    free(v4);
    epm_db_free(db);
}
END_TEST

/* ---- round trips -------------------------------------------------------- */

/* Every kind, with fresh and with explicit ids, in both byte orders:
 * decoding the big-endian bytes gives what re-encodes to the
 * little-endian ones, and each encoding re-encodes to itself. */
START_TEST(test_round_trips)
{
    for (int k = 0; k < K_COUNT; k++) {
        for (int refs = 0; refs < 2; refs++) {
            union msg m, dle, dbe;
            uint8_t *le, *be, *le2, *be2, *x;
            size_t lel, bel, le2l, be2l, xl;

            sample((enum kind)k, &m, refs);
            le = enc((enum kind)k, &m, DREP_LE, &lel);
            be = enc((enum kind)k, &m, DREP_BE, &bel);
            ck_assert_uint_eq(lel, bel);
            dec((enum kind)k, le, lel, DREP_LE, &dle);
            dec((enum kind)k, be, bel, DREP_BE, &dbe);
            le2 = enc((enum kind)k, &dle, DREP_LE, &le2l);
            be2 = enc((enum kind)k, &dbe, DREP_BE, &be2l);
            assert_same(le2, le2l, le, lel);
            assert_same(be2, be2l, be, bel);
            x = enc((enum kind)k, &dbe, DREP_LE, &xl);
            assert_same(x, xl, le, lel);
            if (lel >= 4)
                ck_assert_msg(memcmp(le, be, lel) != 0,
                              "kind %d: byte order made no difference", k);
            free(le);
            free(be);
            free(le2);
            free(be2);
            free(x);
            kclear((enum kind)k, &dle);
            kclear((enum kind)k, &dbe);
        }
    }
}
END_TEST

/* Decoded fields of a big-endian lookup reply, and the alias. */
START_TEST(test_lookup_resp_fields_be)
{
    union msg m, d;
    uint8_t *b;
    size_t bl;

    sample(K_LOOKUP_RESP, &m, 1);
    b = enc(K_LOOKUP_RESP, &m, DREP_BE, &bl);
    dec(K_LOOKUP_RESP, b, bl, DREP_BE, &d);
    ck_assert_uint_eq(d.lresp.num_ents, 4);
    ck_assert_uint_eq(d.lresp.max_ents, 4);
    ck_assert_uint_eq(d.lresp.ref_max, 9);
    for (int i = 0; i < 4; i++) {
        const struct epm_entry *a = &m.lresp.entries[i], *e = &d.lresp.entries[i];
        ck_assert(UuidEqual((UUID *)&a->object, (UUID *)&e->object, NULL));
        ck_assert_str_eq(a->annotation, e->annotation);
        ck_assert_uint_eq(a->tower.present, e->tower.present);
        ck_assert_uint_eq(a->tower.ref, e->tower.ref);
        ck_assert_uint_eq(a->tower.len, e->tower.len);
        if (a->tower.len > 0)
            ck_assert_mem_eq(a->tower.octets, e->tower.octets, a->tower.len);
    }
    /* Entry 3 repeats entry 0's id: its tower was not sent again, and it
     * points at the same octets. */
    ck_assert_ptr_eq(d.lresp.entries[3].tower.octets,
                     d.lresp.entries[0].tower.octets);
    kclear(K_LOOKUP_RESP, &d);
    free(b);
}
END_TEST

/* An alias must name the same tower; ids shared by a uuid and a tower
 * are refused. */
START_TEST(test_encode_refuses)
{
    union msg m;
    struct ndr_cursor c;
    struct epm_entry e[2];

    sample(K_INSERT_REQ, &m, 1);
    memcpy(e, sample_ents, sizeof(e));
    e[1].tower.ref = e[0].tower.ref;      /* same id, other octets */
    m.ins.num_ents = 2;
    m.ins.entries = e;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_insert_req_encode(&c, &m.ins), PROTO_E_INVAL);
    ndr_cursor_free(&c);

    sample(K_MAP_REQ, &m, 0);
    m.mreq.object.ref = 5;
    m.mreq.tower.ref = 5;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_map_req_encode(&c, &m.mreq), PROTO_E_INVAL);
    ndr_cursor_free(&c);

    sample(K_LOOKUP_REQ, &m, 0);
    m.lreq.object.ref = 5;
    m.lreq.ifid.ref = 5;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_lookup_req_encode(&c, &m.lreq), PROTO_E_INVAL);
    ndr_cursor_free(&c);

    /* Counts above the MS-RPCE ranges, more entries than max_count, an
     * annotation without its NUL. */
    sample(K_LOOKUP_REQ, &m, 0);
    m.lreq.max_ents = 501;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_lookup_req_encode(&c, &m.lreq), PROTO_E_RANGE);
    ndr_cursor_free(&c);
    sample(K_MAP_REQ, &m, 0);
    m.mreq.max_towers = 501;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_map_req_encode(&c, &m.mreq), PROTO_E_RANGE);
    ndr_cursor_free(&c);
    sample(K_LOOKUP_RESP, &m, 0);
    m.lresp.max_ents = 3;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_lookup_resp_encode(&c, &m.lresp), PROTO_E_INVAL);
    ndr_cursor_free(&c);
    sample(K_MAP_RESP, &m, 0);
    m.mresp.max_towers = 3;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_map_resp_encode(&c, &m.mresp), PROTO_E_INVAL);
    ndr_cursor_free(&c);
    sample(K_INSERT_REQ, &m, 0);
    memset(sample_ents[1].annotation, 'x', EPM_ANNOTATION_MAX);
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_insert_req_encode(&c, &m.ins), PROTO_E_INVAL);
    ndr_cursor_free(&c);
    sample(K_MAP_REQ, &m, 0);
    m.mreq.tower.len = EPM_TWR_MAX + 1;
    ck_assert_int_eq(ndr_init_write(&c, 0, DREP_LE), 0);
    ck_assert_int_eq(epm_map_req_encode(&c, &m.mreq), PROTO_E_RANGE);
    ndr_cursor_free(&c);
}
END_TEST

/* ---- malformed input ---------------------------------------------------- */

static void
check_rc(int r)
{
    ck_assert_msg(r <= 0 && r >= PROTO_E_READONLY, "rc %d", r);
}

/* Every proper prefix of a valid stub fails, cleanly. */
static void
truncations(enum kind k, const uint8_t *stub, size_t len, uint8_t drep)
{
    for (size_t n = 0; n < len; n++) {
        uint8_t *b = malloc(n + 1);
        struct ndr_cursor c;
        union msg m;
        int r;

        ck_assert_ptr_nonnull(b);
        memcpy(b, stub, n);
        ndr_init_read(&c, b, n, drep);
        r = kdecode(k, &c, &m);
        ck_assert_msg(r < 0, "kind %d: a %zu-byte prefix of %zu decoded",
                      (int)k, n, len);
        check_rc(r);
        kclear(k, &m);
        free(b);
    }
}

START_TEST(test_truncations)
{
    static const struct { const char *v; enum kind k; } vs[] = {
        {"V3", K_MAP_REQ}, {"V4", K_MAP_RESP}, {"V5", K_MAP_RESP},
        {"V6", K_LOOKUP_REQ}, {"V7", K_LOOKUP_RESP},
    };

    for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
        size_t len;
        uint8_t *stub = vec_stub(vs[i].v, &len);
        truncations(vs[i].k, stub, len, DREP_LE);
        free(stub);
    }
    for (int k = 0; k < K_COUNT; k++) {
        for (int drep = 0; drep < 2; drep++) {
            union msg m;
            size_t len;
            uint8_t *b;

            sample((enum kind)k, &m, 1);
            b = enc((enum kind)k, &m, drep ? DREP_BE : DREP_LE, &len);
            truncations((enum kind)k, b, len, drep ? DREP_BE : DREP_LE);
            free(b);
        }
    }
}
END_TEST

/* Every bit flipped in every sample: an error code or a message that
 * re-encodes to as many bytes and is stable from then on. */
START_TEST(test_bit_flips)
{
    for (int k = 0; k < K_COUNT; k++) {
        union msg m;
        size_t len;
        uint8_t *b;

        sample((enum kind)k, &m, 1);
        b = enc((enum kind)k, &m, DREP_LE, &len);
        for (size_t bit = 0; bit < len * 8; bit++) {
            struct ndr_cursor c;
            union msg d, d2;
            uint8_t *e, *e2;
            size_t el, el2;
            int r;

            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            ndr_init_read(&c, b, len, DREP_LE);
            r = kdecode((enum kind)k, &c, &d);
            check_rc(r);
            if (r == 0) {
                e = enc((enum kind)k, &d, DREP_LE, &el);
                ck_assert_uint_eq(el, c.off);
                dec((enum kind)k, e, el, DREP_LE, &d2);
                e2 = enc((enum kind)k, &d2, DREP_LE, &el2);
                assert_same(e2, el2, e, el);
                kclear((enum kind)k, &d2);
                free(e);
                free(e2);
            }
            kclear((enum kind)k, &d);
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        free(b);
    }
}
END_TEST

/* Decodes the hex stub (LE) as kind k and returns the rc. */
static int
try_hex(enum kind k, const char *hex)
{
    size_t len;
    uint8_t *b = tu_unhex(hex, &len);
    struct ndr_cursor c;
    union msg m;
    int r;

    ck_assert_ptr_nonnull(b);
    ndr_init_read(&c, b, len, DREP_LE);
    r = kdecode(k, &c, &m);
    check_rc(r);
    kclear(k, &m);
    free(b);
    return r;
}

#define HANDLE0 "00000000" "00000000000000000000000000000000"
#define ENT_NIL_NOTOWER "00000000000000000000000000000000" "00000000"
/* A 5-byte tower body for the lies below. */
#define TWR5 "05000000" "05000000" "0102030405"

START_TEST(test_counts_that_lie)
{
    /* ept_insert: num_ents 1, max_count 2 (must equal). */
    ck_assert_int_eq(try_hex(K_INSERT_REQ, "01000000" "02000000"
                             ENT_NIL_NOTOWER "00000000" "01000000" "00"
                             "000000" "00000000"), PROTO_E_FORMAT);
    /* num_ents 3 with one entry present. */
    ck_assert_int_eq(try_hex(K_INSERT_REQ, "03000000" "03000000"
                             ENT_NIL_NOTOWER "00000000" "01000000" "00"
                             "000000" "00000000"), PROTO_E_SHORT);
    /* 4 GiB counts. */
    ck_assert_int_eq(try_hex(K_INSERT_REQ, "ffffffff" "ffffffff"),
                     PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "f5010000" "f5010000"),
                     PROTO_E_RANGE);
    /* 500 entries announced in a short stub: refused before any
     * allocation by the count (ASan would see a 500-entry calloc
     * otherwise; the result is the same). */
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "f4010000" "f4010000"
                             ENT_NIL_NOTOWER), PROTO_E_SHORT);
    /* An annotation: offset 1; actual_count 0; 65; 4 GiB; no NUL; an
     * embedded NUL. */
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "01000000" "01000000"
                             ENT_NIL_NOTOWER "01000000" "01000000" "00"),
                     PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "01000000" "01000000"
                             ENT_NIL_NOTOWER "00000000" "00000000"
                             "00000000"), PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "01000000" "01000000"
                             ENT_NIL_NOTOWER "00000000" "41000000"
                             "00000000"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "01000000" "01000000"
                             ENT_NIL_NOTOWER "00000000" "ffffffff"
                             "00000000"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "01000000" "01000000"
                             ENT_NIL_NOTOWER "00000000" "02000000" "4142"),
                     PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "01000000" "01000000"
                             ENT_NIL_NOTOWER "00000000" "03000000" "410000"),
                     PROTO_E_FORMAT);
    /* The smallest valid delete, for contrast. */
    ck_assert_int_eq(try_hex(K_DELETE_REQ, "01000000" "01000000"
                             ENT_NIL_NOTOWER "00000000" "01000000" "00"), 0);
    /* A tower: max_count != tower_length; 4 GiB; longer than the stub. */
    ck_assert_int_eq(try_hex(K_MAP_REQ, "00000000" "01000000" "05000000"
                             "06000000" "0102030405" "000000" HANDLE0
                             "01000000"), PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_MAP_REQ, "00000000" "01000000" "ffffffff"
                             "ffffffff" "01"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_MAP_REQ, "00000000" "01000000" "00100000"
                             "00100000" "01"), PROTO_E_SHORT);
    ck_assert_int_eq(try_hex(K_MAP_REQ, "00000000" "01000000" TWR5 "000000"
                             HANDLE0 "01000000"), 0);
    /* The object and the tower under one id (a uuid is no tower). */
    ck_assert_int_eq(try_hex(K_MAP_REQ, "01000000"
                             "00000000000000000000000000000000" "01000000"
                             TWR5 "000000" HANDLE0 "01000000"),
                     PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_MGMT_DELETE_REQ, "01000000" "07000000"
                             "00000000000000000000000000000000" "07000000"
                             TWR5), PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_LOOKUP_REQ, "01000000" "03000000"
                             "00000000000000000000000000000000" "03000000"
                             "00000000000000000000000000000000" "01000000"
                             "01000000" HANDLE0 "01000000"), PROTO_E_FORMAT);
    /* max_towers / max_ents above MS-RPCE's range(0,500). */
    ck_assert_int_eq(try_hex(K_MAP_REQ, "00000000" "00000000" HANDLE0
                             "f5010000"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_MAP_REQ, "00000000" "00000000" HANDLE0
                             "ffffffff"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_MAP_REQ, "00000000" "00000000" HANDLE0
                             "f4010000"), 0);
    ck_assert_int_eq(try_hex(K_LOOKUP_REQ, "00000000" "00000000" "00000000"
                             "01000000" HANDLE0 "f5010000"), PROTO_E_RANGE);
    /* Replies: actual_count != num; offset != 0; actual > max; max above
     * 500; 4 GiB everything. */
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "01000000" "01000000"
                             "00000000" "00000000" "00000000"),
                     PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "00000000" "01000000"
                             "01000000" "00000000" "00000000"),
                     PROTO_E_FORMAT);
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "02000000" "01000000"
                             "00000000" "02000000"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "00000000" "f5010000"
                             "00000000" "00000000" "00000000"),
                     PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "ffffffff" "ffffffff"
                             "00000000" "ffffffff"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_LOOKUP_RESP, HANDLE0 "ffffffff" "ffffffff"
                             "00000000" "ffffffff"), PROTO_E_RANGE);
    ck_assert_int_eq(try_hex(K_LOOKUP_RESP, HANDLE0 "f4010000" "f4010000"
                             "00000000" "f4010000"), PROTO_E_SHORT);
    /* 500 tower ids announced, 2 present. */
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "f4010000" "f4010000"
                             "00000000" "f4010000" "01000000" "02000000"),
                     PROTO_E_SHORT);
    /* Two tower ids, the second an alias of the first: one body. */
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "02000000" "02000000"
                             "00000000" "02000000" "03000000" "03000000"
                             TWR5 "000000" "00000000"), 0);
    /* Two different ids and one body: short. */
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "02000000" "02000000"
                             "00000000" "02000000" "03000000" "04000000"
                             TWR5 "000000" "00000000"), PROTO_E_SHORT);
    /* A NULL tower in a reply's array decodes (NDR allows it). */
    ck_assert_int_eq(try_hex(K_MAP_RESP, HANDLE0 "01000000" "01000000"
                             "00000000" "01000000" "00000000" "00000000"),
                     0);
}
END_TEST

/* ---- the database ------------------------------------------------------- */

static const struct epm_db_cred ROOT = {0, 100};
static const struct epm_db_cred ALICE = {1000, 200};
static const struct epm_db_cred ALICE2 = {1000, 201};
static const struct epm_db_cred BOB = {1001, 300};

static struct epm_db_entry
tcp_entry(const char *iface, unsigned short major, unsigned short minor,
          const char *object, uint16_t port)
{
    struct epm_db_entry e;

    memset(&e, 0, sizeof(e));
    if (object != NULL)
        e.object = guid_of(object);
    e.iface = syntax_of(iface, major, minor);
    e.xfer = rpc_ndr20_syntax;
    e.protseq = RPC_PROTSEQ_NCACN_IP_TCP;
    e.port = port;
    snprintf(e.annotation, sizeof(e.annotation), "port %u", port);
    return e;
}

static struct epm_db_entry
lrpc_entry(const char *iface, unsigned short major, unsigned short minor,
           const char *name)
{
    struct epm_db_entry e;

    memset(&e, 0, sizeof(e));
    e.iface = syntax_of(iface, major, minor);
    e.xfer = rpc_ndr20_syntax;
    e.protseq = RPC_PROTSEQ_NCALRPC;
    strcpy(e.endpoint, name);
    strcpy(e.annotation, name);
    return e;
}

static struct rpc_tower
map_tower(const char *iface, unsigned short major, unsigned short minor,
          enum rpc_protseq ps)
{
    struct rpc_tower t;

    memset(&t, 0, sizeof(t));
    t.iface = syntax_of(iface, major, minor);
    t.xfer = rpc_ndr20_syntax;
    t.protseq = ps;
    t.family = AF_INET;
    return t;
}

/* Runs a lookup or map to its end with batches of max; returns the number
 * of elements and copies their ports (or -1 for lrpc) into ports. */
static uint32_t
page_all(struct epm_db *db, const struct epm_db_query *q, const GUID *obj,
         const struct rpc_tower *t, uint32_t max, int *ports, size_t cap)
{
    struct epm_db_cursor *cur = NULL;
    uint32_t total = 0, calls = 0;

    do {
        struct epm_db_entry *out;
        uint32_t n, st;

        st = q != NULL ? epm_db_lookup(db, &cur, q, max, &out, &n)
                       : epm_db_map(db, &cur, obj, t, max, &out, &n);
        if (st == EPM_S_NOT_REGISTERED) {
            /* Only for an empty result, never for a last batch -- but a
             * lookup one element at a time ends with an empty batch. */
            if (q == NULL || max != 1)
                ck_assert_uint_eq(calls, 0);
            ck_assert_ptr_null(cur);
            ck_assert_uint_eq(n, 0);
            ck_assert_ptr_null(out);
            return total;
        }
        ck_assert_uint_eq(st, EPM_S_OK);
        ck_assert_uint_ge(n, 1);
        ck_assert_uint_le(n, max);
        /* A short batch ends the list. */
        if (n < max)
            ck_assert_ptr_null(cur);
        for (uint32_t i = 0; i < n; i++) {
            if (total < cap)
                ports[total] = out[i].protseq == RPC_PROTSEQ_NCALRPC
                                   ? -1 : out[i].port;
            total++;
        }
        free(out);
        calls++;
    } while (cur != NULL);
    return total;
}

static uint32_t
lookup_all(struct epm_db *db, const struct epm_db_query *q, uint32_t max,
           int *ports, size_t cap)
{
    return page_all(db, q, NULL, NULL, max, ports, cap);
}

static uint32_t
map_all(struct epm_db *db, const GUID *obj, const struct rpc_tower *t,
        uint32_t max, int *ports, size_t cap)
{
    return page_all(db, NULL, obj, t, max, ports, cap);
}

static const struct epm_db_query Q_ALL = {EPM_INQ_ALL_ELTS, 0, {0, 0, 0, {0}},
                                          0, {{0, 0, 0, {0}}, 0, 0}, 0};

START_TEST(test_db_insert_validation)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_entry e;

    e = tcp_entry(IF_A, 1, 0, NULL, 1000);
    e.iface.SyntaxGUID = (GUID){0, 0, 0, {0}};
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ROOT), EPM_S_INVALID_ENTRY);
    e = tcp_entry(IF_A, 1, 0, NULL, 1000);
    e.xfer.SyntaxGUID = (GUID){0, 0, 0, {0}};
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ROOT), EPM_S_INVALID_ENTRY);
    e = tcp_entry(IF_A, 1, 0, NULL, 0);
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ROOT), EPM_S_INVALID_ENTRY);
    e = lrpc_entry(IF_A, 1, 0, "");
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ROOT), EPM_S_INVALID_ENTRY);
    e = lrpc_entry(IF_A, 1, 0, "../escape");
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ROOT), EPM_S_INVALID_ENTRY);
    e = tcp_entry(IF_A, 1, 0, NULL, 1000);
    e.protseq = RPC_PROTSEQ_UNKNOWN;
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ROOT), EPM_S_INVALID_ENTRY);
    e = tcp_entry(IF_A, 1, 0, NULL, 1000);
    memset(e.annotation, 'a', sizeof(e.annotation));
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ROOT), EPM_S_INVALID_ENTRY);
    /* One bad entry spoils the call: nothing is added. */
    struct epm_db_entry two[2] = {tcp_entry(IF_A, 1, 0, NULL, 1000),
                                  tcp_entry(IF_A, 1, 0, NULL, 0)};
    ck_assert_uint_eq(epm_db_insert(db, two, 2, 0, &ROOT), EPM_S_INVALID_ENTRY);
    ck_assert_uint_eq(epm_db_count(db), 0);
    ck_assert_uint_eq(epm_db_insert(db, NULL, 0, 0, &ROOT), EPM_S_OK);
    epm_db_free(db);
}
END_TEST

START_TEST(test_db_replace)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_entry e[4];
    int ports[16];

    /* RpcEpRegister (replace): the new endpoint replaces the old. */
    e[0] = tcp_entry(IF_A, 1, 0, NULL, 1000);
    ck_assert_uint_eq(epm_db_insert(db, e, 1, 1, &ALICE), EPM_S_OK);
    e[0] = tcp_entry(IF_A, 1, 0, NULL, 1001);
    ck_assert_uint_eq(epm_db_insert(db, e, 1, 1, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(lookup_all(db, &Q_ALL, 500, ports, 16), 1);
    ck_assert_int_eq(ports[0], 1001);
    /* RpcEpRegisterNoReplace: both stay. */
    e[0] = tcp_entry(IF_A, 1, 0, NULL, 1002);
    ck_assert_uint_eq(epm_db_insert(db, e, 1, 0, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(lookup_all(db, &Q_ALL, 500, ports, 16), 2);
    /* Replace removes every old endpoint of the element, and a higher
     * minor version replaces a lower one. */
    e[0] = tcp_entry(IF_A, 1, 1, NULL, 1003);
    ck_assert_uint_eq(epm_db_insert(db, e, 1, 1, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(lookup_all(db, &Q_ALL, 500, ports, 16), 1);
    ck_assert_int_eq(ports[0], 1003);
    /* A lower minor version may not replace a higher one. */
    e[0] = tcp_entry(IF_A, 1, 0, NULL, 1004);
    ck_assert_uint_eq(epm_db_insert(db, e, 1, 1, &ALICE), EPM_S_INVALID_ENTRY);
    ck_assert_uint_eq(epm_db_count(db), 1);
    /* Not replaced: another object, another major version, another
     * protseq, another transfer syntax, another interface. */
    e[0] = tcp_entry(IF_A, 1, 1, OBJ_X, 1005);
    e[1] = tcp_entry(IF_A, 2, 0, NULL, 1006);
    e[2] = lrpc_entry(IF_A, 1, 1, "a-lrpc");
    e[3] = tcp_entry(IF_B, 1, 1, NULL, 1007);
    ck_assert_uint_eq(epm_db_insert(db, e, 4, 1, &ALICE), EPM_S_OK);
    e[0] = tcp_entry(IF_A, 1, 1, NULL, 1008);
    e[0].xfer = rpc_ndr64_syntax;
    ck_assert_uint_eq(epm_db_insert(db, e, 1, 1, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 6);
    /* Two endpoints in one call (two TCP bindings) keep each other. */
    e[0] = tcp_entry(IF_B, 1, 1, NULL, 2000);
    e[1] = tcp_entry(IF_B, 1, 1, NULL, 2001);
    ck_assert_uint_eq(epm_db_insert(db, e, 2, 1, &ALICE), EPM_S_OK);
    struct epm_db_query q = Q_ALL;
    q.inquiry_type = EPM_INQ_MATCH_BY_IF;
    q.has_ifid = 1;
    q.ifid.Uuid = guid_of(IF_B);
    q.vers_option = EPM_VERS_ALL;
    ck_assert_uint_eq(lookup_all(db, &q, 500, ports, 16), 2);
    ck_assert_int_eq(ports[0], 2000);
    ck_assert_int_eq(ports[1], 2001);
    epm_db_free(db);
}
END_TEST

START_TEST(test_db_reinsert_and_owners)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_entry e, *out;
    struct epm_db_cursor *cur = NULL;
    uint32_t n;

    e = tcp_entry(IF_A, 1, 0, NULL, 1000);
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ALICE), EPM_S_OK);
    /* The same element again (a restarted server): no duplicate; the
     * annotation and the owner pid follow the new registration. */
    strcpy(e.annotation, "restarted");
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ALICE2), EPM_S_OK);
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 1, &ALICE2), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 1);
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 10, &out, &n), EPM_S_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(out[0].annotation, "restarted");
    ck_assert_int_eq(out[0].owner_uid, 1000);
    ck_assert_int_eq(out[0].owner_pid, 201);
    free(out);
    /* The old pid dying takes nothing away. */
    ck_assert_uint_eq(epm_db_remove_pid(db, 200), 0);
    ck_assert_uint_eq(epm_db_count(db), 1);
    /* Another user can neither re-register, replace nor delete it... */
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &BOB), EPM_S_CANT_PERFORM_OP);
    e.port = 1001;
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 1, &BOB), EPM_S_CANT_PERFORM_OP);
    e.port = 1000;
    ck_assert_uint_eq(epm_db_delete(db, &e, 1, &BOB), EPM_S_CANT_PERFORM_OP);
    ck_assert_uint_eq(epm_db_mgmt_delete(db, 0, &e, &BOB),
                      EPM_S_CANT_PERFORM_OP);
    ck_assert_uint_eq(epm_db_count(db), 1);
    /* ...but may add an element of its own beside it. */
    e.port = 1001;
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &BOB), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 2);
    /* root may do anything. */
    ck_assert_uint_eq(epm_db_delete(db, &e, 1, &ROOT), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 1);
    /* A process's entries go with it; a user's with the user. */
    e = tcp_entry(IF_B, 1, 0, NULL, 3000);
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &BOB), EPM_S_OK);
    e = tcp_entry(IF_B, 1, 0, NULL, 3001);
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_remove_pid(db, 300), 1);
    ck_assert_uint_eq(epm_db_remove_pid(db, 300), 0);
    ck_assert_uint_eq(epm_db_count(db), 2);
    ck_assert_uint_eq(epm_db_remove_uid(db, 1000), 2);
    ck_assert_uint_eq(epm_db_count(db), 0);
    epm_db_free(db);
}
END_TEST

START_TEST(test_db_delete)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_entry e[3], d;

    e[0] = tcp_entry(IF_A, 1, 0, NULL, 1000);
    e[1] = tcp_entry(IF_A, 1, 0, OBJ_X, 1000);
    e[2] = lrpc_entry(IF_A, 1, 0, "lrpc-a");
    ck_assert_uint_eq(epm_db_insert(db, e, 3, 0, &ALICE), EPM_S_OK);
    /* An element that differs in anything is not there. */
    d = e[0];
    d.port = 1001;
    ck_assert_uint_eq(epm_db_delete(db, &d, 1, &ALICE), EPM_S_NOT_REGISTERED);
    d = e[0];
    d.iface.SyntaxVersion.MinorVersion = 1;
    ck_assert_uint_eq(epm_db_delete(db, &d, 1, &ALICE), EPM_S_NOT_REGISTERED);
    /* The annotation is not part of the element. */
    d = e[0];
    strcpy(d.annotation, "other");
    /* All or nothing: one missing entry keeps the others. */
    struct epm_db_entry two[2] = {d, tcp_entry(IF_B, 1, 0, NULL, 1)};
    ck_assert_uint_eq(epm_db_delete(db, two, 2, &ALICE), EPM_S_NOT_REGISTERED);
    ck_assert_uint_eq(epm_db_count(db), 3);
    ck_assert_uint_eq(epm_db_delete(db, &d, 1, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 2);
    ck_assert_uint_eq(epm_db_delete(db, &d, 1, &ALICE), EPM_S_NOT_REGISTERED);
    ck_assert_uint_eq(epm_db_delete(db, &e[2], 1, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_delete(db, NULL, 0, &ALICE), EPM_S_OK);

    /* mgmt_delete: by interface and endpoint, the object optional. */
    e[0] = tcp_entry(IF_A, 1, 0, OBJ_Y, 1000);
    ck_assert_uint_eq(epm_db_insert(db, e, 1, 0, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 2);
    d = tcp_entry(IF_A, 1, 0, OBJ_X, 1000);
    ck_assert_uint_eq(epm_db_mgmt_delete(db, 1, &d, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 1);
    ck_assert_uint_eq(epm_db_mgmt_delete(db, 1, &d, &ALICE),
                      EPM_S_NOT_REGISTERED);
    d = tcp_entry(IF_A, 1, 1, NULL, 1000);
    ck_assert_uint_eq(epm_db_mgmt_delete(db, 0, &d, &ALICE),
                      EPM_S_NOT_REGISTERED);
    d = tcp_entry(IF_A, 1, 0, NULL, 1000);
    d.xfer = rpc_ndr64_syntax;
    ck_assert_uint_eq(epm_db_mgmt_delete(db, 0, &d, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 0);
    epm_db_free(db);
}
END_TEST

/* Paging through N elements with every max_ents from 1 to 500: every
 * element once, in order, the last batch with status 0 and no handle
 * (with max_ents 1, an empty batch with EPT_S_NOT_REGISTERED after it). */
START_TEST(test_db_lookup_paging)
{
    enum { N = 1000 };
    struct epm_db *db = epm_db_new(2 * N);
    struct epm_db_entry *e = calloc(N, sizeof(*e));
    static int ports[N];

    ck_assert_ptr_nonnull(db);
    ck_assert_ptr_nonnull(e);
    for (int i = 0; i < N; i++)
        e[i] = tcp_entry(IF_A, 1, 0, NULL, (uint16_t)(10000 + i));
    /* Two calls (at most EPM_MAX_ENTS a call over the wire), the second
     * without replace, which would remove the first call's elements. */
    ck_assert_uint_eq(epm_db_insert(db, e, N / 2, 1, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_insert(db, e + N / 2, N / 2, 0, &ALICE),
                      EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), N);
    for (uint32_t max = 1; max <= EPM_MAX_ENTS; max++) {
        memset(ports, 0, sizeof(ports));
        ck_assert_uint_eq(lookup_all(db, &Q_ALL, max, ports, N), N);
        for (int i = 0; i < N; i++)
            ck_assert_int_eq(ports[i], 10000 + i);
    }
    /* Exact multiples: the full last batch already says "no more". */
    static const uint32_t divisors[] = {1, 8, 100, 125, 200, 250, 500};
    for (size_t d = 0; d < sizeof(divisors) / sizeof(divisors[0]); d++) {
        uint32_t max = divisors[d];
        struct epm_db_cursor *cur = NULL;
        struct epm_db_entry *out;
        uint32_t n, batches = 0;

        do {
            ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, max, &out, &n),
                              EPM_S_OK);
            ck_assert_uint_eq(n, max);
            free(out);
            batches++;
        } while (cur != NULL && batches < N / max);
        ck_assert_uint_eq(batches, N / max);
        if (max == 1) {
            /* One at a time: the handle stays after the last element and
             * the next call is the empty batch (Samba's rpcclient). */
            ck_assert_ptr_nonnull(cur);
            ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, max, &out, &n),
                              EPM_S_NOT_REGISTERED);
            ck_assert_uint_eq(n, 0);
        }
        ck_assert_ptr_null(cur);
    }
    free(e);
    epm_db_free(db);
}
END_TEST

/* A cursor keeps a position: elements removed between batches are not
 * returned, new ones are, none twice. */
START_TEST(test_db_paging_with_changes)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_cursor *cur = NULL, *cur2 = NULL;
    struct epm_db_entry e, *out;
    uint32_t n;

    for (int i = 0; i < 10; i++) {
        e = tcp_entry(IF_A, 1, 0, NULL, (uint16_t)(100 + i));
        ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ALICE), EPM_S_OK);
    }
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 3, &out, &n), EPM_S_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(out[2].port, 102);
    free(out);
    ck_assert_ptr_nonnull(cur);
    /* Remove 101 (returned) and 103 (next); add 110. */
    e = tcp_entry(IF_A, 1, 0, NULL, 101);
    ck_assert_uint_eq(epm_db_delete(db, &e, 1, &ALICE), EPM_S_OK);
    e = tcp_entry(IF_A, 1, 0, NULL, 103);
    ck_assert_uint_eq(epm_db_delete(db, &e, 1, &ALICE), EPM_S_OK);
    e = tcp_entry(IF_A, 1, 0, NULL, 110);
    ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 3, &out, &n), EPM_S_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(out[0].port, 104);
    ck_assert_uint_eq(out[2].port, 106);
    free(out);
    /* The rest vanishes before the next batch: an empty continuation is
     * EPM_S_NOT_REGISTERED and frees the cursor. */
    ck_assert_uint_eq(epm_db_remove_uid(db, 1000), 9);
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 3, &out, &n),
                      EPM_S_NOT_REGISTERED);
    ck_assert_ptr_null(cur);
    ck_assert_ptr_null(out);
    /* Empty database: NOT_REGISTERED, no cursor. */
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 3, &out, &n),
                      EPM_S_NOT_REGISTERED);
    ck_assert_ptr_null(cur);
    /* Cursors left open are freed with the database, or by
     * epm_db_cursor_free. */
    for (int i = 0; i < 4; i++) {
        e = tcp_entry(IF_A, 1, 0, NULL, (uint16_t)(200 + i));
        ck_assert_uint_eq(epm_db_insert(db, &e, 1, 0, &ALICE), EPM_S_OK);
    }
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 1, &out, &n), EPM_S_OK);
    free(out);
    ck_assert_uint_eq(epm_db_lookup(db, &cur2, &Q_ALL, 2, &out, &n), EPM_S_OK);
    free(out);
    ck_assert_ptr_nonnull(cur);
    ck_assert_ptr_nonnull(cur2);
    epm_db_cursor_free(db, cur2);
    epm_db_cursor_free(db, NULL);
    /* A lookup cursor given to map: invalid context, and freed. */
    struct rpc_tower t = map_tower(IF_A, 1, 0, RPC_PROTSEQ_NCACN_IP_TCP);
    ck_assert_uint_eq(epm_db_map(db, &cur, NULL, &t, 1, &out, &n),
                      EPM_S_INVALID_CONTEXT);
    ck_assert_ptr_null(cur);
    /* A map cursor given to lookup likewise. */
    ck_assert_uint_eq(epm_db_map(db, &cur, NULL, &t, 1, &out, &n), EPM_S_OK);
    free(out);
    ck_assert_ptr_nonnull(cur);
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 1, &out, &n),
                      EPM_S_INVALID_CONTEXT);
    ck_assert_ptr_null(cur);
    /* max 0 or above the range. */
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 0, &out, &n),
                      EPM_S_CANT_PERFORM_OP);
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 501, &out, &n),
                      EPM_S_CANT_PERFORM_OP);
    ck_assert_uint_eq(epm_db_map(db, &cur, NULL, &t, 0, &out, &n),
                      EPM_S_CANT_PERFORM_OP);
    ck_assert_ptr_null(cur);
    /* One left open on purpose: epm_db_free frees it (ASan checks). */
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &Q_ALL, 1, &out, &n), EPM_S_OK);
    free(out);
    ck_assert_ptr_nonnull(cur);
    epm_db_free(db);
}
END_TEST

START_TEST(test_db_inquiry_and_versions)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_entry e[7];
    struct epm_db_query q;
    struct epm_db_cursor *cur = NULL;
    struct epm_db_entry *out;
    uint32_t n;
    int p[16];

    e[0] = tcp_entry(IF_A, 1, 0, NULL, 1);
    e[1] = tcp_entry(IF_A, 1, 1, OBJ_X, 2);
    e[2] = tcp_entry(IF_A, 1, 2, NULL, 3);
    e[3] = tcp_entry(IF_A, 2, 0, OBJ_X, 4);
    e[4] = tcp_entry(IF_B, 1, 0, OBJ_X, 5);
    e[5] = tcp_entry(IF_A, 0, 9, NULL, 6);
    e[6] = tcp_entry(IF_B, 1, 0, OBJ_Y, 7);
    ck_assert_uint_eq(epm_db_insert(db, e, 7, 0, &ALICE), EPM_S_OK);

    q = Q_ALL;
    q.has_ifid = 1;             /* ignored for ALL_ELTS */
    q.vers_option = 99;         /* ignored too */
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 7);

    q = Q_ALL;
    q.inquiry_type = EPM_INQ_MATCH_BY_OBJ;
    q.has_object = 1;
    q.object = guid_of(OBJ_X);
    ck_assert_uint_eq(lookup_all(db, &q, 2, p, 16), 3);
    ck_assert_int_eq(p[0], 2);
    ck_assert_int_eq(p[1], 4);
    ck_assert_int_eq(p[2], 5);
    q.has_object = 0;           /* absent: the nil object */
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 3);
    ck_assert_int_eq(p[0], 1);
    ck_assert_int_eq(p[1], 3);
    ck_assert_int_eq(p[2], 6);

    q = Q_ALL;
    q.inquiry_type = EPM_INQ_MATCH_BY_IF;
    q.has_ifid = 1;
    q.ifid.Uuid = guid_of(IF_A);
    q.ifid.VersMajor = 1;
    q.ifid.VersMinor = 1;
    q.vers_option = EPM_VERS_ALL;
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 5);
    q.vers_option = EPM_VERS_COMPATIBLE;    /* 1.1, 1.2 */
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 2);
    ck_assert_int_eq(p[0], 2);
    ck_assert_int_eq(p[1], 3);
    q.vers_option = EPM_VERS_EXACT;         /* 1.1 */
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 1);
    ck_assert_int_eq(p[0], 2);
    q.vers_option = EPM_VERS_MAJOR_ONLY;    /* 1.0, 1.1, 1.2 */
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 3);
    q.vers_option = EPM_VERS_UPTO;          /* 1.0, 1.1, 0.9 */
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 3);
    ck_assert_int_eq(p[0], 1);
    ck_assert_int_eq(p[1], 2);
    ck_assert_int_eq(p[2], 6);

    q.inquiry_type = EPM_INQ_MATCH_BY_BOTH;
    q.has_object = 1;
    q.object = guid_of(OBJ_X);
    q.vers_option = EPM_VERS_ALL;           /* 1.1/X, 2.0/X */
    ck_assert_uint_eq(lookup_all(db, &q, 1, p, 16), 2);
    ck_assert_int_eq(p[0], 2);
    ck_assert_int_eq(p[1], 4);
    q.vers_option = EPM_VERS_MAJOR_ONLY;
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 1);
    q.ifid.Uuid = guid_of(OBJ_Y);           /* no such interface */
    ck_assert_uint_eq(lookup_all(db, &q, 500, p, 16), 0);

    /* Bad inquiry type and version option. */
    q.inquiry_type = 4;
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &q, 10, &out, &n),
                      EPM_S_INVALID_INQUIRY_TYPE);
    ck_assert_ptr_null(cur);
    q.inquiry_type = EPM_INQ_MATCH_BY_IF;
    q.vers_option = 0;
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &q, 10, &out, &n),
                      EPM_S_INVALID_VERS_OPTION);
    q.vers_option = 6;
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &q, 10, &out, &n),
                      EPM_S_INVALID_VERS_OPTION);
    q.inquiry_type = EPM_INQ_MATCH_BY_OBJ;  /* vers_option unused */
    ck_assert_uint_eq(epm_db_lookup(db, &cur, &q, 10, &out, &n), EPM_S_OK);
    free(out);
    epm_db_free(db);
}
END_TEST

START_TEST(test_db_map)
{
    struct epm_db *db = epm_db_new(0);
    struct epm_db_entry e[8];
    struct rpc_tower t;
    GUID x = guid_of(OBJ_X), y = guid_of(OBJ_Y), nil;
    int p[16];

    memset(&nil, 0, sizeof(nil));
    e[0] = tcp_entry(IF_A, 1, 2, NULL, 1);
    e[1] = tcp_entry(IF_A, 1, 2, OBJ_X, 2);
    e[2] = tcp_entry(IF_A, 1, 0, NULL, 3);     /* minor too low for 1.1 */
    e[3] = tcp_entry(IF_A, 2, 5, NULL, 4);     /* other major */
    e[4] = lrpc_entry(IF_A, 1, 3, "a-lrpc");  /* other protseq */
    e[5] = tcp_entry(IF_A, 1, 1, OBJ_Y, 6);
    e[6] = tcp_entry(IF_A, 1, 1, NULL, 7);
    e[6].xfer = rpc_ndr64_syntax;              /* other transfer syntax */
    e[7] = tcp_entry(IF_A, 1, 1, OBJ_X, 8);
    ck_assert_uint_eq(epm_db_insert(db, e, 8, 0, &ALICE), EPM_S_OK);

    t = map_tower(IF_A, 1, 1, RPC_PROTSEQ_NCACN_IP_TCP);
    /* The tower's address and port are ignored. */
    t.addr[0] = 192;
    t.addr[3] = 7;
    t.port = 4242;
    /* Object X: X's elements first, then those without an object. */
    ck_assert_uint_eq(map_all(db, &x, &t, 500, p, 16), 3);
    ck_assert_int_eq(p[0], 2);
    ck_assert_int_eq(p[1], 8);
    ck_assert_int_eq(p[2], 1);
    /* The same one at a time, across the two passes. */
    ck_assert_uint_eq(map_all(db, &x, &t, 1, p, 16), 3);
    ck_assert_int_eq(p[0], 2);
    ck_assert_int_eq(p[1], 8);
    ck_assert_int_eq(p[2], 1);
    ck_assert_uint_eq(map_all(db, &x, &t, 2, p, 16), 3);
    /* No object (NULL or nil): no filter, elements without one first. */
    ck_assert_uint_eq(map_all(db, NULL, &t, 500, p, 16), 4);
    ck_assert_int_eq(p[0], 1);
    ck_assert_int_eq(p[1], 2);
    ck_assert_int_eq(p[2], 6);
    ck_assert_int_eq(p[3], 8);
    ck_assert_uint_eq(map_all(db, &nil, &t, 3, p, 16), 4);
    /* Object Y. */
    ck_assert_uint_eq(map_all(db, &y, &t, 500, p, 16), 2);
    ck_assert_int_eq(p[0], 6);
    ck_assert_int_eq(p[1], 1);
    /* Version 1.2 asked: only 1.2 and up. */
    t.iface.SyntaxVersion.MinorVersion = 2;
    ck_assert_uint_eq(map_all(db, NULL, &t, 500, p, 16), 2);
    t.iface.SyntaxVersion.MinorVersion = 3;
    ck_assert_uint_eq(map_all(db, NULL, &t, 500, p, 16), 0);
    /* Transfer syntax: NDR64 asked finds the NDR64 element only. */
    t.iface.SyntaxVersion.MinorVersion = 0;
    t.xfer = rpc_ndr64_syntax;
    ck_assert_uint_eq(map_all(db, NULL, &t, 500, p, 16), 1);
    ck_assert_int_eq(p[0], 7);
    /* A transfer syntax minor above the registered one does not match. */
    t.xfer = rpc_ndr20_syntax;
    t.xfer.SyntaxVersion.MinorVersion = 1;
    ck_assert_uint_eq(map_all(db, NULL, &t, 500, p, 16), 0);
    /* ncalrpc. */
    t = map_tower(IF_A, 1, 0, RPC_PROTSEQ_NCALRPC);
    strcpy(t.endpoint, "ignored");
    ck_assert_uint_eq(map_all(db, &x, &t, 500, p, 16), 1);
    ck_assert_int_eq(p[0], -1);
    /* Unknown interface. */
    t = map_tower(IF_B, 1, 0, RPC_PROTSEQ_NCACN_IP_TCP);
    ck_assert_uint_eq(map_all(db, &x, &t, 500, p, 16), 0);
    epm_db_free(db);
}
END_TEST

START_TEST(test_db_towers_and_capacity)
{
    struct epm_db *db = epm_db_new(3);
    struct epm_db_entry e, f;
    struct rpc_tower t;
    uint8_t buf[300];
    size_t len;
    static const uint8_t v6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0xff, 0xff, 192, 168, 1, 9};
    static const uint8_t v4[4] = {10, 0, 0, 1};
    GUID x = guid_of(OBJ_X);

    /* entry -> tower -> entry. */
    e = tcp_entry(IF_A, 3, 4, OBJ_X, 5555);
    ck_assert_int_eq(epm_db_entry_tower(&e, AF_INET, v4, buf, sizeof(buf),
                                        &len), 0);
    ck_assert_int_eq(proto_tower_decode(buf, len, &t), 0);
    ck_assert_uint_eq(t.port, 5555);
    ck_assert_mem_eq(t.addr, v4, 4);
    ck_assert_uint_eq(epm_db_entry_from_tower(&x, buf, len, "note", &f),
                      EPM_S_OK);
    ck_assert(UuidEqual(&f.object, &e.object, NULL));
    ck_assert(rpc_syntax_equal(&f.iface, &e.iface));
    ck_assert_uint_eq(f.port, 5555);
    ck_assert_str_eq(f.annotation, "note");
    /* An IPv4-mapped IPv6 caller gets its IPv4 address in the tower. */
    ck_assert_int_eq(epm_db_entry_tower(&e, AF_INET6, v6, buf, sizeof(buf),
                                        &len), 0);
    ck_assert_int_eq(proto_tower_decode(buf, len, &t), 0);
    ck_assert_mem_eq(t.addr, v6 + 12, 4);
    ck_assert_int_eq(epm_db_entry_tower(&e, AF_INET, v4, buf, 10, &len),
                     PROTO_E_RANGE);
    e = lrpc_entry(IF_B, 1, 0, "my-endpoint");
    ck_assert_int_eq(epm_db_entry_tower(&e, 0, NULL, buf, sizeof(buf), &len),
                     0);
    ck_assert_uint_eq(epm_db_entry_from_tower(NULL, buf, len, NULL, &f),
                      EPM_S_OK);
    ck_assert_str_eq(f.endpoint, "my-endpoint");
    ck_assert_str_eq(f.annotation, "");
    /* Bad towers and annotations. */
    ck_assert_uint_eq(epm_db_entry_from_tower(NULL, buf, len - 1, NULL, &f),
                      EPM_S_INVALID_ENTRY);
    ck_assert_uint_eq(epm_db_entry_from_tower(NULL, NULL, 0, NULL, &f),
                      EPM_S_INVALID_ENTRY);
    char longa[EPM_ANNOTATION_MAX];
    memset(longa, 'a', sizeof(longa));
    ck_assert_uint_eq(epm_db_entry_from_tower(NULL, buf, len, longa, &f),
                      EPM_S_INVALID_ENTRY);

    /* Capacity 3. */
    struct epm_db_entry four[4] = {
        tcp_entry(IF_A, 1, 0, NULL, 1), tcp_entry(IF_A, 1, 0, NULL, 2),
        tcp_entry(IF_A, 1, 0, NULL, 3), tcp_entry(IF_A, 1, 0, NULL, 4)};
    ck_assert_uint_eq(epm_db_insert(db, four, 4, 0, &ALICE), EPM_S_NO_MEMORY);
    ck_assert_uint_eq(epm_db_count(db), 0);
    ck_assert_uint_eq(epm_db_insert(db, four, 3, 0, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_insert(db, four + 3, 1, 0, &ALICE),
                      EPM_S_NO_MEMORY);
    /* A replace that frees room fits. */
    ck_assert_uint_eq(epm_db_insert(db, four + 3, 1, 1, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 1);
    /* The same element twice in one call is stored once. */
    struct epm_db_entry same[2] = {tcp_entry(IF_B, 1, 0, NULL, 9),
                                   tcp_entry(IF_B, 1, 0, NULL, 9)};
    ck_assert_uint_eq(epm_db_insert(db, same, 2, 0, &ALICE), EPM_S_OK);
    ck_assert_uint_eq(epm_db_count(db), 2);
    epm_db_free(db);
    epm_db_free(NULL);
}
END_TEST

/* Four threads registering, looking up and removing at once. */
struct thr_arg {
    struct epm_db *db;
    int id;
};

static void *
thr_main(void *p)
{
    struct thr_arg *a = p;
    struct epm_db_cred who = {(uid_t)(2000 + a->id), (pid_t)(5000 + a->id)};

    for (int round = 0; round < 50; round++) {
        struct epm_db_entry e[10];
        struct epm_db_cursor *cur = NULL;
        struct epm_db_entry *out;
        uint32_t n;

        for (int i = 0; i < 10; i++)
            e[i] = tcp_entry(IF_A, 1, 0, NULL,
                             (uint16_t)(1 + a->id * 1000 + round * 10 + i));
        if (epm_db_insert(a->db, e, 10, 0, &who) != EPM_S_OK)
            return (void *)1;
        while (epm_db_lookup(a->db, &cur, &Q_ALL, 7, &out, &n) == EPM_S_OK) {
            free(out);
            if (cur == NULL)
                break;
        }
        epm_db_cursor_free(a->db, cur);
        if (epm_db_remove_pid(a->db, who.pid) != 10)
            return (void *)1;
    }
    return NULL;
}

START_TEST(test_db_threads)
{
    struct epm_db *db = epm_db_new(0);
    pthread_t th[4];
    struct thr_arg a[4];

    for (int i = 0; i < 4; i++) {
        a[i].db = db;
        a[i].id = i;
        ck_assert_int_eq(pthread_create(&th[i], NULL, thr_main, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *rv;
        ck_assert_int_eq(pthread_join(th[i], &rv), 0);
        ck_assert_ptr_null(rv);
    }
    ck_assert_uint_eq(epm_db_count(db), 0);
    epm_db_free(db);
}
END_TEST

Suite *
epm_suite(void)
{
    Suite *s = suite_create("epm");
    TCase *tc;

    tc = tcase_create("vectors");
    tcase_add_test(tc, test_v3_map_request);
    tcase_add_test(tc, test_v4_map_response);
    tcase_add_test(tc, test_v5_map_not_registered);
    tcase_add_test(tc, test_v6_lookup_request);
    tcase_add_test(tc, test_v7_lookup_response);
    tcase_add_test(tc, test_vectors_from_db);
    suite_add_tcase(s, tc);

    tc = tcase_create("codec");
    tcase_add_test(tc, test_round_trips);
    tcase_add_test(tc, test_lookup_resp_fields_be);
    tcase_add_test(tc, test_encode_refuses);
    tcase_add_test(tc, test_truncations);
    tcase_add_test(tc, test_bit_flips);
    tcase_add_test(tc, test_counts_that_lie);
    suite_add_tcase(s, tc);

    tc = tcase_create("db");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_db_insert_validation);
    tcase_add_test(tc, test_db_replace);
    tcase_add_test(tc, test_db_reinsert_and_owners);
    tcase_add_test(tc, test_db_delete);
    tcase_add_test(tc, test_db_lookup_paging);
    tcase_add_test(tc, test_db_paging_with_changes);
    tcase_add_test(tc, test_db_inquiry_and_versions);
    tcase_add_test(tc, test_db_map);
    tcase_add_test(tc, test_db_towers_and_capacity);
    tcase_add_test(tc, test_db_threads);
    suite_add_tcase(s, tc);
    return s;
}
