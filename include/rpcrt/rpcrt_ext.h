/*
 * rpcrt/rpcrt_ext.h -- rpcrt's extensions to the Windows RPC API.
 *
 * Everything here is specific to this runtime (no Windows equivalent), so
 * portable code keeps it behind its own #ifdef.  Names start with "Rpcrt".
 * All of it lives in librpcrt-server, but for RpcrtBufferSendFrom and
 * RpcrtBufferReceiveInto, which live in librpcrt-client (which
 * librpcrt-server links).
 */
#ifndef RPCRT_RPCRT_EXT_H
#define RPCRT_RPCRT_EXT_H

#include <sys/socket.h>
#include <sys/types.h>

#include <rpcrt/rpcdce.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- logging -------------------------------------------------------------
 * The runtime never prints on its own.  What it has to say (a connection
 * closed for a protocol violation, a socket error, a call refused) goes to
 * a handler the application installs, at syslog(3) priorities. */
#define RPCRT_LOG_ERR     3
#define RPCRT_LOG_WARNING 4
#define RPCRT_LOG_NOTICE  5
#define RPCRT_LOG_INFO    6
#define RPCRT_LOG_DEBUG   7

/* Level is one of RPCRT_LOG_*; Message is NUL-terminated, without a
 * trailing newline, valid only during the call.  Called from any runtime
 * thread (the I/O thread, worker threads), so it must be thread-safe, and
 * it must not call back into the runtime's server API. */
typedef void (*RPCRT_LOG_HANDLER)(int Level, const char *Message, void *Context);

/* Installs Handler (NULL: discard everything, the default) for messages of
 * priority MaxLevel or more urgent.  Always RPC_S_OK. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtSetLogHandler(RPCRT_LOG_HANDLER Handler,
    void *Context, int MaxLevel);

/* ---- server limits -------------------------------------------------------
 * Options of RpcrtServerSetOption / RpcrtServerInqOption.  Changes apply
 * to connections and requests that start afterwards. */
enum {
    /* Largest reassembled request stub, bytes (default 64 MiB, at least
     * 4096).  A request beyond it, or beyond the interface's MaxRpcSize
     * (RpcServerRegisterIf2/3), gets a fault RPC_S_ACCESS_DENIED and its
     * connection is closed. */
    RPCRT_OPT_MAX_REQUEST_SIZE = 1,
    /* Most connections open at once (default 4096); more are closed as
     * soon as they are accepted. */
    RPCRT_OPT_MAX_CONNECTIONS = 2,
    /* Seconds a new connection has to send its bind (default 30; 0:
     * no limit). */
    RPCRT_OPT_BIND_TIMEOUT = 3,
    /* Seconds a bound connection may stay silent with no call in
     * progress before it is closed (default 900; 0: no limit). */
    RPCRT_OPT_IDLE_TIMEOUT = 4,
    /* 1: a remote client may stop this server with
     * RpcMgmtStopServerListening (mgmt opnum 3).  Default 0: refused
     * with RPC_S_ACCESS_DENIED. */
    RPCRT_OPT_ALLOW_REMOTE_STOP = 5,
    /* Seconds an idle worker thread lives above MinimumCallThreads
     * (default 30, at least 1). */
    RPCRT_OPT_WORKER_IDLE_TIMEOUT = 6,
    /* Most worker threads at once (default 0: no limit of its own, calls
     * are bounded by MaxCalls).  Calls beyond the workers wait in the run
     * queue, which MaxCalls bounds.  With asynchronous calls (rpcasync.h),
     * which hold no worker while outstanding, a few workers serve many
     * calls. */
    RPCRT_OPT_MAX_WORKER_THREADS = 7,
    /* Calls one connection may have in progress at once (default 0: no
     * limit of its own; MaxCalls of RpcServerListen bounds them all).
     * Matters for clients that negotiated concurrent multiplexing
     * (PFC_CONC_MPX): a call beyond it gets a fault
     * RPC_S_SERVER_TOO_BUSY without running, and the connection stays
     * open.  At most 1000000. */
    RPCRT_OPT_MAX_CALLS_PER_CONNECTION = 8,
    /* Microseconds (default 1000, 100 to 60000000).  A routine that the
     * thread of the event loop runs itself (a request read alone, or the
     * requests of one read on a machine with no CPU to spare; see
     * RpcServerListen(3)) leaves the other connections unread while it
     * runs; an idle thread takes the loop over when the routine is still
     * running after one to two of these.  A routine that calls
     * RpcServerTestCancel hands the loop on at once.  Shorter: a blocking
     * routine delays other clients less; longer: fewer wake-ups of the
     * watching thread (one per period while calls keep coming). */
    RPCRT_OPT_INLINE_GRACE_US = 9,
    /* Microseconds a thread that answered a call over ncacn_ip_tcp or
     * ncalrpc stays on that connection, waiting in a blocking read for
     * the client's next request, before it gives the connection back to
     * the event loop (default 1000; the kernel rounds it up to its clock
     * tick; 0: threads never stay).  A client making call after call is then served like a
     * thread-per-connection server's: no event-loop wake-up, no hand-off,
     * one read and one write a call.  At most 64 connections at a time
     * have a thread staying on them; the others are read by the loop. */
    RPCRT_OPT_CONN_STAY_US = 10,
};

