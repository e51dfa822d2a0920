/*
 * libserver/srv_worker.c -- the worker pool that runs manager routines.
 *
 * Threads start on demand, when a call is queued and no idle worker is
 * there to take it, up to the number of calls allowed at once (MaxCalls of
 * RpcServerListen for ordinary interfaces, each autolisten interface's own
 * MaxCalls); MinimumCallThreads of them are started by RpcServerListen and
 * stay; others end after RPCRT_OPT_WORKER_IDLE_TIMEOUT idle seconds.  A
 * call that would exceed the limit is refused right away (the I/O thread
 * answers nca_s_server_too_busy with PFC_DID_NOT_EXECUTE, C706 12.6.4.7),
 * so the run queue never holds more than the limit: no unbounded queue.
 * RPCRT_OPT_MAX_WORKER_THREADS, when set, caps the threads below that;
 * queued calls then wait for a worker.
 *
 * The event loop (srv_io.c) is not a thread of its own but a role the pool
 * threads take in turn (leader/followers): the thread running the loop
 * keeps the requests one pass of the loop completes for itself when an
 * idle thread is there to take the loop over, leaves the loop and runs
 * them -- so the thread that read a request runs it, with no hand-off in
 * between, and writes its answer (srv_call_complete).  Without an idle
 * thread the requests go to the run queue.  An idle thread a hand-off was
 * promised to (loop_claims) does not take its idle exit, so the loop
 * always finds a runner, also while every other thread blocks in a
 * routine.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "libserver/srv.h"

int
srv_thread_spawn(pthread_t *tid, void *(*fn)(void *), void *arg, int detached)
{
    pthread_attr_t attr;
    sigset_t all, old;
    int r;

    if ((r = pthread_attr_init(&attr)) != 0)
        return r;
    if (detached)
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The new thread inherits the mask: the runtime's threads take no
     * signals (the application's threads do), and a write to a socket the
     * peer closed gives EPIPE instead of a process-killing SIGPIPE. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(tid, &attr, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return r;
}

/* This thread runs the event loop now; the calls it took for itself in
 * this pass of the loop (the batch), in the order they came. */
static RPCRT_TLS int tls_loop_runner;
/* This thread stays on a connection and frames its requests (srv_io.c):
 * they join its batch, with no claim on an idle thread. */
static RPCRT_TLS int tls_stay;
static RPCRT_TLS struct srv_call *tls_batch, *tls_batch_tail;
/* The batch (srv.inline_seq) this thread runs inline, 0 when none. */
static RPCRT_TLS unsigned tls_inline_seq;

static int may_spawn_locked(void);
static void hand_on_locked(void);
static int spawn_locked(void);

/* Puts k at the end of the run queue, starting a thread for it when no
 * idle one is left (srv.lock held).  -1: no thread at all to run it. */
static int
enqueue_locked(struct srv_call *k)
{
    srv_call_append(&srv.q_head, &srv.q_tail, k);
    srv.q_len++;
    if (srv.nidle < srv.q_len + srv.loop_claims) {
        if (!may_spawn_locked()) {
            /* No thread for it, and none may start: a thread staying on
             * a connection comes back for it. */
            srv_io_stay_yield_locked();
            return 0;
        }
        if (spawn_locked() != 0 && srv.nworkers == 0)
            return -1;
    }
    return 0;
}

/* Gives the calls of a batch this thread will not run to the run queue
 * and wakes a thread for each (srv.lock held). */
static void
batch_to_queue_locked(struct srv_call *b)
{
    while (b != NULL) {
        struct srv_call *next = b->next;

        /* Counted as running already (srv_worker_submit).  The caller is
         * a pool thread, which takes them from the queue itself when no
         * other thread can be started. */
        (void)enqueue_locked(b);
        pthread_cond_signal(&srv.work);
        b = next;
    }
}

/* Threads that may stay idle: MinimumCallThreads while listening, plus
 * the one that runs the loop. */
static unsigned
min_threads_locked(void)
{
    return (srv.listening ? srv.min_threads : 0) + (srv.io_running ? 1u : 0u);
}

