/*
 * libserver/srv_io.c -- the I/O thread: one libevent event_base with an
 * evconnlistener per endpoint and a bufferevent per connection.
 *
 * Framing (C706 12.6.1, after libevent's evdns TCP code and Samba's
 * dcerpc_read_ncacn_packet): the read callback copies out the 16-byte
 * common header, reads frag_length from it, checks
 * 16 <= frag_length <= the connection's max_recv_frag (RPC_MAX_FRAG_SIZE
 * before the bind), waits until the whole PDU is buffered, then copies it
 * out and hands it to the connection's state machine.  A read
 * high-watermark stops reading from the socket while a full PDU's worth is
 * buffered, so a peer cannot make the input grow without bound; the
 * output is bounded the same way (reading pauses while too much is
 * queued).  Reading goes on while calls run, which is how co_cancel and
 * orphaned PDUs reach a call in progress.
 *
 * Every libevent object is touched by this thread only.  Other threads
 * ask for work through srv.kick + kick_ev (listeners, teardown) and the
 * done queue + done_ev (answers of finished calls); event_active() is
 * safe from any thread once evthread_use_pthreads() ran.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "libserver/srv.h"

/* Reading stops while this much input is buffered: more than the largest
 * fragment, so a complete PDU is always consumed first. */
#define READ_HIWAT      ((size_t)RPC_MAX_FRAG_SIZE + 1)
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
static void read_cb(struct bufferevent *bev, void *arg);
static void write_cb(struct bufferevent *bev, void *arg);
static void event_cb(struct bufferevent *bev, short what, void *arg);

/* ---- thread ------------------------------------------------------------- */

static void *
io_main(void *arg)
{
    (void)arg;
    event_base_loop(srv.base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
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
    if (srv_thread_spawn(&srv.io_tid, io_main, NULL, 0) != 0)
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
    pthread_t tid;

    pthread_mutex_lock(&srv.lock);
    if (!srv.io_running) {
        pthread_mutex_unlock(&srv.lock);
        return;
    }
    srv_io_kick_locked(SRV_KICK_CLOSE_ALL | SRV_KICK_EXIT);
    tid = srv.io_tid;
    pthread_mutex_unlock(&srv.lock);

    pthread_join(tid, NULL);

    pthread_mutex_lock(&srv.lock);
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
    c->bev = bufferevent_socket_new(srv.base, fd,
                                    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
    if (c->bev == NULL) {
        close(fd);
        srv_conn_unref(c);
        return;
    }
    conn_info(c, ep, fd, sa, salen);
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, READ_HIWAT);
    if (o.bind_timeout > 0) {
        struct timeval tv = {(time_t)o.bind_timeout, 0};
        bufferevent_set_timeouts(c->bev, &tv, NULL);
        c->bind_s = o.bind_timeout;
    }
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
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
    for (struct srv_conn *c = srv.conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->bev != NULL && !c->dead &&
            evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
            struct timeval tv = {SHUTDOWN_FLUSH_S, 0};

            srv_io_close(c, 1);
            if (!c->dead && c->bev != NULL)
                bufferevent_set_timeouts(c->bev, NULL, &tv);
        } else {
            srv_io_close(c, 0);
        }
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
        if (flags & SRV_KICK_EXIT) {
            /* Leaving the loop: no more waiting for output. */
            while (srv.conns != NULL)
                srv_io_close(srv.conns, 0);
        }
        closed_all_check();
    } else if (flags & SRV_KICK_SYNC) {
        sync_listeners();
    }
    if (flags & SRV_KICK_EXIT) {
        /* The last answers (discarded: every connection is closed). */
        done_cb(-1, 0, NULL);
        event_base_loopbreak(srv.base);
    }
}

/* ---- finished calls ----------------------------------------------------- */

void
srv_io_call_done_locked(struct srv_call *c)
{
    c->next = NULL;
    if (srv.done_tail != NULL)
        srv.done_tail->next = c;
    else
        srv.done_head = c;
    srv.done_tail = c;
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

static void
free_cleanup(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)(uintptr_t)data);
}

int
srv_io_write(struct srv_conn *c, uint8_t *buf, size_t len)
{
    struct evbuffer *out;

    if (c->dead || c->bev == NULL) {
        free(buf);
        return -1;
    }
    out = bufferevent_get_output(c->bev);
    /* mgmt inq_stats counts PDUs: walk the frag_lengths we wrote. */
    for (size_t off = 0; off + RPC_HDR_LEN <= len;) {
        uint16_t fl;
        if (rpc_peek_frag_length(buf + off, len - off, &fl) != 0 ||
            fl < RPC_HDR_LEN)
            break;
        atomic_fetch_add(&srv_stat_pkts_out, 1);
        off += fl;
    }
    /* The buffer is handed over, not copied (8 MiB answers). */
    if (evbuffer_add_reference(out, buf, len, free_cleanup, NULL) != 0) {
        free(buf);
        return -1;
    }
    if (!c->reading_paused && evbuffer_get_length(out) > OUT_PAUSE) {
        c->reading_paused = 1;
        bufferevent_disable(c->bev, EV_READ);
        bufferevent_setwatermark(c->bev, EV_WRITE, OUT_RESUME, 0);
    }
    return 0;
}

