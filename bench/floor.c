/*
 * bench/floor.c -- the floor: a raw ping-pong over a stream socket, the
 * least any request/response protocol can cost on this machine.
 *
 * Each call moves what a DCE/RPC call moves at the least: a 24-byte header
 * (the size of a request or response PDU header) plus the payload, each
 * way.  Blocking sockets, TCP_NODELAY, one thread per connection on the
 * server, writev() so that no side copies the payload in user space.
 * Nothing else: no framing checks beyond the length, no allocation per
 * call.  Works over TCP ("tcp:HOST:PORT") and unix sockets ("unix:PATH",
 * the floor for ncalrpc).
 *
 * floor_serve_fd also serves the same messages from event loops (epoll,
 * non-blocking sockets, a loop thread owning each connection), the other
 * way to build a server, for bench/designs.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench/bench.h"

/* ---- both sides ------------------------------------------------------------ */

static int
read_full(int fd, void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t r = read(fd, p, n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Writes hdr and n bytes of payload with as few syscalls as the kernel
 * allows (one, normally). */
static int
write_msg(int fd, const unsigned char *hdr, const void *payload, size_t n)
{
    struct iovec iov[2];
    int first = 0, cnt = n > 0 ? 2 : 1;

    iov[0].iov_base = (void *)(uintptr_t)hdr;
    iov[0].iov_len = FLOOR_HDR;
    iov[1].iov_base = (void *)(uintptr_t)payload;
    iov[1].iov_len = n;
    while (first < cnt) {
        ssize_t w = writev(fd, iov + first, cnt - first);
        size_t left;

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        left = (size_t)w;
        while (first < cnt && left >= iov[first].iov_len) {
            left -= iov[first].iov_len;
            first++;
        }
        if (first < cnt) {
            iov[first].iov_base = (unsigned char *)iov[first].iov_base + left;
            iov[first].iov_len -= left;
        }
    }
    return 0;
}

static void
set_nodelay(int fd)
{
    int one = 1;

    /* Fails harmlessly on unix sockets. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- server ---------------------------------------------------------------- */

static void *
serve_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    unsigned char hdr[FLOOR_HDR];
    unsigned char *buf = NULL;
    size_t cap = 0;

    set_nodelay(fd);
    for (;;) {
        uint32_t n;

        if (read_full(fd, hdr, FLOOR_HDR) != 0)
            break;
        memcpy(&n, hdr, 4);
        if (n > cap) {
            unsigned char *nb = realloc(buf, n);

            if (nb == NULL)
                break;
            buf = nb;
            cap = n;
        }
        if (n > 0 && read_full(fd, buf, n) != 0)
            break;
        if (write_msg(fd, hdr, buf, n) != 0)
            break;
    }
    free(buf);
    close(fd);
    return NULL;
}

static void *
accept_loop(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    pthread_attr_t attr;

    /* Small stacks: the idle-connection workload holds 10,000 threads. */
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        pthread_t t;
        int fd = accept(lfd, NULL, NULL);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
                errno == ENFILE) {
                if (errno == EMFILE || errno == ENFILE)
                    usleep(1000);
                continue;
            }
            break;
        }
        if (pthread_create(&t, &attr, serve_conn, (void *)(intptr_t)fd) != 0)
            close(fd);
    }
    return NULL;
}

/* ---- the same server as event loops (bench/designs) ------------------------ */

struct loop_conn {
    int fd;
    unsigned char *buf;
    size_t cap, have;  /* a message being read */
    size_t sent, len;  /* its echo being written (len > 0) */
};

static void
loop_drop(int ep, struct loop_conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->buf);
    free(c);
}

/* Writes what is left of c's echo.  1: all written; 0: the socket is
 * full (wait for EPOLLOUT); -1: the connection failed. */
static int
loop_flush(struct loop_conn *c)
{
    while (c->sent < c->len) {
        ssize_t w = send(c->fd, c->buf + c->sent, c->len - c->sent,
                         MSG_DONTWAIT | MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (w <= 0)
            return -1;
        c->sent += (size_t)w;
    }
    c->have = c->sent = c->len = 0;
    return 1;
}

/* One readiness event of c: one read (a loop serves its other
 * connections before reading c again), and the echo once the message is
 * whole.  -1: drop c. */
static int
loop_event(int ep, struct loop_conn *c, uint32_t events)
{
    struct epoll_event ev = {.data.ptr = c};
    size_t want;
    uint32_t n;
    ssize_t r;
    int f;

    if (c->len > 0) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
            return 0;
        if ((f = loop_flush(c)) <= 0)
            return f;
        ev.events = EPOLLIN;
        return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == 0 ? 0 : -1;
    }
    r = recv(c->fd, c->buf + c->have, c->cap - c->have, MSG_DONTWAIT);
    if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (r <= 0)
        return -1;
    c->have += (size_t)r;
    if (c->have < FLOOR_HDR)
        return 0;
    memcpy(&n, c->buf, 4);
    want = FLOOR_HDR + (size_t)n;
    if (want > c->cap) {
        unsigned char *nb = realloc(c->buf, want);

        if (nb == NULL)
            return -1;
        c->buf = nb;
        c->cap = want;
    }
    if (c->have < want)
        return 0;
    if (c->have > want)
        return -1;  /* a request before its answer: not a ping-pong */
    c->len = want;
    if ((f = loop_flush(c)) != 0)
        return f < 0 ? -1 : 0;
    ev.events = EPOLLOUT;
    return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == 0 ? 0 : -1;
}

