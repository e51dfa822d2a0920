/*
 * daemon/epm_srv.c -- the endpoint mapper service: the EPM interface
 * (e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0, C706 Appendix O as MS-RPCE
 * 2.2.1.2 redefines it) served through libserver, on the database of
 * daemon/epm_db.c with the stub codec of proto/epm.c.
 *
 * Who may change the map.  ept_insert, ept_delete and ept_mgmt_delete
 * are taken only over ncalrpc, where the kernel tells who the caller is
 * (SO_PEERCRED, through RpcrtServerInqCallInfo); the database then lets
 * anyone add elements, owned by the calling uid, and only root or that
 * uid remove or replace them.  A caller over the network gets a fault
 * EPT_S_CANT_PERFORM_OP (0x6d8, the value MS-RPCE 2.2.1.2.1 defines), the
 * status Windows' RPC API reports for the operation: the DCE rpcd
 * (rpcdep.c, is_unpriv_handle) answers such callers with
 * ept_s_cant_perform_op in the reply's status, Samba with a fault
 * nca_s_op_rng_error; a fault makes sure no client takes the refusal for
 * a reply, and the code says why.
 *
 * Lookup handles.  ept_lookup and ept_map page through the map with an
 * ept_lookup_handle_t, a context handle (C706 Appendix N): its uuid names
 * a database cursor here, bound to the connection that got it.  A handle
 * another connection presents, or one not known, is a fault
 * nca_s_fault_context_mismatch (what a DCE or MIDL server stub raises for
 * an unknown context handle).  A connection's handles are freed when the
 * connection goes (RpcrtServerSetConnectionCloseHandler: C706 5.1.6's
 * rundown), and a connection holds at most EPM_CONN_HANDLES of them.
 *
 * Reply towers carry, for ncacn_ip_tcp, the address the client reached
 * rpcd at (the connection's local address; MS-RPCE 2.1.1.1 allows
 * 0.0.0.0, which ncalrpc callers get) and the registered port.
 *
 * Malformed stubs are faults (nca_s_fault_ndr; a [range] violation
 * nca_s_fault_invalid_bound), never a crash: every decode is checked and
 * the reply is built only from what decoded.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "daemon/epm_db.h"
#include "daemon/rpcd.h"
#include "proto/epm.h"

/* Open lookup handles per connection and in all. */
#define EPM_CONN_HANDLES  64u
#define EPM_ALL_HANDLES   4096u
/* Room for one reply tower (tower.c: at most 2 + 6 * 277 bytes; ours
 * are far smaller: 75 for TCP, 2 + 25 + 25 + 7 + 5 + 256 for ncalrpc). */
#define EPM_TOWER_BUF     400u
/* A request to the mapper from the network is small (ept_map with one
 * tower: ~150 bytes); ept_insert, the big one, comes over ncalrpc, where
 * MaxRpcSize does not apply. */
#define EPM_MAX_RPC_SIZE  (64u * 1024)
#define EPM_ANNOTATION    "rpcd endpoint mapper"

struct epm_ctx {
    struct epm_ctx *next;
    GUID uuid;
    unsigned long long conn;
    struct epm_db_cursor *cur;
    int busy;                        /* a call is using cur */
};

static struct {
    struct epm_db *db;
    pthread_mutex_t mu;              /* ctxs */
    struct epm_ctx *ctxs;
    size_t nctx;
    GUID object;                     /* ept_inq_object */
    int started;
} E = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* ---- replies ----------------------------------------------------------- */

static void
raise_status(RPC_STATUS st)
{
    RpcRaiseException(st);
}

/* The status a decode error becomes: a [range] violation is MIDL's
 * RPC_X_INVALID_BOUND, anything else bad stub data. */
static RPC_STATUS
decode_fault(int r)
{
    if (r == PROTO_E_NOMEM)
        return RPC_S_OUT_OF_MEMORY;
    return r == PROTO_E_RANGE ? RPC_X_INVALID_BOUND : RPC_X_BAD_STUB_DATA;
}