/* RPC_S_OK, or RPC_S_INVALID_ARG for an unknown option or a value out of
 * range. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtServerSetOption(unsigned int Option,
    unsigned long Value);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtServerInqOption(unsigned int Option,
    unsigned long *Value);

/* ---- endpoints -----------------------------------------------------------
 * Listens on the endpoint a string binding names:
 *   "ncacn_ip_tcp:ADDR[PORT]"  ADDR an IPv4/IPv6 literal or "" (all
 *                              addresses, IPv4 and IPv6); PORT "" or "0"
 *                              for a dynamic port;
 *   "ncalrpc:[NAME]"           NAME "" for a generated name.
 * On success, when Actual is not NULL, *Actual gets the string binding of
 * what is listening (the real port or name, e.g.
 * "ncacn_ip_tcp:127.0.0.1[40123]"), freed with RpcStringFree.  Status
 * values as RpcServerUseProtseqEp, plus RPC_S_INVALID_STRING_BINDING. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtServerUseEndpoint(RPC_CSTR StringBinding,
    unsigned int MaxCalls, RPC_CSTR *Actual);

/* ---- calls ---------------------------------------------------------------
 * Like RpcServerTestCancel (same arguments, same status values) but true
 * only when the call's client has gone away: an orphaned PDU arrived or
 * the connection was lost.  Its response will be discarded. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtServerTestOrphaned(RPC_BINDING_HANDLE Call);

/* ---- who is calling -------------------------------------------------------
 * What the runtime knows about a call's connection, for servers that
 * decide by it (rpcd's endpoint mapper lets only local callers change the
 * map, and only as the user that registered an entry). */
#define RPCRT_PROTSEQ_NCACN_IP_TCP 1
#define RPCRT_PROTSEQ_NCALRPC      2

typedef struct _RPCRT_CALL_INFO {
    /* RPCRT_PROTSEQ_*. */
    unsigned int Protseq;
    /* 1 on ncalrpc: the client runs on this host. */
    int IsLocal;
    /* 1 when ClientUid/Gid/Pid are known: the kernel's record of the
     * client process at connect() time (SO_PEERCRED; ncalrpc only). */
    int HasCredentials;
    uid_t ClientUid;
    gid_t ClientGid;
    pid_t ClientPid;
    /* Where the client reached the server: for ncacn_ip_tcp the local
     * address and port of the connection (AF_INET or AF_INET6, even when
     * the endpoint listens on all addresses); for ncalrpc an AF_UNIX
     * address with the socket's path. */
    struct sockaddr_storage LocalAddress;
    /* The client's address and port (ncacn_ip_tcp); AF_UNIX with no path
     * on ncalrpc. */
    struct sockaddr_storage ClientAddress;
    /* The endpoint the client connected to: a port number or an ncalrpc
     * name, NUL-terminated. */
    char Endpoint[80];
    /* Names the connection the call came on, never 0, never reused in
     * the process: the value RPCRT_CONNECTION_CLOSE_HANDLER gets. */
    unsigned long long ConnectionId;
} RPCRT_CALL_INFO;

