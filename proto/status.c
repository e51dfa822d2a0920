/*
 * proto/status.c -- RPC status codes: their texts (DceErrorInqText) and the
 * mapping between the status field of a fault PDU and the RPC_S_* / RPC_X_*
 * code a caller sees.
 *
 * A fault PDU (C706 12.6.4.7) carries a 32-bit status.  DCE servers put an
 * NCA status there (C706 Appendix E, "nca_s_*", 0x1c0xxxxx); Windows
 * servers put either one of those or a Win32 code directly (MS-RPCE
 * 2.2.2.8, 3.3.3.5.1: e.g. 5 for access denied, 0x6f7 for bad stub data).
 * A client turns NCA values into Win32 codes with the table of MS-RPCE
 * 3.1.1.5.5 and passes everything else through.
 */
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#include <rpcrt/rpcdce.h>

#include "proto/proto.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- NCA status <-> RPC status ------------------------------------------
 *
 * One table, read both ways.  Client direction (proto_status_from_nca):
 * every row applies.  Server direction (proto_nca_from_status): only rows
 * marked NCA_BOTH, so each RPC status has at most one NCA value to send;
 * an RPC status without such a row goes on the wire as itself, which is
 * what Windows does and what MS-RPCE 3.3.3.5.1 allows.
 *
 * status == NCA_NOT_MAPPED: MS-RPCE 3.1.1.5.5 says "not mapped", the
 * client reports the NCA value itself (Wine's rpcrt4 does the same).
 *
 * Sources: the client column is MS-RPCE 3.1.1.5.5 (Wine's rpcrt4 agrees);
 * for the rows it does not list (fault_string_too_long,
 * invalid_pres_context_id, unsupported_authn_level, invalid_checksum,
 * invalid_crc) the row gives the closest RPC_S_* code, client side only.
 * NCA_BOTH marks the NCA value that MS-RPCE maps back to exactly that
 * status, so a Windows client sees what our server raised.
 */
#define NCA_NOT_MAPPED 0

enum nca_dir {
    NCA_IN   = 1,   /* NCA -> RPC only (several NCA values share a status) */
    NCA_BOTH = 3,   /* also RPC -> NCA when a server raises the status */
};

struct nca_map {
    uint32_t nca;
    RPC_STATUS status;
    enum nca_dir dir;
    const char *name;   /* lower-case wire.h name, C706 spelling differs */
};

static const struct nca_map nca_table[] = {
    /* C706 Appendix E, reject status codes (CO and CL) */
    { NCA_S_COMM_FAILURE,           RPC_S_COMM_FAILURE,         NCA_BOTH,
      "nca_s_comm_failure" },
    { NCA_S_OP_RNG_ERROR,           RPC_S_PROCNUM_OUT_OF_RANGE, NCA_BOTH,
      "nca_s_op_rng_error" },
    { NCA_S_UNK_IF,                 RPC_S_UNKNOWN_IF,           NCA_BOTH,
      "nca_s_unk_if" },
    { NCA_S_WRONG_BOOT_TIME,        NCA_NOT_MAPPED,             NCA_IN,
      "nca_s_wrong_boot_time" },
    { NCA_S_YOU_CRASHED,            RPC_S_CALL_FAILED,          NCA_IN,
      "nca_s_you_crashed" },
    { NCA_S_PROTO_ERROR,            RPC_S_PROTOCOL_ERROR,       NCA_BOTH,
      "nca_s_proto_error" },
    { NCA_S_OUT_ARGS_TOO_BIG,       RPC_S_SERVER_OUT_OF_MEMORY, NCA_IN,
      "nca_s_out_args_too_big" },
    { NCA_S_SERVER_TOO_BUSY,        RPC_S_SERVER_TOO_BUSY,      NCA_BOTH,
      "nca_s_server_too_busy" },
    { NCA_S_FAULT_STRING_TOO_LONG,  RPC_S_STRING_TOO_LONG,      NCA_IN,
      "nca_s_fault_string_too_long" },
    { NCA_S_UNSUPPORTED_TYPE,       RPC_S_UNSUPPORTED_TYPE,     NCA_BOTH,
      "nca_s_unsupported_type" },
    { NCA_S_RPC_VERSION_MISMATCH,   RPC_S_PROTOCOL_ERROR,       NCA_IN,
      "nca_s_rpc_version_mismatch" },
    { NCA_S_UNSPEC_REJECT,          RPC_S_CALL_FAILED,          NCA_IN,
      "nca_s_unspec_reject" },
    { NCA_S_BAD_ACTID,              RPC_S_CALL_FAILED_DNE,      NCA_IN,
      "nca_s_bad_actid" },
    { NCA_S_WHO_ARE_YOU_FAILED,     RPC_S_CALL_FAILED,          NCA_IN,
      "nca_s_who_are_you_failed" },
    { NCA_S_MANAGER_NOT_ENTERED,    RPC_S_CALL_FAILED_DNE,      NCA_BOTH,
      "nca_s_manager_not_entered" },
    { NCA_S_INVALID_PRES_CONTEXT_ID, RPC_S_PROTOCOL_ERROR,      NCA_IN,
      "nca_s_invalid_pres_context_id" },
    { NCA_S_UNSUPPORTED_AUTHN_LEVEL, RPC_S_UNSUPPORTED_AUTHN_LEVEL, NCA_IN,
      "nca_s_unsupported_authn_level" },
    { NCA_S_INVALID_CHECKSUM,       RPC_S_CALL_FAILED_DNE,      NCA_IN,
      "nca_s_invalid_checksum" },
    { NCA_S_INVALID_CRC,            RPC_S_CALL_FAILED_DNE,      NCA_IN,
      "nca_s_invalid_crc" },

    /* C706 Appendix E, fault status codes */
    { NCA_S_FAULT_INT_DIV_BY_ZERO,  RPC_S_ZERO_DIVIDE,          NCA_BOTH,
      "nca_s_fault_int_div_by_zero" },
    { NCA_S_FAULT_ADDR_ERROR,       RPC_S_ADDRESS_ERROR,        NCA_BOTH,
      "nca_s_fault_addr_error" },
    { NCA_S_FAULT_FP_DIV_ZERO,      RPC_S_FP_DIV_ZERO,          NCA_BOTH,
      "nca_s_fault_fp_div_zero" },
    { NCA_S_FAULT_FP_UNDERFLOW,     RPC_S_FP_UNDERFLOW,         NCA_BOTH,
      "nca_s_fault_fp_underflow" },
    { NCA_S_FAULT_FP_OVERFLOW,      RPC_S_FP_OVERFLOW,          NCA_BOTH,
      "nca_s_fault_fp_overflow" },
    { NCA_S_FAULT_INVALID_TAG,      RPC_S_INVALID_TAG,          NCA_BOTH,
      "nca_s_fault_invalid_tag" },
    { NCA_S_FAULT_INVALID_BOUND,    RPC_S_INVALID_BOUND,        NCA_BOTH,
      "nca_s_fault_invalid_bound" },
    { NCA_S_FAULT_CANCEL,           RPC_S_CALL_CANCELLED,       NCA_BOTH,
      "nca_s_fault_cancel" },
    { NCA_S_FAULT_ILL_INST,         RPC_S_ADDRESS_ERROR,        NCA_IN,
      "nca_s_fault_ill_inst" },
    { NCA_S_FAULT_FP_ERROR,         RPC_S_FP_OVERFLOW,          NCA_IN,
      "nca_s_fault_fp_error" },
    { NCA_S_FAULT_INT_OVERFLOW,     RPC_S_ADDRESS_ERROR,        NCA_IN,
      "nca_s_fault_int_overflow" },
    { NCA_S_FAULT_UNSPEC,           RPC_S_CALL_FAILED,          NCA_BOTH,
      "nca_s_fault_unspec" },
    { NCA_S_FAULT_REMOTE_COMM_FAILURE, NCA_NOT_MAPPED,          NCA_IN,
      "nca_s_fault_remote_comm_failure" },
    { NCA_S_FAULT_PIPE_EMPTY,       RPC_X_PIPE_EMPTY,           NCA_BOTH,
      "nca_s_fault_pipe_empty" },
    { NCA_S_FAULT_PIPE_CLOSED,      RPC_X_PIPE_CLOSED,          NCA_BOTH,
      "nca_s_fault_pipe_closed" },
    { NCA_S_FAULT_PIPE_ORDER,       RPC_X_WRONG_PIPE_ORDER,     NCA_BOTH,
      "nca_s_fault_pipe_order" },
    { NCA_S_FAULT_PIPE_DISCIPLINE,  RPC_X_PIPE_DISCIPLINE_ERROR, NCA_BOTH,
      "nca_s_fault_pipe_discipline" },
    { NCA_S_FAULT_PIPE_COMM_ERROR,  RPC_S_COMM_FAILURE,         NCA_IN,
      "nca_s_fault_pipe_comm_error" },
    /* Not BOTH: a server that runs out of memory sends 14 itself. */
    { NCA_S_FAULT_PIPE_MEMORY,      RPC_S_OUT_OF_MEMORY,        NCA_IN,
      "nca_s_fault_pipe_memory" },
    { NCA_S_FAULT_CONTEXT_MISMATCH, RPC_X_SS_CONTEXT_MISMATCH,  NCA_BOTH,
      "nca_s_fault_context_mismatch" },
    { NCA_S_FAULT_REMOTE_NO_MEMORY, RPC_S_SERVER_OUT_OF_MEMORY, NCA_BOTH,
      "nca_s_fault_remote_no_memory" },
    { NCA_S_FAULT_USER_DEFINED,     NCA_NOT_MAPPED,             NCA_IN,
      "nca_s_fault_user_defined" },
    { NCA_S_FAULT_TX_OPEN_FAILED,   NCA_NOT_MAPPED,             NCA_IN,
      "nca_s_fault_tx_open_failed" },
    { NCA_S_FAULT_CODESET_CONV_ERROR, NCA_NOT_MAPPED,           NCA_IN,
      "nca_s_fault_codeset_conv_error" },
    { NCA_S_FAULT_OBJECT_NOT_FOUND, NCA_NOT_MAPPED,             NCA_IN,
      "nca_s_fault_object_not_found" },
    { NCA_S_FAULT_NO_CLIENT_STUB,   NCA_NOT_MAPPED,             NCA_IN,
      "nca_s_fault_no_client_stub" },

    /* What C706 calls nca_s_fault_ndr is, on Windows, the Win32 code
     * itself (MS-RPCE 3.1.1.5.5 note, 2.2.2.8): identity both ways. */
    { NCA_S_FAULT_NDR,              RPC_X_BAD_STUB_DATA,        NCA_BOTH,
      "nca_s_fault_ndr" },
};

/* C706 Appendix E allocates the NCA statuses from 0x1c000000..0x1c0fffff
 * (facility "nca"); anything there we do not know is still a DCE failure,
 * never a Win32 code. */
#define NCA_RANGE_MASK  0xfff00000u
#define NCA_RANGE_BASE  0x1c000000u

static const struct nca_map *
nca_lookup(uint32_t nca)
{
    for (size_t i = 0; i < ARRAY_LEN(nca_table); i++)
        if (nca_table[i].nca == nca)
            return &nca_table[i];
    return NULL;
}

/* The 32-bit value as Windows' 32-bit RPC_STATUS would hold it: values
 * with the top bit set (NTSTATUS / HRESULT style) are negative there, so
 * they are here too.  Written without an out-of-range conversion. */
static RPC_STATUS
status_from_u32(uint32_t v)
{
    if (v <= INT32_MAX)
        return (RPC_STATUS)v;
    return -(RPC_STATUS)(~v) - 1;
}

RPC_STATUS
proto_status_from_nca(uint32_t nca)
{
    const struct nca_map *m;

    /* MS-RPCE 3.3.3.5.1: a server MUST NOT send 0 and a client may treat
     * it as a protocol error; it must never read as success. */
    if (nca == 0)
        return RPC_S_PROTOCOL_ERROR;
    if ((m = nca_lookup(nca)) != NULL)
        return m->status != NCA_NOT_MAPPED ? m->status : status_from_u32(nca);
    if ((nca & NCA_RANGE_MASK) == NCA_RANGE_BASE)
        return RPC_S_CALL_FAILED;
    return status_from_u32(nca);
}

uint32_t
proto_nca_from_status(RPC_STATUS status)
{
    /* A fault always reports a failure (MS-RPCE 3.3.3.5.1). */
    if (status == RPC_S_OK)
        return NCA_S_FAULT_UNSPEC;
    for (size_t i = 0; i < ARRAY_LEN(nca_table); i++)
        if (nca_table[i].dir == NCA_BOTH && nca_table[i].status == status)
            return nca_table[i].nca;
    return (uint32_t)status;   /* modulo 2^32: the low 32 bits */
}

const char *
proto_nca_name(uint32_t nca)
{
    const struct nca_map *m = nca_lookup(nca);

    return m != NULL ? m->name : NULL;
}

/* ---- status texts ----------------------------------------------------------
 *
 * Every code of <rpcrt/rpcnterr.h> once: where several names share a value
 * (RPC_S_INVALID_ARG / RPC_S_INVALID_LEVEL, RPC_S_OUT_OF_MEMORY /
 * RPC_X_NO_MEMORY / RPC_X_PIPE_APP_MEMORY, the RPC_X_* aliases) the row
 * carries the name Windows' winerror.h gives the value.  Texts follow the
 * meaning of the Windows system messages, shortened.
 */
struct status_info {
    RPC_STATUS code;
    const char *name;
    const char *text;
};

#define S(code, text) { code, #code, text }

static const struct status_info status_table[] = {
    S(RPC_S_OK, "The operation completed successfully."),
    S(RPC_S_ACCESS_DENIED, "Access is denied."),
    S(RPC_X_SS_CONTEXT_MISMATCH, "The context handle is invalid."),
    S(RPC_S_OUT_OF_MEMORY,
      "Not enough memory is available to complete this operation."),
    S(RPC_S_INVALID_ARG, "The parameter is incorrect."),
    S(RPC_S_BUFFER_TOO_SMALL,
      "The data area passed to a system call is too small."),
    S(RPC_S_OUT_OF_THREADS, "No more threads can be created."),
    S(RPC_S_ASYNC_CALL_PENDING, "An asynchronous operation is in progress."),
    S(RPC_S_SERVER_OUT_OF_MEMORY,
      "Not enough server memory is available to process this command."),
    S(RPC_S_UNKNOWN_PRINCIPAL,
      "No mapping between account names and security IDs was done."),
    S(RPC_S_INVALID_SECURITY_DESC,
      "The security descriptor structure is invalid."),
    S(RPC_S_TIMEOUT, "This operation returned because the timeout period "
      "expired."),

    S(RPC_S_INVALID_STRING_BINDING, "The string binding is invalid."),
    S(RPC_S_WRONG_KIND_OF_BINDING,
      "The binding handle is not the correct type."),
    S(RPC_S_INVALID_BINDING, "The binding handle is invalid."),
    S(RPC_S_PROTSEQ_NOT_SUPPORTED,
      "The RPC protocol sequence is not supported."),
    S(RPC_S_INVALID_RPC_PROTSEQ, "The RPC protocol sequence is invalid."),
    S(RPC_S_INVALID_STRING_UUID, "The string UUID is invalid."),
    S(RPC_S_INVALID_ENDPOINT_FORMAT, "The endpoint format is invalid."),
    S(RPC_S_INVALID_NET_ADDR, "The network address is invalid."),
    S(RPC_S_NO_ENDPOINT_FOUND, "No endpoint was found."),
    S(RPC_S_INVALID_TIMEOUT, "The timeout value is invalid."),
    S(RPC_S_OBJECT_NOT_FOUND, "The object UUID was not found."),
    S(RPC_S_ALREADY_REGISTERED,
      "The object UUID has already been registered."),
    S(RPC_S_TYPE_ALREADY_REGISTERED,
      "The type UUID has already been registered."),
    S(RPC_S_ALREADY_LISTENING, "The RPC server is already listening."),
    S(RPC_S_NO_PROTSEQS_REGISTERED,
      "No protocol sequences have been registered."),
    S(RPC_S_NOT_LISTENING, "The RPC server is not listening."),
    S(RPC_S_UNKNOWN_MGR_TYPE, "The manager type is unknown."),
    S(RPC_S_UNKNOWN_IF, "The interface is unknown."),
    S(RPC_S_NO_BINDINGS, "There are no bindings."),
    S(RPC_S_NO_PROTSEQS, "There are no protocol sequences."),
    S(RPC_S_CANT_CREATE_ENDPOINT, "The endpoint cannot be created."),
    S(RPC_S_OUT_OF_RESOURCES,
      "Not enough resources are available to complete this operation."),
    S(RPC_S_SERVER_UNAVAILABLE, "The RPC server is unavailable."),
    S(RPC_S_SERVER_TOO_BUSY,
      "The RPC server is too busy to complete this operation."),
    S(RPC_S_INVALID_NETWORK_OPTIONS, "The network options are invalid."),
    S(RPC_S_NO_CALL_ACTIVE,
      "There are no remote procedure calls active on this thread."),
    S(RPC_S_CALL_FAILED, "The remote procedure call failed."),
    S(RPC_S_CALL_FAILED_DNE,
      "The remote procedure call failed and did not execute."),
    S(RPC_S_PROTOCOL_ERROR, "A remote procedure call protocol error "
      "occurred."),
    S(RPC_S_PROXY_ACCESS_DENIED, "Access to the HTTP proxy is denied."),
    S(RPC_S_UNSUPPORTED_TRANS_SYN,
      "The transfer syntax is not supported by the RPC server."),
    S(RPC_S_UNSUPPORTED_TYPE, "The UUID type is not supported."),
    S(RPC_S_INVALID_TAG, "The tag is invalid."),
    S(RPC_S_INVALID_BOUND, "The array bounds are invalid."),
    S(RPC_S_NO_ENTRY_NAME, "The binding does not contain an entry name."),
    S(RPC_S_INVALID_NAME_SYNTAX, "The name syntax is invalid."),
    S(RPC_S_UNSUPPORTED_NAME_SYNTAX, "The name syntax is not supported."),
    S(RPC_S_UUID_NO_ADDRESS,
      "No network address is available to construct a UUID."),
    S(RPC_S_DUPLICATE_ENDPOINT, "The endpoint is a duplicate."),
    S(RPC_S_UNKNOWN_AUTHN_TYPE, "The authentication type is unknown."),
    S(RPC_S_MAX_CALLS_TOO_SMALL, "The maximum number of calls is too small."),
    S(RPC_S_STRING_TOO_LONG, "The string is too long."),
    S(RPC_S_PROTSEQ_NOT_FOUND, "The RPC protocol sequence was not found."),
    S(RPC_S_PROCNUM_OUT_OF_RANGE, "The procedure number is out of range."),
    S(RPC_S_BINDING_HAS_NO_AUTH,
      "The binding does not contain any authentication information."),
    S(RPC_S_UNKNOWN_AUTHN_SERVICE, "The authentication service is unknown."),
    S(RPC_S_UNKNOWN_AUTHN_LEVEL, "The authentication level is unknown."),
    S(RPC_S_INVALID_AUTH_IDENTITY, "The security context is invalid."),
    S(RPC_S_UNKNOWN_AUTHZ_SERVICE, "The authorization service is unknown."),
    S(EPT_S_INVALID_ENTRY, "The entry is invalid."),
    S(EPT_S_CANT_PERFORM_OP,
      "The server endpoint cannot perform the operation."),
    S(EPT_S_NOT_REGISTERED,
      "There are no more endpoints available from the endpoint mapper."),
    S(RPC_S_NOTHING_TO_EXPORT, "No interfaces have been exported."),
    S(RPC_S_INCOMPLETE_NAME, "The entry name is incomplete."),
    S(RPC_S_INVALID_VERS_OPTION, "The version option is invalid."),
    S(RPC_S_NO_MORE_MEMBERS, "There are no more members."),
    S(RPC_S_NOT_ALL_OBJS_UNEXPORTED, "There is nothing to unexport."),
    S(RPC_S_INTERFACE_NOT_FOUND, "The interface was not found."),
    S(RPC_S_ENTRY_ALREADY_EXISTS, "The entry already exists."),
    S(RPC_S_ENTRY_NOT_FOUND, "The entry was not found."),
    S(RPC_S_NAME_SERVICE_UNAVAILABLE, "The name service is unavailable."),
    S(RPC_S_INVALID_NAF_ID, "The network address family is invalid."),
    S(RPC_S_CANNOT_SUPPORT, "The requested operation is not supported."),
    S(RPC_S_NO_CONTEXT_AVAILABLE,
      "No security context is available to allow impersonation."),
    S(RPC_S_INTERNAL_ERROR,
      "An internal error occurred in a remote procedure call."),
    S(RPC_S_ZERO_DIVIDE,
      "The RPC server attempted an integer division by zero."),
    S(RPC_S_ADDRESS_ERROR, "An addressing error occurred in the RPC server."),
    S(RPC_S_FP_DIV_ZERO,
      "A floating-point operation at the RPC server caused a division by "
      "zero."),
    S(RPC_S_FP_UNDERFLOW,
      "A floating-point underflow occurred at the RPC server."),
    S(RPC_S_FP_OVERFLOW,
      "A floating-point overflow occurred at the RPC server."),
    S(RPC_X_NO_MORE_ENTRIES,
      "The list of RPC servers available for binding auto handles has been "
      "exhausted."),
    S(RPC_X_SS_CHAR_TRANS_OPEN_FAIL,
      "Unable to open the character translation table file."),
    S(RPC_X_SS_CHAR_TRANS_SHORT_FILE,
      "The character translation table file is too short."),
    S(RPC_X_SS_IN_NULL_CONTEXT,
      "A null context handle was passed from the client to the host during "
      "a remote procedure call."),
    S(RPC_X_SS_CONTEXT_DAMAGED,
      "The context handle changed during a remote procedure call."),
    S(RPC_X_SS_HANDLES_MISMATCH,
      "The binding handles passed to a remote procedure call do not match."),
    S(RPC_X_SS_CANNOT_GET_CALL_HANDLE,
      "The stub is unable to get the remote procedure call handle."),
    S(RPC_X_NULL_REF_POINTER,
      "A null reference pointer was passed to the stub."),
    S(RPC_X_ENUM_VALUE_OUT_OF_RANGE,
      "The enumeration value is out of range."),
    S(RPC_X_BYTE_COUNT_TOO_SMALL, "The byte count is too small."),
    S(RPC_X_BAD_STUB_DATA, "The stub received bad data."),
    S(RPC_X_INVALID_BUFFER,
      "The supplied user buffer is not valid for the requested operation."),
    S(RPC_S_CALL_IN_PROGRESS, "A remote procedure call is already in "
      "progress for this thread."),
    S(RPC_S_NO_MORE_BINDINGS, "There are no more bindings."),
    S(RPC_S_NO_INTERFACES, "No interfaces have been registered."),
    S(RPC_S_CALL_CANCELLED, "The remote procedure call was cancelled."),
    S(RPC_S_BINDING_INCOMPLETE, "The binding handle does not contain all "
      "required information."),
    S(RPC_S_COMM_FAILURE,
      "A communications failure occurred during a remote procedure call."),
    S(RPC_S_UNSUPPORTED_AUTHN_LEVEL,
      "The requested authentication level is not supported."),
    S(RPC_S_NO_PRINC_NAME, "No principal name is registered."),
    S(RPC_S_NOT_RPC_ERROR, "The error specified is not a valid RPC error "
      "code."),
    S(RPC_S_UUID_LOCAL_ONLY,
      "A UUID that is valid only on this computer has been allocated."),
    S(RPC_S_SEC_PKG_ERROR, "A security package-specific error occurred."),
    S(RPC_S_NOT_CANCELLED, "The thread is not cancelled."),
    S(RPC_X_INVALID_ES_ACTION,
      "Invalid operation on the encoding/decoding handle."),
    S(RPC_X_WRONG_ES_VERSION, "Incompatible version of the serializing "
      "package."),
    S(RPC_X_WRONG_STUB_VERSION, "Incompatible version of the RPC stub."),
    S(RPC_X_INVALID_PIPE_OBJECT,
      "The RPC pipe object is invalid or corrupted."),
    S(RPC_X_WRONG_PIPE_ORDER,
      "An invalid operation was attempted on an RPC pipe object."),
    S(RPC_X_WRONG_PIPE_VERSION, "Unsupported RPC pipe version."),
    S(RPC_S_COOKIE_AUTH_FAILED, "HTTP proxy server rejected the connection "
      "because the cookie authentication failed."),
    S(RPC_S_DO_NOT_DISTURB, "The RPC server is suspended and could not be "
      "resumed for this request."),
    S(RPC_S_SYSTEM_HANDLE_COUNT_EXCEEDED, "The RPC call contains too many "
      "handles to be transmitted in a single request."),
    S(RPC_S_SYSTEM_HANDLE_TYPE_MISMATCH, "The RPC call contains a handle "
      "that differs from the declared handle type."),
    S(RPC_S_GROUP_MEMBER_NOT_FOUND, "The group member was not found."),
    S(EPT_S_CANT_CREATE,
      "The endpoint mapper database entry could not be created."),
    S(RPC_S_INVALID_OBJECT, "The object UUID is the nil UUID."),
    S(RPC_S_SEND_INCOMPLETE, "Some data remains to be sent in the request "
      "buffer."),
    S(RPC_S_INVALID_ASYNC_HANDLE, "Invalid asynchronous remote procedure "
      "call handle."),
    S(RPC_S_INVALID_ASYNC_CALL, "Invalid asynchronous RPC call handle for "
      "this operation."),
    S(RPC_X_PIPE_CLOSED, "The RPC pipe object has already been closed."),
    S(RPC_X_PIPE_DISCIPLINE_ERROR,
      "The RPC call completed before all pipes were processed."),
    S(RPC_X_PIPE_EMPTY, "No more data is available from the RPC pipe."),
    S(RPC_S_ENTRY_TYPE_MISMATCH,
      "The name service entry is not of the expected type."),
    S(RPC_S_NOT_ALL_OBJS_EXPORTED, "Not all object UUIDs could be "
      "exported to the specified entry."),
    S(RPC_S_INTERFACE_NOT_EXPORTED,
      "The interface could not be exported to the specified entry."),
    S(RPC_S_PROFILE_NOT_ADDED,
      "The specified profile entry could not be added."),
    S(RPC_S_PRF_ELT_NOT_ADDED,
      "The specified profile element could not be added."),
    S(RPC_S_PRF_ELT_NOT_REMOVED,
      "The specified profile element could not be removed."),
    S(RPC_S_GRP_ELT_NOT_ADDED, "The group element could not be added."),
    S(RPC_S_GRP_ELT_NOT_REMOVED, "The group element could not be removed."),
};

#undef S

static const struct status_info *
status_lookup(RPC_STATUS code)
{
    for (size_t i = 0; i < ARRAY_LEN(status_table); i++)
        if (status_table[i].code == code)
            return &status_table[i];
    return NULL;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
DceErrorInqTextA(RPC_STATUS RpcStatus, RPC_CSTR ErrorText)
{
    const struct status_info *s;
    char *out = (char *)ErrorText;

    if (out == NULL)
        return RPC_S_INVALID_ARG;
    /* The caller's buffer holds DCE_C_ERROR_STRING_LEN bytes (rpcdce.h);
     * snprintf truncates and always terminates. */
    if ((s = status_lookup(RpcStatus)) != NULL) {
        snprintf(out, DCE_C_ERROR_STRING_LEN, "%s", s->text);
        return RPC_S_OK;
    }
    snprintf(out, DCE_C_ERROR_STRING_LEN, "Unknown RPC status %ld.",
             (long)RpcStatus);
    return RPC_S_INVALID_ARG;
}
