/*
 * proto/pdu.c -- encode, decode and verify connection-oriented PDUs
 * (C706 12.6, MS-RPCE 2.2.2).
 *
 * Decoding is two steps, as in Samba's dcerpc_util.c: rpc_pdu_decode()
 * reads the fields with bounds-checked cursor calls (byte order from drep)
 * and locates the sec_trailer from auth_length; rpc_pdu_verify() applies
 * the protocol's rules to the decoded struct.  Neither trusts a length or
 * count from the wire before checking it against the bytes present.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

const RPC_SYNTAX_IDENTIFIER rpc_ndr20_syntax = {
    {0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
    {NDR20_VERSION, 0},
};

const RPC_SYNTAX_IDENTIFIER rpc_ndr64_syntax = {
    {0x71710533, 0xbeba, 0x4937, {0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36}},
    {NDR64_VERSION, 0},
};

int
rpc_btfn_match(const RPC_SYNTAX_IDENTIFIER *xfer, uint16_t *features)
{
    /* MS-RPCE 2.2.2.14: 6cb71c2c-9812-4540-XXXX-000000000000 v1.0, the
     * bitmask in the first two bytes of Data4, little-endian. */
    const GUID *g = &xfer->SyntaxGUID;

    if (g->Data1 != BTFN_UUID_DATA1 || g->Data2 != BTFN_UUID_DATA2 ||
        g->Data3 != BTFN_UUID_DATA3)
        return 0;
    for (int i = 2; i < 8; i++)
        if (g->Data4[i] != 0)
            return 0;
    if (features != NULL)
        *features = (uint16_t)(g->Data4[0] | g->Data4[1] << 8);
    return 1;
}

void
rpc_btfn_syntax(uint16_t features, RPC_SYNTAX_IDENTIFIER *xfer)
{
    memset(xfer, 0, sizeof(*xfer));
    xfer->SyntaxGUID.Data1 = BTFN_UUID_DATA1;
    xfer->SyntaxGUID.Data2 = BTFN_UUID_DATA2;
    xfer->SyntaxGUID.Data3 = BTFN_UUID_DATA3;
    xfer->SyntaxGUID.Data4[0] = (unsigned char)(features & 0xff);
    xfer->SyntaxGUID.Data4[1] = (unsigned char)(features >> 8);
    xfer->SyntaxVersion.MajorVersion = BTFN_VERSION;
}

const char *
rpc_ptype_name(unsigned ptype)
{
    static const char *const names[] = {
        "request", "ping", "response", "fault", "working", "nocall",
        "reject", "ack", "cl_cancel", "fack", "cancel_ack", "bind",
        "bind_ack", "bind_nak", "alter_context", "alter_context_resp",
        "auth3", "shutdown", "co_cancel", "orphaned",
    };

    return ptype <= PTYPE_MAX ? names[ptype] : "unknown";
}

const char *
proto_strerror(int err)
{
    switch (err) {
    case PROTO_OK:         return "success";
    case PROTO_E_SHORT:    return "truncated input";
    case PROTO_E_NOMEM:    return "out of memory";
    case PROTO_E_RANGE:    return "count or size out of range";
    case PROTO_E_INVAL:    return "invalid argument";
    case PROTO_E_VERSION:  return "unsupported protocol version";
    case PROTO_E_PTYPE:    return "PDU type not valid on a connection";
    case PROTO_E_FLAGS:    return "PDU flags not allowed for the PDU type";
    case PROTO_E_DREP:     return "unsupported data representation";
    case PROTO_E_LENGTH:   return "fragment length does not match the data";
    case PROTO_E_AUTH:     return "authentication trailer does not fit";
    case PROTO_E_FORMAT:   return "malformed content";
    case PROTO_E_OVERFLOW: return "size overflow";
    case PROTO_E_READONLY: return "write to a read-only cursor";
    default:               return "unknown error";
    }
}

/* ---- header ------------------------------------------------------------- */

/* The common header and the request, response and fault fields after it
 * sit at fixed, naturally aligned offsets of a PDU (C706 12.6.3): they are
 * read and written here with plain byte-order loads and stores, one
 * bounds check for all of them, instead of a cursor call per field (a
 * null call spent a sixth of its instructions in those calls). */
static uint16_t
hdr_u16(const uint8_t *p, uint8_t drep0)
{
    return (uint16_t)ndr_load(p, 2, drep_is_le(drep0));
}

static uint32_t
hdr_u32(const uint8_t *p, uint8_t drep0)
{
    return (uint32_t)ndr_load(p, 4, drep_is_le(drep0));
}

static void
hdr_put16(uint8_t *p, uint16_t v, uint8_t drep0)
{
    ndr_store(p, 2, v, drep_is_le(drep0));
}

static void
hdr_put32(uint8_t *p, uint32_t v, uint8_t drep0)
{
    ndr_store(p, 4, v, drep_is_le(drep0));
}

/* C706 14.1: integer representation 0 (big-endian) or 1 (little-endian);
 * with anything else no length in the PDU can be read. */
