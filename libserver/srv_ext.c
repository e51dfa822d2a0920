/*
 * libserver/srv_ext.c -- the server's shared state, and rpcrt's own
 * extensions (rpcrt/rpcrt_ext.h): the log hook, the limits, teardown.
 *
 * A library never prints or exits on its own (libevent's include/event2
 * style): everything worth saying goes through srv_log() to the handler
 * the application installed, and is dropped when there is none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libserver/srv.h"

struct srv_state srv = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
    .work = PTHREAD_COND_INITIALIZER,
    .opt = {
        .max_request = SRV_DEFAULT_MAX_REQUEST,
        .max_conns = SRV_DEFAULT_MAX_CONNS,
        .bind_timeout = SRV_DEFAULT_BIND_TIMEOUT,
        .idle_timeout = SRV_DEFAULT_IDLE_TIMEOUT,
        .worker_idle = SRV_DEFAULT_WORKER_IDLE,
        .allow_remote_stop = 0,
        .inline_grace_us = SRV_DEFAULT_INLINE_GRACE_US,
        .stay_us = SRV_DEFAULT_STAY_US,
    },
};

/* ---- logging ------------------------------------------------------------ */

/* Its own lock: srv_log() is called with and without srv.lock held. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static RPCRT_LOG_HANDLER log_fn;
static void *log_ctx;
static int log_max = RPCRT_LOG_WARNING;

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtSetLogHandler(RPCRT_LOG_HANDLER Handler, void *Context, int MaxLevel)
{
    pthread_mutex_lock(&log_lock);
    log_fn = Handler;
    log_ctx = Context;
    log_max = MaxLevel;
    pthread_mutex_unlock(&log_lock);
    return RPC_S_OK;
}

void
srv_log(int level, const char *fmt, ...)
{
    RPCRT_LOG_HANDLER fn;
    void *ctx;
    char msg[512];
    va_list ap;

    pthread_mutex_lock(&log_lock);
    fn = log_fn;
    ctx = log_ctx;
    if (level > log_max)
        fn = NULL;
    pthread_mutex_unlock(&log_lock);
    if (fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fn(level, msg, ctx);
}

/* ---- options ------------------------------------------------------------ */

