/*
 * libclient/clt.h -- libclient's private interface.
 *
 * Objects and ownership:
 *  - struct clt_binding: a binding handle (RPC_BINDING_HANDLE).  Owns a
 *    reference to its association, created at the first call.
 *  - struct clt_assoc: the association of one binding (C706 12.4): the
 *    server's address, the association group id the first bind_ack gave,
 *    the call_id counter and a pool of idle connections.  Refcounted: the
 *    binding and each call in progress hold one.
 *  - struct clt_conn: one transport connection, bound (bind/bind_ack) with
 *    the presentation contexts negotiated on it.  Owned by whoever holds
 *    it: the pool while idle, a call while busy.
 *  - struct clt_thread: per-thread state (cancel timeout, cancel requests,
 *    the wake-up eventfd), in a process-wide list so RpcCancelThread can
 *    find a thread's call.
 *
 * A synchronous call runs on the caller's thread with non-blocking
 * sockets and poll(), so a cancel (RpcCancelThread) can wake it at any
 * point; the co_cancel PDU is then written by the calling thread itself,
 * between fragments, so PDUs never interleave on the wire.
 */
#ifndef RPCRT_LIBCLIENT_CLT_H
#define RPCRT_LIBCLIENT_CLT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <sys/uio.h>

#include <rpcrt/rpcdce.h>

#include "libclient/handle.h"
#include "libclient/lock.h"
#include "proto/proto.h"

/* Defaults a binding may change with options (see RpcBindingFromStringBinding(3)). */
#define CLT_DEFAULT_MAX_FRAG      RPC_DEFAULT_FRAG_SIZE
#define CLT_MAX_RESPONSE          (256u * 1024 * 1024)
#define CLT_CONNECT_TIMEOUT_MS    30000
#define CLT_MAX_IDLE_CONNS        32

/* The data representation this client writes: the host's byte order,
 * ASCII, IEEE floats (C706 14.1). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_DREP DREP_BE
#else
#define HOST_DREP DREP_LE
#endif

struct clt_ctx {                     /* a presentation context on a conn */
    RPC_SYNTAX_IDENTIFIER iface;
    uint16_t cont_id;
};

/* The clock of a pooled connection's idle time (clt_conn_stale): read
 * once a call, on the coarse clock, which answers without reading the
 * time stamp counter (36 ns a read against 7 in a hot loop on this VM;
 * reads at the release and the take of a connection were some 0.15 us
 * of a null call, perf). */
#define CLT_IDLE_CLOCK CLOCK_MONOTONIC_COARSE

struct clt_conn {
    int fd;
    struct clt_conn *next;           /* pool link */
    uint16_t max_xmit;               /* negotiated (C706 12.6.3.1) */
    uint16_t max_recv;
    uint16_t features;               /* BTFN_* the server accepted */
    uint16_t next_cont_id;
    struct clt_ctx *ctx;
    unsigned n_ctx, cap_ctx;
    int broken;                      /* never reuse */
    struct timespec taken;           /* CLT_IDLE_CLOCK: opened, or last
                                      * handed out by its pool */
    int poll_first;                  /* a request just went out: wait
                                      * before reading (no EAGAIN read) */
    int blocking;                    /* the socket blocks, for at most
                                      * CLT_RECV_WINDOW_MS a recv (below);
                                      * every other use is MSG_DONTWAIT */
    /* Receive buffer: bytes [rpos, rpos + rlen) read but not yet
     * consumed; the next PDU starts at rbuf + rpos. */
    uint8_t *rbuf;
    size_t rpos, rlen, rcap;
};

struct clt_assoc {
    atomic_uint refs;
    rpcrt_mutex lock;                /* idle list, assoc_group_id */
    enum rpc_protseq protseq;
    char *netaddr;
    char *endpoint;
    uint16_t max_frag;               /* what we offer in binds */
    uint32_t assoc_group_id;
    atomic_uint next_call_id;
    struct clt_conn *idle;
    unsigned n_idle;
};

struct clt_binding {
    struct rpc_handle h;             /* first: the registry's view */
    rpcrt_mutex lock;                /* the fields below */
    enum rpc_protseq protseq;
    char *netaddr;                   /* never NULL */
    char *endpoint;                  /* never NULL; "" = not known */
    char *options;                   /* never NULL */
    GUID object;                     /* nil: none */
    uint16_t max_frag;
    struct clt_assoc *assoc;         /* NULL until the first call */
};

/* A range of one message's stub, for that message's next send from this
 * thread (RpcrtBufferSendFrom, RpcrtBufferReceiveInto; clt_call.c). */
struct clt_range {
    const RPC_MESSAGE *msg;          /* NULL: none */
    const void *buf;                 /* msg->Buffer when it was set */
    struct rpc_stub_ext ext;
};