/* How often the watcher looks at a call its loop thread runs inline is
 * RPCRT_OPT_INLINE_GRACE_US (default 1 ms).  Each tick is a wake-up of the
 * watching thread, and while calls keep coming the watcher ticks whether
 * they are short or not: at a tick of 250 us that cost a null call 5 us of
 * its 46 (round trip on one connection, 2-core VM), at 1 ms about 1.  A
 * routine that blocks holds the connections unread for one to two ticks,
 * unless it tests for cancels: that hands the loop on at once
 * (srv_worker_hand_loop_on).  Once no call runs inline the watcher goes
 * on looking for WATCH_LINGER_US. */
#define WATCH_LINGER_US 50000u

/* Whether the machine has a CPU to spare, for lead_locked: the runnable
 * threads of the whole system (the fourth field of /proc/loadavg, "R/T"),
 * averaged over the last few samples, against the CPUs this process may
 * run on.  Sampled at most once a millisecond, and only when the answer
 * matters (a request is ready while others are pending), so it costs
 * nothing to an idle or lightly loaded server.  Without /proc the answer
 * is yes, which hands the loop on as soon as work is pending.  Called by
 * the thread that runs the loop only (one at a time; the role changes
 * hands under srv.lock). */
#define SPARE_SAMPLE_NS 1000000L

static int
spare_cpu(void)
{
    static long ncpu;                   /* 0 until the first sample */
    static struct timespec last;
    static double avg = -1;
    static int spare = 1;
    struct timespec now;
    char b[128];
    ssize_t n;
    long running, threads;
    double la[3];
    int fd;

    /* Rate-limited also when /proc cannot be read. */
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ncpu != 0 && (now.tv_sec - last.tv_sec) * 1000000000L +
                         (now.tv_nsec - last.tv_nsec) < SPARE_SAMPLE_NS)
        return spare;
    last = now;
    if (ncpu == 0) {
        cpu_set_t set;

        ncpu = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                            : sysconf(_SC_NPROCESSORS_ONLN);
        if (ncpu < 1)
            ncpu = 1;
    }
    if ((fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC)) < 0)
        return spare = 1;
    n = read(fd, b, sizeof(b) - 1);
    close(fd);
    if (n <= 0)
        return spare = 1;
    b[n] = '\0';
    if (sscanf(b, "%lf %lf %lf %ld/%ld", &la[0], &la[1], &la[2], &running,
               &threads) != 5)
        return spare = 1;
    /* This thread is one of the runnable ones. */
    avg = avg < 0 ? (double)running : 0.9 * avg + 0.1 * (double)running;
    spare = avg < (double)ncpu - 0.5;
    return spare;
}

/* Runs the event loop (srv.lock held on entry and on return, dropped
 * meanwhile).  Leader/followers: when a pass of the loop completes
 * requests and an idle thread is there to take the loop over, the loop
 * thread keeps them for itself (srv_worker_submit), leaves the loop and
 * runs them: no thread hand-off between reading a request and running its
 * routine.
 *
 * The loop is handed on lazily.  When the pass completed one request, the
 * thread runs it "inline" and goes back into the loop itself afterwards;
 * an idle thread watching (the watcher, worker_main) takes the loop over
 * only if the same call is still running after one to two ticks, so a
 * short call costs no wake-up of another thread, and a long or blocking
 * one leaves the connections unread for half a millisecond at most.  When
 * the pass completed several, they are served in parallel -- the loop
 * handed on at once and the others queued for idle threads -- if the
 * machine has a CPU to spare for that (spare_cpu); otherwise they run here
 * one after another, like a single-threaded server's, with the watcher as
 * the guard against a long call (the ones not begun when it takes the
 * loop over go to the run queue).  A pass reads every request that is
 * ready, so a busy server makes one epoll_wait per batch of calls, not one
 * per call. */
