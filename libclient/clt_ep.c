/*
 * libclient/clt_ep.c -- resolving a partially bound handle (no endpoint)
 * through the endpoint mapper of the binding's host: RpcEpResolveBinding,
 * and the same done automatically by a call's first use of the handle.
 *
 * The mapper is the EPM interface (C706 Appendix O) on ncacn_ip_tcp port
 * 135 of the host, or on the ncalrpc endpoint "epmapper" (MS-RPCE
 * 2.1.1.1).  RPCRT_EPM_ENDPOINT overrides the TCP port, for a mapper run
 * by a user (rpcd --listen 'ncacn_ip_tcp:127.0.0.1[1135]').  ept_map is
 * asked for a tower of the interface, NDR 2.0 and the binding's protocol
 * sequence; the first tower of the answer gives the endpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "libclient/clt.h"
#include "proto/epm.h"

/* DCE ept_s_* statuses in the ept_map reply -> Windows' codes. */
static RPC_STATUS
ept_status(uint32_t st)
{
    switch (st) {
    case 0:
        return RPC_S_OK;
    case EPT_S_NOT_REGISTERED_DCE:
        return EPT_S_NOT_REGISTERED;
    case EPT_S_CANT_PERFORM_OP_DCE:
        return EPT_S_CANT_PERFORM_OP;
    case EPT_S_INVALID_ENTRY_DCE:
        return EPT_S_INVALID_ENTRY;
    default:
        return EPT_S_NOT_REGISTERED;
    }
}