static int
drep_int_ok(uint8_t drep0)
{
    return (drep0 & DREP_INT_MASK) == DREP_LE ||
           (drep0 & DREP_INT_MASK) == DREP_BE;
}

int
rpc_peek_frag_length(const uint8_t *buf, size_t len, uint16_t *frag_length)
{
    if (buf == NULL || len < RPC_HDR_LEN)
        return PROTO_E_SHORT;
    if (!drep_int_ok(buf[4]))
        return PROTO_E_DREP;
    /* frag_length sits at offset 8 in the order drep byte 0 gives. */
    *frag_length = hdr_u16(buf + 8, buf[4]);
    return 0;
}

/* The 16 bytes of a header, len >= 16 checked by the caller. */
static inline void
hdr_fields(const uint8_t *buf, struct rpc_hdr *h)
{
    h->rpc_vers = buf[0];
    h->rpc_vers_minor = buf[1];
    h->ptype = buf[2];
    h->pfc_flags = buf[3];
    memcpy(h->drep, buf + 4, 4);
    h->frag_length = hdr_u16(buf + 8, buf[4]);
    h->auth_length = hdr_u16(buf + 10, buf[4]);
    h->call_id = hdr_u32(buf + 12, buf[4]);
}

int
rpc_hdr_decode(const uint8_t *buf, size_t len, struct rpc_hdr *h)
{
    if (buf == NULL || len < RPC_HDR_LEN)
        return PROTO_E_SHORT;
    hdr_fields(buf, h);
    return 0;
}

/* ---- decode ------------------------------------------------------------- */

static int
decode_bind(struct ndr_cursor *c, struct rpc_bind *b)
{
    uint8_t res8;
    uint16_t res16;
    int r;

    if ((r = ndr_get_u16(c, &b->max_xmit_frag)) != 0 ||
        (r = ndr_get_u16(c, &b->max_recv_frag)) != 0 ||
        (r = ndr_get_u32(c, &b->assoc_group_id)) != 0 ||
        (r = ndr_get_u8(c, &b->n_ctx)) != 0 ||
        (r = ndr_get_u8(c, &res8)) != 0 ||
        (r = ndr_get_u16(c, &res16)) != 0)
        return r;
    if (b->n_ctx == 0)
        return 0;
    /* Each element is at least 24 bytes (C706 12.6.3.1 p_cont_elem_t:
     * id, count, abstract syntax; its transfer syntaxes are checked as
     * they come): check before allocating by the wire count. */
    if ((r = ndr_check_elems(c, b->n_ctx, 24)) != 0)
        return r;
    if ((b->ctx = calloc(b->n_ctx, sizeof(*b->ctx))) == NULL)
        return PROTO_E_NOMEM;
    for (unsigned i = 0; i < b->n_ctx; i++) {
        struct rpc_ctx_elem *e = &b->ctx[i];

        if ((r = ndr_get_u16(c, &e->cont_id)) != 0 ||
            (r = ndr_get_u8(c, &e->n_xfer)) != 0 ||
            (r = ndr_get_u8(c, &e->reserved)) != 0 ||
            (r = ndr_get_syntax(c, &e->abstract)) != 0)
            return r;
        if (e->n_xfer == 0)
            continue;
        if ((r = ndr_check_elems(c, e->n_xfer, 20)) != 0)
            return r;
        if ((e->xfer = calloc(e->n_xfer, sizeof(*e->xfer))) == NULL)
            return PROTO_E_NOMEM;
        for (unsigned j = 0; j < e->n_xfer; j++)
            if ((r = ndr_get_syntax(c, &e->xfer[j])) != 0)
                return r;
    }
    return 0;
}

static int
decode_bind_ack(struct ndr_cursor *c, struct rpc_bind_ack *b)
{
    uint8_t res8;
    uint16_t res16;
    int r;

    if ((r = ndr_get_u16(c, &b->max_xmit_frag)) != 0 ||
        (r = ndr_get_u16(c, &b->max_recv_frag)) != 0 ||
        (r = ndr_get_u32(c, &b->assoc_group_id)) != 0 ||
        (r = ndr_get_u16(c, &b->sec_addr_len)) != 0 ||
        (r = ndr_get_ref(c, &b->sec_addr, b->sec_addr_len)) != 0 ||
        (r = ndr_align(c, 4)) != 0 ||
        (r = ndr_get_u8(c, &b->n_results)) != 0 ||
        (r = ndr_get_u8(c, &res8)) != 0 ||
        (r = ndr_get_u16(c, &res16)) != 0)
        return r;
    if (b->n_results == 0)
        return 0;
    if ((r = ndr_check_elems(c, b->n_results, 24)) != 0)
        return r;
    if ((b->results = calloc(b->n_results, sizeof(*b->results))) == NULL)
        return PROTO_E_NOMEM;
    for (unsigned i = 0; i < b->n_results; i++) {
        struct rpc_result *e = &b->results[i];

        if ((r = ndr_get_u16(c, &e->result)) != 0 ||
            (r = ndr_get_u16(c, &e->reason)) != 0 ||
            (r = ndr_get_syntax(c, &e->xfer)) != 0)
            return r;
    }
    return 0;
}

