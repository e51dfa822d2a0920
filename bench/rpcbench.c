/*
 * bench/rpcbench.c -- the benchmark harness of issue 6: every workload,
 * for our runtime and its peers, in one run, interleaved so that drift of
 * a shared machine falls on all of them alike; prints a table of medians,
 * p99 and ratios with PASS/MISS per target, and rewrites the generated
 * part of bench/RESULTS.md.
 *
 *   rpcbench [--quick] [--duration S] [--results FILE] [--peers DIR]
 *            [--server PATH] [--idle N] [--idle-peers N] [--only LIST]
 *            [--no-cost] [--compare PATH]
 *
 * Run it from the top of a build tree (make bench does).  Peers ("the
 * columns"):
 *   ours-tcp, ours-lrpc   rpctest Echo through the public API
 *                         (examples/rpctest_client.c) against
 *                         bench/rpcbench-server, over ncacn_ip_tcp on
 *                         127.0.0.1 and over ncalrpc
 *   floor-tcp, floor-unix the raw ping-pong of floor.c (24-byte header +
 *                         payload each way), TCP and a unix socket
 *   tirpc, grpc           ONC RPC (libtirpc) and gRPC over TCP, built by
 *                         bench/build-peers, their client side dlopen()ed
 *   cmp-tcp, cmp-lrpc     with --compare PATH only: a second server of
 *                         ours (another build's, or one run with other
 *                         settings), measured in the same interleaved
 *                         rounds of workloads 1-3 as ours, for before/after
 *                         figures of a server-side change; the ratios and
 *                         targets stay those of --server
 *
 * Workloads (--only takes their numbers, e.g. --only 1,4):
 *   1 null call latency on one connection, p50/p99; then again with each
 *     server and the calling thread pinned alike (both on one CPU, and
 *     on two: client on the first, server on the second)
 *   2 calls/s with 1, 4, 16 client threads, one connection per thread
 *   3 Echo of 64 KiB and 1 MiB: throughput
 *   4 cancel delivery latency and the cancel timeout's lateness (ours)
 *   5 idle connections held open (a fresh server each): server RSS per
 *     connection and null-call latency meanwhile
 *   6 sustained load on a fresh server, 4 threads: calls/s per window and
 *     server RSS
 *   7 per-call cost of a null call and of a 1 MiB Echo, client and server:
 *     syscalls (strace -c -f), allocations (bench/malloc_count.c through
 *     LD_PRELOAD), minor page faults
 *
 * Internal modes: --floor-server PATH runs the floor server;
 * --cost-client ours|floor ADDR N [SIZE] makes N calls (null, or Echo of
 * SIZE bytes) and exits (workload 7; also for perf/strace by hand).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rpcrt/rpc.h>

#include "bench/bench.h"
#include "examples/rpctest_client.h"

#define MAX_SERVERS 8
#define NB_MAX 8
#define NA NAN              /* "no figure" in the tables */

/* ==== options =============================================================== */

static struct {
    int quick;
    int duration;            /* workload 6, seconds */
    int idle;                /* workload 5, connections to ours */
    int idle_peers;          /* workload 5, connections to tirpc, floor */
    const char *results;
    const char *peers;
    const char *server;
    char only[16];           /* workload numbers to run; "" all */
    int cost;
    const char *compare;     /* a second server of ours (cmp-*), or NULL */
} opt = {0, 60, 10000, 2000, NULL, "bench/peers", "bench/rpcbench-server", "", 1, NULL};

static int
want(int w)
{
    return opt.only[0] == '\0' || strchr(opt.only, '0' + w) != NULL;
}

/* ==== small helpers ========================================================= */

/* Nearest-rank percentile of v[0..n) (sorted here). */
static double
pct(double *v, size_t n, double p)
{
    size_t k;

    if (n == 0)
        return NA;
    qsort(v, n, sizeof(*v), bench_cmp_double);
    k = (size_t)ceil(p / 100.0 * (double)n);
    if (k < 1)
        k = 1;
    return v[k - 1];
}

static void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL) {
        fprintf(stderr, "rpcbench: out of memory\n");
        exit(1);
    }
    return p;
}

static void
note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "rpcbench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* VmRSS of pid in KiB, -1 when unreadable. */
static long
rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void
loadavg(char *buf, size_t len)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double a = 0, b = 0, c = 0;

    if (f == NULL || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
        snprintf(buf, len, "unknown");
    else
        snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
    if (f != NULL)
        fclose(f);
}

/* What else keeps the CPUs busy: the processes with the most CPU time
 * over one second, as "name NN%, ...", into buf. */
struct proc_cpu {
    int pid;
    unsigned long long ticks;
    char comm[32];
};

