/*
 * libserver/srv.h -- libserver's private interface.
 *
 * Threads and who owns what:
 *  - The I/O thread runs one libevent event_base.  It owns every
 *    connection (struct srv_conn): sockets, framing, the per-connection
 *    state machine, presentation contexts, request reassembly, and all
 *    writes to the wire.  Nothing else touches a connection.
 *  - Worker threads run manager routines.  A call (struct srv_call) goes
 *    from the I/O thread to a worker through the run queue (struct
 *    srv_state, under srv.lock); the worker encodes the answer and writes
 *    it to the socket itself (srv_call_complete, under the connection's
 *    wlock), unless the call was orphaned, and marks the call answered;
 *    the I/O thread unlinks and frees answered calls the next time it
 *    reads from the connection or closes it.  A call that ends after its
 *    connection closed goes back through the done queue instead.  The
 *    I/O thread is a role, not a thread: whichever pool thread runs the
 *    event loop may keep a request for itself and hand the loop to an
 *    idle one (leader/followers, srv_worker.c).  A routine may make its
 *    call asynchronous (I_RpcAsyncSetHandle, srv_async.c): the worker is
 *    then free when it returns, and whichever thread later calls
 *    RpcAsyncCompleteCall/AbortCall encodes the answer and completes the
 *    call (srv_call_complete); until then the call counts as running
 *    (MaxCalls) and stays on its connection's list, where
 *    co_cancel/orphaned reach it.
 *  - What both sides read while a call runs is either fixed before the
 *    hand-off or atomic: the cancel count and the orphaned flag, which the
 *    I/O thread sets when a co_cancel/orphaned PDU arrives or the
 *    connection is lost, and RpcServerTestCancel reads.
 *  - API threads (RpcServerUseProtseq*, RegisterIf, Listen ...) change
 *    shared state under srv.lock and ask the I/O thread to act by
 *    "kicking" it (srv_io_kick), never by touching libevent objects.
 *
 * "I/O thread" below is the thread that reads the connection: the event
 * loop's, or a thread staying on that connection (srv_io.c), which owns
 * its input side until the loop has picked it up again.
 *
 * Lifetimes: a connection is refcounted (I/O thread only): the open socket
 * holds one reference and every dispatched call one more, so a connection
 * lost while calls run stays allocated until the last of them has been
 * reaped or come back through the done queue.  A dispatched call is a registered runtime
 * handle (libclient/handle.h): its memory goes when its last reference
 * does, so RpcServerTestCancel on a finished call's handle sees an
 * unregistered pointer and never touches freed memory.
 */
#ifndef RPCRT_LIBSERVER_SRV_H
#define RPCRT_LIBSERVER_SRV_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <rpcrt/rpcdce.h>
#include <rpcrt/rpcrt_ext.h>

#include "libclient/handle.h"
#include "libclient/lock.h"
#include "proto/proto.h"

/* The functions of the public API (rpcdce.h, rpcrt_ext.h); everything
 * else in the library is hidden (-fvisibility=hidden). */
#define SRV_EXPORT __attribute__((visibility("default")))

struct event;
struct event_base;
struct evconnlistener;

/* ---- defaults --------------------------------------------------------- */
#define SRV_DEFAULT_MAX_REQUEST    (64u * 1024 * 1024)
#define SRV_MIN_MAX_REQUEST        4096u
#define SRV_DEFAULT_MAX_CONNS      4096u
#define SRV_DEFAULT_BIND_TIMEOUT   30u
#define SRV_DEFAULT_IDLE_TIMEOUT   900u
#define SRV_DEFAULT_WORKER_IDLE    30u
#define SRV_DEFAULT_INLINE_GRACE_US 1000u
#define SRV_DEFAULT_STAY_US 1000u
/* Presentation contexts one connection may accumulate over its binds and
 * alter_contexts; more are refused with local_limit_exceeded. */
#define SRV_MAX_CTX_PER_CONN       256u
/* Our side of the fragment size negotiation (MS-RPCE 3.3.1.5.6; what
 * Windows and Samba use) and C706 12.6.3.1's floor every implementation
 * must accept. */
