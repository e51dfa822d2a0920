/*
 * libserver/srv_call.c -- the server call object: request reassembly and
 * dispatch checks (I/O thread), running the manager routine and encoding
 * its answer (worker thread, or for an asynchronous call the thread that
 * completes it, srv_async.c), writing or dropping the answer (I/O
 * thread).
 *
 * Reassembly (C706 12.6.2, MS-RPCE 3.3.1.5.6): fragments of one call
 * follow each other on a connection; the stub is grown by what actually
 * arrives, never by alloc_hint (impacket puts the total in every
 * fragment, other clients put what is left or 0), up to a cap: the
 * runtime's RPCRT_OPT_MAX_REQUEST_SIZE, or the interface's MaxRpcSize
 * (RpcServerRegisterIf2/3) when smaller -- not on ncalrpc, as Windows
 * documents.  Beyond it: fault RPC_S_ACCESS_DENIED (what Windows sends
 * for MaxRpcSize) and a close.
 *
 * call_id (C706 12.6.3.1) only has to tell apart the calls in progress on
 * a connection: impacket reuses 1 after the bind, DCE clients start at 0
 * or any value.  Without PFC_CONC_MPX negotiated a connection carries one
 * call at a time (a new one while another runs is a protocol error, as on
 * Windows); calls whose client sent orphaned no longer count.
 *
 * Checks made before a worker is involved, each a fault with
 * PFC_DID_NOT_EXECUTE as MS-RPCE 3.3.3.5.x has Windows send them:
 * unknown presentation context -> nca_s_unk_if (connection kept, context
 * id 0, as Samba's tests record Windows doing); interface no longer
 * registered -> nca_s_unk_if; opnum beyond the dispatch table ->
 * nca_s_op_rng_error (test vector V8); MaxCalls routines running ->
 * nca_s_server_too_busy.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "libserver/srv.h"

static RPCRT_TLS struct srv_call *tls_call;
/* A staying thread's next call object (srv_call_spare_ready), and
 * whether the thread keeps one (from srv_call_spare_ready to
 * srv_call_spare_drop): a call object it frees meanwhile becomes the
 * next spare (srv_call_free). */
static RPCRT_TLS struct srv_call *tls_spare;
static RPCRT_TLS int tls_spare_on;

/* Recycling call objects hides a use after free from AddressSanitizer:
 * every object is freed there. */
#if defined(__SANITIZE_ADDRESS__)
#define CALL_RECYCLE 0
#else
#define CALL_RECYCLE 1
#endif

static int spare_enter(struct srv_call *k);

/* ---- the call's handle -------------------------------------------------- */

static void
call_destroy(struct rpc_handle *h)
{
    srv_call_free((struct srv_call *)h);
}

/* I_RpcGetBuffer on the call's handle: the reply buffer.  The request
 * buffer stays valid until the routine returns (MIDL-style stubs keep
 * pointers into it while they marshal the reply); the runtime frees both. */