/* Hands the encoded reply to the runtime; frees w either way.  Returns
 * a status to raise, or RPC_S_OK. */
static RPC_STATUS
reply(PRPC_MESSAGE m, struct ndr_cursor *w)
{
    RPC_STATUS st;

    m->BufferLength = (unsigned int)w->len;
    if ((st = I_RpcGetBuffer(m)) == RPC_S_OK)
        memcpy(m->Buffer, w->data, w->len);
    ndr_cursor_free(w);
    return st;
}

/* Sends an encoded answer: r is 0, or the encoding failed (and w was
 * freed), which raises out of memory. */
static void
answer(PRPC_MESSAGE m, int r, struct ndr_cursor *w)
{
    RPC_STATUS st;

    if (r != 0)
        raise_status(RPC_S_OUT_OF_MEMORY);
    if ((st = reply(m, w)) != RPC_S_OK)
        raise_status(st);
}

static void
request(PRPC_MESSAGE m, struct ndr_cursor *c)
{
    ndr_init_read(c, m->Buffer, m->BufferLength,
                  (uint8_t)(m->DataRepresentation & 0xff));
}

static const char *
peer_name(const RPCRT_CALL_INFO *ci, char *buf, size_t size)
{
    char a[INET6_ADDRSTRLEN] = "?";

    if (ci->IsLocal) {
        if (ci->HasCredentials)
            snprintf(buf, size, "ncalrpc uid %lu pid %ld",
                     (unsigned long)ci->ClientUid, (long)ci->ClientPid);
        else
            snprintf(buf, size, "ncalrpc");
    } else {
        if (ci->ClientAddress.ss_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)&ci->ClientAddress)->sin_addr,
                      a, sizeof(a));
        else if (ci->ClientAddress.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&ci->ClientAddress)->sin6_addr,
                      a, sizeof(a));
        snprintf(buf, size, "%s", a);
    }
    return buf;
}

/* The address reply towers carry (see the top). */
static void
tower_addr(const RPCRT_CALL_INFO *ci, int *family, uint8_t addr[16])
{
    memset(addr, 0, 16);
    *family = AF_INET;
    if (ci->IsLocal)
        return;
    if (ci->LocalAddress.ss_family == AF_INET) {
        memcpy(addr, &((const struct sockaddr_in *)&ci->LocalAddress)->sin_addr, 4);
    } else if (ci->LocalAddress.ss_family == AF_INET6) {
        /* tower.c writes 0.0.0.0 for it unless it is IPv4-mapped. */
        *family = AF_INET6;
        memcpy(addr, &((const struct sockaddr_in6 *)&ci->LocalAddress)->sin6_addr, 16);
    }
}

/* ---- lookup handles ------------------------------------------------------ */

static struct epm_ctx *
ctx_find_locked(const GUID *u)
{
    for (struct epm_ctx *x = E.ctxs; x != NULL; x = x->next)
        if (memcmp(&x->uuid, u, sizeof(*u)) == 0)
            return x;
    return NULL;
}

static void
ctx_unlink_locked(struct epm_ctx *x)
{
    for (struct epm_ctx **pp = &E.ctxs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            E.nctx--;
            return;
        }
    }
}

static size_t
ctx_count_conn_locked(unsigned long long conn)
{
    size_t n = 0;

    for (struct epm_ctx *x = E.ctxs; x != NULL; x = x->next)
        n += x->conn == conn;
    return n;
}

/* Takes the cursor of handle h for this call: *x is NULL for the null
 * handle (a new search; RPC_S_OK, or EPM_S_NO_MEMORY in *limit when the
 * connection has too many open), else the busy entry.  A handle that is
 * unknown, busy or another connection's: RPC_X_SS_CONTEXT_MISMATCH. */
static RPC_STATUS
ctx_take(const struct epm_handle *h, unsigned long long conn,
         struct epm_ctx **x, struct epm_db_cursor **cur, int *limit)
{
    RPC_STATUS st = RPC_S_OK;

