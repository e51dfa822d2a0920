/*
 * libclient/clt_buf.c -- a small per-thread cache of large message
 * buffers.
 *
 * A 1 MiB call allocates a 1 MiB request buffer (I_RpcGetBuffer) and a
 * 1 MiB reply buffer and frees both before the next call.  Blocks that
 * size come from mmap or from the top of the heap, which glibc gives back
 * to the kernel on free, so every call faulted in fresh pages: about 740
 * minor faults per 1 MiB Echo, most of its time.  Freed large buffers are
 * kept here instead, two per thread, and handed out again for the next
 * request or reply that fits; they are ordinary malloc blocks, so a buffer
 * a caller frees with free() instead of I_RpcFreeBuffer is no error, it
 * just misses the cache.  The cache goes when its thread ends.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "libclient/clt.h"

/* Buffers from CLT_BUF_MIN to CLT_BUF_MAX bytes are cached; a request
 * takes a cached one at most twice its size. */
#define CLT_BUF_MIN   ((size_t)64 * 1024)
#define CLT_BUF_MAX   ((size_t)8 * 1024 * 1024)
#define CLT_BUF_SLOTS 2

struct buf_cache {
    void *p[CLT_BUF_SLOTS];
    size_t size[CLT_BUF_SLOTS];
};

static _Thread_local struct buf_cache *tls_cache;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void
cache_gone(void *arg)
{
    struct buf_cache *bc = arg;

    for (int i = 0; i < CLT_BUF_SLOTS; i++)
        free(bc->p[i]);
    free(bc);
}

static void
cache_key_make(void)
{
    cache_key_ok = pthread_key_create(&cache_key, cache_gone) == 0;
}

static struct buf_cache *
cache_get(void)
{
    struct buf_cache *bc = tls_cache;

    if (bc != NULL)
        return bc;
    pthread_once(&cache_once, cache_key_make);
    if (!cache_key_ok || (bc = calloc(1, sizeof(*bc))) == NULL)
        return NULL;
    if (pthread_setspecific(cache_key, bc) != 0) {
        free(bc);
        return NULL;
    }
    tls_cache = bc;
    return bc;
}

void *
clt_buf_alloc(size_t n)
{
    struct buf_cache *bc;

    if (n == 0)
        n = 1;
    if (n >= CLT_BUF_MIN / 2 && n <= CLT_BUF_MAX && (bc = tls_cache) != NULL) {
        int best = -1;

        for (int i = 0; i < CLT_BUF_SLOTS; i++)
            if (bc->p[i] != NULL && bc->size[i] >= n && bc->size[i] / 2 <= n &&
                (best < 0 || bc->size[i] < bc->size[best]))
                best = i;
        if (best >= 0) {
            void *p = bc->p[best];

            bc->p[best] = NULL;
            return p;
        }
    }
    return malloc(n);
}

void
clt_buf_free(void *p)
{
    struct buf_cache *bc;
    size_t size;
    int slot = -1;

    if (p == NULL)
        return;
    size = malloc_usable_size(p);
    if (size < CLT_BUF_MIN || size > CLT_BUF_MAX || (bc = cache_get()) == NULL) {
        free(p);
        return;
    }
    for (int i = 0; i < CLT_BUF_SLOTS; i++) {
        if (bc->p[i] == NULL) {
            slot = i;
            break;
        }
        if (slot < 0 || bc->size[i] < bc->size[slot])
            slot = i;               /* evict the smallest */
    }
    if (bc->p[slot] != NULL) {
        if (bc->size[slot] >= size) {
            free(p);
            return;
        }
        free(bc->p[slot]);
    }
    bc->p[slot] = p;
    bc->size[slot] = size;
}
