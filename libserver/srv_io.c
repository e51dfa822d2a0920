/*
 * libserver/srv_io.c -- the I/O thread: one libevent event_base with an
 * evconnlistener per endpoint and two events (read, write) per connection
 * on its non-blocking socket.
 *
 * Reading (I/O thread only): read_cb reads into the connection's own
 * buffer (no FIONREAD probe, no evbuffer copy) and frames PDUs in place
 * (C706 12.6.1): each 16-byte common header's frag_length is checked
 * (16 <= frag_length <= the connection's max_recv_frag, RPC_MAX_FRAG_SIZE
 * before the bind) and every complete PDU goes to the connection's state
 * machine.  The buffer is 4 KiB while a connection idles, grows to hold
 * the largest PDU and to 256 KiB for bulk transfers, and shrinks back once
 * empty, so a peer cannot make the input grow without bound.  Reading
 * goes on while calls run, which is how co_cancel and orphaned PDUs reach
 * a call in progress; it pauses while more than OUT_PAUSE bytes wait to
 * be written (a peer that sends requests but never reads the answers).
 *
 * Writing (any thread, under the connection's wlock): srv_io_write sends
 * straight to the socket when nothing is queued before it -- a worker
 * writes its call's answer itself, with no hand-off back to this thread
 * and no EPOLLOUT round -- and queues what the socket does not take for
 * write_cb, which writes the queue with writev.
 *
 * Other libevent objects are touched by this thread only.  Other threads
 * ask for work through srv.kick + kick_ev (listeners, teardown) and the
 * done queue + done_ev (calls that finished after their connection
 * closed); event_active() and event_add() are safe from any thread once
 * evthread_use_pthreads() ran.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "libclient/sysio.h"
#include "libserver/srv.h"

/* Reading pauses while more than this waits to be written (a peer that
 * sends requests but never reads the answers), and resumes below the
 * low mark. */
#define OUT_PAUSE       ((size_t)4 << 20)
#define OUT_RESUME      ((size_t)1 << 20)
/* How long a connection being closed may take to drain its output. */
#define FLUSH_TIMEOUT_S 10
/* How long the teardown waits for answers still to be written. */
#define SHUTDOWN_FLUSH_S 2
/* Back-off when accept() fails for lack of descriptors. */
#define ACCEPT_RETRY_MS 100

/* I/O thread: a teardown (SRV_KICK_CLOSE_ALL) waits for its flushing
 * connections to close. */
static int srv_closing_all;

static void closed_all_check(void);
static void timeout_log(const struct srv_conn *c);
static void read_cb(evutil_socket_t fd, short what, void *arg);
static void write_cb(evutil_socket_t fd, short what, void *arg);
static void read_arm(struct srv_conn *c);
static int close_flush(struct srv_conn *c, unsigned seconds);
static void stay_pickup(void);
static void stay_recall_all(void);
static void close_unstayed(void);

/* ---- the loop ----------------------------------------------------------- */

void
srv_io_loop(void)
{
    /* One pass: every request that is ready is read before the thread
     * runs any (srv_worker.c runs them as a batch), so a busy server
     * makes one epoll_wait per batch, not one per call. */
    event_base_loop(srv.base, EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg);
static void done_cb(evutil_socket_t fd, short what, void *arg);

static void
init_threads(void)
{
    /* libevent's locking and cross-thread wake-ups (event_active from
     * workers); process-wide, needed before the base is created. */
    evthread_use_pthreads();
}

RPC_STATUS
srv_io_start_locked(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    if (srv.io_running)
        return RPC_S_OK;
    pthread_once(&once, init_threads);
    if ((srv.base = event_base_new()) == NULL)
        return RPC_S_OUT_OF_RESOURCES;
    srv.kick_ev = event_new(srv.base, -1, 0, kick_cb, NULL);
    srv.done_ev = event_new(srv.base, -1, 0, done_cb, NULL);
    if (srv.kick_ev == NULL || srv.done_ev == NULL)
        goto fail;
    srv.loop_exit = 0;
    srv.loop_stopped = 0;
    srv.stay_recall = 0;
    if (srv_worker_loop_start_locked() != 0)
        goto fail;
    srv.io_running = 1;
    return RPC_S_OK;
fail:
    if (srv.kick_ev != NULL)
        event_free(srv.kick_ev);
    if (srv.done_ev != NULL)
        event_free(srv.done_ev);
    event_base_free(srv.base);
    srv.kick_ev = srv.done_ev = NULL;
    srv.base = NULL;
    return RPC_S_OUT_OF_THREADS;
}

void
srv_io_kick_locked(unsigned flags)
{
    if (!srv.io_running)
        return;
    srv.kick |= flags;
    event_active(srv.kick_ev, 0, 0);
}

void
srv_io_stop(void)
{
    pthread_mutex_lock(&srv.lock);
    if (!srv.io_running) {
        pthread_mutex_unlock(&srv.lock);
        return;
    }
    srv_io_kick_locked(SRV_KICK_CLOSE_ALL | SRV_KICK_EXIT);
    /* Whichever pool thread runs the loop when the kick arrives leaves
     * it for good (srv_worker.c). */
    while (!srv.loop_stopped)
        pthread_cond_wait(&srv.cond, &srv.lock);
    srv.loop_free = 0;
    /* Threads that stayed on connections give them back within their read
     * timeout or at the end of the call they run (stay_recall_all woke
     * their reads); what they give back is closed here, the loop gone. */
    while (srv.nstays > 0)
        pthread_cond_wait(&srv.cond, &srv.lock);
    if (srv.stay_back != NULL || srv.conns != NULL) {
        pthread_mutex_unlock(&srv.lock);
        stay_pickup();
        while (srv.conns != NULL)
            srv_io_close(srv.conns, 0);
        pthread_mutex_lock(&srv.lock);
    }
    event_free(srv.kick_ev);
    event_free(srv.done_ev);
    event_base_free(srv.base);
    srv.kick_ev = srv.done_ev = NULL;
    srv.base = NULL;
    srv.io_running = 0;
    srv.kick = 0;
    pthread_mutex_unlock(&srv.lock);
}

/* ---- listeners ---------------------------------------------------------- */

static time_t
mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static void
peer_string(const struct srv_endpoint *ep, const struct sockaddr *sa,
            char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "";
    struct rpc_strbinding b;
    char *s = NULL;

    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                  host, sizeof(host));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  host, sizeof(host));
    memset(&b, 0, sizeof(b));
    b.protseq = (char *)(uintptr_t)proto_protseq_name(ep->protseq);
    b.netaddr = host;
    buf[0] = '\0';
    if (proto_strbinding_compose(&b, &s) == RPC_S_OK) {
        snprintf(buf, size, "%s", s);
        free(s);
    }
}