    *x = NULL;
    *cur = NULL;
    *limit = 0;
    pthread_mutex_lock(&E.mu);
    if (epm_handle_is_null(h)) {
        if (ctx_count_conn_locked(conn) >= EPM_CONN_HANDLES ||
            E.nctx >= EPM_ALL_HANDLES)
            *limit = 1;
    } else if ((*x = ctx_find_locked(&h->uuid)) == NULL ||
               (*x)->conn != conn || (*x)->busy) {
        *x = NULL;
        st = RPC_X_SS_CONTEXT_MISMATCH;
    } else {
        (*x)->busy = 1;
        *cur = (*x)->cur;
    }
    pthread_mutex_unlock(&E.mu);
    return st;
}

/* After the database call: keeps, creates or forgets the handle as the
 * cursor says (NULL: the search is over, the database freed it); *out
 * gets the handle to return. */
static void
ctx_settle(struct epm_ctx *x, struct epm_db_cursor *cur,
           unsigned long long conn, struct epm_handle *out)
{
    struct epm_ctx *n = NULL;

    memset(out, 0, sizeof(*out));
    if (x == NULL && cur != NULL) {
        if ((n = calloc(1, sizeof(*n))) == NULL || UuidCreate(&n->uuid) != RPC_S_OK) {
            /* The entries go back; the search ends here for the client. */
            log_warnx("ept_lookup/ept_map: out of memory for a handle");
            free(n);
            epm_db_cursor_free(E.db, cur);
            return;
        }
        n->conn = conn;
        n->cur = cur;
    }
    pthread_mutex_lock(&E.mu);
    if (x != NULL) {
        if (cur != NULL) {
            x->cur = cur;
            x->busy = 0;
            out->uuid = x->uuid;
            x = NULL;
        } else {
            ctx_unlink_locked(x);
        }
    } else if (n != NULL) {
        n->next = E.ctxs;
        E.ctxs = n;
        E.nctx++;
        out->uuid = n->uuid;
    }
    pthread_mutex_unlock(&E.mu);
    free(x);                         /* a finished search's handle */
}

/* RPCRT_CONNECTION_CLOSE_HANDLER: no call of the connection runs any
 * more, so none of its handles is busy. */
static void
conn_closed(unsigned long long conn, void *arg)
{
    struct epm_ctx *gone = NULL;

    (void)arg;
    pthread_mutex_lock(&E.mu);
    for (struct epm_ctx **pp = &E.ctxs; *pp != NULL;) {
        struct epm_ctx *x = *pp;

        if (x->conn != conn) {
            pp = &x->next;
            continue;
        }
        *pp = x->next;
        E.nctx--;
        x->next = gone;
        gone = x;
    }
    pthread_mutex_unlock(&E.mu);
    while (gone != NULL) {
        struct epm_ctx *next = gone->next;

        log_debug("connection %llu closed: lookup handle freed", conn);
        epm_db_cursor_free(E.db, gone->cur);
        free(gone);
        gone = next;
    }
}

/* ---- who may change the map ---------------------------------------------- */

/* RPC_S_OK with *who filled for a local caller whose credentials the
 * kernel gave; else the fault to raise (see the top). */
static RPC_STATUS
changer(PRPC_MESSAGE m, struct epm_db_cred *who, RPCRT_CALL_INFO *ci)
{
    RPC_STATUS st;

    if ((st = RpcrtServerInqCallInfo(m->Handle, ci)) != RPC_S_OK)
        return st;
    if (!ci->IsLocal || !ci->HasCredentials)
        return EPT_S_CANT_PERFORM_OP;
    who->uid = ci->ClientUid;
    who->pid = ci->ClientPid;
    return RPC_S_OK;
}

/* The database entries of a request's ept_entry_t array. */
static uint32_t
entries_of(const struct epm_insert_req *r, struct epm_db_entry **out)
{
    struct epm_db_entry *v;

    *out = NULL;
    if (r->num_ents == 0)
        return EPM_S_OK;
    if ((v = calloc(r->num_ents, sizeof(*v))) == NULL)
        return EPM_S_NO_MEMORY;
    for (uint32_t i = 0; i < r->num_ents; i++) {
        const struct epm_entry *e = &r->entries[i];
        uint32_t st;

        st = epm_db_entry_from_tower(&e->object, e->tower.present ? e->tower.octets : NULL,
                                     e->tower.len, e->annotation, &v[i]);
        if (st != EPM_S_OK) {
            free(v);
            return st;
        }
    }
    *out = v;
    return EPM_S_OK;
}