static RPC_STATUS
call_get_buffer(struct rpc_handle *h, PRPC_MESSAGE msg)
{
    struct srv_call *k = (struct srv_call *)h;
    size_t n = msg->BufferLength;
    uint8_t *p;

    if ((p = I_RpcrtBufAlloc(n)) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    I_RpcrtBufFree(k->reply);
    k->reply = p;
    k->reply_cap = n;
    memset(&k->reply_from, 0, sizeof(k->reply_from));
    msg->Buffer = p;
    /* Not a client buffer (a message reused from a client call may still
     * carry that mark): I_RpcFreeBuffer must come here for it. */
    msg->ReservedForRuntime = NULL;
    return RPC_S_OK;
}

static RPC_STATUS
call_free_buffer(struct rpc_handle *h, PRPC_MESSAGE msg)
{
    struct srv_call *k = (struct srv_call *)h;

    if (msg->Buffer != NULL && msg->Buffer == k->reply) {
        I_RpcrtBufFree(k->reply);
        k->reply = NULL;
        k->reply_cap = 0;
        memset(&k->reply_from, 0, sizeof(k->reply_from));
    }
    /* The request buffer is the runtime's; it is freed after the call. */
    msg->Buffer = NULL;
    return RPC_S_OK;
}

/* RpcrtBufferSendFrom on the reply buffer: a range of the reply sent
 * from the request buffer, which lasts until the call is freed, after its
 * answer is written or queued (srv_io_write_frags_locked copies the range
 * then). */
static RPC_STATUS
call_buffer_range(struct rpc_handle *h, PRPC_MESSAGE msg, int into, size_t off,
                  void *data, size_t len)
{
    struct srv_call *k = (struct srv_call *)h;
    uintptr_t d = (uintptr_t)data, r = (uintptr_t)k->req;

    if (into)
        return RPC_S_WRONG_KIND_OF_BINDING;
    if (len == 0) {
        memset(&k->reply_from, 0, sizeof(k->reply_from));
        return RPC_S_OK;
    }
    if (k->reply == NULL || msg->Buffer != k->reply || off > k->reply_cap ||
        len > k->reply_cap - off || k->req == NULL || d < r ||
        d - r > k->req_len || len > k->req_len - (d - r))
        return RPC_S_INVALID_ARG;
    k->reply_from.p = data;
    k->reply_from.off = off;
    k->reply_from.len = len;
    return RPC_S_OK;
}

/* RpcBindingToStringBinding on a server binding: the client. */
static RPC_STATUS
call_to_string(struct rpc_handle *h, RPC_CSTR *out)
{
    struct srv_call *k = (struct srv_call *)h;
    char *s = strdup(k->peer);

    if (s == NULL)
        return RPC_S_OUT_OF_MEMORY;
    *out = (RPC_CSTR)s;
    return RPC_S_OK;
}

static RPC_STATUS
call_inq_object(struct rpc_handle *h, UUID *obj)
{
    struct srv_call *k = (struct srv_call *)h;

    if (k->has_object)
        *obj = k->object;
    else
        memset(obj, 0, sizeof(*obj));
    return RPC_S_OK;
}

static const struct rpc_handle_ops call_ops = {
    .destroy = call_destroy,
    .get_buffer = call_get_buffer,
    .free_buffer = call_free_buffer,
    .buffer_range = call_buffer_range,
    .to_string = call_to_string,
    .inq_object = call_inq_object,
};

struct srv_call *
srv_call_current(void)
{
    return tls_call;
}

struct srv_call *
srv_call_get(RPC_BINDING_HANDLE h, RPC_STATUS *st)
{
    struct rpc_handle *rh;

    if (h == NULL) {
        if (tls_call == NULL) {
            *st = RPC_S_NO_CALL_ACTIVE;
            return NULL;
        }
        I_RpcrtHandleRef(&tls_call->h);
        return tls_call;
    }
    /* The registry says whether h is a live call before anything reads
     * through it: a freed call, a client binding or garbage is refused. */
    if ((rh = I_RpcrtHandleGet(h, RPC_HANDLE_SERVER_CALL)) == NULL) {
        *st = RPC_S_INVALID_BINDING;
        return NULL;
    }
    return (struct srv_call *)rh;
}

void
srv_call_free(struct srv_call *k)
{
    if (k == NULL)
        return;
    I_RpcrtBufFree(k->req);
    I_RpcrtBufFree(k->reply);
    if (k->out != k->out_hdr)
        I_RpcrtBufFree(k->out);
    I_RpcrtBufFree(k->out_stub);
    if (k->iface != NULL)
        srv_if_unref(k->iface);
    if (CALL_RECYCLE && tls_spare_on && tls_spare == NULL) {
        /* A staying thread's finished call (srv_call_reap, before it
         * waits for the next request): its next spare, without a free
         * and a malloc, and with its connection's part kept (call_new
         * checks that it is the same connection). */
        if (k->listed) {
            /* Still in the registry, withdrawn since its answer: lookups
             * refuse it without touching its count, so it stays there as
             * the spare, its handle's kind and ops as they are -- not
             * taken out here and put back by spare_enter, two shard lock
             * round trips and probes a call. */
            I_RpcrtHandleWithdraw(&k->h);
            memset(&k->next, 0,
                   offsetof(struct srv_call, lrpc) - offsetof(struct srv_call, next));
            atomic_store(&k->h.refs, 1);
            k->listed = 1;
            tls_spare = k;
            return;
        }
        memset(k, 0, offsetof(struct srv_call, lrpc));
        if (spare_enter(k) == 0)
            return;
    }
    if (k->listed)
        /* Withdrawn since its answer, or a spare never dispatched. */
        I_RpcrtHandleUnlist(&k->h);
    free(k);
}

/* ---- requests (I/O thread) ---------------------------------------------- */

static struct srv_call *
call_alloc(void)
{
    /* malloc, then clear, not calloc: glibc's calloc bypasses the
     * per-thread cache, so every call took the allocator's slow paths (a
     * fifth of the server's instructions per null call went to malloc and
     * free).  The empty asm keeps the compiler from fusing the two back
     * into calloc. */
    struct srv_call *k = malloc(sizeof(*k));

    if (k == NULL)
        return NULL;
    __asm__ volatile("" : : "r"(k) : "memory");
    memset(k, 0, sizeof(*k));
    return k;
}

/* What a call copies from its connection, which does not change once
 * the connection has had a call (srv_conninfo). */
static void
call_prefill(struct srv_call *k, const struct srv_conn *c)
{
    k->lrpc = c->ep->protseq == RPC_PROTSEQ_NCALRPC;
    k->xfer = rpc_ndr20_syntax;
    /* Both are char[96] and c->peer is terminated: a plain copy (snprintf
     * was a tenth of the server's instructions per null call). */
    _Static_assert(sizeof(k->peer) == sizeof(c->peer), "peer sizes");
    memcpy(k->peer, c->peer, sizeof(k->peer));
    k->info = c->info;
    k->prefilled = c->info.id;
}

/* k, cleared up to its connection's part, becomes the thread's spare:
 * in the registry, withdrawn.  0, or -1 (k not taken). */
static int
spare_enter(struct srv_call *k)
{
    if (I_RpcrtHandleInitWithdrawn(&k->h, RPC_HANDLE_SERVER_CALL,
                                   &call_ops) != RPC_S_OK)
        return -1;
    k->listed = 1;
    tls_spare = k;
    return 0;
}

/* The work of a call object that needs no request -- allocating it,
 * clearing it, entering its handle in the registry (withdrawn) -- done
 * by a thread that stays on a connection after it has sent an answer and
 * before it waits for the next request, so that none of it comes
 * between that request's arrival and its answer; with what it copies
 * from that connection.  call_new takes it.  Usually there is one
 * already: the thread's last call, recycled when it was reaped
 * (srv_call_free). */
void
srv_call_spare_ready(const struct srv_conn *c)
{
    struct srv_call *k;

    tls_spare_on = 1;
    if (tls_spare != NULL || (k = call_alloc()) == NULL)
        return;
    call_prefill(k, c);
    if (spare_enter(k) != 0)
        free(k);
}

void
srv_call_spare_drop(void)
{
    struct srv_call *k = tls_spare;

    tls_spare_on = 0;
    tls_spare = NULL;
    srv_call_free(k);
}

static struct srv_call *
call_new(struct srv_conn *c, const struct rpc_pdu *p, const struct srv_pctx *ctx)
{
    const struct rpc_request *q = &p->u.request;
    struct srv_call *k = tls_spare;

    if (k != NULL)
        tls_spare = NULL;
    else if ((k = call_alloc()) == NULL)
        return NULL;
    k->call_id = p->hdr.call_id;
    k->cont_id = q->cont_id;
    k->opnum = q->opnum;
    memcpy(k->drep, p->hdr.drep, sizeof(k->drep));
    if (p->hdr.pfc_flags & PFC_OBJECT_UUID) {
        k->has_object = 1;
        k->object = q->object;
    }
    if (k->prefilled == 0 || k->prefilled != c->info.id)
        call_prefill(k, c);
    atomic_init(&k->cancels, 0);
    atomic_init(&k->orphaned, 0);
    atomic_init(&k->observed, 0);
    atomic_init(&k->done, 0);
    atomic_init(&k->answered, 0);
    /* The interface may be gone by the last fragment; dispatch checks. */
    k->iface = srv_if_find_conn(c, ctx);
    k->limit = atomic_load_explicit(&srv.opt.max_request, memory_order_relaxed);
    k->conn_calls_max = atomic_load_explicit(&srv.opt.max_conn_calls,
                                             memory_order_relaxed);
    if (k->iface != NULL && k->iface->max_rpc_size != 0 && !k->lrpc &&
        k->iface->max_rpc_size < k->limit)
        k->limit = k->iface->max_rpc_size;
    return k;
}

/* The first fragment's alloc_hint sizes the stub buffer up to this; a
 * larger announcement is not believed (the buffer grows by what arrives),
 * so a lying hint reserves little.  Without a hint the buffer starts at
 * the first fragment's size and doubles: a one-fragment request, the
 * common case, gets a buffer of its own size (a small one comes from
 * malloc's per-thread cache; a 4 KiB minimum did not). */
#define HINT_TRUST ((size_t)4 << 20)

static int
append(struct srv_call *k, const uint8_t *d, size_t n, uint32_t hint)
{
    if (n == 0)
        return 0;
    if (n > k->req_cap - k->req_len) {
        size_t cap = k->req_cap ? k->req_cap : n;
        uint8_t *p;

        if (k->req_cap == 0 && hint > cap && hint <= HINT_TRUST &&
            hint <= k->limit)
            cap = hint;
        while (cap - k->req_len < n)
            cap *= 2;
        if (cap > k->limit)
            cap = k->limit;          /* the caller checked len + n <= limit */
        if ((p = k->req == NULL ? I_RpcrtBufAlloc(cap) : realloc(k->req, cap)) == NULL)
            return -1;
        k->req = p;
        k->req_cap = cap;
    }
    memcpy(k->req + k->req_len, d, n);
    k->req_len += n;
    return 0;
}

/* A call still waiting for its answer that blocks a new one. */
static int
blocks_new_call(const struct srv_conn *c, uint32_t call_id)
{
    for (const struct srv_call *k = c->calls; k != NULL; k = k->cnext) {
        if (atomic_load(&k->orphaned) || atomic_load(&k->answered))
            continue;
        if (!c->conc_mpx || k->call_id == call_id)
            return 1;
    }
    return 0;
}

static void
dispatch(struct srv_conn *c, struct srv_call *k)
{
    const RPC_DISPATCH_TABLE *t;
    struct srv_if *i = k->iface;
    RPC_STATUS st;

    if (i == NULL || !atomic_load(&i->registered)) {
        srv_conn_fault(c, k->call_id, k->cont_id, NCA_S_UNK_IF,
                       PFC_DID_NOT_EXECUTE, 0);
        srv_call_free(k);
        return;
    }
    t = i->spec->DispatchTable;
    if (t == NULL || k->opnum >= t->DispatchTableCount ||
        t->DispatchTable == NULL || t->DispatchTable[k->opnum] == NULL) {
        srv_conn_fault(c, k->call_id, k->cont_id, NCA_S_OP_RNG_ERROR,
                       PFC_DID_NOT_EXECUTE, 0);
        srv_call_free(k);
        return;
    }
    /* RPC_IF_ALLOW_LOCAL_ONLY: ncalrpc callers only.  RPC_IF_ALLOW_SECURE_ONLY:
     * authenticated callers only, and we authenticate nobody. */
    if (((i->flags & RPC_IF_ALLOW_LOCAL_ONLY) && !k->lrpc) ||
        (i->flags & RPC_IF_ALLOW_SECURE_ONLY)) {
        srv_conn_fault(c, k->call_id, k->cont_id,
                       proto_nca_from_status(RPC_S_ACCESS_DENIED),
                       PFC_DID_NOT_EXECUTE, 0);
        srv_call_free(k);
        return;
    }
    if (k->conn_calls_max != 0) {
        /* RPCRT_OPT_MAX_CALLS_PER_CONNECTION: one multiplexed connection
         * may not take every worker.  Orphaned calls no longer count. */
        unsigned n = 0;

        for (const struct srv_call *o = c->calls; o != NULL; o = o->cnext)
            n += !atomic_load(&o->orphaned) && !atomic_load(&o->answered);
        if (n >= k->conn_calls_max) {
            srv_log(RPCRT_LOG_NOTICE, "%s: call %u refused: %u calls in "
                    "progress on the connection (max calls per connection)",
                    c->peer, (unsigned)k->call_id, n);
            srv_conn_fault(c, k->call_id, k->cont_id, NCA_S_SERVER_TOO_BUSY,
                           PFC_DID_NOT_EXECUTE, 0);
            srv_call_free(k);
            return;
        }
    }
    k->max_xmit = c->max_xmit;
    if (k->listed) {
        I_RpcrtHandleActivate(&k->h);
    } else if (I_RpcrtHandleInit(&k->h, RPC_HANDLE_SERVER_CALL,
                                 &call_ops) != RPC_S_OK) {
        srv_conn_fault(c, k->call_id, k->cont_id,
                       proto_nca_from_status(RPC_S_OUT_OF_MEMORY),
                       PFC_DID_NOT_EXECUTE, 0);
        srv_call_free(k);
        return;
    }
    k->listed = 1;
    k->conn = c;
    srv_conn_ref(c);
    k->cnext = c->calls;
    c->calls = k;
    if ((st = srv_worker_submit(k)) != RPC_S_OK) {
        c->calls = k->cnext;
        k->conn = NULL;
        srv_conn_unref(c);
        srv_log(RPCRT_LOG_INFO, "%s: call refused (%ld)", c->peer, (long)st);
        srv_conn_fault(c, k->call_id, k->cont_id, NCA_S_SERVER_TOO_BUSY,
                       PFC_DID_NOT_EXECUTE, 0);
        k->listed = 0;
        I_RpcrtHandleRetire(&k->h);          /* frees k */
        return;
    }
    atomic_fetch_add(&srv_stat_calls_in, 1);
}

void
srv_call_request(struct srv_conn *c, const struct rpc_pdu *p)
{
    const struct rpc_request *q = &p->u.request;
    uint8_t flags = p->hdr.pfc_flags;
    uint32_t id = p->hdr.call_id;
    struct srv_call *k;

    if (p->has_auth) {
        /* No security context was set up at bind time. */
        srv_conn_fault(c, id, q->cont_id,
                       proto_nca_from_status(RPC_S_ACCESS_DENIED), 0, 1);
        return;
    }
    if (flags & PFC_FIRST_FRAG) {
        const struct srv_pctx *ctx;

        if (c->frag != NULL) {
            /* A new call while another is still arriving: the fault goes
             * to the call being reassembled (its call_id and context), as
             * Windows does -- also after an orphaned PDU for it. */
            srv_conn_fault(c, c->frag->call_id, c->frag->cont_id,
                           NCA_S_PROTO_ERROR, 0, 1);
            return;
        }
        if (blocks_new_call(c, id)) {
            srv_conn_fault(c, id, q->cont_id, NCA_S_PROTO_ERROR, 0, 1);
            return;
        }
        if (flags & PFC_PENDING_CANCEL) {
            /* A call cancelled before it started: Windows answers
             * 0x6bd (RPC_S_NO_CALL_ACTIVE) without running it and closes
             * the connection (MS-RPCE 3.3.3.4.x; Samba matches it). */
            srv_conn_fault(c, id, q->cont_id,
                           proto_nca_from_status(RPC_S_NO_CALL_ACTIVE),
                           PFC_DID_NOT_EXECUTE, 1);
            return;
        }
        if ((ctx = srv_assoc_find_ctx(c, q->cont_id)) == NULL) {
            srv_conn_fault(c, id, 0, NCA_S_UNK_IF, PFC_DID_NOT_EXECUTE, 0);
            return;
        }
        if ((k = call_new(c, p, ctx)) == NULL) {
            srv_conn_fault(c, id, q->cont_id,
                           proto_nca_from_status(RPC_S_OUT_OF_MEMORY),
                           PFC_DID_NOT_EXECUTE, 0);
            return;
        }
        if (!(flags & PFC_LAST_FRAG) && q->alloc_hint > k->limit) {
            /* The client announces more than we take. */
            srv_log(RPCRT_LOG_NOTICE, "%s: request of %lu bytes announced, "
                    "over %zu (max request size), closing", c->peer,
                    (unsigned long)q->alloc_hint, k->limit);
            srv_conn_fault(c, id, q->cont_id,
                           proto_nca_from_status(RPC_S_ACCESS_DENIED), 0, 1);
            srv_call_free(k);
            return;
        }
        c->frag = k;
    } else {
        k = c->frag;
        if (k == NULL || k->call_id != id) {
            srv_conn_fault(c, k != NULL ? k->call_id : id,
                           k != NULL ? k->cont_id : q->cont_id,
                           NCA_S_PROTO_ERROR, 0, 1);
            return;
        }
        if (memcmp(k->drep, p->hdr.drep, sizeof(k->drep)) != 0) {
            srv_conn_fault(c, id, k->cont_id, NCA_S_PROTO_ERROR, 0, 1);
            return;
        }
    }
    if (q->stub_len > k->limit - k->req_len) {
        srv_log(RPCRT_LOG_NOTICE, "%s: request over %zu bytes (max request "
                "size), closing", c->peer, k->limit);
        srv_conn_fault(c, id, k->cont_id,
                       proto_nca_from_status(RPC_S_ACCESS_DENIED), 0, 1);
        return;                 /* the close frees c->frag */
    }
    if (append(k, q->stub, q->stub_len, q->alloc_hint) != 0) {
        srv_conn_fault(c, id, k->cont_id,
                       proto_nca_from_status(RPC_S_OUT_OF_MEMORY), 0, 1);
        return;
    }
    if (flags & PFC_LAST_FRAG) {
        c->frag = NULL;
        dispatch(c, k);
        return;
    }
    /* What the next fragments will likely be (srv_call_direct_plan). */
    if (k->req_len == q->stub_len || k->frag_chunk == q->stub_len)
        k->frag_chunk = q->stub_len;
    else
        k->frag_chunk = 0;
    k->frag_left = q->alloc_hint > q->stub_len ? q->alloc_hint - q->stub_len : 0;
}

/* Requests with at least this much still to come are read in place. */
#define DIRECT_MIN (16u * 1024)

int
srv_call_direct_plan(struct srv_conn *c, struct rpc_frag_out *f,
                     size_t max_frag)
{
    struct srv_call *k = c->frag;
    size_t room, chunk;

    if (k == NULL || (chunk = k->frag_chunk) == 0 || k->frag_left < DIRECT_MIN)
        return 0;
    /* Within the buffer as it is and the request size limit. */
    room = k->req_cap - k->req_len;
    if (room > k->limit - k->req_len)
        room = k->limit - k->req_len;
    if (room < chunk)
        return 0;
    memset(f, 0, sizeof(*f));
    f->hdr_len = RPC_REQUEST_HDR_LEN;
    f->chunk = chunk;
    f->stub = k->req + k->req_len;
    f->stub_len = k->frag_left;
    if (f->stub_len > room)
        f->stub_len = room;
    if (f->stub_len > max_frag * chunk)
        f->stub_len = max_frag * chunk;
    if (f->stub_len < k->frag_left)
        f->stub_len -= f->stub_len % chunk;      /* whole fragments only */
    f->nfrag = (f->stub_len + chunk - 1) / chunk;
    return 1;
}

int
srv_call_direct_hdr_ok(const struct srv_conn *c, const uint8_t *hdr,
                       size_t have, size_t sl)
{
    const struct srv_call *k = c->frag;
    struct rpc_hdr h;

    if (k == NULL || rpc_hdr_decode(hdr, have, &h) != 0 ||
        h.rpc_vers != RPC_C_VERS || h.rpc_vers_minor > RPC_C_VERS_MINOR_MAX ||
        h.ptype != PTYPE_REQUEST || (h.pfc_flags & ~PFC_LAST_FRAG) != 0 ||
        memcmp(h.drep, k->drep, sizeof(k->drep)) != 0 ||
        h.frag_length != RPC_REQUEST_HDR_LEN + sl || h.auth_length != 0 ||
        h.call_id != k->call_id)
        return 0;
    if (have >= RPC_REQUEST_HDR_LEN) {
        /* p_cont_id and opnum (C706 12.6.4.9) as in the first fragment. */
        struct ndr_cursor r;
        uint32_t hint;
        uint16_t cont_id, opnum;

        ndr_init_read(&r, hdr + RPC_HDR_LEN, RPC_REQUEST_HDR_LEN - RPC_HDR_LEN,
                      h.drep[0]);
        if (ndr_get_u32(&r, &hint) != 0 || ndr_get_u16(&r, &cont_id) != 0 ||
            ndr_get_u16(&r, &opnum) != 0 || cont_id != k->cont_id ||
            opnum != k->opnum)
            return 0;
    }
    return 1;
}

void
srv_call_direct_took(struct srv_conn *c, size_t nfrag, size_t took, int last)
{
    struct srv_call *k = c->frag;

    if (k == NULL || nfrag == 0)
        return;
    atomic_fetch_add(&srv_stat_pkts_in, nfrag);
    c->partial_since = 0;
    k->req_len += took;
    k->frag_left = took < k->frag_left ? k->frag_left - took : 0;
    if (last) {
        c->frag = NULL;
        dispatch(c, k);
    }
}

/* ---- running the call (worker thread) ----------------------------------- */

/* The routine, with RpcRaiseException caught (rpcdce.h's frames).  Only
 * *code and the volatile flag change between setjmp and longjmp. */
static int
invoke(RPC_DISPATCH_FUNCTION fn, PRPC_MESSAGE msg, RPC_STATUS *code)
{
    volatile int raised = 0;

    RpcTryExcept {
        fn(msg);
    } RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
        *code = RpcExceptionCode();
        raised = 1;
    } RpcEndExcept
    return raised;
}

