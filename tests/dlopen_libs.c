/*
 * tests/dlopen_libs.c -- loads librpcrt-client and librpcrt-server with
 * dlopen into a process that is not linked with them (as a language
 * binding would, Python's ctypes say) and calls into both.
 *
 *   dlopen_libs CLIENT_SO SERVER_SO
 *
 * The libraries' thread-local variables use the initial-exec model
 * (RPCRT_TLS): a library loaded after start takes them from glibc's
 * small reserve of static TLS, and fails to load if they outgrow it.
 * Exit 0 when both load and answer, 1 with a message otherwise.  Run by
 * check_rpc's test_libs_dlopen.
 */
#include <dlfcn.h>
#include <stdio.h>

#include <rpcrt/rpc.h>

typedef RPC_STATUS (RPC_ENTRY *status_fn)(RPC_BINDING_HANDLE);

int
main(int argc, char **argv)
{
    void *c, *s;
    status_fn test_cancel, is_listening;
    RPC_STATUS st;

    if (argc != 3) {
        fprintf(stderr, "usage: dlopen_libs CLIENT_SO SERVER_SO\n");
        return 2;
    }
    if ((c = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL)) == NULL ||
        (s = dlopen(argv[2], RTLD_NOW)) == NULL) {
        fprintf(stderr, "dlopen_libs: %s\n", dlerror());
        return 1;
    }
    /* Both read the calling thread's thread-local state. */
    *(void **)&test_cancel = dlsym(s, "RpcServerTestCancel");
    *(void **)&is_listening = dlsym(s, "RpcMgmtIsServerListening");
    if (test_cancel == NULL || is_listening == NULL) {
        fprintf(stderr, "dlopen_libs: %s\n", dlerror());
        return 1;
    }
    if ((st = test_cancel(NULL)) != RPC_S_NO_CALL_ACTIVE) {
        fprintf(stderr, "dlopen_libs: RpcServerTestCancel(NULL) = %ld\n", st);
        return 1;
    }
    if ((st = is_listening(NULL)) != RPC_S_NOT_LISTENING) {
        fprintf(stderr, "dlopen_libs: RpcMgmtIsServerListening(NULL) = %ld\n", st);
        return 1;
    }
    printf("dlopen_libs: both libraries loaded and answered\n");
    return 0;
}