static void
lead_locked(void)
{
    srv.loop_free = 0;
    for (;;) {
        struct srv_call *k, *rest;
        struct srv_conn *stay_c;
        struct srv_stay stay;
        unsigned seq = 0;
        int wake = 0, lazy;

        pthread_mutex_unlock(&srv.lock);
        tls_loop_runner = 1;
        srv_io_loop();
        tls_loop_runner = 0;
        k = tls_batch;
        tls_batch = tls_batch_tail = NULL;
        rest = k != NULL ? k->next : NULL;
        /* Other requests ready too: hand the loop on and the other calls
         * to idle threads, so that they are served in parallel, if a CPU
         * is there to run those threads; on a busy machine the hand-off
         * would only cost a wake-up and a thread switch per call, and the
         * calls run here one after another. */
        lazy = k != NULL && (rest == NULL || !spare_cpu());
        pthread_mutex_lock(&srv.lock);
        if (srv.loop_exit) {
            if (k != NULL) {
                srv.loop_claims--;
                batch_to_queue_locked(k);
            }
            srv.loop_stopped = 1;
            pthread_cond_broadcast(&srv.cond);
            return;
        }
        if (k == NULL)
            continue;       /* no request in this pass: the loop again */
        if (lazy) {
            /* The claim stays until the batch ends or the watcher takes
             * the loop over: an idle thread stays reserved for it.  The
             * calls not begun wait where the watcher finds them. */
            srv.inline_busy = 1;
            srv.inline_rest = rest;
            if (++srv.inline_seq == 0)
                srv.inline_seq = 1;
            seq = srv.inline_seq;
            tls_inline_seq = seq;
            if (!srv.watcher && !srv.watch_wanted) {
                /* The first inline call after a quiet spell: wake an idle
                 * thread to watch (it keeps watching while calls come). */
                srv.watch_wanted = 1;
                wake = 1;
            }
        } else {
            /* Queued while the claim still counts, so that a thread is
             * started for them when the idle ones are too few. */
            batch_to_queue_locked(rest);
            srv.loop_claims--;
            srv.loop_free = 1;
            wake = srv.nidle > 0;
        }
        pthread_mutex_unlock(&srv.lock);
        if (wake)
            pthread_cond_signal(&srv.work);
        /* A batch run here: this thread may stay on the connection of its
         * last call afterwards (below), the one whose client it answered
         * last.  Not only after a request read alone: clients calling in
         * step send their requests together, the loop reads them in
         * batches, and with stays begun only after requests read alone
         * the 16 connections of 16 such clients went over to their
         * threads one by one in 300 ms or more instead of about 16 passes
         * of the loop (calls/s with 16 client threads, six alternated
         * runs of 4 x 0.5 s each, medians 58k -> 70k and 66k -> 72k; 1
         * and 4 threads unchanged).  The connection outlives the call:
         * only the loop, which nobody runs meanwhile, closes it. */
        stay_c = lazy ? k->conn : NULL;
        for (;;) {
            if (srv_call_run(k))
                srv_call_complete(k);
            pthread_mutex_lock(&srv.lock);
            /* The next of the batch, unless the watcher took the loop
             * over meanwhile (and the rest with it). */
            if (!lazy || !srv.inline_busy || srv.inline_seq != seq ||
                (k = srv.inline_rest) == NULL)
                break;
            srv.inline_rest = k->next;
            stay_c = k->conn;
            pthread_mutex_unlock(&srv.lock);
        }
        tls_inline_seq = 0;
        if (lazy && srv.inline_busy && srv.inline_seq == seq) {
            /* Nobody took the loop over: back into it, or on to the
             * connection's next request (srv_io.c, staying) with the loop
             * handed to the idle thread the claim reserved.  Not while
             * calls wait for a thread, nor with the pool at its limit
             * (RPCRT_OPT_MAX_WORKER_THREADS): a staying thread serves one
             * connection only.  A watcher must be there or be startable:
             * it ends stays whose calls run long. */
            if (stay_c != NULL && srv.q_len == 0 && may_spawn_locked() &&
                srv_io_stay_eligible_locked(stay_c) &&
                (srv.watcher || srv.nidle > srv.q_len + srv.loop_claims ||
                 spawn_locked() == 0) &&
                srv_io_stay_begin_locked(stay_c, &stay) == 0) {
                int watch = !srv.watcher && !srv.watch_wanted;

                if (watch)
                    srv.watch_wanted = 1;
                hand_on_locked();
                pthread_mutex_unlock(&srv.lock);
                pthread_cond_signal(&srv.work);
                if (watch)
                    pthread_cond_signal(&srv.work);
                srv_io_stay(&stay);
                pthread_mutex_lock(&srv.lock);
                return;
            }
            srv.inline_busy = 0;
            srv.loop_claims--;
            continue;
        }
        return;
    }
}