static int
decode_bind_nak(struct ndr_cursor *c, struct rpc_bind_nak *b)
{
    const uint8_t *v;
    size_t pad;
    int r;

    if ((r = ndr_get_u16(c, &b->reason)) != 0 ||
        (r = ndr_get_u8(c, &b->n_versions)) != 0)
        return r;
    if ((r = ndr_get_ref(c, &v, 2 * (size_t)b->n_versions)) != 0)
        return r;
    b->versions = (const struct rpc_version *)(const void *)v;
    /* MS-RPCE 2.2.2.5: the optional signature starts 4-aligned; a peer
     * that ends the PDU without the padding is tolerated. */
    pad = (4 - (c->off & 3)) & 3;
    if (pad > ndr_remaining(c))
        pad = ndr_remaining(c);
    c->off += pad;
    b->extra_len = ndr_remaining(c);
    return ndr_get_ref(c, &b->extra, b->extra_len);
}

/* The stub of request/response/fault: what is left before the auth
 * padding. */
static int
decode_stub(struct ndr_cursor *c, const struct rpc_pdu *p, const uint8_t **stub,
            size_t *stub_len)
{
    size_t left = ndr_remaining(c);
    size_t pad = p->has_auth ? p->auth.pad_length : 0;

    if (pad > left)
        return PROTO_E_AUTH;
    *stub_len = left - pad;
    return ndr_get_ref(c, stub, *stub_len);
}

int
rpc_pdu_decode(const uint8_t *buf, size_t len, struct rpc_pdu *p)
{
    struct ndr_cursor c;
    size_t n, body_end;
    int r;

    memset(p, 0, sizeof(*p));
    if ((r = rpc_hdr_decode(buf, len, &p->hdr)) != 0)
        return r;
    if (!drep_int_ok(p->hdr.drep[0]))
        return PROTO_E_DREP;
    n = p->hdr.frag_length;
    if (n < RPC_HDR_LEN)
        return PROTO_E_LENGTH;
    if (n > len)
        return PROTO_E_SHORT;

    body_end = n;
    if (p->hdr.auth_length != 0) {
        struct ndr_cursor t;
        size_t tr;

        /* C706 13.2.6.1: the sec_trailer and auth value end the PDU. */
        if ((size_t)p->hdr.auth_length + RPC_SEC_TRAILER_LEN > n - RPC_HDR_LEN)
            return PROTO_E_AUTH;
        tr = n - p->hdr.auth_length - RPC_SEC_TRAILER_LEN;
        ndr_init_read(&t, buf + tr, RPC_SEC_TRAILER_LEN, p->hdr.drep[0]);
        if ((r = ndr_get_u8(&t, &p->auth.type)) != 0 ||
            (r = ndr_get_u8(&t, &p->auth.level)) != 0 ||
            (r = ndr_get_u8(&t, &p->auth.pad_length)) != 0 ||
            (r = ndr_get_u8(&t, &p->auth.reserved)) != 0 ||
            (r = ndr_get_u32(&t, &p->auth.context_id)) != 0)
            return r;
        p->auth.value = buf + tr + RPC_SEC_TRAILER_LEN;
        p->auth.value_len = p->hdr.auth_length;
        p->has_auth = 1;
        body_end = tr;
    }

    ndr_init_read(&c, buf, body_end, p->hdr.drep[0]);
    c.off = RPC_HDR_LEN;
    switch (p->hdr.ptype) {
    case PTYPE_REQUEST: {
        struct rpc_request *q = &p->u.request;
        if (body_end < RPC_REQUEST_HDR_LEN) {
            r = PROTO_E_SHORT;
            break;
        }
        q->alloc_hint = hdr_u32(buf + 16, c.drep0);
        q->cont_id = hdr_u16(buf + 20, c.drep0);
        q->opnum = hdr_u16(buf + 22, c.drep0);
        c.off = RPC_REQUEST_HDR_LEN;
        if ((p->hdr.pfc_flags & PFC_OBJECT_UUID) &&
            (r = ndr_get_uuid(&c, &q->object)) != 0)
            break;
        r = decode_stub(&c, p, &q->stub, &q->stub_len);
        break;
    }
    case PTYPE_RESPONSE: {
        struct rpc_response *q = &p->u.response;
        if (body_end < RPC_RESPONSE_HDR_LEN) {
            r = PROTO_E_SHORT;
            break;
        }
        q->alloc_hint = hdr_u32(buf + 16, c.drep0);
        q->cont_id = hdr_u16(buf + 20, c.drep0);
        q->cancel_count = buf[22];
        q->reserved = buf[23];
        c.off = RPC_RESPONSE_HDR_LEN;
        r = decode_stub(&c, p, &q->stub, &q->stub_len);
        break;
    }
    case PTYPE_FAULT: {
        struct rpc_fault *q = &p->u.fault;
        if (body_end < RPC_RESPONSE_HDR_LEN + 8) {
            r = PROTO_E_SHORT;
            break;
        }
        q->alloc_hint = hdr_u32(buf + 16, c.drep0);
        q->cont_id = hdr_u16(buf + 20, c.drep0);
        q->cancel_count = buf[22];
        q->reserved = buf[23];
        q->status = hdr_u32(buf + 24, c.drep0);
        q->reserved2 = hdr_u32(buf + 28, c.drep0);
        c.off = RPC_RESPONSE_HDR_LEN + 8;
        r = decode_stub(&c, p, &q->stub, &q->stub_len);
        break;
    }
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        r = decode_bind(&c, &p->u.bind);
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        r = decode_bind_ack(&c, &p->u.bind_ack);
        break;
    case PTYPE_BIND_NAK:
        r = decode_bind_nak(&c, &p->u.bind_nak);
        break;
    case PTYPE_AUTH3:
        r = ndr_get_u32(&c, &p->u.auth3.pad);
        break;
    case PTYPE_SHUTDOWN:
    case PTYPE_CO_CANCEL:
    case PTYPE_ORPHANED:
        r = 0;
        break;
    default:
        r = PROTO_E_PTYPE;
        break;
    }
    if (r == 0 && p->has_auth && p->hdr.ptype != PTYPE_REQUEST &&
        p->hdr.ptype != PTYPE_RESPONSE && p->hdr.ptype != PTYPE_FAULT &&
        p->auth.pad_length > ndr_remaining(&c))
        r = PROTO_E_AUTH;
    if (r != 0)
        rpc_pdu_clear(p);
    return r;
}

