/*
 * libclient/handle.c -- the process-wide registry of live handles.
 *
 * An open-addressing hash set of pointers under one mutex.  Lookups are
 * short (a hash and a probe or two) and happen once per API call, not per
 * byte; the lock is never held while calling out.
 */
#include <pthread.h>
#include <stdlib.h>

#include "libclient/handle.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rpc_handle **slots;     /* NULL: empty; TOMB: deleted */
static size_t nslots, nused, nlive;
static struct rpc_handle tomb_obj;
#define TOMB (&tomb_obj)

static size_t
hash_ptr(const void *p)
{
    uintptr_t x = (uintptr_t)p;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

/* Index of p, or of the slot to insert it (first tomb or empty). */
static size_t
probe(const void *p, int *found)
{
    size_t mask = nslots - 1, i = hash_ptr(p) & mask, ins = SIZE_MAX;

    for (;;) {
        struct rpc_handle *s = slots[i];
        if (s == NULL) {
            *found = 0;
            return ins != SIZE_MAX ? ins : i;
        }
        if (s == TOMB) {
            if (ins == SIZE_MAX)
                ins = i;
        } else if ((const void *)s == p) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static int
grow(void)
{
    size_t old = nslots, n = nslots ? nslots * 2 : 64;
    struct rpc_handle **os = slots, **ns;

    /* Rehash at the same size when tombs, not live entries, fill it. */
    if (nlive * 4 < old)
        n = old;
    if ((ns = calloc(n, sizeof(*ns))) == NULL)
        return -1;
    slots = ns;
    nslots = n;
    nused = nlive;
    for (size_t i = 0; i < old; i++) {
        if (os[i] != NULL && os[i] != TOMB) {
            int found;
            slots[probe(os[i], &found)] = os[i];
        }
    }
    free(os);
    return 0;
}

RPC_STATUS
I_RpcrtHandleInit(struct rpc_handle *h, uint32_t kind,
                  const struct rpc_handle_ops *ops)
{
    int found;
    size_t i;

    h->kind = kind;
    h->ops = ops;
    atomic_init(&h->refs, 1);
    pthread_mutex_lock(&reg_lock);
    if ((nused + 1) * 4 > nslots * 3 && grow() != 0) {
        pthread_mutex_unlock(&reg_lock);
        return RPC_S_OUT_OF_MEMORY;
    }
    i = probe(h, &found);
    if (!found) {
        if (slots[i] == NULL)
            nused++;
        slots[i] = h;
        nlive++;
    }
    pthread_mutex_unlock(&reg_lock);
    return RPC_S_OK;
}

void
I_RpcrtHandleRetire(struct rpc_handle *h)
{
    int found;
    size_t i;

    pthread_mutex_lock(&reg_lock);
    if (nslots > 0) {
        i = probe(h, &found);
        if (found) {
            slots[i] = TOMB;
            nlive--;
        }
    }
    pthread_mutex_unlock(&reg_lock);
    I_RpcrtHandlePut(h);
}

struct rpc_handle *
I_RpcrtHandleGet(const void *p, uint32_t kind)
{
    struct rpc_handle *h = NULL;
    int found;
    size_t i;

    if (p == NULL)
        return NULL;
    pthread_mutex_lock(&reg_lock);
    if (nslots > 0) {
        i = probe(p, &found);
        if (found && (kind == RPC_HANDLE_ANY || slots[i]->kind == kind)) {
            h = slots[i];
            atomic_fetch_add(&h->refs, 1);
        }
    }
    pthread_mutex_unlock(&reg_lock);
    return h;
}

void
I_RpcrtHandleRef(struct rpc_handle *h)
{
    atomic_fetch_add(&h->refs, 1);
}

void
I_RpcrtHandlePut(struct rpc_handle *h)
{
    if (h != NULL && atomic_fetch_sub(&h->refs, 1) == 1 && h->ops->destroy != NULL)
        h->ops->destroy(h);
}