struct clt_thread {
    pthread_t tid;
    struct clt_thread *next;         /* registry list */
    rpcrt_mutex lock;                /* everything below */
    int wake_fd;                     /* eventfd; -1 until needed */
    long cancel_timeout;             /* seconds; -1 infinite */
    long call_timeout;               /* the current call's; RpcCancelThreadEx */
    int in_call;
    /* Requested for the current call.  Written under lock; also read
     * without it (clt_thread_cancels_peek). */
    atomic_uint cancels;
    struct timespec first_cancel;    /* CLOCK_MONOTONIC, when cancels became 1 */
    /* The thread waits in a blocking recv on blk_fd for the reply to
     * blk_call_id (-1: not): a cancel writes the co_cancel itself then,
     * blk_sent counting them (clt_thread_block_begin/end). */
    int blk_fd;
    uint32_t blk_call_id;
    unsigned blk_sent;
    int blk_broken;                  /* a co_cancel went only in part */
    /* The thread's own, no lock. */
    struct clt_range send_from, recv_into;
};

/* A deadline: tv_sec < 0 means none. */
typedef struct timespec clt_deadline;

/* The cancel state of one call, shared by every wait of the call
 * (connect, bind, send, receive). */
struct clt_cancel {
    struct clt_thread *ts;
    unsigned seen;                   /* cancels noticed so far */
    long timeout;                    /* seconds from the first; -1 none */
    clt_deadline dl;                 /* set at the first cancel */
};

/* clt_binding.c */
/* The binding behind a handle, with a reference (I_RpcrtHandlePut). */
struct clt_binding *clt_binding_get(RPC_BINDING_HANDLE h);
/* The binding's association (created on first use), with a reference. */
RPC_STATUS clt_binding_assoc(struct clt_binding *b, struct clt_assoc **out);

/* clt_ep.c */
/* Fills in b's endpoint from its host's endpoint mapper when it has none
 * (a partial binding).  RPC_S_OK, EPT_S_NOT_REGISTERED,
 * RPC_S_SERVER_UNAVAILABLE ... */
RPC_STATUS clt_binding_resolve(struct clt_binding *b,
                               const RPC_SYNTAX_IDENTIFIER *iface);

/* clt_assoc.c */
void clt_assoc_ref(struct clt_assoc *a);
void clt_assoc_unref(struct clt_assoc *a);
/* A connection of the association with a context for iface: an idle one
 * that has it, an idle one extended with alter_context, or a new one.
 * *cont_id gets the context id.  RPC_S_OK, RPC_S_SERVER_UNAVAILABLE,
 * RPC_S_UNKNOWN_IF, RPC_S_UNSUPPORTED_TRANS_SYN, RPC_S_PROTOCOL_ERROR,
 * RPC_S_CALL_FAILED_DNE, RPC_S_CALL_CANCELLED. */
RPC_STATUS clt_assoc_acquire(struct clt_assoc *a, struct clt_cancel *cc,
                             const RPC_SYNTAX_IDENTIFIER *iface,
                             struct clt_conn **out, uint16_t *cont_id);
/* Gives a connection back: to the pool if healthy, else closed. */
void clt_assoc_release(struct clt_assoc *a, struct clt_conn *c);
void clt_conn_close(struct clt_conn *c);

/* clt_conn.c: transport */
/* Connects (non-blocking socket afterwards).  RPC_S_OK or
 * RPC_S_SERVER_UNAVAILABLE / RPC_S_INVALID_NET_ADDR / RPC_S_OUT_OF_MEMORY. */
RPC_STATUS clt_conn_open(enum rpc_protseq ps, const char *netaddr,
                         const char *endpoint, struct clt_cancel *cc,
                         struct clt_conn **out);
/* Writes all of iov; waits with poll.  Returns 0, or -1 with errno
 * (ETIMEDOUT at the deadline, EPIPE/ECONNRESET ...). */
int clt_conn_writev(struct clt_conn *c, const struct iovec *iov, int n,
                    const clt_deadline *dl);
/* The most iovecs clt_conn_writev takes. */
#define CLT_MAX_IOV 128
/* Result of waiting for the next PDU. */
enum clt_wait {
    CLT_PDU = 0,      /* a whole PDU is at clt_conn_pdu(c)[0..*len) */
    CLT_WOKEN,        /* the thread's wake fd fired */
    CLT_TIMEOUT,      /* the deadline passed */
    CLT_EOF,          /* the peer closed */
    CLT_ERROR,        /* socket error or malformed framing */
};
/* Reads until a whole PDU is buffered; wake_fd (-1: none) interrupts. */
enum clt_wait clt_conn_recv_pdu(struct clt_conn *c, int wake_fd,
                                const clt_deadline *dl, size_t *len);