/* Fills *Info for the call Call (a call's server binding handle, the
 * Handle of its RPC_MESSAGE; NULL: the call the calling thread serves).
 * RPC_S_OK; RPC_S_INVALID_ARG (Info NULL); RPC_S_NO_CALL_ACTIVE (NULL
 * on a thread that serves no call); RPC_S_INVALID_BINDING (not a call
 * in progress).  Nothing to free. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtServerInqCallInfo(RPC_BINDING_HANDLE Call,
    RPCRT_CALL_INFO *Info);

/* Called once per connection, with the ConnectionId its calls reported,
 * after the connection is closed (by either side, or by
 * RpcrtServerShutdown) and every call that came on it has returned from
 * its manager routine -- so no call of that connection can run during or
 * after the handler: it is the place to free per-connection state such as
 * context handles (C706 5.1.6's rundown).  Runs on the runtime's I/O
 * thread: it must be quick, must not block, and must not call the server
 * API (RpcrtServerShutdown, RpcServerUnregisterIf, RpcMgmt*). */
typedef void (*RPCRT_CONNECTION_CLOSE_HANDLER)(unsigned long long ConnectionId,
                                               void *Context);

/* Installs Handler (NULL: none, the default) for connections that close
 * from now on.  Context is passed to it as given.  Always RPC_S_OK. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtServerSetConnectionCloseHandler(
    RPCRT_CONNECTION_CLOSE_HANDLER Handler, void *Context);

/* ---- bulk stub data without a copy (for stubs) ----------------------------
 * A stub marshals into the buffer I_RpcGetBuffer gives it, and reads a
 * reply from the buffer I_RpcSendReceive gives back: a large array costs
 * a copy each way on top of the kernel's.  These let a stub name one range
 * of a message's stub data that stays in the caller's memory instead.
 * See RpcrtBufferSendFrom(3).
 *
 * RpcrtBufferSendFrom: bytes [Offset, Offset + Length) of Message's stub
 * data (whose Buffer came from I_RpcGetBuffer and is not sent yet) go out
 * from Data; the stub leaves them unwritten in Buffer.  On a client
 * binding's message: used by the next I_RpcSendReceive or I_RpcAsyncSend
 * of Message from the same thread, which writes the whole request before
 * it returns; Data must stay valid and unchanged until then.  Only what
 * lies within BufferLength at the send goes.  On a server call's reply
 * (after I_RpcGetBuffer on the call's handle: in the manager routine, or
 * for an asynchronous call on the thread that completes it): Data must
 * lie in the call's request buffer (the Buffer the routine was called
 * with), which the runtime keeps until the answer is out.  Length 0 forgets the
 * range; a second range replaces the first.  RPC_S_OK; RPC_S_INVALID_ARG
 * (Message NULL, Data NULL with a Length, the range beyond BufferLength,
 * or on a server Data outside the request); RPC_S_INVALID_BINDING.
 *
 * RpcrtBufferReceiveInto: client only, for the next I_RpcSendReceive of
 * Message from the same thread.  The reply's stub bytes in [Offset,
 * Offset + Length) go to Data (byte Offset + i to Data + i), not to the
 * reply's Buffer, whose bytes there are unspecified: when the call
 * succeeds with a reply of at least Offset + Length bytes, the range is
 * at Data.  When it fails, Data's contents are unspecified.  Data must stay writable until I_RpcSendReceive returns.
 * I_RpcAsyncSend refuses a message with such a range (RPC_S_INVALID_ARG).
 * Status values as RpcrtBufferSendFrom, and RPC_S_WRONG_KIND_OF_BINDING on
 * a server call's message.
 *
 * I_RpcGetBuffer and I_RpcFreeBuffer on Message forget its ranges.  A
 * client thread holds one range of each kind until the message it is on
 * is sent or freed: setting one on another message meanwhile gets
 * RPC_S_INVALID_ARG (its stub then copies). */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtBufferSendFrom(PRPC_MESSAGE Message,
    unsigned int Offset, const void *Data, unsigned int Length);
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtBufferReceiveInto(PRPC_MESSAGE Message,
    unsigned int Offset, void *Data, unsigned int Length);

/* ---- teardown ------------------------------------------------------------
 * Stops listening if needed, closes every endpoint and connection (calls
 * in progress see their client go away), waits for manager routines to
 * return, ends the runtime's threads, removes ncalrpc socket files and
 * unregisters every interface.  The server API may be used again
 * afterwards.  Must not be called from a manager routine
 * (RPC_S_CALL_IN_PROGRESS).  RPC_S_OK otherwise. */
RPCRTAPI RPC_STATUS RPC_ENTRY RpcrtServerShutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* RPCRT_RPCRT_EXT_H */
