/*
 * rpcrt/rpcdce.h -- types and API of the DCE RPC runtime, laid out as
 * Windows' <rpcdce.h> and <rpcdcep.h> declare them, so that code written
 * against Windows RPC compiles unchanged.
 *
 * Only the ANSI ("A") variants of string functions exist; the unsuffixed
 * names map to them, as on Windows without UNICODE.  RPC_WSTR is declared
 * (16-bit code units) for source compatibility of type names only.
 *
 * Type sizes on LP64 Linux: Windows' 32-bit "long" fields that appear on
 * the wire (GUID.Data1, RPC_VERSION) are unsigned int here; RPC_STATUS is a
 * long, as Windows spells it, and always holds a 32-bit value.
 */
#ifndef RPCRT_RPCDCE_H
#define RPCRT_RPCDCE_H

#include <stddef.h>

#include <rpcrt/rpcnterr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Calling-convention and linkage decorations Windows code spells out. */
#ifndef RPC_ENTRY
#define RPC_ENTRY
#endif
#ifndef RPCRTAPI
#define RPCRTAPI __attribute__((visibility("default")))
#endif
#ifndef RPC_VAR_ENTRY
#define RPC_VAR_ENTRY
#endif
#ifndef __RPC_FAR
#define __RPC_FAR
#endif
#ifndef __RPC_API
#define __RPC_API
#endif
#ifndef __RPC_USER
#define __RPC_USER
#endif
#ifndef __RPC_STUB
#define __RPC_STUB
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

typedef long RPC_STATUS;
/* The IDL type of status results (32 bits on the wire). */
typedef unsigned long error_status_t;
typedef unsigned char *RPC_CSTR;
typedef unsigned short *RPC_WSTR;
typedef const unsigned char *RPC_CCSTR;
typedef void *I_RPC_HANDLE;
typedef I_RPC_HANDLE RPC_BINDING_HANDLE;
typedef RPC_BINDING_HANDLE handle_t;
typedef void *RPC_IF_HANDLE;

#ifndef GUID_DEFINED
#define GUID_DEFINED
/* 16 bytes; Data1..Data3 in host order (the wire order comes from drep). */
typedef struct _GUID {
    unsigned int   Data1;
    unsigned short Data2;
    unsigned short Data3;
    unsigned char  Data4[8];
} GUID;
#endif
#ifndef UUID_DEFINED
#define UUID_DEFINED
typedef GUID UUID;
#endif

/* Binding vector returned by RpcServerInqBindings (libserver). */
typedef struct _RPC_BINDING_VECTOR {
    unsigned long Count;
    RPC_BINDING_HANDLE BindingH[1];
} RPC_BINDING_VECTOR;

typedef struct _UUID_VECTOR {
    unsigned long Count;
    UUID *Uuid[1];
} UUID_VECTOR;

typedef struct _RPC_IF_ID {
    UUID Uuid;
    unsigned short VersMajor;
    unsigned short VersMinor;
} RPC_IF_ID;

typedef struct {
    unsigned long Count;
    RPC_IF_ID *IfId[1];
} RPC_IF_ID_VECTOR;

/* Interface and transfer syntax identifiers (rpcdcep.h). */
typedef struct _RPC_VERSION {
    unsigned short MajorVersion;
    unsigned short MinorVersion;
} RPC_VERSION;

typedef struct _RPC_SYNTAX_IDENTIFIER {
    GUID SyntaxGUID;
    RPC_VERSION SyntaxVersion;
} RPC_SYNTAX_IDENTIFIER, *PRPC_SYNTAX_IDENTIFIER;

/* Timeouts and limits. */
#define RPC_C_CANCEL_INFINITE_TIMEOUT (-1)
#define RPC_C_LISTEN_MAX_CALLS_DEFAULT 1234
#define RPC_C_PROTSEQ_MAX_REQS_DEFAULT 10
#define RPC_C_BIND_TO_ALL_NICS 1
#define RPC_C_USE_INTERNET_PORT 0x1
#define RPC_C_USE_INTRANET_PORT 0x2
#define RPC_C_DONT_FAIL 0x4

/* Length of the buffer DceErrorInqText fills, with its NUL. */
#define DCE_C_ERROR_STRING_LEN 256