/* ---- ept_insert (0), ept_delete (1) --------------------------------------- */

static void
insert_or_delete(PRPC_MESSAGE m, int insert)
{
    struct epm_insert_req req;
    struct epm_db_entry *ents = NULL;
    struct epm_db_cred who;
    RPCRT_CALL_INFO ci;
    struct ndr_cursor c, w;
    char pn[96];
    uint32_t status;
    RPC_STATUS st;
    int r;

    if ((st = changer(m, &who, &ci)) != RPC_S_OK) {
        if (st == EPT_S_CANT_PERFORM_OP)
            log_info("%s from %s refused: not a local caller",
                       insert ? "ept_insert" : "ept_delete",
                       peer_name(&ci, pn, sizeof(pn)));
        raise_status(st);
    }
    request(m, &c);
    r = insert ? epm_insert_req_decode(&c, &req) : epm_delete_req_decode(&c, &req);
    if (r != 0)
        raise_status(decode_fault(r));
    status = entries_of(&req, &ents);
    if (status == EPM_S_OK)
        status = insert ? epm_db_insert(E.db, ents, req.num_ents, req.replace != 0, &who)
                        : epm_db_delete(E.db, ents, req.num_ents, &who);
    log_info("%s of %u element%s by %s: 0x%08x", insert ? "ept_insert" : "ept_delete",
             (unsigned)req.num_ents, req.num_ents == 1 ? "" : "s",
             peer_name(&ci, pn, sizeof(pn)), (unsigned)status);
    /* Its elements go when it exits (reaper.c). */
    if (insert && status == EPM_S_OK && req.num_ents > 0)
        reaper_watch(who.pid);
    free(ents);
    epm_insert_req_clear(&req);
    r = ndr_init_write(&w, 16, DREP_LE);
    if (r == 0 && (r = epm_status_resp_encode(&w, status)) != 0)
        ndr_cursor_free(&w);
    answer(m, r, &w);
}

static void
ept_insert(PRPC_MESSAGE m)
{
    insert_or_delete(m, 1);
}

static void
ept_delete(PRPC_MESSAGE m)
{
    insert_or_delete(m, 0);
}

/* ---- ept_lookup (2), ept_map (3) ----------------------------------------- */

/* The reply towers of n entries into bufs (n * EPM_TOWER_BUF bytes);
 * lens[i] gets each size. */
static int
towers_of(const struct epm_db_entry *v, uint32_t n, const RPCRT_CALL_INFO *ci,
          uint8_t **bufs, size_t **lens)
{
    uint8_t addr[16];
    int family;

    /* The caller frees both, whatever the result. */
    *bufs = malloc((size_t)n * EPM_TOWER_BUF);
    *lens = calloc(n, sizeof(**lens));
    if (*bufs == NULL || *lens == NULL)
        return -1;
    tower_addr(ci, &family, addr);
    for (uint32_t i = 0; i < n; i++)
        if (epm_db_entry_tower(&v[i], family, addr, *bufs + (size_t)i * EPM_TOWER_BUF,
                               EPM_TOWER_BUF, &(*lens)[i]) != 0)
            return -1;
    return 0;
}