#define SRV_MAX_FRAG               RPC_DEFAULT_FRAG_SIZE
#define SRV_MIN_FRAG               RPC_MIN_FRAG_SIZE
/* MaxCalls an autolisten interface without its own gets, and the limit of
 * the built-in mgmt interface while the server is not listening. */
#define SRV_AUTOLISTEN_MAX_CALLS   64u

/* ---- shared state ------------------------------------------------------ */

/* Set under srv.lock; the two atomic ones are also read without it, for
 * each call (srv_call.c). */
struct srv_options {
    atomic_size_t max_request;
    unsigned max_conns;
    unsigned bind_timeout;           /* seconds, 0: none */
    unsigned idle_timeout;           /* seconds, 0: none */
    unsigned worker_idle;            /* seconds */
    unsigned max_workers;            /* 0: no limit but MaxCalls */
    atomic_uint max_conn_calls;      /* calls in progress per connection, 0: no limit */
    int allow_remote_stop;
    unsigned inline_grace_us;        /* the watcher's tick (srv_worker.c) */
    unsigned stay_us;                /* a thread's stay on its connection (srv_io.c), 0: none */
};

/* A listening socket.  Created by an API thread (socket, bind, listen);
 * its evconnlistener is created, enabled, disabled and freed by the I/O
 * thread.  Freed by RpcrtServerShutdown. */
struct srv_endpoint {
    struct srv_endpoint *next;
    enum rpc_protseq protseq;
    int family;                      /* AF_INET, AF_INET6, AF_UNIX */
    int fd;                          /* -1 once the listener owns it */
    struct evconnlistener *lev;      /* I/O thread */
    struct event *retry_ev;          /* I/O thread: accept back-off */
    int wildcard;                    /* bound to the any address */
    char addr[64];                   /* numeric bound address */
    char endpoint[80];               /* port or ncalrpc name */
    char path[108];                  /* ncalrpc socket file */
};

/* A registered interface.  refs: the registry holds one while it is
 * registered, each call (from its first fragment until it is done) one. */
struct srv_if {
    struct srv_if *next;
    atomic_uint refs;
    atomic_int registered;
    const RPC_SERVER_INTERFACE *spec;   /* the caller's, borrowed */
    RPC_SYNTAX_IDENTIFIER id;           /* spec->InterfaceId */
    UUID mgr_type;
    RPC_MGR_EPV *epv;                   /* MgrEpv or the spec's default */
    unsigned flags;
    unsigned max_calls;                 /* autolisten interfaces */
    unsigned max_rpc_size;              /* 0: no limit of its own */
    RPC_IF_CALLBACK_FN *callback;
    atomic_uint active;                 /* calls dispatched (counted in and
                                         * out without srv.lock: srv_worker.c,
                                         * admit and discharge) */
    int builtin;                        /* the mgmt interface */
};

/* A presentation context (C706 12.6.3.1 p_cont_elem_t) accepted on a
 * connection. */
struct srv_pctx {
    uint16_t cont_id;
    RPC_SYNTAX_IDENTIFIER abstract;
};

/* An association group (MS-RPCE 3.3.1.5.2.2): connections that bound with
 * its id share it.  I/O thread only. */
struct srv_assoc {
    struct srv_assoc *next;
    uint32_t id;
    unsigned nconns;
};

struct srv_call;
struct srv_async;

/* What a connection is, as learned when it was accepted (RpcrtServerInq-
 * CallInfo): written once by the I/O thread before the connection's first
 * call, and copied into each call, so workers read their own copy. */
struct srv_conninfo {
    uint64_t id;                     /* never 0; unique in the process */
    enum rpc_protseq protseq;
    struct sockaddr_storage local;   /* getsockname; AF_UNIX: the socket path */
    struct sockaddr_storage peer;    /* accept's address */
    int has_cred;                    /* SO_PEERCRED (ncalrpc) */
    uid_t uid;
    gid_t gid;
    pid_t pid;
    char endpoint[80];               /* the endpoint's port or name */
};

struct srv_out;

/* One accepted connection.  I/O thread only, except the fields marked
 * wlock, which any thread writing an answer uses under wlock (lock order:
 * a connection's wlock before srv.lock, never the other way round). */