/* Authentication levels and services (values as on Windows). */
#define RPC_C_AUTHN_LEVEL_DEFAULT       0
#define RPC_C_AUTHN_LEVEL_NONE          1
#define RPC_C_AUTHN_LEVEL_CONNECT       2
#define RPC_C_AUTHN_LEVEL_CALL          3
#define RPC_C_AUTHN_LEVEL_PKT           4
#define RPC_C_AUTHN_LEVEL_PKT_INTEGRITY 5
#define RPC_C_AUTHN_LEVEL_PKT_PRIVACY   6
#define RPC_C_AUTHN_NONE          0
#define RPC_C_AUTHN_DCE_PRIVATE   1
#define RPC_C_AUTHN_DCE_PUBLIC    2
#define RPC_C_AUTHN_GSS_NEGOTIATE 9
#define RPC_C_AUTHN_WINNT         10
#define RPC_C_AUTHN_GSS_KERBEROS  16
#define RPC_C_AUTHN_DEFAULT       0xFFFFFFFFL

/* ---- UUIDs (on libuuid) ------------------------------------------------ */

/* Fills *Uuid with a new random (version 4) UUID.  RPC_S_OK, or
 * RPC_S_INVALID_ARG for a NULL pointer. */
RPCRTAPI RPC_STATUS RPC_ENTRY UuidCreate(UUID *Uuid);

/* Time-based (version 1) UUID; RPC_S_UUID_LOCAL_ONLY never happens here. */
RPCRTAPI RPC_STATUS RPC_ENTRY UuidCreateSequential(UUID *Uuid);

/* Sets *NilUuid to all zeros. */
RPCRTAPI RPC_STATUS RPC_ENTRY UuidCreateNil(UUID *NilUuid);

/* Allocates "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower case) in
 * *StringUuid; the caller frees it with RpcStringFree.  RPC_S_OUT_OF_MEMORY
 * when allocation fails. */
RPCRTAPI RPC_STATUS RPC_ENTRY UuidToStringA(const UUID *Uuid, RPC_CSTR *StringUuid);

/* Parses the 36-character form (either case; no braces).  A NULL or empty
 * string gives the nil UUID.  RPC_S_INVALID_STRING_UUID on bad input. */
RPCRTAPI RPC_STATUS RPC_ENTRY UuidFromStringA(RPC_CSTR StringUuid, UUID *Uuid);

/* -1, 0 or 1 as Uuid1 orders before, equal to or after Uuid2 (NULL is the
 * nil UUID); *Status is RPC_S_OK. */
RPCRTAPI int RPC_ENTRY UuidCompare(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status);

/* 1 when Uuid (NULL counts) is the nil UUID, else 0. */
RPCRTAPI int RPC_ENTRY UuidIsNil(UUID *Uuid, RPC_STATUS *Status);

/* 1 when both are equal. */
RPCRTAPI int RPC_ENTRY UuidEqual(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status);

/* A 16-bit hash of Uuid, equal for equal UUIDs (the DCE algorithm). */
RPCRTAPI unsigned short RPC_ENTRY UuidHash(UUID *Uuid, RPC_STATUS *Status);

/* ---- strings and errors ------------------------------------------------ */

/* Frees a string the runtime allocated and sets *String to NULL.  A NULL
 * String or *String is a no-op returning RPC_S_OK. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcStringFreeA(RPC_CSTR *String);

/* Copies the message for RpcStatus into ErrorText, which must hold
 * DCE_C_ERROR_STRING_LEN bytes.  RPC_S_OK, or RPC_S_INVALID_ARG (and a
 * generic text) for an unknown status or a NULL buffer. */
RPCRTAPI RPC_STATUS RPC_ENTRY DceErrorInqTextA(RPC_STATUS RpcStatus, RPC_CSTR ErrorText);

/* ---- string bindings ----------------------------------------------------
 * "[ObjUuid@]ProtSeq:NetworkAddr[Endpoint,option=value,...]".  Special
 * characters (@ : [ ] , = \) inside a component are escaped with '\'. */