static void
ept_lookup(PRPC_MESSAGE m)
{
    struct epm_lookup_req req;
    struct epm_lookup_resp resp;
    struct epm_db_query q;
    struct epm_db_entry *found = NULL;
    struct epm_db_cursor *cur;
    struct epm_entry *ents = NULL;
    struct epm_ctx *x;
    RPCRT_CALL_INFO ci;
    struct ndr_cursor c, w;
    uint8_t *bufs = NULL;
    size_t *lens = NULL;
    uint32_t nfound = 0, status;
    RPC_STATUS st;
    int r, limit;

    if ((st = RpcrtServerInqCallInfo(m->Handle, &ci)) != RPC_S_OK)
        raise_status(st);
    request(m, &c);
    if ((r = epm_lookup_req_decode(&c, &req)) != 0)
        raise_status(decode_fault(r));
    if ((st = ctx_take(&req.handle, ci.ConnectionId, &x, &cur, &limit)) != RPC_S_OK)
        raise_status(st);

    memset(&resp, 0, sizeof(resp));
    if (limit) {
        status = EPM_S_NO_MEMORY;
    } else {
        memset(&q, 0, sizeof(q));
        q.inquiry_type = req.inquiry_type;
        q.has_object = req.object.present;
        q.object = req.object.uuid;
        q.has_ifid = req.ifid.present;
        q.ifid = req.ifid.id;
        q.vers_option = req.vers_option;
        status = epm_db_lookup(E.db, &cur, &q, req.max_ents, &found, &nfound);
        ctx_settle(x, cur, ci.ConnectionId, &resp.handle);
    }
    if (nfound > 0) {
        ents = calloc(nfound, sizeof(*ents));
        if (ents == NULL || towers_of(found, nfound, &ci, &bufs, &lens) != 0) {
            nfound = 0;
            status = EPM_S_NO_MEMORY;
        }
        for (uint32_t i = 0; i < nfound; i++) {
            ents[i].object = found[i].object;
            ents[i].tower.present = 1;
            ents[i].tower.len = (uint32_t)lens[i];
            ents[i].tower.octets = bufs + (size_t)i * EPM_TOWER_BUF;
            memcpy(ents[i].annotation, found[i].annotation, sizeof(ents[i].annotation));
        }
    }
    /* The array is size_is(max_ents) (MS-RPCE 2.2.1.2.4): its max_count
     * is what the client asked for, whatever came back. */
    resp.max_ents = req.max_ents;
    resp.num_ents = nfound;
    resp.entries = ents;
    resp.status = status;
    resp.ref_base = epm_next_ref(req.ref_max);
    r = ndr_init_write(&w, 256 + (size_t)nfound * 128, DREP_LE);
    if (r == 0 && (r = epm_lookup_resp_encode(&w, &resp)) != 0)
        ndr_cursor_free(&w);
    free(found);
    free(ents);
    free(bufs);
    free(lens);
    answer(m, r, &w);
}

static void
ept_map(PRPC_MESSAGE m)
{
    struct epm_map_req req;
    struct epm_map_resp resp;
    struct epm_db_entry *found = NULL;
    struct epm_db_cursor *cur;
    struct epm_twr *tw = NULL;
    struct epm_ctx *x;
    struct rpc_tower t;
    RPCRT_CALL_INFO ci;
    struct ndr_cursor c, w;
    uint8_t *bufs = NULL;
    size_t *lens = NULL;
    uint32_t nfound = 0, status;
    RPC_STATUS st;
    int r, limit;

    if ((st = RpcrtServerInqCallInfo(m->Handle, &ci)) != RPC_S_OK)
        raise_status(st);
    request(m, &c);
    if ((r = epm_map_req_decode(&c, &req)) != 0)
        raise_status(decode_fault(r));
    if ((st = ctx_take(&req.handle, ci.ConnectionId, &x, &cur, &limit)) != RPC_S_OK)
        raise_status(st);

    memset(&resp, 0, sizeof(resp));
    if (limit) {
        status = EPM_S_NO_MEMORY;
    } else if (x == NULL && (!req.tower.present ||
               proto_tower_decode(req.tower.octets, req.tower.len, &t) != 0)) {
        /* A tower we cannot read names nothing we have (epm_db.h). */
        status = EPM_S_NOT_REGISTERED;
    } else {
        status = epm_db_map(E.db, &cur, req.object.present ? &req.object.uuid : NULL,
                            x == NULL ? &t : NULL, req.max_towers, &found, &nfound);
        ctx_settle(x, cur, ci.ConnectionId, &resp.handle);
    }
    if (nfound > 0) {
        tw = calloc(nfound, sizeof(*tw));
        if (tw == NULL || towers_of(found, nfound, &ci, &bufs, &lens) != 0) {
            nfound = 0;
            status = EPM_S_NO_MEMORY;
        }
        for (uint32_t i = 0; i < nfound; i++) {
            tw[i].present = 1;
            tw[i].len = (uint32_t)lens[i];
            tw[i].octets = bufs + (size_t)i * EPM_TOWER_BUF;
        }
    }
    resp.max_towers = req.max_towers;
    resp.num_towers = nfound;
    resp.towers = tw;
    resp.status = status;
    resp.ref_base = epm_next_ref(req.ref_max);
    r = ndr_init_write(&w, 128 + (size_t)nfound * 96, DREP_LE);
    if (r == 0 && (r = epm_map_resp_encode(&w, &resp)) != 0)
        ndr_cursor_free(&w);
    free(found);
    free(tw);
    free(bufs);
    free(lens);
    answer(m, r, &w);
}

