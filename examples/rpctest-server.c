/*
 * examples/rpctest-server.c -- the standalone rpctest server (see
 * rpctest-server(1)).
 *
 * Listens on the endpoints given with --listen (default: 127.0.0.1 on a
 * dynamic TCP port and a generated ncalrpc endpoint), prints one line
 * "listening BINDING" per endpoint with the real port or name, serves the
 * rpctest interface until SIGINT or SIGTERM, then stops listening, lets
 * the calls in progress finish, tears the runtime down and exits 0.
 *
 * Signals: SIGINT and SIGTERM are blocked before any thread exists (so
 * every thread inherits the mask) and the main thread waits for them with
 * sigwait(): no handler runs in an arbitrary thread, and the stop itself
 * is an ordinary call.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "examples/rpctest.h"

#define MAX_LISTEN 16

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: rpctest-server [--listen BINDING]... [--max-calls N]\n"
        "                      [--min-threads N] [--max-threads N]\n"
        "                      [--max-request BYTES]\n"
        "                      [--option NAME=VALUE]...\n"
        "                      [--allow-remote-stop] [--verbose]\n"
        "\n"
        "  --listen BINDING     endpoint to serve, e.g. ncacn_ip_tcp:127.0.0.1[0]\n"
        "                       or ncalrpc:[name] (repeatable; default: both,\n"
        "                       with a dynamic port and a generated name)\n"
        "  --max-calls N        calls served at once (default %u)\n"
        "  --min-threads N      worker threads kept (default 1)\n"
        "  --max-threads N      most worker threads (default: no limit but\n"
        "                       --max-calls; asynchronous calls hold none)\n"
        "  --max-request BYTES  largest request accepted (default 64 MiB)\n"
        "  --option NAME=VALUE  a runtime limit (RpcrtServerSetOption): NAME is\n"
        "                       max-connections, bind-timeout, idle-timeout,\n"
        "                       max-calls-per-connection, max-worker-threads,\n"
        "                       inline-grace-us or conn-stay-us\n"
        "  --allow-remote-stop  let mgmt stop_server_listening stop the server\n"
        "  --verbose            runtime messages on stderr\n"
        "  --help               this text\n",
        (unsigned)RPC_C_LISTEN_MAX_CALLS_DEFAULT);
}

static void
log_stderr(int level, const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "rpctest-server: <%d> %s\n", level, msg);
}

static int
parse_uint(const char *s, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v == 0 || v > 100000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* --option NAME=VALUE. */
static int
set_option(const char *arg)
{
    static const struct {
        const char *name;
        unsigned int opt;
    } names[] = {
        {"max-connections", RPCRT_OPT_MAX_CONNECTIONS},
        {"bind-timeout", RPCRT_OPT_BIND_TIMEOUT},
        {"idle-timeout", RPCRT_OPT_IDLE_TIMEOUT},
        {"max-calls-per-connection", RPCRT_OPT_MAX_CALLS_PER_CONNECTION},
        {"max-worker-threads", RPCRT_OPT_MAX_WORKER_THREADS},
        {"inline-grace-us", RPCRT_OPT_INLINE_GRACE_US},
        {"conn-stay-us", RPCRT_OPT_CONN_STAY_US},
    };
    const char *eq = strchr(arg, '=');
    char *end;
    unsigned long v;

    if (eq == NULL)
        return -1;
    errno = 0;
    v = strtoul(eq + 1, &end, 10);
    if (errno != 0 || eq[1] == '\0' || *end != '\0')
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == (size_t)(eq - arg) &&
            strncmp(arg, names[i].name, (size_t)(eq - arg)) == 0)
            return RpcrtServerSetOption(names[i].opt, v) == RPC_S_OK ? 0 : -1;
    return -1;
}

