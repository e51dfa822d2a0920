/*
 * tests/fuzz/mkseeds.c -- writes the seed corpora of the fuzz targets.
 *
 *   mkseeds VECTORS.txt OUTDIR
 *
 * creates OUTDIR/{pdu,ndr,strbind,tower,mgmt,conn,reply}/ and fills
 * them.  The seeds are committed under tests/fuzz/corpus/ (make fuzz-seeds regenerates them);
 * this program is how they were made, so that a change to the codec can
 * be followed by new seeds rather than by hand-edited binaries.
 *
 * PDU seeds: every vector of VECTORS.txt, plus one PDU of every
 * connection-oriented type in both byte orders, with and without an auth
 * trailer where C706/MS-RPCE allow one.  Tower seeds: the towers inside
 * the EPM vectors and one encoding per protocol.  NDR seeds: programs in
 * fuzz_ndr's format.  String-binding seeds: a list below.  Reply seeds
 * (fuzz_reply): responses of up to 200 KiB, regular and not.
 *
 * Output is deterministic: no time, no random numbers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "proto/mgmt.h"
#include "tests/fuzz/fuzz.h"

static const char *outdir;
static int failures;

static void
write_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/%s", outdir, dir, name);
    if ((f = fopen(path, "wb")) == NULL ||
        (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "mkseeds: cannot write %s\n", path);
        failures++;
    }
}

static void
make_dir(const char *sub)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s%s%s", outdir, sub[0] ? "/" : "", sub);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "mkseeds: cannot create %s\n", path);
        exit(EXIT_FAILURE);
    }
}

/* ---- VECTORS.txt ---------------------------------------------------------
 * "V<n> description" on one line, the PDU in hex on the next. */