/* Response PDUs of max_xmit bytes at most (C706 12.6.4.10): each but the
 * last carries a multiple of 8 stub bytes, alloc_hint counts the stub
 * bytes from this fragment on.  Only the headers are encoded here (into
 * k->out_hdr when they fit); the stub goes out from the reply buffer,
 * gathered with them (srv_io_write_frags_locked). */
static int
encode_response(struct srv_call *k, size_t len, uint8_t cancel_count,
                uint8_t extra_flags)
{
    size_t chunk = ((size_t)k->max_xmit - RPC_RESPONSE_HDR_LEN) & ~(size_t)7;
    size_t nfrag = len == 0 ? 1 : (len + chunk - 1) / chunk;
    size_t cap = nfrag * RPC_RESPONSE_HDR_LEN;
    uint8_t *hdrs = k->out_hdr;
    size_t off = 0;

    if (cap > sizeof(k->out_hdr) && (hdrs = I_RpcrtBufAlloc(cap)) == NULL)
        return PROTO_E_NOMEM;
    for (size_t f = 0; f < nfrag; f++) {
        size_t n = len - off < chunk ? len - off : chunk;
        uint8_t flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                  (off + n == len ? PFC_LAST_FRAG : 0) |
                                  extra_flags);

        rpc_response_hdr_put(hdrs + f * RPC_RESPONSE_HDR_LEN, flags, DREP_LE,
                             (uint16_t)(RPC_RESPONSE_HDR_LEN + n), k->call_id,
                             (uint32_t)(len - off), k->cont_id, cancel_count);
        off += n;
    }
    k->out = hdrs;
    k->out_len = cap;
    k->out_nfrag = nfrag;
    k->out_chunk = chunk;
    return 0;
}