/* Builds a string binding; any argument may be NULL or empty.  The result
 * is freed with RpcStringFree. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcStringBindingComposeA(RPC_CSTR ObjUuid,
    RPC_CSTR ProtSeq, RPC_CSTR NetworkAddr, RPC_CSTR Endpoint,
    RPC_CSTR Options, RPC_CSTR *StringBinding);

/* Splits a string binding; each non-NULL out pointer receives an allocated
 * component (an empty string when absent) that the caller frees with
 * RpcStringFree.  RPC_S_INVALID_STRING_BINDING on malformed input,
 * RPC_S_INVALID_STRING_UUID for a bad object UUID. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcStringBindingParseA(RPC_CSTR StringBinding,
    RPC_CSTR *ObjUuid, RPC_CSTR *Protseq, RPC_CSTR *NetworkAddr,
    RPC_CSTR *Endpoint, RPC_CSTR *NetworkOptions);


/* ==== binding handles (libclient) ======================================
 * A binding handle names a server (RpcBindingFromStringBinding) and owns
 * the connections its calls use: one association per handle, with a pool of
 * connections, so that many threads can call through one handle at once.
 * Handles are freed with RpcBindingFree; a copy (RpcBindingCopy) shares
 * nothing mutable with the original. */

/* RPC_S_OK; RPC_S_INVALID_STRING_BINDING / RPC_S_INVALID_STRING_UUID for
 * malformed input; RPC_S_PROTSEQ_NOT_SUPPORTED for a protocol sequence
 * other than ncacn_ip_tcp and ncalrpc; RPC_S_INVALID_ENDPOINT_FORMAT,
 * RPC_S_INVALID_NET_ADDR. No connection is made before the first call. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingFromStringBindingA(RPC_CSTR StringBinding,
    RPC_BINDING_HANDLE *Binding);
/* The string form; freed with RpcStringFree.  On a server binding handle
 * (the Handle of a manager routine's RPC_MESSAGE) it names the client. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingToStringBindingA(RPC_BINDING_HANDLE Binding,
    RPC_CSTR *StringBinding);
/* Frees *Binding (closing its idle connections) and sets it to NULL.
 * RPC_S_INVALID_BINDING for NULL or a handle that is not a client binding. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingFree(RPC_BINDING_HANDLE *Binding);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingCopy(RPC_BINDING_HANDLE SourceBinding,
    RPC_BINDING_HANDLE *DestinationBinding);
/* Removes the endpoint: the next call resolves it through the endpoint
 * mapper. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingReset(RPC_BINDING_HANDLE Binding);
/* Fills in the endpoint of a partially bound handle (no endpoint) from
 * the endpoint mapper of its host (ncacn_ip_tcp port 135, or the one in
 * $RPCRT_EPM_ENDPOINT; ncalrpc endpoint "epmapper") for the interface
 * IfSpec (an RPC_CLIENT_INTERFACE *).  A call through a partial binding
 * does this itself.  RPC_S_OK (also when the handle has an endpoint),
 * EPT_S_NOT_REGISTERED, RPC_S_SERVER_UNAVAILABLE, RPC_S_INVALID_BINDING. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcEpResolveBinding(RPC_BINDING_HANDLE Binding,
    RPC_IF_HANDLE IfSpec);
/* Object UUID sent in requests (NULL or nil: none). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingSetObject(RPC_BINDING_HANDLE Binding,
    UUID *ObjectUuid);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingInqObject(RPC_BINDING_HANDLE Binding,
    UUID *ObjectUuid);

/* ==== the stub-level call (rpcdcep.h) =================================== */

typedef void *RPC_MGR_EPV;
typedef unsigned long RPC_IF_ID_VERSION;

typedef struct _RPC_MESSAGE {
    RPC_BINDING_HANDLE Handle;
    unsigned long DataRepresentation;   /* NDR label of Buffer's data */
    void *Buffer;
    unsigned int BufferLength;
    unsigned int ProcNum;
    PRPC_SYNTAX_IDENTIFIER TransferSyntax;
    void *RpcInterfaceInformation;      /* RPC_CLIENT/SERVER_INTERFACE * */
    void *ReservedForRuntime;
    RPC_MGR_EPV *ManagerEpv;
    void *ImportContext;
    unsigned long RpcFlags;
} RPC_MESSAGE, *PRPC_MESSAGE;

