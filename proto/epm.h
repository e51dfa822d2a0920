/*
 * proto/epm.h -- NDR 2.0 codec of the endpoint mapper's stubs
 * (e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0; C706 Appendix O, redefined by
 * MS-RPCE 2.2.1.2).  Private: rpcd decodes requests and encodes responses;
 * libclient (RpcEpResolveBinding) and rpcd's tools encode requests and
 * decode responses.  Knows bytes, never sockets.
 *
 * Every function works on a proto NDR cursor (proto/proto.h) started at
 * the first byte of the stub (what follows the 24-byte request/response
 * header), in the PDU's byte order (drep[0]).  Decoders leave the cursor
 * after the last byte they consumed; whether trailing bytes are an error
 * is the caller's decision.  Return values are 0 or a PROTO_E_* code; on
 * failure a decoder has freed what it allocated and left its struct
 * zeroed, so an epm_*_clear() is harmless but not needed.
 *
 * Ownership: decoded structs borrow the tower octets from the cursor's
 * input (struct epm_twr.octets stays valid while the input does); arrays
 * of entries or towers are malloc'ed and freed by the matching
 * epm_*_clear().  Encoders only read their struct; the tower octets they
 * are given are borrowed for the duration of the call.
 *
 * Pointers.  uuid_p_t, rpc_if_id_p_t and twr_p_t are full pointers
 * ([ptr], C706 Appendix O; MS-RPCE 2.2.1.2.4/5 adds [ptr] to the
 * parameters).  On the wire a full pointer is a referent id like a unique
 * one, but an id seen before in the same stub names the same object and
 * carries no data again (C706 14.3.11).  Decoders keep every referent id
 * (the *_ref fields) and resolve repeated tower ids to the first
 * occurrence's octets; encoders write a non-zero *_ref as given and
 * number the pointers whose ref is 0 sequentially from the struct's
 * ref_base (1 when 0), as Windows' NDR engine numbers full pointers --
 * impacket notes Windows 2003 rejects an ept_map request whose ids are
 * not 1 and 2, and a Windows server continues the request's numbering in
 * its reply (the tower in V4 is id 3 after the request's 1 and 2).  So a
 * server sets a reply's ref_base to epm_next_ref(request.ref_max).  Give
 * all ids or none: an explicit id equal to a fresh one is taken as an
 * alias and must name equal content, or encode fails with PROTO_E_INVAL.
 */
#ifndef RPCRT_PROTO_EPM_H
#define RPCRT_PROTO_EPM_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* The mapper's interface for a client's RPC_MESSAGE
 * (RpcInterfaceInformation): e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0,
 * NDR 2.0. */
extern RPC_CLIENT_INTERFACE epm_client_interface;

/* C706 Appendix O: operation numbers. */
enum epm_opnum {
    EPM_OP_INSERT             = 0,
    EPM_OP_DELETE             = 1,
    EPM_OP_LOOKUP             = 2,
    EPM_OP_MAP                = 3,
    EPM_OP_LOOKUP_HANDLE_FREE = 4,
    EPM_OP_INQ_OBJECT         = 5,
    EPM_OP_MGMT_DELETE        = 6,
};
#define EPM_OP_COUNT 7

/* MS-RPCE 2.2.1.2.4 and 2.2.1.2.5: [in, range(0,500)] max_ents and
 * max_towers; the reply arrays are size_is() them, so a reply's array
 * never has a larger max_count either.  C706 sets no bound on ept_insert
 * and ept_delete; they share it (a registration of more entries is split
 * into several calls). */
#define EPM_MAX_ENTS   500u
#define EPM_MAX_TOWERS 500u
/* C706 Appendix O: ept_max_annotation_size, the terminating NUL
 * included. */
#define EPM_ANNOTATION_MAX 64u
/* A sane bound on one twr_t's tower_length.  The largest tower anyone
 * builds (six floors, an ncacn_np host name and pipe name) is a few
 * hundred bytes; proto/tower.c accepts 2 + 6 * 277 at most. */
#define EPM_TWR_MAX 4096u

/* C706 Appendix O ept_lookup inquiry_type and vers_option values
 * (rpc_c_ep_*, rpc_c_vers_*; MS-RPCE 2.2.1.2.4). */
#define EPM_INQ_ALL_ELTS      0u
#define EPM_INQ_MATCH_BY_IF   1u
#define EPM_INQ_MATCH_BY_OBJ  2u
#define EPM_INQ_MATCH_BY_BOTH 3u
#define EPM_VERS_ALL          1u
#define EPM_VERS_COMPATIBLE   2u
#define EPM_VERS_EXACT        3u
#define EPM_VERS_MAJOR_ONLY   4u
#define EPM_VERS_UPTO         5u