/* The thread running a batch inline lets the loop go (srv.lock held):
 * the calls of the batch not begun go to the run queue (while the claim
 * still counts, so that threads are started for them when the idle ones
 * are too few) and the loop, with the claim's idle thread, to whoever
 * takes it next. */
static void
hand_on_locked(void)
{
    batch_to_queue_locked(srv.inline_rest);
    srv.inline_rest = NULL;
    srv.inline_busy = 0;
    srv.loop_claims--;
    srv.loop_free = 1;
}

/* A routine running inline that tests for cancels is a long one (it waits
 * for something, and the co_cancel it waits for needs the loop): the loop
 * goes on to the idle thread the claim reserved now, not at the watcher's
 * next tick.  Nothing when this thread runs no batch inline. */
void
srv_worker_hand_loop_on(void)
{
    if (tls_inline_seq == 0)
        return;
    pthread_mutex_lock(&srv.lock);
    if (srv.inline_busy && srv.inline_seq == tls_inline_seq) {
        hand_on_locked();
        pthread_cond_signal(&srv.work);
    }
    tls_inline_seq = 0;
    pthread_mutex_unlock(&srv.lock);
}

/* The watcher's tick (srv.lock held): 1 when it took the loop over. */
static int
watch_tick_locked(unsigned *seen, unsigned *quiet)
{
    struct timespec t;

    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += srv.opt.inline_grace_us / 1000000u;
    t.tv_nsec += (long)(srv.opt.inline_grace_us % 1000000u) * 1000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    (void)pthread_cond_timedwait(&srv.work, &srv.lock, &t);
    /* Stayed connections whose calls run long go back to the loop. */
    srv_io_stay_watch_locked();
    if (srv.inline_busy && srv.inline_seq == *seen) {
        /* The same batch for a whole tick: the loop is ours, with the
         * claim its thread held. */
        hand_on_locked();
        return 1;
    }
    if (srv.inline_busy || srv.nstays > 0) {
        *seen = srv.inline_busy ? srv.inline_seq : 0;
        *quiet = 0;
    } else {
        *seen = 0;
        (*quiet)++;
    }
    return 0;
}

static void *
worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&srv.lock);
    for (;;) {
        struct srv_call *k;

        if (srv.loop_free) {
            lead_locked();
            continue;
        }
        if (srv.q_head == NULL && !srv.workers_exit) {
            struct timespec until;
            int r = 0;

            int watching = 0;
            unsigned seen = 0, quiet = 0;

            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += srv.opt.worker_idle;
            srv.nidle++;
            while (srv.q_head == NULL && !srv.workers_exit && !srv.loop_free &&
                   r != ETIMEDOUT) {
                if (!watching && !srv.watcher &&
                    (srv.inline_busy || srv.watch_wanted || srv.nstays > 0)) {
                    /* Calls run inline: somebody has to watch them. */
                    srv.watcher = 1;
                    srv.watch_wanted = 0;
                    watching = 1;
                    seen = srv.inline_seq;
                    quiet = 0;
                }
                if (watching) {
                    if (watch_tick_locked(&seen, &quiet))
                        break;
                    if (quiet > WATCH_LINGER_US / srv.opt.inline_grace_us) {
                        srv.watcher = 0;
                        watching = 0;
                    }
                    continue;
                }
                r = pthread_cond_timedwait(&srv.work, &srv.lock, &until);
            }
            srv.nidle--;
            if (watching)
                srv.watcher = 0;
            if (!srv.watcher &&
                (srv.inline_busy || srv.watch_wanted || srv.nstays > 0)) {
                /* This thread leaves with a call running inline and nobody
                 * watching it (or a wake-up meant for a watcher taken):
                 * another idle thread -- there is one, the claim reserves
                 * it -- watches from now on. */
                srv.watch_wanted = 1;
                pthread_cond_signal(&srv.work);
                /* Threads staying on connections reserve no idle thread:
                 * one is started to watch them if none is left. */
                if (srv.nidle == 0 && srv.nstays > 0 && may_spawn_locked())
                    (void)spawn_locked();
            }
            if (srv.loop_free)
                continue;
            if (srv.q_head == NULL && !srv.workers_exit) {
                /* Idle too long; but not a thread a hand-off of the loop
                 * was promised to. */
                if (srv.nworkers > min_threads_locked() &&
                    srv.nidle >= srv.loop_claims)
                    break;
                continue;
            }
        }
        if (srv.q_head == NULL)
            break;                  /* workers_exit */
        k = srv.q_head;
        srv.q_head = k->next;
        if (srv.q_head == NULL)
            srv.q_tail = NULL;
        srv.q_len--;
        pthread_mutex_unlock(&srv.lock);

        /* An asynchronous call still outstanding is completed later by
         * whichever thread ends it (srv_async.c). */
        if (srv_call_run(k))
            srv_call_complete(k);
        pthread_mutex_lock(&srv.lock);
    }
    srv.nworkers--;
    /* Joined by the next spawn or by srv_worker_stop_all, so that a
     * shutdown returns with every pool thread gone (nothing of theirs
     * left behind at exit). */
    {
        struct srv_exited *e = malloc(sizeof(*e));

        if (e != NULL) {
            e->tid = pthread_self();
            e->next = srv.exited;
            srv.exited = e;
        } else {
            pthread_detach(pthread_self());
        }
    }
    pthread_cond_broadcast(&srv.work);
    pthread_mutex_unlock(&srv.lock);
    return NULL;
}

