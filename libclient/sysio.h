/*
 * libclient/sysio.h -- the socket system calls on a call's path, for both
 * libraries, made as plain system calls.
 *
 * glibc's recv, send, sendmsg, recvmsg and poll are cancellation points:
 * in a process with more than one thread each of them turns asynchronous
 * cancellation on before its system call and off after it, some 70
 * instructions a call (callgrind: a server's recv and sendmsg of a null
 * call were 59 and 52 instructions with their wrappers, about 20 each
 * through syscall(2)).  The runtime's own threads are never cancelled
 * with pthread_cancel, and a caller's thread cancelled in the middle of
 * a call would lose the call's state and locks with it: the runtime's
 * I/O is not meant to be a cancellation point (RPC cancellation is
 * RpcCancelThread's).
 *
 * Under AddressSanitizer and ThreadSanitizer they stay the libc
 * functions, which the sanitizers intercept: ASan checks the buffers,
 * and TSan sees a message sent and received through a socket as a
 * release and an acquire, which in-process tests rely on.
 */
#ifndef RPCRT_LIBCLIENT_SYSIO_H
#define RPCRT_LIBCLIENT_SYSIO_H

#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RPCRT_SYSIO_LIBC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RPCRT_SYSIO_LIBC 1
#endif
#endif

/* Messages of this many bytes or fewer in several pieces (a header and a
 * small stub) are copied together and sent with send rather than
 * gathered by sendmsg, which copies a msghdr and an iovec array in from
 * user space besides the bytes: for a null call's request, with both
 * sides pinned to one CPU, the client's copy took 0.47 us off the round
 * trip (13.39 -> 12.93 us, five alternated pairs).  rpcrt_sendv, below. */
#define RPCRT_GATHER_MAX 256

#ifdef RPCRT_SYSIO_LIBC

static inline ssize_t
rpcrt_recv(int fd, void *buf, size_t len, int flags)
{
    return recv(fd, buf, len, flags);
}

static inline ssize_t
rpcrt_recvmsg(int fd, struct msghdr *mh, int flags)
{
    return recvmsg(fd, mh, flags);
}

static inline ssize_t
rpcrt_send(int fd, const void *buf, size_t len, int flags)
{
    return send(fd, buf, len, flags);
}

static inline ssize_t
rpcrt_sendmsg(int fd, const struct msghdr *mh, int flags)
{
    return sendmsg(fd, mh, flags);
}

static inline int
rpcrt_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
    return poll(pfd, n, timeout_ms);
}

#else

static inline ssize_t
rpcrt_recv(int fd, void *buf, size_t len, int flags)
{
    return (ssize_t)syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

static inline ssize_t
rpcrt_recvmsg(int fd, struct msghdr *mh, int flags)
{
    return (ssize_t)syscall(SYS_recvmsg, fd, mh, flags);
}

static inline ssize_t
rpcrt_send(int fd, const void *buf, size_t len, int flags)
{
    return (ssize_t)syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
}

static inline ssize_t
rpcrt_sendmsg(int fd, const struct msghdr *mh, int flags)
{
    return (ssize_t)syscall(SYS_sendmsg, fd, mh, flags);
}

static inline int
rpcrt_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
#ifdef SYS_poll
    return (int)syscall(SYS_poll, pfd, n, timeout_ms);
#else
    /* No poll system call here (aarch64 has ppoll only). */
    return poll(pfd, n, timeout_ms);
#endif
}

#endif

/* Sends the n pieces of iov (n >= 1) in order: with send when there is
 * one, or when they come to RPCRT_GATHER_MAX bytes or fewer in all
 * (copied together first), else with sendmsg.  What the system call
 * returns: a short count is a prefix of the pieces' bytes. */
static inline ssize_t
rpcrt_sendv(int fd, struct iovec *iov, size_t n, int flags)
{
    uint8_t buf[RPCRT_GATHER_MAX];
    struct msghdr mh;
    size_t total = 0, i;

    if (n == 1)
        return rpcrt_send(fd, iov[0].iov_base, iov[0].iov_len, flags);
    for (i = 0; i < n && total <= sizeof(buf); i++)
        total += iov[i].iov_len;
    if (total <= sizeof(buf)) {
        size_t at = 0;

        for (i = 0; i < n; i++) {
            memcpy(buf + at, iov[i].iov_base, iov[i].iov_len);
            at += iov[i].iov_len;
        }
        return rpcrt_send(fd, buf, total, flags);
    }
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = iov;
    mh.msg_iovlen = n;
    return rpcrt_sendmsg(fd, &mh, flags);
}

#endif