static int
sample_procs(struct proc_cpu *v, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return 0;
    while (n < max && (e = readdir(d)) != NULL) {
        char path[300], buf[1024], *l, *r;
        unsigned long long ut, st;
        FILE *f;

        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        if (fgets(buf, sizeof(buf), f) != NULL && (l = strchr(buf, '(')) != NULL &&
            (r = strrchr(buf, ')')) != NULL && r > l &&
            sscanf(r + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                   &ut, &st) == 2) {
            v[n].pid = atoi(e->d_name);
            v[n].ticks = ut + st;
            *r = '\0';
            snprintf(v[n].comm, sizeof(v[n].comm), "%s", l + 1);
            n++;
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

static void
busy_procs(char *buf, size_t len)
{
    static struct proc_cpu a[4096], b[4096];
    struct { const char *comm; double pct; } top[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    long hz = sysconf(_SC_CLK_TCK);
    int na = sample_procs(a, 4096), nb_, self = (int)getpid();
    size_t off = 0;

    bench_sleep_us(1e6);
    nb_ = sample_procs(b, 4096);
    for (int i = 0; i < nb_; i++) {
        double pct;

        if (b[i].pid == self)
            continue;
        for (int j = 0; j < na; j++)
            if (a[j].pid == b[i].pid && b[i].ticks >= a[j].ticks) {
                pct = 100.0 * (double)(b[i].ticks - a[j].ticks) / (double)(hz > 0 ? hz : 100);
                for (int k = 0; k < 3; k++)
                    if (pct > top[k].pct) {
                        for (int m = 2; m > k; m--)
                            top[m] = top[m - 1];
                        top[k].comm = b[i].comm;
                        top[k].pct = pct;
                        break;
                    }
                break;
            }
    }
    buf[0] = '\0';
    for (int k = 0; k < 3 && top[k].comm != NULL && top[k].pct >= 5 && off < len; k++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s %.0f%%", k ? ", " : "",
                                top[k].comm, top[k].pct);
    if (buf[0] == '\0')
        snprintf(buf, len, "none above 5%% of a core");
}

/* Busy CPU seconds of the whole machine so far (/proc/stat: all but idle
 * and iowait), -1 when unreadable. */
static double
machine_busy_s(void)
{
    unsigned long long v[10] = {0}, total = 0;
    FILE *f = fopen("/proc/stat", "r");
    int n;

    if (f == NULL)
        return -1;
    n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (n < 4)
        return -1;
    /* guest and guest_nice (8, 9) are already counted in user and nice. */
    for (int i = 0; i < 8 && i < n; i++)
        if (i != 3 && i != 4)
            total += v[i];
    return (double)total / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of this process and of its children that have been waited
 * for (every server, strace and its tracee). */
static double
own_cpu_s(void)
{
    struct rusage a, b;

    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec +
                    b.ru_stime.tv_sec) +
           (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
                    b.ru_stime.tv_usec) / 1e6;
}

/* ==== the report ============================================================ */

/* Everything printed goes to stdout and into the report kept for
 * RESULTS.md. */
static char *report_buf;
static size_t report_len;
static FILE *report;

static void
out(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    vfprintf(report, fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static int cell_width = 11;

/* A figure in a cell_width-wide cell; NA prints "-". */
static void
cell(double v, int decimals, const char *suffix)
{
    char b[32];

    if (isnan(v))
        snprintf(b, sizeof(b), "-");
    else
        snprintf(b, sizeof(b), "%.*f%s", decimals, v, suffix);
    out(" %*s", cell_width, b);
}

/* ==== server processes ====================================================== */

struct server {
    pid_t pid;              /* 0: not running */
    char name[32];
    char lines[4][400];     /* what follows "listening " */
    int nlines;
};

static struct server servers[MAX_SERVERS];
static int nservers;
static char tmpdir[64];

static void
stop_server(struct server *s)
{
    int status;
    double deadline = bench_now_us() + 10e6;

    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    while (waitpid(s->pid, &status, WNOHANG) == 0) {
        if (bench_now_us() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            break;
        }
        usleep(5000);
    }
    s->pid = 0;
}

static void
stop_all(void)
{
    for (int i = 0; i < nservers; i++)
        stop_server(&servers[i]);
    if (tmpdir[0] != '\0') {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            note("could not remove %s", tmpdir);
        tmpdir[0] = '\0';
    }
}

/* Starts argv (env entries added when not NULL) with stdout to a file and
 * waits (30 s at most) for nlines "listening ..." lines.  NULL when the
 * program failed to start or to listen. */
static struct server *
start_server(const char *name, const char *const argv[], char *const env[], int nlines)
{
    struct server *s;
    char path[128], buf[400];
    double deadline;
    int fd;

    if (nservers == MAX_SERVERS)
        return NULL;
    s = &servers[nservers];
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(path, sizeof(path), "%s/%s.out", tmpdir, name);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        return NULL;
    fflush(stdout);
    if ((s->pid = fork()) < 0) {
        close(fd);
        return NULL;
    }
    if (s->pid == 0) {
        dup2(fd, 1);
        for (int i = 0; env != NULL && env[i] != NULL; i++)
            putenv(env[i]);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        fprintf(stderr, "rpcbench: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd);
    nservers++;
    deadline = bench_now_us() + 30e6;
    while (s->nlines < nlines && bench_now_us() < deadline) {
        FILE *f = fopen(path, "r");

        s->nlines = 0;
        if (f != NULL) {
            while (s->nlines < 4 && fgets(buf, sizeof(buf), f) != NULL) {
                buf[strcspn(buf, "\n")] = '\0';
                if (strncmp(buf, "listening ", 10) == 0)
                    snprintf(s->lines[s->nlines++], sizeof(s->lines[0]), "%s", buf + 10);
            }
            fclose(f);
        }
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            return NULL;
        }
        if (s->nlines < nlines)
            usleep(10000);
    }
    if (s->nlines < nlines) {
        stop_server(s);
        return NULL;
    }
    return s;
}

/* ==== peers ================================================================= */

/* Our runtime through the public API: one binding handle per connection
 * (each handle owns its connections, so one calling thread per handle
 * means one connection each). */
static void *
ours_connect(const char *addr, char *err, size_t errlen)
{
    RPC_BINDING_HANDLE h = NULL;
    RPC_STATUS st = RpcBindingFromStringBinding((RPC_CSTR)(uintptr_t)addr, &h);

    if (st != RPC_S_OK) {
        snprintf(err, errlen, "RpcBindingFromStringBinding(%s): %ld", addr, (long)st);
        return NULL;
    }
    return h;
}

static int
ours_call(void *conn, const void *in, uint32_t n, void *out_)
{
    int32_t ret = -1;

    return rpctest_echo((RPC_BINDING_HANDLE)conn, in, n, out_, &ret) == RPC_S_OK &&
                   ret == 0 ? 0 : -1;
}

static void
ours_close(void *conn)
{
    RPC_BINDING_HANDLE h = conn;

    if (h != NULL)
        RpcBindingFree(&h);
}

static const struct bench_peer ours_peer = {
    BENCH_PEER_ABI, "ours", ours_connect, ours_call, ours_close,
};

enum kind { K_OURS_TCP, K_OURS_LRPC, K_FLOOR_TCP, K_FLOOR_UNIX, K_TIRPC, K_GRPC,
            K_CMP_TCP, K_CMP_LRPC };

struct backend {
    const char *name;
    enum kind kind;
    const struct bench_peer *ops;
    char addr[400];
    struct server *srv;
    int ok;
    char why[1200];
    void *conn1;            /* the connection of workloads 1, 3, 5 */
};

static struct backend be[NB_MAX];
static int nb;

static struct backend *
find_be(enum kind k)
{
    for (int i = 0; i < nb; i++)
        if (be[i].kind == k && be[i].ok)
            return &be[i];
    return NULL;
}

static const struct bench_peer *
load_peer(const char *so, char *why, size_t whylen)
{
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    bench_peer_get_fn get;
    const struct bench_peer *p;

    if (dl == NULL) {
        snprintf(why, whylen, "dlopen: %s", dlerror());
        return NULL;
    }
    *(void **)&get = dlsym(dl, BENCH_PEER_SYMBOL);
    if (get == NULL || (p = get()) == NULL || p->abi != BENCH_PEER_ABI) {
        snprintf(why, whylen, "%s: no usable %s", so, BENCH_PEER_SYMBOL);
        return NULL;
    }
    return p;
}

static void
peer_status(const char *peer, char *why, size_t whylen)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.status", opt.peers, peer);
    snprintf(why, whylen, "not built (run bench/build-peers)");
    if ((f = fopen(path, "r")) != NULL) {
        if (fgets(why, (int)whylen, f) != NULL)
            why[strcspn(why, "\n")] = '\0';
        fclose(f);
    }
}

static char self_exe[4096];

static void
start_backends(void)
{
    char path[512], why[600];
    struct server *s;

    /* ours, and the server to compare with it */
    for (int cmp = 0; cmp < 2; cmp++) {
        const char *srvpath = cmp ? opt.compare : opt.server;
        char maxc[32];
        const char *argv[] = {srvpath,
                        "--listen", "ncacn_ip_tcp:127.0.0.1[0]",
                        "--listen", cmp ? "ncalrpc:[rpcbench-cmp]" : "ncalrpc:[rpcbench]",
                        "--max-connections", maxc, NULL};

        if (srvpath == NULL)
            continue;
        snprintf(maxc, sizeof(maxc), "%d", opt.idle + 1000);
        /* rpctest-server (--server examples/rpctest-server) has no
         * --max-connections: its limit stays the runtime's default. */
        if (strstr(srvpath, "rpcbench-server") == NULL)
            argv[5] = NULL;
        s = start_server(cmp ? "compare" : "ours", argv, NULL, 2);
        for (int t = 0; t < 2; t++) {
            struct backend *b = &be[nb++];

            if (cmp) {
                b->name = t == 0 ? "cmp-tcp" : "cmp-lrpc";
                b->kind = t == 0 ? K_CMP_TCP : K_CMP_LRPC;
            } else {
                b->name = t == 0 ? "ours-tcp" : "ours-lrpc";
                b->kind = t == 0 ? K_OURS_TCP : K_OURS_LRPC;
            }
            b->ops = &ours_peer;
            b->srv = s;
            if (s == NULL) {
                snprintf(b->why, sizeof(b->why), "%s did not start", srvpath);
                continue;
            }
            for (int i = 0; i < s->nlines; i++)
                if (strncmp(s->lines[i], t == 0 ? "ncacn_ip_tcp:" : "ncalrpc:",
                            t == 0 ? 13 : 8) == 0)
                    snprintf(b->addr, sizeof(b->addr), "%s", s->lines[i]);
            b->ok = b->addr[0] != '\0';
        }
    }
    /* the floor */
    {
        char sock[128];
        const char *argv[] = {self_exe, "--floor-server", sock, NULL};

        snprintf(sock, sizeof(sock), "%s/floor.sock", tmpdir);
        s = start_server("floor", argv, NULL, 2);
        for (int t = 0; t < 2; t++) {
            struct backend *b = &be[nb++];

            b->name = t == 0 ? "floor-tcp" : "floor-unix";
            b->kind = t == 0 ? K_FLOOR_TCP : K_FLOOR_UNIX;
            b->ops = &floor_peer;
            b->srv = s;
            if (s == NULL) {
                snprintf(b->why, sizeof(b->why), "floor server did not start");
                continue;
            }
            for (int i = 0; i < s->nlines; i++)
                if (strncmp(s->lines[i], t == 0 ? "tcp:" : "unix:", t == 0 ? 4 : 5) == 0)
                    snprintf(b->addr, sizeof(b->addr), "%s", s->lines[i]);
            b->ok = b->addr[0] != '\0';
        }
    }
    /* tirpc, grpc */
    for (int t = 0; t < 2; t++) {
        const char *peer = t == 0 ? "tirpc" : "grpc";
        struct backend *b = &be[nb++];
        char srvpath[512];

        b->name = peer;
        b->kind = t == 0 ? K_TIRPC : K_GRPC;
        peer_status(peer, why, sizeof(why));
        if (strcmp(why, "ok") != 0) {
            snprintf(b->why, sizeof(b->why), "%s", why);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s_peer.so", opt.peers, peer);
        if ((b->ops = load_peer(path, b->why, sizeof(b->why))) == NULL)
            continue;
        snprintf(srvpath, sizeof(srvpath), "%s/%s-server", opt.peers, peer);
        {
            const char *argv[] = {srvpath, NULL};

            if ((s = start_server(peer, argv, NULL, 1)) == NULL) {
                snprintf(b->why, sizeof(b->why), "%s did not start", srvpath);
                continue;
            }
        }
        b->srv = s;
        snprintf(b->addr, sizeof(b->addr), "%s", s->lines[0]);
        b->ok = 1;
    }
    for (int i = 0; i < nb; i++)
        if (!be[i].ok)
            note("%s: left out: %s", be[i].name, be[i].why);
}

/* Opens a connection and makes `warm` calls on it (the first one connects,
 * for ours).  NULL on failure (the backend is then marked failed). */
static void *
open_conn(struct backend *b, int warm)
{
    char err[256] = "";
    void *c = b->ops->connect(b->addr, err, sizeof(err));

    if (c == NULL) {
        snprintf(b->why, sizeof(b->why), "connect: %s", err);
        note("%s: %s", b->name, b->why);
        return NULL;
    }
    for (int i = 0; i < warm; i++)
        if (b->ops->call(c, NULL, 0, NULL) != 0) {
            snprintf(b->why, sizeof(b->why), "null call failed");
            note("%s: %s", b->name, b->why);
            b->ops->close(c);
            return NULL;
        }
    return c;
}

/* ==== results =============================================================== */

struct results {
    double null_p50[NB_MAX], null_p99[NB_MAX], null_mean[NB_MAX], null_max[NB_MAX];
    /* workload 1 pinned: [0] client and server on one CPU, [1] on two */
    double pin_p50[2][NB_MAX], pin_p99[2][NB_MAX];
    int pin_cpu[2];                             /* the CPUs used (-1: none) */
    double cps[3][NB_MAX];                      /* 1, 4, 16 threads */
    double cps_min[3][NB_MAX], cps_max[3][NB_MAX];
    double echo_mibs[2][NB_MAX], echo_p99[2][NB_MAX];
    int idle_n[NB_MAX];
    double idle_rss[NB_MAX], idle_p50[NB_MAX], idle_p99[NB_MAX];
    double idle_base_p50[NB_MAX], idle_base_p99[NB_MAX];
    double idle_open_s[NB_MAX];
    char idle_note[NB_MAX][160];
    /* cancel: [0] tcp, [1] lrpc */
    double cd_p50[2], cd_p99[2], cd_max[2], cs_p50[2], cs_p99[2];
    double ct_p50[2], ct_p99[2];
    int cd_n[2], cd_fail[2];
    double late_p50[2], late_p99[2], late_max[2];
    int late_n[2], late_fail[2];
    /* sustained */
    int sus_windows;
    double sus_cps[64];
    long sus_rss[65];
    double sus_window_s;
    /* cost */
    int cost_done;
};

static struct results R;

static void
init_results(void)
{
    double *all[] = {R.null_p50, R.null_p99, R.null_mean, R.null_max, R.idle_rss, R.idle_p50, R.idle_p99,
                     R.idle_base_p50, R.idle_base_p99, R.idle_open_s};

    for (size_t a = 0; a < sizeof(all) / sizeof(all[0]); a++)
        for (int i = 0; i < NB_MAX; i++)
            all[a][i] = NA;
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < NB_MAX; i++)
            R.cps[t][i] = R.cps_min[t][i] = R.cps_max[t][i] = NA;
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < NB_MAX; i++)
            R.pin_p50[t][i] = R.pin_p99[t][i] = NA;
        R.pin_cpu[t] = -1;
    }
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < NB_MAX; i++)
            R.echo_mibs[s][i] = R.echo_p99[s][i] = NA;
    for (int t = 0; t < 2; t++)
        R.cd_p50[t] = R.cd_p99[t] = R.cd_max[t] = R.cs_p50[t] = R.cs_p99[t] =
            R.ct_p50[t] = R.ct_p99[t] = R.late_p50[t] = R.late_p99[t] = R.late_max[t] = NA;
}

/* ==== workload 1: null-call latency ========================================= */

static void
w1_null_latency(void)
{
    int rounds = opt.quick ? 10 : 20, per = opt.quick ? 300 : 1000;
    double *lat[NB_MAX] = {0};
    size_t n[NB_MAX] = {0};

    note("1: null-call latency, %d rounds x %d calls per peer", rounds, per);
    for (int i = 0; i < nb; i++)
        if (be[i].ok)
            lat[i] = xcalloc((size_t)rounds * per, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < nb; k++) {
            /* Rotate the order each round: no peer always goes first. */
            int i = (k + r) % nb;
            struct backend *b = &be[i];

            if (!b->ok || b->conn1 == NULL)
                continue;
            for (int c = 0; c < per; c++) {
                double t0 = bench_now_us();

                if (b->ops->call(b->conn1, NULL, 0, NULL) != 0) {
                    note("%s: null call failed", b->name);
                    b->ok = 0;
                    break;
                }
                lat[i][n[i]++] = bench_now_us() - t0;
            }
        }
    }
    for (int i = 0; i < nb; i++) {
        if (lat[i] == NULL)
            continue;
        R.null_p50[i] = pct(lat[i], n[i], 50);
        R.null_p99[i] = pct(lat[i], n[i], 99);
        R.null_max[i] = n[i] > 0 ? lat[i][n[i] - 1] : NA;
        if (n[i] > 0) {
            double sum = 0;

            for (size_t c = 0; c < n[i]; c++)
                sum += lat[i][c];
            R.null_mean[i] = sum / (double)n[i];
        }
        free(lat[i]);
    }
}

/* ---- the same, pinned ------------------------------------------------------ */

/* Unpinned, where the scheduler puts a server's threads against the
 * client's decides much of a null call's latency on a small machine (a
 * wake-up on the other CPU or on the same one), and it may place two
 * peers differently.  So workload 1 also measures every peer with its
 * server and the calling thread pinned alike: both on one CPU, and on two
 * CPUs (the client on the first, the server on the second). */

/* The CPU mask of every thread of process pid (threads it makes later
 * inherit their creator's).  Two passes: a thread made during the first
 * by one not yet moved is moved by the second.  0, or -1. */
static int
pin_process(pid_t pid, const cpu_set_t *set)
{
    char path[64];
    int rc = 0;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    for (int pass = 0; pass < 2; pass++) {
        DIR *d = opendir(path);
        struct dirent *e;

        if (d == NULL)
            return -1;
        while ((e = readdir(d)) != NULL) {
            pid_t tid = (pid_t)strtol(e->d_name, NULL, 10);

            if (tid > 0 && sched_setaffinity(tid, sizeof(*set), set) != 0 &&
                errno != ESRCH)
                rc = -1;
        }
        closedir(d);
    }
    return rc;
}

static void
w1_pinned(void)
{
    int rounds = opt.quick ? 5 : 10, per = opt.quick ? 300 : 1000, warm = 100;
    cpu_set_t all, one[2];
    int cpus[2] = {-1, -1}, ncpu = 0;
    double *lat[2][NB_MAX] = {{0}};
    size_t n[2][NB_MAX] = {{0}};

    if (sched_getaffinity(0, sizeof(all), &all) != 0)
        return;
    for (int c = 0; c < CPU_SETSIZE && ncpu < 2; c++)
        if (CPU_ISSET(c, &all))
            cpus[ncpu++] = c;
    for (int t = 0; t < ncpu; t++) {
        CPU_ZERO(&one[t]);
        CPU_SET(cpus[t], &one[t]);
    }
    note("1: the same pinned (CPU %d; CPUs %d and %d), %d rounds x %d calls per peer",
         cpus[0], cpus[0], cpus[ncpu - 1], rounds, per);
    for (int t = 0; t < ncpu; t++)
        for (int i = 0; i < nb; i++)
            if (be[i].ok)
                lat[t][i] = xcalloc((size_t)rounds * per, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int t = 0; t < ncpu; t++) {
            for (int k = 0; k < nb; k++) {
                int i = (k + r) % nb;
                struct backend *b = &be[i];

                if (!b->ok || b->conn1 == NULL || b->srv == NULL || b->srv->pid <= 0)
                    continue;
                if (pin_process(b->srv->pid, &one[t]) != 0 ||
                    pthread_setaffinity_np(pthread_self(), sizeof(one[0]), &one[0]) != 0) {
                    note("%s: could not pin (%s); no pinned figures", b->name, strerror(errno));
                    ncpu = 0;
                    break;
                }
                /* Not timed: the threads settle on their CPUs. */
                for (int c = 0; c < warm + per; c++) {
                    double t0 = bench_now_us();

                    if (b->ops->call(b->conn1, NULL, 0, NULL) != 0) {
                        note("%s: null call failed", b->name);
                        b->ok = 0;
                        break;
                    }
                    if (c >= warm)
                        lat[t][i][n[t][i]++] = bench_now_us() - t0;
                }
                (void)pin_process(b->srv->pid, &all);
            }
        }
    }
    (void)pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
    for (int i = 0; i < nb; i++)
        if (be[i].srv != NULL && be[i].srv->pid > 0)
            (void)pin_process(be[i].srv->pid, &all);
    for (int t = 0; t < 2; t++) {
        R.pin_cpu[t] = t < ncpu ? cpus[t] : -1;
        for (int i = 0; i < nb; i++) {
            if (t < ncpu && lat[t][i] != NULL && n[t][i] > 0) {
                R.pin_p50[t][i] = pct(lat[t][i], n[t][i], 50);
                R.pin_p99[t][i] = pct(lat[t][i], n[t][i], 99);
            }
            free(lat[t][i]);
        }
    }
}

/* ==== workload 2: calls/s with N threads ==================================== */

struct tp_worker {
    const struct bench_peer *ops;
    void *conn;
    pthread_barrier_t *start;
    atomic_int *stop;
    unsigned long calls;
    int failed;
};

static void *
tp_thread(void *arg)
{
    struct tp_worker *w = arg;

    pthread_barrier_wait(w->start);
    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        if (w->ops->call(w->conn, NULL, 0, NULL) != 0) {
            w->failed = 1;
            break;
        }
        w->calls++;
    }
    return NULL;
}

