/*
 * libserver/srv_ep.c -- RpcEpRegister, RpcEpRegisterNoReplace and
 * RpcEpUnregister: a server's entries in the endpoint map of its own host.
 *
 * The map is kept by rpcd (daemon/epm_srv.c); a server reaches it on the
 * ncalrpc endpoint "epmapper" in the runtime's socket directory and calls
 * ept_insert (opnum 0) or ept_delete (opnum 1) of the EPM interface (C706
 * Appendix O, MS-RPCE 2.2.1.2) through libclient, as Windows' rpcrt4 does
 * over its local ncalrpc port "epmapper".  Going through ncalrpc is what
 * lets rpcd know who is registering (SO_PEERCRED): entries belong to the
 * calling user, and vanish when the calling process exits.
 *
 * One element is made per binding x object UUID (C706 rpc_ep_register:
 * the cross product), each with the interface's tower (floors 1-2: the
 * interface and transfer syntax of IfSpec; floors 3-5: the binding's
 * protocol sequence and endpoint) and the annotation.  ept_insert takes at
 * most EPM_MAX_ENTS elements a call; a larger set goes in several calls,
 * of which only the first asks for replacement (a later one would replace
 * what the earlier ones just added).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "libserver/srv.h"
#include "proto/epm.h"

/* The largest tower built here: 2 + floors 1-2 (25 each) + the ncalrpc
 * floors 3 (7) and 4 (5 + a name of at most TOWER_ENDPOINT_MAX). */
#define EP_TOWER_MAX (2 + 25 + 25 + 7 + 5 + TOWER_ENDPOINT_MAX)

struct ep_set {
    struct epm_entry *ents;
    uint8_t *towers;                 /* n * EP_TOWER_MAX bytes */
    size_t n;
};

static void
ep_set_clear(struct ep_set *s)
{
    free(s->ents);
    free(s->towers);
    memset(s, 0, sizeof(*s));
}

/* The ept_* statuses of C706 Appendix O -> Windows' codes (MS-RPCE
 * 2.2.1.2.1 defines EPT_S_CANT_PERFORM_OP as 0x6d8, and so on). */
static RPC_STATUS
ept_status(uint32_t st)
{
    switch (st) {
    case EPM_S_OK:
        return RPC_S_OK;
    case EPM_S_NOT_REGISTERED:
        return EPT_S_NOT_REGISTERED;
    case EPM_S_INVALID_ENTRY:
        return EPT_S_INVALID_ENTRY;
    case EPM_S_NO_MEMORY:
        /* The map is full (ept_s_no_memory). */
        return EPT_S_CANT_CREATE;
    case EPM_S_CANT_PERFORM_OP:
    default:
        return EPT_S_CANT_PERFORM_OP;
    }
}

/* The tower of one binding: its protocol sequence, endpoint and (IPv4)
 * address, under the interface of spec. */
static RPC_STATUS
binding_tower(const RPC_SERVER_INTERFACE *spec, RPC_BINDING_HANDLE h,
              uint8_t *buf, size_t *len)
{
    struct rpc_handle *rh;
    struct rpc_strbinding b;
    struct rpc_tower t;
    RPC_CSTR s = NULL;
    RPC_STATUS st;

    /* A client binding names a server address; a call's binding (a server
     * binding handle) names a client. */
    if ((rh = I_RpcrtHandleGet(h, RPC_HANDLE_ANY)) == NULL)
        return RPC_S_INVALID_BINDING;
    st = rh->kind == RPC_HANDLE_CLIENT_BINDING ? RPC_S_OK
                                               : RPC_S_WRONG_KIND_OF_BINDING;
    I_RpcrtHandlePut(rh);
    if (st != RPC_S_OK)
        return st;
    if ((st = RpcBindingToStringBindingA(h, &s)) != RPC_S_OK)
        return st;
    st = proto_strbinding_parse((const char *)s, &b);
    RpcStringFreeA(&s);
    if (st != RPC_S_OK)
        return st;

    memset(&t, 0, sizeof(t));
    t.iface = spec->InterfaceId;
    t.xfer = spec->TransferSyntax;
    if (UuidIsNil(&t.xfer.SyntaxGUID, NULL))
        t.xfer = rpc_ndr20_syntax;
    t.protseq = proto_protseq_from_name(b.protseq);
    t.family = AF_INET;
    if (b.endpoint[0] == '\0') {
        st = RPC_S_NO_ENDPOINT_FOUND;
    } else if (t.protseq == RPC_PROTSEQ_NCACN_IP_TCP) {
        t.port = (uint16_t)strtoul(b.endpoint, NULL, 10);
        /* The address is advisory (MS-RPCE 2.1.1.1); rpcd does not keep
         * it.  IPv4 literals go in as they are, anything else as 0. */
        if (inet_pton(AF_INET, b.netaddr, t.addr) != 1)
            memset(t.addr, 0, sizeof(t.addr));
    } else if (t.protseq == RPC_PROTSEQ_NCALRPC) {
        snprintf(t.endpoint, sizeof(t.endpoint), "%s", b.endpoint);
    } else {
        st = RPC_S_PROTSEQ_NOT_SUPPORTED;
    }
    proto_strbinding_clear(&b);
    if (st == RPC_S_OK && proto_tower_encode(&t, buf, EP_TOWER_MAX, len) != 0)
        st = RPC_S_INVALID_BINDING;
    return st;
}

