/*
 * bench/designs.c -- how fast can a server answer blocking clients at all?
 * The floor's null call (24 bytes each way) against three designs of the
 * same raw server, calls/s with 4 and 16 client threads:
 *
 *   thread per conn   a blocking thread per connection (the floor's server,
 *                     and how rpcrt's server serves a busy connection);
 *   1 epoll loop      one thread with epoll and non-blocking sockets (how
 *                     libtirpc's svc_run serves);
 *   2 epoll loops     a loop per core, connections dealt out in turn.
 *
 *   designs [--seconds S] [--rounds R] [--quick]
 *
 * Each design runs in a process of its own, forked from this one, on
 * 127.0.0.1 port 0; the clients are threads of this process, one
 * connection each, the floor's client (floor.c).  Rounds are interleaved
 * (each round visits every design, starting one further along), so drift
 * of the machine falls on all of them; the figure is the median of the
 * rounds.  No runtime is measured here: this is the ceiling any server
 * design reaches on this machine with these clients, against which
 * rpcbench's "twice libtirpc" target can be read (bench/RESULTS.md).
 * Not part of make check; `make bench-designs` runs it, and `make bench`
 * after asyncbench.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "bench/bench.h"

#define NDESIGNS 3
#define MAX_THREADS 16
#define MAX_ROUNDS 15

static const char *const design_name[NDESIGNS] = {
    "thread per conn", "1 epoll loop", "2 epoll loops",
};
static const int design_loops[NDESIGNS] = {0, 1, 2};
static pid_t pid[NDESIGNS];

static void
stop_servers(void)
{
    for (int d = 0; d < NDESIGNS; d++)
        if (pid[d] > 0) {
            kill(pid[d], SIGKILL);
            waitpid(pid[d], NULL, 0);
            pid[d] = 0;
        }
}

struct worker {
    void *conn;
    pthread_barrier_t *start;
    atomic_int *stop;
    unsigned long calls;
    int failed;
};

/* Forks a server of design d on 127.0.0.1:0; its pid, and its address
 * ("tcp:127.0.0.1:PORT") in addr.  -1 on failure. */
static pid_t
start_server(int d, char *addr, size_t addrlen)
{
    pid_t p, self = getpid();
    unsigned port;
    int lfd;

    if ((lfd = floor_listen_loopback(128, &port)) < 0) {
        perror("designs: listen");
        return -1;
    }
    snprintf(addr, addrlen, "tcp:127.0.0.1:%u", port);
    if ((p = fork()) == 0) {
        /* Gone with this process, however it ends. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != self)
            _exit(1);  /* it went before the line above */
        _exit(floor_serve_fd(lfd, design_loops[d]));
    }
    close(lfd);
    if (p < 0)
        perror("designs: fork");
    return p;
}

static void *
client_thread(void *arg)
{
    struct worker *w = arg;

    pthread_barrier_wait(w->start);
    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        if (floor_peer.call(w->conn, NULL, 0, NULL) != 0) {
            w->failed = 1;
            break;
        }
        w->calls++;
    }
    return NULL;
}