void
rpc_pdu_clear(struct rpc_pdu *p)
{
    if (p == NULL)
        return;
    switch (p->hdr.ptype) {
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        if (p->u.bind.ctx != NULL)
            for (unsigned i = 0; i < p->u.bind.n_ctx; i++)
                free(p->u.bind.ctx[i].xfer);
        free(p->u.bind.ctx);
        p->u.bind.ctx = NULL;
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        free(p->u.bind_ack.results);
        p->u.bind_ack.results = NULL;
        break;
    default:
        break;
    }
}

/* ---- verify ------------------------------------------------------------- */

struct flag_rule {
    uint8_t required;
    uint8_t allowed;
};

/* Which pfc_flags each connection-oriented ptype may carry (C706
 * 12.6.3.1, MS-RPCE 2.2.2.3).  Bind-family PDUs are never fragmented
 * here; 0x04 on them is PFC_SUPPORT_HEADER_SIGN.  PFC_RESERVED_1 is
 * allowed nowhere but in the flags a server ignores (bind,
 * alter_context). */
static int
flag_rule(uint8_t ptype, struct flag_rule *fr)
{
    const uint8_t fl = PFC_FIRST_FRAG | PFC_LAST_FRAG;

    switch (ptype) {
    case PTYPE_REQUEST:
        *fr = (struct flag_rule){0, fl | PFC_PENDING_CANCEL | PFC_CONC_MPX |
                                        PFC_MAYBE | PFC_OBJECT_UUID};
        return 0;
    case PTYPE_RESPONSE:
        *fr = (struct flag_rule){0, fl | PFC_PENDING_CANCEL | PFC_CONC_MPX};
        return 0;
    case PTYPE_FAULT:
        *fr = (struct flag_rule){0, fl | PFC_PENDING_CANCEL | PFC_CONC_MPX |
                                        PFC_DID_NOT_EXECUTE};
        return 0;
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        /* Windows ignores the flags of a bind or alter_context, FIRST and
         * LAST included (Samba's raw_protocol tests record it): so do we,
         * rather than refuse a client Windows serves. */
        *fr = (struct flag_rule){0, 0xff};
        return 0;
    case PTYPE_BIND_ACK:
    case PTYPE_BIND_NAK:
    case PTYPE_ALTER_CONTEXT_RESP:
        *fr = (struct flag_rule){fl, fl | PFC_SUPPORT_HEADER_SIGN | PFC_CONC_MPX};
        return 0;
    case PTYPE_AUTH3:
        *fr = (struct flag_rule){fl, fl | PFC_CONC_MPX};
        return 0;
    case PTYPE_SHUTDOWN:
        *fr = (struct flag_rule){0, fl | PFC_CONC_MPX};
        return 0;
    case PTYPE_CO_CANCEL:
    case PTYPE_ORPHANED:
        /* DCE sends LAST|PENDING_CANCEL, Windows FIRST|LAST. */
        *fr = (struct flag_rule){0, fl | PFC_PENDING_CANCEL | PFC_CONC_MPX};
        return 0;
    default:
        return PROTO_E_PTYPE;
    }
}

