/*
 * libserver/srv_if.c -- the interface registry: RpcServerRegisterIf /
 * IfEx / If2 / If3, RpcServerUnregisterIf, RpcIfInqId.
 *
 * An interface is found by its abstract syntax as a bind proposes it
 * (C706 12.6.3.1, 2.6: same UUID, same major version, a minor version no
 * higher than the registered one).  Connections keep only the syntax of
 * their presentation contexts and look the interface up again for every
 * call, so unregistering needs no walk over connections: the next call
 * finds nothing and gets nca_s_unk_if.  A connection remembers the answer
 * of its last lookup while no interface is registered or unregistered
 * (srv.if_gen counts the changes): a call then takes no lock to find it.
 *
 * Manager types: the EPV registered with the nil type UUID serves every
 * call (object-UUID-to-type mapping, RpcObjectSetType, does not exist
 * here); an interface registered only under non-nil types uses the first.
 */
#include <stdlib.h>
#include <string.h>

#include "libserver/srv.h"

static int builtin_registered;

static int
uuid_is_nil(const UUID *u)
{
    static const UUID nil;

    return u == NULL || memcmp(u, &nil, sizeof(nil)) == 0;
}

static int
serves(const struct srv_if *i, const RPC_SYNTAX_IDENTIFIER *a)
{
    return proto_uuid_equal(&i->id.SyntaxGUID, &a->SyntaxGUID) &&
           i->id.SyntaxVersion.MajorVersion == a->SyntaxVersion.MajorVersion &&
           a->SyntaxVersion.MinorVersion <= i->id.SyntaxVersion.MinorVersion;
}

struct srv_if *
srv_if_find(const RPC_SYNTAX_IDENTIFIER *abstract)
{
    struct srv_if *found = NULL;

    pthread_mutex_lock(&srv.lock);
    for (struct srv_if *i = srv.ifs; i != NULL; i = i->next) {
        if (!atomic_load(&i->registered) || !serves(i, abstract))
            continue;
        if (found == NULL || uuid_is_nil(&i->mgr_type))
            found = i;
        if (uuid_is_nil(&i->mgr_type))
            break;
    }
    if (found != NULL)
        atomic_fetch_add(&found->refs, 1);
    pthread_mutex_unlock(&srv.lock);
    return found;
}

struct srv_if *
srv_if_find_conn(struct srv_conn *c, const struct srv_pctx *ctx)
{
    /* Read before the lookup: a change after it makes the cache stale. */
    unsigned gen = atomic_load(&srv.if_gen);
    struct srv_if *i = c->if_cache;

    if (i != NULL && c->if_cache_cont == ctx->cont_id && c->if_cache_gen == gen &&
        atomic_load(&i->registered)) {
        atomic_fetch_add(&i->refs, 1);
        return i;
    }
    if ((i = srv_if_find(&ctx->abstract)) != NULL) {
        atomic_fetch_add(&i->refs, 1);       /* the cache's */
        srv_if_unref(c->if_cache);
        c->if_cache = i;
        c->if_cache_gen = gen;
        c->if_cache_cont = ctx->cont_id;
    }
    return i;
}

void
srv_if_unref(struct srv_if *i)
{
    if (i != NULL && atomic_fetch_sub(&i->refs, 1) == 1)
        free(i);
}

int
srv_if_any_autolisten_locked(void)
{
    for (struct srv_if *i = srv.ifs; i != NULL; i = i->next)
        if (!i->builtin && (i->flags & RPC_IF_AUTOLISTEN))
            return 1;
    return 0;
}