/* T threads on conns[] for secs; calls/s, or -1 if a call failed. */
static double
run_round(void **conns, int T, double secs)
{
    struct worker w[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    pthread_barrier_t start;
    atomic_int stop = 0;
    unsigned long total = 0;
    int failed = 0;
    double t0, t1;

    pthread_barrier_init(&start, NULL, (unsigned)T + 1);
    for (int i = 0; i < T; i++) {
        w[i] = (struct worker){conns[i], &start, &stop, 0, 0};
        if (pthread_create(&t[i], NULL, client_thread, &w[i]) != 0) {
            /* The threads made wait for the rest at the barrier. */
            fprintf(stderr, "designs: pthread_create failed\n");
            exit(1);  /* stop_servers runs at exit */
        }
    }
    pthread_barrier_wait(&start);
    t0 = bench_now_us();
    bench_sleep_us(secs * 1e6);
    atomic_store(&stop, 1);
    for (int i = 0; i < T; i++) {
        pthread_join(t[i], NULL);
        total += w[i].calls;
        failed |= w[i].failed;
    }
    t1 = bench_now_us();
    pthread_barrier_destroy(&start);
    return failed ? -1 : (double)total / ((t1 - t0) / 1e6);
}

static void
usage(void)
{
    fprintf(stderr, "usage: designs [--seconds S] [--rounds R] [--quick]\n"
                    "  --seconds S  length of one round (default 0.5)\n"
                    "  --rounds R   rounds per design and thread count "
                    "(default 9, at most %d)\n"
                    "  --quick      3 rounds of 0.25 s\n",
            MAX_ROUNDS);
}

int
main(int argc, char **argv)
{
    static const int threads[2] = {4, 16};
    double secs = 0.5, v[NDESIGNS][MAX_ROUNDS];
    int rounds = 9, status = 0;
    char addr[NDESIGNS][64], err[256];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secs = atof(argv[++i]);
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--quick") == 0) {
            secs = 0.25;
            rounds = 3;
        } else {
            usage();
            return 2;
        }
    }
    if (!(secs > 0 && secs <= 60) || rounds < 1 || rounds > MAX_ROUNDS) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    atexit(stop_servers);
    for (int d = 0; d < NDESIGNS; d++)
        if ((pid[d] = start_server(d, addr[d], sizeof(addr[d]))) < 0)
            return 1;

    printf("designs: the floor's null call, blocking client threads, "
           "%d rounds x %.2f s per design, %ld-core machine\n",
           rounds, secs, sysconf(_SC_NPROCESSORS_ONLN));
    printf("  %-22s %16s %16s %16s\n", "calls/s (median)", design_name[0],
           design_name[1], design_name[2]);
    for (int ti = 0; ti < 2 && status == 0; ti++) {
        int T = threads[ti];
        void *conns[NDESIGNS][MAX_THREADS] = {{0}};
        double med[NDESIGNS];
        char label[32];

        for (int d = 0; d < NDESIGNS && status == 0; d++)
            for (int c = 0; c < T; c++)
                if ((conns[d][c] = floor_peer.connect(addr[d], err, sizeof(err))) == NULL) {
                    fprintf(stderr, "designs: %s: %s\n", design_name[d], err);
                    status = 1;
                    break;
                }
        for (int r = 0; r < rounds && status == 0; r++)
            for (int k = 0; k < NDESIGNS; k++) {
                int d = (k + r) % NDESIGNS;

                if ((v[d][r] = run_round(conns[d], T, secs)) < 0) {
                    fprintf(stderr, "designs: %s: a call failed\n", design_name[d]);
                    status = 1;
                    break;
                }
            }
        for (int d = 0; d < NDESIGNS; d++)
            for (int c = 0; c < T; c++)
                if (conns[d][c] != NULL)
                    floor_peer.close(conns[d][c]);
        if (status != 0)
            break;
        for (int d = 0; d < NDESIGNS; d++)
            med[d] = bench_median(v[d], (size_t)rounds);  /* sorts v[d] */
        snprintf(label, sizeof(label), "%d threads", T);
        printf("  %-22s %16.0f %16.0f %16.0f\n", label, med[0], med[1], med[2]);
        snprintf(label, sizeof(label), "%d threads, min-max", T);
        printf("  %-22s %7.0f-%-8.0f %7.0f-%-8.0f %7.0f-%-8.0f\n", label, v[0][0],
               v[0][rounds - 1], v[1][0], v[1][rounds - 1], v[2][0], v[2][rounds - 1]);
        snprintf(label, sizeof(label), "%d threads, / per conn", T);
        printf("  %-22s %15.2fx %15.2fx %15.2fx\n", label, 1.0, med[1] / med[0],
               med[2] / med[0]);
    }
    stop_servers();
    return status;
}
