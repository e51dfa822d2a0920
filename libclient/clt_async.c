/*
 * libclient/clt_async.c -- asynchronous RPC: the RpcAsync* entry points
 * (both sides), and the client's asynchronous call (I_RpcAsyncSend).
 *
 * A client call in flight has a connection of its own, taken from its
 * binding's pool (or opened and bound) by the calling thread, which also
 * writes the request, all of it, before I_RpcAsyncSend returns.  From then
 * on one runtime thread, the poller (started at the first asynchronous
 * call, it lives as long as the process), owns the connections of every
 * call in flight: it waits for them with one poll(), reassembles replies,
 * writes the co_cancel and orphaned PDUs RpcAsyncCancelCall asks for, gives
 * each connection back to its pool when the call is over, and announces
 * completion (event fd, callback).  Other threads only change a call's
 * state under eng.lock and wake the poller through its eventfd.
 *
 * One connection per call, not PFC_CONC_MPX multiplexing: a cancel that
 * gives up on a call (RpcAsyncCancelCall(TRUE)) may close its connection
 * as the synchronous cancel-timeout path does without touching other
 * calls, servers that do not multiplex (Windows negotiates it, others do
 * not) serve us alike, and the limit -- file descriptors and the server's
 * connection limit (RPCRT_OPT_MAX_CONNECTIONS, 4096 by default) -- is far
 * above what one client keeps in flight.
 *
 * A call object's references: its creator's (dropped when
 * RpcAsyncCompleteCall ends it, I_RpcrtAsyncEnd) and the poller's list's
 * (dropped when the poller is done with its connection).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "libclient/async.h"
#include "libclient/clt.h"

/* ---- the entry points (both sides) ---------------------------------------- */

/* What RuntimeInfo holds once a call has ended. */
static const char ended_marker;
#define ENDED ((void *)(uintptr_t)&ended_marker)

static void *
runtime_info(PRPC_ASYNC_STATE p)
{
    return __atomic_load_n(&p->RuntimeInfo, __ATOMIC_ACQUIRE);
}

static int
well_formed(PRPC_ASYNC_STATE p)
{
    return p != NULL && p->Size == sizeof(RPC_ASYNC_STATE) &&
           p->Signature == RPC_ASYNC_SIGNATURE;
}

/* The call behind p, with a reference, or NULL and *st. */
static struct rpc_async *
async_get(PRPC_ASYNC_STATE p, RPC_STATUS *st)
{
    struct rpc_handle *h;
    void *ri;

    if (!well_formed(p)) {
        *st = RPC_S_INVALID_ASYNC_HANDLE;
        return NULL;
    }
    ri = runtime_info(p);
    if (ri == ENDED) {
        *st = RPC_S_INVALID_ASYNC_CALL;
        return NULL;
    }
    if (ri == NULL || (h = I_RpcrtHandleGet(ri, RPC_HANDLE_ASYNC)) == NULL) {
        /* Ended between the two looks (the marker is stored before the
         * object is retired), or never a call of ours. */
        *st = runtime_info(p) == ENDED ? RPC_S_INVALID_ASYNC_CALL
                                       : RPC_S_INVALID_ASYNC_HANDLE;
        return NULL;
    }
    if (((struct rpc_async *)h)->state != p) {
        /* A copy of another call's structure. */
        I_RpcrtHandlePut(h);
        *st = RPC_S_INVALID_ASYNC_HANDLE;
        return NULL;
    }
    return (struct rpc_async *)h;
}

RPCRT_INTERNAL RPC_STATUS
I_RpcrtAsyncCheckNew(PRPC_ASYNC_STATE p)
{
    struct rpc_handle *h;
    void *ri;

    if (!well_formed(p))
        return RPC_S_INVALID_ASYNC_HANDLE;
    ri = runtime_info(p);
    if (ri == NULL || ri == ENDED)
        return RPC_S_OK;
    if ((h = I_RpcrtHandleGet(ri, RPC_HANDLE_ASYNC)) != NULL) {
        I_RpcrtHandlePut(h);
        return RPC_S_INVALID_ASYNC_CALL;
    }
    return RPC_S_INVALID_ASYNC_HANDLE;
}