/* Runs nthreads threads on conns[] for dur_us; calls/s, or NA. */
static double
run_threads(struct backend *b, void **conns, int nthreads, double dur_us)
{
    struct tp_worker w[16];
    pthread_t t[16];
    pthread_barrier_t start;
    atomic_int stop = 0;
    unsigned long total = 0;
    double t0, t1;
    int failed = 0;

    pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct tp_worker){b->ops, conns[i], &start, &stop, 0, 0};
        if (pthread_create(&t[i], NULL, tp_thread, &w[i]) != 0) {
            note("pthread_create failed");
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    t0 = bench_now_us();
    bench_sleep_us(dur_us);
    atomic_store(&stop, 1);
    for (int i = 0; i < nthreads; i++) {
        pthread_join(t[i], NULL);
        total += w[i].calls;
        failed |= w[i].failed;
    }
    t1 = bench_now_us();
    pthread_barrier_destroy(&start);
    if (failed) {
        note("%s: a call failed with %d threads", b->name, nthreads);
        return NA;
    }
    return (double)total / ((t1 - t0) / 1e6);
}

static void
w2_throughput(void)
{
    static const int threads[3] = {1, 4, 16};
    /* Many short rounds rather than a few long ones: on a shared 2-core
     * machine one round can land on a bad thread placement (or a good
     * one: the floor's own 4-thread figure moved 51k-80k calls/s between
     * rounds here), and the median of 12 moves less than that of 6. */
    int rounds = opt.quick ? 3 : 12;
    double dur = opt.quick ? 0.25e6 : 0.5e6;

    note("2: calls/s with 1, 4, 16 threads, %d rounds x %.1f s per peer", rounds, dur / 1e6);
    for (int ti = 0; ti < 3; ti++) {
        int T = threads[ti];
        void *conns[NB_MAX][16] = {{0}};
        double v[NB_MAX][12];  /* rounds <= 12 */
        int nv[NB_MAX] = {0};
        int ready[NB_MAX] = {0};

        for (int i = 0; i < nb; i++) {
            if (!be[i].ok)
                continue;
            ready[i] = 1;
            for (int c = 0; c < T; c++)
                if ((conns[i][c] = open_conn(&be[i], 10)) == NULL)
                    ready[i] = 0;
        }
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < nb; k++) {
                int i = (k + r) % nb;
                double cps;

                if (!ready[i])
                    continue;
                if (isnan(cps = run_threads(&be[i], conns[i], T, dur)))
                    ready[i] = 0;
                else
                    v[i][nv[i]++] = cps;
            }
        for (int i = 0; i < nb; i++) {
            for (int c = 0; c < T; c++)
                if (conns[i][c] != NULL)
                    be[i].ops->close(conns[i][c]);
            if (ready[i] && nv[i] > 0) {
                R.cps[ti][i] = bench_median(v[i], (size_t)nv[i]);
                R.cps_min[ti][i] = v[i][0];
                R.cps_max[ti][i] = v[i][nv[i] - 1];
            }
        }
    }
}

/* ==== workload 3: Echo throughput =========================================== */

static void
w3_echo(void)
{
    static const uint32_t sizes[2] = {64 * 1024, 1024 * 1024};
    int rounds = opt.quick ? 3 : 5;
    int per[2] = {opt.quick ? 40 : 150, opt.quick ? 5 : 15};
    unsigned char *in = malloc(sizes[1]), *outb = malloc(sizes[1]);

    if (in == NULL || outb == NULL)
        exit(1);
    for (uint32_t i = 0; i < sizes[1]; i++)
        in[i] = (unsigned char)(i * 131 + 7);
    note("3: Echo 64 KiB (%d x %d calls) and 1 MiB (%d x %d calls) per peer",
         rounds, per[0], rounds, per[1]);
    for (int s = 0; s < 2; s++) {
        uint32_t n = sizes[s];
        double *lat[NB_MAX] = {0};
        size_t cnt[NB_MAX] = {0};

        /* Warm up and check the bytes come back. */
        for (int i = 0; i < nb; i++) {
            struct backend *b = &be[i];

            if (!b->ok || b->conn1 == NULL)
                continue;
            memset(outb, 0, n);
            if (b->ops->call(b->conn1, in, n, outb) != 0 || memcmp(in, outb, n) != 0) {
                note("%s: echo of %u bytes failed or came back wrong", b->name, n);
                continue;
            }
            lat[i] = xcalloc((size_t)rounds * per[s], sizeof(double));
        }
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < nb; k++) {
                int i = (k + r) % nb;

                if (lat[i] == NULL)
                    continue;
                for (int c = 0; c < per[s]; c++) {
                    double t0 = bench_now_us();

                    if (be[i].ops->call(be[i].conn1, in, n, outb) != 0) {
                        note("%s: echo failed", be[i].name);
                        break;
                    }
                    lat[i][cnt[i]++] = bench_now_us() - t0;
                }
            }
        for (int i = 0; i < nb; i++) {
            if (lat[i] == NULL || cnt[i] == 0)
                continue;
            /* MiB of payload echoed per second, from the median call. */
            R.echo_mibs[s][i] = (double)n / (1024.0 * 1024.0) / (bench_median(lat[i], cnt[i]) / 1e6);
            R.echo_p99[s][i] = pct(lat[i], cnt[i], 99);
            free(lat[i]);
        }
    }
    free(in);
    free(outb);
}

/* ==== workload 4: cancel ==================================================== */

/* A thread that makes one call at a time when told to, so that the main
 * thread can cancel it. */
struct cw {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    RPC_BINDING_HANDLE h;
    int op;                 /* 1 WaitForCancel(10000), 3 Sleep(3000) */
    int cmd;                /* 0 idle, 1 call, 2 quit */
    int in_call, done;
    long cancel_timeout;    /* for RpcMgmtSetCancelTimeout, or -2 */
    double t_call, t_ret;
    RPC_STATUS st;
    uint32_t elapsed;
    int32_t result;
};

static void *
cw_thread(void *arg)
{
    struct cw *w = arg;

    if (w->cancel_timeout != -2)
        RpcMgmtSetCancelTimeout(w->cancel_timeout);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->cmd == 0)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->cmd == 2)
            break;
        w->cmd = 0;
        w->in_call = 1;
        w->done = 0;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);

        double t_call = bench_now_us(), t_ret;
        uint32_t elapsed = 0;
        int32_t result = -1;
        RPC_STATUS st;

        if (w->op == 1) {
            st = rpctest_wait_for_cancel(w->h, 10000, &elapsed, &result);
        } else {
            st = rpctest_sleep(w->h, 3000, &result);
        }
        t_ret = bench_now_us();

        pthread_mutex_lock(&w->mu);
        w->t_call = t_call;
        w->t_ret = t_ret;
        w->st = st;
        w->elapsed = elapsed;
        w->result = result;
        w->in_call = 0;
        w->done = 1;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int
