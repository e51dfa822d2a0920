/*
 * bench/bench.h -- what the benchmark driver (rpcbench.c) shares with the
 * programs it measures: the client side of each peer, as a small table of
 * functions, and the helpers the servers use to announce their endpoint.
 *
 * A peer's client side is either linked into rpcbench (ours, the raw TCP
 * floor) or built by bench/build-peers as a shared object that rpcbench
 * dlopen()s (libtirpc, gRPC: they need packages configure does not ask
 * for).  Such an object exports one symbol, BENCH_PEER_SYMBOL, a function
 * returning its table.
 *
 * Every peer's "call" is the same operation: send n bytes of payload to the
 * server and receive the same n bytes back (n == 0: the null call).  Each
 * connection is used by one thread at a time.
 */
#ifndef RPCRT_BENCH_H
#define RPCRT_BENCH_H

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_PEER_ABI 1
#define BENCH_PEER_SYMBOL "bench_peer_get"

struct bench_peer {
    int abi;                    /* BENCH_PEER_ABI */
    const char *name;
    /* Opens one connection to the server at addr (the text after
     * "listening " in the server's output).  NULL on failure, with a
     * message in err. */
    void *(*connect)(const char *addr, char *err, size_t errlen);
    /* Echoes n bytes of in into out (out may be NULL when n == 0).  0 on
     * success, -1 on failure. */
    int (*call)(void *conn, const void *in, uint32_t n, void *out);
    void (*close)(void *conn);
};

typedef const struct bench_peer *(*bench_peer_get_fn)(void);

/* floor.c: the raw TCP ping-pong peer.  Messages both ways are a 24-byte
 * header (u32 payload length, then zeros, as much as a DCE/RPC request or
 * response header) followed by the payload. */
#define FLOOR_HDR 24
extern const struct bench_peer floor_peer;
/* Runs the floor server: listens on 127.0.0.1:0 and on the unix socket
 * path, prints "listening tcp:127.0.0.1:PORT" and "listening unix:PATH",
 * serves each connection on its own thread until SIGTERM/SIGINT.  Returns
 * the exit status. */
int floor_server_main(const char *unix_path);
/* A TCP socket listening on 127.0.0.1, a port the kernel picks (in
 * *port); -1 with errno on failure. */
int floor_listen_loopback(int backlog, unsigned *port);
/* Serves the floor's messages on the listening socket lfd until killed:
 * one thread per connection (loops == 0, as floor_server_main does), or
 * that many epoll loops, each owning the connections handed to it in turn
 * (loops <= FLOOR_LOOPS_MAX).  Returns only on failure (status 1). */
#define FLOOR_LOOPS_MAX 8
int floor_serve_fd(int lfd, int loops);

/* ---- helpers the benchmark programs share -------------------------------- */

/* CLOCK_MONOTONIC in microseconds. */
static inline double
bench_now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Sleeps us microseconds, through signals. */
static inline void
bench_sleep_us(double us)
{
    struct timespec ts;

    if (us <= 0)
        return;
    ts.tv_sec = (time_t)(us / 1e6);
    ts.tv_nsec = (long)((us - (double)ts.tv_sec * 1e6) * 1e3);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The median of v[0..n), which it sorts; NAN when n is 0. */
static inline double
bench_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