void
srv_io_set_read_timeout(struct srv_conn *c, unsigned seconds)
{
    struct timeval tv = {(time_t)seconds, 0};

    if (c->bev != NULL)
        bufferevent_set_timeouts(c->bev, seconds > 0 ? &tv : NULL, NULL);
    /* Called once bound: the idle timeout replaces the bind timeout. */
    c->idle_s = seconds;
}

void
srv_io_close(struct srv_conn *c, int flush)
{
    if (c->dead)
        return;
    if (flush && c->bev != NULL &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
        struct timeval tv = {FLUSH_TIMEOUT_S, 0};

        c->closing = 1;
        bufferevent_disable(c->bev, EV_READ);
        bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
        bufferevent_set_timeouts(c->bev, NULL, &tv);
        return;
    }
    c->dead = 1;
    c->closing = 1;
    if (c->bev != NULL) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    srv_conn_teardown(c);
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
        if (!atomic_load(&k->orphaned))
            return 0;
    return 1;
}

/* C706 12.6.1 framing; see the file comment. */
static void
read_cb(struct bufferevent *bev, void *arg)
{
    struct srv_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    srv_conn_ref(c);            /* the PDU handler may close it */
    if (trickled_too_long(c)) {
        timeout_log(c);
        srv_io_close(c, 0);
    }
    while (!c->dead && !c->closing) {
        uint8_t hdr[RPC_HDR_LEN];
        uint16_t flen;
        size_t have = evbuffer_get_length(in), limit;

        if (have < RPC_HDR_LEN)
            break;
        evbuffer_copyout(in, hdr, RPC_HDR_LEN);
        limit = c->bound ? c->max_recv : RPC_MAX_FRAG_SIZE;
        if (rpc_peek_frag_length(hdr, RPC_HDR_LEN, &flen) != 0 ||
            flen < RPC_HDR_LEN || flen > limit) {
            struct rpc_hdr h;

            srv_log(RPCRT_LOG_NOTICE, "%s: bad frag_length, closing", c->peer);
            /* C706 12.6.3.1 / MS-RPCE 3.3.3.5.4: a fragment longer than
             * negotiated is a protocol error. */
            if (!c->bound)
                srv_conn_bind_nak(c, 0, BIND_NAK_REASON_NOT_SPECIFIED);
            else if (rpc_hdr_decode(hdr, RPC_HDR_LEN, &h) == 0)
                srv_conn_fault(c, h.call_id, 0, NCA_S_PROTO_ERROR, 0, 1);
            else
                srv_io_close(c, 0);
            break;
        }
        if (have < flen)
            break;
        if (c->pdu_cap < flen) {
            uint8_t *p = realloc(c->pdu, flen);
            if (p == NULL) {
                srv_io_close(c, 0);
                break;
            }
            c->pdu = p;
            c->pdu_cap = flen;
        }
        evbuffer_remove(in, c->pdu, flen);
        atomic_fetch_add(&srv_stat_pkts_in, 1);
        srv_conn_pdu(c, c->pdu, flen);
        c->partial_since = 0;
    }
    if (!c->dead && c->partial_since == 0 && evbuffer_get_length(in) > 0)
        c->partial_since = mono_s();
    srv_conn_unref(c);
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
    struct srv_conn *c = arg;
    size_t left = evbuffer_get_length(bufferevent_get_output(bev));

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
        bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
        bufferevent_enable(bev, EV_READ);
    }
}

/* Calls the connection is still waiting for (their client has not
 * given up on them). */
static int
has_live_calls(const struct srv_conn *c)
{
    if (c->frag != NULL)
        return 1;
    for (const struct srv_call *k = c->calls; k != NULL; k = k->cnext)
        if (!atomic_load(&k->orphaned))
            return 1;
    return 0;
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

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct srv_conn *c = arg;

    if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
        !c->closing && has_live_calls(c)) {
        /* Silence during a long call is no idleness: keep waiting (libevent
         * disabled reading when the timeout fired). */
        bufferevent_enable(bev, EV_READ);
        return;
    }
    if (what & BEV_EVENT_ERROR)
        srv_log(RPCRT_LOG_INFO, "%s: %s", c->peer,
                evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    else if (what & BEV_EVENT_TIMEOUT)
        timeout_log(c);
    /* EOF, error or timeout: the connection is gone; its calls are
     * orphaned (C706 12.4: a lost connection ends its calls). */
    srv_io_close(c, 0);
}
