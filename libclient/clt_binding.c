/*
 * libclient/clt_binding.c -- client binding handles.
 *
 * A handle is created from a string binding and checked then (protocol
 * sequence, address, endpoint); it connects only at its first call.  Its
 * association (and so its pooled connections) is created on first use and
 * dropped when the handle is freed or reset.
 */
#include <stdlib.h>
#include <string.h>

#include "libclient/clt.h"

/* Non-Windows binding option: "max_frag=N" sets the fragment size we
 * offer at bind (C706 12.6.3.1 max_xmit_frag/max_recv_frag), clamped to
 * [RPC_MIN_FRAG_SIZE, RPC_MAX_FRAG_SIZE]. */
#define OPT_MAX_FRAG "max_frag="

static void binding_destroy(struct rpc_handle *h);
static RPC_STATUS binding_get_buffer(struct rpc_handle *h, PRPC_MESSAGE msg);
static RPC_STATUS binding_free_buffer(struct rpc_handle *h, PRPC_MESSAGE msg);
static RPC_STATUS binding_buffer_range(struct rpc_handle *h, PRPC_MESSAGE msg,
                                       int into, size_t off, void *data, size_t len);
static RPC_STATUS binding_to_string(struct rpc_handle *h, RPC_CSTR *out);
static RPC_STATUS binding_inq_object(struct rpc_handle *h, UUID *obj);

static const struct rpc_handle_ops binding_ops = {
    .destroy = binding_destroy,
    .get_buffer = binding_get_buffer,
    .free_buffer = binding_free_buffer,
    .buffer_range = binding_buffer_range,
    .to_string = binding_to_string,
    .inq_object = binding_inq_object,
};

static void
binding_destroy(struct rpc_handle *h)
{
    struct clt_binding *b = (struct clt_binding *)h;

    if (b->assoc != NULL)
        clt_assoc_unref(b->assoc);
    free(b->netaddr);
    free(b->endpoint);
    free(b->options);
    free(b);
}

static RPC_STATUS
binding_get_buffer(struct rpc_handle *h, PRPC_MESSAGE msg)
{
    void *p;

    (void)h;
    /* One byte at least, so that an empty request still has a buffer the
     * stub can hand back to I_RpcFreeBuffer. */
    if ((p = clt_buf_alloc(msg->BufferLength)) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    msg->Buffer = p;
    /* Marks the buffer a client one: I_RpcFreeBuffer needs no lookup. */
    msg->ReservedForRuntime = p;
    return RPC_S_OK;
}

static RPC_STATUS
binding_free_buffer(struct rpc_handle *h, PRPC_MESSAGE msg)
{
    (void)h;
    clt_buf_free(msg->Buffer);
    msg->Buffer = NULL;
    return RPC_S_OK;
}

static RPC_STATUS
binding_buffer_range(struct rpc_handle *h, PRPC_MESSAGE msg, int into, size_t off,
                     void *data, size_t len)
{
    (void)h;
    return clt_range_set(msg, into, off, data, len);
}

struct clt_binding *
clt_binding_get(RPC_BINDING_HANDLE h)
{
    return (struct clt_binding *)I_RpcrtHandleGet(h, RPC_HANDLE_CLIENT_BINDING);
}

static uint16_t
parse_max_frag(const char *options)
{
    const char *p = options;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, OPT_MAX_FRAG, strlen(OPT_MAX_FRAG)) == 0) {
            char *end;
            unsigned long v = strtoul(p + strlen(OPT_MAX_FRAG), &end, 10);
            if (*end == '\0' || *end == ',') {
                if (v < RPC_MIN_FRAG_SIZE)
                    v = RPC_MIN_FRAG_SIZE;
                if (v > RPC_MAX_FRAG_SIZE)
                    v = RPC_MAX_FRAG_SIZE;
                return (uint16_t)v;
            }
        }
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    return CLT_DEFAULT_MAX_FRAG;
}