static void *
loop_thread(void *arg)
{
    int ep = (int)(intptr_t)arg;
    struct epoll_event evs[64];

    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);

        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++)
            if (loop_event(ep, evs[i].data.ptr, evs[i].events) != 0)
                loop_drop(ep, evs[i].data.ptr);
    }
    return NULL;
}

int
floor_serve_fd(int lfd, int loops)
{
    int eps[FLOOR_LOOPS_MAX];
    unsigned next = 0;

    signal(SIGPIPE, SIG_IGN);
    if (loops <= 0) {
        accept_loop((void *)(intptr_t)lfd);
        return 1;
    }
    if (loops > FLOOR_LOOPS_MAX)
        loops = FLOOR_LOOPS_MAX;
    for (int i = 0; i < loops; i++) {
        pthread_t t;

        if ((eps[i] = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
            pthread_create(&t, NULL, loop_thread, (void *)(intptr_t)eps[i]) != 0) {
            perror("floor: loop");
            return 1;
        }
    }
    for (;;) {
        struct loop_conn *c;
        struct epoll_event ev = {.events = EPOLLIN};
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("floor: accept");
            return 1;
        }
        set_nodelay(fd);
        if ((c = calloc(1, sizeof(*c))) == NULL ||
            (c->buf = malloc(FLOOR_HDR)) == NULL) {
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->cap = FLOOR_HDR;
        ev.data.ptr = c;
        /* The connections take turns among the loops, as an accepting
         * thread hands them out in a server with one loop per core. */
        if (epoll_ctl(eps[next++ % (unsigned)loops], EPOLL_CTL_ADD, fd, &ev) != 0) {
            free(c->buf);
            free(c);
            close(fd);
        }
    }
}

int
floor_listen_loopback(int backlog, unsigned *port)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int fd;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

int
floor_server_main(const char *unix_path)
{
    struct sockaddr_un sun;
    sigset_t sigs;
    pthread_t t;
    unsigned port;
    int tfd, ufd, sig;

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((tfd = floor_listen_loopback(4096, &port)) < 0) {
        perror("floor: tcp listen");
        return 1;
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (strlen(unix_path) >= sizeof(sun.sun_path)) {
        fprintf(stderr, "floor: unix path too long\n");
        return 1;
    }
    strcpy(sun.sun_path, unix_path);
    unlink(unix_path);
    if ((ufd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(ufd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
        listen(ufd, 4096) != 0) {
        perror("floor: unix listen");
        return 1;
    }
    if (pthread_create(&t, NULL, accept_loop, (void *)(intptr_t)tfd) != 0 ||
        pthread_create(&t, NULL, accept_loop, (void *)(intptr_t)ufd) != 0) {
        perror("floor: pthread_create");
        return 1;
    }
    printf("listening tcp:127.0.0.1:%u\n", port);
    printf("listening unix:%s\n", unix_path);
    fflush(stdout);
    do {
        if (sigwait(&sigs, &sig) != 0)
            sig = SIGTERM;
    } while (sig != SIGINT && sig != SIGTERM);
    unlink(unix_path);
    return 0;
}

/* ---- client ---------------------------------------------------------------- */

struct floor_conn {
    int fd;
};

static void *
floor_connect(const char *addr, char *err, size_t errlen)
{
    struct floor_conn *c;
    int fd = -1;

    if (strncmp(addr, "tcp:", 4) == 0) {
        struct sockaddr_in sin;
        char host[64];
        const char *colon = strrchr(addr + 4, ':');

        if (colon == NULL || (size_t)(colon - (addr + 4)) >= sizeof(host)) {
            snprintf(err, errlen, "bad address %s", addr);
            return NULL;
        }
        memcpy(host, addr + 4, (size_t)(colon - (addr + 4)));
        host[colon - (addr + 4)] = '\0';
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
            snprintf(err, errlen, "bad host %s", host);
            return NULL;
        }
        if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
            connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
            goto fail;
        set_nodelay(fd);
    } else if (strncmp(addr, "unix:", 5) == 0) {
        struct sockaddr_un sun;

        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", addr + 5);
        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
            connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
            goto fail;
    } else {
        snprintf(err, errlen, "bad address %s", addr);
        return NULL;
    }
    if ((c = malloc(sizeof(*c))) == NULL)
        goto fail;
    c->fd = fd;
    return c;
fail:
    snprintf(err, errlen, "%s: %s", addr, strerror(errno));
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int
floor_call(void *conn, const void *in, uint32_t n, void *out)
{
    struct floor_conn *c = conn;
    unsigned char hdr[FLOOR_HDR] = {0};
    uint32_t rn;

    memcpy(hdr, &n, 4);
    if (write_msg(c->fd, hdr, in, n) != 0 || read_full(c->fd, hdr, FLOOR_HDR) != 0)
        return -1;
    memcpy(&rn, hdr, 4);
    if (rn != n || (n > 0 && read_full(c->fd, out, n) != 0))
        return -1;
    return 0;
}

static void
floor_close(void *conn)
{
    struct floor_conn *c = conn;

    if (c != NULL) {
        close(c->fd);
        free(c);
    }
}

const struct bench_peer floor_peer = {
    BENCH_PEER_ABI, "floor", floor_connect, floor_call, floor_close,
};