struct vector {
    char name[8];
    uint8_t *data;
    size_t len;
};

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static uint8_t *
unhex(const char *s, size_t *len)
{
    size_t n = strlen(s), o = 0;
    uint8_t *out = malloc(n / 2 + 1);
    int hi = -1;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int v = hexval((unsigned char)s[i]);
        if (v < 0)
            continue; /* whitespace, newline */
        if (hi < 0) {
            hi = v;
        } else {
            out[o++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    *len = o;
    return out;
}

static size_t
read_vectors(const char *path, struct vector *v, size_t max)
{
    FILE *f = fopen(path, "r");
    char line[8192], name[8] = "";
    size_t n = 0;

    if (f == NULL) {
        fprintf(stderr, "mkseeds: cannot open %s\n", path);
        exit(EXIT_FAILURE);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (line[0] == 'V' && line[1] >= '0' && line[1] <= '9') {
            size_t k = 0;
            while (k < sizeof(name) - 1 && line[k] != ' ' && line[k] != '\n') {
                name[k] = (char)(line[k] == 'V' ? 'v' : line[k]);
                k++;
            }
            name[k] = '\0';
        } else if (name[0] != '\0' && hexval((unsigned char)line[0]) >= 0 &&
                   n < max) {
            memcpy(v[n].name, name, sizeof(name));
            if ((v[n].data = unhex(line, &v[n].len)) != NULL)
                n++;
            name[0] = '\0';
        }
    }
    fclose(f);
    return n;
}

/* ---- PDUs --------------------------------------------------------------- */

static GUID
guid(const char *s)
{
    GUID g;

    if (proto_uuid_parse(s, &g) != 0) {
        fprintf(stderr, "mkseeds: bad uuid %s\n", s);
        exit(EXIT_FAILURE);
    }
    return g;
}

static void
syntax(RPC_SYNTAX_IDENTIFIER *s, const char *uuid, unsigned short major,
       unsigned short minor)
{
    s->SyntaxGUID = guid(uuid);
    s->SyntaxVersion.MajorVersion = major;
    s->SyntaxVersion.MinorVersion = minor;
}

/* A pattern that is easy to spot in a hex dump. */
static const uint8_t stub_bytes[64] = {
    0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x72, 0x00, 0x70, 0x00,
    0x63, 0x00, 0x72, 0x00, 0x74, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
    0x19, 0x1a, 0x1b, 0x1c,
};

/* NTLMSSP-shaped auth values: a NEGOTIATE for the bind family, a 16-byte
 * signature (version 1, checksum, sequence number) for calls. */
static const uint8_t auth_negotiate[40] = {
    'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 0x01, 0x00, 0x00, 0x00, 0x97,
    0x82, 0x08, 0xe2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x0a, 0x00, 0x63, 0x45, 0x00, 0x00, 0x00, 0x0f,
};
static const uint8_t auth_signature[16] = {
    0x01, 0x00, 0x00, 0x00, 0x8c, 0x9d, 0x2e, 0x41, 0x5b, 0x3a, 0x6c, 0x7d,
    0x00, 0x00, 0x00, 0x00,
};

static void
set_auth(struct rpc_pdu *p, int call, uint8_t pad)
{
    p->has_auth = 1;
    p->auth.type = RPC_AUTH_TYPE_NTLMSSP;
    p->auth.level = RPC_C_AUTHN_LEVEL_PKT_INTEGRITY;
    p->auth.pad_length = pad;
    p->auth.context_id = 0;
    p->auth.value = call ? auth_signature : auth_negotiate;
    p->auth.value_len = call ? sizeof(auth_signature) : sizeof(auth_negotiate);
}

/* MS-RPCE 2.2.2.11: the stub is padded to a multiple of 16 before the
 * sec_trailer. */
static uint8_t
call_pad(size_t stub_len)
{
    return (uint8_t)((RPC_AUTH_PAD_ALIGN - stub_len % RPC_AUTH_PAD_ALIGN) %
                     RPC_AUTH_PAD_ALIGN);
}

enum seed_kind {
    K_BIND, K_BIND_ACK, K_BIND_NAK, K_ALTER, K_ALTER_RESP, K_REQUEST,
    K_REQUEST_OBJ, K_RESPONSE, K_FAULT, K_AUTH3, K_SHUTDOWN, K_CO_CANCEL,
    K_ORPHANED, K_COUNT
};

static const struct {
    const char *name;
    uint8_t ptype;
    int auth_allowed; /* C706 / MS-RPCE: may carry a sec_trailer */
} kinds[K_COUNT] = {
    {"bind", PTYPE_BIND, 1},
    {"bind_ack", PTYPE_BIND_ACK, 1},
    {"bind_nak", PTYPE_BIND_NAK, 0},
    {"alter_context", PTYPE_ALTER_CONTEXT, 1},
    {"alter_context_resp", PTYPE_ALTER_CONTEXT_RESP, 1},
    {"request", PTYPE_REQUEST, 1},
    {"request_obj", PTYPE_REQUEST, 1},
    {"response", PTYPE_RESPONSE, 1},
    {"fault", PTYPE_FAULT, 1},
    {"auth3", PTYPE_AUTH3, 1},
    {"shutdown", PTYPE_SHUTDOWN, 0},
    {"co_cancel", PTYPE_CO_CANCEL, 1},
    {"orphaned", PTYPE_ORPHANED, 1},
};

/* Encodes one sample PDU of the given kind; 0 or a PROTO_E_* code. */
static int
sample_pdu(enum seed_kind k, uint8_t drep0, int auth, uint8_t **out,
           size_t *len)
{
    static RPC_SYNTAX_IDENTIFIER xfer0[1], xfer1[2];
    static struct rpc_ctx_elem ctx[2];
    static struct rpc_result results[3];
    static const uint8_t sec_addr[] = "135";
    static uint8_t nak_extra[20];
    static const struct rpc_version nak_versions[2] = {{5, 0}, {5, 1}};
    struct rpc_pdu p;
    struct ndr_cursor w;
    int r;

    rpc_pdu_init(&p, kinds[k].ptype, 0x10 + (uint32_t)k);
    p.hdr.drep[0] = drep0;

    switch (k) {
    case K_BIND:
    case K_ALTER:
        /* EPM over NDR 2.0, and over NDR64 or bind time feature
         * negotiation in a second context (what Windows clients send). */
        xfer0[0] = rpc_ndr20_syntax;
        xfer1[0] = rpc_ndr64_syntax;
        rpc_btfn_syntax(BTFN_SECURITY_CONTEXT_MULTIPLEXING |
                            BTFN_KEEP_CONNECTION_ON_ORPHAN,
                        &xfer1[1]);
        memset(ctx, 0, sizeof(ctx));
        ctx[0].cont_id = 0;
        ctx[0].n_xfer = 1;
        syntax(&ctx[0].abstract, EPM_IF_UUID_STR, EPM_IF_VERS_MAJOR,
               EPM_IF_VERS_MINOR);
        ctx[0].xfer = xfer0;
        ctx[1].cont_id = 1;
        ctx[1].n_xfer = 2;
        ctx[1].abstract = ctx[0].abstract;
        ctx[1].xfer = xfer1;
        p.u.bind.max_xmit_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind.max_recv_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind.assoc_group_id = k == K_ALTER ? 0x12345 : 0;
        p.u.bind.n_ctx = k == K_ALTER ? 1 : 2;
        p.u.bind.ctx = ctx;
        if (auth)
            set_auth(&p, 0, 0);
        break;
    case K_BIND_ACK:
    case K_ALTER_RESP:
        memset(results, 0, sizeof(results));
        results[0].result = P_CONT_ACCEPTANCE;
        results[0].xfer = rpc_ndr20_syntax;
        results[1].result = P_CONT_PROVIDER_REJECTION;
        results[1].reason = P_REASON_PROPOSED_TS_NOT_SUPPORTED;
        results[2].result = P_CONT_NEGOTIATE_ACK;
        results[2].reason = BTFN_SECURITY_CONTEXT_MULTIPLEXING |
                            BTFN_KEEP_CONNECTION_ON_ORPHAN;
        p.u.bind_ack.max_xmit_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind_ack.max_recv_frag = RPC_DEFAULT_FRAG_SIZE;
        p.u.bind_ack.assoc_group_id = 0x12345;
        /* alter_context_resp carries an empty port_any_t (C706 12.6.4.2) */
        p.u.bind_ack.sec_addr_len = k == K_BIND_ACK ? sizeof(sec_addr) : 0;
        p.u.bind_ack.sec_addr = k == K_BIND_ACK ? sec_addr : NULL;
        p.u.bind_ack.n_results = k == K_BIND_ACK ? 3 : 1;
        p.u.bind_ack.results = results;
        if (auth)
            set_auth(&p, 0, 0);
        break;
    case K_BIND_NAK:
        /* MS-RPCE 2.2.2.5: versions, then a signature and extended
         * error information; the bytes stand in for them. */
        for (size_t i = 0; i < sizeof(nak_extra); i++)
            nak_extra[i] = (uint8_t)(0x90 + i);
        p.u.bind_nak.reason = BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED;
        p.u.bind_nak.n_versions = 2;
        p.u.bind_nak.versions = nak_versions;
        p.u.bind_nak.extra = nak_extra;
        p.u.bind_nak.extra_len = sizeof(nak_extra);
        break;
    case K_REQUEST:
    case K_REQUEST_OBJ:
        p.u.request.cont_id = 1;
        p.u.request.opnum = 3;
        p.u.request.stub = stub_bytes;
        p.u.request.stub_len = 36;
        p.u.request.alloc_hint = 36;
        if (k == K_REQUEST_OBJ) {
            p.hdr.pfc_flags |= PFC_OBJECT_UUID;
            p.u.request.object = guid("6bffd098-a112-3610-9833-46c3f87e345a");
        }
        if (auth)
            set_auth(&p, 1, call_pad(p.u.request.stub_len));
        break;
    case K_RESPONSE:
        p.u.response.cont_id = 1;
        p.u.response.stub = stub_bytes;
        p.u.response.stub_len = 20;
        p.u.response.alloc_hint = 20;
        if (auth)
            set_auth(&p, 1, call_pad(p.u.response.stub_len));
        break;
    case K_FAULT:
        p.hdr.pfc_flags |= PFC_DID_NOT_EXECUTE;
        p.u.fault.alloc_hint = 32;
        p.u.fault.cont_id = 1;
        p.u.fault.status = NCA_S_OP_RNG_ERROR;
        /* DCE servers repeat the status in the stub (C706 12.6.4.7). */
        p.u.fault.stub = stub_bytes + 32;
        p.u.fault.stub_len = 4;
        if (auth)
            set_auth(&p, 1, call_pad(p.u.fault.stub_len));
        break;
    case K_AUTH3:
        /* MS-RPCE 2.2.2.10: auth3 exists to carry the third leg. */
        if (auth)
            set_auth(&p, 0, 0);
        break;
    case K_CO_CANCEL:
    case K_ORPHANED:
        if (auth)
            set_auth(&p, 1, 0);
        break;
    case K_SHUTDOWN:
    default:
        break;
    }

    if ((r = ndr_init_write(&w, 0, drep0)) != 0)
        return r;
    if ((r = rpc_pdu_encode(&p, &w)) != 0) {
        ndr_cursor_free(&w);
        return r;
    }
    *out = ndr_steal(&w, len);
    return 0;
}

static void
pdu_seeds(const struct vector *v, size_t nv)
{
    static const struct {
        uint8_t drep0;
        const char *name;
    } dreps[2] = {{DREP_LE, "le"}, {DREP_BE, "be"}};

    for (size_t i = 0; i < nv; i++)
        write_seed("pdu", v[i].name, v[i].data, v[i].len);

    for (size_t k = 0; k < K_COUNT; k++) {
        for (size_t d = 0; d < 2; d++) {
            for (int auth = 0; auth <= kinds[k].auth_allowed; auth++) {
                char name[64];
                uint8_t *buf = NULL;
                size_t len = 0;
                int r = sample_pdu((enum seed_kind)k, dreps[d].drep0, auth,
                                   &buf, &len);

                snprintf(name, sizeof(name), "%s_%s%s", kinds[k].name,
                         dreps[d].name, auth ? "_auth" : "");
                if (r != 0) {
                    fprintf(stderr, "mkseeds: cannot encode %s: %s\n", name,
                            proto_strerror(r));
                    failures++;
                    continue;
                }
                write_seed("pdu", name, buf, len);
                free(buf);
            }
        }
    }
}

/* ---- towers ------------------------------------------------------------- */

/* The towers inside the EPM vectors: a tower_octet_string starts with the
 * floor count 5 and floor 1's lhs (19 bytes, EPM_PROTO_UUID) and is
 * preceded by its u32 length (twr_t, C706 Appendix L). */
static void
tower_seeds_from_vectors(const struct vector *v, size_t nv)
{
    static const uint8_t start[] = {0x05, 0x00, 0x13, 0x00, EPM_PROTO_UUID};

    for (size_t i = 0; i < nv; i++) {
        for (size_t at = 4; at + sizeof(start) <= v[i].len; at++) {
            const uint8_t *q = v[i].data + at;
            size_t len;
            char name[32];

            if (memcmp(q, start, sizeof(start)) != 0)
                continue;
            len = (size_t)q[-4] | (size_t)q[-3] << 8 | (size_t)q[-2] << 16 |
                  (size_t)q[-1] << 24;
            if (len > v[i].len - at)
                continue;
            if (snprintf(name, sizeof(name), "%s_tower", v[i].name) <
                (int)sizeof(name))
                write_seed("tower", name, q, len);
            break;
        }
    }
}

static void
tower_seeds(const struct vector *v, size_t nv)
{
    struct rpc_tower t;
    uint8_t buf[1024];
    size_t len = 0;
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 1};

    tower_seeds_from_vectors(v, nv);

    memset(&t, 0, sizeof(t));
    syntax(&t.iface, MGMT_IF_UUID_STR, MGMT_IF_VERS_MAJOR, MGMT_IF_VERS_MINOR);
    t.xfer = rpc_ndr20_syntax;
    t.protseq = RPC_PROTSEQ_NCACN_IP_TCP;
    t.family = AF_INET;
    t.port = 49664;
    t.addr[0] = 192;
    t.addr[1] = 168;
    t.addr[2] = 1;
    t.addr[3] = 20;
    if (proto_tower_encode(&t, buf, sizeof(buf), &len) == 0)
        write_seed("tower", "tcp4", buf, len);
    else
        fprintf(stderr, "mkseeds: no tcp4 tower\n");

    t.family = AF_INET6;
    memcpy(t.addr, v6, 16);
    if (proto_tower_encode(&t, buf, sizeof(buf), &len) == 0)
        write_seed("tower", "tcp6", buf, len);
    else
        fprintf(stderr, "mkseeds: note: no tcp6 tower (not encodable)\n");

    memset(&t, 0, sizeof(t));
    syntax(&t.iface, EPM_IF_UUID_STR, EPM_IF_VERS_MAJOR, EPM_IF_VERS_MINOR);
    t.xfer = rpc_ndr20_syntax;
    t.protseq = RPC_PROTSEQ_NCALRPC;
    snprintf(t.endpoint, sizeof(t.endpoint), "%s", "rpctest");
    if (proto_tower_encode(&t, buf, sizeof(buf), &len) == 0)
        write_seed("tower", "ncalrpc", buf, len);
    else
        fprintf(stderr, "mkseeds: no ncalrpc tower\n");
}

/* ---- NDR programs ------------------------------------------------------- */

/* Builds header + opcodes, then lets fill() append the data/tape. */
struct prog {
    uint8_t buf[4096];
    size_t len;
};

static void
prog_start(struct prog *p, uint8_t mode, const uint8_t *ops, size_t nops)
{
    p->buf[0] = (uint8_t)(mode | nops);
    memcpy(p->buf + 1, ops, nops);
    p->len = 1 + nops;
}

static void
prog_data(struct prog *p, const struct ndr_cursor *w)
{
    memcpy(p->buf + p->len, w->data, w->len);
    p->len += w->len;
}

static void
ndr_seeds(const struct vector *v, size_t nv)
{
    struct prog p;
    struct ndr_cursor w;
    GUID g = guid(EPM_IF_UUID_STR);
    static const uint16_t wide[] = {'r', 'p', 'c', 't', 0};
    int first;

    /* Scalars, both orders' worth of alignment gaps. */
    {
        static const uint8_t ops[] = {
            NDR_OP(OP_U8, 0), NDR_OP(OP_U16, 0), NDR_OP(OP_U32, 0),
            NDR_OP(OP_U64, 0), NDR_OP(OP_UUID, 0), NDR_OP(OP_SYNTAX, 0),
            NDR_OP(OP_ENUM, 0), NDR_OP(OP_U32, 1)};
        prog_start(&p, 0, ops, sizeof(ops));
        ndr_init_write(&w, 0, DREP_LE);
        ndr_put_u8(&w, 0x7f);
        ndr_put_u16(&w, 0x8001);
        ndr_put_u32(&w, 0xfffffffe);
        ndr_put_u64(&w, 0x0102030405060708ull);
        ndr_put_uuid(&w, &g);
        ndr_put_syntax(&w, &rpc_ndr20_syntax);
        ndr_put_enum(&w, 3);
        ndr_put_i32(&w, -2);
        prog_data(&p, &w);
        ndr_cursor_free(&w);
        write_seed("ndr", "scalars", p.buf, p.len);
    }
    /* Strings and arrays, unlimited and with tight limits. */
    {
        static const uint8_t ops[] = {
            NDR_OP(OP_STRING, 0), NDR_OP(OP_WSTRING, 0), NDR_OP(OP_CARRAY, 0),
            NDR_OP(OP_STRING, 3), NDR_OP(OP_WSTRING, 3), NDR_OP(OP_CARRAY, 2)};
        prog_start(&p, 0, ops, sizeof(ops));
        ndr_init_write(&w, 0, DREP_LE);
        ndr_put_string(&w, "ncacn_ip_tcp");
        ndr_put_wstring(&w, wide, 5);
        ndr_put_carray(&w, stub_bytes, 9);
        ndr_put_string(&w, "abc");
        ndr_put_wstring(&w, wide + 2, 3);
        ndr_put_carray(&w, stub_bytes, 2);
        prog_data(&p, &w);
        ndr_cursor_free(&w);
        write_seed("ndr", "strings", p.buf, p.len);
    }
    /* Varying arrays and pointers, full pointers repeating. */
    {
        static const uint8_t ops[] = {
            NDR_OP(OP_VARYING, 0), NDR_OP(OP_BYTES, 6), NDR_OP(OP_PTR, 0),
            NDR_OP(OP_PTR, 0), NDR_OP(OP_FULL_PTR, 0), NDR_OP(OP_FULL_PTR, 0),
            NDR_OP(OP_FULL_PTR, 0), NDR_OP(OP_FULL_PTR, 0)};
        static const int objs[2];
        prog_start(&p, 0, ops, sizeof(ops));
        ndr_init_write(&w, 0, DREP_LE);
        ndr_put_u32(&w, 8);
        ndr_put_u32(&w, 2);
        ndr_put_u32(&w, 6);
        ndr_put_bytes(&w, stub_bytes, 6);
        ndr_put_ptr(&w, &objs[0]);
        ndr_put_ptr(&w, NULL);
        ndr_put_full_ptr(&w, &objs[0], &first);
        ndr_put_full_ptr(&w, &objs[1], &first);
        ndr_put_full_ptr(&w, &objs[0], &first);
        ndr_put_full_ptr(&w, NULL, &first);
        prog_data(&p, &w);
        ndr_cursor_free(&w);
        write_seed("ndr", "pointers", p.buf, p.len);
    }
    /* Alignment, skips and borrowed bytes, including the invalid
     * alignments. */
    {
        static const uint8_t ops[] = {
            NDR_OP(OP_U8, 0), NDR_OP(OP_ALIGN, 3), NDR_OP(OP_SKIP, 3),
            NDR_OP(OP_BYTES, 5), NDR_OP(OP_BYTES, 4), NDR_OP(OP_ALIGN, 8),
            NDR_OP(OP_ALIGN, 2), NDR_OP(OP_ALIGN, 15)};
        prog_start(&p, 0, ops, sizeof(ops));
        memcpy(p.buf + p.len, stub_bytes, 40);
        p.len += 40;
        write_seed("ndr", "align", p.buf, p.len);
    }
    /* The EPM stubs of the vectors, read as ept_map's and ept_lookup's
     * in-parameters begin: pointer, uuid, pointer, tower (carray). */
    for (size_t i = 0; i < nv; i++) {
        static const uint8_t ops[] = {
            NDR_OP(OP_PTR, 0), NDR_OP(OP_UUID, 0), NDR_OP(OP_PTR, 0),
            NDR_OP(OP_U32, 0), NDR_OP(OP_CARRAY, 0), NDR_OP(OP_ALIGN, 2),
            NDR_OP(OP_BYTES, 0), NDR_OP(OP_UUID, 0), NDR_OP(OP_U32, 0),
            NDR_OP(OP_U32, 0), NDR_OP(OP_VARYING, 0), NDR_OP(OP_STRING, 0)};
        char name[32];
        if (v[i].len <= RPC_REQUEST_HDR_LEN || v[i].data[2] != PTYPE_REQUEST)
            continue;
        prog_start(&p, 0, ops, sizeof(ops));
        memcpy(p.buf + p.len, v[i].data + RPC_REQUEST_HDR_LEN,
               v[i].len - RPC_REQUEST_HDR_LEN);
        p.len += v[i].len - RPC_REQUEST_HDR_LEN;
        if (snprintf(name, sizeof(name), "%s_stub", v[i].name) <
            (int)sizeof(name))
            write_seed("ndr", name, p.buf, p.len);
    }
    /* Write mode: every operation once, growing and fixed buffers; the
     * tape supplies the values. */
    {
        uint8_t ops[16];
        for (unsigned i = 0; i < 16; i++)
            ops[i] = NDR_OP(i, i == OP_ALIGN ? 3 : i == OP_BYTES ? 7 : 1);
        prog_start(&p, NDR_PROG_WRITE, ops, sizeof(ops));
        for (unsigned i = 0; i < 200; i++)
            p.buf[p.len++] = (uint8_t)(i * 37 + 11);
        write_seed("ndr", "write_all", p.buf, p.len);
        p.buf[0] |= NDR_PROG_FIXED;
        p.buf[17] = 0x00; /* tape starts with the capacity: 0x00 0x60 */
        p.buf[18] = 0x60;
        write_seed("ndr", "write_fixed", p.buf, p.len);
    }
}

/* ---- string bindings ---------------------------------------------------- */

static void
strbind_seeds(void)
{
    static const char *const s[] = {
        "ncacn_ip_tcp:127.0.0.1[135]",
        "ncacn_ip_tcp:192.168.1.20",
        "ncacn_ip_tcp:server.example.com[49664]",
        "ncacn_ip_tcp:::1[135]",
        "ncacn_ip_tcp:fe80::1%eth0[1024]",
        "ncalrpc:[rpctest]",
        "ncalrpc:localhost[epmapper]",
        "e1af8308-5d1f-11c9-91a4-08002b14a0fa@ncacn_ip_tcp:10.0.0.1[135]",
        "6BFFD098-A112-3610-9833-46C3F87E345A@ncalrpc:",
        "ncacn_ip_tcp:host[135,security=impersonation dynamic false]",
        "ncacn_ip_tcp:host[endpoint=135,a=b,c=d]",
        "ncacn_np:\\\\server[\\\\pipe\\\\lsarpc]",
        "ncacn_ip_tcp:we\\@ird\\:na\\[me\\][e\\,p\\=1]",
        "ncacn_http:proxy[593,RpcProxy=gateway:443]",
        "@ncacn_ip_tcp:",
        ":",
        "ncalrpc:[]",
        "ncacn_ip_tcp:h[1,2]",
        "ncacn_ip_tcp:h[a\\,b=c]",
        "12345678-1234-1234-1234-12345678@ncalrpc:",
    };
    char name[32];

    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        snprintf(name, sizeof(name), "s%02zu", i);
        write_seed("strbind", name, (const uint8_t *)s[i], strlen(s[i]));
    }
}