struct srv_conn {
    struct srv_conn *next, *prev;    /* srv.conns */
    unsigned refs;
    struct srv_endpoint *ep;
    rpcrt_mutex wlock;
    int fd;                          /* wlock; -1 once closed */
    struct event *rev, *wev;         /* read / write events, NULL once closed */
    int wev_added;                   /* wlock: wev pending */
    struct srv_out *out_head, *out_tail;  /* wlock: unwritten output */
    size_t out_bytes;                /* wlock */
    int closing;                     /* wlock: close once the output is written */
    int dead;                        /* wlock: socket gone */
    uint8_t *in;                     /* input buffer (srv_io.c) */
    size_t in_len, in_cap;
    unsigned read_timeout;           /* seconds, 0: none */
    int bound;                       /* bind_ack sent */
    int conc_mpx;                    /* PFC_CONC_MPX negotiated */
    int reading_paused;              /* output over its limit */
    uint16_t max_xmit, max_recv;     /* negotiated fragment sizes */
    /* The interface a request's context found last (srv_if_find_conn;
     * the connection's reader only), with a reference, valid while
     * srv.if_gen stays if_cache_gen. */
    struct srv_if *if_cache;
    unsigned if_cache_gen;
    uint16_t if_cache_cont;
    uint16_t features;               /* BTFN_* acknowledged */
    struct srv_assoc *assoc;
    struct srv_pctx *ctx;
    unsigned n_ctx, cap_ctx;
    struct srv_call *frag;           /* request being reassembled */
    struct srv_call *calls;          /* dispatched, not yet reaped (wlock
                                      * to unlink answered ones) */
    char peer[96];                   /* the client, as a string binding */
    struct srv_conninfo info;        /* info.id 0: never announced */
    /* The bind and idle timeouts (seconds, 0: none).  The read event's
     * timeout catches a silent peer; a peer that trickles bytes without
     * completing a PDU is closed once a PDU has been incomplete that long
     * (partial_since: CLOCK_MONOTONIC seconds, 0: none). */
    unsigned bind_s, idle_s;
    time_t partial_since;
    /* Who reads the connection (srv_io.c, "staying"): the event loop
     * (STAY_NONE), a thread staying on it (STAY_ON), or the loop again
     * once it picks the connection up from srv.stay_back (STAY_BACK).
     * Written under srv.lock; atomic so that the loop's srv_io_close may
     * read it without. */
    atomic_int stay;
    int stay_ready;                  /* its socket set up for staying */
    atomic_int close_pending;        /* srv_io_close while stayed: 1, 2 flush */
    struct srv_conn *stay_next;      /* srv.stay_back */
};

/* One thread's stay on a connection (srv_io.c), on that thread's stack,
 * listed in srv.stays while it lasts (next, seen: under srv.lock).  Once
 * ended (by the thread, the watcher, a cancel test or a close) the thread
 * touches the connection no more: the loop may free it from then on.
 *
 * `word` is how the thread and the watcher agree without srv.lock for
 * each call: the thread adds STAY_W_CALL | STAY_W_BUSY before a call and
 * clears STAY_W_BUSY after it; the watcher ends a stay by setting
 * STAY_W_ENDED only while the word still shows the call it saw busy at
 * its last tick (compare-and-swap), and the thread learns of it from what
 * its clearing returns. */
struct srv_stay {
    struct srv_stay *next;           /* srv.stays */
    struct srv_conn *c;
    atomic_uint word;                /* STAY_W_* and the calls run, above */
    unsigned seen;                   /* the word's call count at the last tick */
    atomic_int end_wanted;           /* a queued call needs the thread */
};

#define STAY_W_BUSY   0x1u           /* the thread runs a call */
#define STAY_W_ENDED  0x2u
#define STAY_W_CALL   0x4u           /* one call in the count */

#define STAY_NONE 0
#define STAY_ON   1
#define STAY_BACK 2

/* A call.  Fields above `cancels` are written by the I/O thread before
 * the call is handed to a worker and only read afterwards, except req,
 * reply and out which belong to whoever holds the call. */