/* Joins the threads that have left worker_main (srv.lock held: they
 * released it before returning and never take it again). */
static void
join_exited_locked(void)
{
    while (srv.exited != NULL) {
        struct srv_exited *e = srv.exited;

        srv.exited = e->next;
        pthread_join(e->tid, NULL);
        free(e);
    }
}

/* RPCRT_OPT_MAX_WORKER_THREADS bounds the threads that run calls; the
 * one running the event loop comes on top. */
static int
may_spawn_locked(void)
{
    return srv.opt.max_workers == 0 ||
           srv.nworkers < srv.opt.max_workers + (srv.io_running ? 1u : 0u);
}

static int
spawn_locked(void)
{
    pthread_t tid;

    join_exited_locked();
    if (srv_thread_spawn(&tid, worker_main, NULL, 0) != 0)
        return -1;
    srv.nworkers++;
    return 0;
}

int
srv_worker_loop_start_locked(void)
{
    srv.loop_free = 1;
    if (srv.nidle > srv.q_len + srv.loop_claims) {
        pthread_cond_signal(&srv.work);
        return 0;
    }
    if (spawn_locked() != 0) {
        srv.loop_free = 0;
        return -1;
    }
    return 0;
}

/* A call is counted in srv.running, and in srv.listen_calls (the
 * MaxCalls of RpcServerListen) or its autolisten interface's active count
 * (that interface's MaxCalls), and its interface's active count, from
 * srv_worker_submit to its end (srv_worker_call_ended).  Both sides count
 * with atomics, without srv.lock: a staying thread's call then takes the
 * lock at neither end (two lock round trips a call, some 110
 * instructions, and the lock's cache line shared by every thread).
 *
 * Counting in and a stop of listening meet as in Dekker's algorithm: a
 * call counts itself in, then looks whether listening is stopping;
 * RpcMgmtStopServerListening sets stopping, then looks whether calls are
 * counted (srv_listen_update_locked).  One of the two sees the other, so
 * either the call backs out or listening ends only after it.  Counting
 * out and the threads that wait for counts to fall (RpcServerUnregisterIf
 * with WaitForCallsToComplete, RpcrtServerShutdown) meet the same way
 * through srv.call_end_waiters, and the broadcast is made under the
 * lock, which a waiter holds from its look to its wait.  All of it is
 * sequentially consistent (plain operations on the atomics). */

/* Counts a call of i out; the lock is taken only when a stop or a
 * waiter needs to hear of it. */