/* ---- ept_lookup_handle_free (4) ------------------------------------------ */

static void
ept_lookup_handle_free(PRPC_MESSAGE m)
{
    struct epm_handle_free_resp resp;
    struct epm_handle h;
    struct epm_ctx *x = NULL;
    RPCRT_CALL_INFO ci;
    struct ndr_cursor c, w;
    RPC_STATUS st = RPC_S_OK;
    int r;

    if ((st = RpcrtServerInqCallInfo(m->Handle, &ci)) != RPC_S_OK)
        raise_status(st);
    request(m, &c);
    if ((r = epm_handle_free_req_decode(&c, &h)) != 0)
        raise_status(decode_fault(r));
    /* A null handle has nothing to free (the DCE rpcd answers 0 too). */
    if (!epm_handle_is_null(&h)) {
        pthread_mutex_lock(&E.mu);
        if ((x = ctx_find_locked(&h.uuid)) == NULL || x->conn != ci.ConnectionId ||
            x->busy) {
            x = NULL;
            st = RPC_X_SS_CONTEXT_MISMATCH;
        } else {
            ctx_unlink_locked(x);
        }
        pthread_mutex_unlock(&E.mu);
        if (st != RPC_S_OK)
            raise_status(st);
        epm_db_cursor_free(E.db, x->cur);
        free(x);
    }
    memset(&resp, 0, sizeof(resp));
    r = ndr_init_write(&w, 32, DREP_LE);
    if (r == 0 && (r = epm_handle_free_resp_encode(&w, &resp)) != 0)
        ndr_cursor_free(&w);
    answer(m, r, &w);
}

/* ---- ept_inq_object (5) ---------------------------------------------------- */

/* The mapper's object UUID (C706 Appendix O: "the object UUID of the
 * endpoint map"; the DCE rpcd makes one when it creates its database).
 * Its request stub is empty (proto/epm.h). */
static void
ept_inq_object(PRPC_MESSAGE m)
{
    struct epm_inq_object_resp resp;
    struct ndr_cursor w;
    int r;

    memset(&resp, 0, sizeof(resp));
    resp.object = E.object;
    resp.status = EPM_S_OK;
    r = ndr_init_write(&w, 32, DREP_LE);
    if (r == 0 && (r = epm_inq_object_resp_encode(&w, &resp)) != 0)
        ndr_cursor_free(&w);
    answer(m, r, &w);
}

/* ---- ept_mgmt_delete (6) ----------------------------------------------------- */