struct srv_call {
    struct rpc_handle h;             /* first: RPC_HANDLE_SERVER_CALL */
    struct srv_call *next;           /* run queue / done queue */
    struct srv_call *cnext;          /* conn->calls */
    struct srv_conn *conn;           /* I/O thread; a reference */
    struct srv_if *iface;            /* a reference */
    uint32_t call_id;
    uint16_t cont_id;
    uint16_t opnum;
    uint8_t drep[4];
    int has_object;
    GUID object;
    uint16_t max_xmit;               /* fragment size for the answer */
    size_t limit;                    /* reassembly cap */
    unsigned conn_calls_max;         /* RPCRT_OPT_MAX_CALLS_PER_CONNECTION */
    uint8_t *req;                    /* reassembled request stub */
    size_t req_len, req_cap;
    /* While it arrives: the stub size of its fragments so far (0: they
     * differ) and what the last one's alloc_hint leaves, for reading the
     * next ones in place (srv_call_direct_plan). */
    size_t frag_chunk, frag_left;
    uint8_t *reply;                  /* I_RpcGetBuffer's buffer */
    size_t reply_cap;
    /* RpcrtBufferSendFrom on reply: a range of it sent from req (also
     * of out_stub once the reply buffer went there: the handle is
     * withdrawn then, so the range stays as it was). */
    struct rpc_stub_ext reply_from;
    /* The answer: a fault PDU in out (out_nfrag 0), or a response's
     * out_nfrag headers in out (or out_hdr when they fit, out then
     * pointing there) to go out gathered with the reply stub out_stub. */
    uint8_t *out;
    size_t out_len;
    uint8_t *out_stub;
    size_t out_stub_len, out_nfrag, out_chunk;
    uint8_t out_hdr[2 * RPC_RESPONSE_HDR_LEN];
    struct srv_async *async;         /* I_RpcAsyncSetHandle (routine's thread) */
    /* In the handle registry: active, withdrawn since its answer, or a
     * withdrawn spare.  srv_call_free takes it out, or keeps it there
     * when the object becomes a staying thread's next spare. */
    int listed;
    /* Written by the I/O thread at any time, read by anyone. */
    atomic_uint cancels;             /* co_cancels (+1 when orphaned) */
    atomic_int orphaned;             /* orphaned PDU or connection lost */
    atomic_int observed;             /* RpcServerTestCancel said RPC_S_OK */
    atomic_int done;                 /* the routine has returned */
    /* Set under the connection's wlock once the answer is written (or
     * dropped); the I/O thread then reaps the call (srv_call_reap). */
    atomic_int answered;
    /* From lrpc on: what call_prefill copies from the connection, the
     * same for each of its calls; kept when a staying thread recycles a
     * finished call object as its next spare (srv_call_free), everything
     * before it but the handle cleared. */
    int lrpc;                        /* came over ncalrpc */
    RPC_SYNTAX_IDENTIFIER xfer;      /* RPC_MESSAGE.TransferSyntax */
    char peer[96];
    struct srv_conninfo info;        /* a copy of its connection's */
    uint64_t prefilled;              /* info.id of the connection copied */
};

/* Appends k to a queue of calls linked through next: the run queue and
 * the done queue (srv.lock held), a loop thread's batch. */
static inline void
srv_call_append(struct srv_call **head, struct srv_call **tail,
                struct srv_call *k)
{
    k->next = NULL;
    if (*tail != NULL)
        (*tail)->next = k;
    else
        *head = k;
    *tail = k;
}

/* Things the I/O thread is asked to do (srv.kick). */
#define SRV_KICK_SYNC      0x1u      /* create/enable/disable listeners */
#define SRV_KICK_CLOSE_ALL 0x2u      /* free listeners, close connections */
#define SRV_KICK_EXIT      0x4u      /* leave the event loop */
#define SRV_KICK_STAY_BACK 0x8u      /* pick up srv.stay_back */

struct srv_state {
    pthread_mutex_t lock;            /* everything below unless noted */
    pthread_cond_t cond;             /* listening, running, active changes */
    /* Threads waiting on cond for calls to end (running or an interface's
     * active count to fall): a call's end broadcasts only when there are
     * any, or every call would wake a thread parked in
     * RpcMgmtWaitServerListen (RpcServerListen without DontWait).
     * Changed under lock, read without it by a call's end (discharge). */
    atomic_uint call_end_waiters;
    pthread_cond_t work;             /* run queue and worker exits */
    struct srv_options opt;

