/*
 * rpcrt/rpcd_module.h -- the entry points of a server module that rpcd(8)
 * hosts (see rpcd_module(3)).
 *
 * A module is a shared object written against librpcrt-server, like any
 * server, minus the parts rpcd does for it: it registers its interfaces
 * (RpcServerRegisterIf*) in RpcdModuleInit and returns.  rpcd owns the
 * endpoints (its --listen / listen list: port 135 and the ncalrpc endpoint
 * "epmapper" by default), listening, signals, logging and the endpoint
 * map: every interface a module registers is served on every rpcd
 * endpoint and entered in rpcd's endpoint map, annotated with the
 * module's name.  A module does not call RpcServerListen,
 * RpcMgmtStopServerListening, RpcrtServerShutdown or RpcrtSetLogHandler.
 *
 * Build one with libtool as "-module -avoid-version" (or cc -shared
 * -fPIC) and link it with librpcrt-server (pkg-config rpcrt-server).
 */
#ifndef RPCRT_RPCD_MODULE_H
#define RPCRT_RPCD_MODULE_H

#include <rpcrt/rpcdce.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; RpcdModuleInit gets the one of the
 * rpcd that loads it and may refuse others. */
#define RPCD_MODULE_ABI_VERSION 1

/* What rpcd tells a module.  Everything is borrowed from rpcd for the
 * duration of the RpcdModuleInit call, except Log, which may be kept and
 * called from any thread until RpcdModuleFini returns. */
typedef struct _RPCD_MODULE_INFO {
    unsigned int AbiVersion;     /* RPCD_MODULE_ABI_VERSION */
    const char *Name;            /* file name without directory and ".so" */
    const char *Path;            /* the file rpcd loaded */
    int Verbose;                 /* rpcd's -v count */
    /* rpcd's log (syslog, or stderr with -d), at a syslog(3) priority
     * (RPCRT_LOG_* of <rpcrt/rpcrt_ext.h>); Message has no newline. */
    void (*Log)(int Level, const char *Message);
} RPCD_MODULE_INFO;

/* Symbols are looked up by these names with dlsym(3). */
#define RPCD_MODULE_INIT_SYMBOL "RpcdModuleInit"
#define RPCD_MODULE_FINI_SYMBOL "RpcdModuleFini"

#define RPCD_MODULE_EXPORT __attribute__((visibility("default")))

/* Required.  Called once, on rpcd's main thread, right after the module
 * is loaded: at startup before rpcd drops its privileges and starts
 * listening (so it runs as the user that started rpcd, usually root), or
 * on SIGHUP when the configuration names a new module (then as rpcd's
 * unprivileged user, while rpcd serves calls).  Registers the module's
 * interfaces.  RPC_S_OK to stay loaded.  Any other status: rpcd
 * unregisters the interfaces the call registered (waiting for their
 * calls) and unloads the module; at startup it then exits with an
 * error. */
RPCD_MODULE_EXPORT RPC_STATUS RpcdModuleInit(const RPCD_MODULE_INFO *Info);

/* Optional.  Called once when rpcd exits, after it stopped listening,
 * every call has returned and every interface was unregistered; frees
 * what the module allocated.  A module stays loaded until then: SIGHUP
 * loads new modules but never unloads one. */
RPCD_MODULE_EXPORT void RpcdModuleFini(void);

typedef RPC_STATUS (*RPCD_MODULE_INIT_FN)(const RPCD_MODULE_INFO *Info);
typedef void (*RPCD_MODULE_FINI_FN)(void);

#ifdef __cplusplus
}
#endif

#endif /* RPCRT_RPCD_MODULE_H */
