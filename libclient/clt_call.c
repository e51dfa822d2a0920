/*
 * libclient/clt_call.c -- the stub-level call: I_RpcGetBuffer,
 * I_RpcSendReceive, I_RpcFreeBuffer; RpcrtBufferSendFrom and
 * RpcrtBufferReceiveInto (rpcrt_ext.h).
 *
 * A call takes a connection from its binding's association, sends the
 * request in fragments of the negotiated size (C706 12.6.3.1: alloc_hint
 * is the stub bytes still to come), then reassembles the response.  It
 * runs on the caller's thread; RpcCancelThread wakes it through the
 * thread's eventfd, and the calling thread itself writes one co_cancel PDU
 * per cancel -- after the first request fragment, never as
 * PFC_PENDING_CANCEL on it (MS-RPCE 3.3.2.x: Windows servers reject
 * that) -- then waits at most the cancel timeout before it sends
 * orphaned and gives up with RPC_S_CALL_FAILED.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <rpcrt/rpcrt_ext.h>

#include "libclient/clt.h"

struct clt_call {
    struct clt_conn *c;
    struct clt_cancel cc;
    uint32_t call_id;
    int first_sent;          /* the first request fragment is on the wire */
    unsigned sent;           /* co_cancel PDUs written */
    struct clt_reply r;
    struct rpc_stub_ext from;    /* RpcrtBufferSendFrom's range */
};

/* ---- buffers ------------------------------------------------------------ */