static RPC_STATUS
binding_new(enum rpc_protseq ps, const char *netaddr, const char *endpoint,
            const char *options, const GUID *object, struct clt_binding **out)
{
    struct clt_binding *b = calloc(1, sizeof(*b));
    RPC_STATUS st;

    if (b == NULL)
        return RPC_S_OUT_OF_MEMORY;
    rpcrt_mutex_init(&b->lock);
    b->protseq = ps;
    b->netaddr = strdup(netaddr != NULL ? netaddr : "");
    b->endpoint = strdup(endpoint != NULL ? endpoint : "");
    b->options = strdup(options != NULL ? options : "");
    if (object != NULL)
        b->object = *object;
    b->max_frag = parse_max_frag(b->options);
    if (b->netaddr == NULL || b->endpoint == NULL || b->options == NULL) {
        binding_destroy(&b->h);
        return RPC_S_OUT_OF_MEMORY;
    }
    if ((st = I_RpcrtHandleInit(&b->h, RPC_HANDLE_CLIENT_BINDING, &binding_ops)) != RPC_S_OK) {
        binding_destroy(&b->h);
        return st;
    }
    *out = b;
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingFromStringBindingA(RPC_CSTR StringBinding, RPC_BINDING_HANDLE *Binding)
{
    struct rpc_strbinding sb;
    struct clt_binding *b;
    enum rpc_protseq ps;
    GUID obj;
    RPC_STATUS st;

    if (Binding == NULL)
        return RPC_S_INVALID_ARG;
    *Binding = NULL;
    if (StringBinding == NULL)
        return RPC_S_INVALID_STRING_BINDING;
    if ((st = proto_strbinding_parse((const char *)StringBinding, &sb)) != RPC_S_OK)
        return st;
    memset(&obj, 0, sizeof(obj));
    if (sb.obj_uuid[0] != '\0' && proto_uuid_parse(sb.obj_uuid, &obj) != 0) {
        st = RPC_S_INVALID_STRING_UUID;
        goto out;
    }
    ps = proto_protseq_from_name(sb.protseq);
    if (ps == RPC_PROTSEQ_UNKNOWN) {
        /* Known DCE/MS protocol sequences we do not serve, vs nonsense. */
        static const char *const known[] = {
            "ncacn_np", "ncacn_http", "ncadg_ip_udp", "ncacn_nb_tcp",
            "ncacn_spx", "ncadg_ipx", "ncacn_vns_spp", "ncacn_at_dsp",
            "ncadg_mq", "ncacn_dnet_nsp", "ncacn_nb_nb", "ncacn_nb_ipx",
            "ncadg_nb", "ncacn_ip6_tcp",
        };
        st = RPC_S_INVALID_RPC_PROTSEQ;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (strcmp(sb.protseq, known[i]) == 0)
                st = RPC_S_PROTSEQ_NOT_SUPPORTED;
        goto out;
    }
    if ((st = proto_check_netaddr(ps, sb.netaddr)) != RPC_S_OK ||
        (st = proto_check_endpoint(ps, sb.endpoint)) != RPC_S_OK)
        goto out;
    if ((st = binding_new(ps, sb.netaddr, sb.endpoint, sb.options, &obj, &b)) != RPC_S_OK)
        goto out;
    *Binding = b;
out:
    proto_strbinding_clear(&sb);
    return st;
}

static RPC_STATUS
binding_to_string(struct rpc_handle *h, RPC_CSTR *out)
{
    struct clt_binding *b = (struct clt_binding *)h;
    struct rpc_strbinding sb;
    char uuid[37] = "";
    char *s = NULL;
    RPC_STATUS st;

    rpcrt_mutex_lock(&b->lock);
    if (!UuidIsNil(&b->object, NULL))
        proto_uuid_format(&b->object, uuid);
    sb.obj_uuid = uuid;
    sb.protseq = (char *)(uintptr_t)proto_protseq_name(b->protseq);
    sb.netaddr = b->netaddr;
    sb.endpoint = b->endpoint;
    sb.options = b->options;
    st = proto_strbinding_compose(&sb, &s);
    rpcrt_mutex_unlock(&b->lock);
    *out = (RPC_CSTR)s;
    return st;
}

static RPC_STATUS
binding_inq_object(struct rpc_handle *h, UUID *obj)
{
    struct clt_binding *b = (struct clt_binding *)h;

    rpcrt_mutex_lock(&b->lock);
    *obj = b->object;
    rpcrt_mutex_unlock(&b->lock);
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingToStringBindingA(RPC_BINDING_HANDLE Binding, RPC_CSTR *StringBinding)
{
    struct rpc_handle *h;
    RPC_STATUS st;

    if (StringBinding == NULL)
        return RPC_S_INVALID_ARG;
    *StringBinding = NULL;
    if ((h = I_RpcrtHandleGet(Binding, RPC_HANDLE_ANY)) == NULL)
        return RPC_S_INVALID_BINDING;
    st = h->ops->to_string != NULL ? h->ops->to_string(h, StringBinding)
                                   : RPC_S_WRONG_KIND_OF_BINDING;
    I_RpcrtHandlePut(h);
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingFree(RPC_BINDING_HANDLE *Binding)
{
    struct clt_binding *b;

    if (Binding == NULL || (b = clt_binding_get(*Binding)) == NULL)
        return RPC_S_INVALID_BINDING;
    /* Calls in progress hold their own references: the handle is gone for
     * new calls at once, its memory when the last call ends. */
    I_RpcrtHandleRetire(&b->h);
    I_RpcrtHandlePut(&b->h);
    *Binding = NULL;
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingCopy(RPC_BINDING_HANDLE SourceBinding, RPC_BINDING_HANDLE *DestinationBinding)
{
    struct clt_binding *b, *n = NULL;
    RPC_STATUS st;

    if (DestinationBinding == NULL)
        return RPC_S_INVALID_ARG;
    *DestinationBinding = NULL;
    if ((b = clt_binding_get(SourceBinding)) == NULL)
        return RPC_S_INVALID_BINDING;
    rpcrt_mutex_lock(&b->lock);
    st = binding_new(b->protseq, b->netaddr, b->endpoint, b->options, &b->object, &n);
    rpcrt_mutex_unlock(&b->lock);
    I_RpcrtHandlePut(&b->h);
    if (st == RPC_S_OK)
        *DestinationBinding = n;
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingReset(RPC_BINDING_HANDLE Binding)
{
    struct clt_binding *b;
    struct clt_assoc *a;
    char *e;

    if ((b = clt_binding_get(Binding)) == NULL)
        return RPC_S_INVALID_BINDING;
    if ((e = strdup("")) == NULL) {
        I_RpcrtHandlePut(&b->h);
        return RPC_S_OUT_OF_MEMORY;
    }
    rpcrt_mutex_lock(&b->lock);
    free(b->endpoint);
    b->endpoint = e;
    a = b->assoc;
    b->assoc = NULL;
    rpcrt_mutex_unlock(&b->lock);
    if (a != NULL)
        clt_assoc_unref(a);
    I_RpcrtHandlePut(&b->h);
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingSetObject(RPC_BINDING_HANDLE Binding, UUID *ObjectUuid)
{
    struct clt_binding *b;

    if ((b = clt_binding_get(Binding)) == NULL)
        return RPC_S_INVALID_BINDING;
    rpcrt_mutex_lock(&b->lock);
    if (ObjectUuid != NULL)
        b->object = *ObjectUuid;
    else
        memset(&b->object, 0, sizeof(b->object));
    rpcrt_mutex_unlock(&b->lock);
    I_RpcrtHandlePut(&b->h);
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcBindingInqObject(RPC_BINDING_HANDLE Binding, UUID *ObjectUuid)
{
    struct rpc_handle *h;
    RPC_STATUS st;

    if (ObjectUuid == NULL)
        return RPC_S_INVALID_ARG;
    if ((h = I_RpcrtHandleGet(Binding, RPC_HANDLE_ANY)) == NULL)
        return RPC_S_INVALID_BINDING;
    st = h->ops->inq_object != NULL ? h->ops->inq_object(h, ObjectUuid)
                                    : RPC_S_WRONG_KIND_OF_BINDING;
    I_RpcrtHandlePut(h);
    return st;
}

RPC_STATUS
clt_binding_assoc(struct clt_binding *b, struct clt_assoc **out)
{
    struct clt_assoc *a;

    rpcrt_mutex_lock(&b->lock);
    if (b->endpoint[0] == '\0') {
        /* A partial binding: the caller resolves it first
         * (clt_binding_resolve). */
        rpcrt_mutex_unlock(&b->lock);
        return RPC_S_NO_ENDPOINT_FOUND;
    }
    if ((a = b->assoc) == NULL) {
        if ((a = calloc(1, sizeof(*a))) == NULL ||
            (a->netaddr = strdup(b->netaddr)) == NULL ||
            (a->endpoint = strdup(b->endpoint)) == NULL) {
            if (a != NULL) {
                free(a->netaddr);
                free(a);
            }
            rpcrt_mutex_unlock(&b->lock);
            return RPC_S_OUT_OF_MEMORY;
        }
        atomic_init(&a->refs, 1);
        atomic_init(&a->next_call_id, 1);
        rpcrt_mutex_init(&a->lock);
        a->protseq = b->protseq;
        a->max_frag = b->max_frag;
        b->assoc = a;
    }
    clt_assoc_ref(a);
    rpcrt_mutex_unlock(&b->lock);
    *out = a;
    return RPC_S_OK;
}
