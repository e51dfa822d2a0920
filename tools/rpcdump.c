/*
 * tools/rpcdump.c -- list the entries of a host's endpoint mapper.
 *
 *   rpcdump [-v] [-p PORT] [HOST | STRING-BINDING]
 *
 * HOST (default 127.0.0.1) is asked on ncacn_ip_tcp port 135 (or -p PORT,
 * or $RPCRT_EPM_ENDPOINT); a string binding names the mapper directly
 * (ncacn_ip_tcp:HOST[PORT] or ncalrpc:[epmapper]).  The mapper is read
 * with ept_lookup (inquiry rpc_c_ep_all_elts), 500 entries a call, until
 * it returns a null handle; then the handle is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <rpcrt/rpc.h>

#include "proto/epm.h"

static int verbose;

static int
fail(const char *what, RPC_STATUS st)
{
    unsigned char text[DCE_C_ERROR_STRING_LEN];

    DceErrorInqText(st, text);
    fprintf(stderr, "rpcdump: %s: %s (%ld)\n", what, text, (long)st);
    return 1;
}

/* One stub-level call: request bytes in, reply cursor out (the caller
 * frees msg with I_RpcFreeBuffer). */
static RPC_STATUS
call(RPC_BINDING_HANDLE h, unsigned opnum, struct ndr_cursor *req,
     RPC_MESSAGE *msg, struct ndr_cursor *reply)
{
    RPC_STATUS st;

    memset(msg, 0, sizeof(*msg));
    msg->Handle = h;
    msg->ProcNum = opnum;
    msg->RpcInterfaceInformation = &epm_client_interface;
    msg->BufferLength = (unsigned int)req->len;
    if ((st = I_RpcGetBuffer(msg)) != RPC_S_OK)
        return st;
    memcpy(msg->Buffer, req->data, req->len);
    if ((st = I_RpcSendReceive(msg)) != RPC_S_OK) {
        if (msg->Buffer != NULL)
            I_RpcFreeBuffer(msg);
        return st;
    }
    ndr_init_read(reply, msg->Buffer, msg->BufferLength,
                  (uint8_t)(msg->DataRepresentation & 0xff));
    return RPC_S_OK;
}

static void
print_entry(const struct epm_entry *e, const char *host)
{
    struct rpc_tower t;
    char u[37], o[37];

    if (!e->tower.present || proto_tower_decode(e->tower.octets, e->tower.len, &t) != 0) {
        if (verbose)
            printf("(a tower rpcdump does not understand)\n\n");
        return;
    }
    proto_uuid_format(&t.iface.SyntaxGUID, u);
    proto_uuid_format(&e->object, o);
    printf("Interface: %s v%u.%u\n", u, t.iface.SyntaxVersion.MajorVersion,
           t.iface.SyntaxVersion.MinorVersion);
    if (e->annotation[0] != '\0')
        printf("Annotation: %s\n", e->annotation);
    if (!UuidIsNil(&((struct epm_entry *)(uintptr_t)e)->object, NULL))
        printf("Object: %s\n", o);
    if (t.protseq == RPC_PROTSEQ_NCACN_IP_TCP) {
        char a[INET_ADDRSTRLEN] = "0.0.0.0";
        inet_ntop(AF_INET, t.addr, a, sizeof(a));
        /* A mapper answers with the address it was reached at or 0.0.0.0
         * (MS-RPCE 2.1.1.1): show the host asked in that case. */
        printf("Binding: ncacn_ip_tcp:%s[%u]\n",
               strcmp(a, "0.0.0.0") == 0 ? host : a, t.port);
    } else {
        printf("Binding: ncalrpc:[%s]\n", t.endpoint);
    }
    printf("\n");
}

