/*
 * libserver/srv_mgmt.c -- the remote management interface every DCE
 * server offers (C706 Appendix Q, "mgmt", afa8bd80-7d8a-11c9-bef4-
 * 08002b102989 v1.0), served as a built-in interface, and its client side
 * for the RpcMgmt* functions given a binding handle.
 *
 * The IDL (C706 Appendix Q; Samba's and impacket's mgmt agree):
 *   typedef struct { uuid_t uuid; unsigned16 vers_major, vers_minor; } rpc_if_id_t;
 *   typedef [ptr] rpc_if_id_t *rpc_if_id_p_t;
 *   typedef struct { unsigned32 count; [size_is(count)] rpc_if_id_p_t if_id[*]; }
 *       rpc_if_id_vector_t;
 *   0 void inq_if_ids([out] rpc_if_id_vector_t **if_id_vector,
 *                     [out] error_status_t *status);
 *   1 void inq_stats([in,out] unsigned32 *count,
 *                    [out, size_is(*count)] unsigned32 statistics[*],
 *                    [out] error_status_t *status);
 *   2 boolean32 is_server_listening([out] error_status_t *status);
 *   3 void stop_server_listening([out] error_status_t *status);
 *   4 void inq_princ_name([in] unsigned32 authn_proto,
 *                         [in] unsigned32 princ_name_size,
 *                         [out, string, size_is(princ_name_size)] char princ_name[],
 *                         [out] error_status_t *status);
 * Replies are NDR 2.0 in our byte order (little-endian, the drep of our
 * PDU headers); requests are read in the caller's.  A short request is
 * a fault nca_s_fault_ndr (RPC_X_BAD_STUB_DATA), never a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "libserver/srv.h"
#include "proto/mgmt.h"

atomic_ulong srv_stat_calls_in, srv_stat_pkts_in, srv_stat_pkts_out;

/* ---- server ------------------------------------------------------------- */

static void
reply(PRPC_MESSAGE m, struct ndr_cursor *w)
{
    RPC_STATUS st;

    m->BufferLength = (unsigned int)w->len;
    if ((st = I_RpcGetBuffer(m)) != RPC_S_OK) {
        ndr_cursor_free(w);
        RpcRaiseException(st);
    }
    memcpy(m->Buffer, w->data, w->len);
    ndr_cursor_free(w);
}

static void
begin_reply(struct ndr_cursor *w)
{
    if (ndr_init_write(w, 64, DREP_LE) != 0)
        RpcRaiseException(RPC_S_OUT_OF_MEMORY);
}

static void
check(struct ndr_cursor *w, int r)
{
    if (r != 0) {
        ndr_cursor_free(w);
        RpcRaiseException(r == PROTO_E_NOMEM ? RPC_S_OUT_OF_MEMORY
                                             : RPC_X_BAD_STUB_DATA);
    }
}

static void
mgmt_inq_if_ids(PRPC_MESSAGE m)
{
    RPC_IF_ID_VECTOR *v = NULL;
    struct mgmt_if_ids out;
    struct ndr_cursor w;
    RPC_STATUS st;
    int r;

    if ((st = srv_inq_if_ids(&v)) != RPC_S_OK)
        RpcRaiseException(st);
    memset(&out, 0, sizeof(out));
    out.vector_present = 1;
    out.count = (uint32_t)v->Count;
    out.status = RPC_S_OK;
    if (v->Count > 0 && (out.ids = calloc(v->Count, sizeof(*out.ids))) == NULL) {
        RpcIfIdVectorFree(&v);
        RpcRaiseException(RPC_S_OUT_OF_MEMORY);
    }
    for (unsigned long i = 0; i < v->Count; i++) {
        out.ids[i].present = 1;
        out.ids[i].uuid = v->IfId[i]->Uuid;
        out.ids[i].vers_major = v->IfId[i]->VersMajor;
        out.ids[i].vers_minor = v->IfId[i]->VersMinor;
    }
    RpcIfIdVectorFree(&v);
    if (ndr_init_write(&w, 64, DREP_LE) != 0) {
        mgmt_if_ids_clear(&out);
        RpcRaiseException(RPC_S_OUT_OF_MEMORY);
    }
    r = mgmt_if_ids_reply_encode(&w, &out);
    mgmt_if_ids_clear(&out);
    check(&w, r);
    reply(m, &w);
}