RPC_EXPORT RPC_STATUS RPC_ENTRY
I_RpcGetBuffer(PRPC_MESSAGE Message)
{
    struct rpc_handle *h;
    RPC_STATUS st;

    if (Message == NULL)
        return RPC_S_INVALID_ARG;
    if ((h = I_RpcrtHandleGet(Message->Handle, RPC_HANDLE_ANY)) == NULL)
        return RPC_S_INVALID_BINDING;
    /* A new buffer, a new message: no range of an earlier one holds. */
    clt_ranges_drop(Message);
    st = h->ops->get_buffer != NULL ? h->ops->get_buffer(h, Message)
                                    : RPC_S_WRONG_KIND_OF_BINDING;
    if (st == RPC_S_OK && h->kind == RPC_HANDLE_CLIENT_BINDING &&
        clt_thread_self() != NULL)
        /* The send that follows (I_RpcSendReceive, I_RpcAsyncSend) finds
         * the binding without the registry; it, or I_RpcFreeBuffer when
         * no send comes, unpins it, or else the thread's end (its state,
         * which clt_thread_self makes sure of, goes with a destructor). */
        I_RpcrtHandlePinIfNone(h);
    I_RpcrtHandlePut(h);
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
I_RpcFreeBuffer(PRPC_MESSAGE Message)
{
    struct rpc_handle *h;
    RPC_STATUS st;

    if (Message == NULL)
        return RPC_S_INVALID_ARG;
    I_RpcrtHandleUnpinIf(Message->Handle);
    clt_ranges_drop(Message);
    if (Message->Buffer == NULL)
        return RPC_S_OK;
    if (Message->ReservedForRuntime == Message->Buffer) {
        /* A client buffer (binding_get_buffer, I_RpcSendReceive's reply):
         * plain memory of ours, whatever its handle; no lookup. */
        clt_buf_free(Message->Buffer);
        Message->Buffer = NULL;
        Message->ReservedForRuntime = NULL;
        return RPC_S_OK;
    }
    if ((h = I_RpcrtHandleGet(Message->Handle, RPC_HANDLE_ANY)) == NULL) {
        /* The buffer is ours whatever became of the handle. */
        clt_buf_free(Message->Buffer);
        Message->Buffer = NULL;
        return RPC_S_OK;
    }
    st = h->ops->free_buffer(h, Message);
    I_RpcrtHandlePut(h);
    return st;
}

/* ---- ranges sent from, or received into, the caller's memory -------------- */

static void
range_clear(struct clt_range *r)
{
    memset(r, 0, sizeof(*r));
}

void
clt_ranges_drop(const RPC_MESSAGE *msg)
{
    struct clt_thread *ts = clt_thread_peek();

    if (ts == NULL)
        return;
    if (ts->send_from.msg == msg)
        range_clear(&ts->send_from);
    if (ts->recv_into.msg == msg)
        range_clear(&ts->recv_into);
}

void
clt_ranges_take(const RPC_MESSAGE *msg, struct rpc_stub_ext *from,
                struct rpc_stub_ext *into)
{
    struct clt_thread *ts = clt_thread_peek();

    memset(from, 0, sizeof(*from));
    memset(into, 0, sizeof(*into));
    if (ts == NULL)
        return;
    if (ts->send_from.msg == msg) {
        /* Set on this buffer, and within what is sent of it (a stub may
         * shorten BufferLength after marshalling). */
        if (ts->send_from.buf == msg->Buffer && msg->Buffer != NULL &&
            ts->send_from.ext.off < msg->BufferLength) {
            *from = ts->send_from.ext;
            if (from->len > msg->BufferLength - from->off)
                from->len = msg->BufferLength - from->off;
        }
        range_clear(&ts->send_from);
    }
    if (ts->recv_into.msg == msg) {
        *into = ts->recv_into.ext;
        range_clear(&ts->recv_into);
    }
}

/* RpcrtBufferSendFrom / RpcrtBufferReceiveInto on a client binding's
 * message: kept for the message's next send from this thread. */
RPC_STATUS
clt_range_set(PRPC_MESSAGE msg, int into, size_t off, void *data, size_t len)
{
    struct clt_thread *ts = clt_thread_self();
    struct clt_range *r;

    if (ts == NULL)
        return RPC_S_OUT_OF_MEMORY;
    r = into ? &ts->recv_into : &ts->send_from;
    if (len == 0) {
        if (r->msg == msg)
            range_clear(r);
        return RPC_S_OK;
    }
    if (r->msg != NULL && r->msg != msg)
        /* Another message's, not sent yet: it stays (replacing it would
         * send that message's range from its unwritten buffer).  This
         * one's stub copies instead. */
        return RPC_S_INVALID_ARG;
    range_clear(r);
    if (!into && (msg->Buffer == NULL || off > msg->BufferLength ||
                  len > msg->BufferLength - off))
        return RPC_S_INVALID_ARG;
    r->msg = msg;
    r->buf = msg->Buffer;
    r->ext.p = data;
    r->ext.off = off;
    r->ext.len = len;
    return RPC_S_OK;
}

static RPC_STATUS
buffer_range(PRPC_MESSAGE msg, int into, unsigned int off, void *data,
             unsigned int len)
{
    struct rpc_handle *h;
    RPC_STATUS st;

    if (msg == NULL || (len > 0 && data == NULL) ||
        (uint64_t)off + len > UINT32_MAX)
        return RPC_S_INVALID_ARG;
    if ((h = I_RpcrtHandleGet(msg->Handle, RPC_HANDLE_ANY)) == NULL)
        return RPC_S_INVALID_BINDING;
    st = h->ops->buffer_range != NULL
         ? h->ops->buffer_range(h, msg, into, off, data, len)
         : RPC_S_WRONG_KIND_OF_BINDING;
    I_RpcrtHandlePut(h);
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcrtBufferSendFrom(PRPC_MESSAGE Message, unsigned int Offset, const void *Data,
                    unsigned int Length)
{
    return buffer_range(Message, 0, Offset, (void *)(uintptr_t)Data, Length);
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcrtBufferReceiveInto(PRPC_MESSAGE Message, unsigned int Offset, void *Data,
                       unsigned int Length)
{
    return buffer_range(Message, 1, Offset, Data, Length);
}

/* ---- cancellation -------------------------------------------------------- */

unsigned
clt_cancel_poll(struct clt_cancel *cc)
{
    long timeout;
    struct timespec since;
    unsigned n;

    /* No new cancel, the usual case: nothing to lock or drain. */
    if (clt_thread_cancels_peek(cc->ts) == cc->seen)
        return cc->seen;
    n = clt_thread_cancels(cc->ts, &timeout, &since);
    if (n > cc->seen) {
        if (cc->seen == 0) {
            /* The timer runs from the first cancel, which may have come
             * a moment before this thread looked (clt_thread_block_end). */
            cc->timeout = timeout;
            if (timeout >= 0) {
                cc->dl = since;
                cc->dl.tv_sec += timeout;
            }
        }
        cc->seen = n;
    }
    return cc->seen;
}

void
clt_cancel_deadline(const struct clt_cancel *cc, const clt_deadline *d,
                    clt_deadline *out)
{
    const clt_deadline *c = cc->seen > 0 && cc->timeout >= 0 ? &cc->dl : NULL;

    if (d == NULL || d->tv_sec < 0)
        d = NULL;
    if (c == NULL && d == NULL)
        clt_deadline_none(out);
    else if (c == NULL)
        *out = *d;
    else if (d == NULL)
        *out = *c;
    else
        *out = (c->tv_sec < d->tv_sec ||
                (c->tv_sec == d->tv_sec && c->tv_nsec < d->tv_nsec)) ? *c : *d;
}

int
clt_cancel_expired(const struct clt_cancel *cc)
{
    return cc->seen > 0 && cc->timeout >= 0 && clt_deadline_ms_left(&cc->dl) == 0;
}

static int
send_simple(struct clt_call *k, uint8_t ptype)
{
    /* A co_cancel or orphaned must not wait long behind a full socket: the
     * cancel deadline, or a few seconds. */
    int timer = k->cc.seen > 0 && k->cc.timeout >= 0 && !clt_cancel_expired(&k->cc);

    return clt_conn_send_simple(k->c, ptype, k->call_id, timer ? &k->cc.dl : NULL);
}

/* Notices new cancels and writes one co_cancel per cancel once the
 * request's first fragment has gone.  -1 when a write failed. */
static int
send_cancels(struct clt_call *k)
{
    clt_cancel_poll(&k->cc);
    while (k->first_sent && k->sent < k->cc.seen) {
        if (send_simple(k, PTYPE_CO_CANCEL) != 0)
            return -1;
        k->sent++;
    }
    return 0;
}

/* The cancel deadline passed: tell the server (orphaned, C706 12.6.4.11)
 * and let the connection go unless keep-connection-on-orphan was
 * negotiated (MS-RPCE 3.3.1.5.10) and nothing of the reply has come. */
static RPC_STATUS
orphan(struct clt_call *k)
{
    if (k->first_sent && send_simple(k, PTYPE_ORPHANED) != 0)
        k->c->broken = 1;
    if (!(k->c->features & BTFN_KEEP_CONNECTION_ON_ORPHAN) || k->r.started ||
        k->c->rlen != 0 || !k->first_sent)
        k->c->broken = 1;
    return RPC_S_CALL_FAILED;
}

/* ---- send ---------------------------------------------------------------- */

/* Request fragments go out in batches of this many, headers and stub
 * chunks in one writev: a 1 MiB request at 5840-byte fragments is 4
 * system calls, not 180. */
#define FRAGS_PER_WRITE (CLT_MAX_IOV / 2)

int
clt_write_request(struct clt_conn *c, uint32_t call_id, uint16_t cont_id,
                  const GUID *object, const RPC_MESSAGE *msg,
                  const struct rpc_stub_ext *from, clt_deadline *dl,
                  int (*between)(void *arg, clt_deadline *dl),
                  void *arg, int *first_sent)
{
    const uint8_t *stub = msg->Buffer;
    size_t total = msg->BufferLength, off = 0;
    int has_obj = object != NULL && !UuidIsNil((UUID *)(uintptr_t)object, NULL);
    size_t hdr_len = RPC_REQUEST_HDR_LEN + (has_obj ? 16 : 0);
    /* Stub data in a request fragment is a multiple of 8 bytes except in
     * the last one (MS-RPCE 3.3.1.5.2.x keeps NDR alignment across
     * fragments): round the chunk down. */
    size_t max_stub = (c->max_xmit - hdr_len) & ~(size_t)7;
    uint8_t hdrs[FRAGS_PER_WRITE][RPC_REQUEST_HDR_LEN + 16];
    struct iovec iov[CLT_MAX_IOV];

    do {
        int n = 0;

        /* A fragment takes at most 4 iovecs: its header, and its stub in
         * up to 3 pieces around from's range. */
        for (int f = 0; f < FRAGS_PER_WRITE && (f == 0 || off < total) &&
                        n + 4 <= CLT_MAX_IOV; f++) {
            size_t chunk = total - off < max_stub ? total - off : max_stub;
            uint8_t flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                      (off + chunk == total ? PFC_LAST_FRAG : 0) |
                                      (has_obj ? PFC_OBJECT_UUID : 0));

            rpc_request_hdr_put(hdrs[f], flags, HOST_DREP,
                                (uint16_t)(hdr_len + chunk), call_id,
                                (uint32_t)(total - off), cont_id,
                                (uint16_t)msg->ProcNum);
            if (has_obj) {
                struct ndr_cursor cur;

                ndr_init_write_fixed(&cur, hdrs[f] + RPC_REQUEST_HDR_LEN, 16,
                                     HOST_DREP);
                if (ndr_put_uuid(&cur, object) != 0) {
                    errno = EINVAL;
                    return -1;
                }
            }
            iov[n].iov_base = hdrs[f];
            iov[n].iov_len = hdr_len;
            n++;
            n += rpc_stub_iov(stub, from, off, chunk, iov + n);
            off += chunk;
        }
        if (clt_conn_writev(c, iov, n, dl) != 0)
            return -1;
        *first_sent = 1;
        if (between != NULL && between(arg, dl) != 0)
            return -2;
    } while (off < total);
    c->poll_first = 1;
    return 0;
}

/* Between batches of request fragments: the cancels that came meanwhile
 * go out, and the first of them starts the cancel timer for the rest. */
static int
cancels_between(void *arg, clt_deadline *dl)
{
    struct clt_call *k = arg;

    if (send_cancels(k) != 0)
        return -1;
    clt_cancel_deadline(&k->cc, NULL, dl);
    return 0;
}

static RPC_STATUS
send_request(struct clt_call *k, uint16_t cont_id, const GUID *object,
             const PRPC_MESSAGE msg)
{
    clt_deadline dl;
    int r;

    /* The deadline is the cancel timer's (none until a cancel comes). */
    clt_cancel_deadline(&k->cc, NULL, &dl);
    r = clt_write_request(k->c, k->call_id, cont_id, object, msg, &k->from, &dl,
                          cancels_between, k, &k->first_sent);
    if (r == 0)
        return RPC_S_OK;
    if (r == -1 && errno == EINVAL)
        return RPC_S_INTERNAL_ERROR;
    if (r == -1 && errno == ETIMEDOUT && k->cc.seen > 0)
        return orphan(k);
    k->c->broken = 1;
    return k->first_sent ? RPC_S_CALL_FAILED : RPC_S_CALL_FAILED_DNE;
}

/* ---- receive ------------------------------------------------------------- */

static int
append_reply(struct clt_reply *r, const uint8_t *p, size_t n, uint32_t hint)
{
    if (n > CLT_MAX_RESPONSE - r->len)
        return -1;
    if (r->len + n > r->cap) {
        size_t want = r->len + n, cap = r->cap ? r->cap : want;
        /* alloc_hint (the whole reply, from the first fragment) saves the
         * regrowing; trusted up to 16 MiB of address space, which a
         * lying server can make us reserve but not fill.  Without it the
         * buffer starts at the first fragment's size (a small reply's
         * comes from malloc's per-thread cache) and doubles. */
        if (r->len == 0 && hint > want && hint <= 16u * 1024 * 1024)
            cap = want = hint;
        while (cap < want)
            cap *= 2;
        uint8_t *nr;

        if (r->len == 0) {
            /* Nothing in it to keep (it is the request's buffer, or none):
             * a new one, from the cache of large buffers if it is large. */
            if ((nr = clt_buf_alloc(cap)) == NULL)
                return -1;
            clt_buf_free(r->buf);
        } else if ((nr = realloc(r->buf, cap)) == NULL) {
            return -1;
        }
        r->buf = nr;
        r->cap = cap;
    }
    if (r->into.len == 0) {
        if (n > 0)
            memcpy(r->buf + r->len, p, n);
    } else {
        /* The caller's range goes to the caller's memory. */
        struct rpc_stub_ext e;
        struct iovec iov[3];
        int k;

        rpc_stub_ext_from(&r->into, r->len, &e);
        k = rpc_stub_iov(r->buf + r->len, &e, 0, n, iov);
        for (int i = 0; i < k; i++) {
            memcpy(iov[i].iov_base, p, iov[i].iov_len);
            p += iov[i].iov_len;
        }
    }
    r->len += n;
    return 0;
}

uint32_t
clt_fault_status(const struct rpc_pdu *p)
{
    uint32_t st = p->u.fault.status;

    /* DCE servers put the status in the stub and 0 in the header
     * (C706 12.6.4.7's user-exception form). */
    if (st == 0 && p->u.fault.stub_len >= 4) {
        struct ndr_cursor c;
        ndr_init_read(&c, p->u.fault.stub, p->u.fault.stub_len, p->hdr.drep[0]);
        if (ndr_get_u32(&c, &st) != 0)
            st = 0;
    }
    return st;
}

int
clt_reply_take(struct clt_conn *c, struct clt_reply *r, uint32_t call_id,
               const struct rpc_pdu *p, RPC_STATUS *st)
{
    *st = RPC_S_OK;
    if (p->hdr.call_id != call_id &&
        (p->hdr.ptype == PTYPE_RESPONSE || p->hdr.ptype == PTYPE_FAULT))
        /* The late reply of an earlier call orphaned on this connection
         * (kept open by keep-connection-on-orphan). */
        return 0;
    switch (p->hdr.ptype) {
    case PTYPE_RESPONSE:
        if (!r->started && !(p->hdr.pfc_flags & PFC_FIRST_FRAG)) {
            *st = RPC_S_PROTOCOL_ERROR;
            c->broken = 1;
            return 1;
        }
        if (!r->started)
            r->drep = (uint32_t)p->hdr.drep[0] | (uint32_t)p->hdr.drep[1] << 8 |
                      (uint32_t)p->hdr.drep[2] << 16 | (uint32_t)p->hdr.drep[3] << 24;
        r->started = 1;
        if (append_reply(r, p->u.response.stub, p->u.response.stub_len,
                         p->u.response.alloc_hint) != 0) {
            *st = RPC_S_OUT_OF_MEMORY;
            c->broken = 1;
            return 1;
        }
        /* What the next fragments will likely be (clt_conn_recv_direct):
         * no prediction after a fragment of another size than the first. */
        if (r->len == p->u.response.stub_len || r->chunk == p->u.response.stub_len)
            r->chunk = p->u.response.stub_len;
        else
            r->chunk = 0;
        r->left = p->u.response.alloc_hint > p->u.response.stub_len ?
                  p->u.response.alloc_hint - p->u.response.stub_len : 0;
        return (p->hdr.pfc_flags & PFC_LAST_FRAG) != 0;
    case PTYPE_FAULT:
        *st = proto_status_from_nca(clt_fault_status(p));
        if (*st == RPC_S_OK)
            *st = RPC_S_CALL_FAILED;
        return 1;
    case PTYPE_SHUTDOWN:
        /* The server will close once its calls are done (C706
         * 12.6.4.10): finish this call, then drop the connection. */
        c->broken = 1;
        return 0;
    default:
        *st = RPC_S_PROTOCOL_ERROR;
        c->broken = 1;
        return 1;
    }
}

/* Replies with at least this much still to come are read in place. */
#define DIRECT_MIN (16u * 1024)

static RPC_STATUS
receive_reply(struct clt_call *k)
{
    if (k->c->blocking && k->c->poll_first && k->c->rlen == 0 && k->cc.seen == 0 &&
        clt_thread_block_begin(k->cc.ts, k->c->fd, k->call_id, 0)) {
        /* No cancel so far: the reply is waited for in one recv that
         * blocks for a short window (a cancel meanwhile writes its
         * co_cancel from the cancelling thread), not in a poll of the
         * socket and the wake fd followed by a recv.  A reply not there
         * by the end of the window is waited for below as usual. */
        ssize_t r = clt_conn_recv_window(k->c);
        int e = errno, broken;

        k->sent += clt_thread_block_end(k->cc.ts, &broken);
        if (broken) {
            /* A co_cancel went out only in part: the stream is lost, and
             * closing it orphans the call on the server. */
            k->c->broken = 1;
            return RPC_S_CALL_FAILED;
        }
        if (r == 0) {
            k->c->broken = 1;
            return RPC_S_CALL_FAILED;
        }
        if (r < 0 && e != EAGAIN && e != EWOULDBLOCK && e != EINTR) {
            k->c->broken = 1;
            return RPC_S_CALL_FAILED;
        }
        /* Cancels of the window: noticed (their timer set), and any not
         * written yet written now. */
        if (send_cancels(k) != 0) {
            k->c->broken = 1;
            return RPC_S_CALL_FAILED;
        }
    }
    for (;;) {
        struct rpc_pdu p;
        size_t len;
        clt_deadline dl;
        RPC_STATUS st = RPC_S_OK;
        int done = 0, w = -1;

        clt_cancel_deadline(&k->cc, NULL, &dl);
        if (k->r.started && k->r.left >= DIRECT_MIN && k->r.chunk > 0) {
            /* A large reply streaming in: its fragments' stubs are read
             * straight into the reply buffer. */
            struct clt_direct d = {
                .call_id = k->call_id,
                .drep = {(uint8_t)k->r.drep, (uint8_t)(k->r.drep >> 8)},
                .chunk = k->r.chunk, .left = k->r.left,
                .stub = k->r.buf + k->r.len, .room = k->r.cap - k->r.len,
            };
            size_t took;
            int last;

            rpc_stub_ext_from(&k->r.into, k->r.len, &d.ext);
            w = clt_conn_recv_direct(k->c, &d, k->cc.ts->wake_fd, &dl, &took,
                                     &last);
            if (w == CLT_PDU) {
                k->r.len += took;
                k->r.left = took < k->r.left ? k->r.left - took : 0;
                if (last)
                    return RPC_S_OK;
                continue;
            }
        }
        if (w < 0)
            w = (int)clt_conn_recv_pdu(k->c, k->cc.ts->wake_fd, &dl, &len);
        switch (w) {
        case CLT_PDU:
            break;
        case CLT_WOKEN:
            if (send_cancels(k) != 0) {
                k->c->broken = 1;
                return RPC_S_CALL_FAILED;
            }
            continue;
        case CLT_TIMEOUT:
            return orphan(k);
        case CLT_EOF:
        case CLT_ERROR:
        default:
            k->c->broken = 1;
            return RPC_S_CALL_FAILED;
        }
        if (rpc_pdu_parse(clt_conn_pdu(k->c), len, &p) != 0) {
            k->c->broken = 1;
            return RPC_S_PROTOCOL_ERROR;
        }
        done = clt_reply_take(k->c, &k->r, k->call_id, &p, &st);
        rpc_pdu_clear(&p);
        clt_conn_consume(k->c, len);
        if (done)
            return st;
    }
}

/* ---- the call ------------------------------------------------------------ */

RPC_EXPORT RPC_STATUS RPC_ENTRY
I_RpcSendReceive(PRPC_MESSAGE Message)
{
    const RPC_CLIENT_INTERFACE *ci;
    struct clt_binding *b;
    struct clt_assoc *a = NULL;
    struct clt_call k;
    uint16_t cont_id = 0;
    GUID object;
    RPC_STATUS st;

    if (Message == NULL)
        return RPC_S_INVALID_ARG;
    memset(&k, 0, sizeof(k));
    clt_ranges_take(Message, &k.from, &k.r.into);
    b = clt_binding_get(Message->Handle);
    /* I_RpcGetBuffer's pin, if any, has served. */
    I_RpcrtHandleUnpinIf(Message->Handle);
    if (b == NULL) {
        st = RPC_S_INVALID_BINDING;
        goto done;
    }
    ci = Message->RpcInterfaceInformation;
    if (ci == NULL || (Message->Buffer == NULL && Message->BufferLength != 0)) {
        I_RpcrtHandlePut(&b->h);
        st = RPC_S_INVALID_ARG;
        goto done;
    }
    k.cc.timeout = RPC_C_CANCEL_INFINITE_TIMEOUT;
    clt_deadline_none(&k.cc.dl);
    if ((k.cc.ts = clt_thread_self()) == NULL) {
        I_RpcrtHandlePut(&b->h);
        st = RPC_S_OUT_OF_MEMORY;
        goto done;
    }
    /* After a handle's first call its endpoint is known and its
     * association made: one look under its lock finds both. */
    rpcrt_mutex_lock(&b->lock);
    object = b->object;
    if (b->endpoint[0] != '\0' && b->assoc != NULL) {
        a = b->assoc;
        clt_assoc_ref(a);
    }
    rpcrt_mutex_unlock(&b->lock);
    /* A partially bound handle is resolved through the endpoint mapper
     * at its first call. */
    if (a == NULL &&
        ((st = clt_binding_resolve(b, &ci->InterfaceId)) != RPC_S_OK ||
         (st = clt_binding_assoc(b, &a)) != RPC_S_OK)) {
        I_RpcrtHandlePut(&b->h);
        goto done;
    }
    I_RpcrtHandlePut(&b->h);

    clt_thread_call_begin(k.cc.ts);
    /* Cancels during connect and bind count (their timer runs); their
     * co_cancel follows the first request fragment. */
    st = clt_assoc_acquire(a, &k.cc, &ci->InterfaceId, &k.c, &cont_id);
    if (st == RPC_S_OK) {
        k.call_id = atomic_fetch_add(&a->next_call_id, 1);
        st = send_request(&k, cont_id, &object, Message);
        if (st == RPC_S_OK) {
            /* The request is out: its buffer takes the reply if it fits
             * (a small call's reply then costs no allocation). */
            if (Message->Buffer != NULL) {
                k.r.buf = Message->Buffer;
                k.r.cap = malloc_usable_size(k.r.buf);
                Message->Buffer = NULL;
            }
            st = receive_reply(&k);
        }
        clt_conn_trim(k.c);
        clt_assoc_release(a, k.c);
    }
    clt_thread_call_end(k.cc.ts);
    clt_assoc_unref(a);

done:
    /* The request buffer is ours now, whatever happened; the reply (or
     * nothing) replaces it (I_RpcSendReceive(3)). */
    clt_buf_free(Message->Buffer);
    if (st == RPC_S_OK) {
        if (k.r.buf == NULL)
            k.r.buf = malloc(1);
        Message->Buffer = k.r.buf;
        Message->ReservedForRuntime = k.r.buf;     /* I_RpcFreeBuffer */
        Message->BufferLength = (unsigned int)k.r.len;
        Message->DataRepresentation = k.r.drep;
        if (k.r.buf == NULL)
            st = RPC_S_OUT_OF_MEMORY;
    } else {
        clt_buf_free(k.r.buf);
        Message->Buffer = NULL;
        Message->BufferLength = 0;
    }
    return st;
}