/* ---- mgmt stubs --------------------------------------------------------- */

/* fuzz_mgmt's input: a byte-order byte, then the stub. */
static void
mgmt_seed(const char *name, uint8_t drep0, const struct ndr_cursor *w)
{
    uint8_t buf[4096];

    if (w->len + 1 > sizeof(buf)) {
        failures++;
        return;
    }
    buf[0] = drep0 == DREP_BE ? 1 : 0;
    memcpy(buf + 1, w->data, w->len);
    write_seed("mgmt", name, buf, w->len + 1);
}

static void
mgmt_seeds(void)
{
    static const struct {
        uint8_t drep0;
        const char *name;
    } dreps[2] = {{DREP_LE, "le"}, {DREP_BE, "be"}};
    struct mgmt_if_id ids[3];
    struct mgmt_if_ids v;

    memset(ids, 0, sizeof(ids));
    ids[0].present = 1;
    ids[0].uuid = guid("25b0ad95-8a83-4c70-b453-e0c202c9d616");
    ids[0].vers_major = 1;
    ids[1].present = 0;                      /* a null element */
    ids[2].present = 1;
    ids[2].uuid = guid("e1af8308-5d1f-11c9-91a4-08002b14a0fa");
    ids[2].vers_major = 3;
    for (size_t d = 0; d < 2; d++) {
        struct ndr_cursor w;
        char name[64];

        /* inq_if_ids replies: three ids, none, a null vector with a
         * status. */
        for (int k = 0; k < 3; k++) {
            memset(&v, 0, sizeof(v));
            v.vector_present = k < 2;
            v.count = k == 0 ? 3 : 0;
            v.ids = k == 0 ? ids : NULL;
            v.status = k == 2 ? 0x16c9a0d6u : 0;
            if (ndr_init_write(&w, 64, dreps[d].drep0) != 0 ||
                mgmt_if_ids_reply_encode(&w, &v) != 0) {
                failures++;
                return;
            }
            snprintf(name, sizeof(name), "if_ids_%d_%s", k, dreps[d].name);
            mgmt_seed(name, dreps[d].drep0, &w);
            ndr_cursor_free(&w);
        }
        /* inq_stats / inq_princ_name requests, is_listening reply. */
        if (ndr_init_write(&w, 16, dreps[d].drep0) != 0 ||
            ndr_put_u32(&w, MGMT_STATS_COUNT) != 0 || ndr_put_u32(&w, 64) != 0) {
            failures++;
            return;
        }
        snprintf(name, sizeof(name), "two_u32_%s", dreps[d].name);
        mgmt_seed(name, dreps[d].drep0, &w);
        ndr_cursor_free(&w);
    }
}