static void
mgmt_inq_stats(PRPC_MESSAGE m)
{
    struct ndr_cursor c, w;
    uint32_t count, stats[MGMT_STATS_COUNT];
    int r;

    ndr_init_read(&c, m->Buffer, m->BufferLength, (uint8_t)(m->DataRepresentation & 0xff));
    if (mgmt_inq_stats_req_decode(&c, &count) != 0)
        RpcRaiseException(RPC_X_BAD_STUB_DATA);
    if (count > MGMT_STATS_COUNT)
        count = MGMT_STATS_COUNT;
    stats[0] = (uint32_t)atomic_load(&srv_stat_calls_in);
    stats[1] = 0;                   /* calls_out: this server makes none */
    stats[2] = (uint32_t)atomic_load(&srv_stat_pkts_in);
    stats[3] = (uint32_t)atomic_load(&srv_stat_pkts_out);
    begin_reply(&w);
    r = ndr_put_u32(&w, count);
    if (r == 0)
        r = ndr_put_u32(&w, count);         /* conformance */
    for (uint32_t i = 0; i < count && r == 0; i++)
        r = ndr_put_u32(&w, stats[i]);
    if (r == 0)
        r = ndr_put_u32(&w, RPC_S_OK);
    check(&w, r);
    reply(m, &w);
}

static void
mgmt_is_server_listening(PRPC_MESSAGE m)
{
    struct ndr_cursor w;
    int r;

    begin_reply(&w);
    /* Out parameters first, then the boolean32 result. */
    r = ndr_put_u32(&w, RPC_S_OK);
    if (r == 0)
        r = ndr_put_u32(&w, RpcMgmtIsServerListening(NULL) == RPC_S_OK);
    check(&w, r);
    reply(m, &w);
}

static void
mgmt_stop_server_listening(PRPC_MESSAGE m)
{
    struct srv_options o;
    struct ndr_cursor w;
    RPC_STATUS st;

    srv_options_get(&o);
    /* A remote client may not stop the server unless the application
     * said so (RPCRT_OPT_ALLOW_REMOTE_STOP); Windows likewise refuses
     * without an authorization function that allows it. */
    st = o.allow_remote_stop ? RpcMgmtStopServerListening(NULL) : RPC_S_ACCESS_DENIED;
    begin_reply(&w);
    check(&w, ndr_put_u32(&w, (uint32_t)st));
    reply(m, &w);
}

static void
mgmt_inq_princ_name(PRPC_MESSAGE m)
{
    struct ndr_cursor c, w;
    uint32_t authn, size;
    int r;

    ndr_init_read(&c, m->Buffer, m->BufferLength, (uint8_t)(m->DataRepresentation & 0xff));
    if (mgmt_inq_princ_name_req_decode(&c, &authn, &size) != 0)
        RpcRaiseException(RPC_X_BAD_STUB_DATA);
    (void)authn;
    begin_reply(&w);
    /* No authentication service is registered: an empty name and
     * rpc_s_unknown_authn_service (RpcMgmtInqServerPrincName's status). */
    r = ndr_put_u32(&w, size);                  /* max_count */
    if (r == 0)
        r = ndr_put_u32(&w, 0);                 /* offset */
    if (r == 0)
        r = ndr_put_u32(&w, size > 0 ? 1 : 0);  /* actual_count */
    if (r == 0 && size > 0)
        r = ndr_put_u8(&w, 0);
    if (r == 0)
        r = ndr_put_u32(&w, RPC_S_UNKNOWN_AUTHN_SERVICE);
    check(&w, r);
    reply(m, &w);
}

static RPC_DISPATCH_FUNCTION mgmt_functions[] = {
    mgmt_inq_if_ids,
    mgmt_inq_stats,
    mgmt_is_server_listening,
    mgmt_stop_server_listening,
    mgmt_inq_princ_name,
};

static RPC_DISPATCH_TABLE mgmt_dispatch = {
    sizeof(mgmt_functions) / sizeof(mgmt_functions[0]), mgmt_functions, 0
};

#define MGMT_UUID {0xafa8bd80, 0x7d8a, 0x11c9, {0xbe, 0xf4, 0x08, 0x00, 0x2b, 0x10, 0x29, 0x89}}
#define NDR20_SYNTAX {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}}, {2, 0}}

const RPC_SERVER_INTERFACE srv_mgmt_if = {
    sizeof(RPC_SERVER_INTERFACE),
    {MGMT_UUID, {MGMT_IF_VERS_MAJOR, MGMT_IF_VERS_MINOR}},
    NDR20_SYNTAX,
    &mgmt_dispatch,
    0, NULL, NULL, NULL, 0,
};

