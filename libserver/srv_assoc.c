/*
 * libserver/srv_assoc.c -- bind and alter_context: association groups,
 * presentation contexts, fragment sizes and bind-time feature negotiation
 * (C706 12.6.4.3-12.6.4.4 and 12.6.3.1, MS-RPCE 3.3.1.5.2-3.3.1.5.6).
 * I/O thread only.
 *
 * Rules, with their sources:
 *  - assoc_group_id 0 makes a new group; a known id joins it; an unknown
 *    one is refused with bind_nak, reason not_specified (MS-RPCE
 *    3.3.1.5.2.2; Samba's dcesrv_bind against Windows).
 *  - Every presentation context gets its own result (C706 12.6.3.1
 *    p_result_list_t): acceptance with NDR 2.0 for a registered interface
 *    (same UUID and major version, minor <= the registered one);
 *    provider_rejection / abstract_syntax_not_supported for an unknown
 *    one; provider_rejection / proposed_transfer_syntaxes_not_supported
 *    when NDR 2.0 is not among the proposed transfer syntaxes (NDR64 is
 *    declined this way).  A rejected result carries the nil syntax, as
 *    Windows' do.
 *  - A context whose first transfer syntax is the bind-time feature
 *    negotiation UUID is answered negotiate_ack (3) with the features we
 *    support among those offered in reason (MS-RPCE 3.3.1.5.3): only
 *    keep-connection-on-orphan.  Security context multiplexing means
 *    nothing without authentication and is not claimed (Windows' answer in
 *    the btfn test vector is the same, 0x0002).  At most one such context.
 *  - A context with no transfer syntax, or re-using a context id for a
 *    different interface, is a protocol error: bind_nak on a bind, fault
 *    nca_s_proto_error and a close on an alter_context (Samba's
 *    raw_protocol tests record Windows doing both).
 *  - Fragment sizes: MIN(client's max_xmit_frag, max_recv_frag), at most
 *    our 5840, at least C706 12.6.3.1's 1432 (every implementation must
 *    accept fragments that large; Windows uses 2048 as its floor), rounded
 *    down to a multiple of 8; both directions use the one value, as
 *    Windows does.
 *  - The bind_ack goes out in one write (impacket reads it with a single
 *    recv); its secondary address is the port (ncacn_ip_tcp) or endpoint
 *    name (ncalrpc).  alter_context_resp has an empty one.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "libserver/srv.h"

#define SRV_FEATURES BTFN_KEEP_CONNECTION_ON_ORPHAN

/* ---- association groups ------------------------------------------------- */

static struct srv_assoc *
assoc_find(uint32_t id)
{
    for (struct srv_assoc *a = srv.assocs; a != NULL; a = a->next)
        if (a->id == id)
            return a;
    return NULL;
}

static struct srv_assoc *
assoc_new(void)
{
    struct srv_assoc *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    if (srv.next_assoc_id == 0) {
        /* Ids are not secrets (they travel in clear), but a fresh start per
         * process keeps a client of a restarted server from joining a
         * group that happens to have its old id. */
        uint32_t r = 0;
        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
            r = (uint32_t)(uintptr_t)a;
        srv.next_assoc_id = (r & 0x00ffffffu) | 0x10000u;
    }
    do {
        a->id = srv.next_assoc_id++;
    } while (a->id == 0 || assoc_find(a->id) != NULL);
    a->next = srv.assocs;
    srv.assocs = a;
    return a;
}

void
srv_assoc_leave(struct srv_conn *c)
{
    struct srv_assoc *a = c->assoc, **pp;

    if (a == NULL)
        return;
    c->assoc = NULL;
    if (--a->nconns > 0)
        return;
    for (pp = &srv.assocs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    }
    free(a);
}

/* ---- presentation contexts ---------------------------------------------- */

const struct srv_pctx *
srv_assoc_find_ctx(const struct srv_conn *c, uint16_t cont_id)
{
    for (unsigned i = 0; i < c->n_ctx; i++)
        if (c->ctx[i].cont_id == cont_id)
            return &c->ctx[i];
    return NULL;
}

