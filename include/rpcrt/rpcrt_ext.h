/*
 * rpcrt/rpcrt_ext.h -- rpcrt's extensions to the Windows RPC API.
 *
 * Everything here is specific to this runtime (no Windows equivalent), so
 * portable code keeps it behind its own #ifdef.  Names start with "Rpcrt".
 * All of it lives in librpcrt-server.
 */
#ifndef RPCRT_RPCRT_EXT_H
#define RPCRT_RPCRT_EXT_H

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