/* ---- byte streams for the server's connections ----------------------------
 * fuzz_conn's input: a chunking byte (see fuzz_conn.c), then what a
 * client sends on one connection.  From the captures of the test suite
 * in tests/vectors (each TCP flow whose first PDU is a bind, reassembled
 * in capture order), and made here with the codec for what the captures
 * lack. */

static uint32_t
rd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

struct flow {
    uint8_t key[12];                 /* src ip, dst ip, src port, dst port */
    uint8_t *data;
    size_t len, cap;
};

static void
conn_seeds_from_pcap(const char *path, const char *tag)
{
    struct flow flows[64];
    size_t nflows = 0, len = 0, off = 24;
    uint8_t *f = NULL;
    FILE *fp = fopen(path, "rb");
    int nseeds = 0;

    if (fp == NULL) {
        fprintf(stderr, "mkseeds: cannot open %s\n", path);
        failures++;
        return;
    }
    for (;;) {
        uint8_t *g = realloc(f, len + 65536);
        size_t n;
        if (g == NULL)
            break;
        f = g;
        n = fread(f + len, 1, 65536, fp);
        len += n;
        if (n == 0)
            break;
    }
    fclose(fp);
    memset(flows, 0, sizeof(flows));
    while (f != NULL && off + 16 <= len) {
        uint32_t incl = rd_le32(f + off + 8);
        const uint8_t *pkt = f + off + 16, *ip, *tcp;
        size_t ihl, iplen, thl, plen, i;

        if (incl > len - off - 16)
            break;
        off += 16 + incl;
        if (incl < 14 + 20 || pkt[12] != 0x08 || pkt[13] != 0x00)
            continue;
        ip = pkt + 14;
        ihl = (size_t)(ip[0] & 0x0f) * 4;
        iplen = (size_t)ip[2] << 8 | ip[3];
        if (ip[9] != 6 || iplen > incl - 14 || ihl + 20 > iplen)
            continue;
        tcp = ip + ihl;
        thl = (size_t)(tcp[12] >> 4) * 4;
        if (ihl + thl > iplen)
            continue;
        plen = iplen - ihl - thl;
        if (plen == 0)
            continue;
        for (i = 0; i < nflows; i++) {
            if (memcmp(flows[i].key, ip + 12, 8) == 0 &&
                memcmp(flows[i].key + 8, tcp, 4) == 0)
                break;
        }
        if (i == nflows) {
            if (nflows == sizeof(flows) / sizeof(flows[0]))
                continue;
            memcpy(flows[i].key, ip + 12, 8);
            memcpy(flows[i].key + 8, tcp, 4);
            nflows++;
        }
        if (flows[i].len + plen > flows[i].cap) {
            size_t cap = (flows[i].len + plen) * 2;
            uint8_t *g = realloc(flows[i].data, cap);
            if (g == NULL)
                continue;
            flows[i].data = g;
            flows[i].cap = cap;
        }
        memcpy(flows[i].data + flows[i].len, tcp + thl, plen);
        flows[i].len += plen;
    }
    for (size_t i = 0; i < nflows; i++) {
        /* Client to server: starts with a bind. */
        if (flows[i].len >= RPC_HDR_LEN && flows[i].data[0] == RPC_C_VERS &&
            flows[i].data[2] == PTYPE_BIND && flows[i].len < 65536) {
            uint8_t *buf = malloc(flows[i].len + 1);
            char name[64];

            if (buf != NULL) {
                buf[0] = 0;
                memcpy(buf + 1, flows[i].data, flows[i].len);
                snprintf(name, sizeof(name), "%s_%02d", tag, nseeds++);
                write_seed("conn", name, buf, flows[i].len + 1);
                free(buf);
            }
        }
        free(flows[i].data);
    }
    free(f);
}

