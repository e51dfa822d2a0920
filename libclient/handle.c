/*
 * libclient/handle.c -- the process-wide registry of live handles.
 *
 * Open-addressing hash sets of pointers, in shards of their own mutex each:
 * a handle's shard is picked by the top bits of its pointer's hash, its
 * slot by the low bits.  Lookups are short (a hash and a probe or two) and
 * happen a few times per call on each side (a binding handle is looked up
 * on the client, a call handle registered, looked up and retired on the
 * server), so with one lock for all, threads making calls at once queued
 * on it: a server's 16 threads each took it four times a call.  Threads
 * on different handles now mostly take different locks.  The lock is
 * never held while calling out.
 *
 * A thread may pin one handle (a server call while its routine runs, a
 * client call's binding from I_RpcGetBuffer to I_RpcSendReceive):
 * lookups of it on that thread skip the registry -- a routine's
 * I_RpcGetBuffer, RpcServerTestCancel and the like on its own call,
 * two or three lock round trips per call; a client call's second lookup
 * of its binding.  The pin's reference keeps the object, and the retired
 * flag says what the registry would.
 */
#include <pthread.h>
#include <stdlib.h>

#include "libclient/handle.h"
#include "libclient/lock.h"
#include "proto/proto.h"

#define NSHARDS 16u                  /* a power of two */
#define SHARD_BITS 4

struct shard {
    _Alignas(64) rpcrt_mutex lock;       /* a cache line each */
    struct rpc_handle **slots;           /* NULL: empty; TOMB: deleted */
    size_t nslots, nused, nlive;
};

#define SHARD {.lock = RPCRT_MUTEX_INITIALIZER}
static struct shard shards[NSHARDS] = {
    SHARD, SHARD, SHARD, SHARD, SHARD, SHARD, SHARD, SHARD,
    SHARD, SHARD, SHARD, SHARD, SHARD, SHARD, SHARD, SHARD,
};
_Static_assert(NSHARDS == 1u << SHARD_BITS, "shard count");
static struct rpc_handle tomb_obj;
static RPCRT_TLS struct rpc_handle *tls_pinned;
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

/* The shard of a pointer whose hash is x: the top bits (probe uses the
 * low ones). */
static struct shard *
shard_of(size_t x)
{
    return &shards[x >> (sizeof(size_t) * 8 - SHARD_BITS)];
}

/* Index of p (hash x) in sh, or of the slot to insert it (first tomb or
 * empty). */