static int
add_ctx(struct srv_conn *c, uint16_t cont_id, const RPC_SYNTAX_IDENTIFIER *abstract)
{
    if (c->n_ctx == c->cap_ctx) {
        unsigned n = c->cap_ctx ? c->cap_ctx * 2 : 4;
        struct srv_pctx *p = realloc(c->ctx, n * sizeof(*p));
        if (p == NULL)
            return -1;
        c->ctx = p;
        c->cap_ctx = n;
    }
    c->ctx[c->n_ctx].cont_id = cont_id;
    c->ctx[c->n_ctx].abstract = *abstract;
    c->n_ctx++;
    return 0;
}

/* Fills res[i] for every context of b.  -1 on a protocol error. */
static int
negotiate(struct srv_conn *c, const struct rpc_bind *b, struct rpc_result *res,
          int is_bind)
{
    int btfn_seen = 0;

    for (unsigned i = 0; i < b->n_ctx; i++) {
        const struct rpc_ctx_elem *e = &b->ctx[i];
        const struct srv_pctx *old;
        struct rpc_result *r = &res[i];
        struct srv_if *iface;
        uint16_t features;
        int ndr20 = 0;

        memset(r, 0, sizeof(*r));
        r->result = P_CONT_PROVIDER_REJECTION;
        r->reason = P_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED;
        if (e->n_xfer == 0)
            return -1;
        if (is_bind && rpc_btfn_match(&e->xfer[0], &features)) {
            if (btfn_seen++)
                return -1;
            r->result = P_CONT_NEGOTIATE_ACK;
            r->reason = features & SRV_FEATURES;
            c->features = r->reason;
            continue;
        }
        if ((iface = srv_if_find(&e->abstract)) == NULL)
            continue;
        srv_if_unref(iface);
        for (unsigned j = 0; j < e->n_xfer; j++)
            if (rpc_syntax_equal(&e->xfer[j], &rpc_ndr20_syntax))
                ndr20 = 1;
        old = srv_assoc_find_ctx(c, e->cont_id);
        if (old != NULL && !rpc_syntax_equal(&old->abstract, &e->abstract))
            return -1;
        if (!ndr20) {
            r->reason = P_REASON_PROPOSED_TS_NOT_SUPPORTED;
            continue;
        }
        if (old == NULL) {
            if (c->n_ctx >= SRV_MAX_CTX_PER_CONN ||
                add_ctx(c, e->cont_id, &e->abstract) != 0) {
                r->reason = P_REASON_LOCAL_LIMIT_EXCEEDED;
                continue;
            }
        }
        r->result = P_CONT_ACCEPTANCE;
        r->reason = P_REASON_NOT_SPECIFIED;
        r->xfer = rpc_ndr20_syntax;
    }
    return 0;
}

/* Encodes and writes bind_ack or alter_context_resp in one write. */
static int
send_ack(struct srv_conn *c, const struct rpc_pdu *req, uint8_t ptype,
         struct rpc_result *res, const char *sec_addr)
{
    struct ndr_cursor w;
    struct rpc_pdu p;
    size_t len;
    uint8_t *buf;
    int r;

    rpc_pdu_init(&p, ptype, req->hdr.call_id);
    if (c->conc_mpx)
        p.hdr.pfc_flags |= PFC_CONC_MPX;
    p.u.bind_ack.max_xmit_frag = c->max_xmit;
    p.u.bind_ack.max_recv_frag = c->max_recv;
    p.u.bind_ack.assoc_group_id = c->assoc->id;
    if (sec_addr != NULL) {
        /* port_any_t: the length counts the NUL (C706 12.6.3.1). */
        p.u.bind_ack.sec_addr_len = (uint16_t)(strlen(sec_addr) + 1);
        p.u.bind_ack.sec_addr = (const uint8_t *)sec_addr;
    }
    p.u.bind_ack.n_results = req->u.bind.n_ctx;
    p.u.bind_ack.results = res;
    if ((r = ndr_init_write(&w, 256, DREP_LE)) != 0)
        return r;
    if ((r = rpc_pdu_encode(&p, &w)) != 0) {
        ndr_cursor_free(&w);
        return r;
    }
    buf = ndr_steal(&w, &len);
    return srv_io_write(c, buf, len);
}

