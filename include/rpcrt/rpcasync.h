/*
 * rpcrt/rpcasync.h -- asynchronous RPC: RPC_ASYNC_STATE and the RpcAsync*
 * functions, laid out as Windows' <rpcasync.h> declares them, with the
 * POSIX meaning of the notification types.
 *
 * One RPC_ASYNC_STATE describes one asynchronous call, on either side.
 * The application owns the structure; it must stay valid (not moved, not
 * freed) from RpcAsyncInitializeHandle until the call has ended with
 * RpcAsyncCompleteCall (or, on the server, RpcAsyncAbortCall).
 *
 * Server side.  A manager routine makes its call asynchronous with
 * I_RpcAsyncSetHandle(Message, pAsync) and returns: its worker thread is
 * free again, the call stays in progress (it counts against MaxCalls and
 * keeps its connection) until any thread ends it with
 * RpcAsyncCompleteCall(pAsync, Reply) or RpcAsyncAbortCall(pAsync, code).
 * The reply: Reply is NULL or a PRPC_MESSAGE.  The reply stub is the
 * buffer last obtained with I_RpcGetBuffer for the call -- by the routine
 * on its Message, or later by any thread on an RPC_MESSAGE whose Handle is
 * RpcAsyncGetCallHandle(pAsync) -- its first Reply->BufferLength bytes
 * when Reply is that message (Reply->Buffer is the buffer), else all of
 * it; no buffer: an empty reply.  The request buffer (Message->Buffer)
 * stays valid until the call ends.  While the call is outstanding
 * co_cancel and orphaned PDUs keep reaching it:
 * RpcServerTestCancel(RpcAsyncGetCallHandle(pAsync)) says RPC_S_OK once
 * the client cancelled, from any thread.  A lost connection orphans the
 * call (and counts as a cancel); its answer is then dropped when it ends.
 * RpcMgmtWaitServerListen and RpcrtServerShutdown wait for outstanding
 * asynchronous calls like for running routines: the application must end
 * every call it took asynchronous.
 *
 * Client side.  A stub fills an RPC_MESSAGE as for I_RpcSendReceive and
 * calls I_RpcAsyncSend(Message, pAsync): the request is on the wire when
 * it returns, and the call completes later, on a runtime thread that
 * waits for the replies of all calls in flight.  Each call in flight has
 * a connection of its own (from the binding's pool, or a new one), so a
 * thread may have any number of calls in flight (bounded by file
 * descriptors and the server's connection limit).  Completion is
 * announced as pAsync->NotificationType says; RpcAsyncCompleteCall(pAsync,
 * Reply) then returns the call's status and, Reply being a PRPC_MESSAGE,
 * the reply stub in Reply->Buffer/BufferLength/DataRepresentation (free
 * it with I_RpcFreeBuffer; Reply->Handle must be the call's binding).
 *
 * Notification types (POSIX mapping):
 *  - RpcNotificationTypeNone: nothing; the caller polls
 *    RpcAsyncGetCallStatus until it stops saying RPC_S_ASYNC_CALL_PENDING.
 *  - RpcNotificationTypeEvent: u.hEvent is a file descriptor (an
 *    eventfd(2), or the write end of a pipe); the runtime writes an
 *    8-byte 1 to it when the call completes.  The runtime neither opens
 *    nor closes it.
 *  - RpcNotificationTypeCallback: u.NotificationRoutine(pAsync, NULL,
 *    RpcCallComplete) is called once, on a runtime thread, when the call
 *    completes; it may call RpcAsyncCompleteCall but should not block
 *    (the thread serves every call in flight).
 *  - RpcNotificationTypeApc, RpcNotificationTypeIoc,
 *    RpcNotificationTypeHwnd: Windows-only; I_RpcAsyncSend refuses them
 *    with RPC_S_CANNOT_SUPPORT.
 *
 * Misuse is reported, never a crash: a NULL pointer, a wrong Size or a
 * wrong Signature (uninitialised memory), or a structure that carries no
 * call of this process: RPC_S_INVALID_ASYNC_HANDLE; a call that has
 * already ended (completed twice, aborted after completion):
 * RPC_S_INVALID_ASYNC_CALL.
 */