void
srv_call_answer(struct srv_call *k, int fault, RPC_STATUS code, uint8_t flags,
                const void *buf, size_t buflen)
{
    uint8_t cc;
    unsigned cancels;

    /* MS-RPCE 3.3.3.4.x / C706 12.6.4.10: the answer of a call that got
     * cancels carries their count, and PFC_PENDING_CANCEL when the routine
     * never saw one (RpcServerTestCancel never said RPC_S_OK). */
    cancels = atomic_load(&k->cancels);
    cc = cancels > 255 ? 255 : (uint8_t)cancels;
    if (cancels > 0 && !atomic_load(&k->observed))
        flags |= PFC_PENDING_CANCEL;

    if (!fault) {
        size_t len = 0;

        if (k->reply != NULL)
            len = buf == k->reply && buflen <= k->reply_cap ? buflen : k->reply_cap;
        if (encode_response(k, len, cc, flags) != 0) {
            code = RPC_S_OUT_OF_MEMORY;
            fault = 1;
        } else {
            /* The reply buffer goes out as it is, with the headers. */
            k->out_stub = k->reply;
            k->out_stub_len = len;
            k->reply = NULL;
        }
    }
    if (fault &&
        srv_fault_encode(k->call_id, k->cont_id, proto_nca_from_status(code),
                         flags, cc, &k->out, &k->out_len) != 0) {
        k->out = NULL;
        k->out_len = 0;
    }
    I_RpcrtBufFree(k->reply);
    k->reply = NULL;

    /* From here on the handle is no call in progress: RpcServerTestCancel
     * on it says RPC_S_INVALID_BINDING.  Its registry entry, and the
     * request buffer, go when the call is freed (srv_call_free), after
     * the answer is out: a client waits for neither. */
    I_RpcrtHandleWithdraw(&k->h);
}