RPCRT_INTERNAL RPC_STATUS
I_RpcrtAsyncAttach(struct rpc_async *a, const struct rpc_handle_ops *hops,
                   const struct rpc_async_ops *aops, PRPC_ASYNC_STATE p)
{
    RPC_STATUS st;

    a->aops = aops;
    a->state = p;
    if ((st = I_RpcrtHandleInit(&a->h, RPC_HANDLE_ASYNC, hops)) != RPC_S_OK)
        return st;
    __atomic_store_n(&p->RuntimeInfo, (void *)a, __ATOMIC_RELEASE);
    return RPC_S_OK;
}

RPCRT_INTERNAL void
I_RpcrtAsyncEnd(struct rpc_async *a)
{
    __atomic_store_n(&a->state->RuntimeInfo, ENDED, __ATOMIC_RELEASE);
    I_RpcrtHandleRetire(&a->h);
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcAsyncInitializeHandle(PRPC_ASYNC_STATE pAsync, unsigned int Size)
{
    if (pAsync == NULL || Size != sizeof(RPC_ASYNC_STATE))
        return RPC_S_INVALID_ARG;
    pAsync->Size = Size;
    pAsync->Signature = RPC_ASYNC_SIGNATURE;
    pAsync->Lock = 0;
    pAsync->Flags = 0;
    pAsync->StubInfo = NULL;
    pAsync->RuntimeInfo = NULL;
    pAsync->Event = RpcCallComplete;
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcAsyncGetCallStatus(PRPC_ASYNC_STATE pAsync)
{
    struct rpc_async *a;
    RPC_STATUS st;

    if ((a = async_get(pAsync, &st)) == NULL)
        return st;
    st = a->aops->status(a);
    I_RpcrtHandlePut(&a->h);
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcAsyncCompleteCall(PRPC_ASYNC_STATE pAsync, void *Reply)
{
    struct rpc_async *a;
    RPC_STATUS st;

    if ((a = async_get(pAsync, &st)) == NULL)
        return st;
    st = a->aops->complete(a, Reply);
    I_RpcrtHandlePut(&a->h);
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcAsyncAbortCall(PRPC_ASYNC_STATE pAsync, unsigned long ExceptionCode)
{
    struct rpc_async *a;
    RPC_STATUS st;

    if ((a = async_get(pAsync, &st)) == NULL)
        return st;
    st = a->aops->abort(a, ExceptionCode);
    I_RpcrtHandlePut(&a->h);
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcAsyncCancelCall(PRPC_ASYNC_STATE pAsync, int fAbortCall)
{
    struct rpc_async *a;
    RPC_STATUS st;

    if ((a = async_get(pAsync, &st)) == NULL)
        return st;
    st = a->aops->cancel(a, fAbortCall != 0);
    I_RpcrtHandlePut(&a->h);
    return st;
}

RPC_EXPORT void *RPC_ENTRY
RpcAsyncGetCallHandle(PRPC_ASYNC_STATE pAsync)
{
    struct rpc_async *a;
    RPC_STATUS st;
    void *h;

    if ((a = async_get(pAsync, &st)) == NULL)
        return NULL;
    h = a->aops->call_handle(a);
    I_RpcrtHandlePut(&a->h);
    return h;
}

/* ---- client calls --------------------------------------------------------- */

enum { AC_PENDING, AC_DONE };

struct clt_acall {
    struct rpc_async base;           /* first */
    struct clt_acall *next, *prev;   /* eng.list (eng.lock) */
    RPC_BINDING_HANDLE binding;      /* the caller's, borrowed */
    struct clt_assoc *a;             /* poller */
    struct clt_conn *c;              /* poller */
    uint32_t call_id;
    /* How to announce completion, copied at the start. */
    RPC_NOTIFICATION_TYPES ntype;
    int event_fd;
    PFN_RPCNOTIFICATION_ROUTINE routine;
    /* eng.lock */
    int state;                       /* AC_* */
    int ended;                       /* RpcAsyncCompleteCall done */
    int abandon;                     /* RpcAsyncCancelCall(TRUE) */
    int notify;                      /* completion to announce (poller) */
    unsigned cancels_wanted;
    RPC_STATUS status;
    /* Poller only. */
    unsigned cancels_sent;
    struct clt_reply r;
};

static struct {
    pthread_mutex_t lock;
    int started;
    int wake_fd;
    struct clt_acall *list;
    unsigned n;
} eng = {PTHREAD_MUTEX_INITIALIZER, 0, -1, NULL, 0};

static void
acall_destroy(struct rpc_handle *h)
{
    struct clt_acall *k = (struct clt_acall *)h;

    I_RpcrtBufFree(k->r.buf);
    free(k);
}

static const struct rpc_handle_ops acall_hops = {
    .destroy = acall_destroy,
};

static void
wake_poller(void)
{
    uint64_t one = 1;

    if (eng.wake_fd >= 0 && write(eng.wake_fd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is already non-zero; the poller wakes. */
    }
}

static RPC_STATUS
acall_status(struct rpc_async *a)
{
    struct clt_acall *k = (struct clt_acall *)a;
    RPC_STATUS st;

    pthread_mutex_lock(&eng.lock);
    if (k->ended)
        st = RPC_S_INVALID_ASYNC_CALL;
    else if (k->state != AC_DONE)
        st = RPC_S_ASYNC_CALL_PENDING;
    else
        st = k->status;
    pthread_mutex_unlock(&eng.lock);
    return st;
}

static RPC_STATUS
acall_complete(struct rpc_async *a, void *reply)
{
    struct clt_acall *k = (struct clt_acall *)a;
    PRPC_MESSAGE m = reply;
    RPC_STATUS st;

    pthread_mutex_lock(&eng.lock);
    if (k->ended) {
        pthread_mutex_unlock(&eng.lock);
        return RPC_S_INVALID_ASYNC_CALL;
    }
    if (k->state != AC_DONE) {
        pthread_mutex_unlock(&eng.lock);
        return RPC_S_ASYNC_CALL_PENDING;
    }
    k->ended = 1;
    st = k->status;
    pthread_mutex_unlock(&eng.lock);

    /* A call that completed with RPC_S_OK is one the poller is done with
     * (an abandoned call's status is RPC_S_CALL_CANCELLED): its reply is
     * ours to hand over. */
    if (m != NULL) {
        if (st == RPC_S_OK) {
            if (k->r.buf == NULL)
                k->r.buf = malloc(1);
            if (k->r.buf == NULL) {
                st = RPC_S_OUT_OF_MEMORY;
                m->Buffer = NULL;
                m->BufferLength = 0;
            } else {
                m->Buffer = k->r.buf;
                m->BufferLength = (unsigned int)k->r.len;
                m->DataRepresentation = k->r.drep;
                k->r.buf = NULL;
            }
        } else {
            m->Buffer = NULL;
            m->BufferLength = 0;
        }
    }
    I_RpcrtAsyncEnd(a);
    return st;
}

static RPC_STATUS
acall_abort(struct rpc_async *a, unsigned long code)
{
    (void)a;
    (void)code;
    /* RpcAsyncAbortCall is the server's; a client gives up with
     * RpcAsyncCancelCall(pAsync, TRUE). */
    return RPC_S_WRONG_KIND_OF_BINDING;
}

static RPC_STATUS
acall_cancel(struct rpc_async *a, int abort)
{
    struct clt_acall *k = (struct clt_acall *)a;

    pthread_mutex_lock(&eng.lock);
    if (k->ended) {
        pthread_mutex_unlock(&eng.lock);
        return RPC_S_INVALID_ASYNC_CALL;
    }
    if (k->state == AC_DONE) {
        pthread_mutex_unlock(&eng.lock);
        return RPC_S_OK;            /* too late: nothing to cancel */
    }
    k->cancels_wanted++;
    if (abort) {
        /* Complete now; the poller sends co_cancel and orphaned, lets the
         * connection go and announces the completion. */
        k->state = AC_DONE;
        k->status = RPC_S_CALL_CANCELLED;
        k->abandon = 1;
        k->notify = 1;
    }
    pthread_mutex_unlock(&eng.lock);
    wake_poller();
    return RPC_S_OK;
}

static void *
acall_call_handle(struct rpc_async *a)
{
    return ((struct clt_acall *)a)->binding;
}

static const struct rpc_async_ops acall_aops = {
    .status = acall_status,
    .complete = acall_complete,
    .abort = acall_abort,
    .cancel = acall_cancel,
    .call_handle = acall_call_handle,
};

/* ---- the poller ------------------------------------------------------------ */

static void
announce(struct clt_acall *k)
{
    switch (k->ntype) {
    case RpcNotificationTypeEvent: {
        uint64_t one = 1;

        if (write(k->event_fd, &one, sizeof(one)) < 0) {
            /* The application's descriptor; nothing we can do. */
        }
        break;
    }
    case RpcNotificationTypeCallback:
        k->routine(k->base.state, NULL, RpcCallComplete);
        break;
    default:
        break;
    }
}

/* The poller is done with k's connection: back to the pool (or closed),
 * k off the list; completion announced if it is due. */
static void
retire_call(struct clt_acall *k, RPC_STATUS st)
{
    int notify;

    clt_assoc_release(k->a, k->c);
    clt_assoc_unref(k->a);
    k->c = NULL;
    k->a = NULL;
    pthread_mutex_lock(&eng.lock);
    if (k->prev != NULL)
        k->prev->next = k->next;
    else
        eng.list = k->next;
    if (k->next != NULL)
        k->next->prev = k->prev;
    eng.n--;
    if (k->state != AC_DONE) {
        k->state = AC_DONE;
        k->status = st;
        k->notify = 1;
    }
    notify = k->notify;
    k->notify = 0;
    pthread_mutex_unlock(&eng.lock);
    if (notify)
        announce(k);
    I_RpcrtHandlePut(&k->base.h);   /* the list's reference */
}

/* RpcAsyncCancelCall(TRUE): as the synchronous cancel timeout does
 * (clt_call.c), orphaned, and the connection goes unless
 * keep-connection-on-orphan was negotiated and nothing of the reply came. */
static void
abandon(struct clt_acall *k)
{
    if (k->cancels_sent == 0 &&
        clt_conn_send_simple(k->c, PTYPE_CO_CANCEL, k->call_id, NULL) != 0)
        k->c->broken = 1;
    if (!k->c->broken && clt_conn_send_simple(k->c, PTYPE_ORPHANED, k->call_id, NULL) != 0)
        k->c->broken = 1;
    if (!(k->c->features & BTFN_KEEP_CONNECTION_ON_ORPHAN) || k->r.started ||
        k->c->rlen != 0)
        k->c->broken = 1;
    retire_call(k, RPC_S_CALL_CANCELLED);
}

/* Reads what k's connection has; 1 when the call is over (k retired). */
static int
on_readable(struct clt_acall *k)
{
    for (;;) {
        struct rpc_pdu p;
        clt_deadline now;
        size_t len;
        RPC_STATUS st = RPC_S_OK;
        int done = 0;

        clt_deadline_in_ms(&now, 0);
        switch (clt_conn_recv_pdu(k->c, -1, &now, &len)) {
        case CLT_PDU:
            break;
        case CLT_TIMEOUT:
        case CLT_WOKEN:
            return 0;               /* nothing more for now */
        default:
            k->c->broken = 1;
            retire_call(k, RPC_S_CALL_FAILED);
            return 1;
        }
        if (rpc_pdu_parse(clt_conn_pdu(k->c), len, &p) != 0) {
            k->c->broken = 1;
            retire_call(k, RPC_S_PROTOCOL_ERROR);
            return 1;
        }
        done = clt_reply_take(k->c, &k->r, k->call_id, &p, &st);
        rpc_pdu_clear(&p);
        clt_conn_consume(k->c, len);
        if (done) {
            retire_call(k, st);
            return 1;
        }
    }
}

static void *
poller_main(void *arg)
{
    struct pollfd *pfd = NULL;
    struct clt_acall **calls = NULL;
    size_t cap = 0;

    (void)arg;
    for (;;) {
        size_t n = 0;
        int r;

        /* Cancels asked for since the last round (the list changes only
         * here and in I_RpcAsyncSend, which adds at the head). */
        pthread_mutex_lock(&eng.lock);
        if (eng.n + 1 > cap) {
            size_t ncap = (eng.n + 1) * 2;
            struct pollfd *np = realloc(pfd, ncap * sizeof(*np));
            struct clt_acall **nc;

            if (np != NULL)
                pfd = np;
            nc = realloc(calls, ncap * sizeof(*nc));
            if (nc != NULL)
                calls = nc;
            if (np != NULL && nc != NULL)
                cap = ncap;
        }
        for (struct clt_acall *k = eng.list; k != NULL && n + 1 < cap; k = k->next)
            calls[n++] = k;
        pthread_mutex_unlock(&eng.lock);

        for (size_t i = 0; i < n; i++) {
            struct clt_acall *k = calls[i];
            unsigned want;
            int ab;

            pthread_mutex_lock(&eng.lock);
            want = k->cancels_wanted;
            ab = k->abandon;
            pthread_mutex_unlock(&eng.lock);
            if (ab) {
                abandon(k);
                calls[i] = NULL;
                continue;
            }
            while (k->cancels_sent < want) {
                if (clt_conn_send_simple(k->c, PTYPE_CO_CANCEL, k->call_id, NULL) != 0) {
                    k->c->broken = 1;
                    break;
                }
                k->cancels_sent++;
            }
        }
        pfd[0].fd = eng.wake_fd;
        pfd[0].events = POLLIN;
        pfd[0].revents = 0;
        for (size_t i = 0; i < n; i++) {
            pfd[i + 1].fd = calls[i] != NULL ? calls[i]->c->fd : -1;
            pfd[i + 1].events = POLLIN;
            pfd[i + 1].revents = 0;
        }
        r = poll(pfd, (nfds_t)(n + 1), -1);
        if (r < 0)
            continue;               /* EINTR (no signals reach us, though) */
        if (pfd[0].revents & POLLIN) {
            uint64_t v;

            if (read(eng.wake_fd, &v, sizeof(v)) < 0) {
                /* EAGAIN: someone else's wake-up was read already. */
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (calls[i] == NULL || pfd[i + 1].revents == 0)
                continue;
            on_readable(calls[i]);
        }
    }
    return NULL;
}

/* Starts the poller once (eng.lock held). */
static RPC_STATUS
poller_start_locked(void)
{
    pthread_attr_t attr;
    sigset_t all, old;
    pthread_t tid;
    int r;

    if (eng.started)
        return RPC_S_OK;
    if (eng.wake_fd < 0 &&
        (eng.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        return RPC_S_OUT_OF_RESOURCES;
    if (pthread_attr_init(&attr) != 0)
        return RPC_S_OUT_OF_THREADS;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The runtime's threads take no signals: they are the application's. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(&tid, &attr, poller_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (r != 0)
        return RPC_S_OUT_OF_THREADS;
    eng.started = 1;
    return RPC_S_OK;
}

/* ---- sending (the caller's thread) ----------------------------------------- */

/* The whole request (clt_write_request: the same fragments as a
 * synchronous call's), written before the call is handed to the poller. */
static RPC_STATUS
send_request(struct clt_acall *k, uint16_t cont_id, const GUID *object,
             const PRPC_MESSAGE msg, const struct rpc_stub_ext *from)
{
    clt_deadline dl;
    int first_sent = 0;

    clt_deadline_none(&dl);
    if (clt_write_request(k->c, k->call_id, cont_id, object, msg, from, &dl,
                          NULL, NULL, &first_sent) == 0) {
        /* The poller reads only once poll() said readable. */
        k->c->poll_first = 0;
        return RPC_S_OK;
    }
    if (errno == EINVAL)
        return RPC_S_INTERNAL_ERROR;
    k->c->broken = 1;
    return first_sent ? RPC_S_CALL_FAILED : RPC_S_CALL_FAILED_DNE;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
I_RpcAsyncSend(PRPC_MESSAGE Message, PRPC_ASYNC_STATE pAsync)
{
    const RPC_CLIENT_INTERFACE *ci;
    struct clt_binding *b = NULL;
    struct clt_assoc *a = NULL;
    struct clt_acall *k = NULL;
    struct clt_cancel cc;
    struct clt_thread nobody;
    struct rpc_stub_ext from, into;
    uint16_t cont_id = 0;
    GUID object;
    RPC_STATUS st;

    if (Message == NULL)
        return RPC_S_INVALID_ARG;
    memset(&cc, 0, sizeof(cc));
    clt_ranges_take(Message, &from, &into);
    if (into.len > 0) {
        /* RpcrtBufferReceiveInto is for I_RpcSendReceive only: the
         * poller would write to the caller's memory after it gave up on
         * a call. */
        st = RPC_S_INVALID_ARG;
        goto out;
    }
    if ((st = I_RpcrtAsyncCheckNew(pAsync)) != RPC_S_OK)
        goto out;
    if (pAsync->NotificationType != RpcNotificationTypeNone &&
        pAsync->NotificationType != RpcNotificationTypeEvent &&
        pAsync->NotificationType != RpcNotificationTypeCallback) {
        st = RPC_S_CANNOT_SUPPORT;
        goto out;
    }
    if ((pAsync->NotificationType == RpcNotificationTypeEvent && pAsync->u.hEvent < 0) ||
        (pAsync->NotificationType == RpcNotificationTypeCallback &&
         pAsync->u.NotificationRoutine == NULL)) {
        st = RPC_S_INVALID_ARG;
        goto out;
    }
    if ((b = clt_binding_get(Message->Handle)) == NULL) {
        st = RPC_S_INVALID_BINDING;
        goto out;
    }
    ci = Message->RpcInterfaceInformation;
    if (ci == NULL || (Message->Buffer == NULL && Message->BufferLength != 0)) {
        st = RPC_S_INVALID_ARG;
        goto out;
    }
    if ((k = calloc(1, sizeof(*k))) == NULL) {
        st = RPC_S_OUT_OF_MEMORY;
        goto out;
    }
    k->binding = Message->Handle;
    k->ntype = pAsync->NotificationType;
    k->event_fd = pAsync->NotificationType == RpcNotificationTypeEvent ? pAsync->u.hEvent : -1;
    k->routine = pAsync->NotificationType == RpcNotificationTypeCallback
                 ? pAsync->u.NotificationRoutine : NULL;
    k->state = AC_PENDING;

    rpcrt_mutex_lock(&b->lock);
    object = b->object;
    rpcrt_mutex_unlock(&b->lock);
    if ((st = clt_binding_resolve(b, &ci->InterfaceId)) != RPC_S_OK ||
        (st = clt_binding_assoc(b, &a)) != RPC_S_OK)
        goto out;

    pthread_mutex_lock(&eng.lock);
    st = poller_start_locked();
    pthread_mutex_unlock(&eng.lock);
    if (st != RPC_S_OK)
        goto out;

    /* Connect and bind on this thread.  RpcCancelThread does not reach an
     * asynchronous call (RpcAsyncCancelCall does): its cancel state is a
     * thread state of its own that nobody posts to. */
    memset(&nobody, 0, sizeof(nobody));
    rpcrt_mutex_init(&nobody.lock);
    nobody.wake_fd = -1;
    nobody.cancel_timeout = nobody.call_timeout = RPC_C_CANCEL_INFINITE_TIMEOUT;
    cc.ts = &nobody;
    cc.timeout = RPC_C_CANCEL_INFINITE_TIMEOUT;
    clt_deadline_none(&cc.dl);
    if ((st = clt_assoc_acquire(a, &cc, &ci->InterfaceId, &k->c, &cont_id)) != RPC_S_OK)
        goto out;
    k->call_id = atomic_fetch_add(&a->next_call_id, 1);
    if ((st = send_request(k, cont_id, &object, Message, &from)) != RPC_S_OK)
        goto out;
    if ((st = I_RpcrtAsyncAttach(&k->base, &acall_hops, &acall_aops, pAsync)) != RPC_S_OK) {
        k->c->broken = 1;
        goto out;
    }
    /* In flight: the poller owns the connection from here on. */
    k->a = a;
    a = NULL;
    I_RpcrtHandleRef(&k->base.h);           /* the list's */
    pthread_mutex_lock(&eng.lock);
    k->next = eng.list;
    if (eng.list != NULL)
        eng.list->prev = k;
    eng.list = k;
    eng.n++;
    pthread_mutex_unlock(&eng.lock);
    wake_poller();
    k = NULL;

out:
    if (k != NULL) {
        if (k->c != NULL)
            clt_assoc_release(a, k->c);
        free(k);
    }
    if (a != NULL)
        clt_assoc_unref(a);
    if (b != NULL)
        I_RpcrtHandlePut(&b->h);
    /* I_RpcGetBuffer's pin of the binding, if any, is done with. */
    I_RpcrtHandleUnpinIf(Message->Handle);
    /* The request buffer is the runtime's, whatever happened. */
    free(Message->Buffer);
    Message->Buffer = NULL;
    Message->BufferLength = 0;
    return st;
}
