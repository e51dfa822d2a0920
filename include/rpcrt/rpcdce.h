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

#define UuidToString            UuidToStringA
#define UuidFromString          UuidFromStringA
#define RpcStringFree           RpcStringFreeA
#define DceErrorInqText         DceErrorInqTextA
#define RpcStringBindingCompose RpcStringBindingComposeA
#define RpcStringBindingParse   RpcStringBindingParseA

#ifdef __cplusplus
}
#endif

#endif /* RPCRT_RPCDCE_H */