static void
ept_mgmt_delete(PRPC_MESSAGE m)
{
    struct epm_mgmt_delete_req req;
    struct epm_db_entry e;
    struct epm_db_cred who;
    RPCRT_CALL_INFO ci;
    struct ndr_cursor c, w;
    char pn[96];
    uint32_t status;
    RPC_STATUS st;
    int r;

    if ((st = changer(m, &who, &ci)) != RPC_S_OK) {
        if (st == EPT_S_CANT_PERFORM_OP)
            log_info("ept_mgmt_delete from %s refused: not a local caller",
                       peer_name(&ci, pn, sizeof(pn)));
        raise_status(st);
    }
    request(m, &c);
    if ((r = epm_mgmt_delete_req_decode(&c, &req)) != 0)
        raise_status(decode_fault(r));
    status = epm_db_entry_from_tower(req.object.present ? &req.object.uuid : NULL,
                                     req.tower.present ? req.tower.octets : NULL,
                                     req.tower.len, NULL, &e);
    if (status == EPM_S_OK)
        status = epm_db_mgmt_delete(E.db, req.object_speced != 0, &e, &who);
    log_info("ept_mgmt_delete by %s: 0x%08x", peer_name(&ci, pn, sizeof(pn)),
             (unsigned)status);
    r = ndr_init_write(&w, 16, DREP_LE);
    if (r == 0 && (r = epm_status_resp_encode(&w, status)) != 0)
        ndr_cursor_free(&w);
    answer(m, r, &w);
}

/* ---- the interface ------------------------------------------------------- */

static RPC_DISPATCH_FUNCTION epm_table[EPM_OP_COUNT] = {
    [EPM_OP_INSERT] = ept_insert,
    [EPM_OP_DELETE] = ept_delete,
    [EPM_OP_LOOKUP] = ept_lookup,
    [EPM_OP_MAP] = ept_map,
    [EPM_OP_LOOKUP_HANDLE_FREE] = ept_lookup_handle_free,
    [EPM_OP_INQ_OBJECT] = ept_inq_object,
    [EPM_OP_MGMT_DELETE] = ept_mgmt_delete,
};

static RPC_DISPATCH_TABLE epm_dispatch = { EPM_OP_COUNT, epm_table, 0 };

static RPC_SERVER_INTERFACE epm_server_if = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0xe1af8308, 0x5d1f, 0x11c9, {0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa}},
     {EPM_IF_VERS_MAJOR, EPM_IF_VERS_MINOR}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {NDR20_VERSION, 0}},
    &epm_dispatch,
    0, NULL, NULL, NULL, 0,
};

static void
owner_gone(pid_t pid, void *arg)
{
    size_t n;

    (void)arg;
    if ((n = epm_db_remove_pid(E.db, pid)) > 0)
        log_info("process %ld exited: %zu element%s removed", (long)pid, n,
                 n == 1 ? "" : "s");
}

int
epm_srv_start(size_t max_entries)
{
    char sb[128];
    RPC_STATUS st;

    if ((E.db = epm_db_new(max_entries)) == NULL) {
        log_warnx("endpoint map: out of memory");
        return -1;
    }
    if (UuidCreate(&E.object) != RPC_S_OK)
        memset(&E.object, 0, sizeof(E.object));
    RpcrtServerSetConnectionCloseHandler(conn_closed, NULL);
    if ((st = RpcServerRegisterIf2(&epm_server_if, NULL, NULL, 0,
                                   RPC_C_LISTEN_MAX_CALLS_DEFAULT,
                                   EPM_MAX_RPC_SIZE, NULL)) != RPC_S_OK) {
        log_warnx("cannot register the endpoint mapper interface: %s",
                  log_status(st, sb, sizeof(sb)));
        return -1;
    }
    if (reaper_start(owner_gone, NULL) != 0)
        return -1;
    E.started = 1;
    return 0;
}

/* One binding of this server as an element's protseq and endpoint. */
static int
binding_entry(RPC_BINDING_HANDLE h, struct epm_db_entry *e)
{
    struct rpc_strbinding b;
    RPC_CSTR s = NULL;
    int r = -1;

    if (RpcBindingToStringBinding(h, &s) != RPC_S_OK)
        return -1;
    if (proto_strbinding_parse((const char *)s, &b) == RPC_S_OK) {
        e->protseq = proto_protseq_from_name(b.protseq);
        if (e->protseq == RPC_PROTSEQ_NCACN_IP_TCP && b.endpoint[0] != '\0') {
            e->port = (uint16_t)strtoul(b.endpoint, NULL, 10);
            r = 0;
        } else if (e->protseq == RPC_PROTSEQ_NCALRPC && b.endpoint[0] != '\0') {
            snprintf(e->endpoint, sizeof(e->endpoint), "%s", b.endpoint);
            r = 0;
        }
        proto_strbinding_clear(&b);
    }
    RpcStringFree(&s);
    return r;
}

