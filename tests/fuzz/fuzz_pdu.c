/*
 * tests/fuzz/fuzz_pdu.c -- fuzz target for the PDU codec (proto/pdu.c).
 *
 * The input is one fragment as a peer would send it.  The target checks
 * what the codec promises a server reading from the network:
 *
 *  - rpc_peek_frag_length reads any 16 bytes and refuses fewer;
 *  - rpc_pdu_decode / rpc_pdu_parse return 0 or a PROTO_E_* code, and
 *    every pointer they hand out borrows from the input, inside it;
 *  - what parses re-encodes, the encoding parses again to the same fields,
 *    and encoding those gives the same bytes (the codec is a fixed point
 *    after one trip, so a relay or a test never sees a PDU drift);
 *  - encoding into a buffer one byte too small fails cleanly;
 *  - rpc_pdu_parse answers as rpc_pdu_decode + rpc_pdu_verify do (its
 *    fast path for request and response fragments included): the same
 *    status, and the same fields when both accept.
 *
 * Any violation abort()s: libFuzzer keeps the input as a crash artifact.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

/* Every pointer the decoder returns lies inside buf[0..len). */
static void
check_borrowed(const struct rpc_pdu *p, const uint8_t *buf, size_t len)
{
    switch (p->hdr.ptype) {
    case PTYPE_REQUEST:
        FUZZ_CHECK(fuzz_inside(buf, len, p->u.request.stub,
                               p->u.request.stub_len));
        break;
    case PTYPE_RESPONSE:
        FUZZ_CHECK(fuzz_inside(buf, len, p->u.response.stub,
                               p->u.response.stub_len));
        break;
    case PTYPE_FAULT:
        FUZZ_CHECK(fuzz_inside(buf, len, p->u.fault.stub,
                               p->u.fault.stub_len));
        break;
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP:
        FUZZ_CHECK(fuzz_inside(buf, len, p->u.bind_ack.sec_addr,
                               p->u.bind_ack.sec_addr_len));
        FUZZ_CHECK(p->u.bind_ack.n_results == 0 ||
                   p->u.bind_ack.results != NULL);
        break;
    case PTYPE_BIND_NAK:
        FUZZ_CHECK(fuzz_inside(buf, len, p->u.bind_nak.extra,
                               p->u.bind_nak.extra_len));
        break;
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT:
        FUZZ_CHECK(p->u.bind.n_ctx == 0 || p->u.bind.ctx != NULL);
        for (unsigned i = 0; i < p->u.bind.n_ctx; i++)
            FUZZ_CHECK(p->u.bind.ctx[i].n_xfer == 0 ||
                       p->u.bind.ctx[i].xfer != NULL);
        break;
    default:
        break;
    }
    FUZZ_CHECK(p->has_auth == (p->hdr.auth_length != 0));
    if (p->has_auth) {
        FUZZ_CHECK(p->auth.value_len == p->hdr.auth_length);
        FUZZ_CHECK(fuzz_inside(buf, len, p->auth.value, p->auth.value_len));
        /* C706 13.2.6.1: the auth value ends the fragment. */
        FUZZ_CHECK(p->auth.value + p->auth.value_len == buf + len);
    }
}

static int
bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int
syntax_equal(const RPC_SYNTAX_IDENTIFIER *a, const RPC_SYNTAX_IDENTIFIER *b)
{
    return rpc_syntax_equal(a, b) != 0;
}

