/*
 * proto/mgmt.h -- NDR 2.0 codec of the remote management interface's
 * stubs (C706 Appendix Q, "mgmt", afa8bd80-7d8a-11c9-bef4-08002b102989
 * v1.0; the IDL is quoted in libserver/srv_mgmt.c).  Private: libserver
 * serves mgmt with it (requests in, inq_if_ids reply out) and its
 * RpcMgmt* functions for a remote server decode the replies.  Knows
 * bytes, never sockets.
 *
 * Every function works on a proto NDR cursor started at the first stub
 * byte, in the PDU's byte order.  Return values are 0 or a PROTO_E_*
 * code; on failure a decoder has freed what it allocated and left its
 * struct zeroed.  Trailing bytes are the caller's business (the server
 * ignores them, as Windows does).
 */
#ifndef RPCRT_PROTO_MGMT_H
#define RPCRT_PROTO_MGMT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* C706 Appendix Q: operation numbers. */
enum mgmt_opnum {
    MGMT_OP_INQ_IF_IDS          = 0,
    MGMT_OP_INQ_STATS           = 1,
    MGMT_OP_IS_SERVER_LISTENING = 2,
    MGMT_OP_STOP_SERVER_LISTENING = 3,
    MGMT_OP_INQ_PRINC_NAME      = 4,
};

/* Interfaces one inq_if_ids reply may list (a decoder's bound; a server
 * with more registered lists them all when it encodes). */
#define MGMT_MAX_IF_IDS 4096u
/* inq_stats counters (C706 Appendix Q: rpc_c_stats_calls_in ..
 * rpc_c_stats_pkts_out). */
#define MGMT_STATS_COUNT 4u

/* One rpc_if_id_t behind its pointer; present 0: a null pointer. */
struct mgmt_if_id {
    int present;
    GUID uuid;
    uint16_t vers_major, vers_minor;
};

/* inq_if_ids' [out] parameters: the vector (vector_present 0: a null
 * rpc_if_id_vector_t *, count 0, ids NULL) and the status.  ids is
 * malloc'ed by the decoder (NULL when count is 0); mgmt_if_ids_clear
 * frees it.  An encoder only reads it. */
struct mgmt_if_ids {
    int vector_present;
    uint32_t count;
    struct mgmt_if_id *ids;
    uint32_t status;
};

int mgmt_if_ids_reply_decode(struct ndr_cursor *c, struct mgmt_if_ids *v);
int mgmt_if_ids_reply_encode(struct ndr_cursor *w, const struct mgmt_if_ids *v);
void mgmt_if_ids_clear(struct mgmt_if_ids *v);

/* inq_stats request: [in, out] unsigned32 *count. */
int mgmt_inq_stats_req_decode(struct ndr_cursor *c, uint32_t *count);
/* inq_princ_name request: authn_proto, princ_name_size. */
int mgmt_inq_princ_name_req_decode(struct ndr_cursor *c, uint32_t *authn,
                                   uint32_t *size);
/* is_server_listening reply: status, then the boolean32 result. */
int mgmt_is_listening_reply_decode(struct ndr_cursor *c, uint32_t *status,
                                   uint32_t *listening);
/* stop_server_listening reply: the status. */
int mgmt_status_reply_decode(struct ndr_cursor *c, uint32_t *status);

#endif /* RPCRT_PROTO_MGMT_H */