void
epm_srv_sync(void)
{
    static const struct epm_db_cred rpcd_cred = { 0, 0 };
    RPC_IF_ID_VECTOR *ids = NULL;
    RPC_BINDING_VECTOR *bv = NULL;
    struct epm_db_entry *v = NULL;
    size_t n = 0;
    char sb[128];
    RPC_STATUS st;
    uint32_t status;

    if ((st = RpcMgmtInqIfIds(NULL, &ids)) != RPC_S_OK ||
        (st = RpcServerInqBindings(&bv)) != RPC_S_OK) {
        log_warnx("endpoint map: cannot list what rpcd serves: %s",
                  log_status(st, sb, sizeof(sb)));
        goto out;
    }
    if ((v = calloc((size_t)ids->Count * bv->Count + 1, sizeof(*v))) == NULL) {
        log_warnx("endpoint map: out of memory");
        goto out;
    }
    for (unsigned long i = 0; i < ids->Count; i++) {
        const RPC_IF_ID *id = ids->IfId[i];
        const char *note = modules_owner_of(id);

        if (memcmp(&id->Uuid, &epm_server_if.InterfaceId.SyntaxGUID, sizeof(GUID)) == 0)
            note = EPM_ANNOTATION;
        /* TCP first: a listing reads best with the network endpoints
         * before the local one. */
        for (unsigned long j = 0; j < 2 * bv->Count; j++) {
            struct epm_db_entry *e = &v[n];

            memset(e, 0, sizeof(*e));
            if (binding_entry(bv->BindingH[j % bv->Count], e) != 0 ||
                (e->protseq == RPC_PROTSEQ_NCACN_IP_TCP) != (j < bv->Count))
                continue;
            e->iface.SyntaxGUID = id->Uuid;
            e->iface.SyntaxVersion.MajorVersion = id->VersMajor;
            e->iface.SyntaxVersion.MinorVersion = id->VersMinor;
            /* Every interface libserver serves speaks NDR 2.0. */
            e->xfer.SyntaxGUID = epm_server_if.TransferSyntax.SyntaxGUID;
            e->xfer.SyntaxVersion.MajorVersion = NDR20_VERSION;
            snprintf(e->annotation, sizeof(e->annotation), "%s",
                     note != NULL ? note : "rpcd");
            n++;
        }
    }
    /* Without replace: rpcd's own elements are only ever added to; an
     * element already there keeps its place (equal ones are not
     * duplicated, epm_db.h). */
    if ((status = epm_db_insert(E.db, v, n, 0, &rpcd_cred)) != EPM_S_OK)
        log_warnx("endpoint map: cannot enter rpcd's interfaces: 0x%08x",
                  (unsigned)status);
    else
        log_debug("endpoint map: %zu elements for %lu interfaces, %zu in all", n,
                  ids->Count, epm_db_count(E.db));
out:
    free(v);
    RpcIfIdVectorFree(&ids);
    RpcBindingVectorFree(&bv);
}

void
epm_srv_stop(void)
{
    if (!E.started)
        return;
    reaper_stop();
    RpcrtServerSetConnectionCloseHandler(NULL, NULL);
    pthread_mutex_lock(&E.mu);
    while (E.ctxs != NULL) {
        struct epm_ctx *x = E.ctxs;
        E.ctxs = x->next;
        free(x);                     /* epm_db_free frees the cursors */
    }
    E.nctx = 0;
    pthread_mutex_unlock(&E.mu);
    epm_db_free(E.db);
    E.db = NULL;
    E.started = 0;
}

size_t
epm_srv_count(void)
{
    return E.db != NULL ? epm_db_count(E.db) : 0;
}