int
srv_call_run(struct srv_call *k)
{
    const RPC_SERVER_INTERFACE *spec = k->iface->spec;
    RPC_DISPATCH_FUNCTION fn = spec->DispatchTable->DispatchTable[k->opnum];
    RPC_STATUS code = RPC_S_OK;
    RPC_MESSAGE msg;
    uint8_t flags = 0;
    int fault = 0;

    if (k->req == NULL && (k->req = malloc(1)) == NULL) {
        code = RPC_S_OUT_OF_MEMORY;
        fault = 1;
        flags |= PFC_DID_NOT_EXECUTE;
    }
    memset(&msg, 0, sizeof(msg));
    msg.Handle = (RPC_BINDING_HANDLE)k;
    msg.DataRepresentation = (unsigned long)k->drep[0] |
                             (unsigned long)k->drep[1] << 8 |
                             (unsigned long)k->drep[2] << 16 |
                             (unsigned long)k->drep[3] << 24;
    msg.Buffer = k->req;
    msg.BufferLength = (unsigned int)k->req_len;
    msg.ProcNum = k->opnum;
    msg.TransferSyntax = &k->xfer;
    msg.RpcInterfaceInformation = (void *)(uintptr_t)spec;
    msg.ManagerEpv = k->iface->epv;
    msg.RpcFlags = RPC_BUFFER_COMPLETE;

    tls_call = k;
    /* The routine's lookups of its own handle skip the registry. */
    I_RpcrtHandlePin(&k->h);
    if (!fault && k->iface->callback != NULL &&
        k->iface->callback((RPC_IF_HANDLE)(uintptr_t)spec, k) != RPC_S_OK) {
        /* The security callback refused the caller (Windows: access
         * denied, the routine never runs). */
        code = RPC_S_ACCESS_DENIED;
        fault = 1;
        flags |= PFC_DID_NOT_EXECUTE;
    }
    if (!fault)
        fault = invoke(fn, &msg, &code);
    I_RpcrtHandleUnpin();
    tls_call = NULL;

    /* A routine that took its call asynchronous has sent nothing: the
     * call goes on until RpcAsyncCompleteCall/AbortCall (srv_async.c). */
    switch (srv_async_returned(k, fault)) {
    case 1:
        return 0;
    case 2:
        return 1;
    default:
        break;
    }
    atomic_store(&k->done, 1);
    srv_call_answer(k, fault, code, flags, msg.Buffer, msg.BufferLength);
    return 1;
}