void
srv_options_get(struct srv_options *o)
{
    pthread_mutex_lock(&srv.lock);
    *o = srv.opt;
    pthread_mutex_unlock(&srv.lock);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtServerSetOption(unsigned int Option, unsigned long Value)
{
    RPC_STATUS st = RPC_S_OK;

    pthread_mutex_lock(&srv.lock);
    switch (Option) {
    case RPCRT_OPT_MAX_REQUEST_SIZE:
        if (Value < SRV_MIN_MAX_REQUEST || Value > SIZE_MAX / 2)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.max_request = (size_t)Value;
        break;
    case RPCRT_OPT_MAX_CONNECTIONS:
        if (Value == 0 || Value > 1000000)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.max_conns = (unsigned)Value;
        break;
    case RPCRT_OPT_BIND_TIMEOUT:
    case RPCRT_OPT_IDLE_TIMEOUT:
        if (Value > 86400UL * 365)
            st = RPC_S_INVALID_ARG;
        else if (Option == RPCRT_OPT_BIND_TIMEOUT)
            srv.opt.bind_timeout = (unsigned)Value;
        else
            srv.opt.idle_timeout = (unsigned)Value;
        break;
    case RPCRT_OPT_ALLOW_REMOTE_STOP:
        if (Value > 1)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.allow_remote_stop = (int)Value;
        break;
    case RPCRT_OPT_WORKER_IDLE_TIMEOUT:
        if (Value == 0 || Value > 86400)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.worker_idle = (unsigned)Value;
        break;
    case RPCRT_OPT_MAX_WORKER_THREADS:
        if (Value > 1000000)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.max_workers = (unsigned)Value;
        break;
    case RPCRT_OPT_MAX_CALLS_PER_CONNECTION:
        if (Value > 1000000)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.max_conn_calls = (unsigned)Value;
        break;
    case RPCRT_OPT_INLINE_GRACE_US:
        if (Value < 100 || Value > 60000000)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.inline_grace_us = (unsigned)Value;
        break;
    case RPCRT_OPT_CONN_STAY_US:
        if (Value > 1000000)
            st = RPC_S_INVALID_ARG;
        else
            srv.opt.stay_us = (unsigned)Value;
        break;
    default:
        st = RPC_S_INVALID_ARG;
        break;
    }
    pthread_mutex_unlock(&srv.lock);
    return st;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtServerInqOption(unsigned int Option, unsigned long *Value)
{
    struct srv_options o;

    if (Value == NULL)
        return RPC_S_INVALID_ARG;
    srv_options_get(&o);
    switch (Option) {
    case RPCRT_OPT_MAX_REQUEST_SIZE:    *Value = o.max_request; break;
    case RPCRT_OPT_MAX_CONNECTIONS:     *Value = o.max_conns; break;
    case RPCRT_OPT_BIND_TIMEOUT:        *Value = o.bind_timeout; break;
    case RPCRT_OPT_IDLE_TIMEOUT:        *Value = o.idle_timeout; break;
    case RPCRT_OPT_ALLOW_REMOTE_STOP:   *Value = (unsigned long)o.allow_remote_stop; break;
    case RPCRT_OPT_WORKER_IDLE_TIMEOUT: *Value = o.worker_idle; break;
    case RPCRT_OPT_MAX_WORKER_THREADS:  *Value = o.max_workers; break;
    case RPCRT_OPT_MAX_CALLS_PER_CONNECTION: *Value = o.max_conn_calls; break;
    case RPCRT_OPT_INLINE_GRACE_US:     *Value = o.inline_grace_us; break;
    case RPCRT_OPT_CONN_STAY_US:        *Value = o.stay_us; break;
    default:
        return RPC_S_INVALID_ARG;
    }
    return RPC_S_OK;
}

/* ---- connections --------------------------------------------------------- */

static atomic_ullong next_conn_id;
/* Its own lock, like the log handler's: read by the I/O thread with or
 * without srv.lock. */
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;
static RPCRT_CONNECTION_CLOSE_HANDLER close_fn;
static void *close_ctx;

uint64_t
srv_conn_next_id(void)
{
    return (uint64_t)atomic_fetch_add(&next_conn_id, 1) + 1;
}

void
srv_conn_closed_notify(uint64_t id)
{
    RPCRT_CONNECTION_CLOSE_HANDLER fn;
    void *ctx;

    pthread_mutex_lock(&close_lock);
    fn = close_fn;
    ctx = close_ctx;
    pthread_mutex_unlock(&close_lock);
    if (fn != NULL)
        fn((unsigned long long)id, ctx);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtServerSetConnectionCloseHandler(RPCRT_CONNECTION_CLOSE_HANDLER Handler,
                                     void *Context)
{
    pthread_mutex_lock(&close_lock);
    close_fn = Handler;
    close_ctx = Context;
    pthread_mutex_unlock(&close_lock);
    return RPC_S_OK;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtServerInqCallInfo(RPC_BINDING_HANDLE Call, RPCRT_CALL_INFO *Info)
{
    const struct srv_conninfo *in;
    struct srv_call *k;
    RPC_STATUS st;

    if (Info == NULL)
        return RPC_S_INVALID_ARG;
    /* The registry vouches for the handle (a live call) before anything
     * reads through it; the copy in the call never changes. */
    if ((k = srv_call_get(Call, &st)) == NULL)
        return st;
    in = &k->info;
    memset(Info, 0, sizeof(*Info));
    Info->Protseq = in->protseq == RPC_PROTSEQ_NCALRPC ? RPCRT_PROTSEQ_NCALRPC
                                                       : RPCRT_PROTSEQ_NCACN_IP_TCP;
    Info->IsLocal = in->protseq == RPC_PROTSEQ_NCALRPC;
    Info->HasCredentials = in->has_cred;
    Info->ClientUid = in->uid;
    Info->ClientGid = in->gid;
    Info->ClientPid = in->pid;
    Info->LocalAddress = in->local;
    Info->ClientAddress = in->peer;
    snprintf(Info->Endpoint, sizeof(Info->Endpoint), "%s", in->endpoint);
    Info->ConnectionId = (unsigned long long)in->id;
    I_RpcrtHandlePut(&k->h);
    return RPC_S_OK;
}

/* ---- teardown ----------------------------------------------------------- */

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtServerShutdown(void)
{
    if (srv_call_current() != NULL)
        return RPC_S_CALL_IN_PROGRESS;

    pthread_mutex_lock(&srv.lock);
    if (srv.listening)
        srv.stopping = 1;
    if (srv.io_running) {
        /* Listeners go, connections close: their calls are orphaned and
         * their routines (which may test for cancel) run to their end. */
        srv.closed_all = 0;
        srv_io_kick_locked(SRV_KICK_CLOSE_ALL);
        while (!srv.closed_all)
            pthread_cond_wait(&srv.cond, &srv.lock);
    }
    srv.call_end_waiters++;
    while (srv.running > 0)
        pthread_cond_wait(&srv.cond, &srv.lock);
    srv.call_end_waiters--;
    srv_listen_update_locked();
    pthread_mutex_unlock(&srv.lock);

    srv_io_stop();          /* writes nothing more; frees what is left */
    srv_worker_stop_all();
    srv_protseq_free_all();
    srv_if_free_all();

    pthread_mutex_lock(&srv.lock);
    srv.listening = 0;
    srv.stopping = 0;
    srv.wait_pending = 0;
    pthread_cond_broadcast(&srv.cond);
    pthread_mutex_unlock(&srv.lock);
    return RPC_S_OK;
}
