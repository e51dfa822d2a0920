/*
 * daemon/reaper.c -- tells rpcd when a process that registered entries
 * in the endpoint map has exited, so that its entries go too (a server
 * killed with SIGKILL never calls RpcEpUnregister; Windows' rpcss drops
 * the entries of a process whose local connection goes, the DCE rpcd
 * pings the servers).
 *
 * Each watched process has a pidfd (pidfd_open(2), Linux 5.3): it polls
 * readable once the process has exited, with no race against pid reuse
 * from then on.  The pid itself comes from SO_PEERCRED at the
 * registering connection's connect(); a pid that is already gone when
 * the watch starts is reported at once.  Where pidfd_open is missing
 * (ENOSYS) the thread falls back to kill(pid, 0) every REAPER_POLL_MS.
 * One thread, blocked signals, woken through an eventfd.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "daemon/rpcd.h"

/* Processes watched at once; the endpoint map holds at most 4096
 * elements (EPM_DB_DEFAULT_MAX), so this many owners at most. */
#define REAPER_MAX      4096u
#define REAPER_POLL_MS  2000

struct watch {
    pid_t pid;
    int fd;                          /* pidfd, or -1: poll with kill() */
};

static struct {
    pthread_mutex_t mu;
    pthread_t tid;
    int running;
    int stop;
    int wake;                        /* eventfd */
    struct watch *v;
    size_t n, cap;
    reaper_fn gone;
    void *ctx;
    int warned;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .wake = -1 };

static int
pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

static void
wake(void)
{
    uint64_t one = 1;

    if (R.wake >= 0 && write(R.wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_warn("reaper: eventfd");
}

/* Removes watch i (R.mu held); its fd is closed. */
static void
drop_locked(size_t i)
{
    if (R.v[i].fd >= 0)
        close(R.v[i].fd);
    R.v[i] = R.v[--R.n];
}

static void *
reaper_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd *pf;
        pid_t *dead;
        size_t n, ndead = 0;
        int timeout = -1, r;

        pthread_mutex_lock(&R.mu);
        if (R.stop) {
            pthread_mutex_unlock(&R.mu);
            break;
        }
        n = R.n;
        pf = calloc(n + 1, sizeof(*pf));
        dead = calloc(n + 1, sizeof(*dead));
        if (pf == NULL || dead == NULL) {
            pthread_mutex_unlock(&R.mu);
            free(pf);
            free(dead);
            log_warnx("reaper: out of memory");
            sleep(1);
            continue;
        }
        pf[0].fd = R.wake;
        pf[0].events = POLLIN;
        for (size_t i = 0; i < n; i++) {
            pf[i + 1].fd = R.v[i].fd;        /* -1: ignored by poll */
            pf[i + 1].events = POLLIN;
            if (R.v[i].fd < 0)
                timeout = REAPER_POLL_MS;
        }
        pthread_mutex_unlock(&R.mu);

        r = poll(pf, n + 1, timeout);
        if (r < 0 && errno != EINTR)
            log_warn("reaper: poll");
        if (pf[0].revents & POLLIN) {
            uint64_t v;
            if (read(R.wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
                log_warn("reaper: eventfd");
        }

        pthread_mutex_lock(&R.mu);
        /* The list may have grown meanwhile (appended at the end, and
         * removed only here), so indexes < n still name what was
         * polled. */
        for (size_t i = n; i-- > 0;) {
            int gone;

            if (R.v[i].fd >= 0)
                gone = (pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
            else
                gone = kill(R.v[i].pid, 0) != 0 && errno == ESRCH;
            if (gone) {
                dead[ndead++] = R.v[i].pid;
                drop_locked(i);
            }
        }
        pthread_mutex_unlock(&R.mu);
        for (size_t i = 0; i < ndead; i++)
            R.gone(dead[i], R.ctx);
        free(pf);
        free(dead);
    }
    return NULL;
}

int
reaper_start(reaper_fn gone, void *ctx)
{
    sigset_t all, old;
    int r;

    R.gone = gone;
    R.ctx = ctx;
    R.stop = 0;
    if ((R.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        log_warn("reaper: eventfd");
        return -1;
    }
    /* The thread takes no signal: the main thread waits for them. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(&R.tid, NULL, reaper_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        errno = r;
        log_warn("reaper: pthread_create");
        close(R.wake);
        R.wake = -1;
        return -1;
    }
    R.running = 1;
    return 0;
}

void
reaper_watch(pid_t pid)
{
    int fd;

    if (pid <= 0 || pid == getpid())
        return;
    pthread_mutex_lock(&R.mu);
    if (!R.running) {
        pthread_mutex_unlock(&R.mu);
        return;
    }
    for (size_t i = 0; i < R.n; i++) {
        if (R.v[i].pid == pid) {
            pthread_mutex_unlock(&R.mu);
            return;
        }
    }
    if (R.n == REAPER_MAX) {
        if (!R.warned)
            log_warnx("reaper: more than %u processes registered; the "
                      "entries of some will outlive them", REAPER_MAX);
        R.warned = 1;
        pthread_mutex_unlock(&R.mu);
        return;
    }
    if (R.n == R.cap) {
        size_t cap = R.cap ? R.cap * 2 : 16;
        struct watch *v = realloc(R.v, cap * sizeof(*v));

        if (v == NULL) {
            pthread_mutex_unlock(&R.mu);
            log_warnx("reaper: out of memory; not watching pid %ld", (long)pid);
            return;
        }
        R.v = v;
        R.cap = cap;
    }
    /* ESRCH: already gone; ENOSYS (an old kernel): kill() polling.  Both
     * are found out by the thread's kill() check. */
    fd = pidfd_open_(pid);
    R.v[R.n].pid = pid;
    R.v[R.n].fd = fd;
    R.n++;
    pthread_mutex_unlock(&R.mu);
    log_debug("watching pid %ld%s", (long)pid, fd < 0 ? " (polling)" : "");
    wake();
}

void
reaper_stop(void)
{
    pthread_mutex_lock(&R.mu);
    if (!R.running) {
        pthread_mutex_unlock(&R.mu);
        return;
    }
    R.stop = 1;
    pthread_mutex_unlock(&R.mu);
    wake();
    pthread_join(R.tid, NULL);
    pthread_mutex_lock(&R.mu);
    while (R.n > 0)
        drop_locked(R.n - 1);
    free(R.v);
    R.v = NULL;
    R.cap = 0;
    R.running = 0;
    close(R.wake);
    R.wake = -1;
    pthread_mutex_unlock(&R.mu);
}