/* Appends one PDU to w. */
static void
put_pdu(struct ndr_cursor *w, struct rpc_pdu *p)
{
    if (rpc_pdu_encode(p, w) != 0)
        failures++;
}

static void
put_bind(struct ndr_cursor *w, uint8_t ptype, uint32_t call_id, int btfn)
{
    static RPC_SYNTAX_IDENTIFIER xfer[2];
    static struct rpc_ctx_elem ctx[3];
    struct rpc_pdu p;

    xfer[0] = rpc_ndr20_syntax;
    rpc_btfn_syntax(BTFN_SECURITY_CONTEXT_MULTIPLEXING |
                    BTFN_KEEP_CONNECTION_ON_ORPHAN, &xfer[1]);
    memset(ctx, 0, sizeof(ctx));
    ctx[0].cont_id = 0;
    syntax(&ctx[0].abstract, "25b0ad95-8a83-4c70-b453-e0c202c9d616", 1, 0);
    ctx[0].n_xfer = 1;
    ctx[0].xfer = &xfer[0];
    ctx[1].cont_id = 1;
    syntax(&ctx[1].abstract, "afa8bd80-7d8a-11c9-bef4-08002b102989", 1, 0);
    ctx[1].n_xfer = 1;
    ctx[1].xfer = &xfer[0];
    ctx[2].cont_id = 2;
    ctx[2].abstract = ctx[0].abstract;
    ctx[2].n_xfer = 1;
    ctx[2].xfer = &xfer[1];
    rpc_pdu_init(&p, ptype, call_id);
    p.hdr.pfc_flags |= PFC_CONC_MPX;
    p.u.bind.max_xmit_frag = 5840;
    p.u.bind.max_recv_frag = 5840;
    p.u.bind.n_ctx = btfn ? 3 : 2;
    p.u.bind.ctx = ctx;
    put_pdu(w, &p);
}