int
rpc_pdu_verify(const struct rpc_pdu *p, size_t nbytes)
{
    const struct rpc_hdr *h = &p->hdr;
    struct flag_rule fr;
    int r;

    if (h->rpc_vers != RPC_C_VERS || h->rpc_vers_minor > RPC_C_VERS_MINOR_MAX)
        return PROTO_E_VERSION;
    if ((r = flag_rule(h->ptype, &fr)) != 0)
        return r;
    /* C706 14.1: integers big- or little-endian, characters ASCII, floats
     * IEEE; bytes 2 and 3 are reserved and zero. */
    if (!drep_int_ok(h->drep[0]) || (h->drep[0] & DREP_CHAR_MASK) != 0 || h->drep[1] != 0 ||
        h->drep[2] != 0 || h->drep[3] != 0)
        return PROTO_E_DREP;
    if (h->frag_length != nbytes)
        return PROTO_E_LENGTH;
    if ((h->pfc_flags & fr.required) != fr.required ||
        (h->pfc_flags & ~fr.allowed) != 0)
        return PROTO_E_FLAGS;
    if ((h->ptype == PTYPE_BIND_ACK || h->ptype == PTYPE_ALTER_CONTEXT_RESP) &&
        p->u.bind_ack.sec_addr_len > 0 &&
        p->u.bind_ack.sec_addr[p->u.bind_ack.sec_addr_len - 1] != '\0')
        return PROTO_E_FORMAT;
    return 0;
}

/* A request or response fragment without auth or object UUID -- every
 * fragment of an unauthenticated call -- that decode and verify would
 * accept, decoded as they would decode it, straight from its 24 bytes:
 * 1.  Anything else (also anything they refuse): 0, for them to look at.
 * Through them such a fragment cost some 300 instructions a call on each
 * side; check_proto holds the two paths to the same answers. */
static int
parse_frag_fast(const uint8_t *buf, size_t len, struct rpc_pdu *p)
{
    static const uint8_t allowed_req = PFC_FIRST_FRAG | PFC_LAST_FRAG |
        PFC_PENDING_CANCEL | PFC_CONC_MPX | PFC_MAYBE;
    static const uint8_t allowed_resp = PFC_FIRST_FRAG | PFC_LAST_FRAG |
        PFC_PENDING_CANCEL | PFC_CONC_MPX;
    uint8_t ptype, flags, d0;

    if (buf == NULL || len < RPC_REQUEST_HDR_LEN || len > UINT16_MAX ||
        buf[0] != RPC_C_VERS || buf[1] > RPC_C_VERS_MINOR_MAX ||
        (buf[4] != DREP_LE && buf[4] != DREP_BE) ||
        buf[5] != 0 || buf[6] != 0 || buf[7] != 0)
        return 0;
    ptype = buf[2];
    flags = buf[3];
    d0 = buf[4];
    if (ptype == PTYPE_REQUEST) {
        if ((flags & ~allowed_req) != 0)
            return 0;
    } else if (ptype == PTYPE_RESPONSE) {
        if ((flags & ~allowed_resp) != 0)
            return 0;
    } else {
        return 0;
    }
    if (hdr_u16(buf + 8, d0) != len || hdr_u16(buf + 10, d0) != 0)
        return 0;
    memset(p, 0, sizeof(*p));
    hdr_fields(buf, &p->hdr);
    if (ptype == PTYPE_REQUEST) {
        struct rpc_request *q = &p->u.request;

        q->alloc_hint = hdr_u32(buf + 16, d0);
        q->cont_id = hdr_u16(buf + 20, d0);
        q->opnum = hdr_u16(buf + 22, d0);
        q->stub = buf + RPC_REQUEST_HDR_LEN;
        q->stub_len = len - RPC_REQUEST_HDR_LEN;
    } else {
        struct rpc_response *q = &p->u.response;

        q->alloc_hint = hdr_u32(buf + 16, d0);
        q->cont_id = hdr_u16(buf + 20, d0);
        q->cancel_count = buf[22];
        q->reserved = buf[23];
        q->stub = buf + RPC_RESPONSE_HDR_LEN;
        q->stub_len = len - RPC_RESPONSE_HDR_LEN;
    }
    return 1;
}

int
rpc_pdu_parse(const uint8_t *buf, size_t len, struct rpc_pdu *p)
{
    int r;

    if (parse_frag_fast(buf, len, p))
        return 0;
    if ((r = rpc_pdu_decode(buf, len, p)) != 0)
        return r;
    if ((r = rpc_pdu_verify(p, len)) != 0)
        rpc_pdu_clear(p);
    return r;
}

/* ---- encode ------------------------------------------------------------- */

void
rpc_pdu_init(struct rpc_pdu *p, uint8_t ptype, uint32_t call_id)
{
    memset(p, 0, sizeof(*p));
    p->hdr.rpc_vers = RPC_C_VERS;
    p->hdr.rpc_vers_minor = RPC_C_VERS_MINOR;
    p->hdr.ptype = ptype;
    p->hdr.pfc_flags = PFC_FIRST_FRAG | PFC_LAST_FRAG;
    p->hdr.drep[0] = DREP_LE;
    p->hdr.call_id = call_id;
}

