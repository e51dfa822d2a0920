/*
 * tests/fuzz/fuzz_conn.c -- fuzz target for the server's connection state
 * machine (libserver: srv_io's framing, srv_conn, srv_assoc, srv_call,
 * srv_cancel, the mgmt interface), fed arbitrary byte streams over a real
 * connection.
 *
 * Once per process an in-process server starts: librpcrt-server listening
 * on an ncalrpc endpoint in a fresh directory, serving the built-in mgmt
 * interface and an interface with rpctest's id (25b0ad95-... v1.0, so
 * that the test suite's captures in tests/vectors reach dispatch) whose
 * routines never block: opnum 0 echoes its request, 1 tests for cancel
 * and returns, 2 raises the status its request names, 3 answers with
 * nothing, 4 and above are beyond the table (nca_s_op_rng_error).
 *
 * Per input: connect, write the input (byte 0's low 7 bits choose the
 * chunking: 0 all at once, else chunks of that many bytes, so PDUs arrive
 * split at every offset), reading whatever the server answers meanwhile;
 * when byte 0's top bit is set, linger until the server has been quiet
 * for LINGER_QUIET_MS (so answers of calls get written, not only dropped
 * as orphaned); then shut down the write side and read until the server
 * closes.  Then wait
 * until the server's connection close handler (RpcrtServerSetConnection-
 * CloseHandler) has run for this connection: it runs only once the
 * connection is closed and every call it carried has returned, so no
 * input's state outlives it and nothing accumulates.  A connection that
 * does not close within FUZZ_CONN_DEADLINE_MS is a finding (a hang), as is
 * anything the sanitizers see in the server's threads.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "tests/fuzz/fuzz.h"

/* How long one input's connection may take to be torn down: generous,
 * for a loaded machine under sanitizers. */
#define FUZZ_CONN_DEADLINE_MS 20000
/* Lingering: quiet this long ends it, and it never lasts longer than
 * LINGER_MAX_MS. */
#define LINGER_QUIET_MS 5
#define LINGER_MAX_MS   200

/* ---- the interface ------------------------------------------------------ */

static void
op_echo(PRPC_MESSAGE m)
{
    const void *in = m->Buffer;
    unsigned int n = m->BufferLength;
    void *copy = NULL;
    RPC_STATUS st;

    /* I_RpcGetBuffer replaces Buffer; the request stays valid. */
    if (n > 0 && (copy = malloc(n)) == NULL)
        RpcRaiseException(RPC_S_OUT_OF_MEMORY);
    if (n > 0)
        memcpy(copy, in, n);
    m->BufferLength = n;
    if ((st = I_RpcGetBuffer(m)) != RPC_S_OK) {
        free(copy);
        RpcRaiseException(st);
    }
    if (n > 0)
        memcpy(m->Buffer, copy, n);
    free(copy);
}

static void
op_test_cancel(PRPC_MESSAGE m)
{
    (void)RpcServerTestCancel(NULL);
    (void)RpcrtServerTestOrphaned(m->Handle);
    m->BufferLength = 0;
    (void)I_RpcGetBuffer(m);
}

static void
op_raise(PRPC_MESSAGE m)
{
    const uint8_t *p = m->Buffer;
    RPC_STATUS st = RPC_S_ACCESS_DENIED;

    if (m->BufferLength >= 4)
        st = (RPC_STATUS)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                          (uint32_t)p[2] << 16 | (uint32_t)(p[3] & 0x7f) << 24);
    RpcRaiseException(st);
}

static void
op_empty(PRPC_MESSAGE m)
{
    m->BufferLength = 0;
    (void)I_RpcGetBuffer(m);
}

static RPC_DISPATCH_FUNCTION fuzz_table[] = {
    op_echo, op_test_cancel, op_raise, op_empty,
};

static RPC_DISPATCH_TABLE fuzz_dispatch = {
    sizeof(fuzz_table) / sizeof(fuzz_table[0]), fuzz_table, 0
};

static RPC_SERVER_INTERFACE fuzz_if = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x25b0ad95, 0x8a83, 0x4c70, {0xb4, 0x53, 0xe0, 0xc2, 0x02, 0xc9, 0xd6, 0x16}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    &fuzz_dispatch,
    0, NULL, NULL, NULL, 0,
};

/* ---- the server --------------------------------------------------------- */

static pthread_mutex_t closed_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t closed_cond = PTHREAD_COND_INITIALIZER;
static unsigned long n_closed;
static struct sockaddr_un srv_addr;
static char srv_dir[64];

static void
on_close(unsigned long long id, void *ctx)
{
    (void)id;
    (void)ctx;
    pthread_mutex_lock(&closed_lock);
    n_closed++;
    pthread_cond_broadcast(&closed_cond);
    pthread_mutex_unlock(&closed_lock);
}