/* What RpcrtServerInqCallInfo reports about the connection: the
 * addresses of both ends and, on ncalrpc, the client's credentials as
 * the kernel saw them at connect() (SO_PEERCRED, unix(7)) -- what rpcd's
 * endpoint mapper checks before it lets a caller change the map. */
static void
conn_info(struct srv_conn *c, const struct srv_endpoint *ep, int fd,
          const struct sockaddr *sa, int salen)
{
    struct srv_conninfo *in = &c->info;
    socklen_t sl = sizeof(in->local);

    in->protseq = ep->protseq;
    snprintf(in->endpoint, sizeof(in->endpoint), "%s", ep->endpoint);
    if (sa != NULL && salen > 0) {
        size_t n = (size_t)salen;

        memcpy(&in->peer, sa, n < sizeof(in->peer) ? n : sizeof(in->peer));
    }
    if (getsockname(fd, (struct sockaddr *)&in->local, &sl) != 0)
        memset(&in->local, 0, sizeof(in->local));
    if (ep->family == AF_UNIX) {
        struct ucred cr;
        socklen_t cl = sizeof(cr);

        in->peer.ss_family = AF_UNIX;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 &&
            cl == sizeof(cr)) {
            in->has_cred = 1;
            in->uid = cr.uid;
            in->gid = cr.gid;
            in->pid = cr.pid;
        }
    }
    in->id = srv_conn_next_id();
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
          int salen, void *arg)
{
    struct srv_endpoint *ep = arg;
    struct srv_options o;
    struct srv_conn *c;
    char peer[96];
    int one = 1;

    (void)lev;
    srv_options_get(&o);
    if (srv.nconns >= o.max_conns) {
        srv_log(RPCRT_LOG_WARNING, "connection limit (%u) reached: refusing one",
                o.max_conns);
        close(fd);
        return;
    }
    if (ep->protseq == RPC_PROTSEQ_NCACN_IP_TCP)
        /* Requests and answers are written whole; Nagle would only delay
         * the last segment of each. */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    peer_string(ep, sa, peer, sizeof(peer));
    if ((c = srv_conn_new(ep, peer)) == NULL) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->rev = event_new(srv.base, fd, EV_READ | EV_PERSIST, read_cb, c);
    c->wev = event_new(srv.base, fd, EV_WRITE | EV_PERSIST, write_cb, c);
    if (c->rev == NULL || c->wev == NULL) {
        if (c->rev != NULL)
            event_free(c->rev);
        if (c->wev != NULL)
            event_free(c->wev);
        c->rev = c->wev = NULL;
        close(fd);
        c->fd = -1;
        srv_conn_unref(c);
        return;
    }
    conn_info(c, ep, fd, sa, salen);
    c->read_timeout = o.bind_timeout;
    c->bind_s = o.bind_timeout;
    read_arm(c);
    c->next = srv.conns;
    if (srv.conns != NULL)
        srv.conns->prev = c;
    srv.conns = c;
    srv.nconns++;
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
    struct srv_endpoint *ep = arg;
    int serving;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&srv.lock);
    serving = srv.listening ? !srv.stopping : srv_if_any_autolisten_locked();
    pthread_mutex_unlock(&srv.lock);
    if (ep->lev != NULL && serving)
        evconnlistener_enable(ep->lev);
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
    struct srv_endpoint *ep = arg;
    int err = EVUTIL_SOCKET_ERROR();
    struct timeval tv = {0, ACCEPT_RETRY_MS * 1000};

    if (err == EINTR || err == ECONNABORTED || err == EAGAIN)
        return;
    /* Out of descriptors (EMFILE/ENFILE) or memory: libevent would retry
     * at once, in a busy loop; pause this listener a little instead. */
    srv_log(RPCRT_LOG_WARNING, "accept on %s: %s; pausing", ep->endpoint,
            strerror(err));
    evconnlistener_disable(lev);
    if (ep->retry_ev == NULL)
        ep->retry_ev = evtimer_new(srv.base, retry_cb, ep);
    if (ep->retry_ev != NULL)
        evtimer_add(ep->retry_ev, &tv);
}

/* Creates the listeners of new endpoints and enables or disables all of
 * them: they accept while the server listens or an autolisten interface
 * is registered. */
static void
sync_listeners(void)
{
    struct srv_endpoint *head;
    int serving;

    pthread_mutex_lock(&srv.lock);
    head = srv.eps;
    serving = srv.listening ? !srv.stopping : srv_if_any_autolisten_locked();
    pthread_mutex_unlock(&srv.lock);

    /* Endpoints are only ever prepended (and freed after this thread
     * ended), so the list from head on is stable without the lock. */
    for (struct srv_endpoint *ep = head; ep != NULL; ep = ep->next) {
        if (ep->lev == NULL && ep->fd >= 0) {
            ep->lev = evconnlistener_new(srv.base, accept_cb, ep,
                                         LEV_OPT_CLOSE_ON_FREE |
                                         LEV_OPT_CLOSE_ON_EXEC |
                                         LEV_OPT_DISABLED, 0, ep->fd);
            if (ep->lev == NULL) {
                srv_log(RPCRT_LOG_ERR, "cannot listen on endpoint %s",
                        ep->endpoint);
                continue;
            }
            ep->fd = -1;        /* the listener closes it */
            evconnlistener_set_error_cb(ep->lev, accept_error_cb);
        }
        if (ep->lev == NULL)
            continue;
        if (serving)
            evconnlistener_enable(ep->lev);
        else
            evconnlistener_disable(ep->lev);
    }
}

static void
close_all(void)
{
    struct srv_endpoint *head;

    pthread_mutex_lock(&srv.lock);
    head = srv.eps;
    pthread_mutex_unlock(&srv.lock);
    for (struct srv_endpoint *ep = head; ep != NULL; ep = ep->next) {
        if (ep->retry_ev != NULL) {
            event_free(ep->retry_ev);
            ep->retry_ev = NULL;
        }
        if (ep->lev != NULL) {
            evconnlistener_free(ep->lev);
            ep->lev = NULL;
        }
    }
    /* What a connection still has to write -- the answers of calls that
     * completed before the teardown -- goes out before its close
     * (SHUTDOWN_FLUSH_S at most), so that a graceful stop
     * (RpcMgmtStopServerListening, RpcMgmtWaitServerListen, then
     * RpcrtServerShutdown) delivers every answer its calls produced.  The
     * others close now; their calls are orphaned. */
    stay_recall_all();
    for (struct srv_conn *c = srv.conns, *next; c != NULL; c = next) {
        next = c->next;
        /* A connection a thread stays on is closed once given back
         * (stay_pickup). */
        if (atomic_load(&c->stay) == STAY_NONE && !close_flush(c, SHUTDOWN_FLUSH_S))
            srv_io_close(c, 0);
    }
}