/* a (encoded) and b (its re-decoding) carry the same fields. */
static void
compare_pdu(const struct rpc_pdu *a, const struct rpc_pdu *b)
{
    const struct rpc_hdr *x = &a->hdr, *y = &b->hdr;

    FUZZ_CHECK(x->rpc_vers == y->rpc_vers);
    FUZZ_CHECK(x->rpc_vers_minor == y->rpc_vers_minor);
    FUZZ_CHECK(x->ptype == y->ptype);
    FUZZ_CHECK(x->pfc_flags == y->pfc_flags);
    FUZZ_CHECK(memcmp(x->drep, y->drep, 4) == 0);
    FUZZ_CHECK(x->frag_length == y->frag_length);
    FUZZ_CHECK(x->auth_length == y->auth_length);
    FUZZ_CHECK(x->call_id == y->call_id);

    FUZZ_CHECK(a->has_auth == b->has_auth);
    if (a->has_auth) {
        FUZZ_CHECK(a->auth.type == b->auth.type);
        FUZZ_CHECK(a->auth.level == b->auth.level);
        FUZZ_CHECK(a->auth.pad_length == b->auth.pad_length);
        FUZZ_CHECK(a->auth.reserved == b->auth.reserved);
        FUZZ_CHECK(a->auth.context_id == b->auth.context_id);
        FUZZ_CHECK(bytes_equal(a->auth.value, a->auth.value_len,
                               b->auth.value, b->auth.value_len));
    }

    switch (x->ptype) {
    case PTYPE_REQUEST: {
        const struct rpc_request *m = &a->u.request, *n = &b->u.request;
        FUZZ_CHECK(m->alloc_hint == n->alloc_hint);
        FUZZ_CHECK(m->cont_id == n->cont_id);
        FUZZ_CHECK(m->opnum == n->opnum);
        if (x->pfc_flags & PFC_OBJECT_UUID)
            FUZZ_CHECK(proto_uuid_equal(&m->object, &n->object));
        FUZZ_CHECK(bytes_equal(m->stub, m->stub_len, n->stub, n->stub_len));
        break;
    }
    case PTYPE_RESPONSE: {
        const struct rpc_response *m = &a->u.response, *n = &b->u.response;
        FUZZ_CHECK(m->alloc_hint == n->alloc_hint);
        FUZZ_CHECK(m->cont_id == n->cont_id);
        FUZZ_CHECK(m->cancel_count == n->cancel_count);
        FUZZ_CHECK(m->reserved == n->reserved);
        FUZZ_CHECK(bytes_equal(m->stub, m->stub_len, n->stub, n->stub_len));
        break;
    }
    case PTYPE_FAULT: {
        const struct rpc_fault *m = &a->u.fault, *n = &b->u.fault;
        FUZZ_CHECK(m->alloc_hint == n->alloc_hint);
        FUZZ_CHECK(m->cont_id == n->cont_id);
        FUZZ_CHECK(m->cancel_count == n->cancel_count);
        FUZZ_CHECK(m->reserved == n->reserved);
        FUZZ_CHECK(m->status == n->status);
        FUZZ_CHECK(m->reserved2 == n->reserved2);
        FUZZ_CHECK(bytes_equal(m->stub, m->stub_len, n->stub, n->stub_len));
        break;
    }
    case PTYPE_BIND:
    case PTYPE_ALTER_CONTEXT: {
        const struct rpc_bind *m = &a->u.bind, *n = &b->u.bind;
        FUZZ_CHECK(m->max_xmit_frag == n->max_xmit_frag);
        FUZZ_CHECK(m->max_recv_frag == n->max_recv_frag);
        FUZZ_CHECK(m->assoc_group_id == n->assoc_group_id);
        FUZZ_CHECK(m->n_ctx == n->n_ctx);
        for (unsigned i = 0; i < m->n_ctx; i++) {
            const struct rpc_ctx_elem *e = &m->ctx[i], *f = &n->ctx[i];
            FUZZ_CHECK(e->cont_id == f->cont_id);
            FUZZ_CHECK(e->n_xfer == f->n_xfer);
            FUZZ_CHECK(e->reserved == f->reserved);
            FUZZ_CHECK(syntax_equal(&e->abstract, &f->abstract));
            for (unsigned j = 0; j < e->n_xfer; j++)
                FUZZ_CHECK(syntax_equal(&e->xfer[j], &f->xfer[j]));
        }
        break;
    }
    case PTYPE_BIND_ACK:
    case PTYPE_ALTER_CONTEXT_RESP: {
        const struct rpc_bind_ack *m = &a->u.bind_ack, *n = &b->u.bind_ack;
        FUZZ_CHECK(m->max_xmit_frag == n->max_xmit_frag);
        FUZZ_CHECK(m->max_recv_frag == n->max_recv_frag);
        FUZZ_CHECK(m->assoc_group_id == n->assoc_group_id);
        FUZZ_CHECK(bytes_equal(m->sec_addr, m->sec_addr_len, n->sec_addr,
                               n->sec_addr_len));
        FUZZ_CHECK(m->n_results == n->n_results);
        for (unsigned i = 0; i < m->n_results; i++) {
            const struct rpc_result *e = &m->results[i], *f = &n->results[i];
            FUZZ_CHECK(e->result == f->result);
            FUZZ_CHECK(e->reason == f->reason);
            FUZZ_CHECK(syntax_equal(&e->xfer, &f->xfer));
        }
        break;
    }
    case PTYPE_BIND_NAK: {
        const struct rpc_bind_nak *m = &a->u.bind_nak, *n = &b->u.bind_nak;
        FUZZ_CHECK(m->reason == n->reason);
        FUZZ_CHECK(m->n_versions == n->n_versions);
        FUZZ_CHECK(memcmp(m->versions, n->versions,
                          (size_t)m->n_versions * 2) == 0);
        FUZZ_CHECK(bytes_equal(m->extra, m->extra_len, n->extra,
                               n->extra_len));
        break;
    }
    case PTYPE_AUTH3:
        FUZZ_CHECK(a->u.auth3.pad == b->u.auth3.pad);
        break;
    default:
        break;
    }
}

/* Encodes p into a fresh growing cursor; the caller frees *out. */
static uint8_t *
encode(struct rpc_pdu *p, size_t *len)
{
    struct ndr_cursor w;
    int r;

    FUZZ_CHECK(ndr_init_write(&w, 0, DREP_LE) == 0);
    r = rpc_pdu_encode(p, &w);
    /* What parsed is a valid PDU: the encoder must take it back. */
    FUZZ_CHECK(r == 0);
    FUZZ_CHECK(w.len == p->hdr.frag_length && w.off == w.len);
    return ndr_steal(&w, len);
}

