/*
 * tests/testsrv.h -- start and stop a real rpctest-server for a test.
 *
 * The server runs in its own process (examples/rpctest-server of the
 * build tree), listens on 127.0.0.1 port 0 and on an ncalrpc endpoint in
 * a fresh temporary socket directory (RPCRT_LRPC_DIR, also set in this
 * process so that clients find it), and prints `listening BINDING` lines
 * that give the real addresses.
 */
#ifndef RPCRT_TESTSRV_H
#define RPCRT_TESTSRV_H

#include <sys/types.h>

struct testsrv {
    pid_t pid;
    char tcp[128];       /* "ncacn_ip_tcp:127.0.0.1[PORT]" */
    char lrpc[128];      /* "ncalrpc:[NAME]" */
    char dir[64];        /* the socket directory */
};

/* Starts the server with extra arguments (NULL-terminated, may be NULL).
 * Fails the test on error. */
void testsrv_start(struct testsrv *s, const char *const *extra);
/* SIGTERM, wait (SIGKILL after 10 s); removes the socket directory.
 * Returns the exit status as waitpid gives it. */
int testsrv_stop(struct testsrv *s);
/* SIGKILL now, reap. */
void testsrv_kill(struct testsrv *s);
/* Milliseconds on CLOCK_MONOTONIC. */
double tu_now_ms(void);

#endif