/* error_status_t values that travel in ept_* replies: the DCE status
 * codes (C706 Appendix E numbering, as DCE's rpcsts and impacket's
 * rpcrt.py list them).  MS-RPCE 2.2.1.2.5 names 0x16c9a0cd and 0x16c9a0d6
 * for ept_map.  The EPT_S_*_DCE values of proto/wire.h are the same. */
#define EPM_S_OK                   0x00000000u
#define EPM_S_INVALID_INQUIRY_TYPE 0x16c9a0a9u /* rpc_s_invalid_inquiry_type */
#define EPM_S_INVALID_VERS_OPTION  0x16c9a0bdu /* rpc_s_invalid_vers_option */
#define EPM_S_CANT_PERFORM_OP      0x16c9a0cdu /* ept_s_cant_perform_op */
#define EPM_S_NO_MEMORY            0x16c9a0ceu /* ept_s_no_memory */
#define EPM_S_INVALID_ENTRY        0x16c9a0d3u /* ept_s_invalid_entry */
#define EPM_S_INVALID_CONTEXT      0x16c9a0d5u /* ept_s_invalid_context */
#define EPM_S_NOT_REGISTERED       0x16c9a0d6u /* ept_s_not_registered */

/* ept_lookup_handle_t: a context handle, on the wire the 20-byte
 * ndr_context_handle of C706 Appendix N (u32 context_handle_attributes,
 * uuid context_handle_uuid).  All zeros is the null handle. */
struct epm_handle {
    uint32_t attributes;
    GUID uuid;
};
#define EPM_HANDLE_WIRE_LEN 20
/* 1 when h is the null context handle (its uuid is nil; impacket looks at
 * the uuid only, and so does this). */
int epm_handle_is_null(const struct epm_handle *h);

/* twr_p_t: [ptr] twr_t *, twr_t = { u32 tower_length; [size_is
 * (tower_length)] byte tower_octet_string[]; } (C706 Appendix N/O), a
 * conformant struct: max_count, tower_length, octets, aligned to 4. */
struct epm_twr {
    uint8_t present;                 /* 0: NULL pointer */
    uint32_t ref;                    /* referent id (see the top) */
    uint32_t len;                    /* tower_length */
    const uint8_t *octets;           /* borrowed; len bytes */
};

/* uuid_p_t ([ptr] uuid_t *). */
struct epm_uuid_p {
    uint8_t present;
    uint32_t ref;
    GUID uuid;
};

/* rpc_if_id_p_t ([ptr] rpc_if_id_t *: uuid, u16 major, u16 minor). */
struct epm_if_id_p {
    uint8_t present;
    uint32_t ref;
    RPC_IF_ID id;
};

/* ept_entry_t: { uuid_t object; twr_p_t tower; [string] char
 * annotation[64]; } -- the annotation is a varying array (offset 0,
 * actual_count counting the NUL, the chars). */
struct epm_entry {
    GUID object;
    struct epm_twr tower;
    char annotation[EPM_ANNOTATION_MAX]; /* NUL-terminated */
};

/* Reply ids continue after the highest id of the request (Windows' full
 * pointer table; see the top).  Returns 1 for 0 and on wrap-around. */
uint32_t epm_next_ref(uint32_t ref_max);

/* ---- requests ---------------------------------------------------------- */

/* ept_insert (0): num_ents, [size_is(num_ents)] entries (a conformant
 * array; the towers follow the array, C706 14.3.12), boolean32
 * replace.  ept_delete (1) is the same without replace. */
struct epm_insert_req {
    uint32_t num_ents;               /* <= EPM_MAX_ENTS */
    struct epm_entry *entries;       /* num_ents; epm_insert_req_clear */
    uint32_t replace;                /* ept_insert only */
    uint32_t ref_max;                /* decode: highest referent id */
    uint32_t ref_base;               /* encode: first fresh id (0: 1) */
};
int epm_insert_req_decode(struct ndr_cursor *c, struct epm_insert_req *r);
int epm_insert_req_encode(struct ndr_cursor *c, const struct epm_insert_req *r);
int epm_delete_req_decode(struct ndr_cursor *c, struct epm_insert_req *r);
int epm_delete_req_encode(struct ndr_cursor *c, const struct epm_insert_req *r);
void epm_insert_req_clear(struct epm_insert_req *r);

/* ept_lookup (2) in: inquiry_type, uuid_p_t object, rpc_if_id_p_t
 * Ifid, vers_option, entry_handle, max_ents [range(0,500)]. */
struct epm_lookup_req {
    uint32_t inquiry_type;
    struct epm_uuid_p object;
    struct epm_if_id_p ifid;
    uint32_t vers_option;
    struct epm_handle handle;
    uint32_t max_ents;               /* decode: PROTO_E_RANGE above 500 */
    uint32_t ref_max;
    uint32_t ref_base;
};
int epm_lookup_req_decode(struct ndr_cursor *c, struct epm_lookup_req *r);
int epm_lookup_req_encode(struct ndr_cursor *c, const struct epm_lookup_req *r);

