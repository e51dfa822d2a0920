/*
 * daemon/rpcd.h -- rpcd's private interface, one section per file.
 *
 * rpcd is the endpoint mapper daemon (C706 Appendix O, MS-RPCE 2.2.1.2)
 * and a host for server modules.  It knows libserver's public API only
 * (plus the proto EPM codec and the EPM database, which are pure data).
 *
 * Threads: the main thread parses, binds, drops privileges, loads modules
 * and then waits for signals (sigwaitinfo; SIGTERM/SIGINT/SIGHUP are
 * blocked in every thread).  libserver's I/O and worker threads run the
 * EPM's manager routines (epm_srv.c); the reaper thread (reaper.c)
 * watches the processes that registered entries.  fatal() exists here
 * only: the libraries never exit.
 */
#ifndef RPCRT_DAEMON_RPCD_H
#define RPCRT_DAEMON_RPCD_H

#include <stddef.h>
#include <sys/types.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

/* ---- log.c --------------------------------------------------------------
 * Priorities are syslog(3)'s (LOG_ERR .. LOG_DEBUG, the RPCRT_LOG_*
 * values).  Messages at or above the level are written: to stderr in the
 * foreground (-d), else to syslog (facility daemon); until the daemon has
 * detached from its terminal they go to stderr as well.  Every function
 * is thread-safe. */
void log_init(int foreground, int level);
void log_setlevel(int level);
int log_getlevel(void);
/* The daemon detached: stderr is /dev/null from now on. */
void log_detached(void);
/* SIGHUP: closes and reopens the syslog connection. */
void log_reopen(void);
/* "err", "warning", "notice", "info", "debug" -> LOG_*; -1 if unknown. */
int log_level_from_name(const char *name);
const char *log_level_name(int level);
/* With ": strerror(errno)" appended / without. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs at LOG_ERR (fatal: with strerror(errno)) and exits 1. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* The runtime's log handler (RpcrtSetLogHandler) and the one modules
 * get (RPCD_MODULE_INFO.Log). */
void log_runtime(int level, const char *msg, void *ctx);
void log_module(int level, const char *msg);
/* The text of an RPC_STATUS (DceErrorInqText) in buf. */
const char *log_status(RPC_STATUS st, char *buf, size_t size);

/* ---- conf.c -------------------------------------------------------------
 * The configuration (rpcd.conf(5)).  Lists and strings are malloc'ed and
 * freed by conf_free.  A *_set flag says the file named the setting. */
#define RPCD_CONF_MAX_LIST 64

struct rpcd_conf {
    char *path;                      /* the file read; NULL: built-in */
    char *listen[RPCD_CONF_MAX_LIST];
    size_t nlisten;
    char *modules[RPCD_CONF_MAX_LIST];   /* as written (path or name) */
    size_t nmodules;
    char *module_dirs[RPCD_CONF_MAX_LIST];
    size_t nmodule_dirs;
    char *user;                      /* NULL: the default */
    char *pidfile;                   /* NULL: the default */
    int log_level;                   /* LOG_*; -1: not set */
    unsigned long max_connections;   /* 0: not set */
    unsigned long max_request_size;
    unsigned long idle_timeout;
    unsigned long bind_timeout;
    unsigned long shutdown_timeout;
    int idle_timeout_set, bind_timeout_set, shutdown_timeout_set;
    unsigned long max_conn_calls;    /* max-calls-per-connection */
    int max_conn_calls_set;
};

/* Defaults used when no file sets a value. */
#define RPCD_DEFAULT_TCP          "ncacn_ip_tcp:[135]"
#define RPCD_DEFAULT_LRPC         "ncalrpc:[epmapper]"
#define RPCD_DEFAULT_SHUTDOWN     10u
#define RPCD_DEFAULT_MAX_REQUEST  (4ul * 1024 * 1024)
#define RPCD_PIDFILE_ROOT         "/run/rpcd.pid"

/* An empty configuration (nothing set). */
void conf_init(struct rpcd_conf *c);
void conf_free(struct rpcd_conf *c);
/* Reads path into *c (which conf_init prepared).  0 on success; -1 with
 * "FILE:LINE: why" (or "FILE: why") in err.  *missing is set when the
 * file does not exist (then -1 too). */
int conf_load(const char *path, struct rpcd_conf *c, int *missing,
              char *err, size_t errlen);
/* Parses one configuration line (for tests and --listen checks alike):
 * 0, or -1 with the reason in err. */
int conf_line(struct rpcd_conf *c, char *line, char *err, size_t errlen);
/* Checks a string binding rpcd can listen on. */
int conf_check_binding(const char *s, char *err, size_t errlen);

/* ---- modules.c ----------------------------------------------------------
 * Loading server modules (rpcd_module(3)).  Modules load only from the
 * paths and directories the configuration or the command line names. */
/* Loads one module file (dlopen, RpcdModuleInit).  A module whose name
 * (file name without ".so") is already loaded is skipped (0).  0, or -1
 * with the reason in err. */
int modules_load(const char *path, int verbose, char *err, size_t errlen);
/* The files a configuration names: each `module` (a path, or a name
 * looked up as NAME.so in the module-dirs) and every *.so of each
 * module-dir, in order, appended to out (malloc'ed strings; *n updated,
 * at most max).  0, or -1 with the reason in err (a missing module). */
int modules_resolve(const struct rpcd_conf *c, char **out, size_t *n,
                    size_t max, char *err, size_t errlen);
/* Calls every module's RpcdModuleFini and unloads them (after
 * RpcrtServerShutdown). */
void modules_unload_all(void);
/* The name of the module that registered the interface, or NULL. */
const char *modules_owner_of(const RPC_IF_ID *id);
size_t modules_count(void);

/* ---- epm_srv.c ----------------------------------------------------------
 * The endpoint mapper service. */
/* Creates the database, registers the EPM interface with libserver, the
 * connection close handler and starts the reaper.  0 or -1. */
int epm_srv_start(size_t max_entries);
/* Enters every interface this process serves (RpcMgmtInqIfIds), on every
 * endpoint (RpcServerInqBindings), in the map, owned by rpcd (uid 0, no
 * pid): the EPM itself and the modules' interfaces. */
void epm_srv_sync(void);
/* After RpcrtServerShutdown: stops the reaper, frees every lookup handle
 * and the database. */
void epm_srv_stop(void);
/* For tests and logs: elements in the map. */
size_t epm_srv_count(void);

/* ---- reaper.c -----------------------------------------------------------
 * Watches processes that registered entries and reports each one's exit
 * once (pidfd_open(2) + poll(2) on a thread of its own; where pidfds are
 * not available, kill(pid, 0) every few seconds). */
typedef void (*reaper_fn)(pid_t pid, void *ctx);
/* 0 or -1 (no thread). */
int reaper_start(reaper_fn gone, void *ctx);
/* Starts watching pid (no-op when already watched, or for our own pid).
 * When pid is already gone, gone() is called soon, on the reaper's
 * thread. */
void reaper_watch(pid_t pid);
/* Stops and joins the thread; gone() is not called any more. */
void reaper_stop(void);

#endif /* RPCRT_DAEMON_RPCD_H */