/* Encoding at an odd offset and into too small a buffer. */
static void
check_encode_edges(struct rpc_pdu *p, const uint8_t *want, size_t wlen)
{
    struct ndr_cursor w;
    uint8_t *fixed;

    /* Alignment is relative to the PDU, not to the cursor (C706
     * 12.6.2): a PDU appended after one byte is the same bytes. */
    FUZZ_CHECK(ndr_init_write(&w, 0, DREP_BE) == 0);
    FUZZ_CHECK(ndr_put_u8(&w, 0xee) == 0);
    FUZZ_CHECK(rpc_pdu_encode(p, &w) == 0);
    FUZZ_CHECK(w.len == wlen + 1 && w.data[0] == 0xee);
    FUZZ_CHECK(memcmp(w.data + 1, want, wlen) == 0);
    ndr_cursor_free(&w);

    /* One byte short: PROTO_E_RANGE, nothing written past the end (the
     * buffer is exactly sized, ASan watches) and nothing committed. */
    FUZZ_CHECK((fixed = malloc(wlen - 1)) != NULL);
    ndr_init_write_fixed(&w, fixed, wlen - 1, DREP_LE);
    FUZZ_CHECK(rpc_pdu_encode(p, &w) == PROTO_E_RANGE);
    FUZZ_CHECK(w.len == 0 && w.off == 0);
    free(fixed);
    FUZZ_CHECK((fixed = malloc(wlen)) != NULL);
    ndr_init_write_fixed(&w, fixed, wlen, DREP_LE);
    FUZZ_CHECK(rpc_pdu_encode(p, &w) == 0);
    FUZZ_CHECK(w.len == wlen && memcmp(fixed, want, wlen) == 0);
    free(fixed);
}

static void
check_roundtrip(struct rpc_pdu *p)
{
    struct rpc_pdu q;
    uint8_t *e1, *e2;
    size_t l1 = 0, l2 = 0;

    e1 = encode(p, &l1);
    FUZZ_CHECK(e1 != NULL && l1 >= RPC_HDR_LEN);
    FUZZ_CHECK(rpc_pdu_parse(e1, l1, &q) == 0);
    check_borrowed(&q, e1, l1);
    compare_pdu(p, &q);
    e2 = encode(&q, &l2);
    FUZZ_CHECK(bytes_equal(e1, l1, e2, l2));
    check_encode_edges(&q, e1, l1);
    rpc_pdu_clear(&q);
    free(e1);
    free(e2);
}

int
FUZZ_ENTRY(pdu)(const uint8_t *data, size_t size)
{
    struct rpc_pdu p;
    struct rpc_hdr h;
    uint16_t fl = 0;
    int r, peek;

    if (size > FUZZ_PDU_MAX)
        return 0;

    /* Framing: the transport peeks at 16 bytes before it has a PDU; with
     * an integer representation other than big/little-endian there is no
     * length to read (C706 14.1). */
    peek = rpc_peek_frag_length(data, size, &fl);
    if (size < RPC_HDR_LEN) {
        FUZZ_CHECK(peek == PROTO_E_SHORT);
    } else if ((data[4] & DREP_INT_MASK) != DREP_LE &&
               (data[4] & DREP_INT_MASK) != DREP_BE) {
        FUZZ_CHECK(peek == PROTO_E_DREP);
    } else {
        FUZZ_CHECK(peek == 0);
        FUZZ_CHECK(rpc_hdr_decode(data, size, &h) == 0);
        FUZZ_CHECK(h.frag_length == fl);
    }

    /* decode alone: a transport hands it a buffer that may hold more
     * than one fragment; only the first frag_length bytes may be used. */
    r = rpc_pdu_decode(data, size, &p);
    FUZZ_CHECK(FUZZ_PROTO_RC(r));
    if (peek != 0)
        FUZZ_CHECK(r != 0);
    if (r == 0) {
        FUZZ_CHECK(fl >= RPC_HDR_LEN && fl <= size);
        check_borrowed(&p, data, fl);
        FUZZ_CHECK(FUZZ_PROTO_RC(rpc_pdu_verify(&p, fl)));
    }
    rpc_pdu_clear(&p);

    r = rpc_pdu_parse(data, size, &p);
    FUZZ_CHECK(FUZZ_PROTO_RC(r));
    if (size < RPC_HDR_LEN)
        FUZZ_CHECK(r == PROTO_E_SHORT);
    else if (peek != 0 || fl != size)
        FUZZ_CHECK(r != 0);
    {
        /* Before the round trip, which re-encodes p (and sets its
         * lengths). */
        struct rpc_pdu g;
        int rg = rpc_pdu_decode(data, size, &g);

        if (rg == 0 && (rg = rpc_pdu_verify(&g, size)) != 0)
            rpc_pdu_clear(&g);
        FUZZ_CHECK(rg == r);
        if (r == 0)
            compare_pdu(&p, &g);
        if (rg == 0)
            rpc_pdu_clear(&g);
    }
    if (r == 0) {
        check_borrowed(&p, data, size);
        check_roundtrip(&p);
    }
    rpc_pdu_clear(&p);
    return 0;
}