/* Closes every connection the loop reads (the loop's exit). */
static void
close_unstayed(void)
{
    for (struct srv_conn *c = srv.conns, *next; c != NULL; c = next) {
        next = c->next;
        if (atomic_load(&c->stay) == STAY_NONE)
            srv_io_close(c, 0);
    }
}

/* The teardown's closes are done when no connection is left. */
static void
closed_all_check(void)
{
    if (!srv_closing_all || srv.conns != NULL)
        return;
    srv_closing_all = 0;
    pthread_mutex_lock(&srv.lock);
    srv.closed_all = 1;
    pthread_cond_broadcast(&srv.cond);
    pthread_mutex_unlock(&srv.lock);
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
    unsigned flags;

    (void)fd;
    (void)what;
    (void)arg;
    pthread_mutex_lock(&srv.lock);
    flags = srv.kick;
    srv.kick = 0;
    pthread_mutex_unlock(&srv.lock);

    if (flags & SRV_KICK_CLOSE_ALL) {
        /* Answers of calls that are done go out first (close_all). */
        done_cb(-1, 0, NULL);
        srv_closing_all = 1;
        close_all();
        stay_pickup();
        if (flags & SRV_KICK_EXIT)
            /* Leaving the loop: no more waiting for output (srv_io_stop
             * closes what threads staying on give back later). */
            close_unstayed();
        closed_all_check();
    } else if (flags & SRV_KICK_SYNC) {
        sync_listeners();
    }
    if (flags & SRV_KICK_STAY_BACK)
        stay_pickup();
    if (flags & SRV_KICK_EXIT) {
        /* The last answers (discarded: every connection is closed). */
        done_cb(-1, 0, NULL);
        pthread_mutex_lock(&srv.lock);
        srv.loop_exit = 1;
        pthread_mutex_unlock(&srv.lock);
        event_base_loopbreak(srv.base);
    }
}

/* ---- finished calls ----------------------------------------------------- */

void
srv_io_call_done_locked(struct srv_call *c)
{
    srv_call_append(&srv.done_head, &srv.done_tail, c);
    if (srv.io_running)
        event_active(srv.done_ev, 0, 0);
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct srv_call *list;

    (void)fd;
    (void)what;
    (void)arg;
    pthread_mutex_lock(&srv.lock);
    list = srv.done_head;
    srv.done_head = srv.done_tail = NULL;
    pthread_mutex_unlock(&srv.lock);
    while (list != NULL) {
        struct srv_call *next = list->next;
        srv_call_finish(list);
        list = next;
    }
}

/* ---- connections -------------------------------------------------------- */

/* What a connection still has to write (c->wlock): the unwritten rest of
 * outputs a direct write could not finish.  An output is a plain buffer
 * or a response's fragments (struct rpc_frag_out): their headers and the
 * routine's reply buffer, gathered, the stub never copied into PDUs. */
struct srv_out {
    struct srv_out *next;
    struct rpc_frag_out f;           /* f.hdrs and f.stub are owned */
    size_t len, off;                 /* bytes in all, bytes written */
};

static void
out_free(struct srv_out *o)
{
    I_RpcrtBufFree((uint8_t *)(uintptr_t)o->f.hdrs);
    I_RpcrtBufFree((uint8_t *)(uintptr_t)o->f.stub);
    free(o);
}

static void
out_free_all(struct srv_conn *c)
{
    while (c->out_head != NULL) {
        struct srv_out *o = c->out_head;

        c->out_head = o->next;
        out_free(o);
    }
    c->out_tail = NULL;
    c->out_bytes = 0;
}

/* mgmt inq_stats counts PDUs: walk the frag_lengths of what goes out. */
static void
count_pdus_out(const uint8_t *buf, size_t len)
{
    for (size_t off = 0; off + RPC_HDR_LEN <= len;) {
        uint16_t fl;

        if (rpc_peek_frag_length(buf + off, len - off, &fl) != 0 ||
            fl < RPC_HDR_LEN)
            break;
        atomic_fetch_add(&srv_stat_pkts_out, 1);
        off += fl;
    }
}

/* Iovecs per sendmsg: 64 response fragments, 373 KiB at 5840 bytes,
 * more than a socket's send buffer takes at once. */
#define OUT_IOV 128

/* Writes f straight to the socket when nothing is queued before it --
 * from whichever thread has the answer: no hand-off to the I/O thread,
 * no EPOLLOUT round -- and queues what the socket does not take for
 * write_cb.  f->stub is given to the connection; f->hdrs too unless
 * hdrs_lent, when they are the caller's and copied if they must be
 * queued.  -1 when the connection is closed or broken (what was given
 * is freed then too). */
static int
out_write(struct srv_conn *c, const struct rpc_frag_out *f, int hdrs_lent)
{
    size_t len = f->nfrag * f->hdr_len + f->stub_len, off = 0;
    uint8_t *hdrs = (uint8_t *)(uintptr_t)f->hdrs;
    struct srv_out *q = NULL;

    if (c->dead || c->fd < 0)
        goto fail;
    if (c->out_head == NULL) {
        while (off < len) {
            struct iovec iov[OUT_IOV];
            size_t want = 0, niov;
            ssize_t n;

            niov = (size_t)rpc_frag_iov(f, off, iov, OUT_IOV);
            for (size_t i = 0; i < niov; i++)
                want += iov[i].iov_len;
            do
                n = rpcrt_sendv(c->fd, iov, niov, MSG_DONTWAIT | MSG_NOSIGNAL);
            while (n < 0 && errno == EINTR);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                goto fail;  /* the peer is gone; the read side sees it */
            if (n > 0)
                off += (size_t)n;
            if (n < 0 || (size_t)n != want)
                break;      /* the socket is full: write_cb does the rest */
        }
        if (off == len) {
            if (!hdrs_lent)
                I_RpcrtBufFree(hdrs);
            I_RpcrtBufFree((uint8_t *)(uintptr_t)f->stub);
            return 0;
        }
    }
    if ((q = malloc(sizeof(*q))) == NULL)
        goto fail;
    q->next = NULL;
    q->f = *f;
    q->len = len;
    q->off = off;
    if (q->f.ext.len > 0) {
        /* The range is lent for this write only: what is still to go of
         * it moves into the stub, where it belongs. */
        size_t done = 0;

        /* Stub bytes written so far: whole fragments' and the current
         * one's, past its header. */
        if (q->f.hdr_len + q->f.chunk > 0) {
            size_t fsz = q->f.hdr_len + q->f.chunk, in = off % fsz;

            done = off / fsz * q->f.chunk + (in > q->f.hdr_len ? in - q->f.hdr_len : 0);
        }
        if (done < q->f.ext.off + q->f.ext.len) {
            size_t from = done > q->f.ext.off ? done - q->f.ext.off : 0;

            memcpy((uint8_t *)(uintptr_t)q->f.stub + q->f.ext.off + from,
                   q->f.ext.p + from, q->f.ext.len - from);
        }
        memset(&q->f.ext, 0, sizeof(q->f.ext));
    }
    if (hdrs_lent) {
        size_t hl = f->nfrag * f->hdr_len;

        if ((q->f.hdrs = I_RpcrtBufAlloc(hl)) == NULL) {
            free(q);
            goto fail;
        }
        memcpy((uint8_t *)(uintptr_t)q->f.hdrs, f->hdrs, hl);
    }
    if (c->out_tail != NULL)
        c->out_tail->next = q;
    else
        c->out_head = q;
    c->out_tail = q;
    c->out_bytes += q->len - q->off;
    if (!c->wev_added) {
        /* event_add is safe from any thread (evthread_use_pthreads). */
        event_add(c->wev, NULL);
        c->wev_added = 1;
    }
    return 0;

fail:
    if (!hdrs_lent)
        I_RpcrtBufFree(hdrs);
    I_RpcrtBufFree((uint8_t *)(uintptr_t)f->stub);
    return -1;
}

