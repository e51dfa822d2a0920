/*
 * libserver/srv_listen.c -- RpcServerListen, RpcMgmtStopServerListening,
 * RpcMgmtWaitServerListen, RpcMgmtIsServerListening, RpcMgmtInqIfIds,
 * RpcServerInqBindings and the vectors they return.
 *
 * Listening means: endpoints accept connections and calls on ordinary
 * interfaces are dispatched, at most MaxCalls at once.  A stop (from any
 * thread, a manager routine included) closes the door at once -- no new
 * connection is accepted and new calls on ordinary interfaces get
 * nca_s_server_too_busy with PFC_DID_NOT_EXECUTE, so their clients may
 * retry elsewhere -- and listening ends when the calls in progress have
 * returned; that is when RpcServerListen / RpcMgmtWaitServerListen return.
 * Autolisten interfaces (and mgmt) are served regardless.
 *
 * With a binding handle, the RpcMgmt* functions ask a remote server
 * through its mgmt interface (srv_mgmt.c).
 */
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <net/if.h>

#include "libserver/srv.h"

void
srv_listen_update_locked(void)
{
    if (srv.stopping && srv.listen_calls == 0) {
        srv.listening = 0;
        srv.stopping = 0;
        pthread_cond_broadcast(&srv.cond);
        /* Workers above the minimum (now 0) end when they next idle out. */
        pthread_cond_broadcast(&srv.work);
    }
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerListen(unsigned int MinimumCallThreads, unsigned int MaxCalls,
                unsigned int DontWait)
{
    if (MaxCalls == 0 || MinimumCallThreads > MaxCalls)
        return RPC_S_MAX_CALLS_TOO_SMALL;
    if (srv_call_current() != NULL && !DontWait)
        return RPC_S_CALL_IN_PROGRESS;       /* would wait for itself */
    pthread_mutex_lock(&srv.lock);
    if (srv.listening) {
        pthread_mutex_unlock(&srv.lock);
        return RPC_S_ALREADY_LISTENING;
    }
    if (srv.eps == NULL) {
        pthread_mutex_unlock(&srv.lock);
        return RPC_S_NO_PROTSEQS_REGISTERED;
    }
    srv.listening = 1;
    srv.stopping = 0;
    srv.wait_pending = 1;
    srv.max_calls = MaxCalls;
    srv.min_threads = MinimumCallThreads;
    srv_worker_prestart_locked();
    srv_io_kick_locked(SRV_KICK_SYNC);
    pthread_mutex_unlock(&srv.lock);
    if (DontWait)
        return RPC_S_OK;
    return RpcMgmtWaitServerListen();
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcMgmtWaitServerListen(void)
{
    pthread_mutex_lock(&srv.lock);
    /* After RpcServerListen(DontWait), the wait may start after the stop
     * already ended listening (Windows' Listen/Stop/Wait sequence). */
    if (!srv.listening && !srv.wait_pending) {
        pthread_mutex_unlock(&srv.lock);
        return RPC_S_NOT_LISTENING;
    }
    while (srv.listening)
        pthread_cond_wait(&srv.cond, &srv.lock);
    srv.wait_pending = 0;
    pthread_mutex_unlock(&srv.lock);
    return RPC_S_OK;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcMgmtStopServerListening(RPC_BINDING_HANDLE Binding)
{
    if (Binding != NULL)
        return srv_mgmt_remote_stop(Binding);
    pthread_mutex_lock(&srv.lock);
    if (!srv.listening) {
        pthread_mutex_unlock(&srv.lock);
        return RPC_S_NOT_LISTENING;
    }
    if (!srv.stopping) {
        srv.stopping = 1;
        srv_io_kick_locked(SRV_KICK_SYNC);   /* listeners stop accepting */
        srv_listen_update_locked();
    }
    pthread_mutex_unlock(&srv.lock);
    return RPC_S_OK;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcMgmtIsServerListening(RPC_BINDING_HANDLE Binding)
{
    int on;

    if (Binding != NULL)
        return srv_mgmt_remote_is_listening(Binding);
    pthread_mutex_lock(&srv.lock);
    on = srv.listening && !srv.stopping;
    pthread_mutex_unlock(&srv.lock);
    return on ? RPC_S_OK : RPC_S_NOT_LISTENING;
}

/* ---- interface ids ------------------------------------------------------ */

/* A vector of n ids; every element allocated on its own so that
 * RpcIfIdVectorFree frees vectors from any source alike. */
RPC_STATUS
srv_if_id_vector_new(unsigned long n, RPC_IF_ID_VECTOR **out)
{
    RPC_IF_ID_VECTOR *v;

    v = calloc(1, offsetof(RPC_IF_ID_VECTOR, IfId) +
                  (n ? n : 1) * sizeof(RPC_IF_ID *));
    if (v == NULL)
        return RPC_S_OUT_OF_MEMORY;
    for (unsigned long i = 0; i < n; i++) {
        if ((v->IfId[i] = calloc(1, sizeof(RPC_IF_ID))) == NULL) {
            v->Count = i;
            RpcIfIdVectorFree(&v);
            return RPC_S_OUT_OF_MEMORY;
        }
    }
    v->Count = n;
    *out = v;
    return RPC_S_OK;
}

RPC_STATUS
srv_inq_if_ids(RPC_IF_ID_VECTOR **out)
{
    unsigned long n = 0, k = 0;
    RPC_IF_ID_VECTOR *v;
    RPC_STATUS st;

    pthread_mutex_lock(&srv.lock);
    for (struct srv_if *i = srv.ifs; i != NULL; i = i->next)
        if (!i->builtin)
            n++;
    if ((st = srv_if_id_vector_new(n, &v)) == RPC_S_OK) {
        for (struct srv_if *i = srv.ifs; i != NULL; i = i->next) {
            if (i->builtin)
                continue;
            v->IfId[k]->Uuid = i->id.SyntaxGUID;
            v->IfId[k]->VersMajor = i->id.SyntaxVersion.MajorVersion;
            v->IfId[k]->VersMinor = i->id.SyntaxVersion.MinorVersion;
            k++;
        }
        *out = v;
    }
    pthread_mutex_unlock(&srv.lock);
    return st;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcMgmtInqIfIds(RPC_BINDING_HANDLE Binding, RPC_IF_ID_VECTOR **IfIdVector)
{
    if (IfIdVector == NULL)
        return RPC_S_INVALID_ARG;
    *IfIdVector = NULL;
    if (Binding != NULL)
        return srv_mgmt_remote_inq_if_ids(Binding, IfIdVector);
    return srv_inq_if_ids(IfIdVector);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcIfIdVectorFree(RPC_IF_ID_VECTOR **IfIdVector)
{
    if (IfIdVector == NULL)
        return RPC_S_INVALID_ARG;
    if (*IfIdVector != NULL) {
        for (unsigned long i = 0; i < (*IfIdVector)->Count; i++)
            free((*IfIdVector)->IfId[i]);
        free(*IfIdVector);
        *IfIdVector = NULL;
    }
    return RPC_S_OK;
}

/* ---- bindings ----------------------------------------------------------- */

struct strlist {
    char **v;
    size_t n, cap;
};

static int
strlist_add(struct strlist *l, char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **p = realloc(l->v, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

static void
strlist_clear(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* A wildcard endpoint is reachable on every address of its family: one
 * binding per address, as Windows lists one per interface.  IPv6
 * link-local addresses need a zone a string binding cannot carry well and
 * are left out. */
static int
add_wildcard(struct strlist *l, const struct srv_endpoint *ep,
             const struct ifaddrs *ifa)
{
    for (; ifa != NULL; ifa = ifa->ifa_next) {
        char host[INET6_ADDRSTRLEN], *s = NULL;

        if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != ep->family ||
            !(ifa->ifa_flags & IFF_UP))
            continue;
        if (ep->family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr,
                      host, sizeof(host));
        } else {
            const struct in6_addr *a6 =
                &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
            if (IN6_IS_ADDR_LINKLOCAL(a6))
                continue;
            inet_ntop(AF_INET6, a6, host, sizeof(host));
        }
        if (srv_protseq_string(ep, host, &s) != RPC_S_OK || strlist_add(l, s) != 0) {
            free(s);
            return -1;
        }
    }
    return 0;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerInqBindings(RPC_BINDING_VECTOR **BindingVector)
{
    struct strlist l = {0};
    struct ifaddrs *ifa = NULL;
    RPC_BINDING_VECTOR *v;
    RPC_STATUS st = RPC_S_OK;
    size_t k = 0;

    if (BindingVector == NULL)
        return RPC_S_INVALID_ARG;
    *BindingVector = NULL;
    if (getifaddrs(&ifa) != 0)
        ifa = NULL;
    pthread_mutex_lock(&srv.lock);
    for (struct srv_endpoint *ep = srv.eps; ep != NULL && st == RPC_S_OK; ep = ep->next) {
        char *s = NULL;

        if (ep->protseq == RPC_PROTSEQ_NCACN_IP_TCP && ep->wildcard) {
            if (add_wildcard(&l, ep, ifa) != 0)
                st = RPC_S_OUT_OF_MEMORY;
        } else if (srv_protseq_string(ep, NULL, &s) != RPC_S_OK ||
                   strlist_add(&l, s) != 0) {
            free(s);
            st = RPC_S_OUT_OF_MEMORY;
        }
    }
    pthread_mutex_unlock(&srv.lock);
    if (ifa != NULL)
        freeifaddrs(ifa);
    if (st == RPC_S_OK && l.n == 0)
        st = RPC_S_NO_BINDINGS;
    if (st != RPC_S_OK) {
        strlist_clear(&l);
        return st;
    }
    v = calloc(1, offsetof(RPC_BINDING_VECTOR, BindingH) + l.n * sizeof(RPC_BINDING_HANDLE));
    if (v == NULL) {
        strlist_clear(&l);
        return RPC_S_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < l.n; i++) {
        /* Client binding handles (libclient), as Windows returns. */
        if (RpcBindingFromStringBindingA((RPC_CSTR)l.v[i], &v->BindingH[k]) == RPC_S_OK)
            k++;
    }
    strlist_clear(&l);
    v->Count = k;
    if (k == 0) {
        free(v);
        return RPC_S_NO_BINDINGS;
    }
    *BindingVector = v;
    return RPC_S_OK;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingVectorFree(RPC_BINDING_VECTOR **BindingVector)
{
    if (BindingVector == NULL)
        return RPC_S_INVALID_ARG;
    if (*BindingVector != NULL) {
        for (unsigned long i = 0; i < (*BindingVector)->Count; i++)
            if ((*BindingVector)->BindingH[i] != NULL)
                RpcBindingFree(&(*BindingVector)->BindingH[i]);
        free(*BindingVector);
        *BindingVector = NULL;
    }
    return RPC_S_OK;
}