    /* I/O thread. */
    struct event_base *base;
    struct event *kick_ev;           /* activated by srv_io_kick */
    struct event *done_ev;           /* activated when a call is done */
    int io_running;
    /* The loop is a role any pool thread takes (srv_worker.c). */
    int loop_free;                   /* it waits for a thread to run it */
    unsigned loop_claims;            /* hand-offs promised to idle threads */
    int loop_exit;                   /* SRV_KICK_EXIT seen: leave it */
    int loop_stopped;                /* left for good */
    int inline_busy;                 /* the loop's thread runs calls inline */
    unsigned inline_seq;             /* counts those batches */
    struct srv_call *inline_rest;    /* the batch's calls not begun */
    int watcher;                     /* an idle thread watches them */
    int watch_wanted;                /* one was woken to become it */
    unsigned kick;                   /* SRV_KICK_* pending */
    struct srv_stay *stays;          /* threads staying on connections */
    unsigned nstays;
    struct srv_conn *stay_back;      /* given back, for the loop to pick up */
    atomic_int stay_recall;          /* closing all: stays end at once */
    int closed_all;                  /* SRV_KICK_CLOSE_ALL has run */

    struct srv_endpoint *eps;
    struct srv_if *ifs;
    atomic_uint if_gen;              /* bumped by every change of ifs */

    /* RpcServerListen state.  listening, stopping and max_calls change
     * under lock; they and the call counts are atomics because calls are
     * counted in and out without the lock (srv_worker.c, admit and
     * discharge). */
    atomic_int listening;
    atomic_int stopping;             /* stop requested, calls still run */
    int wait_pending;                /* RpcMgmtWaitServerListen may wait */
    atomic_uint max_calls;
    unsigned min_threads;
    atomic_uint running;             /* calls queued or in a routine */
    atomic_uint listen_calls;        /* those of non-autolisten interfaces */

    /* Worker pool. */
    struct srv_call *q_head, *q_tail;
    unsigned q_len;
    unsigned nworkers, nidle;
    int workers_exit;
    struct srv_exited {              /* pool threads gone, to be joined */
        pthread_t tid;
        struct srv_exited *next;
    } *exited;

    /* Calls whose routine returned, for the I/O thread. */
    struct srv_call *done_head, *done_tail;

    /* I/O thread only. */
    struct srv_conn *conns;
    unsigned nconns;
    struct srv_assoc *assocs;
    uint32_t next_assoc_id;
};

extern struct srv_state srv;

/* ---- per-file interfaces ------------------------------------------------ */

/* srv_ext.c: options, logging, teardown */
/* Formats and hands a message to the application's log handler, if any
 * wants this level.  Safe from any thread, with or without srv.lock. */
void srv_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The options, read under srv.lock. */
void srv_options_get(struct srv_options *o);
/* A process-wide connection id (never 0). */
uint64_t srv_conn_next_id(void);
/* Runs the application's connection close handler, if any, for id
 * (I/O thread; see RpcrtServerSetConnectionCloseHandler). */
void srv_conn_closed_notify(uint64_t id);

/* srv_protseq.c */
/* Opens the listening sockets for a protocol sequence; addr NULL or ""
 * is the any address (IPv4 and IPv6), endpoint NULL/"" dynamic.  On
 * success *first (if not NULL) points to the first endpoint created (owned
 * by srv.eps). */
RPC_STATUS srv_protseq_use(enum rpc_protseq ps, const char *addr,
                           const char *endpoint, struct srv_endpoint **first);
/* Closes sockets not yet owned by a listener, unlinks ncalrpc files and
 * frees every endpoint.  Called with the I/O thread stopped. */
void srv_protseq_free_all(void);
/* The string binding clients use for ep; *out malloc'ed.  For a wildcard
 * endpoint, addr names the address to put in (NULL: the loopback one). */
RPC_STATUS srv_protseq_string(const struct srv_endpoint *ep, const char *addr,
                              char **out);

/* srv_io.c: the I/O thread */
/* Starts the event loop thread if it is not running (srv.lock held). */
RPC_STATUS srv_io_start_locked(void);
/* Asks the I/O thread to do what flags say (SRV_KICK_*); srv.lock held. */
void srv_io_kick_locked(unsigned flags);
/* Stops the event loop (the pool thread running it leaves it), frees the
 * event base.  srv.lock NOT held. */
