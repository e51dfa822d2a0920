/*
 * examples/rpctest-client.c -- a small client of the rpctest interface
 * through the public API: string binding -> binding handle -> calls.
 *
 *   rpctest-client BINDING echo SIZE [COUNT]
 *                                         Echo SIZE bytes, check them;
 *                                         COUNT times on one binding
 *   rpctest-client BINDING stats          print the server's counters
 *   rpctest-client BINDING sleep MS       Sleep on the server
 *   rpctest-client BINDING fault STATUS   ask for a fault, print the status
 *   rpctest-client BINDING selftest       RpcServerTestCancel's codes
 *
 * BINDING is a string binding such as ncacn_ip_tcp:127.0.0.1[40123] or
 * ncalrpc:[rpctest].  Exit status 0 on success, 1 on an RPC error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rpcrt/rpc.h>

#include "rpctest_client.h"

static int
fail(const char *what, RPC_STATUS st)
{
    unsigned char text[DCE_C_ERROR_STRING_LEN];

    DceErrorInqText(st, text);
    fprintf(stderr, "rpctest-client: %s: %ld (%s)\n", what, (long)st, text);
    return 1;
}

static int
usage(void)
{
    fprintf(stderr, "usage: rpctest-client BINDING echo SIZE [COUNT]|stats|sleep MS|"
                    "fault STATUS|selftest\n");
    return 2;
}

int
main(int argc, char **argv)
{
    RPC_BINDING_HANDLE h = NULL;
    RPC_STATUS st;
    int rc = 0;

    if (argc < 3)
        return usage();
    if ((st = RpcBindingFromStringBinding((RPC_CSTR)argv[1], &h)) != RPC_S_OK)
        return fail("RpcBindingFromStringBinding", st);

    if (strcmp(argv[2], "echo") == 0 && (argc == 4 || argc == 5)) {
        uint32_t n = (uint32_t)strtoul(argv[3], NULL, 0);
        unsigned long count = argc == 5 ? strtoul(argv[4], NULL, 0) : 1, k;
        uint8_t *in = malloc(n ? n : 1), *out = malloc(n ? n : 1);
        int32_t ret = -1;
        if (in == NULL || out == NULL)
            return fail("malloc", RPC_S_OUT_OF_MEMORY);
        for (uint32_t i = 0; i < n; i++)
            in[i] = (uint8_t)(i * 7 + 3);
        for (k = 0; k < count && rc == 0; k++) {
            memset(out, 0, n);
            if ((st = rpctest_echo(h, in, n, out, &ret)) != RPC_S_OK)
                rc = fail("Echo", st);
            else if (memcmp(in, out, n) != 0 || ret != 0)
                rc = fail("Echo returned other bytes", RPC_X_BAD_STUB_DATA);
        }
        if (rc == 0 && count == 1)
            printf("echo %u bytes ok\n", n);
        else if (rc == 0)
            printf("echo %u bytes ok, %lu calls\n", n, count);
        free(in);
        free(out);
    } else if (strcmp(argv[2], "stats") == 0) {
        rpctest_stats s;
        if ((st = rpctest_get_stats(h, &s)) != RPC_S_OK)
            rc = fail("GetStats", st);
        else
            printf("calls_started %u\ncalls_completed %u\ncancels_seen %u\n"
                   "sleeps_completed %u\norphans_seen %u\ncurrent_calls %u\n",
                   s.calls_started, s.calls_completed, s.cancels_seen,
                   s.sleeps_completed, s.orphans_seen, s.current_calls);
    } else if (strcmp(argv[2], "sleep") == 0 && argc == 4) {
        if ((st = rpctest_sleep(h, (uint32_t)strtoul(argv[3], NULL, 0), NULL)) != RPC_S_OK)
            rc = fail("Sleep", st);
    } else if (strcmp(argv[2], "fault") == 0 && argc == 4) {
        st = rpctest_fault(h, (uint32_t)strtoul(argv[3], NULL, 0));
        printf("fault status %ld\n", (long)st);
    } else if (strcmp(argv[2], "selftest") == 0) {
        int32_t c[3];
        if ((st = rpctest_self_test(h, c)) != RPC_S_OK)
            rc = fail("SelfTest", st);
        else
            printf("%d %d %d\n", c[0], c[1], c[2]);
    } else {
        rc = usage();
    }
    RpcBindingFree(&h);
    return rc;
}