#ifndef RPCRT_RPCASYNC_H
#define RPCRT_RPCASYNC_H

#include <stdint.h>

#include <rpcrt/rpcdce.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "ASYC" little-endian: what RpcAsyncInitializeHandle puts in Signature. */
#define RPC_ASYNC_SIGNATURE 0x43595341

/* RPC_ASYNC_STATE.Flags (as Windows; rpcrt acts on none of them). */
#define RPC_C_NOTIFY_ON_SEND_COMPLETE 0x1
#define RPC_C_INFINITE_TIMEOUT        0xFFFFFFFFu

typedef enum _RPC_NOTIFICATION_TYPES {
    RpcNotificationTypeNone = 0,
    RpcNotificationTypeEvent = 1,
    RpcNotificationTypeApc = 2,
    RpcNotificationTypeIoc = 3,
    RpcNotificationTypeHwnd = 4,
    RpcNotificationTypeCallback = 5
} RPC_NOTIFICATION_TYPES;

typedef enum _RPC_ASYNC_EVENT {
    RpcCallComplete = 0,
    RpcSendComplete = 1,
    RpcReceiveComplete = 2,
    RpcClientDisconnect = 3,
    RpcClientCancel = 4
} RPC_ASYNC_EVENT;

struct _RPC_ASYNC_STATE;

typedef void RPC_ENTRY RPCNOTIFICATION_ROUTINE(struct _RPC_ASYNC_STATE *pAsync,
                                               void *Context,
                                               RPC_ASYNC_EVENT Event);
typedef RPCNOTIFICATION_ROUTINE *PFN_RPCNOTIFICATION_ROUTINE;

typedef union _RPC_ASYNC_NOTIFICATION_INFO {
    /* Windows-only kinds, kept for the layout and for source
     * compatibility; not supported. */
    struct {
        PFN_RPCNOTIFICATION_ROUTINE NotificationRoutine;
        void *hThread;
    } APC;
    struct {
        void *hIOPort;
        unsigned long dwNumberOfBytesTransferred;
        uintptr_t dwCompletionKey;
        void *lpOverlapped;
    } IOC;
    struct {
        void *hWnd;
        unsigned int Msg;
    } HWND;
    /* RpcNotificationTypeEvent: a file descriptor the runtime writes an
     * 8-byte 1 to (eventfd(2) or a pipe). */
    int hEvent;
    /* RpcNotificationTypeCallback. */
    PFN_RPCNOTIFICATION_ROUTINE NotificationRoutine;
} RPC_ASYNC_NOTIFICATION_INFO, *PRPC_ASYNC_NOTIFICATION_INFO;

typedef struct _RPC_ASYNC_STATE {
    unsigned int Size;               /* sizeof(RPC_ASYNC_STATE) */
    unsigned long Signature;         /* RPC_ASYNC_SIGNATURE */
    long Lock;
    unsigned long Flags;
    void *StubInfo;
    void *UserInfo;                  /* the application's */
    void *RuntimeInfo;               /* the runtime's; do not touch */
    RPC_ASYNC_EVENT Event;
    RPC_NOTIFICATION_TYPES NotificationType;
    RPC_ASYNC_NOTIFICATION_INFO u;
    intptr_t Reserved[4];
} RPC_ASYNC_STATE, *PRPC_ASYNC_STATE;

