/*
 * bench/rpcbench-server.c -- the rpctest server the benchmark measures:
 * examples/rpctest.c's manager routines behind a main like
 * rpctest-server's (same defaults: 1 minimum worker thread, MaxCalls
 * RPC_C_LISTEN_MAX_CALLS_DEFAULT), plus --max-connections, which
 * rpctest-server lacks and the 10,000-idle-connection workload needs (the
 * runtime's default limit is 4096), and --option, which sets any
 * RpcrtServerSetOption option by its number (rpcrt_ext.h), so that a
 * wrapper script can give `rpcbench --compare` the same server with one
 * setting changed (e.g. --option 9=10000: a 10 ms inline grace).
 *
 *   rpcbench-server [--listen BINDING]... [--max-connections N]
 *                   [--option NUMBER=VALUE]...
 *
 * Prints "listening BINDING" per endpoint, serves until SIGTERM/SIGINT,
 * then stops listening, shuts the runtime down and exits 0 (so that an
 * LD_PRELOAD'ed counter or strace -c sees a normal exit).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "examples/rpctest.h"

int
main(int argc, char **argv)
{
    const char *listen[8];
    unsigned nlisten = 0;
    unsigned long opt_id[8], opt_val[8];
    unsigned nopt = 0;
    unsigned long max_conns = 0;
    sigset_t sigs;
    RPC_STATUS st;
    int sig, rc = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc && nlisten < 8) {
            listen[nlisten++] = argv[++i];
        } else if (strcmp(argv[i], "--max-connections") == 0 && i + 1 < argc) {
            max_conns = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--option") == 0 && i + 1 < argc && nopt < 8 &&
                   sscanf(argv[i + 1], "%lu=%lu", &opt_id[nopt], &opt_val[nopt]) == 2) {
            nopt++;
            i++;
        } else {
            fprintf(stderr, "usage: rpcbench-server [--listen BINDING]... "
                            "[--max-connections N] [--option NUMBER=VALUE]...\n");
            return 2;
        }
    }
    if (nlisten == 0)
        listen[nlisten++] = "ncacn_ip_tcp:127.0.0.1[0]";

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (max_conns > 0 &&
        (st = RpcrtServerSetOption(RPCRT_OPT_MAX_CONNECTIONS, max_conns)) != RPC_S_OK) {
        fprintf(stderr, "rpcbench-server: max connections %lu: %ld\n", max_conns, (long)st);
        return 1;
    }
    for (unsigned i = 0; i < nopt; i++) {
        if ((st = RpcrtServerSetOption((unsigned)opt_id[i], opt_val[i])) != RPC_S_OK) {
            fprintf(stderr, "rpcbench-server: option %lu=%lu: %ld\n", opt_id[i],
                    opt_val[i], (long)st);
            return 1;
        }
    }
    if ((st = rpctest_register()) != RPC_S_OK) {
        fprintf(stderr, "rpcbench-server: register: %ld\n", (long)st);
        return 1;
    }
    for (unsigned i = 0; i < nlisten; i++) {
        RPC_CSTR actual = NULL;

        if ((st = RpcrtServerUseEndpoint((RPC_CSTR)(uintptr_t)listen[i],
                                         RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
                                         &actual)) != RPC_S_OK) {
            fprintf(stderr, "rpcbench-server: %s: %ld\n", listen[i], (long)st);
            goto out;
        }
        printf("listening %s\n", (char *)actual);
        RpcStringFree(&actual);
    }
    if ((st = RpcServerListen(1, RPC_C_LISTEN_MAX_CALLS_DEFAULT, 1)) != RPC_S_OK) {
        fprintf(stderr, "rpcbench-server: RpcServerListen: %ld\n", (long)st);
        goto out;
    }
    fflush(stdout);
    do {
        if (sigwait(&sigs, &sig) != 0)
            sig = SIGTERM;
    } while (sig != SIGINT && sig != SIGTERM);
    if (RpcMgmtStopServerListening(NULL) == RPC_S_OK)
        RpcMgmtWaitServerListen();
    rc = 0;
out:
    RpcrtServerShutdown();
    return rc;
}
