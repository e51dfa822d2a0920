/*
 * bench/tirpc_client.c -- the libtirpc peer's client side, a shared object
 * rpcbench dlopen()s (see bench.h): one CLIENT per connection, made with
 * clnttcp_create on a socket connected here (TCP_NODELAY, as ours and the
 * floor have), so rpcbind is never asked.  Null calls go to BENCH_NULL,
 * echoes to BENCH_ECHO, whose reply is decoded straight into the caller's
 * buffer (no allocation per call).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench.h"
#include "tirpc.h"

static void *
tirpc_connect(const char *addr, char *err, size_t errlen)
{
    struct sockaddr_in sin;
    char host[64];
    const char *colon = strrchr(addr, ':');
    CLIENT *c;
    int fd, one = 1;

    if (colon == NULL || (size_t)(colon - addr) >= sizeof(host)) {
        snprintf(err, errlen, "bad address %s", addr);
        return NULL;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        snprintf(err, errlen, "bad host %s", host);
        return NULL;
    }
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        snprintf(err, errlen, "%s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if ((c = clnttcp_create(&sin, BENCHPROG, BENCHVERS, &fd, 0, 0)) == NULL) {
        snprintf(err, errlen, "clnttcp_create: %s", clnt_spcreateerror(addr));
        close(fd);
        return NULL;
    }
    /* The CLIENT closes the socket when destroyed. */
    clnt_control(c, CLSET_FD_CLOSE, NULL);
    return c;
}

static int
tirpc_call(void *conn, const void *in, uint32_t n, void *out)
{
    CLIENT *c = conn;

    if (n == 0)
        return bench_null_1(NULL, NULL, c) == RPC_SUCCESS ? 0 : -1;
    bench_bytes arg = {n, (char *)(uintptr_t)in};
    bench_bytes res = {n, out};
    if (bench_echo_1(&arg, &res, c) != RPC_SUCCESS || res.bench_bytes_len != n)
        return -1;
    return 0;
}

static void
tirpc_close(void *conn)
{
    if (conn != NULL)
        clnt_destroy((CLIENT *)conn);
}

static const struct bench_peer tirpc_peer = {
    BENCH_PEER_ABI, "tirpc", tirpc_connect, tirpc_call, tirpc_close,
};

const struct bench_peer *bench_peer_get(void);

const struct bench_peer *
bench_peer_get(void)
{
    return &tirpc_peer;
}