typedef void (__RPC_STUB *RPC_DISPATCH_FUNCTION)(PRPC_MESSAGE Message);

typedef struct {
    unsigned int DispatchTableCount;
    RPC_DISPATCH_FUNCTION *DispatchTable;
    long Reserved;
} RPC_DISPATCH_TABLE, *PRPC_DISPATCH_TABLE;

typedef struct _RPC_PROTSEQ_ENDPOINT {
    unsigned char *RpcProtocolSequence;
    unsigned char *Endpoint;
} RPC_PROTSEQ_ENDPOINT, *PRPC_PROTSEQ_ENDPOINT;

typedef struct _RPC_SERVER_INTERFACE {
    unsigned int Length;                /* sizeof(RPC_SERVER_INTERFACE) */
    RPC_SYNTAX_IDENTIFIER InterfaceId;
    RPC_SYNTAX_IDENTIFIER TransferSyntax;
    PRPC_DISPATCH_TABLE DispatchTable;
    unsigned int RpcProtseqEndpointCount;
    PRPC_PROTSEQ_ENDPOINT RpcProtseqEndpoint;
    RPC_MGR_EPV *DefaultManagerEpv;
    void const *InterpreterInfo;
    unsigned int Flags;
} RPC_SERVER_INTERFACE, *PRPC_SERVER_INTERFACE;

typedef struct _RPC_CLIENT_INTERFACE {
    unsigned int Length;                /* sizeof(RPC_CLIENT_INTERFACE) */
    RPC_SYNTAX_IDENTIFIER InterfaceId;
    RPC_SYNTAX_IDENTIFIER TransferSyntax;
    PRPC_DISPATCH_TABLE DispatchTable;
    unsigned int RpcProtseqEndpointCount;
    PRPC_PROTSEQ_ENDPOINT RpcProtseqEndpoint;
    unsigned long Reserved;
    void const *InterpreterInfo;
    unsigned int Flags;
} RPC_CLIENT_INTERFACE, *PRPC_CLIENT_INTERFACE;

/* RpcFlags bits. */
#define RPC_FLAGS_VALID_BIT   0x00008000
#define RPC_BUFFER_COMPLETE   0x00001000
#define RPCFLG_HAS_CALLBACK   0x00000040
#define RPC_NCA_FLAGS_MAYBE   0x00000004

/* Allocates Message->BufferLength bytes in Message->Buffer.  Client side
 * (Handle a client binding): the request buffer.  Server side (Handle the
 * call's binding): the reply buffer, which replaces the request buffer;
 * the runtime frees both.  RPC_S_OK, RPC_S_INVALID_BINDING,
 * RPC_S_OUT_OF_MEMORY. */
RPCRTAPI RPC_STATUS RPC_ENTRY I_RpcGetBuffer(PRPC_MESSAGE Message);
/* Sends the request in Buffer (BufferLength bytes, opnum ProcNum, the
 * interface of RpcInterfaceInformation) and waits for the reply, which then
 * is in Buffer/BufferLength (freed with I_RpcFreeBuffer) with
 * DataRepresentation set from the response.  Returns RPC_S_OK or the
 * status of a fault (mapped to RPC_S_*), RPC_S_SERVER_UNAVAILABLE when no
 * connection could be made, RPC_S_CALL_FAILED when one broke mid-call. */
RPCRTAPI RPC_STATUS RPC_ENTRY I_RpcSendReceive(PRPC_MESSAGE Message);
/* Frees Message->Buffer (request or reply) and sets it to NULL. */
RPCRTAPI RPC_STATUS RPC_ENTRY I_RpcFreeBuffer(PRPC_MESSAGE Message);

/* ==== cancellation (client side) ==========================================
 * POSIX mapping of Windows' thread HANDLE: Thread points to a pthread_t of
 * this process. */