static void
discharge(struct srv_if *i)
{
    srv.running--;
    if (!(i->flags & RPC_IF_AUTOLISTEN))
        srv.listen_calls--;
    i->active--;
    if (srv.stopping || srv.call_end_waiters > 0) {
        pthread_mutex_lock(&srv.lock);
        srv_listen_update_locked();
        if (srv.call_end_waiters > 0)
            pthread_cond_broadcast(&srv.cond);
        pthread_mutex_unlock(&srv.lock);
    }
}

/* Counts a call of i in if the server takes it now: RPC_S_OK, or why not
 * (nothing counted). */
static RPC_STATUS
admit(struct srv_if *i)
{
    int autolisten = (i->flags & RPC_IF_AUTOLISTEN) != 0;
    unsigned before;

    if (!autolisten && (!srv.listening || srv.stopping))
        return RPC_S_NOT_LISTENING;
    srv.running++;
    /* Windows: an autolisten interface's MaxCalls bounds its calls, the
     * MaxCalls of RpcServerListen bounds the others together. */
    if (autolisten) {
        before = i->active++;
        if (before >= i->max_calls) {
            discharge(i);
            return RPC_S_SERVER_TOO_BUSY;
        }
        return RPC_S_OK;
    }
    before = srv.listen_calls++;
    i->active++;
    if (srv.stopping || !srv.listening) {
        discharge(i);
        return RPC_S_NOT_LISTENING;
    }
    if (before >= srv.max_calls) {
        discharge(i);
        return RPC_S_SERVER_TOO_BUSY;
    }
    return RPC_S_OK;
}

RPC_STATUS
srv_worker_submit(struct srv_call *k)
{
    struct srv_if *i = k->iface;
    RPC_STATUS st;
    int wake, batch;

    if ((st = admit(i)) != RPC_S_OK)
        return st;
    if (tls_stay) {
        /* A staying thread runs its connection's calls itself. */
        srv_call_append(&tls_batch, &tls_batch_tail, k);
        return RPC_S_OK;
    }
    pthread_mutex_lock(&srv.lock);
    /* The loop thread runs the calls of a pass itself when an idle thread
     * is there to take the loop over (lead_locked): the first claims that
     * thread, the others join the batch. */
    batch = tls_loop_runner &&
            (tls_batch != NULL || srv.nidle > srv.q_len + srv.loop_claims);
    if (batch) {
        if (tls_batch == NULL)
            srv.loop_claims++;
        srv_call_append(&tls_batch, &tls_batch_tail, k);
    } else if (enqueue_locked(k) != 0) {
        /* No thread at all to run it. */
        srv.q_head = srv.q_tail = NULL;
        srv.q_len = 0;
        pthread_mutex_unlock(&srv.lock);
        discharge(i);
        srv_log(RPCRT_LOG_ERR, "cannot start a worker thread");
        return RPC_S_OUT_OF_THREADS;
    }
    wake = !batch && srv.nidle > 0;
    pthread_mutex_unlock(&srv.lock);
    /* Signalled after the unlock, so that the worker it wakes does not
     * block again at once on the mutex this thread still holds. */
    if (wake)
        pthread_cond_signal(&srv.work);
    return RPC_S_OK;
}

void
srv_worker_stay_collect(int on)
{
    tls_stay = on;
}

struct srv_call *
srv_worker_stay_take(void)
{
    struct srv_call *b = tls_batch;

    tls_batch = tls_batch_tail = NULL;
    return b;
}

void
srv_worker_call_ended(struct srv_call *k)
{
    discharge(k->iface);
}

void
srv_worker_prestart_locked(void)
{
    while (srv.nworkers < srv.min_threads + (srv.io_running ? 1u : 0u) &&
           may_spawn_locked() &&
           spawn_locked() == 0)
        ;
}

void
srv_worker_stop_all(void)
{
    pthread_mutex_lock(&srv.lock);
    srv.workers_exit = 1;
    pthread_cond_broadcast(&srv.work);
    while (srv.nworkers > 0)
        pthread_cond_wait(&srv.work, &srv.lock);
    join_exited_locked();
    srv.workers_exit = 0;
    pthread_mutex_unlock(&srv.lock);
}