int
srv_io_write_locked(struct srv_conn *c, uint8_t *buf, size_t len)
{
    struct rpc_frag_out f = {.hdrs = buf, .hdr_len = len, .nfrag = 1};

    if (!c->dead && c->fd >= 0)
        count_pdus_out(buf, len);
    return out_write(c, &f, 0);
}

int
srv_io_write_frags_locked(struct srv_conn *c, const uint8_t *hdrs,
                          size_t hdr_len, size_t nfrag, uint8_t *stub,
                          size_t stub_len, size_t chunk,
                          const struct rpc_stub_ext *ext)
{
    struct rpc_frag_out f = {.hdrs = hdrs, .stub = stub, .hdr_len = hdr_len,
                             .nfrag = nfrag, .chunk = chunk,
                             .stub_len = stub_len};

    if (ext != NULL && ext->len > 0 && ext->off < stub_len) {
        f.ext = *ext;
        if (f.ext.len > stub_len - f.ext.off)
            f.ext.len = stub_len - f.ext.off;
    }

    if (!c->dead && c->fd >= 0)
        atomic_fetch_add(&srv_stat_pkts_out, nfrag);
    return out_write(c, &f, 1);
}

int
srv_io_write(struct srv_conn *c, uint8_t *buf, size_t len)
{
    int r;

    rpcrt_mutex_lock(&c->wlock);
    r = srv_io_write_locked(c, buf, len);
    rpcrt_mutex_unlock(&c->wlock);
    return r;
}

/* (Re)arms the read event with the connection's read timeout. */
static void
read_arm(struct srv_conn *c)
{
    struct timeval tv = {(time_t)c->read_timeout, 0};

    event_add(c->rev, c->read_timeout > 0 ? &tv : NULL);
}

void
srv_io_set_read_timeout(struct srv_conn *c, unsigned seconds)
{
    c->read_timeout = seconds;
    /* Called once bound: the idle timeout replaces the bind timeout. */
    c->idle_s = seconds;
    if (!c->dead && !c->closing && !c->reading_paused && c->rev != NULL)
        read_arm(c);
}

/* Closing with what is queued still to be written: reading stops, the
 * rest goes out within `seconds`, then write_cb closes. */
static int
close_flush(struct srv_conn *c, unsigned seconds)
{
    int pending;

    rpcrt_mutex_lock(&c->wlock);
    pending = c->out_head != NULL;
    if (pending) {
        struct timeval tv = {(time_t)seconds, 0};

        c->closing = 1;
        event_del(c->rev);
        event_add(c->wev, &tv);
        c->wev_added = 1;
    }
    rpcrt_mutex_unlock(&c->wlock);
    return pending;
}

