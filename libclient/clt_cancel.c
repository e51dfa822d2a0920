/*
 * libclient/clt_cancel.c -- RpcCancelThread, RpcCancelThreadEx and
 * RpcMgmtSetCancelTimeout.
 *
 * POSIX mapping: the Windows thread HANDLE becomes a pointer to a
 * pthread_t.  A cancel records itself in the target thread's state and
 * wakes it; the target's call writes the co_cancel PDU (clt_call.c) --
 * unless the target waits in its blocking recv for the reply, which sees
 * no wake-up: then the cancelling thread writes it (clt_thread.c).
 */
#include <string.h>
#include <sys/uio.h>
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "libclient/clt.h"

/* Whether *t names a live thread of this process, without trusting it:
 * glibc's pthread_t points to the thread's descriptor, which may be gone
 * or garbage.  The descriptor is first read with process_vm_readv (which
 * fails instead of faulting); then the kernel thread id encoded in the
 * thread's CPU clock id must be non-zero (the kernel clears it when the
 * thread exits) and present in /proc/self/task. */
static int
thread_alive(pthread_t t)
{
    char probe[1024], path[64];
    struct iovec local = {probe, sizeof(probe)}, remote = {(void *)t, sizeof(probe)};
    clockid_t cid;
    long tid;

    if (pthread_equal(t, pthread_self()))
        return 1;
    if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)sizeof(probe))
        return 0;
    if (pthread_getcpuclockid(t, &cid) != 0)
        return 0;
    /* Linux: a thread CPU clock id is (~tid << 3) | 6 (CPUCLOCK_PERTHREAD
     * | CPUCLOCK_SCHED). */
    if ((cid & 7) != 6)
        return 0;
    tid = ~((long)cid >> 3);
    if (tid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/self/task/%ld", tid);
    return access(path, F_OK) == 0;
}

static RPC_STATUS
cancel_thread(void *Thread, long timeout)
{
    pthread_t t;
    int found;

    if (Thread == NULL)
        return RPC_S_INVALID_ARG;
    memcpy(&t, Thread, sizeof(t));
    clt_thread_post_cancel(t, timeout, &found);
    /* Threads that entered the runtime are known to be alive while they
     * have state (removed when they end); others are checked. */
    if (!found && !thread_alive(t))
        return RPC_S_INVALID_ARG;
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcCancelThread(void *Thread)
{
    return cancel_thread(Thread, CLT_KEEP_TIMEOUT);
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcCancelThreadEx(void *Thread, long Timeout)
{
    if (Timeout < RPC_C_CANCEL_INFINITE_TIMEOUT)
        return RPC_S_INVALID_TIMEOUT;
    return cancel_thread(Thread, Timeout);
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcMgmtSetCancelTimeout(long Seconds)
{
    struct clt_thread *ts;

    if (Seconds < RPC_C_CANCEL_INFINITE_TIMEOUT)
        return RPC_S_INVALID_TIMEOUT;
    if ((ts = clt_thread_self()) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    rpcrt_mutex_lock(&ts->lock);
    ts->cancel_timeout = Seconds;
    rpcrt_mutex_unlock(&ts->lock);
    return RPC_S_OK;
}