static void
put_request(struct ndr_cursor *w, uint32_t call_id, uint16_t ctx,
            uint16_t opnum, const uint8_t *stub, size_t len, size_t frag,
            uint8_t drep0)
{
    size_t off = 0, chunk = frag ? frag : (len ? len : 1);

    do {
        size_t n = len - off < chunk ? len - off : chunk;
        struct rpc_pdu p;

        rpc_pdu_init(&p, PTYPE_REQUEST, call_id);
        p.hdr.drep[0] = drep0;
        p.hdr.pfc_flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                    (off + n == len ? PFC_LAST_FRAG : 0));
        p.u.request.alloc_hint = (uint32_t)(len - off);
        p.u.request.cont_id = ctx;
        p.u.request.opnum = opnum;
        p.u.request.stub = stub + off;
        p.u.request.stub_len = n;
        put_pdu(w, &p);
        off += n;
    } while (off < len);
}

static void
put_simple(struct ndr_cursor *w, uint8_t ptype, uint32_t call_id)
{
    struct rpc_pdu p;

    rpc_pdu_init(&p, ptype, call_id);
    put_pdu(w, &p);
}

static void
conn_seed(const char *name, uint8_t chunking, const struct ndr_cursor *w)
{
    uint8_t *buf = malloc(w->len + 1);

    if (buf == NULL) {
        failures++;
        return;
    }
    buf[0] = chunking;
    memcpy(buf + 1, w->data, w->len);
    write_seed("conn", name, buf, w->len + 1);
    free(buf);
}