static size_t
probe(const struct shard *sh, const void *p, size_t x, int *found)
{
    size_t mask = sh->nslots - 1, i = x & mask, ins = SIZE_MAX;

    for (;;) {
        struct rpc_handle *s = sh->slots[i];
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
grow(struct shard *sh)
{
    size_t old = sh->nslots, n = old ? old * 2 : 16;
    struct rpc_handle **os = sh->slots, **ns;

    /* Rehash at the same size when tombs, not live entries, fill it. */
    if (sh->nlive * 4 < old)
        n = old;
    if ((ns = calloc(n, sizeof(*ns))) == NULL)
        return -1;
    sh->slots = ns;
    sh->nslots = n;
    sh->nused = sh->nlive;
    for (size_t i = 0; i < old; i++) {
        if (os[i] != NULL && os[i] != TOMB) {
            int found;
            sh->slots[probe(sh, os[i], hash_ptr(os[i]), &found)] = os[i];
        }
    }
    free(os);
    return 0;
}

static RPC_STATUS
enter(struct rpc_handle *h, uint32_t kind, const struct rpc_handle_ops *ops,
      int retired)
{
    size_t x = hash_ptr(h), i;
    struct shard *sh = shard_of(x);
    int found;

    h->kind = kind;
    h->ops = ops;
    atomic_init(&h->refs, 1);
    atomic_init(&h->retired, retired);
    rpcrt_mutex_lock(&sh->lock);
    if ((sh->nused + 1) * 4 > sh->nslots * 3 && grow(sh) != 0) {
        rpcrt_mutex_unlock(&sh->lock);
        return RPC_S_OUT_OF_MEMORY;
    }
    i = probe(sh, h, x, &found);
    if (!found) {
        if (sh->slots[i] == NULL)
            sh->nused++;
        sh->slots[i] = h;
        sh->nlive++;
    }
    rpcrt_mutex_unlock(&sh->lock);
    return RPC_S_OK;
}

RPC_STATUS
I_RpcrtHandleInit(struct rpc_handle *h, uint32_t kind,
                  const struct rpc_handle_ops *ops)
{
    return enter(h, kind, ops, 0);
}

RPC_STATUS
I_RpcrtHandleInitWithdrawn(struct rpc_handle *h, uint32_t kind,
                           const struct rpc_handle_ops *ops)
{
    return enter(h, kind, ops, 1);
}

void
I_RpcrtHandleActivate(struct rpc_handle *h)
{
    /* Release: a lookup that sees the flag clear sees what the creator
     * wrote before. */
    atomic_store_explicit(&h->retired, 0, memory_order_release);
}

void
I_RpcrtHandleWithdraw(struct rpc_handle *h)
{
    /* No lock: a lookup that saw the flag clear under its shard's lock
     * took its reference while the creator's still held the object. */
    atomic_store_explicit(&h->retired, 1, memory_order_release);
}

void
I_RpcrtHandleUnlist(struct rpc_handle *h)
{
    size_t x = hash_ptr(h), i;
    struct shard *sh = shard_of(x);
    int found;

    atomic_store_explicit(&h->retired, 1, memory_order_release);
    rpcrt_mutex_lock(&sh->lock);
    if (sh->nslots > 0) {
        i = probe(sh, h, x, &found);
        if (found) {
            sh->slots[i] = TOMB;
            sh->nlive--;
        }
    }
    rpcrt_mutex_unlock(&sh->lock);
}

void
I_RpcrtHandleRetire(struct rpc_handle *h)
{
    I_RpcrtHandleUnlist(h);
    I_RpcrtHandlePut(h);
}

struct rpc_handle *
I_RpcrtHandleGet(const void *p, uint32_t kind)
{
    struct rpc_handle *h = NULL;
    struct shard *sh;
    int found;
    size_t x, i;

    if (p == NULL)
        return NULL;
    if ((const void *)(h = tls_pinned) == p &&
        !atomic_load_explicit(&h->retired, memory_order_acquire) &&
        (kind == RPC_HANDLE_ANY || h->kind == kind)) {
        atomic_fetch_add(&h->refs, 1);
        return h;
    }
    h = NULL;
    x = hash_ptr(p);
    sh = shard_of(x);
    rpcrt_mutex_lock(&sh->lock);
    if (sh->nslots > 0) {
        i = probe(sh, p, x, &found);
        if (found && (kind == RPC_HANDLE_ANY || sh->slots[i]->kind == kind) &&
            !atomic_load_explicit(&sh->slots[i]->retired, memory_order_acquire)) {
            h = sh->slots[i];
            atomic_fetch_add(&h->refs, 1);
        }
    }
    rpcrt_mutex_unlock(&sh->lock);
    return h;
}

void
I_RpcrtHandleRef(struct rpc_handle *h)
{
    atomic_fetch_add(&h->refs, 1);
}

void
I_RpcrtHandlePin(struct rpc_handle *h)
{
    I_RpcrtHandleUnpin();
    atomic_fetch_add(&h->refs, 1);
    tls_pinned = h;
}

void
I_RpcrtHandleUnpin(void)
{
    struct rpc_handle *h = tls_pinned;

    tls_pinned = NULL;
    I_RpcrtHandlePut(h);
}

void
I_RpcrtHandlePinIfNone(struct rpc_handle *h)
{
    if (tls_pinned != NULL)
        return;
    atomic_fetch_add(&h->refs, 1);
    tls_pinned = h;
}

void
I_RpcrtHandleUnpinIf(const void *p)
{
    if (p != NULL && (const void *)tls_pinned == p)
        I_RpcrtHandleUnpin();
}

void
I_RpcrtHandlePut(struct rpc_handle *h)
{
    if (h != NULL && atomic_fetch_sub(&h->refs, 1) == 1 && h->ops->destroy != NULL)
        h->ops->destroy(h);
}