static int
encode_bind(struct ndr_cursor *c, const struct rpc_bind *b)
{
    int r;

    if (b->n_ctx > 0 && b->ctx == NULL)
        return PROTO_E_INVAL;
    if ((r = ndr_put_u16(c, b->max_xmit_frag)) != 0 ||
        (r = ndr_put_u16(c, b->max_recv_frag)) != 0 ||
        (r = ndr_put_u32(c, b->assoc_group_id)) != 0 ||
        (r = ndr_put_u8(c, b->n_ctx)) != 0 ||
        (r = ndr_put_zeros(c, 3)) != 0)
        return r;
    for (unsigned i = 0; i < b->n_ctx; i++) {
        const struct rpc_ctx_elem *e = &b->ctx[i];

        if (e->n_xfer > 0 && e->xfer == NULL)
            return PROTO_E_INVAL;
        if ((r = ndr_put_u16(c, e->cont_id)) != 0 ||
            (r = ndr_put_u8(c, e->n_xfer)) != 0 ||
            (r = ndr_put_u8(c, e->reserved)) != 0 ||
            (r = ndr_put_syntax(c, &e->abstract)) != 0)
            return r;
        for (unsigned j = 0; j < e->n_xfer; j++)
            if ((r = ndr_put_syntax(c, &e->xfer[j])) != 0)
                return r;
    }
    return 0;
}

static int
encode_bind_ack(struct ndr_cursor *c, const struct rpc_bind_ack *b)
{
    int r;

    if ((b->n_results > 0 && b->results == NULL) ||
        (b->sec_addr_len > 0 && b->sec_addr == NULL))
        return PROTO_E_INVAL;
    if ((r = ndr_put_u16(c, b->max_xmit_frag)) != 0 ||
        (r = ndr_put_u16(c, b->max_recv_frag)) != 0 ||
        (r = ndr_put_u32(c, b->assoc_group_id)) != 0 ||
        (r = ndr_put_u16(c, b->sec_addr_len)) != 0 ||
        (r = ndr_put_bytes(c, b->sec_addr, b->sec_addr_len)) != 0 ||
        (r = ndr_align(c, 4)) != 0 ||
        (r = ndr_put_u8(c, b->n_results)) != 0 ||
        (r = ndr_put_zeros(c, 3)) != 0)
        return r;
    for (unsigned i = 0; i < b->n_results; i++) {
        const struct rpc_result *e = &b->results[i];

        if ((r = ndr_put_u16(c, e->result)) != 0 ||
            (r = ndr_put_u16(c, e->reason)) != 0 ||
            (r = ndr_put_syntax(c, &e->xfer)) != 0)
            return r;
    }
    return 0;
}

static int
encode_bind_nak(struct ndr_cursor *c, const struct rpc_bind_nak *b)
{
    int r;

    if ((b->extra_len > 0 && b->extra == NULL) ||
        (b->n_versions > 0 && b->versions == NULL))
        return PROTO_E_INVAL;
    if ((r = ndr_put_u16(c, b->reason)) != 0 ||
        (r = ndr_put_u8(c, b->n_versions)) != 0)
        return r;
    for (unsigned i = 0; i < b->n_versions; i++)
        if ((r = ndr_put_u8(c, b->versions[i].major)) != 0 ||
            (r = ndr_put_u8(c, b->versions[i].minor)) != 0)
            return r;
    if ((r = ndr_align(c, 4)) != 0)
        return r;
    return ndr_put_bytes(c, b->extra, b->extra_len);
}

static int
encode_stub(struct ndr_cursor *c, const struct rpc_pdu *p, const uint8_t *stub,
            size_t stub_len)
{
    int r;

    if (stub_len > 0 && stub == NULL)
        return PROTO_E_INVAL;
    if ((r = ndr_put_bytes(c, stub, stub_len)) != 0)
        return r;
    return ndr_put_zeros(c, p->has_auth ? p->auth.pad_length : 0);
}