/* The mapper's string binding on the host of b. */
static int
mapper_binding(enum rpc_protseq ps, const char *netaddr, char *buf, size_t size)
{
    const char *port = getenv("RPCRT_EPM_ENDPOINT");
    int n;

    if (ps == RPC_PROTSEQ_NCALRPC)
        n = snprintf(buf, size, "ncalrpc:[epmapper]");
    else
        n = snprintf(buf, size, "ncacn_ip_tcp:%s[%s]",
                     netaddr[0] != '\0' ? netaddr : "127.0.0.1",
                     port != NULL && *port != '\0' ? port : "135");
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Asks the mapper for the endpoint of iface over ps; *endpoint is
 * malloc'ed. */
static RPC_STATUS
ep_map(enum rpc_protseq ps, const char *netaddr, const GUID *object,
       const RPC_SYNTAX_IDENTIFIER *iface, char **endpoint)
{
    char sb[300];
    RPC_BINDING_HANDLE mh = NULL;
    struct rpc_tower t;
    uint8_t tbuf[512];
    size_t tlen;
    struct epm_map_req req;
    struct epm_map_resp resp;
    struct ndr_cursor c;
    RPC_MESSAGE msg;
    RPC_STATUS st;

    *endpoint = NULL;
    if (mapper_binding(ps, netaddr, sb, sizeof(sb)) != 0)
        return RPC_S_INVALID_NET_ADDR;
    memset(&t, 0, sizeof(t));
    t.iface = *iface;
    t.xfer = rpc_ndr20_syntax;
    t.protseq = ps;
    t.family = AF_INET;   /* 0.0.0.0, port 0: mappers ignore them */
    if (ps == RPC_PROTSEQ_NCALRPC)
        snprintf(t.endpoint, sizeof(t.endpoint), "x");
    if (proto_tower_encode(&t, tbuf, sizeof(tbuf), &tlen) != 0)
        return RPC_S_INTERNAL_ERROR;

    memset(&req, 0, sizeof(req));
    if (object != NULL && !UuidIsNil((UUID *)(uintptr_t)object, NULL)) {
        req.object.present = 1;
        req.object.uuid = *object;
    }
    req.tower.present = 1;
    req.tower.len = (uint32_t)tlen;
    req.tower.octets = tbuf;
    req.max_towers = 4;
    if (ndr_init_write(&c, 256, DREP_LE) != 0)
        return RPC_S_OUT_OF_MEMORY;
    if (epm_map_req_encode(&c, &req) != 0) {
        ndr_cursor_free(&c);
        return RPC_S_INTERNAL_ERROR;
    }

    if ((st = RpcBindingFromStringBindingA((RPC_CSTR)sb, &mh)) != RPC_S_OK) {
        ndr_cursor_free(&c);
        return st;
    }
    memset(&msg, 0, sizeof(msg));
    msg.Handle = mh;
    msg.ProcNum = EPM_OP_MAP;
    msg.RpcInterfaceInformation = &epm_client_interface;
    msg.BufferLength = (unsigned int)c.len;
    if ((st = I_RpcGetBuffer(&msg)) == RPC_S_OK) {
        memcpy(msg.Buffer, c.data, c.len);
        st = I_RpcSendReceive(&msg);
    }
    ndr_cursor_free(&c);
    if (st != RPC_S_OK) {
        RpcBindingFree(&mh);
        /* No mapper to ask is no server to reach. */
        return st == RPC_S_SERVER_UNAVAILABLE ? RPC_S_SERVER_UNAVAILABLE
                                              : EPT_S_NOT_REGISTERED;
    }
    ndr_init_read(&c, msg.Buffer, msg.BufferLength, (uint8_t)(msg.DataRepresentation & 0xff));
    if (epm_map_resp_decode(&c, &resp) != 0) {
        st = RPC_S_PROTOCOL_ERROR;
    } else {
        st = ept_status(resp.status);
        if (st == RPC_S_OK)
            st = EPT_S_NOT_REGISTERED;
        /* The first tower of our protocol sequence that decodes. */
        for (uint32_t i = 0; i < resp.num_towers; i++) {
            struct rpc_tower rt;
            char port[8];
            if (!resp.towers[i].present ||
                proto_tower_decode(resp.towers[i].octets, resp.towers[i].len, &rt) != 0 ||
                rt.protseq != ps)
                continue;
            if (ps == RPC_PROTSEQ_NCACN_IP_TCP) {
                snprintf(port, sizeof(port), "%u", rt.port);
                *endpoint = strdup(port);
            } else {
                *endpoint = strdup(rt.endpoint);
            }
            st = *endpoint != NULL ? RPC_S_OK : RPC_S_OUT_OF_MEMORY;
            break;
        }
        epm_map_resp_clear(&resp);
    }
    I_RpcFreeBuffer(&msg);
    RpcBindingFree(&mh);
    return st;
}

RPC_STATUS
clt_binding_resolve(struct clt_binding *b, const RPC_SYNTAX_IDENTIFIER *iface)
{
    enum rpc_protseq ps;
    char *netaddr, *ep = NULL;
    GUID object;
    RPC_STATUS st;

    rpcrt_mutex_lock(&b->lock);
    if (b->endpoint[0] != '\0') {
        rpcrt_mutex_unlock(&b->lock);
        return RPC_S_OK;
    }
    ps = b->protseq;
    object = b->object;
    netaddr = strdup(b->netaddr);
    rpcrt_mutex_unlock(&b->lock);
    if (netaddr == NULL)
        return RPC_S_OUT_OF_MEMORY;
    st = ep_map(ps, netaddr, &object, iface, &ep);
    free(netaddr);
    if (st != RPC_S_OK)
        return st;
    rpcrt_mutex_lock(&b->lock);
    if (b->endpoint[0] == '\0') {
        /* Another thread may have resolved it meanwhile: keep the first. */
        free(b->endpoint);
        b->endpoint = ep;
        ep = NULL;
    }
    rpcrt_mutex_unlock(&b->lock);
    free(ep);
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcEpResolveBinding(RPC_BINDING_HANDLE Binding, RPC_IF_HANDLE IfSpec)
{
    const RPC_CLIENT_INTERFACE *ci = IfSpec;
    struct clt_binding *b;
    RPC_STATUS st;

    if (ci == NULL)
        return RPC_S_INVALID_ARG;
    if ((b = clt_binding_get(Binding)) == NULL)
        return RPC_S_INVALID_BINDING;
    st = clt_binding_resolve(b, &ci->InterfaceId);
    I_RpcrtHandlePut(&b->h);
    return st;
}
