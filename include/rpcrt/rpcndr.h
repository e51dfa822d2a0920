/*
 * rpcrt/rpcndr.h -- the NDR type names and data-representation constants
 * that hand-written and MIDL-style stubs use, as Windows' <rpcndr.h>
 * spells them.  For now only declarations that need no library code: the
 * stub runtime (MIDL_STUB_MESSAGE, NdrClientCall ...) comes later.
 */
#ifndef RPCRT_RPCNDR_H
#define RPCRT_RPCNDR_H

#include <rpcrt/rpcdce.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decorations Windows stubs spell out; rpcdce.h defines the calling
 * convention ones, these are the remaining <rpcndr.h> spellings. */
#ifndef __RPC_FAR
#define __RPC_FAR
#endif
#ifndef __RPC_NEAR
#define __RPC_NEAR
#endif
#ifndef __RPC_HUGE
#define __RPC_HUGE
#endif
#ifndef __RPC_CALLEE
#define __RPC_CALLEE
#endif
#ifndef __MIDL_USER_DEFINED
#define __MIDL_USER_DEFINED
#endif

/* ---- data representation label (C706 14.1, figure 14-1) -----------------
 *
 * The four drep bytes of a PDU header read as one little-endian 32-bit
 * value: byte 0 holds the integer representation in its high nibble and
 * the character representation in its low nibble, byte 1 the floating
 * point representation.  RPC_MESSAGE.DataRepresentation carries this
 * value. */
#define NDR_CHAR_REP_MASK   0x0000000FU
#define NDR_INT_REP_MASK    0x000000F0U
#define NDR_FLOAT_REP_MASK  0x0000FF00U

#define NDR_LITTLE_ENDIAN   0x00000010U   /* integers LSB first */
#define NDR_BIG_ENDIAN      0x00000000U   /* integers MSB first */

#define NDR_IEEE_FLOAT      0x00000000U
#define NDR_VAX_FLOAT       0x00000100U
#define NDR_CRAY_FLOAT      0x00000200U
#define NDR_IBM_FLOAT       0x00000300U

#define NDR_ASCII_CHAR      0x00000000U
#define NDR_EBCDIC_CHAR     0x00000001U

/* What this host sends: its own integer order, ASCII, IEEE floats.
 * Windows hard-codes little-endian; we follow the host so that a
 * big-endian build marks its PDUs correctly (C706 14.1: the sender's
 * format, receiver makes right). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NDR_LOCAL_ENDIAN    NDR_BIG_ENDIAN
#else
#define NDR_LOCAL_ENDIAN    NDR_LITTLE_ENDIAN
#endif
#define NDR_LOCAL_DATA_REPRESENTATION \
    (NDR_LOCAL_ENDIAN | NDR_ASCII_CHAR | NDR_IEEE_FLOAT)

/* ---- NDR primitive types (C706 14.2) -------------------------------------
 *
 * IDL's byte, boolean, small and hyper.  Sizes are fixed by NDR: byte,
 * boolean and small are one octet, hyper eight.  hyper and small are
 * macros, as on Windows, so that "unsigned hyper" / "unsigned small"
 * spell the unsigned types. */
typedef unsigned char byte;
typedef byte cs_byte;
typedef unsigned char boolean;

#ifndef _HYPER_DEFINED
#define _HYPER_DEFINED
#define hyper long long
#define MIDL_uhyper unsigned long long
#endif

/* In C++, libstdc++ headers use "small" as an identifier (<variant>,
 * <any> ...), so a macro would break any of them included after us; there
 * it is a typedef and "unsigned small" must be written "unsigned char". */
#ifndef __cplusplus
#ifndef small
#define small char
#endif
#else
typedef char small;
#endif

#ifdef __cplusplus
}
#endif

#endif /* RPCRT_RPCNDR_H */