cw_start(struct cw *w, RPC_BINDING_HANDLE h, int op, long cancel_timeout)
{
    memset(w, 0, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->h = h;
    w->op = op;
    w->cancel_timeout = cancel_timeout;
    return pthread_create(&w->tid, NULL, cw_thread, w);
}

/* Tells w to make its call and waits until it is about to. */
static void
cw_go(struct cw *w)
{
    pthread_mutex_lock(&w->mu);
    w->cmd = 1;
    w->done = 0;
    w->in_call = 0;
    pthread_cond_broadcast(&w->cv);
    while (!w->in_call && !w->done)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

/* Waits (timeout_us at most) for w's call to return; 0 when it did. */
static int
cw_wait(struct cw *w, double timeout_us)
{
    struct timespec ts;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(timeout_us / 1e6) + 1;
    pthread_mutex_lock(&w->mu);
    while (!w->done && rc == 0)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    rc = w->done ? 0 : -1;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void
cw_quit(struct cw *w)
{
    pthread_mutex_lock(&w->mu);
    w->cmd = 2;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

/* Cancel delivery: WaitForCancel(10000) on a worker thread; 1.5..2.5 ms
 * later (the routine is polling by then) RpcCancelThread.  Measured:
 *   d_cli  = the call's return on the worker - RpcCancelThread's return:
 *            the cancel's way to the routine, the routine's wait for its
 *            next poll (rpctest naps up to 1 ms between tests), and the
 *            response's way back: an upper bound of the delivery latency;
 *   d_srv  = the call's start + the routine's elapsed_ms - RpcCancelThread's
 *            return: what the server reports, at 1 ms resolution (elapsed_ms
 *            is truncated), a cross-check of d_cli;
 *   cancel = how long RpcCancelThread itself took. */
static void
w4_cancel_delivery(void)
{
    int iters = opt.quick ? 200 : 1000;
    struct backend *tb[2] = {find_be(K_OURS_TCP), find_be(K_OURS_LRPC)};
    struct cw w[2];
    double *dc[2], *ds[2], *ct[2];
    int n[2] = {0, 0}, active[2] = {0, 0};
    unsigned seed = 12345;

    note("4a: cancel delivery, %d cancels per transport", iters);
    for (int t = 0; t < 2; t++) {
        dc[t] = xcalloc((size_t)iters, sizeof(double));
        ds[t] = xcalloc((size_t)iters, sizeof(double));
        ct[t] = xcalloc((size_t)iters, sizeof(double));
        if (tb[t] == NULL)
            continue;
        void *h = open_conn(tb[t], 5);
        if (h == NULL)
            continue;
        if (cw_start(&w[t], h, 1, -2) != 0)
            exit(1);
        active[t] = 1;
    }
    for (int it = 0; it < iters; it++)
        for (int t = 0; t < 2; t++) {
            double t0, t1;
            RPC_STATUS cst;

            if (!active[t])
                continue;
            cw_go(&w[t]);
            bench_sleep_us(1500 + rand_r(&seed) % 1000);
            t0 = bench_now_us();
            cst = RpcCancelThread(&w[t].tid);
            t1 = bench_now_us();
            if (cst != RPC_S_OK || cw_wait(&w[t], 15e6) != 0) {
                note("%s: RpcCancelThread %ld or the call did not return",
                     tb[t]->name, (long)cst);
                R.cd_fail[t]++;
                if (cw_wait(&w[t], 15e6) != 0) {
                    note("%s: cancel workload stuck, giving up", tb[t]->name);
                    active[t] = 0;
                }
                continue;
            }
            if (w[t].st != RPC_S_OK || w[t].result != 1) {
                R.cd_fail[t]++;
                if (R.cd_fail[t] <= 3)
                    note("%s: cancelled WaitForCancel: status %ld result %d",
                         tb[t]->name, (long)w[t].st, (int)w[t].result);
                if (R.cd_fail[t] >= 20) {
                    note("%s: too many failed cancels, giving up", tb[t]->name);
                    cw_quit(&w[t]);
                    RpcBindingFree(&w[t].h);
                    active[t] = 0;
                }
                continue;
            }
            dc[t][n[t]] = w[t].t_ret - t1;
            ds[t][n[t]] = w[t].t_call + (double)w[t].elapsed * 1000.0 - t1;
            ct[t][n[t]] = t1 - t0;
            n[t]++;
        }
    for (int t = 0; t < 2; t++) {
        /* A worker stuck in its call keeps its thread and handle. */
        if (active[t]) {
            cw_quit(&w[t]);
            RpcBindingFree(&w[t].h);
        }
        R.cd_n[t] = n[t];
        if (n[t] > 0) {
            R.cd_p50[t] = pct(dc[t], (size_t)n[t], 50);
            R.cd_p99[t] = pct(dc[t], (size_t)n[t], 99);
            R.cd_max[t] = dc[t][n[t] - 1];
            R.cs_p50[t] = pct(ds[t], (size_t)n[t], 50);
            R.cs_p99[t] = pct(ds[t], (size_t)n[t], 99);
            R.ct_p50[t] = pct(ct[t], (size_t)n[t], 50);
            R.ct_p99[t] = pct(ct[t], (size_t)n[t], 99);
        }
        free(dc[t]);
        free(ds[t]);
        free(ct[t]);
    }
}

/* Cancel timeout: P threads, each on its own binding handle with
 * RpcMgmtSetCancelTimeout(1), call Sleep(3000); 50 ms later each is
 * cancelled.  Lateness = the call's return - (the moment RpcCancelThread
 * was called + 1 s); the call must fail with RPC_S_CALL_FAILED. */
static void
w4_cancel_timeout(void)
{
    enum { P = 10 };
    int rounds = opt.quick ? 1 : 2;
    struct backend *tb[2] = {find_be(K_OURS_TCP), find_be(K_OURS_LRPC)};
    double late[2][P * 4];
    int n[2] = {0, 0};

    note("4b: cancel timeout, %d rounds x %d parallel calls per transport", rounds, P);
    for (int r = 0; r < rounds; r++)
        for (int t = 0; t < 2; t++) {
            struct cw w[P];
            double tc[P];
            int started = 0;

            if (tb[t] == NULL)
                continue;
            for (int i = 0; i < P; i++) {
                void *h = open_conn(tb[t], 1);

                if (h == NULL)
                    break;
                if (cw_start(&w[i], h, 3, 1) != 0)
                    exit(1);
                started++;
            }
            for (int i = 0; i < started; i++)
                cw_go(&w[i]);
            bench_sleep_us(50e3);
            for (int i = 0; i < started; i++) {
                tc[i] = bench_now_us();
                if (RpcCancelThread(&w[i].tid) != RPC_S_OK)
                    R.late_fail[t]++;
            }
            for (int i = 0; i < started; i++) {
                RPC_BINDING_HANDLE h = w[i].h;

                if (cw_wait(&w[i], 10e6) != 0) {
                    note("%s: cancelled Sleep did not return in 10 s", tb[t]->name);
                    R.late_fail[t]++;
                    continue;       /* leave the thread (it holds h) */
                }
                if (w[i].st != RPC_S_CALL_FAILED) {
                    R.late_fail[t]++;
                    if (R.late_fail[t] <= 3)
                        note("%s: cancel timeout gave status %ld (expected %ld)",
                             tb[t]->name, (long)w[i].st, (long)RPC_S_CALL_FAILED);
                } else {
                    late[t][n[t]++] = (w[i].t_ret - (tc[i] + 1e6)) / 1000.0;
                }
                cw_quit(&w[i]);
                RpcBindingFree(&h);
            }
        }
    for (int t = 0; t < 2; t++) {
        R.late_n[t] = n[t];
        if (n[t] > 0) {
            R.late_p50[t] = pct(late[t], (size_t)n[t], 50);
            R.late_p99[t] = pct(late[t], (size_t)n[t], 99);
            R.late_max[t] = late[t][n[t] - 1];
        }
    }
}

/* ==== workload 5: idle connections ========================================== */

static int
write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;

    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
read_all(int fd, void *buf, size_t n)
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

static void
put_le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void
put_le32(unsigned char *p, uint32_t v)
{
    put_le16(p, v & 0xffff);
    put_le16(p + 2, v >> 16);
}

static void
put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The 72-byte bind PDU of one presentation context: rpctest 1.0 over
 * NDR 2.0 (C706 12.6.4.3), little-endian, first+last fragment. */
static void
make_bind(unsigned char pdu[72], uint32_t call_id)
{
    static const unsigned char rpctest_uuid[16] = {
        0x95, 0xad, 0xb0, 0x25, 0x83, 0x8a, 0x70, 0x4c,
        0xb4, 0x53, 0xe0, 0xc2, 0x02, 0xc9, 0xd6, 0x16};
    static const unsigned char ndr_uuid[16] = {
        0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
        0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};

    memset(pdu, 0, 72);
    pdu[0] = 5;                     /* rpc_vers */
    pdu[1] = 0;                     /* rpc_vers_minor */
    pdu[2] = 11;                    /* bind */
    pdu[3] = 0x03;                  /* PFC_FIRST_FRAG | PFC_LAST_FRAG */
    pdu[4] = 0x10;                  /* drep: little-endian, ASCII, IEEE */
    put_le16(pdu + 8, 72);          /* frag_length */
    put_le16(pdu + 10, 0);          /* auth_length */
    put_le32(pdu + 12, call_id);
    put_le16(pdu + 16, 4280);       /* max_xmit_frag */
    put_le16(pdu + 18, 4280);       /* max_recv_frag */
    put_le32(pdu + 20, 0);          /* assoc_group_id */
    pdu[24] = 1;                    /* n_context_elem */
    put_le16(pdu + 28, 0);          /* p_cont_id */
    pdu[30] = 1;                    /* n_transfer_syn */
    memcpy(pdu + 32, rpctest_uuid, 16);
    put_le16(pdu + 48, 1);          /* if_version major */
    put_le16(pdu + 50, 0);          /* minor */
    memcpy(pdu + 52, ndr_uuid, 16);
    put_le32(pdu + 68, 2);          /* NDR version 2 */
}

/* One idle connection of kind k to addr, with its handshake done: ours a
 * bind answered by a bind_ack; the floor one ping; tirpc one NULLPROC
 * call.  The fd, or -1. */
static int
idle_open(enum kind k, const struct sockaddr_in *sin)
{
    unsigned char buf[512];
    int fd, one = 1;

    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) != 0)
        goto fail;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    switch (k) {
    case K_OURS_TCP: {
        unsigned flen;

        make_bind(buf, 1);
        if (write_all(fd, buf, 72) != 0 || read_all(fd, buf, 16) != 0 || buf[2] != 12)
            goto fail;
        flen = buf[8] | (unsigned)buf[9] << 8;
        if (flen < 16 || flen > sizeof(buf) || read_all(fd, buf + 16, flen - 16) != 0)
            goto fail;
        break;
    }
    case K_FLOOR_TCP:
        memset(buf, 0, FLOOR_HDR);
        if (write_all(fd, buf, FLOOR_HDR) != 0 || read_all(fd, buf, FLOOR_HDR) != 0)
            goto fail;
        break;
    case K_TIRPC: {
        uint32_t rec;

        /* Record mark, then an ONC RPC call (RFC 5531): xid, CALL, rpcvers
         * 2, prog, vers, proc 0, AUTH_NONE credential and verifier. */
        put_be32(buf, 0x80000000u | 40);
        put_be32(buf + 4, 1);
        put_be32(buf + 8, 0);
        put_be32(buf + 12, 2);
        put_be32(buf + 16, 0x20000b3c);
        put_be32(buf + 20, 1);
        put_be32(buf + 24, 0);
        memset(buf + 28, 0, 16);
        if (write_all(fd, buf, 44) != 0 || read_all(fd, buf, 4) != 0)
            goto fail;
        rec = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
        rec &= 0x7fffffffu;
        if (rec < 4 || rec > sizeof(buf) || read_all(fd, buf, rec) != 0)
            goto fail;
        break;
    }
    default:
        goto fail;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

static int
tcp_addr(const struct backend *b, struct sockaddr_in *sin)
{
    const char *p;

    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    switch (b->kind) {
    case K_OURS_TCP:
        if ((p = strchr(b->addr, '[')) == NULL)
            return -1;
        sin->sin_port = htons((uint16_t)atoi(p + 1));
        return 0;
    case K_FLOOR_TCP:
    case K_TIRPC:
        if ((p = strrchr(b->addr, ':')) == NULL)
            return -1;
        sin->sin_port = htons((uint16_t)atoi(p + 1));
        return 0;
    default:
        return -1;
    }
}

static void
null_lat(struct backend *b, int calls, double *p50, double *p99)
{
    double *v = xcalloc((size_t)calls, sizeof(double));
    int n = 0;

    for (int i = 0; i < calls; i++) {
        double t0 = bench_now_us();

        if (b->ops->call(b->conn1, NULL, 0, NULL) != 0)
            break;
        v[n++] = bench_now_us() - t0;
    }
    *p50 = pct(v, (size_t)n, 50);
    *p99 = pct(v, (size_t)n, 99);
    free(v);
}

/* A fresh server of kind k for one workload (5 and 6 measure server RSS,
 * which the earlier workloads' freed-but-kept memory would blur), and its
 * first connection in out->conn1.  0, or -1 when it could not start. */
static int
fresh_backend(enum kind k, struct backend *out)
{
    const struct backend *model = find_be(k);
    char maxc[32], sock[128], srvpath[512];
    const char *argv[8] = {NULL};
    const char *prefix;
    struct server *s;

    if (model == NULL)
        return -1;
    *out = *model;
    out->conn1 = NULL;
    out->addr[0] = '\0';
    snprintf(maxc, sizeof(maxc), "%d", opt.idle + 1000);
    snprintf(sock, sizeof(sock), "%s/fresh-floor.sock", tmpdir);
    snprintf(srvpath, sizeof(srvpath), "%s/tirpc-server", opt.peers);
    switch (k) {
    case K_OURS_TCP:
        argv[0] = opt.server;
        argv[1] = "--listen";
        argv[2] = "ncacn_ip_tcp:127.0.0.1[0]";
        if (strstr(opt.server, "rpcbench-server") != NULL) {
            argv[3] = "--max-connections";
            argv[4] = maxc;
        }
        prefix = "ncacn_ip_tcp:";
        break;
    case K_FLOOR_TCP:
        argv[0] = self_exe;
        argv[1] = "--floor-server";
        argv[2] = sock;
        prefix = "tcp:";
        break;
    case K_TIRPC:
        argv[0] = srvpath;
        prefix = "";
        break;
    default:
        return -1;
    }
    if ((s = start_server("fresh", argv, NULL, k == K_FLOOR_TCP ? 2 : 1)) == NULL) {
        note("%s: a fresh server did not start", out->name);
        return -1;
    }
    out->srv = s;
    for (int i = 0; i < s->nlines; i++)
        if (strncmp(s->lines[i], prefix, strlen(prefix)) == 0)
            snprintf(out->addr, sizeof(out->addr), "%s", s->lines[i]);
    if (out->addr[0] == '\0' || (out->conn1 = open_conn(out, 200)) == NULL) {
        stop_server(s);
        nservers--;
        return -1;
    }
    return 0;
}

/* Closes what fresh_backend opened; its server was the last started. */
static void
fresh_done(struct backend *b)
{
    if (b->conn1 != NULL)
        b->ops->close(b->conn1);
    b->conn1 = NULL;
    stop_server(b->srv);
    nservers--;
}

static void
w5_idle(void)
{
    static const enum kind kinds[3] = {K_OURS_TCP, K_TIRPC, K_FLOOR_TCP};
    int calls = opt.quick ? 1000 : 4000;
    int *fds = xcalloc((size_t)opt.idle, sizeof(int));

    note("5: idle connections, a fresh server each: ours %d, tirpc and floor %d",
         opt.idle, opt.idle < opt.idle_peers ? opt.idle : opt.idle_peers);
    for (int k = 0; k < 3; k++) {
        struct backend fresh, *b = &fresh;
        struct sockaddr_in sin;
        struct linger lg = {1, 0};
        long rss0, rss1;
        double t0;
        int n = 0, i, err = 0, want_n;

        if (find_be(kinds[k]) == NULL)
            continue;
        i = (int)(find_be(kinds[k]) - be);
        if (fresh_backend(kinds[k], b) != 0)
            continue;
        if (tcp_addr(b, &sin) != 0) {
            fresh_done(b);
            continue;
        }
        null_lat(b, calls, &R.idle_base_p50[i], &R.idle_base_p99[i]);
        bench_sleep_us(200e3);
        rss0 = rss_kib(b->srv->pid);
        t0 = bench_now_us();
        /* The peers hold fewer: libtirpc's svc_run polls every descriptor
         * on each pass (opening 10,000 takes it ~40 s here) and the floor
         * starts a thread per connection. */
        want_n = kinds[k] == K_OURS_TCP || opt.idle < opt.idle_peers ? opt.idle : opt.idle_peers;
        for (n = 0; n < want_n; n++)
            if ((fds[n] = idle_open(kinds[k], &sin)) < 0) {
                err = errno;
                break;
            }
        R.idle_open_s[i] = (bench_now_us() - t0) / 1e6;
        if (n < want_n)
            snprintf(R.idle_note[i], sizeof(R.idle_note[i]),
                     "%s: only %d of %d connections opened (%s)", b->name, n,
                     want_n, err ? strerror(err) : "handshake refused or closed");
        bench_sleep_us(500e3);
        rss1 = rss_kib(b->srv->pid);
        R.idle_n[i] = n;
        if (n > 0 && rss0 > 0 && rss1 > 0)
            R.idle_rss[i] = (double)(rss1 - rss0) / n;
        null_lat(b, calls, &R.idle_p50[i], &R.idle_p99[i]);
        for (int c = 0; c < n; c++) {
            /* Reset, not FIN: no TIME_WAIT left behind for the next ones. */
            setsockopt(fds[c], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            close(fds[c]);
        }
        note("   %s: %d held, server RSS %ld -> %ld KiB, opened in %.1f s",
             b->name, n, rss0, rss1, R.idle_open_s[i]);
        fresh_done(b);
        bench_sleep_us(300e3);
    }
    free(fds);
}

/* ==== workload 6: sustained load ============================================ */

struct sus_worker {
    struct backend *b;
    void *conn;
    atomic_ulong calls;
    atomic_int *stop;
    int failed;
};

static void *
sus_thread(void *arg)
{
    struct sus_worker *w = arg;

    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        if (w->b->ops->call(w->conn, NULL, 0, NULL) != 0) {
            w->failed = 1;
            break;
        }
        atomic_fetch_add_explicit(&w->calls, 1, memory_order_relaxed);
    }
    return NULL;
}

static void
w6_sustained(void)
{
    enum { T = 4 };
    struct backend fresh, *b = &fresh;
    struct sus_worker w[T];
    pthread_t t[T];
    atomic_int stop = 0;
    double window = opt.quick ? 2.0 : 5.0, t0, tprev;
    int windows = (int)(opt.duration / window);
    unsigned long prev = 0;

    if (fresh_backend(K_OURS_TCP, b) != 0)
        return;
    if (windows < 2)
        windows = 2;
    if (windows > 64)
        windows = 64;
    note("6: sustained load on a fresh ours-tcp server, %d threads, %d windows of %.0f s",
         T, windows, window);
    for (int i = 0; i < T; i++) {
        w[i].b = b;
        atomic_init(&w[i].calls, 0);
        w[i].stop = &stop;
        w[i].failed = 0;
        if ((w[i].conn = open_conn(b, 10)) == NULL) {
            while (i-- > 0)
                b->ops->close(w[i].conn);
            fresh_done(b);
            return;
        }
    }
    R.sus_rss[0] = rss_kib(b->srv->pid);
    for (int i = 0; i < T; i++)
        pthread_create(&t[i], NULL, sus_thread, &w[i]);
    t0 = tprev = bench_now_us();
    for (int k = 0; k < windows; k++) {
        unsigned long sum = 0;
        double tn;

        bench_sleep_us(t0 + (k + 1) * window * 1e6 - bench_now_us());
        tn = bench_now_us();
        for (int i = 0; i < T; i++)
            sum += atomic_load(&w[i].calls);
        R.sus_cps[k] = (double)(sum - prev) / ((tn - tprev) / 1e6);
        R.sus_rss[k + 1] = rss_kib(b->srv->pid);
        prev = sum;
        tprev = tn;
        R.sus_windows = k + 1;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < T; i++) {
        pthread_join(t[i], NULL);
        if (w[i].failed)
            note("ours-tcp: a call failed during the sustained run");
        b->ops->close(w[i].conn);
    }
    fresh_done(b);
    R.sus_window_s = window;
}

/* ==== workload 7: per-call cost ============================================= */

struct sc_line {
    char name[64];
    long calls;
};

struct cost_run {
    long sys_total;
    struct sc_line sc[128];
    int nsc;
    long allocs, frees;
    long minflt;            /* minor page faults, -1 unknown */
    int ok_sys, ok_alloc;
};

static void
parse_strace(const char *path, struct cost_run *c)
{
    char line[512];
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        /* "% time  seconds  usecs/call  calls  errors syscall"; errors may
         * be empty.  The syscall is the last word, the calls the 4th. */
        char w[6][64];
        int nw = sscanf(line, "%63s %63s %63s %63s %63s %63s", w[0], w[1], w[2], w[3],
                        w[4], w[5]);
        const char *name;
        long calls;

        if (nw < 5 || line[0] == '%' || line[0] == '-')
            continue;
        name = w[nw - 1];
        calls = atol(w[3]);
        if (strcmp(name, "total") == 0) {
            c->sys_total = calls;
            c->ok_sys = 1;
        } else if (c->nsc < 128) {
            snprintf(c->sc[c->nsc].name, sizeof(c->sc[0].name), "%s", name);
            c->sc[c->nsc++].calls = calls;
        }
    }
    fclose(f);
}

static void
parse_mc(const char *path, struct cost_run *c)
{
    FILE *f = fopen(path, "r");
    unsigned long a, fr, by;

    if (f == NULL)
        return;
    /* The last line is the process that exited last (wrapper scripts
     * exec, so there is one line per process that ran to exit). */
    while (fscanf(f, "allocs %lu frees %lu bytes %lu\n", &a, &fr, &by) == 3) {
        c->allocs = (long)a;
        c->frees = (long)fr;
        c->ok_alloc = 1;
    }
    fclose(f);
}

static int
have_prog(const char *name)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

/* The pid of a child of pid (strace's tracee), found in /proc; 0 when
 * there is none. */
static pid_t
child_of(pid_t pid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;

    if (d == NULL)
        return 0;
    while (found == 0 && (e = readdir(d)) != NULL) {
        char path[300], buf[512], *p;
        int ppid;
        FILE *f;

        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        /* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
        if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL &&
            sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == (int)pid)
            found = (pid_t)atoi(e->d_name);
        fclose(f);
    }
    closedir(d);
    return found;
}

/* Waits up to timeout_us for pid to exit; 0 when it did. */
static int
wait_exit(pid_t pid, double timeout_us)
{
    double deadline = bench_now_us() + timeout_us;
    int status;

    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (bench_now_us() > deadline)
            return -1;
        usleep(5000);
    }
    return 0;
}

struct cost_result {
    char name[40];
    double cli_sys, srv_sys, cli_alloc, srv_alloc, cli_flt, srv_flt;
    char cli_top[400], srv_top[400];
};

static void
top_syscalls(const struct cost_run *a, const struct cost_run *b, long dn,
             char *buf, size_t len)
{
    struct { const char *name; double per; } v[128];
    int nv = 0;
    size_t off = 0;

    for (int i = 0; i < b->nsc; i++) {
        long ca = 0;

        for (int j = 0; j < a->nsc; j++)
            if (strcmp(a->sc[j].name, b->sc[i].name) == 0)
                ca = a->sc[j].calls;
        double per = (double)(b->sc[i].calls - ca) / (double)dn;
        if (per >= 0.05 && nv < 128) {
            v[nv].name = b->sc[i].name;
            v[nv++].per = per;
        }
    }
    for (int i = 1; i < nv; i++)
        for (int j = i; j > 0 && v[j].per > v[j - 1].per; j--) {
            __typeof__(v[0]) tmp = v[j];
            v[j] = v[j - 1];
            v[j - 1] = tmp;
        }
    buf[0] = '\0';
    for (int i = 0; i < nv && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s %.2f", i ? ", " : "",
                                v[i].name, v[i].per);
}

/* Minor page faults of pid so far (/proc/PID/stat field 10), -1. */
static long
minflt_of(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long v = 0;
    FILE *f;
    int ok = 0;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
        ok = sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %lu", &v) == 1;
    fclose(f);
    return ok ? (long)v : -1;
}

/* Runs kind's server and a --cost-client making n calls of size bytes,
 * both under strace -c -f (when present) and the allocation counter. */
static int
cost_once(const char *kind, const char *mc, int use_strace, int n, uint32_t size,
          struct cost_run *cli, struct cost_run *srv)
{
    char sfile[160], cfile[160], smc[160], cmc[160], pre[4300], outf[600], nstr[16];
    char sizestr[16];
    struct rusage ru;
    char sock[128];
    const char *argv[32];
    int a = 0, status;
    struct server *s;
    pid_t pid, tracee;
    const char *addr = NULL;

    snprintf(sfile, sizeof(sfile), "%s/cost-%s-%u-%d.srv.strace", tmpdir, kind, size, n);
    snprintf(cfile, sizeof(cfile), "%s/cost-%s-%u-%d.cli.strace", tmpdir, kind, size, n);
    snprintf(smc, sizeof(smc), "%s/cost-%s-%u-%d.srv.mc", tmpdir, kind, size, n);
    snprintf(cmc, sizeof(cmc), "%s/cost-%s-%u-%d.cli.mc", tmpdir, kind, size, n);
    snprintf(sizestr, sizeof(sizestr), "%u", size);
    snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", mc);
    snprintf(outf, sizeof(outf), "MALLOC_COUNT_OUT=%s", smc);
    snprintf(nstr, sizeof(nstr), "%d", n);
    snprintf(sock, sizeof(sock), "%s/cost-floor.sock", tmpdir);
    if (use_strace) {
        argv[a++] = "/usr/bin/env";
        argv[a++] = "strace";
        argv[a++] = "-f";
        argv[a++] = "-c";
        argv[a++] = "-o";
        argv[a++] = sfile;
        if (mc != NULL) {
            argv[a++] = "-E";
            argv[a++] = pre;
            argv[a++] = "-E";
            argv[a++] = outf;
        }
    }
    if (strcmp(kind, "ours") == 0) {
        argv[a++] = opt.server;
        argv[a++] = "--listen";
        argv[a++] = "ncacn_ip_tcp:127.0.0.1[0]";
    } else {
        argv[a++] = self_exe;
        argv[a++] = "--floor-server";
        argv[a++] = sock;
    }
    argv[a] = NULL;
    {
        char *env[] = {pre, outf, NULL};

        s = start_server("cost", argv, (!use_strace && mc != NULL) ? env : NULL, 1);
    }
    if (s == NULL)
        return -1;
    addr = s->lines[0];
    tracee = use_strace ? child_of(s->pid) : s->pid;
    if (tracee == 0) {
        note("cannot find the server strace started");
        stop_server(s);
        nservers--;
        return -1;
    }

    a = 0;
    snprintf(outf, sizeof(outf), "MALLOC_COUNT_OUT=%s", cmc);
    if (use_strace) {
        argv[a++] = "/usr/bin/env";
        argv[a++] = "strace";
        argv[a++] = "-f";
        argv[a++] = "-c";
        argv[a++] = "-o";
        argv[a++] = cfile;
        if (mc != NULL) {
            argv[a++] = "-E";
            argv[a++] = pre;
            argv[a++] = "-E";
            argv[a++] = outf;
        }
    }
    argv[a++] = self_exe;
    argv[a++] = "--cost-client";
    argv[a++] = kind;
    argv[a++] = addr;
    argv[a++] = nstr;
    argv[a++] = sizestr;
    argv[a] = NULL;
    fflush(stdout);
    if ((pid = fork()) == 0) {
        if (!use_strace && mc != NULL) {
            putenv(pre);
            putenv(outf);
        }
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    /* The client's faults (with strace's, constant) from its rusage. */
    memset(&ru, 0, sizeof(ru));
    if (wait4(pid, &status, 0, &ru) < 0)
        status = -1;
    memset(cli, 0, sizeof(*cli));
    memset(srv, 0, sizeof(*srv));
    cli->minflt = ru.ru_minflt;
    srv->minflt = minflt_of(tracee);
    if (tracee != s->pid) {
        /* The server exits; strace then writes its summary and exits. */
        kill(tracee, SIGTERM);
        if (wait_exit(s->pid, 15e6) == 0)
            s->pid = 0;
    }
    stop_server(s);
    nservers--;             /* its slot is free again */
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    if (use_strace) {
        parse_strace(cfile, cli);
        parse_strace(sfile, srv);
    }
    if (mc != NULL) {
        parse_mc(cmc, cli);
        parse_mc(smc, srv);
    }
    return 0;
}

static struct cost_result costs[4];
static int ncosts;
static char cost_note[300];

static void
w7_cost(void)
{
    static const struct { const char *kind, *name; uint32_t size; } runs[4] = {
        {"ours", "ours-tcp null", 0},
        {"floor", "floor-tcp null", 0},
        {"ours", "ours-tcp 1MiB", 1024 * 1024},
        {"floor", "floor-tcp 1MiB", 1024 * 1024},
    };
    char mc[4200];
    int use_strace = have_prog("strace");
    struct stat st;

    snprintf(mc, sizeof(mc), "%s/malloc_count.so", opt.peers);
    if (stat(mc, &st) != 0 || mc[0] != '/') {
        char abs[4096];

        if (stat(mc, &st) == 0 && realpath(mc, abs) != NULL)
            snprintf(mc, sizeof(mc), "%s", abs);
        else
            mc[0] = '\0';
    }
    snprintf(cost_note, sizeof(cost_note),
             "%s%s", use_strace ? "" : "strace missing: no syscall counts. ",
             mc[0] ? "" : "malloc_count.so missing: no allocation counts.");
    note("7: per-call cost (%s%s), null calls and 1 MiB Echo, the difference of two runs",
         use_strace ? "strace -c -f" : "", mc[0] ? " + malloc counter" : "");
    for (int k = 0; k < 4; k++) {
        struct cost_run c1, s1, c2, s2;
        struct cost_result *r = &costs[ncosts];
        int big = runs[k].size > 0;
        int n1 = big ? 10 : opt.quick ? 500 : 1000, n2 = big ? 40 : opt.quick ? 2500 : 6000;
        double dn = n2 - n1;

        if (cost_once(runs[k].kind, mc[0] ? mc : NULL, use_strace, n1, runs[k].size,
                      &c1, &s1) != 0 ||
            cost_once(runs[k].kind, mc[0] ? mc : NULL, use_strace, n2, runs[k].size,
                      &c2, &s2) != 0) {
            note("cost run for %s failed", runs[k].name);
            continue;
        }
        snprintf(r->name, sizeof(r->name), "%s", runs[k].name);
        r->cli_sys = c1.ok_sys && c2.ok_sys ? (double)(c2.sys_total - c1.sys_total) / dn : NA;
        r->srv_sys = s1.ok_sys && s2.ok_sys ? (double)(s2.sys_total - s1.sys_total) / dn : NA;
        r->cli_alloc = c1.ok_alloc && c2.ok_alloc ? (double)(c2.allocs - c1.allocs) / dn : NA;
        r->srv_alloc = s1.ok_alloc && s2.ok_alloc ? (double)(s2.allocs - s1.allocs) / dn : NA;
        r->cli_flt = c1.minflt >= 0 && c2.minflt >= 0 ? (double)(c2.minflt - c1.minflt) / dn : NA;
        r->srv_flt = s1.minflt >= 0 && s2.minflt >= 0 ? (double)(s2.minflt - s1.minflt) / dn : NA;
        top_syscalls(&c1, &c2, n2 - n1, r->cli_top, sizeof(r->cli_top));
        top_syscalls(&s1, &s2, n2 - n1, r->srv_top, sizeof(r->srv_top));
        ncosts++;
    }
    R.cost_done = 1;
}

/* N calls of size bytes (0: null calls) on one connection to ours or the
 * floor at addr; also handy by hand, under perf or strace. */
static int
cost_client_main(const char *kind, const char *addr, int n, uint32_t size)
{
    const struct bench_peer *p = strcmp(kind, "ours") == 0 ? &ours_peer : &floor_peer;
    char err[256];
    void *c = p->connect(addr, err, sizeof(err));
    unsigned char *in = NULL, *outb = NULL;

    if (c == NULL) {
        fprintf(stderr, "rpcbench: %s\n", err);
        return 1;
    }
    if (size > 0 && ((in = calloc(1, size)) == NULL || (outb = malloc(size)) == NULL))
        return 1;
    for (int i = 0; i < n; i++)
        if (p->call(c, in, size, outb) != 0) {
            fprintf(stderr, "rpcbench: cost client: call %d failed\n", i);
            return 1;
        }
    p->close(c);
    free(in);
    free(outb);
    return 0;
}

/* ==== the table ============================================================= */

static int ntargets, nmiss;

static void
target(const char *what, double measured, int decimals, const char *suffix,
       const char *limit_text, int pass)
{
    char m[48];

    if (isnan(measured)) {
        snprintf(m, sizeof(m), "-");
        out("  %-50s %12s  %-14s %s\n", what, m, limit_text, "n/a");
        return;
    }
    snprintf(m, sizeof(m), "%.*f%s", decimals, measured, suffix);
    ntargets++;
    nmiss += !pass;
    out("  %-50s %12s  %-14s %s\n", what, m, limit_text, pass ? "PASS" : "MISS");
}

static double
ratio(double a, double b)
{
    if (isnan(a) || isnan(b) || b == 0)
        return NA;
    return a / b;
}

static void
print_tables(void)
{
    int col[NB_MAX], nc = 0;
    struct backend *ot = find_be(K_OURS_TCP), *ol = find_be(K_OURS_LRPC);
    struct backend *ft = find_be(K_FLOOR_TCP), *fu = find_be(K_FLOOR_UNIX);
    struct backend *tr = find_be(K_TIRPC), *gr = find_be(K_GRPC);
    int iot = ot ? (int)(ot - be) : -1, iol = ol ? (int)(ol - be) : -1;
    int ift = ft ? (int)(ft - be) : -1, ifu = fu ? (int)(fu - be) : -1;
    int itr = tr ? (int)(tr - be) : -1, igr = gr ? (int)(gr - be) : -1;

#define AT(arr, i) ((i) >= 0 ? (arr)[i] : NA)
    for (int i = 0; i < nb; i++)
        col[nc++] = i;

    out("\n== peers (medians over interleaved rounds; p99 over all calls) ==\n");
    out("  %-34s", "");
    for (int c = 0; c < nc; c++)
        out(" %11s", be[col[c]].name);
    out("\n");
#define ROW(label, arr, dec)                                  \
    do {                                                      \
        out("  %-34s", label);                                \
        for (int c = 0; c < nc; c++)                          \
            cell(be[col[c]].ok ? (arr)[col[c]] : NA, dec, "");\
        out("\n");                                            \
    } while (0)
    if (want(1)) {
        ROW("null call p50 (us)", R.null_p50, 1);
        ROW("null call p99 (us)", R.null_p99, 1);
        ROW("null call mean (us)", R.null_mean, 1);
        ROW("null call max (us)", R.null_max, 0);
        ROW("null p50, pinned to one CPU (us)", R.pin_p50[0], 1);
        ROW("null p99, pinned to one CPU (us)", R.pin_p99[0], 1);
        ROW("null p50, pinned to two CPUs (us)", R.pin_p50[1], 1);
        ROW("null p99, pinned to two CPUs (us)", R.pin_p99[1], 1);
    }
    if (want(2)) {
        ROW("calls/s, 1 thread", R.cps[0], 0);
        ROW("calls/s, 4 threads", R.cps[1], 0);
        ROW("calls/s, 16 threads", R.cps[2], 0);
    }
    if (want(3)) {
        ROW("Echo 64 KiB (MiB/s, median call)", R.echo_mibs[0], 0);
        ROW("Echo 64 KiB p99 (us)", R.echo_p99[0], 0);
        ROW("Echo 1 MiB (MiB/s, median call)", R.echo_mibs[1], 0);
        ROW("Echo 1 MiB p99 (us)", R.echo_p99[1], 0);
    }
    if (want(5)) {
        double held[NB_MAX];

        for (int i = 0; i < NB_MAX; i++)
            held[i] = R.idle_n[i] > 0 ? (double)R.idle_n[i] : NA;
        ROW("idle connections held", held, 0);
        ROW("server RSS per idle conn (KiB)", R.idle_rss, 1);
        ROW("null p50 before idle conns (us)", R.idle_base_p50, 1);
        ROW("null p50 with idle conns (us)", R.idle_p50, 1);
        ROW("null p99 before idle conns (us)", R.idle_base_p99, 1);
        ROW("null p99 with idle conns (us)", R.idle_p99, 1);
        ROW("time to open them (s)", R.idle_open_s, 2);
        for (int i = 0; i < nb; i++)
            if (R.idle_note[i][0])
                out("  note: %s\n", R.idle_note[i]);
    }
    for (int i = 0; i < nb; i++)
        if (!be[i].ok && be[i].why[0])
            out("  %s: %s\n", be[i].name, be[i].why);

    out("\n== ratios (ours / peer; latency: lower is better, rates: higher) ==\n");
    out("  %-34s %11s %11s %11s %11s\n", "", "tcp/floor", "tcp/tirpc", "tcp/grpc",
        "lrpc/f-unix");
#define RAT(label, arr)                                                  \
    do {                                                                 \
        out("  %-34s", label);                                           \
        cell(ratio(AT(arr, iot), AT(arr, ift)), 2, "x");                \
        cell(ratio(AT(arr, iot), AT(arr, itr)), 2, "x");                \
        cell(ratio(AT(arr, iot), AT(arr, igr)), 2, "x");                \
        cell(ratio(AT(arr, iol), AT(arr, ifu)), 2, "x");                \
        out("\n");                                                       \
    } while (0)
    /* The rows of workloads 1-3 that have ratios, for both tables. */
    const struct { int w; const char *label, *cmp_label; const double *arr; } rows[] = {
        {1, "null call p50", "null call p50 (cmp / ours)", R.null_p50},
        {1, "null call p99", "null call p99 (cmp / ours)", R.null_p99},
        {1, "null p50, pinned to one CPU", "null p50, one CPU (cmp / ours)", R.pin_p50[0]},
        {1, "null p50, pinned to two CPUs", "null p50, two CPUs (cmp / ours)", R.pin_p50[1]},
        {2, "calls/s, 1 thread", "calls/s, 1 thread (cmp / ours)", R.cps[0]},
        {2, "calls/s, 4 threads", "calls/s, 4 threads (cmp / ours)", R.cps[1]},
        {2, "calls/s, 16 threads", "calls/s, 16 threads (cmp / ours)", R.cps[2]},
        {3, "Echo 64 KiB throughput", "Echo 64 KiB (cmp / ours)", R.echo_mibs[0]},
        {3, "Echo 1 MiB throughput", "Echo 1 MiB (cmp / ours)", R.echo_mibs[1]},
    };
    const size_t nrows = sizeof(rows) / sizeof(rows[0]);

    for (size_t r = 0; r < nrows; r++)
        if (want(rows[r].w))
            RAT(rows[r].label, rows[r].arr);
    if (want(5))
        RAT("RSS per idle connection", R.idle_rss);

    if (opt.compare != NULL && (want(1) || want(2) || want(3))) {
        struct backend *ct = find_be(K_CMP_TCP), *cl = find_be(K_CMP_LRPC);
        int ict = ct ? (int)(ct - be) : -1, icl = cl ? (int)(cl - be) : -1;

        out("\n== compare (--compare %s against --server %s) ==\n", opt.compare, opt.server);
        out("  %-34s %11s %11s\n", "", "tcp", "lrpc");
        for (size_t r = 0; r < nrows; r++) {
            if (!want(rows[r].w))
                continue;
            out("  %-34s", rows[r].cmp_label);
            cell(ratio(AT(rows[r].arr, ict), AT(rows[r].arr, iot)), 2, "x");
            cell(ratio(AT(rows[r].arr, icl), AT(rows[r].arr, iol)), 2, "x");
            out("\n");
        }
    }

    if (want(4)) {
        out("\n== cancellation (ours; WaitForCancel polls RpcServerTestCancel, napping <= 1 ms) ==\n");
        out("  %-58s %14s %14s\n", "", "ncacn_ip_tcp", "ncalrpc");
        out("  %-58s", "cancels measured (failed)");
        for (int t = 0; t < 2; t++) {
            char b[32];

            snprintf(b, sizeof(b), "%d (%d)", R.cd_n[t], R.cd_fail[t]);
            out(" %14s", b);
        }
        out("\n");
#define CROW(label, a, b, dec)                                           \
    do {                                                                 \
        out("  %-58s", label);                                           \
        for (int t = 0; t < 2; t++) {                                    \
            char s1[24], s2[24], s3[52];                                 \
            if (isnan((a)[t])) { out(" %14s", "-"); continue; }         \
            snprintf(s1, sizeof(s1), "%.*f", dec, (a)[t]);               \
            snprintf(s2, sizeof(s2), "%.*f", dec, (b)[t]);               \
            snprintf(s3, sizeof(s3), "%s / %s", s1, s2);                 \
            out(" %14s", s3);                                            \
        }                                                                \
        out("\n");                                                       \
    } while (0)
        double cdp50[2], cdp99[2], csp50[2], csp99[2];

        for (int t = 0; t < 2; t++) {
            cdp50[t] = R.cd_p50[t] / 1000;
            cdp99[t] = R.cd_p99[t] / 1000;
            csp50[t] = R.cs_p50[t] / 1000;
            csp99[t] = R.cs_p99[t] / 1000;
        }
        CROW("delivery, client-side: cancel -> call returns, p50/p99 ms", cdp50, cdp99,
             3);
        CROW("delivery, server-reported (1 ms resolution), p50/p99 ms", csp50, csp99,
             1);
        CROW("RpcCancelThread's own duration, p50/p99 us", R.ct_p50, R.ct_p99, 0);
        out("  %-58s", "cancel-timeout calls measured (failed)");
        for (int t = 0; t < 2; t++) {
            char b[32];

            snprintf(b, sizeof(b), "%d (%d)", R.late_n[t], R.late_fail[t]);
            out(" %14s", b);
        }
        out("\n");
        CROW("cancel timeout 1 s: lateness p50/p99 ms", R.late_p50, R.late_p99, 1);
    }

    if (want(6) && R.sus_windows > 0) {
        double mn = R.sus_cps[0], mx = R.sus_cps[0], v[64];

        out("\n== sustained load (ours-tcp, 4 threads, %d windows of %.0f s) ==\n",
            R.sus_windows, R.sus_window_s);
        out("  calls/s per window:");
        for (int k = 0; k < R.sus_windows; k++) {
            out(" %.0f", R.sus_cps[k]);
            v[k] = R.sus_cps[k];
            if (R.sus_cps[k] < mn)
                mn = R.sus_cps[k];
            if (R.sus_cps[k] > mx)
                mx = R.sus_cps[k];
        }
        out("\n  server RSS KiB (start, then per window):");
        for (int k = 0; k <= R.sus_windows; k++)
            out(" %ld", R.sus_rss[k]);
        out("\n  slowest window / median: %.2f; RSS end - end of first window: %+ld KiB\n",
            mn / bench_median(v, (size_t)R.sus_windows),
            R.sus_rss[R.sus_windows] - R.sus_rss[1]);
    }

    if (want(7)) {
        out("\n== per-call cost (difference of two runs / difference in calls) ==\n");
        if (cost_note[0])
            out("  %s\n", cost_note);
        out("  %-16s %9s %9s %9s %9s %9s %9s\n", "", "syscalls", "syscalls", "allocs",
            "allocs", "faults", "faults");
        out("  %-16s %9s %9s %9s %9s %9s %9s\n", "per call", "client", "server", "client",
            "server", "client", "server");
        cell_width = 9;
        for (int k = 0; k < ncosts; k++) {
            out("  %-16s", costs[k].name);
            cell(costs[k].cli_sys, 2, "");
            cell(costs[k].srv_sys, 2, "");
            cell(costs[k].cli_alloc, 2, "");
            cell(costs[k].srv_alloc, 2, "");
            cell(costs[k].cli_flt, 1, "");
            cell(costs[k].srv_flt, 1, "");
            out("\n");
        }
        cell_width = 11;
        for (int k = 0; k < ncosts; k++) {
            out("  %s, client syscalls/call: %s\n", costs[k].name, costs[k].cli_top);
            out("  %s, server syscalls/call: %s\n", costs[k].name, costs[k].srv_top);
        }
        if (ncosts > 0)
            out("  (syscalls: strace -c -f; allocs: malloc/calloc/realloc/memalign through\n"
                "   bench/malloc_count.c; faults: minor page faults.  Client allocs include\n"
                "   the rpctest_echo stub's own malloc of the request.  strace -f slows\n"
                "   every call, which can change how often threads block.)\n");
    }

    out("\n== targets (issue 6; ours over TCP unless named) ==\n");
    if (want(1)) {
        double r50 = ratio(AT(R.null_p50, iot), AT(R.null_p50, ift));
        double r99 = ratio(AT(R.null_p99, iot), AT(R.null_p99, ift));
        double l50 = ratio(AT(R.null_p50, iol), AT(R.null_p50, ifu));
        double l99 = ratio(AT(R.null_p99, iol), AT(R.null_p99, ifu));

        target("null call p50 / floor p50", r50, 2, "x", "<= 1.3x", r50 <= 1.3);
        target("null call p99 / floor p99", r99, 2, "x", "<= 2x", r99 <= 2.0);
        target("ncalrpc: null call p50 / floor-unix p50", l50, 2, "x", "<= 1.3x", l50 <= 1.3);
        target("ncalrpc: null call p99 / floor-unix p99", l99, 2, "x", "<= 2x", l99 <= 2.0);
        /* The same placement for both sides (w1_pinned). */
        for (int t = 0; t < 2; t++) {
            char w[80];
            double rt = ratio(AT(R.pin_p50[t], iot), AT(R.pin_p50[t], ift));
            double rl = ratio(AT(R.pin_p50[t], iol), AT(R.pin_p50[t], ifu));

            snprintf(w, sizeof(w), "null call p50 / floor p50, pinned to %s",
                     t ? "two CPUs" : "one CPU");
            target(w, rt, 2, "x", "<= 1.3x", rt <= 1.3);
            snprintf(w, sizeof(w), "ncalrpc: the same, pinned to %s", t ? "two CPUs" : "one CPU");
            target(w, rl, 2, "x", "<= 1.3x", rl <= 1.3);
        }
    }
    if (want(2)) {
        for (int ti = 1; ti < 3; ti++) {
            char w1[64], w2[64];
            double rt = ratio(AT(R.cps[ti], iot), AT(R.cps[ti], itr));
            double rf = ratio(AT(R.cps[ti], iot), AT(R.cps[ti], ift));

            snprintf(w1, sizeof(w1), "calls/s, %d threads / libtirpc", ti == 1 ? 4 : 16);
            snprintf(w2, sizeof(w2), "calls/s, %d threads / floor", ti == 1 ? 4 : 16);
            target(w1, rt, 2, "x", ">= 2x", rt >= 2.0);
            target(w2, rf, 2, "x", ">= 0.6x", rf >= 0.6);
        }
    }
    if (want(3)) {
        double r = ratio(AT(R.echo_mibs[1], iot), AT(R.echo_mibs[1], ift));

        target("Echo 1 MiB throughput / floor", r, 2, "x", ">= 0.6x", r >= 0.6);
    }
    if (want(4)) {
        for (int t = 0; t < 2; t++) {
            char w[80];
            double d = R.cd_p99[t] / 1000;

            snprintf(w, sizeof(w), "%s: cancel delivery p99 (client-side, ms)",
                     t ? "ncalrpc" : "tcp");
            target(w, d, 3, "", "<= 1 + 1 ms", d <= 2.0);
        }
        for (int t = 0; t < 2; t++) {
            char w[80];

            snprintf(w, sizeof(w), "%s: cancel-timeout lateness p99 (ms)",
                     t ? "ncalrpc" : "tcp");
            target(w, R.late_p99[t], 1, "", "<= 10 ms", R.late_p99[t] <= 10.0);
        }
    }
    if (want(5)) {
        double v = AT(R.idle_rss, iot);

        target("server RSS per idle connection (KiB)", v, 1, "", "<= 16 KiB", v <= 16.0);
    }
    if (want(6) && R.sus_windows > 1) {
        double g = (double)(R.sus_rss[R.sus_windows] - R.sus_rss[1]);

        target("sustained: RSS growth after the first window (KiB)", g, 0, "",
               "<= 256 KiB", g <= 256);
    }
    out("  %d targets measured, %d missed\n", ntargets, nmiss);
#undef ROW
#undef RAT
#undef CROW
#undef AT
}

/* ==== RESULTS.md ============================================================ */

#define MARK_BEGIN "<!-- rpcbench:begin -->"
#define MARK_END "<!-- rpcbench:end -->"

static void
cpu_model(char *buf, size_t len)
{
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");

    snprintf(buf, len, "unknown");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');

            if (p != NULL) {
                p++;
                while (*p == ' ')
                    p++;
                p[strcspn(p, "\n")] = '\0';
                snprintf(buf, len, "%s", p);
            }
            break;
        }
    fclose(f);
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *s;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = xcalloc((size_t)n + 1, 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    fclose(f);
    return s;
}

static void
write_results(const char *cmdline, const char *load_before, const char *load_after,
              double wall_s, const char *others_line)
{
    char cpu[256], date[64], tmp[4200];
    struct utsname u;
    time_t now = time(NULL);
    char *old = slurp(opt.results), *head = NULL;
    const char *tail = NULL;
    FILE *f;

    cpu_model(cpu, sizeof(cpu));
    uname(&u);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
    if (old != NULL) {
        char *b = strstr(old, MARK_BEGIN), *e = strstr(old, MARK_END);

        if (b != NULL && e != NULL && e > b) {
            *b = '\0';
            head = old;
            tail = e + strlen(MARK_END);
        } else {
            head = old;     /* no markers: keep it all, append ours */
            tail = "";
        }
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", opt.results);
    if ((f = fopen(tmp, "w")) == NULL) {
        note("cannot write %s: %s", tmp, strerror(errno));
        free(old);
        return;
    }
    if (head == NULL)
        fprintf(f, "# rpcrt benchmark results\n\n"
                   "The part between the rpcbench markers is written by `make bench`\n"
                   "(bench/rpcbench); notes outside them are kept.\n\n");
    else
        fputs(head, f);
    fprintf(f, "%s\n", MARK_BEGIN);
    fprintf(f, "## Latest run (generated by bench/rpcbench)\n\n");
    fprintf(f, "- date: %s\n", date);
    fprintf(f, "- command: `%s`%s\n", cmdline,
            opt.quick ? " (quick mode: fewer rounds, short sustained run)" : "");
    fprintf(f, "- machine: %ld cores, %s, Linux %s (%s)\n", sysconf(_SC_NPROCESSORS_ONLN),
            cpu, u.release, u.machine);
    fprintf(f, "- load average (1/5/15 min) before: %s; after: %s (the run itself keeps\n"
               "  both cores busy, so \"after\" includes it)\n", load_before, load_after);
    fprintf(f, "- wall time of the run: %.0f s; %s\n\n", wall_s, others_line);
    fprintf(f, "```\n");
    fwrite(report_buf, 1, report_len, f);
    fprintf(f, "```\n%s", MARK_END);
    fputs(tail != NULL ? tail : "\n", f);
    if (tail == NULL || tail[0] == '\0')
        fputs("\n", f);
    fclose(f);
    if (rename(tmp, opt.results) != 0)
        note("cannot rename %s: %s", tmp, strerror(errno));
    else
        note("wrote %s", opt.results);
    free(old);
}

/* ==== main ================================================================== */

static void
kill_servers_now(void)
{
    for (int i = 0; i < nservers; i++)
        if (servers[i].pid > 0)
            kill(servers[i].pid, SIGKILL);
}

static void
on_alarm(int sig)
{
    static const char msg[] = "rpcbench: watchdog: the run took too long, stopping\n";

    (void)sig;
    if (write(2, msg, sizeof(msg) - 1) < 0)
        (void)0;
    kill_servers_now();
    _exit(3);
}

/* rm -rf tmpdir, for on_stop: argv made before any signal can come. */
static char rm_arg0[] = "rm", rm_arg1[] = "-rf";
static char *rm_argv[4] = {rm_arg0, rm_arg1, tmpdir, NULL};

/* Stopped from outside (kill, or ^C where the servers are not in the
 * terminal's process group): no server outlives the run, and its sockets
 * and logs go with it (fork, execve and waitpid are async-signal-safe;
 * stop_all's system() is not). */
static void
remove_tmpdir_now(void)
{
    pid_t rm;

    if (tmpdir[0] != '\0' && (rm = fork()) >= 0) {
        if (rm == 0) {
            execve("/bin/rm", rm_argv, environ);
            _exit(127);
        }
        while (waitpid(rm, NULL, 0) < 0 && errno == EINTR)
            ;
    }
}

static void
on_stop(int sig)
{
    static const char msg[] = "rpcbench: stopped by a signal, stopping the servers\n";

    if (write(2, msg, sizeof(msg) - 1) < 0)
        (void)0;
    kill_servers_now();
    remove_tmpdir_now();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Crashed: a fault in rpcbench, or in a peer's client library it loaded
 * (a sanitizer build once took a fault inside libtirpc).  The servers
 * and the temporary directory go first, then the fault takes its course
 * under the handler that was there before: the default, or a sanitizer's
 * report.  Returning from a fault runs its instruction again, which
 * faults again; a signal sent by kill(2) is raised again instead. */
static const int crash_sig[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH (sizeof(crash_sig) / sizeof(crash_sig[0]))
static struct sigaction crash_old[NCRASH];

static void
on_crash(int sig, siginfo_t *si, void *ctx)
{
    static const char msg[] = "rpcbench: crashed, stopping the servers\n";

    (void)ctx;
    if (write(2, msg, sizeof(msg) - 1) < 0)
        (void)0;
    kill_servers_now();
    remove_tmpdir_now();
    for (size_t i = 0; i < NCRASH; i++)
        if (crash_sig[i] == sig)
            sigaction(sig, &crash_old[i], NULL);
    if (si == NULL || si->si_code <= 0 || sig == SIGABRT)
        raise(sig);
}

static void
catch_crashes(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_sig[i], &sa, &crash_old[i]);
}

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: rpcbench [--quick] [--duration S] [--idle N] [--idle-peers N]\n"
        "                [--results FILE]\n"
        "                [--peers DIR] [--server PATH] [--only 1234567] [--no-cost]\n"
        "                [--compare PATH]\n"
        "  --quick          fewer rounds and a 10 s sustained run (about 1.5 min)\n"
        "  --duration S     sustained-load seconds (default 60; --quick: 10)\n"
        "  --idle N         idle connections to ours in workload 5 (default 10000)\n"
        "  --idle-peers N   idle connections to tirpc and the floor (default 2000)\n"
        "  --results FILE   rewrite the generated part of FILE (RESULTS.md)\n"
        "  --peers DIR      where bench/build-peers put the peers (bench/peers)\n"
        "  --server PATH    our server (bench/rpcbench-server; examples/rpctest-server\n"
        "                   works too, with the runtime's default connection limit)\n"
        "  --only LIST      only these workloads, e.g. 14 (1 latency, 2 calls/s,\n"
        "                   3 echo, 4 cancel, 5 idle, 6 sustained, 7 cost)\n"
        "  --no-cost        skip workload 7\n"
        "  --compare PATH   also measure PATH, a second server of ours (columns\n"
        "                   cmp-tcp, cmp-lrpc), in workloads 1-3's rounds, and\n"
        "                   print its ratios to --server (before/after figures)\n"
        "Run from the top of a build tree (make bench does).\n");
}

int
main(int argc, char **argv)
{
    char cmdline[2048] = "", load_before[64], load_after[64], busy[256], others[200];
    double busy0, own0, t_run;
    int dur_set = 0;
    struct rlimit rl;
    double t_start;
    size_t off = 0;

    if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
        snprintf(self_exe, sizeof(self_exe), "%s", argv[0]);
    if (argc == 3 && strcmp(argv[1], "--floor-server") == 0)
        return floor_server_main(argv[2]);
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "--cost-client") == 0)
        return cost_client_main(argv[2], argv[3], atoi(argv[4]),
                                argc == 6 ? (uint32_t)strtoul(argv[5], NULL, 10) : 0);

    /* "bench/rpcbench ARGS", as make bench runs it (argv[0] may be
     * libtool's bench/.libs/rpcbench), after the make command that ran it. */
    if (getenv("RPCBENCH_COMMAND") != NULL) {
        char mk[512];
        size_t ml;

        snprintf(mk, sizeof(mk), "%s", getenv("RPCBENCH_COMMAND"));
        ml = strlen(mk);
        if (ml >= 14 && strcmp(mk + ml - 14, " BENCH_ARGS=''") == 0)
            mk[ml - 14] = '\0';        /* no arguments: plain "make bench" */
        off += (size_t)snprintf(cmdline, sizeof(cmdline), "%s, which runs: ", mk);
    }
    for (int i = 0; i < argc && off < sizeof(cmdline); i++)
        off += (size_t)snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s", i ? " " : "",
                                i == 0 ? "bench/rpcbench" : argv[i]);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--quick") == 0) {
            opt.quick = 1;
        } else if (strcmp(a, "--no-cost") == 0) {
            opt.cost = 0;
        } else if (strcmp(a, "--duration") == 0 && v) {
            opt.duration = atoi(v);
            dur_set = 1;
            i++;
        } else if (strcmp(a, "--idle") == 0 && v) {
            opt.idle = atoi(v);
            i++;
        } else if (strcmp(a, "--idle-peers") == 0 && v) {
            opt.idle_peers = atoi(v);
            i++;
        } else if (strcmp(a, "--results") == 0 && v) {
            opt.results = v;
            i++;
        } else if (strcmp(a, "--peers") == 0 && v) {
            opt.peers = v;
            i++;
        } else if (strcmp(a, "--server") == 0 && v) {
            opt.server = v;
            i++;
        } else if (strcmp(a, "--compare") == 0 && v) {
            opt.compare = v;
            i++;
        } else if (strcmp(a, "--only") == 0 && v) {
            snprintf(opt.only, sizeof(opt.only), "%s", v);
            i++;
        } else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (opt.quick && !dur_set)
        opt.duration = 10;
    if (opt.duration < 2 || opt.duration > 3600 || opt.idle < 0 || opt.idle > 1000000) {
        usage(stderr);
        return 2;
    }
    if (!opt.cost && opt.only[0] == '\0')
        snprintf(opt.only, sizeof(opt.only), "123456");

    loadavg(load_before, sizeof(load_before));
    t_start = bench_now_us();
    if ((report = open_memstream(&report_buf, &report_len)) == NULL)
        return 1;
    init_results();
    signal(SIGPIPE, SIG_IGN);

    /* As many descriptors as the hard limit allows; servers inherit it. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        /* This process holds the idle connections plus its own; each
         * server holds them plus its own. */
        if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)opt.idle + 512 > rl.rlim_cur) {
            int fit = rl.rlim_cur > 512 ? (int)(rl.rlim_cur - 512) : 0;

            note("RLIMIT_NOFILE hard limit %lu: %d idle connections instead of %d",
                 (unsigned long)rl.rlim_cur, fit, opt.idle);
            opt.idle = fit;
        }
    }

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rpcbench-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    setenv("RPCRT_LRPC_DIR", tmpdir, 1);
    atexit(stop_all);
    /* Bounded: quick about 2 min, full about 5; never past 9.5 min. */
    signal(SIGALRM, on_alarm);
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    signal(SIGHUP, on_stop);
    catch_crashes();
    alarm(opt.quick ? 300 : 570 + (opt.duration > 60 ? (unsigned)opt.duration - 60 : 0));

    out("rpcbench%s: %ld cores; load average before: %s\n", opt.quick ? " --quick" : "",
        sysconf(_SC_NPROCESSORS_ONLN), load_before);
    busy_procs(busy, sizeof(busy));
    busy0 = machine_busy_s();
    own0 = own_cpu_s();
    out("other processes using CPU in the second before the run (%% of one core): %s\n",
        busy);
    if (atof(load_before) > (double)sysconf(_SC_NPROCESSORS_ONLN) * 0.5)
        out("WARNING: the 1-minute load average (%.2f) is high for %ld cores: other work\n"
            "is running on this machine and every figure below is noisy (the rounds\n"
            "are interleaved, so ratios suffer less than absolute figures)\n",
            atof(load_before), sysconf(_SC_NPROCESSORS_ONLN));
    start_backends();
    for (int i = 0; i < nb; i++)
        if (be[i].ok && (be[i].conn1 = open_conn(&be[i], opt.quick ? 200 : 1000)) == NULL)
            be[i].ok = 0;

    if (want(1)) {
        w1_null_latency();
        w1_pinned();
    }
    if (want(2))
        w2_throughput();
    if (want(3))
        w3_echo();
    if (want(4)) {
        w4_cancel_delivery();
        w4_cancel_timeout();
    }
    if (want(5) && opt.idle > 0)
        w5_idle();
    if (want(6))
        w6_sustained();
    for (int i = 0; i < nb; i++)
        if (be[i].conn1 != NULL) {
            be[i].ops->close(be[i].conn1);
            be[i].conn1 = NULL;
        }
    /* The peers' servers go before the cost runs start their own. */
    for (int i = 0; i < nservers; i++)
        stop_server(&servers[i]);
    nservers = 0;
    if (want(7))
        w7_cost();

    loadavg(load_after, sizeof(load_after));
    t_run = (bench_now_us() - t_start) / 1e6;
    {
        /* Everything the machine did during the run that was not this
         * program or its servers: the noise the figures carry. */
        double other = machine_busy_s() - busy0 - (own_cpu_s() - own0);
        long cores = sysconf(_SC_NPROCESSORS_ONLN);

        if (busy0 < 0 || other < 0)
            other = 0;
        snprintf(others, sizeof(others),
                 "other processes used %.0f CPU-seconds during the run, %.0f%% of "
                 "the machine's %.0f", other, 100.0 * other / (t_run * (double)cores),
                 t_run * (double)cores);
    }
    out("%s\n", others);
    print_tables();
    out("\nload average after: %s; wall time %.0f s\n", load_after,
        (bench_now_us() - t_start) / 1e6);
    fflush(report);
    if (opt.results != NULL)
        write_results(cmdline, load_before, load_after, (bench_now_us() - t_start) / 1e6, others);
    fclose(report);
    free(report_buf);
    return 0;
}