void
srv_io_close(struct srv_conn *c, int flush)
{
    if (c->dead)
        return;
    if (atomic_load(&c->stay) != STAY_NONE) {
        /* A thread stays on it (a protocol error in a request it read, or
         * a failed write the loop saw): closed by the loop once given back
         * (stay_pickup); the shutdown ends a read the thread waits in. */
        if (atomic_load(&c->close_pending) == 0 || !flush)
            atomic_store(&c->close_pending, flush ? 2 : 1);
        (void)shutdown(c->fd, SHUT_RD);
        return;
    }
    if (flush && close_flush(c, FLUSH_TIMEOUT_S))
        return;
    /* Under wlock: a worker that holds an answer either wrote it before
     * this or sees the connection dead and hands its call to the done
     * queue (srv_call_complete). */
    rpcrt_mutex_lock(&c->wlock);
    c->dead = 1;
    c->closing = 1;
    out_free_all(c);
    rpcrt_mutex_unlock(&c->wlock);
    if (c->rev != NULL) {
        event_free(c->rev);
        c->rev = NULL;
    }
    if (c->wev != NULL) {
        event_free(c->wev);
        c->wev = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    srv_conn_teardown(c);
    srv_call_reap(c);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv.conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
    srv.nconns--;
    srv_conn_unref(c);          /* the socket's reference */
    closed_all_check();
}

/* Dispatched calls not answered yet whose client has not given up on
 * them. */
static int
has_running_calls(const struct srv_conn *c)
{
    for (const struct srv_call *k = c->calls; k != NULL; k = k->cnext)
        if (!atomic_load(&k->orphaned) && !atomic_load(&k->answered))
            return 1;
    return 0;
}

/* Calls the connection is still waiting for: those, or a request still
 * arriving in fragments. */
static int
has_live_calls(const struct srv_conn *c)
{
    return c->frag != NULL || has_running_calls(c);
}

/* Bytes keep coming but the next PDU never completes (a peer sending a
 * byte a second): the read timeout, which every byte restarts, never
 * fires for it.  Such a connection is closed once its PDU has been
 * incomplete for the bind timeout (before the bind) or the idle timeout
 * (after it, while no call runs: a request still arriving does not
 * count, its fragments are what trickles). */
static int
trickled_too_long(const struct srv_conn *c)
{
    unsigned limit = c->bound ? c->idle_s : c->bind_s;

    if (c->partial_since == 0 || c->closing || limit == 0 ||
        mono_s() - c->partial_since < (time_t)limit)
        return 0;
    for (const struct srv_call *k = c->calls; k != NULL; k = k->cnext)
        if (!atomic_load(&k->orphaned) && !atomic_load(&k->answered))
            return 0;
    return 1;
}

static void
timeout_log(const struct srv_conn *c)
{
    if (c->closing)
        srv_log(RPCRT_LOG_INFO, "%s: output not drained, closing", c->peer);
    else if (!c->bound)
        srv_log(RPCRT_LOG_NOTICE, "%s: no bind in time (bind timeout), closing",
                c->peer);
    else
        srv_log(RPCRT_LOG_NOTICE, "%s: idle for %u s (idle timeout), closing",
                c->peer, c->idle_s);
}

/* The input buffer: none while a connection idles (its RSS is what
 * 10,000 idle connections cost), grown for large PDUs and bulk transfers
 * up to IN_BULK, freed once empty.  A read that finds nothing buffered
 * goes to IN_STACK bytes on the reading thread's stack instead: the PDUs
 * it completes are handled from there, and only an incomplete rest is
 * copied to the heap.  A small request then costs no allocation for its
 * input (it cost a malloc and a free of IN_BULK bytes per read). */
#define IN_MIN          4096u
#define IN_STACK        8192u
#define IN_BULK         (256u * 1024)

static int
in_reserve(struct srv_conn *c, size_t want)
{
    uint8_t *p;

    if (c->in_cap >= want)
        return 0;
    if ((p = realloc(c->in, want)) == NULL)
        return -1;
    c->in = p;
    c->in_cap = want;
    return 0;
}

/* Nothing buffered: nothing held (reads go to the stack). */
static void
in_release_if_empty(struct srv_conn *c)
{
    if (c->in_len == 0 && c->in_cap > 0) {
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
    }
}

/* Where the next read of c goes (read_cb, a thread staying on c): the
 * reading thread's stack buffer when nothing is buffered and no bulk
 * buffer is held, else after what c->in holds, grown to IN_BULK when
 * little room is left.  0, or -1 when out of memory. */
static int
in_target(struct srv_conn *c, uint8_t *stack, uint8_t **dst, size_t *space)
{
    if (c->in_len == 0 && c->in_cap < IN_BULK) {
        *dst = stack;
        *space = IN_STACK;
        return 0;
    }
    if (c->in_cap - c->in_len < IN_MIN / 2 &&
        in_reserve(c, c->in_cap < IN_BULK ? IN_BULK : c->in_cap) != 0)
        return -1;
    *dst = c->in + c->in_len;
    *space = c->in_cap - c->in_len;
    return 0;
}

/* C706 12.6.1 framing: every complete PDU of the len bytes at buf (the
 * input buffer c->in, or a reading thread's stack buffer) goes to the
 * state machine, in place; what is left of an incomplete one goes to the
 * front of c->in.  0, or -1 when the connection was closed. */
static int
frame(struct srv_conn *c, const uint8_t *buf, size_t len)
{
    const int in_place = buf == c->in;
    size_t off = 0, rest;

    while (!c->dead && !c->closing && atomic_load(&c->close_pending) == 0 &&
           len - off >= RPC_HDR_LEN) {
        const uint8_t *p = buf + off;
        size_t limit = c->bound ? c->max_recv : RPC_MAX_FRAG_SIZE;
        uint16_t flen;

        if (rpc_peek_frag_length(p, RPC_HDR_LEN, &flen) != 0 ||
            flen < RPC_HDR_LEN || flen > limit) {
            struct rpc_hdr h;

            srv_log(RPCRT_LOG_NOTICE, "%s: bad frag_length, closing", c->peer);
            /* C706 12.6.3.1 / MS-RPCE 3.3.3.5.4: a fragment longer than
             * negotiated is a protocol error. */
            if (!c->bound)
                srv_conn_bind_nak(c, 0, BIND_NAK_REASON_NOT_SPECIFIED);
            else if (rpc_hdr_decode(p, RPC_HDR_LEN, &h) == 0)
                srv_conn_fault(c, h.call_id, 0, NCA_S_PROTO_ERROR, 0, 1);
            else
                srv_io_close(c, 0);
            return -1;
        }
        if (len - off < flen) {
            /* (Moves c->in, and buf with it when in place.) */
            if (in_reserve(c, flen) != 0) {
                srv_io_close(c, 0);
                return -1;
            }
            break;
        }
        atomic_fetch_add(&srv_stat_pkts_in, 1);
        srv_conn_pdu(c, p, flen);
        c->partial_since = 0;
        off += flen;
    }
    if (c->dead)
        return -1;
    rest = len - off;
    if (rest > 0 && c->partial_since == 0)
        c->partial_since = mono_s();
    if (in_place) {
        c->in_len = rest;
        if (rest > 0 && off > 0)
            memmove(c->in, c->in + off, rest);
    } else if (rest > 0) {
        if (in_reserve(c, rest > IN_MIN ? rest : IN_MIN) != 0) {
            srv_io_close(c, 0);
            return -1;
        }
        memcpy(c->in, buf + off, rest);
        c->in_len = rest;
    }
    return 0;
}

/* Request fragments predicted per read: 32 at 5840 bytes, 186 KiB. */
#define DIRECT_FRAGS 32

/* A large request's next fragments read in place (srv_call_direct_plan):
 * headers into scratch, stubs straight into the request buffer, with one
 * recvmsg (flags: MSG_DONTWAIT from the loop, 0 for a staying thread,
 * whose socket blocks).  Each header is checked before its stub counts;
 * from the first fragment not as predicted (or not whole yet) on, the
 * bytes go back to c->in in order, unframed, for the caller to frame as
 * usual (a co_cancel, a short last fragment, anything).  0: the
 * prediction does not apply (nothing read); 1: recvmsg's result in *np
 * (its errno in *errp) and the bytes it asked for in *wantp -- unless c
 * was closed (out of memory). */
static int
direct_recv(struct srv_conn *c, int flags, ssize_t *np, int *errp,
            size_t *wantp)
{
    uint8_t hs[DIRECT_FRAGS][RPC_REQUEST_HDR_LEN];
    struct iovec iov[2 * DIRECT_FRAGS];
    struct rpc_frag_out f;
    struct msghdr mh;
    size_t pre = c->in_len, total, pos = 0, took = 0, nf = 0, want = 0, sl0;
    int last = 0;
    ssize_t n;

    if (c->dead || c->closing || atomic_load(&c->close_pending) != 0 ||
        !srv_call_direct_plan(c, &f, DIRECT_FRAGS))
        return 0;
    f.hdrs = &hs[0][0];
    sl0 = f.nfrag > 1 ? f.chunk : f.stub_len;
    if (pre >= RPC_REQUEST_HDR_LEN + sl0 ||
        (pre >= RPC_HDR_LEN &&
         !srv_call_direct_hdr_ok(c, c->in, pre < RPC_REQUEST_HDR_LEN ?
                                 RPC_HDR_LEN : RPC_REQUEST_HDR_LEN, sl0)))
        return 0;
    rpc_frag_copy(&f, 0, c->in, pre, 1);
    c->in_len = 0;
    total = pre;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = iov;
    mh.msg_iovlen = (size_t)rpc_frag_iov(&f, total, iov, 2 * DIRECT_FRAGS);
    for (size_t i = 0; i < mh.msg_iovlen; i++)
        want += iov[i].iov_len;
    do
        n = rpcrt_recvmsg(c->fd, &mh, flags);
    while (n < 0 && errno == EINTR);
    *np = n;
    *errp = n < 0 ? errno : 0;
    *wantp = want;
    if (n > 0)
        total += (size_t)n;
    for (size_t j = 0; j < f.nfrag; j++) {
        size_t sl = j + 1 < f.nfrag ? f.chunk : f.stub_len - j * f.chunk;

        if (pos + RPC_REQUEST_HDR_LEN + sl > total ||
            !srv_call_direct_hdr_ok(c, hs[j], RPC_REQUEST_HDR_LEN, sl))
            break;
        pos += RPC_REQUEST_HDR_LEN + sl;
        took += sl;
        nf++;
        if (hs[j][3] & PFC_LAST_FRAG) {
            last = 1;
            break;
        }
    }
    /* The rest back to the input buffer, in order. */
    if (total > pos) {
        if (in_reserve(c, total - pos > IN_MIN ? total - pos : IN_MIN) != 0) {
            srv_io_close(c, 0);
            return 1;
        }
        rpc_frag_copy(&f, pos, c->in, total - pos, 0);
        c->in_len = total - pos;
    }
    srv_call_direct_took(c, nf, took, last);
    return 1;
}

/* direct_recv from the loop.  0: the prediction does not apply (nothing
 * read); 1: read on; 2: stop reading (the socket is drained, or c
 * closed). */
static int
read_direct(struct srv_conn *c)
{
    ssize_t n;
    size_t want;
    int err;

    if (!direct_recv(c, MSG_DONTWAIT, &n, &err, &want))
        return 0;
    if (c->dead)
        return 2;
    if (n == 0 || (n < 0 && err != EAGAIN && err != EWOULDBLOCK)) {
        /* EOF or error: as in read_cb. */
        if (n < 0)
            srv_log(RPCRT_LOG_INFO, "%s: %s", c->peer, strerror(err));
        srv_io_close(c, 0);
        return 2;
    }
    /* Whole PDUs that came back (not as predicted) are handled now. */
    if (c->in_len > 0 && frame(c, c->in, c->in_len) != 0)
        return 2;
    return n > 0 && (size_t)n == want ? 1 : 2;
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
    struct srv_conn *c = arg;

    if (what & EV_TIMEOUT) {
        if (!c->closing && has_live_calls(c))
            return;         /* silence during a long call is no idleness */
        timeout_log(c);
        srv_io_close(c, 0);
        return;
    }
    srv_conn_ref(c);            /* the PDU handler may close it */
    /* Calls answered since the last read leave the connection first:
     * the next request may reuse their call_id. */
    srv_call_reap(c);
    if (trickled_too_long(c)) {
        timeout_log(c);
        srv_io_close(c, 0);
    }
    for (int rounds = 0; rounds < 16 && !c->dead && !c->closing; rounds++) {
        uint8_t stack[IN_STACK], *dst;
        size_t space;
        ssize_t n;
        int d;

        if (c->frag != NULL && (d = read_direct(c)) != 0) {
            if (d == 1)
                continue;
            break;
        }
        if (in_target(c, stack, &dst, &space) != 0) {
            srv_io_close(c, 0);
            break;
        }
        /* MSG_DONTWAIT: a socket a thread has stayed on is blocking. */
        n = rpcrt_recv(fd, dst, space, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            break;
        if (n <= 0) {
            /* EOF or error: the connection is gone; its calls are
             * orphaned (C706 12.4: a lost connection ends its calls). */
            if (n < 0)
                srv_log(RPCRT_LOG_INFO, "%s: %s", c->peer, strerror(errno));
            srv_io_close(c, 0);
            break;
        }
        if (dst == stack) {
            if (frame(c, stack, (size_t)n) != 0)
                break;
            /* A full stack buffer: a bulk transfer, which reads on into
             * the large heap buffer (a few system calls per MiB, not
             * one per 8 KiB). */
            if ((size_t)n == space && in_reserve(c, IN_BULK) != 0) {
                srv_io_close(c, 0);
                break;
            }
        } else {
            c->in_len += (size_t)n;
            if (frame(c, c->in, c->in_len) != 0)
                break;
        }
        /* A short read emptied the socket; a full one may have left more
         * (a bulk transfer): read on, within bounds. */
        if ((size_t)n < space)
            break;
    }
    if (!c->dead) {
        in_release_if_empty(c);
        if (!c->closing && !c->reading_paused) {
            size_t queued;

            rpcrt_mutex_lock(&c->wlock);
            queued = c->out_bytes;
            rpcrt_mutex_unlock(&c->wlock);
            if (queued > OUT_PAUSE) {
                /* A peer that sends requests but does not read answers. */
                c->reading_paused = 1;
                event_del(c->rev);
            }
        }
    }
    srv_conn_unref(c);
}

/* ---- staying on a connection -------------------------------------------- */

/* A thread that has just answered a call (ncacn_ip_tcp or ncalrpc) may
 * "stay" on its connection: take it off the event loop and wait for the
 * client's next request in a blocking recv (SO_RCVTIMEO:
 * RPCRT_OPT_CONN_STAY_US), run it, answer it, and wait again, until the
 * client falls silent for that long.  A client making call after call is
 * then served as a thread-per-connection server serves it: one recv and
 * one send a call, no epoll_wait, no wake-up of the loop's thread, and
 * the wake-ups go between the same two threads each time, which the
 * scheduler keeps on one CPU or a pair.  Measured over ncacn_ip_tcp
 * (2-core VM, five alternated runs each, medians): null calls/s with 1, 4
 * and 16 client threads +12 %, +54 % and +30 %; the server's system calls
 * a call 3.07 -> 2.07.  Over ncalrpc a blocking read is also woken each
 * time the client reads an answer (the unix socket's write space); on an
 * older kernel that cost one client 12 % and ncalrpc stayed with the
 * loop, but on Linux 6.18, where the benchmark runs now, staying gave
 * ncalrpc null calls/s +13-19 %, +34-49 % and +17-26 % with 1, 4 and 16
 * threads, with the same p50 or a lower one (rpcbench --compare: both
 * servers in the same rounds, two runs).  Connections that share their
 * association group with others stay with the loop: asynchronous calls
 * in flight from one thread (one binding, a connection each) come in
 * bursts that the loop serves in batches, one wake-up for many calls, and
 * staying on their connections cost asyncbench a third of its calls/s at
 * 16 in flight.
 *
 * Only the requests of a connection are the staying thread's: anything
 * else it reads (co_cancel, orphaned, alter_context, a malformed PDU) goes
 * back to the loop with the connection, unframed.  The connection is
 * given back (srv.stay_back, picked up by the loop) when its thread's
 * read times out, when a call goes asynchronous or leaves output queued,
 * when the routine calls RpcServerTestCancel (the co_cancel it waits for
 * is read by the loop), when the watcher sees a call still running after
 * a tick (srv_io_stay_watch_locked: the loop reads the connection while
 * long calls run, as for calls run inline), and when the server closes
 * its connections (stay_recall_all).  Until the loop has picked it up
 * nothing but its thread touches the connection's input side; closes
 * meanwhile are deferred (close_pending). */
#define STAY_MAX 64u

/* The stay whose call this thread runs. */
static RPCRT_TLS struct srv_stay *tls_stay_rec;

int
srv_io_stay_eligible_locked(const struct srv_conn *c)
{
    return srv.opt.stay_us != 0 && srv.nstays < STAY_MAX && !srv.stay_recall &&
           (c->ep->protseq == RPC_PROTSEQ_NCACN_IP_TCP ||
            c->ep->protseq == RPC_PROTSEQ_NCALRPC) && !c->conc_mpx &&
           !c->dead && !c->closing && !c->reading_paused && c->in_len == 0 &&
           c->frag == NULL && c->rev != NULL &&
           /* Alone in its association group: a client calling over
            * several connections of one binding at once (asynchronous
            * calls, threads sharing a handle) sends its requests in
            * bursts that the loop's batches serve better. */
           (c->assoc == NULL || c->assoc->nconns <= 1) &&
           atomic_load(&c->stay) == STAY_NONE;
}

int
srv_io_stay_begin_locked(struct srv_conn *c, struct srv_stay *r)
{
    if (c->stay_ready != (int)srv.opt.stay_us) {
        /* The socket blocks from now on (every other read and write of
         * the runtime passes MSG_DONTWAIT), with the stay as its read
         * timeout. */
        struct timeval tv = {(time_t)(srv.opt.stay_us / 1000000u),
                             (suseconds_t)(srv.opt.stay_us % 1000000u)};
        int fl = fcntl(c->fd, F_GETFL);

        if (fl < 0 || fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
            setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
            return -1;
        c->stay_ready = (int)srv.opt.stay_us;
    }
    /* The loop is not running (its thread is this one): no read of the
     * connection is under way. */
    if (event_del(c->rev) != 0)
        return -1;
    atomic_store(&c->stay, STAY_ON);
    r->c = c;
    atomic_store(&r->word, 0u);
    r->seen = 0;
    atomic_store(&r->end_wanted, 0);
    r->next = srv.stays;
    srv.stays = r;
    srv.nstays++;
    return 0;
}

/* A stay just marked ended (srv.lock held): the connection goes to
 * srv.stay_back for the loop. */
static void
stay_unlink_locked(struct srv_stay *r)
{
    struct srv_conn *c = r->c;
    struct srv_stay **pp;

    for (pp = &srv.stays; *pp != NULL; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    srv.nstays--;
    atomic_store(&c->stay, STAY_BACK);
    c->stay_next = srv.stay_back;
    srv.stay_back = c;
    srv_io_kick_locked(SRV_KICK_STAY_BACK);
    /* srv_io_stop waits for the last one. */
    pthread_cond_broadcast(&srv.cond);
}

/* Ends a stay (srv.lock held; any thread). */
static void
stay_end_locked(struct srv_stay *r)
{
    if ((atomic_fetch_or(&r->word, STAY_W_ENDED) & STAY_W_ENDED) == 0)
        stay_unlink_locked(r);
}

void
srv_io_stay_watch_locked(void)
{
    struct srv_stay *r = srv.stays, *next;

    for (; r != NULL; r = next) {
        unsigned w = atomic_load(&r->word);

        next = r->next;
        /* Listed stays are not ended: ENDED is set under srv.lock and
         * unlinks them at once. */
        if ((w & STAY_W_BUSY) && w / STAY_W_CALL == r->seen &&
            atomic_compare_exchange_strong(&r->word, &w, w | STAY_W_ENDED))
            stay_unlink_locked(r);
        else
            /* Not busy, a call begun since, or one that ended or began
             * just now (w reloaded by the failed exchange). */
            r->seen = w / STAY_W_CALL;
    }
}

void
srv_io_stay_yield_locked(void)
{
    for (struct srv_stay *r = srv.stays; r != NULL; r = r->next)
        if (!atomic_load(&r->end_wanted)) {
            atomic_store(&r->end_wanted, 1);
            return;
        }
}

void
srv_io_stay_leave(void)
{
    if (tls_stay_rec == NULL)
        return;
    pthread_mutex_lock(&srv.lock);
    stay_end_locked(tls_stay_rec);
    pthread_mutex_unlock(&srv.lock);
    tls_stay_rec = NULL;
}

/* Closing all connections: every stay ends now (the loop's thread). */
static void
stay_recall_all(void)
{
    pthread_mutex_lock(&srv.lock);
    srv.stay_recall = 1;
    for (struct srv_stay *r = srv.stays; r != NULL; r = r->next)
        (void)shutdown(r->c->fd, SHUT_RD);
    pthread_mutex_unlock(&srv.lock);
}

/* The connections given back: the loop reads them again, frames what
 * their threads left unframed, and closes those it has to (the loop's
 * thread, or srv_io_stop's once the loop is gone). */
static void
stay_pickup(void)
{
    struct srv_conn *list;

    pthread_mutex_lock(&srv.lock);
    list = srv.stay_back;
    srv.stay_back = NULL;
    for (struct srv_conn *c = list; c != NULL; c = c->stay_next)
        atomic_store(&c->stay, STAY_NONE);
    pthread_mutex_unlock(&srv.lock);
    while (list != NULL) {
        struct srv_conn *c = list;
        int pending = atomic_exchange(&c->close_pending, 0);

        list = c->stay_next;
        c->stay_next = NULL;
        if (c->dead)
            continue;
        if (srv_closing_all) {
            if (!close_flush(c, SHUTDOWN_FLUSH_S))
                srv_io_close(c, 0);
            continue;
        }
        if (pending != 0) {
            srv_io_close(c, pending == 2);
            continue;
        }
        read_arm(c);
        if (c->in_len > 0) {
            srv_conn_ref(c);
            srv_call_reap(c);
            (void)frame(c, c->in, c->in_len);
            srv_conn_unref(c);
        }
    }
}

/* Whether the staying thread may frame the len bytes read at buf itself:
 * only requests, well formed as far as their headers go. */
static int
stay_only_requests(const struct srv_conn *c, const uint8_t *buf, size_t len)
{
    for (size_t off = 0; len - off >= RPC_HDR_LEN;) {
        uint16_t flen;

        if (rpc_peek_frag_length(buf + off, RPC_HDR_LEN, &flen) != 0 ||
            flen < RPC_HDR_LEN || flen > c->max_recv ||
            buf[off + 2] != PTYPE_REQUEST)
            return 0;
        if (len - off < flen)
            break;
        off += flen;
    }
    return 1;
}

/* A staying thread reads the rest of a large request in place
 * (direct_recv, blocking), and frames what came back if only requests.
 * 0: the prediction does not apply (nothing read); 1: read, read on;
 * 2: read, leave after running what was read (the rest is the loop's);
 * -1: nothing read (timed out, an end or error the loop sees too). */
static int
stay_direct(struct srv_conn *c)
{
    ssize_t n = 0;
    size_t want;
    int err = 0;

    if (!direct_recv(c, 0, &n, &err, &want))
        return 0;
    if (n <= 0)
        return -1;
    if (atomic_load(&c->close_pending) != 0)
        return 2;
    if (c->in_len > 0) {
        if (!stay_only_requests(c, c->in, c->in_len))
            return 2;
        (void)frame(c, c->in, c->in_len);
    }
    return 1;
}

void
srv_io_stay(struct srv_stay *r)
{
    struct srv_conn *c = r->c;

    for (;;) {
        uint8_t stack[IN_STACK], *dst;
        struct srv_call *k;
        size_t space, have;
        ssize_t n;
        int queued, left = 0, ended = 0, giveback = 0;

        if (atomic_load(&c->close_pending) != 0)
            break;
        /* Answered calls leave the connection first (the next request
         * may reuse a call_id), as in read_cb. */
        srv_call_reap(c);
        if (has_running_calls(c))
            break;
        rpcrt_mutex_lock(&c->wlock);
        queued = c->out_head != NULL || c->dead || c->closing;
        rpcrt_mutex_unlock(&c->wlock);
        if (queued)
            break;
        srv_call_spare_ready(c);
        if (c->frag != NULL) {
            /* The rest of a large request, read in place (as read_cb
             * does): no copy out of the input buffer. */
            int d;

            srv_worker_stay_collect(1);
            d = stay_direct(c);
            srv_worker_stay_collect(0);
            if (d < 0)
                break;
            giveback = d == 2;
            if (d != 0)
                goto run;
            /* Not predicted: read and frame as usual. */
        }
        if (in_target(c, stack, &dst, &space) != 0) {
            atomic_store(&c->close_pending, 1);
            break;
        }
        n = rpcrt_recv(c->fd, dst, space, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            /* Timed out, or an end or error the loop sees too. */
            break;
        if (dst == stack) {
            if (!stay_only_requests(c, stack, (size_t)n)) {
                /* For the loop, unframed. */
                if (in_reserve(c, (size_t)n) != 0) {
                    atomic_store(&c->close_pending, 1);
                    break;
                }
                memcpy(c->in, stack, (size_t)n);
                c->in_len = (size_t)n;
                break;
            }
        } else {
            have = c->in_len + (size_t)n;
            if (!stay_only_requests(c, c->in, have)) {
                c->in_len = have;
                break;
            }
            c->in_len = have;
        }
        srv_worker_stay_collect(1);
        (void)frame(c, dst == stack ? stack : c->in, dst == stack ? (size_t)n : c->in_len);
        srv_worker_stay_collect(0);
        if (dst == stack && (size_t)n == space && in_reserve(c, IN_BULK) != 0)
            /* A full stack buffer: a bulk transfer, read on into the
             * large buffer, as read_cb does. */
            atomic_store(&c->close_pending, 1);
    run:
        k = srv_worker_stay_take();
        while (k != NULL) {
            struct srv_call *next = k->next;
            unsigned w;

            atomic_fetch_add(&r->word, STAY_W_CALL | STAY_W_BUSY);
            tls_stay_rec = r;
            if (srv_call_run(k))
                srv_call_complete(k);
            tls_stay_rec = NULL;
            w = atomic_fetch_and(&r->word, ~STAY_W_BUSY);
            if (w & STAY_W_ENDED)
                ended = 1;
            left = ended || atomic_load(&srv.stay_recall) ||
                   atomic_load(&r->end_wanted);
            k = next;
        }
        /* Ended by another thread: the connection is the loop's, which
         * may have freed it already. */
        if (ended) {
            srv_call_spare_drop();
            return;
        }
        if (left || giveback)
            break;
    }
    /* An idle connection holds no input buffer (read_cb's rule). */
    in_release_if_empty(c);
    srv_call_spare_drop();
    pthread_mutex_lock(&srv.lock);
    stay_end_locked(r);
    pthread_mutex_unlock(&srv.lock);
}

static void
write_cb(evutil_socket_t fd, short what, void *arg)
{
    struct srv_conn *c = arg;
    struct iovec iov[OUT_IOV];
    size_t left;
    int n = 0, failed = 0;

    if (what & EV_TIMEOUT) {
        /* A closing connection that could not drain in time. */
        timeout_log(c);
        srv_io_close(c, 0);
        return;
    }
    rpcrt_mutex_lock(&c->wlock);
    for (struct srv_out *o = c->out_head; o != NULL && n < OUT_IOV; o = o->next)
        n += rpc_frag_iov(&o->f, o->off, iov + n, OUT_IOV - n);
    if (n > 0) {
        ssize_t w;

        do
            w = rpcrt_sendv(fd, iov, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            failed = 1;
        } else if (w > 0) {
            size_t done = (size_t)w;

            c->out_bytes -= done;
            while (done > 0 && c->out_head != NULL) {
                struct srv_out *o = c->out_head;
                size_t rest = o->len - o->off;

                if (done < rest) {
                    o->off += done;
                    break;
                }
                done -= rest;
                c->out_head = o->next;
                out_free(o);
            }
            if (c->out_head == NULL)
                c->out_tail = NULL;
        }
    }
    if (c->out_head == NULL && !c->closing) {
        event_del(c->wev);
        c->wev_added = 0;
    }
    left = c->out_bytes;
    rpcrt_mutex_unlock(&c->wlock);

    if (failed) {
        srv_log(RPCRT_LOG_INFO, "%s: %s", c->peer, strerror(errno));
        srv_io_close(c, 0);
        return;
    }
    if (c->closing) {
        if (left == 0)
            srv_io_close(c, 0);
        return;
    }
    if (c->reading_paused && left <= OUT_RESUME) {
        c->reading_paused = 0;
        /* We stopped reading, not the peer: its PDU's clock restarts. */
        if (c->partial_since != 0)
            c->partial_since = mono_s();
        read_arm(c);
    }
}