/* How long one blocking recv for a reply lasts at most (SO_RCVTIMEO of
 * every connection, which the kernel rounds up to its tick: within 4 ms
 * at HZ=250) before the caller goes on with poll; the environment
 * variable RPCRT_RECV_WINDOW_MS overrides it (clt_conn.c). */
#define CLT_RECV_WINDOW_MS 1
/* One recv that blocks for at most CLT_RECV_WINDOW_MS, appending to the
 * receive buffer: > 0 bytes read, 0 the peer closed, -1 with errno
 * (EAGAIN: nothing came in the window). */
ssize_t clt_conn_recv_window(struct clt_conn *c);
/* A large reply's next fragments, predicted: responses to call_id in the
 * first fragment's data representation, each with chunk stub bytes (the
 * size of the fragment before) but the last, which has what is left of
 * left, the stub bytes the server's alloc_hint still announces.  Their
 * stubs go to stub (room bytes there). */
struct clt_direct {
    uint32_t call_id;
    uint8_t drep[2];
    size_t chunk, left;
    uint8_t *stub;
    size_t room;
    struct rpc_stub_ext ext;         /* stub bytes that go elsewhere */
};
/* Reads the predicted fragments straight into place: the stubs into
 * d->stub, no copy through the receive buffer.  Each fragment's header is
 * checked before its stub counts; from the first one that is not as
 * predicted (or not whole yet) on, the bytes go back to the receive
 * buffer in order for clt_conn_recv_pdu.  -1 when the prediction does not
 * apply (a whole PDU is buffered already, or it already differs); else
 * as clt_conn_recv_pdu, CLT_PDU meaning that *took stub bytes (whole
 * fragments) are in place, *last when the last fragment was among them. */
int clt_conn_recv_direct(struct clt_conn *c, const struct clt_direct *d,
                         int wake_fd, const clt_deadline *dl, size_t *took,
                         int *last);
/* Writes a co_cancel for call_id on fd: 0 when written; -1 when nothing
 * could go without blocking; -2 when only part of it went (the stream is
 * broken). */
int clt_conn_co_cancel_now(int fd, uint32_t call_id);
/* The PDU clt_conn_recv_pdu found. */
static inline const uint8_t *
clt_conn_pdu(const struct clt_conn *c)
{
    return c->rbuf + c->rpos;
}
/* Drops the first len buffered bytes (a PDU the caller has used). */
void clt_conn_consume(struct clt_conn *c, size_t len);
/* Gives back a bulk receive buffer once nothing is buffered (between
 * calls). */
void clt_conn_trim(struct clt_conn *c);
/* Encodes p and writes it. */
int clt_conn_send_pdu(struct clt_conn *c, struct rpc_pdu *p, const clt_deadline *dl);
/* A header-only PDU (co_cancel, orphaned) of call call_id; dl NULL: a
 * few seconds. */
int clt_conn_send_simple(struct clt_conn *c, uint8_t ptype, uint32_t call_id,
                         const clt_deadline *dl);
/* 1 when an idle connection looks closed by the peer (or has unread data). */
int clt_conn_stale(struct clt_conn *c);

/* clt_thread.c */
/* The calling thread's state (created on first use); NULL only when out
 * of memory. */
struct clt_thread *clt_thread_self(void);
/* The calling thread's state if it has one yet, else NULL. */
struct clt_thread *clt_thread_peek(void);
/* Message buffers: I_RpcrtBufAlloc / I_RpcrtBufFree (handle.h). */
#define clt_buf_alloc I_RpcrtBufAlloc
#define clt_buf_free I_RpcrtBufFree
/* Marks the start/end of a call on ts; start clears earlier cancels. */
void clt_thread_call_begin(struct clt_thread *ts);
void clt_thread_call_end(struct clt_thread *ts);
/* Cancels requested so far for the current call; drains the wake fd.
 * *timeout (if not NULL) gets the cancel timeout that applies to it,
 * *since (if not NULL) the time of the first cancel. */
unsigned clt_thread_cancels(struct clt_thread *ts, long *timeout,
                            struct timespec *since);
/* The same count without the lock or the wake fd: a look, several per
 * call, at whether clt_thread_cancels has anything new to say.  A cancel
 * counted before the look is seen (the count only grows during a call). */
static inline unsigned
clt_thread_cancels_peek(struct clt_thread *ts)
{
    return atomic_load_explicit(&ts->cancels, memory_order_acquire);
}
/* Before a blocking recv for the reply to call_id on fd: 1 when
 * registered (no cancel beyond the seen ones came: from now on a cancel
 * writes the co_cancel itself), 0 when a cancel is pending. */