void srv_io_stop(void);
/* One pass of the event loop on the calling thread (pool threads,
 * srv_worker.c): waits for events, handles every one that is ready,
 * returns. */
void srv_io_loop(void);
/* Queues c, whose connection closed before it was done, for the I/O
 * thread, which releases it (srv.lock held, any thread). */
void srv_io_call_done_locked(struct srv_call *c);
/* Writes len bytes to the connection, at once as far as the socket takes
 * them, the rest queued in order (any thread; the _locked form with
 * c->wlock held).  buf (malloc'ed) is the connection's from now on, also
 * on failure (-1: the connection is closed or broken). */
int srv_io_write(struct srv_conn *c, uint8_t *buf, size_t len);
int srv_io_write_locked(struct srv_conn *c, uint8_t *buf, size_t len);
/* The same for a response's nfrag fragments, gathered: each a hdr_len-
 * byte header from hdrs (the caller's, copied if it must be queued)
 * followed by the next chunk bytes of stub (the last fragment: the rest
 * of stub_len).  stub (I_RpcrtBufAlloc'ed) is the connection's from now
 * on, also on failure.  ext (NULL: none) is a range of the stub written
 * from elsewhere: copied into stub, where it belongs, if it must be
 * queued, so that it need only last until this returns. */
int srv_io_write_frags_locked(struct srv_conn *c, const uint8_t *hdrs,
                              size_t hdr_len, size_t nfrag, uint8_t *stub,
                              size_t stub_len, size_t chunk,
                              const struct rpc_stub_ext *ext);
/* Read timeout (seconds, 0 none) of a connection (I/O thread). */
void srv_io_set_read_timeout(struct srv_conn *c, unsigned seconds);
/* Stops reading and closes the connection, at once or (flush) once what
 * is queued has been written.  The connection's dispatched calls become
 * orphaned.  I/O thread. */
void srv_io_close(struct srv_conn *c, int flush);
/* Staying (srv_io.c): after answering a connection's call a thread may
 * read that connection's next requests itself, in a blocking recv, for
 * stay_us.  srv_io_stay_eligible_locked says whether a connection may be
 * stayed on; srv_io_stay_begin_locked (the loop's thread, with the loop
 * not running, srv.lock held, for an eligible connection) takes it off
 * the loop: 0, or -1 when its socket cannot be set up for it.  srv_io_stay then reads and runs requests
 * until the stay ends. */
int srv_io_stay_eligible_locked(const struct srv_conn *c);
int srv_io_stay_begin_locked(struct srv_conn *c, struct srv_stay *r);
void srv_io_stay(struct srv_stay *r);
/* The watcher's check of stayed connections (srv.lock held): each whose
 * thread runs the same call as at the last tick goes back to the loop,
 * which then reads its co_cancel and other PDUs while the call runs. */
void srv_io_stay_watch_locked(void);
/* A call is queued with no thread to run it and none may start: one stay
 * ends after its thread's next read or call (srv.lock held). */
void srv_io_stay_yield_locked(void);
/* A routine testing for cancels on a stayed connection: the connection
 * goes back to the loop, which reads the co_cancel (the routine's
 * thread; nothing when it stays on no connection). */
void srv_io_stay_leave(void);
/* srv_worker.c: requests framed by a staying thread are its own to run. */
void srv_worker_stay_collect(int on);
struct srv_call *srv_worker_stay_take(void);

/* srv_conn.c: the per-connection state machine (I/O thread) */
struct srv_conn *srv_conn_new(struct srv_endpoint *ep, const char *peer);
void srv_conn_ref(struct srv_conn *c);
void srv_conn_unref(struct srv_conn *c);
/* Handles one framed PDU (len bytes, frag_length already checked). */
void srv_conn_pdu(struct srv_conn *c, const uint8_t *buf, size_t len);
/* Encodes and writes a fault for call_id; flags are added to FIRST|LAST;
 * close != 0 closes the connection after it. */
void srv_conn_fault(struct srv_conn *c, uint32_t call_id, uint16_t cont_id,
                    uint32_t status, uint8_t flags, int close);
/* Encodes a fault PDU (C706 12.6.4.7) into *out (malloc'ed, the caller
 * frees or passes it to srv_io_write).  0 or a PROTO_E_* code. */