static void
remove_dir(void)
{
    if (srv_addr.sun_path[0] != '\0')
        (void)RpcrtServerShutdown();
    if (srv_dir[0] != '\0')
        (void)rmdir(srv_dir);
}

static unsigned char ep_binding[] = "ncalrpc:[fuzz]";

static void
start_server(void)
{
    RPC_CSTR actual = NULL;
    const char *a, *b;

    signal(SIGPIPE, SIG_IGN);
    snprintf(srv_dir, sizeof(srv_dir), "/tmp/rpcrt-fuzz-conn.XXXXXX");
    if (mkdtemp(srv_dir) == NULL)
        fuzz_fail(__FILE__, __LINE__, "mkdtemp");
    if (setenv("RPCRT_LRPC_DIR", srv_dir, 1) != 0)
        fuzz_fail(__FILE__, __LINE__, "setenv");
    RpcrtServerSetConnectionCloseHandler(on_close, NULL);
    if (RpcServerRegisterIf2(&fuzz_if, NULL, NULL, 0, 16, (unsigned int)-1,
                             NULL) != RPC_S_OK ||
        RpcrtServerUseEndpoint(ep_binding, 16, &actual) != RPC_S_OK ||
        RpcServerListen(1, 16, 1) != RPC_S_OK)
        fuzz_fail(__FILE__, __LINE__, "cannot start the server");
    a = strchr((const char *)actual, '[');
    b = strrchr((const char *)actual, ']');
    if (a == NULL || b == NULL || b <= a)
        fuzz_fail(__FILE__, __LINE__, "no endpoint name");
    srv_addr.sun_family = AF_UNIX;
    snprintf(srv_addr.sun_path, sizeof(srv_addr.sun_path), "%s/%.*s", srv_dir,
             (int)(b - a - 1), a + 1);
    RpcStringFree(&actual);
    atexit(remove_dir);
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int
FUZZ_ENTRY(conn)(const uint8_t *data, size_t size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static unsigned long n_opened;
    double deadline;
    size_t off = 1, chunk;
    int fd, open_read = 1;

    pthread_once(&once, start_server);
    if (size == 0)
        return 0;
    chunk = (data[0] & 0x7f) == 0 ? size : (size_t)(data[0] & 0x7f);

    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        fuzz_fail(__FILE__, __LINE__, "socket");
    if (connect(fd, (struct sockaddr *)&srv_addr, sizeof(srv_addr)) != 0)
        fuzz_fail(__FILE__, __LINE__, "connect");
    n_opened++;
    deadline = now_ms() + FUZZ_CONN_DEADLINE_MS;

    /* Write, answering reads as they come (the server stops reading
     * while too much output waits). */
    while (off < size) {
        struct pollfd pfd = {fd, POLLIN | POLLOUT, 0};
        size_t n = size - off < chunk ? size - off : chunk;
        ssize_t w;

        if (now_ms() > deadline)
            fuzz_fail(__FILE__, __LINE__, "the server stopped reading");
        if (poll(&pfd, 1, 1000) <= 0)
            continue;
        if ((pfd.revents & POLLIN) && open_read)
            open_read = fuzz_drain(fd);
        if (!(pfd.revents & POLLOUT))
            continue;
        w = send(fd, data + off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (w < 0)
            break;              /* the server closed: fine */
        off += (size_t)w;
    }
    if ((data[0] & 0x80) && open_read) {
        double until = now_ms() + LINGER_MAX_MS;

        while (open_read && now_ms() < until) {
            struct pollfd pfd = {fd, POLLIN, 0};

            if (poll(&pfd, 1, LINGER_QUIET_MS) <= 0)
                break;
            open_read = fuzz_drain(fd);
        }
    }
    (void)shutdown(fd, SHUT_WR);
    /* Until the server closes: after our EOF it must. */
    while (open_read) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int left = (int)(deadline - now_ms());

        if (left <= 0)
            fuzz_fail(__FILE__, __LINE__, "the server did not close the connection");
        if (poll(&pfd, 1, left) > 0)
            open_read = fuzz_drain(fd);
    }
    close(fd);

    /* The connection and every call it carried are gone. */
    pthread_mutex_lock(&closed_lock);
    while (n_closed < n_opened) {
        struct timespec ts;
        double left = deadline - now_ms();

        if (left <= 0) {
            pthread_mutex_unlock(&closed_lock);
            fuzz_fail(__FILE__, __LINE__, "a connection's calls did not end");
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&closed_cond, &closed_lock, &ts);
    }
    pthread_mutex_unlock(&closed_lock);
    return 0;
}
