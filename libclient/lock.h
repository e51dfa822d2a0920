/*
 * libclient/lock.h -- the mutex of the short critical sections on a
 * call's path, for both libraries: the handle registry's shards, a
 * binding's, an association's and a calling thread's state, a server
 * connection's write lock.
 *
 * One compare-and-swap to take it and one exchange to give it back when
 * nobody waits; a short spin, then a futex, when somebody holds it
 * (0 free, 1 held, 2 held and perhaps waited for: the classic
 * three-state futex mutex).  glibc's pthread_mutex_lock and unlock,
 * which check the mutex's type and keep its owner and user count, were
 * about 50 instructions a pair, and a null call took 7 pairs on the
 * client and 4 on the server here (RESULTS.md, step 35).
 *
 * Not recursive, no owner, no error checking, and not for condition
 * variables: srv.lock, which is waited on, stays a pthread mutex.
 * ThreadSanitizer sees the acquire and release of the atomics.
 */
#ifndef RPCRT_LIBCLIENT_LOCK_H
#define RPCRT_LIBCLIENT_LOCK_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
    atomic_int v;
} rpcrt_mutex;

#define RPCRT_MUTEX_INITIALIZER {0}

/* Tries before sleeping: a holder on another CPU is usually out within
 * them (the critical sections are tens of instructions). */
#define RPCRT_MUTEX_SPINS 64

static inline void
rpcrt_mutex_init(rpcrt_mutex *m)
{
    atomic_init(&m->v, 0);
}

static inline void
rpcrt_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

__attribute__((noinline, cold)) static void
rpcrt_mutex_wait(rpcrt_mutex *m)
{
    int c;

    for (int i = 0; i < RPCRT_MUTEX_SPINS; i++) {
        rpcrt_cpu_relax();
        c = 0;
        if (atomic_load_explicit(&m->v, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&m->v, &c, 1,
                                                  memory_order_acquire,
                                                  memory_order_relaxed))
            return;
    }
    /* Marked as waited for from here on: whoever unlocks wakes one. */
    while (atomic_exchange_explicit(&m->v, 2, memory_order_acquire) != 0)
        (void)syscall(SYS_futex, &m->v, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
}

__attribute__((noinline, cold)) static void
rpcrt_mutex_wake(rpcrt_mutex *m)
{
    (void)syscall(SYS_futex, &m->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static inline void
rpcrt_mutex_lock(rpcrt_mutex *m)
{
    int c = 0;

    if (!atomic_compare_exchange_strong_explicit(&m->v, &c, 1,
                                                 memory_order_acquire,
                                                 memory_order_relaxed))
        rpcrt_mutex_wait(m);
}

static inline void
rpcrt_mutex_unlock(rpcrt_mutex *m)
{
    if (atomic_exchange_explicit(&m->v, 0, memory_order_release) == 2)
        rpcrt_mutex_wake(m);
}

#endif