/* The cross product bindings x objects (C706 rpc_ep_register). */
static RPC_STATUS
ep_set_build(RPC_IF_HANDLE IfSpec, RPC_BINDING_VECTOR *bv, UUID_VECTOR *uv,
             RPC_CSTR Annotation, struct ep_set *s)
{
    const RPC_SERVER_INTERFACE *spec = IfSpec;
    unsigned long nobj = uv != NULL && uv->Count > 0 ? uv->Count : 1;
    char note[EPM_ANNOTATION_MAX];
    RPC_STATUS st;

    memset(s, 0, sizeof(*s));
    if (spec == NULL)
        return RPC_S_INVALID_ARG;
    if (bv == NULL || bv->Count == 0)
        return RPC_S_NO_BINDINGS;
    if (bv->Count > SIZE_MAX / nobj / EP_TOWER_MAX)
        return RPC_S_OUT_OF_MEMORY;
    /* C706 Appendix O: ept_max_annotation_size (64) counts the NUL;
     * longer annotations are cut. */
    snprintf(note, sizeof(note), "%s", Annotation != NULL ? (char *)Annotation : "");
    s->n = bv->Count * nobj;
    s->ents = calloc(s->n, sizeof(*s->ents));
    s->towers = malloc(bv->Count * (size_t)EP_TOWER_MAX);
    if (s->ents == NULL || s->towers == NULL) {
        ep_set_clear(s);
        return RPC_S_OUT_OF_MEMORY;
    }
    for (unsigned long i = 0; i < bv->Count; i++) {
        uint8_t *tw = s->towers + i * (size_t)EP_TOWER_MAX;
        size_t tlen = 0;

        if ((st = binding_tower(spec, bv->BindingH[i], tw, &tlen)) != RPC_S_OK) {
            ep_set_clear(s);
            return st;
        }
        for (unsigned long j = 0; j < nobj; j++) {
            struct epm_entry *e = &s->ents[i * nobj + j];

            if (uv != NULL && uv->Count > 0 && uv->Uuid[j] != NULL)
                e->object = *uv->Uuid[j];
            e->tower.present = 1;
            e->tower.len = (uint32_t)tlen;
            e->tower.octets = tw;
            memcpy(e->annotation, note, sizeof(note));
        }
    }
    return RPC_S_OK;
}

/* One ept_insert or ept_delete call of n elements; *status gets the
 * reply's error_status_t. */
static RPC_STATUS
ep_call(RPC_BINDING_HANDLE h, unsigned opnum, struct epm_entry *ents,
        size_t n, int replace, uint32_t *status)
{
    struct epm_insert_req req;
    struct ndr_cursor c;
    RPC_MESSAGE msg;
    RPC_STATUS st;
    int r;

    memset(&req, 0, sizeof(req));
    req.num_ents = (uint32_t)n;
    req.entries = ents;
    req.replace = replace ? 1 : 0;
    if (ndr_init_write(&c, 256, DREP_LE) != 0)
        return RPC_S_OUT_OF_MEMORY;
    r = opnum == EPM_OP_INSERT ? epm_insert_req_encode(&c, &req)
                               : epm_delete_req_encode(&c, &req);
    if (r != 0) {
        ndr_cursor_free(&c);
        return r == PROTO_E_NOMEM ? RPC_S_OUT_OF_MEMORY : RPC_S_INTERNAL_ERROR;
    }
    memset(&msg, 0, sizeof(msg));
    msg.Handle = h;
    msg.ProcNum = opnum;
    msg.RpcInterfaceInformation = &epm_client_interface;
    msg.BufferLength = (unsigned int)c.len;
    if ((st = I_RpcGetBuffer(&msg)) == RPC_S_OK) {
        memcpy(msg.Buffer, c.data, c.len);
        st = I_RpcSendReceive(&msg);
    }
    ndr_cursor_free(&c);
    if (st != RPC_S_OK) {
        if (msg.Buffer != NULL)
            I_RpcFreeBuffer(&msg);
        return st;
    }
    ndr_init_read(&c, msg.Buffer, msg.BufferLength,
                  (uint8_t)(msg.DataRepresentation & 0xff));
    if (epm_status_resp_decode(&c, status) != 0)
        st = RPC_S_PROTOCOL_ERROR;
    I_RpcFreeBuffer(&msg);
    return st;
}