/* Cancels the call in progress on *Thread: a co_cancel PDU goes to the
 * server and the call then waits at most that thread's cancel timeout.
 * RPC_S_OK (also when the thread has no call in progress: nothing
 * happens, its next call is unaffected); RPC_S_INVALID_ARG for NULL or a
 * thread that is not alive. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcCancelThread(void *Thread);
/* The same, with Timeout (seconds, -1 infinite) replacing the target
 * call's cancel timeout.  RPC_S_INVALID_TIMEOUT below -1. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcCancelThreadEx(void *Thread, long Timeout);
/* The calling thread's cancel timeout in seconds: how long a cancelled
 * call waits for the server before it sends orphaned and fails with
 * RPC_S_CALL_FAILED.  RPC_C_CANCEL_INFINITE_TIMEOUT (-1, the default)
 * waits for the server; 0 abandons the call at once.  RPC_S_INVALID_TIMEOUT
 * for other negative values. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcMgmtSetCancelTimeout(long Seconds);

/* ==== exceptions ==========================================================
 * RpcTryExcept / RpcExcept(filter) / RpcEndExcept and RpcTryFinally /
 * RpcFinally / RpcEndFinally, as on Windows, built on setjmp: a local
 * variable changed inside the try block and read in the handler must be
 * volatile.  Do not return or goto out of a try block.
 * RpcRaiseException(code) unwinds to the innermost handler on the calling
 * thread; in a manager routine, uncaught, it ends the call with a fault
 * carrying code.  With no handler at all it reports the code on stderr and
 * ends the calling thread (pthread_exit), never the process. */
#include <setjmp.h>

typedef struct _RPC_EXCEPTION_FRAME {
    jmp_buf jb;
    struct _RPC_EXCEPTION_FRAME *prev;
    unsigned long code;
    int raised;
} RPC_EXCEPTION_FRAME;

#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0

RPCRTAPI void RPC_ENTRY RpcRaiseException(RPC_STATUS exception);
/* Runtime helpers behind the macros; not for direct use.  Push links a
 * frame on the calling thread; Pop unlinks it if it is still the innermost
 * (RpcRaiseException unlinks the frame it jumps to). */
RPCRTAPI void RPC_ENTRY I_RpcExceptionPush(RPC_EXCEPTION_FRAME *frame);
RPCRTAPI void RPC_ENTRY I_RpcExceptionPop(RPC_EXCEPTION_FRAME *frame);

/* Nested blocks declare the same frame name: harmless, so the shadow
 * warning is silenced for that one declaration. */
#if defined(__GNUC__)
#define RPC_EXC_FRAME_DECL \
    _Pragma("GCC diagnostic push") \
    _Pragma("GCC diagnostic ignored \"-Wshadow\"") \
    RPC_EXCEPTION_FRAME __rpc_frame; \
    _Pragma("GCC diagnostic pop")
#else
#define RPC_EXC_FRAME_DECL RPC_EXCEPTION_FRAME __rpc_frame;
#endif

