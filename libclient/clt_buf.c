/*
 * libclient/clt_buf.c -- a small process-wide cache of large message
 * buffers, for both libraries (I_RpcrtBufAlloc / I_RpcrtBufFree).
 *
 * A 1 MiB call allocates a 1 MiB request buffer and a 1 MiB reply buffer
 * on each side and frees them before the next call.  Blocks that size come
 * from mmap, or from the top of a heap that glibc gives back to the
 * kernel on free (a thread arena's heap is trimmed with madvise), so every
 * call faulted in fresh pages: about 740 minor faults per 1 MiB Echo on
 * each side, most of its time.  Freed large buffers are kept here instead
 * (a few, bounded in bytes) and handed out again for the next buffer that
 * fits.  They are ordinary malloc blocks: one freed with free() instead of
 * coming back here is no error, it just misses the cache.  Small buffers
 * are plain malloc/free.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "libclient/clt.h"

/* Buffers from BUF_MIN to BUF_MAX bytes are cached, BUF_SLOTS of them and
 * BUF_TOTAL bytes at most; a request takes a cached one at most twice its
 * size. */
#define BUF_MIN   ((size_t)64 * 1024)
#define BUF_MAX   ((size_t)8 * 1024 * 1024)
#define BUF_TOTAL ((size_t)16 * 1024 * 1024)
#define BUF_SLOTS 6

static pthread_mutex_t buf_lock = PTHREAD_MUTEX_INITIALIZER;
static void *buf_p[BUF_SLOTS];
static size_t buf_size[BUF_SLOTS];
static size_t buf_total;

RPCRT_INTERNAL void *
I_RpcrtBufAlloc(size_t n)
{
    void *p = NULL;

    if (n == 0)
        n = 1;
    if (n >= BUF_MIN / 2 && n <= BUF_MAX) {
        int best = -1;

        pthread_mutex_lock(&buf_lock);
        for (int i = 0; i < BUF_SLOTS; i++)
            if (buf_p[i] != NULL && buf_size[i] >= n && buf_size[i] / 2 <= n &&
                (best < 0 || buf_size[i] < buf_size[best]))
                best = i;
        if (best >= 0) {
            p = buf_p[best];
            buf_p[best] = NULL;
            buf_total -= buf_size[best];
        }
        pthread_mutex_unlock(&buf_lock);
        if (p != NULL)
            return p;
    }
    return malloc(n);
}

RPCRT_INTERNAL void
I_RpcrtBufFree(void *p)
{
    void *evict = NULL;
    size_t size;
    int slot = -1;

    if (p == NULL)
        return;
    size = malloc_usable_size(p);
    if (size < BUF_MIN || size > BUF_MAX) {
        free(p);
        return;
    }
    pthread_mutex_lock(&buf_lock);
    for (int i = 0; i < BUF_SLOTS; i++) {
        if (buf_p[i] == NULL) {
            slot = i;
            break;
        }
        if (slot < 0 || buf_size[i] < buf_size[slot])
            slot = i;               /* else evict the smallest */
    }
    if (buf_p[slot] != NULL) {
        if (buf_size[slot] >= size) {
            slot = -1;              /* all bigger than this one: keep them */
        } else {
            evict = buf_p[slot];
            buf_total -= buf_size[slot];
            buf_p[slot] = NULL;
        }
    }
    if (slot >= 0 && buf_total + size <= BUF_TOTAL) {
        buf_p[slot] = p;
        buf_size[slot] = size;
        buf_total += size;
        p = NULL;
    }
    pthread_mutex_unlock(&buf_lock);
    free(evict);
    free(p);
}
