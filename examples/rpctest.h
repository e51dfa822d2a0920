/*
 * examples/rpctest.h -- the server side of the rpctest conformance
 * interface (../shared/spec/rpctest.md, rpctest.idl), as MIDL would name
 * it, so the same routines serve the standalone rpctest-server and the
 * rpcd module.
 */
#ifndef RPCRT_EXAMPLES_RPCTEST_H
#define RPCRT_EXAMPLES_RPCTEST_H

#include <rpcrt/rpc.h>

/* 25b0ad95-8a83-4c70-b453-e0c202c9d616 v1.0, NDR 2.0. */
extern RPC_SERVER_INTERFACE rpctest___RpcServerInterface;
extern RPC_IF_HANDLE rpctest_v1_0_s_ifspec;

/* Registers the interface (RpcServerRegisterIf2, no size limit of its
 * own).  The status of the registration. */
RPC_STATUS rpctest_register(void);

/* Stops the thread that drives asynchronous calls (opnums 7 and 8),
 * aborting any still outstanding with RPC_S_CALL_CANCELLED; for a clean
 * exit or a module unload (after the server stopped taking calls). */
void rpctest_fini(void);

#endif