static RPC_STATUS
mapper_open(RPC_BINDING_HANDLE *h)
{
    return RpcBindingFromStringBindingA((RPC_CSTR)(uintptr_t)"ncalrpc:[epmapper]", h);
}

static RPC_STATUS
ep_register(RPC_IF_HANDLE IfSpec, RPC_BINDING_VECTOR *bv, UUID_VECTOR *uv,
            RPC_CSTR Annotation, int replace)
{
    RPC_BINDING_HANDLE h = NULL;
    struct ep_set s;
    RPC_STATUS st;

    if ((st = ep_set_build(IfSpec, bv, uv, Annotation, &s)) != RPC_S_OK)
        return st;
    if ((st = mapper_open(&h)) == RPC_S_OK) {
        for (size_t off = 0; off < s.n && st == RPC_S_OK; off += EPM_MAX_ENTS) {
            size_t n = s.n - off < EPM_MAX_ENTS ? s.n - off : EPM_MAX_ENTS;
            uint32_t status = 0;

            st = ep_call(h, EPM_OP_INSERT, s.ents + off, n,
                         replace && off == 0, &status);
            if (st == RPC_S_OK)
                st = ept_status(status);
        }
        RpcBindingFree(&h);
    }
    ep_set_clear(&s);
    return st;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcEpRegisterA(RPC_IF_HANDLE IfSpec, RPC_BINDING_VECTOR *BindingVector,
               UUID_VECTOR *UuidVector, RPC_CSTR Annotation)
{
    return ep_register(IfSpec, BindingVector, UuidVector, Annotation, 1);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcEpRegisterNoReplaceA(RPC_IF_HANDLE IfSpec, RPC_BINDING_VECTOR *BindingVector,
                        UUID_VECTOR *UuidVector, RPC_CSTR Annotation)
{
    return ep_register(IfSpec, BindingVector, UuidVector, Annotation, 0);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcEpUnregister(RPC_IF_HANDLE IfSpec, RPC_BINDING_VECTOR *BindingVector,
                UUID_VECTOR *UuidVector)
{
    RPC_BINDING_HANDLE h = NULL;
    struct ep_set s;
    RPC_STATUS st;
    size_t gone = 0;

    if ((st = ep_set_build(IfSpec, BindingVector, UuidVector, NULL, &s)) != RPC_S_OK)
        return st;
    if ((st = mapper_open(&h)) != RPC_S_OK) {
        ep_set_clear(&s);
        return st;
    }
    for (size_t off = 0; off < s.n && st == RPC_S_OK; off += EPM_MAX_ENTS) {
        size_t n = s.n - off < EPM_MAX_ENTS ? s.n - off : EPM_MAX_ENTS;
        uint32_t status = 0;

        if ((st = ep_call(h, EPM_OP_DELETE, s.ents + off, n, 0, &status)) != RPC_S_OK)
            break;
        if (status == EPM_S_OK) {
            gone += n;
            continue;
        }
        if (status != EPM_S_NOT_REGISTERED) {
            st = ept_status(status);
            break;
        }
        /* ept_delete is all or nothing (C706 Appendix O): one element
         * that is not there keeps the others.  Remove what is there, one
         * by one; what is missing is not an error as long as something
         * went. */
        for (size_t k = 0; k < n && st == RPC_S_OK; k++) {
            if ((st = ep_call(h, EPM_OP_DELETE, s.ents + off + k, 1, 0,
                              &status)) != RPC_S_OK)
                break;
            if (status == EPM_S_OK)
                gone++;
            else if (status != EPM_S_NOT_REGISTERED)
                st = ept_status(status);
        }
    }
    RpcBindingFree(&h);
    ep_set_clear(&s);
    if (st == RPC_S_OK && gone == 0)
        st = EPT_S_NOT_REGISTERED;
    return st;
}