/* ---- client (RpcMgmt* with a binding) ----------------------------------- */

static const RPC_CLIENT_INTERFACE mgmt_client_if = {
    sizeof(RPC_CLIENT_INTERFACE),
    {MGMT_UUID, {MGMT_IF_VERS_MAJOR, MGMT_IF_VERS_MINOR}},
    NDR20_SYNTAX,
    NULL, 0, NULL, 0, NULL, 0,
};

/* Calls opnum with an empty request; on RPC_S_OK the reply is in m (the
 * caller frees it with I_RpcFreeBuffer) and c reads it. */
static RPC_STATUS
remote_call(RPC_BINDING_HANDLE b, unsigned opnum, PRPC_MESSAGE m,
            struct ndr_cursor *c)
{
    RPC_STATUS st;

    memset(m, 0, sizeof(*m));
    m->Handle = b;
    m->ProcNum = opnum;
    m->RpcInterfaceInformation = (void *)(uintptr_t)&mgmt_client_if;
    m->DataRepresentation = DREP_LE;
    m->BufferLength = 0;
    if ((st = I_RpcGetBuffer(m)) != RPC_S_OK)
        return st;
    if ((st = I_RpcSendReceive(m)) != RPC_S_OK) {
        I_RpcFreeBuffer(m);
        return st;
    }
    ndr_init_read(c, m->Buffer, m->BufferLength, (uint8_t)(m->DataRepresentation & 0xff));
    return RPC_S_OK;
}

static RPC_STATUS
status_of(uint32_t v)
{
    return v <= 0x7fffffffu ? (RPC_STATUS)v : RPC_S_CALL_FAILED;
}

RPC_STATUS
srv_mgmt_remote_stop(RPC_BINDING_HANDLE b)
{
    struct ndr_cursor c;
    RPC_MESSAGE m;
    uint32_t st;
    RPC_STATUS r;

    if ((r = remote_call(b, MGMT_OP_STOP_SERVER_LISTENING, &m, &c)) != RPC_S_OK)
        return r;
    r = mgmt_status_reply_decode(&c, &st) == 0 ? status_of(st)
                                                : RPC_X_BAD_STUB_DATA;
    I_RpcFreeBuffer(&m);
    return r;
}

RPC_STATUS
srv_mgmt_remote_is_listening(RPC_BINDING_HANDLE b)
{
    struct ndr_cursor c;
    RPC_MESSAGE m;
    uint32_t st, yes;
    RPC_STATUS r;

    if ((r = remote_call(b, MGMT_OP_IS_SERVER_LISTENING, &m, &c)) != RPC_S_OK)
        return r;
    if (mgmt_is_listening_reply_decode(&c, &st, &yes) != 0)
        r = RPC_X_BAD_STUB_DATA;
    else if (st != 0)
        r = status_of(st);
    else
        r = yes ? RPC_S_OK : RPC_S_NOT_LISTENING;
    I_RpcFreeBuffer(&m);
    return r;
}

RPC_STATUS
srv_mgmt_remote_inq_if_ids(RPC_BINDING_HANDLE b, RPC_IF_ID_VECTOR **out)
{
    struct mgmt_if_ids in;
    struct ndr_cursor c;
    RPC_IF_ID_VECTOR *v = NULL;
    RPC_MESSAGE m;
    RPC_STATUS r;

    if ((r = remote_call(b, MGMT_OP_INQ_IF_IDS, &m, &c)) != RPC_S_OK)
        return r;
    if (mgmt_if_ids_reply_decode(&c, &in) != 0) {
        I_RpcFreeBuffer(&m);
        return RPC_X_BAD_STUB_DATA;
    }
    I_RpcFreeBuffer(&m);
    if (in.status != 0)
        r = status_of(in.status);
    else if ((r = srv_if_id_vector_new(in.count, &v)) == RPC_S_OK) {
        /* Null elements are left nil. */
        for (uint32_t i = 0; i < in.count; i++) {
            if (!in.ids[i].present)
                continue;
            v->IfId[i]->Uuid = in.ids[i].uuid;
            v->IfId[i]->VersMajor = in.ids[i].vers_major;
            v->IfId[i]->VersMinor = in.ids[i].vers_minor;
        }
        *out = v;
    }
    mgmt_if_ids_clear(&in);
    return r;
}