static void
conn_seeds(const char *vectors_txt)
{
    static const uint8_t be_stub[8] = {0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef};
    static const uint8_t stats_req[4] = {4, 0, 0, 0};
    static const uint8_t princ_req[8] = {10, 0, 0, 0, 64, 0, 0, 0};
    static const uint8_t raise_req[4] = {0x05, 0x00, 0x00, 0x00};
    char dir[2048], path[4096];
    const char *slash = strrchr(vectors_txt, '/');
    struct ndr_cursor w;

    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - vectors_txt) : 1,
             slash ? vectors_txt : ".");
    snprintf(path, sizeof(path), "%s/all.pcap", dir);
    conn_seeds_from_pcap(path, "cap_all");
    snprintf(path, sizeof(path), "%s/btfn.pcap", dir);
    conn_seeds_from_pcap(path, "cap_btfn");

    /* Every opnum of both interfaces, in one connection. */
    if (ndr_init_write(&w, 1024, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    put_bind(&w, PTYPE_BIND, 1, 1);
    put_request(&w, 2, 0, 0, stub_bytes, sizeof(stub_bytes), 0, DREP_LE);
    put_request(&w, 3, 0, 1, NULL, 0, 0, DREP_LE);
    put_request(&w, 4, 0, 2, raise_req, sizeof(raise_req), 0, DREP_LE);
    put_request(&w, 5, 0, 3, NULL, 0, 0, DREP_LE);
    put_request(&w, 6, 0, 9, NULL, 0, 0, DREP_LE);
    put_request(&w, 7, 1, 0, NULL, 0, 0, DREP_LE);
    put_request(&w, 8, 1, 1, stats_req, sizeof(stats_req), 0, DREP_LE);
    put_request(&w, 9, 1, 2, NULL, 0, 0, DREP_LE);
    put_request(&w, 10, 1, 3, NULL, 0, 0, DREP_LE);
    put_request(&w, 11, 1, 4, princ_req, sizeof(princ_req), 0, DREP_LE);
    put_request(&w, 12, 2, 0, stub_bytes, 8, 0, DREP_BE);
    conn_seed("all_ops", 0, &w);
    conn_seed("all_ops_linger", 0x80, &w);
    ndr_cursor_free(&w);

    /* Fragments, alter_context, co_cancel, orphaned, written in small
     * chunks. */
    if (ndr_init_write(&w, 1024, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    put_bind(&w, PTYPE_BIND, 1, 0);
    put_bind(&w, PTYPE_ALTER_CONTEXT, 2, 1);
    put_request(&w, 3, 0, 0, stub_bytes, sizeof(stub_bytes), 16, DREP_LE);
    put_request(&w, 4, 0, 1, be_stub, sizeof(be_stub), 0, DREP_LE);
    put_simple(&w, PTYPE_CO_CANCEL, 4);
    put_request(&w, 5, 0, 0, stub_bytes, 40, 8, DREP_LE);
    put_simple(&w, PTYPE_ORPHANED, 5);
    put_simple(&w, PTYPE_AUTH3, 6);
    conn_seed("frag_cancel", 0x87, &w);
    ndr_cursor_free(&w);

    /* Before any bind; a second bind. */
    if (ndr_init_write(&w, 256, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    put_request(&w, 1, 0, 0, NULL, 0, 0, DREP_LE);
    conn_seed("no_bind", 0, &w);
    ndr_cursor_free(&w);
    if (ndr_init_write(&w, 256, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    put_bind(&w, PTYPE_BIND, 1, 0);
    put_bind(&w, PTYPE_BIND, 2, 0);
    conn_seed("two_binds", 0, &w);
    ndr_cursor_free(&w);
}

/* ---- replies for the client ----------------------------------------------
 * fuzz_reply's input: two control bytes (see fuzz_reply.c), then what the
 * fake server answers a call with.  Large replies in 5840-byte fragments
 * whose alloc_hint announces the stub bytes still to come, as servers
 * send them, reach the client's reads in place; the others cut, lie or
 * stop where a server might. */

#define REPLY_CTL_TCP        0x04
#define REPLY_CTL_PATCH_ZERO 0x08
#define REPLY_CTL_INTO       0x40
#define REPLY_CHUNK_LOCKSTEP 0x80

static uint8_t *reply_stub;

/* Appends a response fragment of n stub bytes from off. */
static void
put_response(struct ndr_cursor *w, uint32_t call_id, size_t off, size_t n,
             uint32_t hint, uint8_t flags, uint8_t drep0)
{
    struct rpc_pdu p;

    rpc_pdu_init(&p, PTYPE_RESPONSE, call_id);
    p.hdr.drep[0] = drep0;
    p.hdr.pfc_flags = flags;
    p.u.response.alloc_hint = hint;
    p.u.response.stub = reply_stub + off;
    p.u.response.stub_len = n;
    put_pdu(w, &p);
}

/* A reply of len stub bytes in fragments of frag bytes (the PDU), the
 * alloc_hints as hint_mode says: 0 the truth, 1 none, 2 the first says
 * 16 MiB, 3 half the truth. */
static void
put_reply(struct ndr_cursor *w, size_t len, size_t frag, int hint_mode,
          uint8_t drep0)
{
    size_t off = 0, max = frag - RPC_RESPONSE_HDR_LEN;

    do {
        size_t n = len - off < max ? len - off : max;
        uint32_t hint = (uint32_t)(len - off);

        hint = hint_mode == 1 ? 0 : hint_mode == 2 && off == 0 ? 16u << 20 :
               hint_mode == 3 ? hint / 2 : hint;
        put_response(w, 0, off, n, hint,
                     (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                               (off + n == len ? PFC_LAST_FRAG : 0)),
                     drep0);
        off += n;
    } while (off < len);
}

static void
reply_seed(const char *name, uint8_t ctl0, uint8_t ctl1,
           const struct ndr_cursor *w)
{
    uint8_t *buf = malloc(w->len + 2);

    if (buf == NULL) {
        failures++;
        return;
    }
    buf[0] = ctl0;
    buf[1] = ctl1;
    memcpy(buf + 2, w->data, w->len);
    write_seed("reply", name, buf, w->len + 2);
    free(buf);
}

static void
reply_seeds(void)
{
    static const struct {
        const char *name;
        size_t len, frag;
        int hint_mode;
        uint8_t drep0, ctl0, ctl1;
    } plain[] = {
        {"one_1k", 1024, 5840, 0, DREP_LE, 0, 0},
        {"empty", 0, 5840, 0, DREP_LE, 0, 0},
        {"frags_64k", 64 * 1024, 5840, 0, DREP_LE, 0, 0},
        {"frags_200k", 200 * 1024, 5840, 0, DREP_LE, 0, 0},
        {"frags_200k_tcp", 200 * 1024, 5840, 0, DREP_LE, REPLY_CTL_TCP, 0},
        /* Writes of 1018 bytes, and in lockstep (headers split). */
        {"frags_64k_pieces", 64 * 1024, 5840, 0, DREP_LE, 0, 34},
        {"frags_64k_lockstep", 64 * 1024, 5840, 0, DREP_LE, 0,
         REPLY_CHUNK_LOCKSTEP | 34},
        {"frags_64k_be", 64 * 1024, 5840, 0, DREP_BE, REPLY_CTL_TCP, 0},
        /* The bind_ack offers 65535: fragments of 65000 bytes. */
        {"big_frags_150k", 150 * 1024, 65000, 0, DREP_LE, 1, 0},
        {"hint_none_100k", 100 * 1024, 5840, 1, DREP_LE, 0, 0},
        {"hint_16m_100k", 100 * 1024, 5840, 2, DREP_LE, 0, 0},
        {"hint_half_100k", 100 * 1024, 5840, 3, DREP_LE, REPLY_CTL_TCP, 0},
        /* With part of the reply received into the caller's memory. */
        {"into_one_1k", 1024, 5840, 0, DREP_LE, REPLY_CTL_INTO, 0},
        {"into_frags_200k", 200 * 1024, 5840, 0, DREP_LE, REPLY_CTL_INTO, 0},
        {"into_frags_200k_tcp", 200 * 1024, 5840, 0, DREP_LE,
         REPLY_CTL_INTO | REPLY_CTL_TCP, 0},
        {"into_frags_64k_lockstep", 64 * 1024, 5840, 0, DREP_LE, REPLY_CTL_INTO,
         REPLY_CHUNK_LOCKSTEP | 34},
        {"into_big_frags_150k", 150 * 1024, 65000, 0, DREP_LE, REPLY_CTL_INTO | 1, 0},
        {"into_hint_half_100k", 100 * 1024, 5840, 3, DREP_LE,
         REPLY_CTL_INTO | REPLY_CTL_TCP, 0},
    };
    struct ndr_cursor w;
    struct rpc_pdu p;

    if ((reply_stub = malloc(256 * 1024)) == NULL)
        exit(EXIT_FAILURE);
    for (size_t i = 0; i < 256 * 1024; i++)
        reply_stub[i] = (uint8_t)(i * 31 + 7 + (i >> 13));

    for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]); k++) {
        if (ndr_init_write(&w, plain[k].len + 4096, DREP_LE) != 0)
            exit(EXIT_FAILURE);
        put_reply(&w, plain[k].len, plain[k].frag, plain[k].hint_mode,
                  plain[k].drep0);
        reply_seed(plain[k].name, plain[k].ctl0, plain[k].ctl1, &w);
        ndr_cursor_free(&w);
    }

    /* Fragments 5-7 of frags_64k with drep byte 2 set, which
     * rpc_pdu_verify refuses: the in-place reads must refuse them too
     * (they did not, once). */
    if (ndr_init_write(&w, 64 * 1024 + 4096, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    put_reply(&w, 64 * 1024, 5840, 0, DREP_LE);
    for (size_t j = 5; j <= 7 && j * 5840 + 6 < w.len; j++)
        w.data[j * 5840 + 6] = 1;
    reply_seed("regress_drep23_in_place", 0, 0, &w);
    reply_seed("into_regress_drep23_in_place", REPLY_CTL_INTO, 0, &w);
    ndr_cursor_free(&w);

    /* Irregular fragments (sizes the client cannot predict, alloc_hints
     * too high, too low, none), some stub sizes not a multiple of 8. */
    {
        static const size_t sizes[] = {5816, 5816, 1000, 5816, 8, 5816, 5816,
                                       4000, 1, 5816, 5816, 5816, 3333, 5816};
        static const int lie[] = {0, 1, 0, 2, 0, 3, 0, 0, 1, 0, 0, 2, 0, 0};
        size_t len = 100 * 1024, off = 0;

        if (ndr_init_write(&w, len + 4096, DREP_LE) != 0)
            exit(EXIT_FAILURE);
        for (unsigned i = 0; off < len; i++) {
            size_t n = sizes[i % 14];
            uint32_t hint;

            if (n > len - off)
                n = len - off;
            hint = (uint32_t)(len - off);
            hint = lie[i % 14] == 1 ? hint + 100000 : lie[i % 14] == 2 ? hint / 2 :
                   lie[i % 14] == 3 ? 0 : hint;
            put_response(&w, 0, off, n, hint,
                         (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                   (off + n == len ? PFC_LAST_FRAG : 0)),
                         DREP_LE);
            off += n;
        }
        reply_seed("irregular_100k", 0, 0, &w);
        reply_seed("irregular_100k_tcp_pieces", REPLY_CTL_TCP, 40, &w);
        reply_seed("into_irregular_100k", REPLY_CTL_INTO, 0, &w);
        ndr_cursor_free(&w);
    }

    /* 40 KiB of a 64 KiB reply, then a fault (nca_s_op_rng_error). */
    if (ndr_init_write(&w, 64 * 1024, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    for (size_t off = 0; off < 40 * 1024; off += 5816)
        put_response(&w, 0, off, 5816, (uint32_t)(64 * 1024 - off),
                     off == 0 ? PFC_FIRST_FRAG : 0, DREP_LE);
    rpc_pdu_init(&p, PTYPE_FAULT, 0);
    p.u.fault.alloc_hint = 32;
    p.u.fault.status = NCA_S_OP_RNG_ERROR;
    p.u.fault.stub = reply_stub;
    p.u.fault.stub_len = 4;
    put_pdu(&w, &p);
    reply_seed("fault_midway", 0, 0, &w);
    reply_seed("into_fault_midway", REPLY_CTL_INTO, 0, &w);
    ndr_cursor_free(&w);

    /* Only call_id 0 is patched: a late reply of another call (7), a
     * shutdown, then the reply, the first fragment in two pieces. */
    if (ndr_init_write(&w, 80 * 1024, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    put_response(&w, 7, 0, 64, 64, PFC_FIRST_FRAG | PFC_LAST_FRAG, DREP_LE);
    rpc_pdu_init(&p, PTYPE_SHUTDOWN, 0);
    put_pdu(&w, &p);
    put_reply(&w, 40 * 1024, 5840, 0, DREP_LE);
    reply_seed("stale_shutdown", REPLY_CTL_PATCH_ZERO, 0, &w);
    ndr_cursor_free(&w);

    /* A response with an auth trailer (its padding is not stub). */
    if (ndr_init_write(&w, 256, DREP_LE) != 0)
        exit(EXIT_FAILURE);
    rpc_pdu_init(&p, PTYPE_RESPONSE, 0);
    p.u.response.alloc_hint = 20;
    p.u.response.stub = reply_stub;
    p.u.response.stub_len = 20;
    set_auth(&p, 1, call_pad(20));
    put_pdu(&w, &p);
    reply_seed("auth_trailer", 0, 0, &w);
    ndr_cursor_free(&w);

    free(reply_stub);
}

int
main(int argc, char **argv)
{
    struct vector v[32];
    size_t nv;

    if (argc != 3) {
        fprintf(stderr, "usage: mkseeds VECTORS.txt OUTDIR\n");
        return EXIT_FAILURE;
    }
    outdir = argv[2];
    nv = read_vectors(argv[1], v, sizeof(v) / sizeof(v[0]));
    if (nv == 0) {
        fprintf(stderr, "mkseeds: no vectors in %s\n", argv[1]);
        return EXIT_FAILURE;
    }
    make_dir("");
    make_dir("pdu");
    make_dir("ndr");
    make_dir("strbind");
    make_dir("tower");
    make_dir("mgmt");
    make_dir("conn");
    make_dir("reply");
    mgmt_seeds();
    reply_seeds();
    conn_seeds(argv[1]);
    pdu_seeds(v, nv);
    tower_seeds(v, nv);
    ndr_seeds(v, nv);
    strbind_seeds();
    for (size_t i = 0; i < nv; i++)
        free(v[i].data);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