static RPC_STATUS
register_if(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv,
            unsigned Flags, unsigned MaxCalls, unsigned MaxRpcSize,
            RPC_IF_CALLBACK_FN *cb, int builtin)
{
    const RPC_SERVER_INTERFACE *spec = IfSpec;
    struct srv_if *n, **tail;

    if (spec == NULL || spec->DispatchTable == NULL)
        return RPC_S_INVALID_ARG;
    if ((n = calloc(1, sizeof(*n))) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    atomic_init(&n->refs, 1);            /* the registry's */
    atomic_init(&n->registered, 1);
    n->spec = spec;
    n->id = spec->InterfaceId;
    if (!uuid_is_nil(MgrTypeUuid))
        n->mgr_type = *MgrTypeUuid;
    n->epv = MgrEpv != NULL ? MgrEpv : spec->DefaultManagerEpv;
    n->flags = Flags;
    n->max_calls = MaxCalls != 0 ? MaxCalls : RPC_C_LISTEN_MAX_CALLS_DEFAULT;
    /* (unsigned)-1 lifts the limit (Windows); 0 is taken the same way. */
    n->max_rpc_size = MaxRpcSize == (unsigned)-1 ? 0 : MaxRpcSize;
    n->callback = cb;
    n->builtin = builtin;

    pthread_mutex_lock(&srv.lock);
    for (tail = &srv.ifs; *tail != NULL; tail = &(*tail)->next) {
        const struct srv_if *i = *tail;
        if (proto_uuid_equal(&i->id.SyntaxGUID, &n->id.SyntaxGUID) &&
            i->id.SyntaxVersion.MajorVersion == n->id.SyntaxVersion.MajorVersion &&
            i->id.SyntaxVersion.MinorVersion == n->id.SyntaxVersion.MinorVersion &&
            memcmp(&i->mgr_type, &n->mgr_type, sizeof(UUID)) == 0) {
            pthread_mutex_unlock(&srv.lock);
            free(n);
            return RPC_S_TYPE_ALREADY_REGISTERED;
        }
    }
    *tail = n;
    atomic_fetch_add(&srv.if_gen, 1);
    if (n->flags & RPC_IF_AUTOLISTEN)
        srv_io_kick_locked(SRV_KICK_SYNC);
    pthread_mutex_unlock(&srv.lock);
    return RPC_S_OK;
}

void
srv_if_ensure_builtin(void)
{
    int need;

    pthread_mutex_lock(&srv.lock);
    need = !builtin_registered;
    builtin_registered = 1;
    pthread_mutex_unlock(&srv.lock);
    /* The mgmt interface (C706 Appendix Q) answers whether or not the
     * server listens, like an autolisten interface with its own limit. */
    if (need && register_if((RPC_IF_HANDLE)(uintptr_t)&srv_mgmt_if, NULL, NULL,
                            RPC_IF_AUTOLISTEN, SRV_AUTOLISTEN_MAX_CALLS, 0,
                            NULL, 1) != RPC_S_OK) {
        pthread_mutex_lock(&srv.lock);
        builtin_registered = 0;
        pthread_mutex_unlock(&srv.lock);
    }
}

void
srv_if_free_all(void)
{
    struct srv_if *list;

    pthread_mutex_lock(&srv.lock);
    list = srv.ifs;
    srv.ifs = NULL;
    atomic_fetch_add(&srv.if_gen, 1);
    builtin_registered = 0;
    pthread_mutex_unlock(&srv.lock);
    while (list != NULL) {
        struct srv_if *next = list->next;
        atomic_store(&list->registered, 0);
        srv_if_unref(list);
        list = next;
    }
}

/* ---- API ---------------------------------------------------------------- */

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerRegisterIf(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv)
{
    srv_if_ensure_builtin();
    return register_if(IfSpec, MgrTypeUuid, MgrEpv, 0,
                       RPC_C_LISTEN_MAX_CALLS_DEFAULT, 0, NULL, 0);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerRegisterIfEx(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
                      RPC_MGR_EPV *MgrEpv, unsigned int Flags,
                      unsigned int MaxCalls, RPC_IF_CALLBACK_FN *IfCallback)
{
    srv_if_ensure_builtin();
    return register_if(IfSpec, MgrTypeUuid, MgrEpv, Flags, MaxCalls, 0,
                       IfCallback, 0);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerRegisterIf2(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
                     RPC_MGR_EPV *MgrEpv, unsigned int Flags,
                     unsigned int MaxCalls, unsigned int MaxRpcSize,
                     RPC_IF_CALLBACK_FN *IfCallbackFn)
{
    srv_if_ensure_builtin();
    return register_if(IfSpec, MgrTypeUuid, MgrEpv, Flags, MaxCalls,
                       MaxRpcSize, IfCallbackFn, 0);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerRegisterIf3(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
                     RPC_MGR_EPV *MgrEpv, unsigned int Flags,
                     unsigned int MaxCalls, unsigned int MaxRpcSize,
                     RPC_IF_CALLBACK_FN *IfCallback, void *SecurityDescriptor)
{
    /* A Windows security descriptor has no meaning here. */
    (void)SecurityDescriptor;
    srv_if_ensure_builtin();
    return register_if(IfSpec, MgrTypeUuid, MgrEpv, Flags, MaxCalls,
                       MaxRpcSize, IfCallback, 0);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerUnregisterIf(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
                      unsigned int WaitForCallsToComplete)
{
    const RPC_SERVER_INTERFACE *spec = IfSpec;
    struct srv_call *self = srv_call_current();
    struct srv_if *gone = NULL, **pp;
    int any_match = 0;

    pthread_mutex_lock(&srv.lock);
    for (pp = &srv.ifs; *pp != NULL;) {
        struct srv_if *i = *pp;

        if (i->builtin ||
            (spec != NULL && !rpc_syntax_equal(&i->id, &spec->InterfaceId))) {
            pp = &i->next;
            continue;
        }
        any_match = 1;
        if (!uuid_is_nil(MgrTypeUuid) &&
            memcmp(&i->mgr_type, MgrTypeUuid, sizeof(UUID)) != 0) {
            pp = &i->next;
            continue;
        }
        /* New calls find nothing from now on (nca_s_unk_if). */
        *pp = i->next;
        atomic_store(&i->registered, 0);
        i->next = gone;
        gone = i;
    }
    if (gone != NULL)
        atomic_fetch_add(&srv.if_gen, 1);
    if (gone == NULL) {
        pthread_mutex_unlock(&srv.lock);
        if (spec == NULL)
            return RPC_S_OK;
        return any_match ? RPC_S_UNKNOWN_MGR_TYPE : RPC_S_UNKNOWN_IF;
    }
    if (WaitForCallsToComplete) {
        /* Calls in progress finish first; a routine that unregisters its
         * own interface does not wait for itself. */
        for (;;) {
            int busy = 0;
            for (struct srv_if *i = gone; i != NULL; i = i->next)
                if (i->active > (self != NULL && self->iface == i ? 1u : 0u))
                    busy = 1;
            if (!busy)
                break;
            srv.call_end_waiters++;
            pthread_cond_wait(&srv.cond, &srv.lock);
            srv.call_end_waiters--;
        }
    }
    srv_io_kick_locked(SRV_KICK_SYNC);    /* autolisten may have changed */
    pthread_mutex_unlock(&srv.lock);
    while (gone != NULL) {
        struct srv_if *next = gone->next;
        srv_if_unref(gone);               /* the registry's reference */
        gone = next;
    }
    return RPC_S_OK;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcIfInqId(RPC_IF_HANDLE RpcIfHandle, RPC_IF_ID *RpcIfId)
{
    const RPC_SERVER_INTERFACE *spec = RpcIfHandle;

    if (spec == NULL || RpcIfId == NULL)
        return RPC_S_INVALID_ARG;
    RpcIfId->Uuid = spec->InterfaceId.SyntaxGUID;
    RpcIfId->VersMajor = spec->InterfaceId.SyntaxVersion.MajorVersion;
    RpcIfId->VersMinor = spec->InterfaceId.SyntaxVersion.MinorVersion;
    return RPC_S_OK;
}