#define RpcTryExcept \
    { RPC_EXC_FRAME_DECL \
      I_RpcExceptionPush(&__rpc_frame); \
      if (setjmp(__rpc_frame.jb) == 0) {
#define RpcExcept(expr) \
        I_RpcExceptionPop(&__rpc_frame); \
      } else { \
        if (!(expr)) RpcRaiseException((RPC_STATUS)__rpc_frame.code); \
        {
#define RpcEndExcept } } }
#define RpcExceptionCode() ((RPC_STATUS)__rpc_frame.code)

#define RpcTryFinally \
    { RPC_EXC_FRAME_DECL \
      I_RpcExceptionPush(&__rpc_frame); \
      if (setjmp(__rpc_frame.jb) == 0) {
#define RpcFinally \
      } \
      I_RpcExceptionPop(&__rpc_frame); \
      {
#define RpcEndFinally \
      } \
      if (__rpc_frame.raised) RpcRaiseException((RPC_STATUS)__rpc_frame.code); }
#define RpcAbnormalTermination() (__rpc_frame.raised)

/* ==== server (libserver) ==================================================
 * Protocol sequences: "ncacn_ip_tcp" (IPv4 and IPv6; endpoint a port, "0"
 * or NULL for a dynamic one) and "ncalrpc" (endpoint a socket name in the
 * runtime's socket directory, NULL for a generated one). */

RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerUseProtseqEpA(RPC_CSTR Protseq,
    unsigned int MaxCalls, RPC_CSTR Endpoint, void *SecurityDescriptor);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerUseProtseqA(RPC_CSTR Protseq,
    unsigned int MaxCalls, void *SecurityDescriptor);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerUseAllProtseqs(unsigned int MaxCalls,
    void *SecurityDescriptor);

typedef RPC_STATUS RPC_ENTRY RPC_IF_CALLBACK_FN(RPC_IF_HANDLE InterfaceUuid,
    void *Context);

/* RegisterIf flags (Windows' values). */
#define RPC_IF_AUTOLISTEN                   0x0001
#define RPC_IF_OLE                          0x0002
#define RPC_IF_ALLOW_UNKNOWN_AUTHORITY      0x0004
#define RPC_IF_ALLOW_SECURE_ONLY            0x0008
#define RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH 0x0010
#define RPC_IF_ALLOW_LOCAL_ONLY             0x0020
#define RPC_IF_SEC_NO_CACHE                 0x0040
#define RPC_C_LISTEN_MAX_CALLS_DEFAULT_IF   RPC_C_LISTEN_MAX_CALLS_DEFAULT
#define RPC_C_MGMT_INQ_IF_IDS          0
#define RPC_C_MGMT_INQ_PRINC_NAME      1
#define RPC_C_MGMT_INQ_STATS           2
#define RPC_C_MGMT_IS_SERVER_LISTEN    3
#define RPC_C_MGMT_STOP_SERVER_LISTEN  4

RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerRegisterIf(RPC_IF_HANDLE IfSpec,
    UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerRegisterIfEx(RPC_IF_HANDLE IfSpec,
    UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv, unsigned int Flags,
    unsigned int MaxCalls, RPC_IF_CALLBACK_FN *IfCallback);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerRegisterIf2(RPC_IF_HANDLE IfSpec,
    UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv, unsigned int Flags,
    unsigned int MaxCalls, unsigned int MaxRpcSize,
    RPC_IF_CALLBACK_FN *IfCallbackFn);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerRegisterIf3(RPC_IF_HANDLE IfSpec,
    UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv, unsigned int Flags,
    unsigned int MaxCalls, unsigned int MaxRpcSize,
    RPC_IF_CALLBACK_FN *IfCallback, void *SecurityDescriptor);
/* IfSpec NULL: every interface.  WaitForCallsToComplete: wait for the
 * interface's calls in progress; otherwise new calls are refused at once
 * (nca_s_unk_if) and running ones finish on their own. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerUnregisterIf(RPC_IF_HANDLE IfSpec,
    UUID *MgrTypeUuid, unsigned int WaitForCallsToComplete);

/* Client binding handles for this server's endpoints, one per address of a
 * wildcard TCP endpoint.  The caller frees the vector (and its handles)
 * with RpcBindingVectorFree.  RPC_S_NO_BINDINGS before any endpoint. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerInqBindings(RPC_BINDING_VECTOR **BindingVector);
/* RpcBindingFree on every handle, frees the vector, sets *BindingVector
 * to NULL. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcBindingVectorFree(RPC_BINDING_VECTOR **BindingVector);

/* ---- the endpoint map of this host (rpcd) ---------------------------------
 * Elements go to the endpoint mapper of the local host (rpcd, reached on
 * its ncalrpc endpoint "epmapper"): one per binding of BindingVector (its
 * protocol sequence and endpoint; client binding handles, as
 * RpcServerInqBindings returns) and object UUID of UuidVector (NULL or
 * empty: the nil object), for the interface IfSpec (an
 * RPC_SERVER_INTERFACE *), annotated with Annotation (NULL: none; cut at
 * 63 characters).  The elements belong to the calling user and are
 * removed by rpcd when the calling process exits.  See RpcEpRegister(3).
 * RPC_S_OK; RPC_S_INVALID_ARG; RPC_S_NO_BINDINGS (an empty vector);
 * RPC_S_INVALID_BINDING / RPC_S_WRONG_KIND_OF_BINDING;
 * RPC_S_NO_ENDPOINT_FOUND (a binding without an endpoint);
 * EPT_S_CANT_PERFORM_OP (not allowed: an element with the same interface
 * belongs to another user), EPT_S_INVALID_ENTRY, EPT_S_CANT_CREATE (the
 * map is full); RPC_S_SERVER_UNAVAILABLE when rpcd does not run. */
/* Adds the elements, first removing those the server registered before
 * for the same interface (uuid and major version), object, protocol
 * sequence and transfer syntax, whatever their endpoint. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcEpRegisterA(RPC_IF_HANDLE IfSpec,
    RPC_BINDING_VECTOR *BindingVector, UUID_VECTOR *UuidVector,
    RPC_CSTR Annotation);
/* Adds the elements and replaces nothing. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcEpRegisterNoReplaceA(RPC_IF_HANDLE IfSpec,
    RPC_BINDING_VECTOR *BindingVector, UUID_VECTOR *UuidVector,
    RPC_CSTR Annotation);
/* Removes the elements (those that are present); EPT_S_NOT_REGISTERED
 * when none was. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcEpUnregister(RPC_IF_HANDLE IfSpec,
    RPC_BINDING_VECTOR *BindingVector, UUID_VECTOR *UuidVector);

/* Starts dispatching calls on MinimumCallThreads..MaxCalls worker threads.
 * DontWait 0: returns when listening stops (RpcMgmtStopServerListening);
 * otherwise at once, and RpcMgmtWaitServerListen waits. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerListen(unsigned int MinimumCallThreads,
    unsigned int MaxCalls, unsigned int DontWait);
/* Binding NULL: this process's server; otherwise a remote server through
 * the mgmt interface (refused there unless the server allows it). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcMgmtStopServerListening(RPC_BINDING_HANDLE Binding);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcMgmtWaitServerListen(void);
/* RPC_S_OK when listening, RPC_S_NOT_LISTENING when not. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcMgmtIsServerListening(RPC_BINDING_HANDLE Binding);
/* The registered interfaces (Binding NULL: this process; otherwise the
 * server's, through its mgmt interface).  *IfIdVector is the caller's, freed
 * with RpcIfIdVectorFree. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcMgmtInqIfIds(RPC_BINDING_HANDLE Binding,
    RPC_IF_ID_VECTOR **IfIdVector);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcIfIdVectorFree(RPC_IF_ID_VECTOR **IfIdVector);
/* Interface id and version of an interface specification. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcIfInqId(RPC_IF_HANDLE RpcIfHandle, RPC_IF_ID *RpcIfId);

/* ---- cancellation (server side) ------------------------------------------
 * Whether the client has cancelled a call: a co_cancel PDU arrived for it,
 * or its client went away (orphaned PDU, lost connection).  BindingHandle
 * 0: the call the calling thread is serving; otherwise a call's server
 * binding handle (the Handle of its RPC_MESSAGE), from any thread.
 * RPC_S_OK: cancelled; RPC_S_CALL_IN_PROGRESS (1791): not cancelled;
 * RPC_S_NO_CALL_ACTIVE (1725): handle 0 on a thread that serves no call;
 * RPC_S_INVALID_BINDING (1702): not the handle of a call in progress (a
 * client binding, a finished call, garbage).  Changes no state: the
 * routine still completes the call, or ends it with
 * RpcRaiseException(RPC_S_CALL_CANCELLED) (fault nca_s_fault_cancel). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcServerTestCancel(RPC_BINDING_HANDLE BindingHandle);
/* RpcServerTestCancel(0). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcTestCancel(void);

#define UuidToString            UuidToStringA
#define UuidFromString          UuidFromStringA
#define RpcStringFree           RpcStringFreeA
#define DceErrorInqText         DceErrorInqTextA
#define RpcStringBindingCompose RpcStringBindingComposeA
#define RpcStringBindingParse   RpcStringBindingParseA
#define RpcBindingFromStringBinding RpcBindingFromStringBindingA
#define RpcBindingToStringBinding   RpcBindingToStringBindingA
#define RpcServerUseProtseqEp   RpcServerUseProtseqEpA
#define RpcServerUseProtseq     RpcServerUseProtseqA
#define RpcEpRegister           RpcEpRegisterA
#define RpcEpRegisterNoReplace  RpcEpRegisterNoReplaceA

#ifdef __cplusplus
}
#endif

#endif /* RPCRT_RPCDCE_H */