/* ept_map (3) in: uuid_p_t object, twr_p_t map_tower, entry_handle,
 * max_towers [range(0,500)]. */
struct epm_map_req {
    struct epm_uuid_p object;
    struct epm_twr tower;            /* octets borrowed */
    struct epm_handle handle;
    uint32_t max_towers;
    uint32_t ref_max;
    uint32_t ref_base;
};
int epm_map_req_decode(struct ndr_cursor *c, struct epm_map_req *r);
int epm_map_req_encode(struct ndr_cursor *c, const struct epm_map_req *r);

/* ept_lookup_handle_free (4) in: entry_handle; out: entry_handle,
 * status. */
int epm_handle_free_req_decode(struct ndr_cursor *c, struct epm_handle *h);
int epm_handle_free_req_encode(struct ndr_cursor *c, const struct epm_handle *h);

/* ept_inq_object (5) has no [in] parameter on the wire (C706 Appendix O:
 * [in] handle_t only; Samba's IDL, which has an [in] uuid, is wrong):
 * its request stub is empty.  Nothing to decode or encode. */

/* ept_mgmt_delete (6) in: boolean32 object_speced, uuid_p_t object,
 * twr_p_t tower. */
struct epm_mgmt_delete_req {
    uint32_t object_speced;
    struct epm_uuid_p object;
    struct epm_twr tower;
    uint32_t ref_max;
    uint32_t ref_base;
};
int epm_mgmt_delete_req_decode(struct ndr_cursor *c,
                               struct epm_mgmt_delete_req *r);
int epm_mgmt_delete_req_encode(struct ndr_cursor *c,
                               const struct epm_mgmt_delete_req *r);

/* ---- responses ---------------------------------------------------------- */

/* ept_insert, ept_delete, ept_mgmt_delete out: error_status_t only. */
int epm_status_resp_decode(struct ndr_cursor *c, uint32_t *status);
int epm_status_resp_encode(struct ndr_cursor *c, uint32_t status);

/* ept_lookup out: entry_handle, num_ents, [length_is(*num_ents),
 * size_is(max_ents)] entries (conformant varying: max_count, offset 0,
 * actual_count == num_ents, the entries, then their towers), status. */
struct epm_lookup_resp {
    struct epm_handle handle;
    uint32_t max_ents;               /* max_count: the request's max_ents */
    uint32_t num_ents;               /* <= max_ents */
    struct epm_entry *entries;       /* num_ents; epm_lookup_resp_clear */
    uint32_t status;
    uint32_t ref_max;
    uint32_t ref_base;
};
int epm_lookup_resp_decode(struct ndr_cursor *c, struct epm_lookup_resp *r);
int epm_lookup_resp_encode(struct ndr_cursor *c,
                           const struct epm_lookup_resp *r);
void epm_lookup_resp_clear(struct epm_lookup_resp *r);

/* ept_map out: entry_handle, num_towers, [length_is(*num_towers),
 * size_is(max_towers)] twr_p_t towers[] (max_count, offset 0,
 * actual_count, the referent ids, then the towers), status. */
struct epm_map_resp {
    struct epm_handle handle;
    uint32_t max_towers;             /* max_count: the request's max_towers */
    uint32_t num_towers;
    struct epm_twr *towers;          /* num_towers; epm_map_resp_clear */
    uint32_t status;
    uint32_t ref_max;
    uint32_t ref_base;
};
int epm_map_resp_decode(struct ndr_cursor *c, struct epm_map_resp *r);
int epm_map_resp_encode(struct ndr_cursor *c, const struct epm_map_resp *r);
void epm_map_resp_clear(struct epm_map_resp *r);

/* ept_lookup_handle_free out. */
struct epm_handle_free_resp {
    struct epm_handle handle;
    uint32_t status;
};
int epm_handle_free_resp_decode(struct ndr_cursor *c,
                                struct epm_handle_free_resp *r);
int epm_handle_free_resp_encode(struct ndr_cursor *c,
                                const struct epm_handle_free_resp *r);

/* ept_inq_object out: [out] uuid_t *ept_object (a reference pointer:
 * just the uuid), status. */
struct epm_inq_object_resp {
    GUID object;
    uint32_t status;
};
int epm_inq_object_resp_decode(struct ndr_cursor *c,
                               struct epm_inq_object_resp *r);
int epm_inq_object_resp_encode(struct ndr_cursor *c,
                               const struct epm_inq_object_resp *r);

#endif /* RPCRT_PROTO_EPM_H */