static uint16_t
negotiate_frag(const struct rpc_bind *b)
{
    unsigned n = b->max_xmit_frag < b->max_recv_frag ? b->max_xmit_frag
                                                     : b->max_recv_frag;

    if (n > SRV_MAX_FRAG)
        n = SRV_MAX_FRAG;
    if (n < SRV_MIN_FRAG)
        n = SRV_MIN_FRAG;
    return (uint16_t)(n & ~7u);
}

void
srv_assoc_bind(struct srv_conn *c, const struct rpc_pdu *p)
{
    const struct rpc_bind *b = &p->u.bind;
    struct rpc_result *res;
    struct srv_assoc *a;
    struct srv_options o;

    if (p->has_auth) {
        /* No security provider: MS-RPCE 3.3.1.5.2.1. */
        srv_conn_bind_nak(c, p->hdr.call_id, BIND_NAK_AUTH_TYPE_NOT_RECOGNIZED);
        return;
    }
    if (b->n_ctx == 0) {
        srv_conn_bind_nak(c, p->hdr.call_id, BIND_NAK_REASON_NOT_SPECIFIED);
        return;
    }
    if (b->assoc_group_id != 0) {
        if ((a = assoc_find(b->assoc_group_id)) == NULL) {
            srv_log(RPCRT_LOG_INFO, "%s: bind to unknown association group 0x%x",
                    c->peer, (unsigned)b->assoc_group_id);
            srv_conn_bind_nak(c, p->hdr.call_id, BIND_NAK_REASON_NOT_SPECIFIED);
            return;
        }
    } else if ((a = assoc_new()) == NULL) {
        srv_conn_bind_nak(c, p->hdr.call_id, BIND_NAK_LOCAL_LIMIT_EXCEEDED);
        return;
    }
    a->nconns++;
    c->assoc = a;
    c->max_xmit = c->max_recv = negotiate_frag(b);
    c->conc_mpx = (p->hdr.pfc_flags & PFC_CONC_MPX) != 0;

    if ((res = calloc(b->n_ctx, sizeof(*res))) == NULL) {
        srv_conn_bind_nak(c, p->hdr.call_id, BIND_NAK_LOCAL_LIMIT_EXCEEDED);
        return;
    }
    if (negotiate(c, b, res, 1) != 0) {
        free(res);
        srv_log(RPCRT_LOG_NOTICE, "%s: invalid presentation context list", c->peer);
        srv_conn_bind_nak(c, p->hdr.call_id, BIND_NAK_REASON_NOT_SPECIFIED);
        return;
    }
    if (send_ack(c, p, PTYPE_BIND_ACK, res, c->ep->endpoint) != 0) {
        free(res);
        srv_io_close(c, 0);
        return;
    }
    free(res);
    c->bound = 1;
    /* From now on the idle timeout applies instead of the bind timeout. */
    srv_options_get(&o);
    srv_io_set_read_timeout(c, o.idle_timeout);
}

void
srv_assoc_alter(struct srv_conn *c, const struct rpc_pdu *p)
{
    const struct rpc_bind *b = &p->u.bind;
    struct rpc_result *res;

    if (p->has_auth || b->n_ctx == 0) {
        srv_conn_fault(c, p->hdr.call_id, 0, NCA_S_PROTO_ERROR,
                       PFC_DID_NOT_EXECUTE, 1);
        return;
    }
    if ((res = calloc(b->n_ctx, sizeof(*res))) == NULL) {
        srv_conn_fault(c, p->hdr.call_id, 0,
                       proto_nca_from_status(RPC_S_OUT_OF_MEMORY),
                       PFC_DID_NOT_EXECUTE, 1);
        return;
    }
    if (negotiate(c, b, res, 0) != 0) {
        free(res);
        srv_conn_fault(c, p->hdr.call_id, 0, NCA_S_PROTO_ERROR,
                       PFC_DID_NOT_EXECUTE, 1);
        return;
    }
    if (send_ack(c, p, PTYPE_ALTER_CONTEXT_RESP, res, NULL) != 0)
        srv_io_close(c, 0);
    free(res);
}