int
rpc_pdu_encode(struct rpc_pdu *p, struct ndr_cursor *out)
{
    struct ndr_cursor c = *out;
    const size_t start = c.off;
    size_t total;
    int r;

    if (!c.writable)
        return PROTO_E_READONLY;
    /* The header's drep decides the order of every integer that follows. */
    c.drep0 = p->hdr.drep[0];
    /* Alignment in a PDU is relative to its first byte (C706 12.6.2):
     * a PDU appended at an unaligned offset is built apart, then copied. */
    if ((start & 7) != 0) {
        struct ndr_cursor tmp;
        if ((r = ndr_init_write(&tmp, 256, p->hdr.drep[0])) != 0)
            return r;
        if ((r = rpc_pdu_encode(p, &tmp)) == 0)
            r = ndr_put_bytes(out, tmp.data, tmp.len);
        ndr_cursor_free(&tmp);
        return r;
    }
    if (p->has_auth && p->auth.value_len > 0 && p->auth.value == NULL)
        return PROTO_E_INVAL;
    /* The fixed part: the header (frag_length and auth_length patched at
     * the end) and a request's, response's or fault's fields after it. */
    uint8_t fx[RPC_RESPONSE_HDR_LEN + 8];
    size_t nfx = RPC_HDR_LEN;
    const uint8_t d0 = p->hdr.drep[0];

    fx[0] = p->hdr.rpc_vers;
    fx[1] = p->hdr.rpc_vers_minor;
    fx[2] = p->hdr.ptype;
    fx[3] = p->hdr.pfc_flags;
    memcpy(fx + 4, p->hdr.drep, 4);
    hdr_put16(fx + 8, 0, d0);
    hdr_put16(fx + 10, 0, d0);
    hdr_put32(fx + 12, p->hdr.call_id, d0);
    switch (p->hdr.ptype) {
    case PTYPE_REQUEST:
        hdr_put32(fx + 16, p->u.request.alloc_hint, d0);
        hdr_put16(fx + 20, p->u.request.cont_id, d0);
        hdr_put16(fx + 22, p->u.request.opnum, d0);
        nfx = RPC_REQUEST_HDR_LEN;
        break;
    case PTYPE_RESPONSE:
    case PTYPE_FAULT: {
        /* The same first fields; a fault adds status and reserved2. */
        const struct rpc_response *q = &p->u.response;
        const struct rpc_fault *f = &p->u.fault;
        int fault = p->hdr.ptype == PTYPE_FAULT;

        hdr_put32(fx + 16, fault ? f->alloc_hint : q->alloc_hint, d0);
        hdr_put16(fx + 20, fault ? f->cont_id : q->cont_id, d0);
        fx[22] = fault ? f->cancel_count : q->cancel_count;
        fx[23] = fault ? f->reserved : q->reserved;
        nfx = RPC_RESPONSE_HDR_LEN;
        if (fault) {
            hdr_put32(fx + 24, f->status, d0);
            hdr_put32(fx + 28, f->reserved2, d0);
            nfx += 8;
        }
        break;
    }
    default:
        break;
    }
    if ((r = ndr_put_bytes(&c, fx, nfx)) != 0)
        goto out;

    switch (p->hdr.ptype) {
    case PTYPE_REQUEST: {
        const struct rpc_request *q = &p->u.request;
        if ((p->hdr.pfc_flags & PFC_OBJECT_UUID) &&
            (r = ndr_put_uuid(&c, &q->object)) != 0)
            break;
        r = encode_stub(&c, p, q->stub, q->stub_len);
        break;
    }
    case PTYPE_RESPONSE:
        r = encode_stub(&c, p, p->u.response.stub, p->u.response.stub_len);
        break;
    case PTYPE_FAULT:
        r = encode_stub(&c, p, p->u.fault.stub, p->u.fault.stub_len);
        break;
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        r = encode_bind(&c, &p->u.bind);
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        r = encode_bind_ack(&c, &p->u.bind_ack);
        break;
    case PTYPE_BIND_NAK:
        r = encode_bind_nak(&c, &p->u.bind_nak);
        break;
    case PTYPE_AUTH3:
        r = ndr_put_u32(&c, p->u.auth3.pad);
        break;
    case PTYPE_SHUTDOWN:
    case PTYPE_CO_CANCEL:
    case PTYPE_ORPHANED:
        r = 0;
        break;
    default:
        r = PROTO_E_PTYPE;
        break;
    }
    if (r != 0)
        goto out;

    if (p->has_auth) {
        /* Bind-family bodies get their pad here; request, response and
         * fault wrote it after the stub. */
        if (p->hdr.ptype != PTYPE_REQUEST && p->hdr.ptype != PTYPE_RESPONSE &&
            p->hdr.ptype != PTYPE_FAULT &&
            (r = ndr_put_zeros(&c, p->auth.pad_length)) != 0)
            goto out;
        /* The sec_trailer is laid out on its own (its u32 aligned to the
         * trailer, not the PDU): the caller's pad decides where it sits. */
        uint8_t tb[RPC_SEC_TRAILER_LEN];
        struct ndr_cursor t;
        ndr_init_write_fixed(&t, tb, sizeof(tb), p->hdr.drep[0]);
        if ((r = ndr_put_u8(&t, p->auth.type)) != 0 ||
            (r = ndr_put_u8(&t, p->auth.level)) != 0 ||
            (r = ndr_put_u8(&t, p->auth.pad_length)) != 0 ||
            (r = ndr_put_u8(&t, p->auth.reserved)) != 0 ||
            (r = ndr_put_u32(&t, p->auth.context_id)) != 0 ||
            (r = ndr_put_bytes(&c, tb, sizeof(tb))) != 0 ||
            (r = ndr_put_bytes(&c, p->auth.value, p->auth.value_len)) != 0)
            goto out;
    }
    total = c.off - start;
    if (total > RPC_MAX_FRAG_SIZE) {
        r = PROTO_E_RANGE;
        goto out;
    }
    p->hdr.frag_length = (uint16_t)total;
    p->hdr.auth_length = p->has_auth ? p->auth.value_len : 0;
    if ((r = ndr_patch_u16(&c, start + 8, p->hdr.frag_length)) != 0 ||
        (r = ndr_patch_u16(&c, start + 10, p->hdr.auth_length)) != 0)
        goto out;
    /* Commit: the caller's cursor sees the PDU only when it is complete. */
    c.drep0 = out->drep0;
    *out = c;
    return 0;
out:
    /* Keep the (possibly reallocated) buffer, drop the partial PDU. */
    c.len = out->len;
    c.off = out->off;
    c.drep0 = out->drep0;
    *out = c;
    return r;
}

