/*
 * bench/asyncbench.c -- asynchronous calls in flight from one thread
 * against the same number of synchronous threads: calls/s.
 *
 *   asyncbench --server PATH [--seconds S] [--quick] [N ...]
 *
 * Starts PATH (examples/rpctest-server) on 127.0.0.1, port 0, and for each
 * N (default 1 16 64 256) measures, for S seconds each (default 3; --quick
 * 1):
 *   async: one thread keeps N Echo calls (64 bytes) in flight with
 *          I_RpcAsyncSend, one eventfd counting completions; every call
 *          that completes is collected and replaced at once;
 *   sync:  N threads, each making the same call with I_RpcSendReceive.
 * Prints one line per N.  Not part of make check; `make bench-async` runs
 * it (and `make bench` after rpcbench).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <rpcrt/rpc.h>

#include "bench/bench.h"
#include "examples/rpctest_client.h"

#define PAYLOAD 64

static char binding[256];
static double seconds = 3;

static pid_t
start_server(const char *path)
{
    int p[2];
    pid_t pid;
    FILE *f;
    char line[256];

    if (pipe(p) != 0)
        return -1;
    if ((pid = fork()) == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(path, path, "--listen", "ncacn_ip_tcp:127.0.0.1[0]", "--max-calls",
              "4000", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    f = fdopen(p[0], "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "listening ", 10) == 0) {
            line[strcspn(line, "\n")] = 0;
            snprintf(binding, sizeof(binding), "%s", line + 10);
            break;
        }
    }
    if (f != NULL)
        fclose(f);
    return binding[0] ? pid : -1;
}

static void
echo_stub(uint8_t *s)
{
    uint32_t n = PAYLOAD;

    memcpy(s, &n, 4);
    memcpy(s + 4, &n, 4);
    memset(s + 8, 'x', PAYLOAD);
}

/* ---- async: N in flight from this thread ---------------------------------- */

static double
run_async(RPC_BINDING_HANDLE h, int n)
{
    RPC_ASYNC_STATE *a = calloc((size_t)n, sizeof(*a));
    int efd = eventfd(0, EFD_CLOEXEC);
    uint8_t stub[8 + PAYLOAD];
    unsigned long done = 0, failed = 0;
    int inflight = 0;
    double t0, end;

    if (a == NULL || efd < 0)
        return -1;
    echo_stub(stub);
    for (int i = 0; i < n; i++) {
        RpcAsyncInitializeHandle(&a[i], sizeof(a[i]));
        a[i].NotificationType = RpcNotificationTypeEvent;
        a[i].u.hEvent = efd;
    }
    t0 = (bench_now_us() / 1e6);
    end = t0 + seconds;
    for (int i = 0; i < n; i++)
        if (rpctest_async_begin(h, &a[i], 0, stub, sizeof(stub)) == RPC_S_OK)
            inflight++;
    while (inflight > 0) {
        struct pollfd p = {.fd = efd, .events = POLLIN};
        uint64_t v;
        int stop = (bench_now_us() / 1e6) >= end;

        if (poll(&p, 1, 1000) != 1 || read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
            continue;
        /* Collect every completed call, start its successor. */
        for (int i = 0; i < n; i++) {
            RPC_STATUS st = RpcAsyncGetCallStatus(&a[i]);
            RPC_MESSAGE m;

            if (st == RPC_S_ASYNC_CALL_PENDING || st == RPC_S_INVALID_ASYNC_CALL ||
                st == RPC_S_INVALID_ASYNC_HANDLE)
                continue;
            memset(&m, 0, sizeof(m));
            m.Handle = h;
            if (RpcAsyncCompleteCall(&a[i], &m) == RPC_S_OK) {
                done++;
                I_RpcFreeBuffer(&m);
            } else {
                failed++;
            }
            inflight--;
            if (!stop && rpctest_async_begin(h, &a[i], 0, stub, sizeof(stub)) == RPC_S_OK)
                inflight++;
        }
    }
    t0 = (bench_now_us() / 1e6) - t0;
    close(efd);
    free(a);
    if (failed)
        fprintf(stderr, "asyncbench: %lu async calls failed\n", failed);
    return (double)done / t0;
}

/* ---- sync: N threads ---------------------------------------------------------- */

struct syncer {
    RPC_BINDING_HANDLE h;
    double end;
    unsigned long done, failed;
    pthread_barrier_t *start;
};

static void *
sync_main(void *p)
{
    struct syncer *s = p;
    uint8_t in[PAYLOAD], out[PAYLOAD];
    int32_t ret;

    memset(in, 'x', sizeof(in));
    pthread_barrier_wait(s->start);
    while ((bench_now_us() / 1e6) < s->end) {
        if (rpctest_echo(s->h, in, PAYLOAD, out, &ret) == RPC_S_OK)
            s->done++;
        else
            s->failed++;
    }
    return NULL;
}

static double
run_sync(int n)
{
    struct syncer *s = calloc((size_t)n, sizeof(*s));
    pthread_t *t = calloc((size_t)n, sizeof(*t));
    pthread_barrier_t start;
    unsigned long done = 0, failed = 0;
    double t0;

    if (s == NULL || t == NULL)
        return -1;
    pthread_barrier_init(&start, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        /* A binding each: its own connection, as a threaded client has. */
        RpcBindingFromStringBinding((RPC_CSTR)binding, &s[i].h);
        s[i].start = &start;
        pthread_create(&t[i], NULL, sync_main, &s[i]);
    }
    t0 = (bench_now_us() / 1e6);
    for (int i = 0; i < n; i++)
        s[i].end = t0 + seconds;
    pthread_barrier_wait(&start);
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        done += s[i].done;
        failed += s[i].failed;
        RpcBindingFree(&s[i].h);
    }
    t0 = (bench_now_us() / 1e6) - t0;
    pthread_barrier_destroy(&start);
    free(s);
    free(t);
    if (failed)
        fprintf(stderr, "asyncbench: %lu sync calls failed\n", failed);
    return (double)done / t0;
}

int
main(int argc, char **argv)
{
    const char *server = NULL;
    int ns[16], nn = 0;
    struct rlimit rl;
    RPC_BINDING_HANDLE h;
    pid_t pid;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
            server = argv[++i];
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--quick") == 0)
            seconds = 1;
        else if (atoi(argv[i]) > 0 && nn < 16)
            ns[nn++] = atoi(argv[i]);
    }
    if (server == NULL || seconds <= 0) {
        fprintf(stderr, "usage: asyncbench --server PATH [--seconds S] [--quick] [N ...]\n");
        return 2;
    }
    if (nn == 0) {
        ns[nn++] = 1;
        ns[nn++] = 16;
        ns[nn++] = 64;
        ns[nn++] = 256;
    }
    signal(SIGPIPE, SIG_IGN);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if ((pid = start_server(server)) < 0) {
        fprintf(stderr, "asyncbench: cannot start %s\n", server);
        return 1;
    }
    RpcBindingFromStringBinding((RPC_CSTR)binding, &h);
    printf("asyncbench: Echo %d B over %s, %.0f s per run, 2-core machine\n",
           PAYLOAD, binding, seconds);
    for (int i = 0; i < nn; i++) {
        double as = run_async(h, ns[i]);
        double sy = run_sync(ns[i]);

        printf("async: %d calls in flight from 1 thread: %.0f calls/s; "
               "%d sync threads: %.0f calls/s (async/sync %.2f)\n",
               ns[i], as, ns[i], sy, sy > 0 ? as / sy : 0);
        fflush(stdout);
    }
    RpcBindingFree(&h);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return 0;
}