static void
fail(const char *what, RPC_STATUS st)
{
    unsigned char text[DCE_C_ERROR_STRING_LEN];

    DceErrorInqText(st, text);
    fprintf(stderr, "rpctest-server: %s: %s (%ld)\n", what, (char *)text, (long)st);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"max-calls", required_argument, NULL, 'm'},
        {"min-threads", required_argument, NULL, 't'},
        {"max-threads", required_argument, NULL, 'w'},
        {"max-request", required_argument, NULL, 'r'},
        {"allow-remote-stop", no_argument, NULL, 'a'},
        {"option", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *listen[MAX_LISTEN];
    unsigned nlisten = 0, max_calls = RPC_C_LISTEN_MAX_CALLS_DEFAULT, min_threads = 1;
    sigset_t sigs;
    RPC_STATUS st;
    int ch, sig, rc = 1;

    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'l':
            if (nlisten == MAX_LISTEN) {
                fprintf(stderr, "rpctest-server: at most %d --listen\n", MAX_LISTEN);
                return 2;
            }
            listen[nlisten++] = optarg;
            break;
        case 'm':
            if (parse_uint(optarg, &max_calls) != 0) {
                fprintf(stderr, "rpctest-server: bad --max-calls: %s\n", optarg);
                return 2;
            }
            break;
        case 't':
            if (parse_uint(optarg, &min_threads) != 0) {
                fprintf(stderr, "rpctest-server: bad --min-threads: %s\n", optarg);
                return 2;
            }
            break;
        case 'w': {
            unsigned n;

            if (parse_uint(optarg, &n) != 0 || n == 0 ||
                RpcrtServerSetOption(RPCRT_OPT_MAX_WORKER_THREADS, n) != RPC_S_OK) {
                fprintf(stderr, "rpctest-server: bad --max-threads: %s\n", optarg);
                return 2;
            }
            break;
        }
        case 'r':
            errno = 0;
            if (RpcrtServerSetOption(RPCRT_OPT_MAX_REQUEST_SIZE,
                                     strtoul(optarg, NULL, 10)) != RPC_S_OK) {
                fprintf(stderr, "rpctest-server: bad --max-request: %s\n", optarg);
                return 2;
            }
            break;
        case 'a':
            RpcrtServerSetOption(RPCRT_OPT_ALLOW_REMOTE_STOP, 1);
            break;
        case 'o':
            if (set_option(optarg) != 0) {
                fprintf(stderr, "rpctest-server: bad --option: %s\n", optarg);
                return 2;
            }
            break;
        case 'v':
            RpcrtSetLogHandler(log_stderr, NULL, RPCRT_LOG_DEBUG);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (min_threads > max_calls)
        min_threads = max_calls;
    if (nlisten == 0) {
        listen[nlisten++] = "ncacn_ip_tcp:127.0.0.1[0]";
        listen[nlisten++] = "ncalrpc:";
    }

    /* Before the runtime starts a thread. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if ((st = rpctest_register()) != RPC_S_OK) {
        fail("RpcServerRegisterIf2", st);
        return 1;
    }
    for (unsigned i = 0; i < nlisten; i++) {
        RPC_CSTR actual = NULL;

        if ((st = RpcrtServerUseEndpoint((RPC_CSTR)(uintptr_t)listen[i],
                                         RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
                                         &actual)) != RPC_S_OK) {
            fprintf(stderr, "rpctest-server: %s: ", listen[i]);
            fail("cannot listen", st);
            goto out;
        }
        printf("listening %s\n", (char *)actual);
        RpcStringFree(&actual);
    }
    if ((st = RpcServerListen(min_threads, max_calls, 1)) != RPC_S_OK) {
        fail("RpcServerListen", st);
        goto out;
    }
    fflush(stdout);

    do {
        if (sigwait(&sigs, &sig) != 0)
            sig = 0;
    } while (sig != SIGINT && sig != SIGTERM);

    if ((st = RpcMgmtStopServerListening(NULL)) == RPC_S_OK) {
        /* Outstanding asynchronous calls (opnums 7, 8) would keep the
         * wait going until their timeouts: abort them. */
        rpctest_fini();
        RpcMgmtWaitServerListen();
    }
    rc = 0;
out:
    RpcrtServerShutdown();
    rpctest_fini();
    return rc;
}