int srv_fault_encode(uint32_t call_id, uint16_t cont_id, uint32_t status,
                     uint8_t flags, uint8_t cancel_count, uint8_t **out,
                     size_t *len);
/* bind_nak (C706 12.6.4.5 / MS-RPCE 2.2.2.5), then close. */
void srv_conn_bind_nak(struct srv_conn *c, uint32_t call_id, uint16_t reason);
/* Gives up the connection's state when it closes: orphans its calls,
 * frees the request being reassembled, leaves the association group. */
void srv_conn_teardown(struct srv_conn *c);

/* srv_assoc.c: association groups and presentation contexts (I/O thread) */
void srv_assoc_bind(struct srv_conn *c, const struct rpc_pdu *p);
void srv_assoc_alter(struct srv_conn *c, const struct rpc_pdu *p);
/* The context's abstract syntax, or NULL. */
const struct srv_pctx *srv_assoc_find_ctx(const struct srv_conn *c,
                                          uint16_t cont_id);
void srv_assoc_leave(struct srv_conn *c);

/* srv_call.c: requests (I/O thread) and running a call (worker) */
void srv_call_request(struct srv_conn *c, const struct rpc_pdu *p);
/* Reading a large request's fragments in place (I/O thread): when the
 * request being reassembled on c has 16 KiB or more still announced and
 * fragments of one size so far, 1 and *f laid out for its next ones (at
 * most max_frag of them; f->hdrs left to the caller): each chunk stub
 * bytes but the last, the stubs going straight to the request buffer.
 * Else 0. */
int srv_call_direct_plan(struct srv_conn *c, struct rpc_frag_out *f,
                         size_t max_frag);
/* The first RPC_HDR_LEN bytes of hdr (or all RPC_REQUEST_HDR_LEN when
 * full) are those of the request's next fragment with sl stub bytes. */
int srv_call_direct_hdr_ok(const struct srv_conn *c, const uint8_t *hdr,
                           size_t have, size_t sl);
/* nfrag whole fragments, took stub bytes, are in place; last: the last
 * fragment was among them, and the call is dispatched. */
void srv_call_direct_took(struct srv_conn *c, size_t nfrag, size_t took,
                          int last);
/* Frees a call that was never dispatched (I/O thread). */
void srv_call_free(struct srv_call *call);
/* A staying thread's next call object, made ready while no request waits
 * (srv_call_spare_ready), and dropped when the thread leaves. */
void srv_call_spare_ready(const struct srv_conn *c);
void srv_call_spare_drop(void);
/* Runs the manager routine and encodes the answer (worker thread).
 * 1: the call is finished, its answer encoded (srv_call_complete is
 * next); 0: the routine made it asynchronous and it is still outstanding
 * (srv_async.c completes it later). */
int srv_call_run(struct srv_call *call);
/* Encodes the call's answer into call->out: a response with the reply
 * stub (buf/len: the RPC_MESSAGE's Buffer/BufferLength, used when buf is
 * the call's reply buffer) or, fault != 0, a fault with code; frees the
 * request and reply buffers and retires the call's handle (one reference
 * kept for the completion).  Whoever holds the call. */
void srv_call_answer(struct srv_call *call, int fault, RPC_STATUS code,
                     uint8_t flags, const void *buf, size_t len);
/* A call's answer is encoded (worker, or any thread that completes an
 * asynchronous call; srv.lock NOT held): the answer is written, the call
 * stops counting against MaxCalls, and the I/O thread is left to reap
 * it.  The caller must not touch call afterwards. */
void srv_call_complete(struct srv_call *call);
/* Releases a call queued by srv_io_call_done_locked (I/O thread). */
void srv_call_finish(struct srv_call *call);
/* Unlinks and releases the connection's answered calls (I/O thread; the
 * caller holds a reference on c). */
void srv_call_reap(struct srv_conn *c);
/* The live call behind a handle (0: the calling thread's) with a
 * reference, or NULL and *st set (RPC_S_NO_CALL_ACTIVE,
 * RPC_S_INVALID_BINDING). */
struct srv_call *srv_call_get(RPC_BINDING_HANDLE h, RPC_STATUS *st);
/* The call the calling thread serves, borrowed, or NULL. */
struct srv_call *srv_call_current(void);