int
rpc_stub_iov(const uint8_t *stub, const struct rpc_stub_ext *ext, size_t from,
             size_t n, struct iovec *iov)
{
    size_t end = from + n, xend, m;
    int k = 0;

    if (n == 0)
        return 0;
    if (ext == NULL || ext->p == NULL || ext->len == 0 || end <= ext->off ||
        from >= ext->off + ext->len) {
        iov[0].iov_base = (void *)(uintptr_t)(stub + from);
        iov[0].iov_len = n;
        return 1;
    }
    if (from < ext->off) {
        iov[k].iov_base = (void *)(uintptr_t)(stub + from);
        iov[k].iov_len = ext->off - from;
        k++;
        from = ext->off;
    }
    xend = ext->off + ext->len;
    m = (end < xend ? end : xend) - from;
    iov[k].iov_base = ext->p + (from - ext->off);
    iov[k].iov_len = m;
    k++;
    from += m;
    if (from < end) {
        iov[k].iov_base = (void *)(uintptr_t)(stub + from);
        iov[k].iov_len = end - from;
        k++;
    }
    return k;
}

int
rpc_frag_iov(const struct rpc_frag_out *o, size_t off, struct iovec *iov,
             int max)
{
    size_t fsz = o->hdr_len + o->chunk, i, in;
    int n = 0;

    if (off == 0 && o->nfrag == 1 && o->hdr_len > 0 && max >= 2 &&
        o->ext.len == 0) {
        /* A whole one-fragment PDU, the common answer: no divisions. */
        size_t sl = o->stub_len < o->chunk ? o->stub_len : o->chunk;

        iov[0].iov_base = (void *)(uintptr_t)o->hdrs;
        iov[0].iov_len = o->hdr_len;
        if (sl == 0)
            return 1;
        iov[1].iov_base = (void *)(uintptr_t)o->stub;
        iov[1].iov_len = sl;
        return 2;
    }
    if (fsz == 0)
        return 0;
    i = off / fsz;
    in = off % fsz;
    for (; i < o->nfrag && n < max; i++, in = 0) {
        size_t s0 = i * o->chunk;
        size_t sl = s0 >= o->stub_len ? 0 :
                    o->stub_len - s0 < o->chunk ? o->stub_len - s0 : o->chunk;

        if (in < o->hdr_len) {
            iov[n].iov_base = (void *)(uintptr_t)(o->hdrs + i * o->hdr_len + in);
            iov[n].iov_len = o->hdr_len - in;
            n++;
            in = o->hdr_len;
        }
        if (in - o->hdr_len < sl && n < max) {
            struct iovec t[3];
            int k = rpc_stub_iov(o->stub, &o->ext, s0 + (in - o->hdr_len),
                                 sl - (in - o->hdr_len), t);

            /* The pieces are consecutive: as many as fit. */
            for (int j = 0; j < k && n < max; j++)
                iov[n++] = t[j];
        }
    }
    return n;
}

void
rpc_stub_ext_from(const struct rpc_stub_ext *ext, size_t at, struct rpc_stub_ext *out)
{
    out->p = NULL;
    out->off = out->len = 0;
    if (ext == NULL || ext->p == NULL || ext->len == 0 || at >= ext->off + ext->len)
        return;
    if (at <= ext->off) {
        out->p = ext->p;
        out->off = ext->off - at;
        out->len = ext->len;
    } else {
        out->p = ext->p + (at - ext->off);
        out->len = ext->len - (at - ext->off);
    }
}

void
rpc_frag_copy(const struct rpc_frag_out *o, size_t off, uint8_t *buf,
              size_t n, int to_stream)
{
    while (n > 0) {
        struct iovec iov[8];
        int k = rpc_frag_iov(o, off, iov, 8);

        if (k <= 0)
            return;
        for (int i = 0; i < k && n > 0; i++) {
            size_t m = iov[i].iov_len < n ? iov[i].iov_len : n;

            if (to_stream)
                memcpy(iov[i].iov_base, buf, m);
            else
                memcpy(buf, iov[i].iov_base, m);
            buf += m;
            off += m;
            n -= m;
        }
    }
}