int clt_thread_block_begin(struct clt_thread *ts, int fd, uint32_t call_id,
                           unsigned seen);
/* After it: the co_cancels written meanwhile by cancelling threads;
 * *broken 1 when one of them could not be written whole. */
unsigned clt_thread_block_end(struct clt_thread *ts, int *broken);
/* Records a cancel for tid's call in progress and wakes that thread;
 * timeout >= -1 replaces the call's cancel timeout (RpcCancelThreadEx),
 * CLT_KEEP_TIMEOUT keeps it.  *found: tid has runtime state.  Returns 1
 * when a call was in progress. */
#define CLT_KEEP_TIMEOUT (-2L)
int clt_thread_post_cancel(pthread_t tid, long timeout, int *found);

/* clt_call.c */
/* Writes a request (msg: opnum, stub) as fragments of c->max_xmit bytes
 * (C706 12.6.3.1: a multiple of 8 stub bytes in all but the last), up to
 * 64 of them per system call.  between(arg, dl), when given, runs after
 * each batch (a cancel goes out between fragments, and may move the
 * deadline dl of the writes that follow); *first_sent becomes 1 once the
 * first fragment is out.  from (NULL: none) has stub bytes that are
 * written from elsewhere than msg->Buffer.  0; -1 with errno from the
 * write (ETIMEDOUT at dl); -2: between() failed. */
int clt_write_request(struct clt_conn *c, uint32_t call_id, uint16_t cont_id,
                      const GUID *object, const RPC_MESSAGE *msg,
                      const struct rpc_stub_ext *from, clt_deadline *dl,
                      int (*between)(void *arg, clt_deadline *dl),
                      void *arg, int *first_sent);
/* Takes the calling thread's pending ranges for msg: from (clipped to
 * msg->BufferLength) and into, none when there are none; the thread
 * keeps neither. */
void clt_ranges_take(const RPC_MESSAGE *msg, struct rpc_stub_ext *from,
                     struct rpc_stub_ext *into);
/* RpcrtBufferSendFrom (into 0) / RpcrtBufferReceiveInto (into 1) for a
 * client binding's message: kept on the calling thread for msg's next
 * send.  len 0 forgets it. */
RPC_STATUS clt_range_set(PRPC_MESSAGE msg, int into, size_t off, void *data,
                         size_t len);
/* Forgets the calling thread's pending ranges for msg. */
void clt_ranges_drop(const RPC_MESSAGE *msg);
/* The reply of a call, assembled from its response fragments. */
struct clt_reply {
    /* I_RpcrtBufAlloc'ed (the request's buffer once the request is out),
     * NULL: none yet. */
    uint8_t *buf;
    size_t len, cap;
    uint32_t drep;                   /* the first fragment's */
    int started;                     /* the first fragment came */
    /* For clt_conn_recv_direct: the stub size of the fragments so far
     * and what the last one's alloc_hint leaves for those to come. */
    size_t chunk, left;
    /* Reply stub bytes that go to the caller's memory instead of buf
     * (RpcrtBufferReceiveInto); in buf they are left unwritten. */
    struct rpc_stub_ext into;
};
/* One PDU that came on the call's connection c, parsed into p: a
 * fragment of the reply, a fault, shutdown, a late answer of an earlier
 * orphaned call (ignored) or a protocol error.  0: more to come; 1: the
 * call is over with *st (RPC_S_OK: r has the reply).  c is marked broken
 * where the PDU leaves it unusable. */
int clt_reply_take(struct clt_conn *c, struct clt_reply *r, uint32_t call_id,
                   const struct rpc_pdu *p, RPC_STATUS *st);
/* The status a fault PDU carries: the header's, or (DCE servers, C706
 * 12.6.4.7's user-exception form) the first u32 of the stub when the
 * header says 0. */
uint32_t clt_fault_status(const struct rpc_pdu *p);
/* Takes note of cancels requested since the last look (draining the
 * thread's wake fd); the first starts the cancel timer.  Returns the
 * number noticed so far. */
unsigned clt_cancel_poll(struct clt_cancel *cc);
/* *out = the earlier of *d (may be NULL: none) and the cancel deadline. */
void clt_cancel_deadline(const struct clt_cancel *cc, const clt_deadline *d,
                         clt_deadline *out);
/* 1 when the cancel deadline has passed. */
int clt_cancel_expired(const struct clt_cancel *cc);

/* clt_time.c helpers */
void clt_deadline_none(clt_deadline *d);
void clt_deadline_in_ms(clt_deadline *d, long ms);
int clt_deadline_ms_left(const clt_deadline *d);   /* -1: none; >= 0 */


#endif