/* srv_worker.c: the worker pool */
/* Starts a thread with every signal blocked (signals are the
 * application's business), detached or joinable.  0 or an errno. */
int srv_thread_spawn(pthread_t *tid, void *(*fn)(void *), void *arg,
                     int detached);
/* Hands a complete call to a worker (I/O thread).  RPC_S_OK, or
 * RPC_S_SERVER_TOO_BUSY / RPC_S_NOT_LISTENING (the caller faults it). */
RPC_STATUS srv_worker_submit(struct srv_call *call);
/* A call has ended (its answer written or dropped): counted out
 * (srv.lock not held). */
void srv_worker_call_ended(struct srv_call *call);
/* Has a pool thread take the event loop (srv.lock held): 0 or -1. */
int srv_worker_loop_start_locked(void);
/* Spawns workers up to MinimumCallThreads (srv.lock held). */
void srv_worker_prestart_locked(void);
/* Ends every worker thread (srv.lock NOT held); for teardown. */
void srv_worker_stop_all(void);
/* Called by RpcServerTestCancel: a routine run inline by the loop's
 * thread lets the loop go on to another thread (srv_worker.c). */
void srv_worker_hand_loop_on(void);

/* srv_if.c: the interface registry */
/* The registered interface that serves abstract (same UUID and major
 * version, minor <= registered), with a reference; NULL if none. */
struct srv_if *srv_if_find(const RPC_SYNTAX_IDENTIFIER *abstract);
/* The same for a request's context on c (its reader): the answer of the
 * connection's last lookup while the registry has not changed since,
 * without srv.lock. */
struct srv_if *srv_if_find_conn(struct srv_conn *c, const struct srv_pctx *ctx);
void srv_if_unref(struct srv_if *i);
/* 1 when some registered interface asked for RPC_IF_AUTOLISTEN (srv.lock
 * held). */
int srv_if_any_autolisten_locked(void);
void srv_if_free_all(void);
/* Registers the mgmt interface once (srv.lock NOT held). */
void srv_if_ensure_builtin(void);

/* srv_listen.c */
/* The registered interfaces' ids (mgmt left out), for RpcMgmtInqIfIds and
 * mgmt inq_if_ids; freed with RpcIfIdVectorFree. */
RPC_STATUS srv_inq_if_ids(RPC_IF_ID_VECTOR **out);
/* A vector of n zeroed ids, each element allocated on its own. */
RPC_STATUS srv_if_id_vector_new(unsigned long n, RPC_IF_ID_VECTOR **out);
/* The listening state after a routine ended or a stop (srv.lock held). */
void srv_listen_update_locked(void);

/* srv_mgmt.c */
extern const RPC_SERVER_INTERFACE srv_mgmt_if;
/* mgmt inq_stats counters (C706 Appendix Q). */
extern atomic_ulong srv_stat_calls_in, srv_stat_pkts_in, srv_stat_pkts_out;
/* The RpcMgmt* functions for a remote server (binding handle b): the
 * mgmt interface through libclient's I_RpcSendReceive. */
RPC_STATUS srv_mgmt_remote_stop(RPC_BINDING_HANDLE b);
RPC_STATUS srv_mgmt_remote_is_listening(RPC_BINDING_HANDLE b);
RPC_STATUS srv_mgmt_remote_inq_if_ids(RPC_BINDING_HANDLE b, RPC_IF_ID_VECTOR **v);

/* srv_async.c: server-side asynchronous calls */
/* The routine of an asynchronous-capable call has returned (worker,
 * srv.lock NOT held): 0 the call is not asynchronous (or the routine
 * raised after I_RpcAsyncSetHandle: fault, the async handle ended): the
 * worker answers it; 1 it is outstanding; 2 it was completed while the
 * routine ran: its answer is encoded, the worker hands it over. */
int srv_async_returned(struct srv_call *call, int fault);

/* srv_cancel.c (I/O thread) */
void srv_cancel_co_cancel(struct srv_conn *c, uint32_t call_id);
void srv_cancel_orphaned(struct srv_conn *c, uint32_t call_id);
/* Marks a call whose client is gone (orphaned PDU or lost connection). */
void srv_cancel_orphan_call(struct srv_call *call);

#endif /* RPCRT_LIBSERVER_SRV_H */
