/*
 * libserver/srv_conn.c -- the per-connection state machine (C706 12.6,
 * MS-RPCE 3.3.1.5), run by the I/O thread.
 *
 * A connection starts unbound.  The first PDU must be a bind: anything
 * else, or a malformed bind, is answered with bind_nak and the connection
 * is closed (C706 12.6.4.5; Windows and Samba do the same).  One bind per
 * connection: a second gets bind_nak and a close (Windows' behaviour, see
 * Samba's raw_protocol tests).  Once bound: alter_context adds contexts,
 * requests carry calls, co_cancel and orphaned reach calls in progress,
 * auth3 is ignored (no authentication is negotiated), and any other PDU a
 * client has no business sending is a protocol error: a fault with
 * nca_s_proto_error, then a close.  A violation only ever ends the one
 * connection it came on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libserver/srv.h"

struct srv_conn *
srv_conn_new(struct srv_endpoint *ep, const char *peer)
{
    struct srv_conn *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->refs = 1;
    c->ep = ep;
    c->fd = -1;
    rpcrt_mutex_init(&c->wlock);
    c->max_xmit = c->max_recv = SRV_MIN_FRAG;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    return c;
}

void
srv_conn_ref(struct srv_conn *c)
{
    c->refs++;
}

void
srv_conn_unref(struct srv_conn *c)
{
    if (--c->refs > 0)
        return;
    /* The socket is closed and no call of the connection runs any more:
     * what the application keeps per connection (context handles, C706
     * 5.1.6's rundown) can go now, with no call left to use it. */
    if (c->info.id != 0)
        srv_conn_closed_notify(c->info.id);
    srv_if_unref(c->if_cache);
    free(c->ctx);
    free(c->in);
    free(c);
}

void
srv_conn_teardown(struct srv_conn *c)
{
    /* C706 12.4: calls in progress on a lost connection are orphaned;
     * their routines run on and their answers are dropped. */
    for (struct srv_call *k = c->calls; k != NULL; k = k->cnext)
        srv_cancel_orphan_call(k);
    if (c->frag != NULL) {
        srv_call_free(c->frag);
        c->frag = NULL;
    }
    srv_assoc_leave(c);
}

int
srv_fault_encode(uint32_t call_id, uint16_t cont_id, uint32_t status,
                 uint8_t flags, uint8_t cancel_count, uint8_t **out, size_t *len)
{
    struct ndr_cursor w;
    struct rpc_pdu p;
    int r;

    rpc_pdu_init(&p, PTYPE_FAULT, call_id);
    p.hdr.pfc_flags |= flags;
    /* Windows puts the fault's own length in alloc_hint (test vector V8);
     * C706 12.6.4.7 only asks for a hint. */
    p.u.fault.alloc_hint = RPC_FAULT_HDR_LEN;
    p.u.fault.cont_id = cont_id;
    p.u.fault.cancel_count = cancel_count;
    p.u.fault.status = status;
    if ((r = ndr_init_write(&w, RPC_FAULT_HDR_LEN, DREP_LE)) != 0)
        return r;
    if ((r = rpc_pdu_encode(&p, &w)) != 0) {
        ndr_cursor_free(&w);
        return r;
    }
    *out = ndr_steal(&w, len);
    return 0;
}

void
srv_conn_fault(struct srv_conn *c, uint32_t call_id, uint16_t cont_id,
               uint32_t status, uint8_t flags, int close)
{
    uint8_t *buf;
    size_t len;

    if (srv_fault_encode(call_id, cont_id, status, flags, 0, &buf, &len) == 0)
        srv_io_write(c, buf, len);
    if (close)
        srv_io_close(c, 1);
}

void
srv_conn_bind_nak(struct srv_conn *c, uint32_t call_id, uint16_t reason)
{
    /* C706 12.6.4.5: the versions we speak, 5.0 (test vector V9). */
    static const struct rpc_version versions[1] = {{RPC_C_VERS, RPC_C_VERS_MINOR}};
    struct ndr_cursor w;
    struct rpc_pdu p;

    rpc_pdu_init(&p, PTYPE_BIND_NAK, call_id);
    p.u.bind_nak.reason = reason;
    p.u.bind_nak.n_versions = 1;
    p.u.bind_nak.versions = versions;
    if (ndr_init_write(&w, 32, DREP_LE) == 0) {
        if (rpc_pdu_encode(&p, &w) == 0) {
            size_t len;
            uint8_t *buf = ndr_steal(&w, &len);
            srv_io_write(c, buf, len);
        }
        ndr_cursor_free(&w);
    }
    srv_io_close(c, 1);
}

/* A PDU that does not parse.  Before the bind: bind_nak (reason
 * protocol_version_not_supported for a version we do not speak, as C706
 * 12.6.4.5 asks); after: fault nca_s_proto_error; a close either way. */
static void
malformed(struct srv_conn *c, const uint8_t *buf, size_t len, int err)
{
    struct rpc_hdr h;
    int have_hdr = rpc_hdr_decode(buf, len, &h) == 0;

    srv_log(RPCRT_LOG_NOTICE, "%s: malformed PDU (%s), closing", c->peer,
            proto_strerror(err));
    if (!c->bound)
        srv_conn_bind_nak(c, have_hdr ? h.call_id : 0,
                          err == PROTO_E_VERSION ?
                          BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED :
                          BIND_NAK_REASON_NOT_SPECIFIED);
    else
        srv_conn_fault(c, have_hdr ? h.call_id : 0, 0, NCA_S_PROTO_ERROR,
                       PFC_DID_NOT_EXECUTE, 1);
}

void
srv_conn_pdu(struct srv_conn *c, const uint8_t *buf, size_t len)
{
    struct rpc_pdu p;
    int r;

    if ((r = rpc_pdu_parse(buf, len, &p)) != 0) {
        malformed(c, buf, len, r);
        return;
    }
    if (!c->bound) {
        if (p.hdr.ptype == PTYPE_BIND)
            srv_assoc_bind(c, &p);
        else
            srv_conn_bind_nak(c, p.hdr.call_id, BIND_NAK_REASON_NOT_SPECIFIED);
        rpc_pdu_clear(&p);
        return;
    }
    switch (p.hdr.ptype) {
    case PTYPE_BIND:
        /* One bind per connection. */
        srv_conn_bind_nak(c, p.hdr.call_id, BIND_NAK_REASON_NOT_SPECIFIED);
        break;
    case PTYPE_ALTER_CONTEXT:
        srv_assoc_alter(c, &p);
        break;
    case PTYPE_REQUEST:
        srv_call_request(c, &p);
        break;
    case PTYPE_CO_CANCEL:
        srv_cancel_co_cancel(c, p.hdr.call_id);
        break;
    case PTYPE_ORPHANED:
        srv_cancel_orphaned(c, p.hdr.call_id);
        break;
    case PTYPE_AUTH3:
        /* MS-RPCE 2.2.2.10: the third leg of an authentication we never
         * started; it has no answer. */
        break;
    default:
        /* Server-to-client PDUs (response, fault, bind_ack, bind_nak,
         * alter_context_resp, shutdown) from a client. */
        srv_log(RPCRT_LOG_NOTICE, "%s: unexpected %s PDU, closing", c->peer,
                rpc_ptype_name(p.hdr.ptype));
        srv_conn_fault(c, p.hdr.call_id, 0, NCA_S_PROTO_ERROR,
                       PFC_DID_NOT_EXECUTE, 1);
        break;
    }
    rpc_pdu_clear(&p);
}
