/*
 * bench/tirpc_server.c -- the libtirpc peer's server: the rpcgen -M
 * dispatcher (tirpc_svc.c, generated with -m: no main) behind a main that
 * listens on 127.0.0.1 on a dynamic TCP port without rpcbind (svc_register
 * with protocol 0 registers nothing with the portmapper), prints
 * "listening 127.0.0.1:PORT" and runs svc_run(): libtirpc's server loop,
 * one thread polling every connection, which is how a libtirpc server runs
 * (libtirpc has no multi-threaded server mode).  SIGTERM ends it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tirpc.h"

void benchprog_1(struct svc_req *rqstp, SVCXPRT *transp);

bool_t
bench_null_1_svc(void *argp, void *result, struct svc_req *rqstp)
{
    (void)argp;
    (void)result;
    (void)rqstp;
    return TRUE;
}

/* The reply points into the argument: the dispatcher sends the reply
 * before it frees the arguments, so nothing is copied or allocated here. */
bool_t
bench_echo_1_svc(bench_bytes *argp, bench_bytes *result, struct svc_req *rqstp)
{
    (void)rqstp;
    *result = *argp;
    return TRUE;
}

int
benchprog_1_freeresult(SVCXPRT *transp, xdrproc_t xdr_result, caddr_t result)
{
    (void)transp;
    (void)xdr_result;
    (void)result;
    return 1;           /* the argument's buffer, freed by svc_freeargs */
}

int
main(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    SVCXPRT *xprt;
    int fd, one = 1;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* TCP_NODELAY on the listener: Linux passes it to accepted sockets. */
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        listen(fd, 4096) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
        perror("tirpc-server: listen");
        return 1;
    }
    if ((xprt = svctcp_create(fd, 0, 0)) == NULL) {
        fprintf(stderr, "tirpc-server: svctcp_create failed\n");
        return 1;
    }
    if (!svc_register(xprt, BENCHPROG, BENCHVERS, benchprog_1, 0)) {
        fprintf(stderr, "tirpc-server: svc_register failed\n");
        return 1;
    }
    printf("listening 127.0.0.1:%u\n", (unsigned)ntohs(sin.sin_port));
    fflush(stdout);
    svc_run();
    return 1;
}