/* Makes pAsync ready for a call: Size, Signature, no call.  The caller
 * then sets NotificationType, u and UserInfo.  Size must be
 * sizeof(RPC_ASYNC_STATE).  RPC_S_OK or RPC_S_INVALID_ARG (NULL, wrong
 * Size). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcAsyncInitializeHandle(PRPC_ASYNC_STATE pAsync,
                                                       unsigned int Size);

/* RPC_S_ASYNC_CALL_PENDING while the call is in progress; once a client
 * call has completed, its status (RPC_S_OK, RPC_S_CALL_CANCELLED, a
 * fault's status ...) until RpcAsyncCompleteCall collects it.
 * RPC_S_INVALID_ASYNC_HANDLE, RPC_S_INVALID_ASYNC_CALL (ended). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcAsyncGetCallStatus(PRPC_ASYNC_STATE pAsync);

/* Ends the call.  Server: sends the reply (see above for Reply); RPC_S_OK.
 * Client: RPC_S_ASYNC_CALL_PENDING if the call has not completed yet (it
 * stays in flight), else the call's status, the reply in *Reply
 * (a PRPC_MESSAGE, may be NULL) when that is RPC_S_OK.  Both:
 * RPC_S_INVALID_ASYNC_HANDLE, RPC_S_INVALID_ASYNC_CALL (already ended). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcAsyncCompleteCall(PRPC_ASYNC_STATE pAsync,
                                                   void *Reply);

/* Server: ends the call with a fault carrying ExceptionCode (mapped as
 * RpcRaiseException's codes are: RPC_S_CALL_CANCELLED is
 * nca_s_fault_cancel).  RPC_S_OK, RPC_S_INVALID_ASYNC_HANDLE,
 * RPC_S_INVALID_ASYNC_CALL; on a client call RPC_S_WRONG_KIND_OF_BINDING. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcAsyncAbortCall(PRPC_ASYNC_STATE pAsync,
                                                unsigned long ExceptionCode);

/* Client: fAbortCall FALSE sends a co_cancel; the call completes when the
 * server answers (its result, or RPC_S_CALL_CANCELLED).  TRUE completes
 * the call at once with RPC_S_CALL_CANCELLED, and sends co_cancel and
 * orphaned and lets the connection go.  RPC_S_OK (also when the call had
 * completed already), RPC_S_INVALID_ASYNC_HANDLE, RPC_S_INVALID_ASYNC_CALL;
 * on a server call RPC_S_WRONG_KIND_OF_BINDING. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcAsyncCancelCall(PRPC_ASYNC_STATE pAsync,
                                                 int fAbortCall);

/* Server: the call's binding handle (for RpcServerTestCancel,
 * RpcBindingToStringBinding, I_RpcGetBuffer ...) while the call is
 * outstanding; client: the binding the call was made on.  NULL for a
 * handle that carries no call in progress. */
RPCRTAPI void *RPC_ENTRY RpcAsyncGetCallHandle(PRPC_ASYNC_STATE pAsync);

/* ---- stub level --------------------------------------------------------- */

/* Server, in a manager routine: makes the call on Message asynchronous,
 * handled by pAsync (initialised, no call yet).  When the routine returns
 * nothing is sent; the call goes on until RpcAsyncCompleteCall or
 * RpcAsyncAbortCall.  If the routine raises an exception after this, the
 * call ends with that fault as usual and pAsync ends with it.  RPC_S_OK,
 * RPC_S_INVALID_ASYNC_HANDLE (pAsync), RPC_S_INVALID_ASYNC_CALL (pAsync
 * already has a call, or the call is already asynchronous),
 * RPC_S_NO_CALL_ACTIVE / RPC_S_INVALID_BINDING (Message is not the
 * calling thread's call).  In librpcrt-server. */
RPCRTAPI RPC_STATUS RPC_ENTRY I_RpcAsyncSetHandle(PRPC_MESSAGE Message,
                                                  PRPC_ASYNC_STATE pAsync);

/* Client (rpcrt's stub-level call, the asynchronous I_RpcSendReceive):
 * sends the request in Message (Buffer from I_RpcGetBuffer, which the
 * runtime takes over: Message->Buffer is NULL afterwards) and returns;
 * pAsync (initialised, no call yet, NotificationType set) handles the
 * call from now on.  RPC_S_OK: the call is in flight and will complete;
 * else no call was started: RPC_S_INVALID_ASYNC_HANDLE,
 * RPC_S_INVALID_ASYNC_CALL, RPC_S_CANNOT_SUPPORT (notification type),
 * and I_RpcSendReceive's codes (RPC_S_INVALID_BINDING,
 * RPC_S_SERVER_UNAVAILABLE ...). */
RPCRTAPI RPC_STATUS RPC_ENTRY I_RpcAsyncSend(PRPC_MESSAGE Message,
                                             PRPC_ASYNC_STATE pAsync);

#ifdef __cplusplus
}
#endif

#endif /* RPCRT_RPCASYNC_H */
