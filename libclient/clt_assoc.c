/*
 * libclient/clt_assoc.c -- associations (C706 12.4): the pool of
 * connections of one binding, binding presentation contexts on them.
 *
 * Every connection of an association binds with the association group id
 * the first bind_ack returned, so the server sees one group.  A bind
 * offers NDR 2.0 for the interface and, in a second context, bind time
 * feature negotiation (MS-RPCE 3.3.1.5.3) asking for
 * keep-connection-on-orphan.  A connection that lacks a context for the
 * interface of a call gets it with alter_context.
 */
#include <stdlib.h>
#include <string.h>

#include "libclient/clt.h"

/* How long a bind or alter_context may go unanswered. */
#define CLT_BIND_TIMEOUT_MS 30000

void
clt_assoc_ref(struct clt_assoc *a)
{
    atomic_fetch_add(&a->refs, 1);
}

void
clt_assoc_unref(struct clt_assoc *a)
{
    struct clt_conn *c, *n;

    if (a == NULL || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    for (c = a->idle; c != NULL; c = n) {
        n = c->next;
        clt_conn_close(c);
    }
    free(a->netaddr);
    free(a->endpoint);
    free(a);
}

static const struct clt_ctx *
find_ctx(const struct clt_conn *c, const RPC_SYNTAX_IDENTIFIER *iface)
{
    for (unsigned i = 0; i < c->n_ctx; i++)
        if (rpc_syntax_equal(&c->ctx[i].iface, iface))
            return &c->ctx[i];
    return NULL;
}

static int
add_ctx(struct clt_conn *c, const RPC_SYNTAX_IDENTIFIER *iface, uint16_t id)
{
    if (c->n_ctx == c->cap_ctx) {
        unsigned n = c->cap_ctx ? c->cap_ctx * 2 : 4;
        struct clt_ctx *nc = realloc(c->ctx, n * sizeof(*nc));
        if (nc == NULL)
            return -1;
        c->ctx = nc;
        c->cap_ctx = n;
    }
    c->ctx[c->n_ctx].iface = *iface;
    c->ctx[c->n_ctx].cont_id = id;
    c->n_ctx++;
    return 0;
}

/* C706 12.6.3.6 reasons -> the status a Windows client reports. */
static RPC_STATUS
nak_status(uint16_t reason)
{
    switch (reason) {
    case BIND_NAK_TEMPORARY_CONGESTION:
    case BIND_NAK_LOCAL_LIMIT_EXCEEDED:
        return RPC_S_SERVER_TOO_BUSY;
    case BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED:
        return RPC_S_PROTOCOL_ERROR;
    case BIND_NAK_AUTH_TYPE_NOT_RECOGNIZED:
        return RPC_S_UNKNOWN_AUTHN_SERVICE;
    case BIND_NAK_INVALID_CHECKSUM:
        return RPC_S_ACCESS_DENIED;
    default:
        return RPC_S_CALL_FAILED_DNE;
    }
}

static RPC_STATUS
ctx_status(const struct rpc_result *r)
{
    if (r->result == P_CONT_ACCEPTANCE)
        return RPC_S_OK;
    if (r->reason == P_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED)
        return RPC_S_UNKNOWN_IF;
    if (r->reason == P_REASON_PROPOSED_TS_NOT_SUPPORTED)
        return RPC_S_UNSUPPORTED_TRANS_SYN;
    return RPC_S_CALL_FAILED_DNE;
}

/* Sends a bind (alter 0) or alter_context (alter 1) for iface on c and
 * reads the answer. */
/* negotiate's bind_nak for an association group the server has
 * forgotten (the group is reset): bind again.  Never returned further. */
#define RPC_S_CALL_FAILED_DNE_GROUP (-1727)

static RPC_STATUS
negotiate(struct clt_assoc *a, struct clt_conn *c, struct clt_cancel *cc,
          const RPC_SYNTAX_IDENTIFIER *iface, int alter, uint16_t *cont_id)
{
    struct rpc_pdu p, r;
    struct rpc_ctx_elem ctx[2];
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax, btfn;
    clt_deadline dl;
    uint32_t call_id = atomic_fetch_add(&a->next_call_id, 1);
    uint16_t id = c->next_cont_id;
    RPC_STATUS st;
    size_t len;

    rpc_pdu_init(&p, alter ? PTYPE_ALTER_CONTEXT : PTYPE_BIND, call_id);
    memset(ctx, 0, sizeof(ctx));
    ctx[0].cont_id = id;
    ctx[0].n_xfer = 1;
    ctx[0].abstract = *iface;
    ctx[0].xfer = &ndr;
    p.u.bind.n_ctx = 1;
    if (!alter) {
        rpc_btfn_syntax(BTFN_KEEP_CONNECTION_ON_ORPHAN, &btfn);
        ctx[1] = ctx[0];
        ctx[1].cont_id = (uint16_t)(id + 1);
        ctx[1].xfer = &btfn;
        p.u.bind.n_ctx = 2;
    }
    p.u.bind.ctx = ctx;
    p.u.bind.max_xmit_frag = a->max_frag;
    p.u.bind.max_recv_frag = a->max_frag;
    rpcrt_mutex_lock(&a->lock);
    p.u.bind.assoc_group_id = a->assoc_group_id;
    rpcrt_mutex_unlock(&a->lock);

    clt_deadline_in_ms(&dl, CLT_BIND_TIMEOUT_MS);
    if (clt_conn_send_pdu(c, &p, &dl) != 0)
        return RPC_S_SERVER_UNAVAILABLE;
    for (;;) {
        clt_deadline w;

        /* A cancel whose timeout runs out before the server answers ends
         * the call here: nothing of it was sent. */
        clt_cancel_deadline(cc, &dl, &w);
        switch (clt_conn_recv_pdu(c, cc->ts->wake_fd, &w, &len)) {
        case CLT_PDU:
            break;
        case CLT_WOKEN:
            clt_cancel_poll(cc);
            continue;
        case CLT_TIMEOUT:
            c->broken = 1;
            return clt_cancel_expired(cc) ? RPC_S_CALL_CANCELLED
                                          : RPC_S_SERVER_UNAVAILABLE;
        default:
            return alter ? RPC_S_CALL_FAILED_DNE : RPC_S_SERVER_UNAVAILABLE;
        }
        break;
    }
    if (rpc_pdu_parse(clt_conn_pdu(c), len, &r) != 0) {
        clt_conn_consume(c, len);
        return RPC_S_PROTOCOL_ERROR;
    }
    clt_conn_consume(c, len);
    if (r.hdr.call_id != call_id) {
        st = RPC_S_PROTOCOL_ERROR;
    } else if (r.hdr.ptype == PTYPE_BIND_NAK && !alter) {
        st = nak_status(r.u.bind_nak.reason);
        if (st == RPC_S_CALL_FAILED_DNE && p.u.bind.assoc_group_id != 0) {
            /* The server no longer knows our association group: it ends
             * with its last connection (MS-RPCE 3.3.1.5.2.2), e.g. after a
             * cancel let the connection go.  Forget it; the caller binds
             * again in a new group. */
            rpcrt_mutex_lock(&a->lock);
            if (a->assoc_group_id == p.u.bind.assoc_group_id)
                a->assoc_group_id = 0;
            rpcrt_mutex_unlock(&a->lock);
            st = RPC_S_CALL_FAILED_DNE_GROUP;
        }
    } else if (r.hdr.ptype == PTYPE_FAULT && alter) {
        st = proto_status_from_nca(r.u.fault.status);
    } else if (r.hdr.ptype != (alter ? PTYPE_ALTER_CONTEXT_RESP : PTYPE_BIND_ACK) ||
               r.u.bind_ack.n_results < 1) {
        st = RPC_S_PROTOCOL_ERROR;
    } else if ((st = ctx_status(&r.u.bind_ack.results[0])) == RPC_S_OK) {
        if (!alter) {
            /* The server's receive size is our transmit size, and the
             * other way round (C706 12.6.3.1); a server may lower ours. */
            uint16_t x = r.u.bind_ack.max_recv_frag;
            c->max_xmit = x < a->max_frag ? x : a->max_frag;
            c->max_recv = r.u.bind_ack.max_xmit_frag > a->max_frag ?
                          r.u.bind_ack.max_xmit_frag : a->max_frag;
            if (c->max_xmit < RPC_REQUEST_HDR_LEN + 16 + 8)
                st = RPC_S_PROTOCOL_ERROR;
            if (r.u.bind_ack.n_results >= 2 &&
                r.u.bind_ack.results[1].result == P_CONT_NEGOTIATE_ACK)
                c->features = r.u.bind_ack.results[1].reason &
                              BTFN_KEEP_CONNECTION_ON_ORPHAN;
            rpcrt_mutex_lock(&a->lock);
            if (a->assoc_group_id == 0)
                a->assoc_group_id = r.u.bind_ack.assoc_group_id;
            rpcrt_mutex_unlock(&a->lock);
        }
        if (st == RPC_S_OK && add_ctx(c, iface, id) != 0)
            st = RPC_S_OUT_OF_MEMORY;
        if (st == RPC_S_OK)
            *cont_id = id;
    }
    c->next_cont_id = (uint16_t)(id + (alter ? 1 : 2));
    rpc_pdu_clear(&r);
    return st;
}

RPC_STATUS
clt_assoc_acquire(struct clt_assoc *a, struct clt_cancel *cc,
                  const RPC_SYNTAX_IDENTIFIER *iface, struct clt_conn **out,
                  uint16_t *cont_id)
{
    struct clt_conn *c = NULL, **pp, *stale = NULL;
    const struct clt_ctx *ctx;
    RPC_STATUS st;

    *out = NULL;
    /* Prefer an idle connection that already has the context. */
    rpcrt_mutex_lock(&a->lock);
    for (pp = &a->idle; *pp != NULL; pp = &(*pp)->next) {
        if (find_ctx(*pp, iface) != NULL) {
            c = *pp;
            *pp = c->next;
            a->n_idle--;
            break;
        }
    }
    if (c == NULL && a->idle != NULL) {
        c = a->idle;
        a->idle = c->next;
        a->n_idle--;
    }
    rpcrt_mutex_unlock(&a->lock);

    while (c != NULL && clt_conn_stale(c)) {
        /* The server closed it while idle: take the next one. */
        c->next = stale;
        stale = c;
        rpcrt_mutex_lock(&a->lock);
        if ((c = a->idle) != NULL) {
            a->idle = c->next;
            a->n_idle--;
        }
        rpcrt_mutex_unlock(&a->lock);
    }
    while (stale != NULL) {
        struct clt_conn *n = stale->next;
        clt_conn_close(stale);
        stale = n;
    }

    if (c != NULL) {
        c->next = NULL;
        if ((ctx = find_ctx(c, iface)) != NULL) {
            *cont_id = ctx->cont_id;
            *out = c;
            return RPC_S_OK;
        }
        if ((st = negotiate(a, c, cc, iface, 1, cont_id)) == RPC_S_OK) {
            *out = c;
            return RPC_S_OK;
        }
        clt_conn_close(c);
        return st;
    }

    for (int tries = 0;; tries++) {
        if ((st = clt_conn_open(a->protseq, a->netaddr, a->endpoint, cc, &c)) != RPC_S_OK)
            return st;
        if ((st = negotiate(a, c, cc, iface, 0, cont_id)) == RPC_S_OK)
            break;
        clt_conn_close(c);
        if (st != RPC_S_CALL_FAILED_DNE_GROUP)
            return st;
        if (tries > 0)
            return RPC_S_CALL_FAILED_DNE;
    }
    *out = c;
    return RPC_S_OK;
}

void
clt_assoc_release(struct clt_assoc *a, struct clt_conn *c)
{
    if (c == NULL)
        return;
    if (c->broken || c->rlen != 0) {
        clt_conn_close(c);
        return;
    }
    rpcrt_mutex_lock(&a->lock);
    if (a->n_idle < CLT_MAX_IDLE_CONNS) {
        c->next = a->idle;
        a->idle = c;
        a->n_idle++;
        c = NULL;
    }
    rpcrt_mutex_unlock(&a->lock);
    clt_conn_close(c);
}
