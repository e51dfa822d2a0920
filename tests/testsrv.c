/* tests/testsrv.c -- see testsrv.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "tests/testsrv.h"

double
tu_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static const char *
server_path(void)
{
    static char buf[4096];
    const char *b = getenv("top_builddir");

    snprintf(buf, sizeof(buf), "%s/examples/rpctest-server", b ? b : ".");
    return buf;
}

void
testsrv_start(struct testsrv *s, const char *const *extra)
{
    const char *argv[32];
    int argc = 0;
    char line[512], buf[512];
    double deadline;

    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/rpcrt-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s->dir));
    setenv("RPCRT_LRPC_DIR", s->dir, 1);

    argv[argc++] = server_path();
    argv[argc++] = "--listen";
    argv[argc++] = "ncacn_ip_tcp:127.0.0.1[0]";
    argv[argc++] = "--listen";
    argv[argc++] = "ncalrpc:[rpctest]";
    for (int i = 0; extra != NULL && extra[i] != NULL && argc < 30; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    /* The server's stdout goes to a file, not a pipe: a pipe we stop
     * reading would kill it with SIGPIPE at its next line. */
    snprintf(line, sizeof(line), "%s/stdout", s->dir);
    int out = open(line, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_int_ge(out, 0);
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        dup2(out, 1);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out);
    deadline = tu_now_ms() + 30000;
    while ((s->tcp[0] == '\0' || s->lrpc[0] == '\0') && tu_now_ms() < deadline) {
        FILE *f = fopen(line, "r");
        if (f != NULL) {
            while (fgets(buf, sizeof(buf), f) != NULL) {
                buf[strcspn(buf, "\n")] = '\0';
                if (strncmp(buf, "listening ncacn_ip_tcp:", 23) == 0)
                    snprintf(s->tcp, sizeof(s->tcp), "%s", buf + 10);
                else if (strncmp(buf, "listening ncalrpc:", 18) == 0)
                    snprintf(s->lrpc, sizeof(s->lrpc), "%s", buf + 10);
            }
            fclose(f);
        }
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            break;
        }
        usleep(20000);
    }
    ck_assert_msg(s->tcp[0] != '\0' && s->lrpc[0] != '\0',
                  "rpctest-server did not print its listening lines");
}

int
testsrv_stop(struct testsrv *s)
{
    int status = -1;
    double deadline = tu_now_ms() + 10000;
    char cmd[128];

    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        while (waitpid(s->pid, &status, WNOHANG) == 0) {
            if (tu_now_ms() > deadline) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &status, 0);
                break;
            }
            usleep(10000);
        }
        s->pid = 0;
    }
    if (s->dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
    return status;
}

void
testsrv_kill(struct testsrv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}