int
main(int argc, char **argv)
{
    const char *target = "127.0.0.1", *port = getenv("RPCRT_EPM_ENDPOINT");
    char sb[300], host[256];
    RPC_BINDING_HANDLE h = NULL;
    struct epm_lookup_req req;
    struct epm_handle handle;
    unsigned total = 0;
    RPC_STATUS st;
    int ch;

    while ((ch = getopt(argc, argv, "vp:h")) != -1) {
        switch (ch) {
        case 'v':
            verbose = 1;
            break;
        case 'p':
            if (strspn(optarg, "0123456789") != strlen(optarg) || atoi(optarg) < 1 ||
                atoi(optarg) > 65535) {
                fprintf(stderr, "rpcdump: bad port %s\n", optarg);
                return 2;
            }
            port = optarg;
            break;
        case 'h':
            printf("usage: rpcdump [-v] [-p PORT] [HOST | STRING-BINDING]\n");
            return 0;
        default:
            fprintf(stderr, "usage: rpcdump [-v] [-p PORT] [HOST | STRING-BINDING]\n");
            return 2;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "usage: rpcdump [-v] [-p PORT] [HOST | STRING-BINDING]\n");
        return 2;
    }
    if (argc > optind)
        target = argv[optind];
    if (strchr(target, ':') != NULL && strchr(target, '[') != NULL) {
        snprintf(sb, sizeof(sb), "%s", target);
        RPC_CSTR na = NULL;
        snprintf(host, sizeof(host), "127.0.0.1");
        if (RpcStringBindingParse((RPC_CSTR)sb, NULL, NULL, &na, NULL, NULL) == RPC_S_OK) {
            snprintf(host, sizeof(host), "%s", na[0] ? (char *)na : "127.0.0.1");
            RpcStringFree(&na);
        }
    } else {
        snprintf(host, sizeof(host), "%s", target);
        snprintf(sb, sizeof(sb), "ncacn_ip_tcp:%s[%s]", target,
                 port != NULL && *port ? port : "135");
    }
    if ((st = RpcBindingFromStringBinding((RPC_CSTR)sb, &h)) != RPC_S_OK)
        return fail(sb, st);

    memset(&handle, 0, sizeof(handle));
    for (;;) {
        struct ndr_cursor c, r;
        struct epm_lookup_resp resp;
        RPC_MESSAGE msg;

        memset(&req, 0, sizeof(req));
        req.inquiry_type = EPM_INQ_ALL_ELTS;
        req.vers_option = EPM_VERS_ALL;
        req.handle = handle;
        req.max_ents = EPM_MAX_ENTS;
        if (ndr_init_write(&c, 128, DREP_LE) != 0 || epm_lookup_req_encode(&c, &req) != 0)
            return fail("encode", RPC_S_OUT_OF_MEMORY);
        st = call(h, EPM_OP_LOOKUP, &c, &msg, &r);
        ndr_cursor_free(&c);
        if (st != RPC_S_OK)
            return fail(sb, st);
        if (epm_lookup_resp_decode(&r, &resp) != 0) {
            I_RpcFreeBuffer(&msg);
            return fail("ept_lookup reply", RPC_S_PROTOCOL_ERROR);
        }
        /* The decoded towers borrow from the reply buffer. */
        for (uint32_t i = 0; i < resp.num_ents; i++)
            print_entry(&resp.entries[i], host);
        total += resp.num_ents;
        handle = resp.handle;
        uint32_t status = resp.status;
        epm_lookup_resp_clear(&resp);
        I_RpcFreeBuffer(&msg);
        if (status != 0 || epm_handle_is_null(&handle))
            break;
    }
    if (!epm_handle_is_null(&handle)) {
        struct ndr_cursor c, r;
        RPC_MESSAGE msg;
        if (ndr_init_write(&c, 32, DREP_LE) == 0 && epm_handle_free_req_encode(&c, &handle) == 0 &&
            call(h, EPM_OP_LOOKUP_HANDLE_FREE, &c, &msg, &r) == RPC_S_OK)
            I_RpcFreeBuffer(&msg);
        ndr_cursor_free(&c);
    }
    printf("%u endpoints found\n", total);
    RpcBindingFree(&h);
    return 0;
}
