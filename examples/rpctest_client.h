/*
 * examples/rpctest_client.h -- client stubs for the rpctest conformance
 * interface (25b0ad95-8a83-4c70-b453-e0c202c9d616 v1.0), written by hand
 * the way MIDL-generated stubs use the runtime: fill an RPC_MESSAGE, call
 * I_RpcGetBuffer, marshal NDR into Buffer, call I_RpcSendReceive,
 * unmarshal the reply in the byte order DataRepresentation gives, free
 * the buffer with I_RpcFreeBuffer.  Only the public API is used.
 *
 * Every function returns the RPC status of the call (RPC_S_OK, or the
 * mapped fault / transport status); results go to the out parameters.
 */
#ifndef RPCTEST_CLIENT_H
#define RPCTEST_CLIENT_H

#include <stdint.h>

#include <rpcrt/rpc.h>

extern RPC_CLIENT_INTERFACE rpctest_client_if;
#define rpctest_v1_0_c_ifspec ((RPC_IF_HANDLE)&rpctest_client_if)

typedef struct {
    uint32_t calls_started;
    uint32_t calls_completed;
    uint32_t cancels_seen;
    uint32_t sleeps_completed;
    uint32_t orphans_seen;
    uint32_t current_calls;
} rpctest_stats;

/* opnum 0: out receives n bytes (the caller's buffer). */
RPC_STATUS rpctest_echo(RPC_BINDING_HANDLE h, const void *in, uint32_t n,
                        void *out, int32_t *ret);
/* opnum 1 */
RPC_STATUS rpctest_wait_for_cancel(RPC_BINDING_HANDLE h, uint32_t timeout_ms,
                                   uint32_t *elapsed_ms, int32_t *result);
/* opnum 2 */
RPC_STATUS rpctest_wait_for_cancel_fault(RPC_BINDING_HANDLE h,
                                         uint32_t timeout_ms, int32_t *ret);
/* opnum 3 */
RPC_STATUS rpctest_sleep(RPC_BINDING_HANDLE h, uint32_t ms, int32_t *ret);
/* opnum 4 */
RPC_STATUS rpctest_get_stats(RPC_BINDING_HANDLE h, rpctest_stats *stats);
/* opnum 5: the call ends with a fault carrying status. */
RPC_STATUS rpctest_fault(RPC_BINDING_HANDLE h, uint32_t status);
/* opnum 6 */
RPC_STATUS rpctest_self_test(RPC_BINDING_HANDLE h, int32_t codes[3]);
/* Any opnum with a raw stub: for tests of unknown opnums and short stubs.
 * *reply (may be NULL) is malloc'ed. */
RPC_STATUS rpctest_raw(RPC_BINDING_HANDLE h, unsigned opnum, const void *stub,
                       uint32_t len, uint8_t **reply, uint32_t *reply_len);

/* opnums 7 and 8, called synchronously (the server serves them
 * asynchronously either way). */
RPC_STATUS rpctest_async_wait_for_cancel(RPC_BINDING_HANDLE h, uint32_t timeout_ms,
                                         uint32_t *elapsed_ms, int32_t *result);
RPC_STATUS rpctest_async_wait_for_cancel_abort(RPC_BINDING_HANDLE h,
                                               uint32_t timeout_ms, int32_t *ret);

/* Asynchronous client calls (I_RpcAsyncSend): *_begin sends the request
 * and returns, async (initialised with RpcAsyncInitializeHandle, its
 * NotificationType set) handles the call; once it has completed,
 * *_finish (RpcAsyncCompleteCall) returns its status and unmarshals the
 * out parameters -- RPC_S_ASYNC_CALL_PENDING while it has not.  h must be
 * the binding the call was made on. */
RPC_STATUS rpctest_async_begin(RPC_BINDING_HANDLE h, PRPC_ASYNC_STATE async,
                               unsigned opnum, const void *stub, uint32_t len);
/* Completes any call whose reply is nouts u32s. */
RPC_STATUS rpctest_async_finish(PRPC_ASYNC_STATE async, RPC_BINDING_HANDLE h,
                                uint32_t *outs, int nouts);
/* opnum 7 */
RPC_STATUS rpctest_async_wait_for_cancel_begin(RPC_BINDING_HANDLE h,
                                               PRPC_ASYNC_STATE async,
                                               uint32_t timeout_ms);
RPC_STATUS rpctest_async_wait_for_cancel_finish(PRPC_ASYNC_STATE async,
                                                RPC_BINDING_HANDLE h,
                                                uint32_t *elapsed_ms,
                                                int32_t *result);
/* opnum 8 */
RPC_STATUS rpctest_async_wait_for_cancel_abort_begin(RPC_BINDING_HANDLE h,
                                                     PRPC_ASYNC_STATE async,
                                                     uint32_t timeout_ms);
RPC_STATUS rpctest_async_wait_for_cancel_abort_finish(PRPC_ASYNC_STATE async,
                                                      RPC_BINDING_HANDLE h,
                                                      int32_t *ret);

#endif
