/*
 * libclient/clt_lrpc.c -- where ncalrpc sockets live.
 *
 * ncalrpc endpoints are Unix-domain stream sockets named after the
 * endpoint in one directory: $RPCRT_LRPC_DIR when set; /run/rpcrt for
 * root; else $XDG_RUNTIME_DIR/rpcrt, else /tmp/rpcrt-UID.  Endpoint names
 * are checked (proto_check_endpoint) so that no name leaves it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libclient/clt.h"

const char *
I_RpcrtLrpcDir(char *buf, size_t size)
{
    const char *env = getenv("RPCRT_LRPC_DIR");
    int n;

    if (env != NULL && *env != '\0')
        n = snprintf(buf, size, "%s", env);
    else if (geteuid() == 0)
        n = snprintf(buf, size, "/run/rpcrt");
    else if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && *env == '/')
        n = snprintf(buf, size, "%s/rpcrt", env);
    else
        n = snprintf(buf, size, "/tmp/rpcrt-%lu", (unsigned long)geteuid());
    if (n < 0 || (size_t)n >= size)
        return NULL;
    return buf;
}

int
I_RpcrtLrpcPath(const char *endpoint, char *buf, size_t size)
{
    char dir[256];
    int n;

    if (endpoint == NULL || *endpoint == '\0' ||
        proto_check_endpoint(RPC_PROTSEQ_NCALRPC, endpoint) != RPC_S_OK)
        return -1;
    if (I_RpcrtLrpcDir(dir, sizeof(dir)) == NULL)
        return -1;
    n = snprintf(buf, size, "%s/%s", dir, endpoint);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