/* ---- the answer ----------------------------------------------------------- */

void
srv_call_complete(struct srv_call *k)
{
    struct srv_conn *c = k->conn;
    int dead;

    /* The answer goes out before the call stops counting (a graceful
     * stop waits for running calls, then closes the connections), and
     * the call is marked answered only after both, under wlock, because
     * the I/O thread may free it from then on. */
    rpcrt_mutex_lock(&c->wlock);
    if (atomic_load(&k->orphaned)) {
        /* Its client gave up on it: the answer is dropped (C706 12.4). */
        srv_log(RPCRT_LOG_DEBUG, "%s: answer of orphaned call %u dropped",
                c->peer, (unsigned)k->call_id);
    } else if (!c->dead && !c->closing && k->out != NULL) {
        if (k->out_nfrag == 0) {
            srv_io_write_locked(c, k->out, k->out_len);
        } else {
            srv_io_write_frags_locked(c, k->out, RPC_RESPONSE_HDR_LEN,
                                      k->out_nfrag, k->out_stub,
                                      k->out_stub_len, k->out_chunk, &k->reply_from);
            if (k->out != k->out_hdr)
                I_RpcrtBufFree(k->out);
        }
        k->out = k->out_stub = NULL;
    }
    /* The creator's reference becomes the I/O thread's (release).  The
     * call stays in the registry, withdrawn (srv_call_answer), until
     * srv_call_free takes it out or keeps it as a staying thread's
     * spare. */
    dead = c->dead;
    srv_worker_call_ended(k);
    if (!dead)
        atomic_store(&k->answered, 1);
    rpcrt_mutex_unlock(&c->wlock);
    if (dead) {
        /* The connection closed before: nobody reaps it any more; the
         * I/O thread releases it from the done queue (which may free the
         * connection, so only after its lock is let go). */
        pthread_mutex_lock(&srv.lock);
        srv_io_call_done_locked(k);
        pthread_mutex_unlock(&srv.lock);
    }
}

static void
release(struct srv_call *k)
{
    struct srv_conn *c = k->conn;

    k->conn = NULL;
    srv_conn_unref(c);
    I_RpcrtHandlePut(&k->h);
}

void
srv_call_finish(struct srv_call *k)
{
    struct srv_conn *c = k->conn;
    struct srv_call **pp;

    for (pp = &c->calls; *pp != NULL; pp = &(*pp)->cnext) {
        if (*pp == k) {
            *pp = k->cnext;
            break;
        }
    }
    release(k);
}

void
srv_call_reap(struct srv_conn *c)
{
    struct srv_call *list = NULL, **pp;

    if (c->calls == NULL)
        return;
    rpcrt_mutex_lock(&c->wlock);
    for (pp = &c->calls; *pp != NULL;) {
        struct srv_call *k = *pp;

        if (atomic_load(&k->answered)) {
            *pp = k->cnext;
            k->cnext = list;
            list = k;
        } else {
            pp = &k->cnext;
        }
    }
    rpcrt_mutex_unlock(&c->wlock);
    while (list != NULL) {
        struct srv_call *k = list;

        list = k->cnext;
        release(k);
    }
}
