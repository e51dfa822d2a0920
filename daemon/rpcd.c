/*
 * daemon/rpcd.c -- rpcd(8): the endpoint mapper daemon and module host.
 *
 * Start-up, in the order OpenBSD's daemons use (smtpd, relayd): parse
 * the configuration (-n stops here), detach (unless -d) keeping a pipe to
 * the parent, which exits only when the daemon is ready or has failed --
 * so a start-up error reaches the terminal and the exit status, and an
 * init system's "forking" start means "serving" -- then, still as root:
 * bind the endpoints (port 135, the ncalrpc socket), open and lock the
 * pidfile, start the endpoint mapper, load the modules; then drop to the
 * unprivileged user (setgroups, setresgid, setresuid, verified) and only
 * then listen: network input is parsed by the unprivileged process only.
 *
 * Signals are blocked in every thread from the start and taken by the
 * main thread with sigwaitinfo(): SIGHUP reopens the log and reloads the
 * module list; SIGTERM and SIGINT stop listening, give the calls in
 * progress shutdown-timeout seconds, tear the runtime down and exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "daemon/rpcd.h"
#include "libclient/handle.h"

#ifndef RPCD_CONFFILE
#define RPCD_CONFFILE "/etc/rpcd.conf"
#endif
#ifndef RPCD_MODULEDIR
#define RPCD_MODULEDIR "/usr/lib/rpcrt/modules"
#endif

#define MAX_ENDPOINTS (RPCD_CONF_MAX_LIST + 1)
#define MAX_MODULES   256

static struct {
    int foreground;
    int verbose;
    const char *conffile;            /* NULL: the default, may be missing */
    const char *cli_listen[RPCD_CONF_MAX_LIST];
    size_t ncli_listen;
    char *cli_modules[RPCD_CONF_MAX_LIST];   /* absolute paths */
    size_t ncli_modules;
    struct rpcd_conf conf;
    char *endpoints[MAX_ENDPOINTS];  /* what rpcd listens on */
    size_t nendpoints;
    char *actual[MAX_ENDPOINTS];     /* ... as libserver reports it */
    int ready_fd;                    /* pipe to the waiting parent */
    int pid_fd;
    char *pid_path;
} G = { .ready_fd = -1, .pid_fd = -1 };

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: rpcd [-dnv] [-f file] [--listen binding]... [--module path]...\n"
        "       rpcd -h | --help | -V | --version\n"
        "\n"
        "  -d               stay in the foreground, log to stderr\n"
        "  -f file          configuration file (default %s)\n"
        "  -n               check the configuration and exit\n"
        "  -v               more verbose (repeatable)\n"
        "  --listen BINDING an endpoint, e.g. ncacn_ip_tcp:127.0.0.1[1135]\n"
        "                   (repeatable; replaces the configured ones)\n"
        "  --module PATH    load a server module (repeatable)\n"
        "  -h, --help       this text\n"
        "  -V, --version    the version\n",
        RPCD_CONFFILE);
}

/* ---- configuration --------------------------------------------------------- */

/* Reads the configuration into G.conf; exits 1 on an error. */
static void
read_conf(void)
{
    const char *path = G.conffile != NULL ? G.conffile : RPCD_CONFFILE;
    char err[512];
    int missing;

    conf_init(&G.conf);
    if (conf_load(path, &G.conf, &missing, err, sizeof(err)) == 0)
        return;
    if (missing && G.conffile == NULL) {
        /* No file: the built-in configuration, whose module-dir is where
         * `make install` puts modules. */
        conf_free(&G.conf);
        conf_init(&G.conf);
        if ((G.conf.module_dirs[0] = strdup(RPCD_MODULEDIR)) == NULL)
            fatalx("out of memory");
        G.conf.nmodule_dirs = 1;
        return;
    }
    fprintf(stderr, "rpcd: %s\n", err);
    exit(1);
}

static int
is_lrpc(const char *binding)
{
    return strncmp(binding, "ncalrpc:", 8) == 0;
}

/* The endpoints to serve: --listen, else the file's listen lines, else
 * port 135; plus ncalrpc:[epmapper] unless an ncalrpc endpoint is named:
 * local servers register there (RpcEpRegister). */
static void
choose_endpoints(void)
{
    int have_lrpc = 0;

    if (G.ncli_listen > 0) {
        for (size_t i = 0; i < G.ncli_listen; i++)
            G.endpoints[G.nendpoints++] = strdup(G.cli_listen[i]);
    } else if (G.conf.nlisten > 0) {
        for (size_t i = 0; i < G.conf.nlisten; i++)
            G.endpoints[G.nendpoints++] = strdup(G.conf.listen[i]);
    } else {
        G.endpoints[G.nendpoints++] = strdup(RPCD_DEFAULT_TCP);
    }
    for (size_t i = 0; i < G.nendpoints; i++) {
        if (G.endpoints[i] == NULL)
            fatalx("out of memory");
        have_lrpc |= is_lrpc(G.endpoints[i]);
    }
    if (!have_lrpc && (G.endpoints[G.nendpoints++] = strdup(RPCD_DEFAULT_LRPC)) == NULL)
        fatalx("out of memory");
}

/* The module files to load: --module first (so that they win over a
 * module-dir's module of the same name), then the configuration's. */
static size_t
module_list(const struct rpcd_conf *c, char **out, char *err, size_t errlen)
{
    size_t n = 0;

    for (size_t i = 0; i < G.ncli_modules; i++)
        if ((out[n++] = strdup(G.cli_modules[i])) == NULL)
            fatalx("out of memory");
    if (modules_resolve(c, out, &n, MAX_MODULES, err, errlen) != 0) {
        for (size_t i = 0; i < n; i++)
            free(out[i]);
        return (size_t)-1;
    }
    return n;
}

static void
free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
}

/* The runtime's limits from the configuration (rpcd's own default for
 * the request size: a daemon on port 135 has no use for 64 MiB). */
static void
apply_limits(const struct rpcd_conf *c)
{
    unsigned long req = c->max_request_size ? c->max_request_size
                                            : RPCD_DEFAULT_MAX_REQUEST;
    char sb[128];
    RPC_STATUS st;

    if ((st = RpcrtServerSetOption(RPCRT_OPT_MAX_REQUEST_SIZE, req)) != RPC_S_OK)
        log_warnx("max-request-size %lu: %s", req, log_status(st, sb, sizeof(sb)));
    if (c->max_connections &&
        (st = RpcrtServerSetOption(RPCRT_OPT_MAX_CONNECTIONS, c->max_connections)) != RPC_S_OK)
        log_warnx("max-connections: %s", log_status(st, sb, sizeof(sb)));
    if (c->idle_timeout_set &&
        (st = RpcrtServerSetOption(RPCRT_OPT_IDLE_TIMEOUT, c->idle_timeout)) != RPC_S_OK)
        log_warnx("idle-timeout: %s", log_status(st, sb, sizeof(sb)));
    if (c->bind_timeout_set &&
        (st = RpcrtServerSetOption(RPCRT_OPT_BIND_TIMEOUT, c->bind_timeout)) != RPC_S_OK)
        log_warnx("bind-timeout: %s", log_status(st, sb, sizeof(sb)));
    if (c->max_conn_calls_set &&
        (st = RpcrtServerSetOption(RPCRT_OPT_MAX_CALLS_PER_CONNECTION,
                                   c->max_conn_calls)) != RPC_S_OK)
        log_warnx("max-calls-per-connection: %s", log_status(st, sb, sizeof(sb)));
}

static int
level_of(const struct rpcd_conf *c)
{
    int l = c->log_level >= 0 ? c->log_level : LOG_NOTICE;

    l += G.verbose;
    return l > LOG_DEBUG ? LOG_DEBUG : l;
}

/* The runtime says something about single connections at notice (a
 * malformed PDU, a connection limit): anyone on the network can make it
 * talk, so it is heard one level below rpcd's own messages, except at
 * debug. */
static int
runtime_level_of(const struct rpcd_conf *c)
{
    int l = level_of(c);

    return l >= LOG_DEBUG ? LOG_DEBUG : l - 1;
}

/* ---- daemon ------------------------------------------------------------- */

/* Forks; the parent waits on a pipe until the child says it is ready (a
 * 0 byte: exit 0) or dies (EOF: exit 1). */
static void
daemon_start(void)
{
    int p[2];
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) != 0)
        fatal("pipe");
    if ((pid = fork()) < 0)
        fatal("fork");
    if (pid > 0) {
        char c = 1;
        ssize_t n;

        close(p[1]);
        do
            n = read(p[0], &c, 1);
        while (n < 0 && errno == EINTR);
        _exit(n == 1 && c == 0 ? 0 : 1);
    }
    close(p[0]);
    G.ready_fd = p[1];
    if (setsid() < 0)
        fatal("setsid");
}

/* The daemon serves: stdio goes to /dev/null, the parent exits 0. */
static void
daemon_ready(void)
{
    int fd;

    if (chdir("/") != 0)
        log_warn("chdir /");
    if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    log_detached();
    if (G.ready_fd >= 0) {
        if (write(G.ready_fd, "", 1) != 1)
            log_warn("telling the parent");
        close(G.ready_fd);
        G.ready_fd = -1;
    }
}

/* The pidfile: the default one as root, a configured one always, none in
 * the foreground otherwise.  Locked (flock) for as long as rpcd runs, so
 * a second rpcd with the same pidfile refuses to start. */
static void
pidfile_open(void)
{
    char dir[256], buf[PATH_MAX];
    const char *path = G.conf.pidfile;

    if (path == NULL) {
        if (G.foreground)
            return;
        if (geteuid() == 0) {
            path = RPCD_PIDFILE_ROOT;
        } else {
            /* The socket directory exists: the endpoints are bound. */
            if (I_RpcrtLrpcDir(dir, sizeof(dir)) == NULL)
                fatalx("no directory for the pidfile");
            snprintf(buf, sizeof(buf), "%s/rpcd.pid", dir);
            path = buf;
        }
    }
    if ((G.pid_path = strdup(path)) == NULL)
        fatalx("out of memory");
    G.pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (G.pid_fd < 0)
        fatal("pidfile %s", path);
    if (flock(G.pid_fd, LOCK_EX | LOCK_NB) != 0) {
        char other[32] = "";
        ssize_t n = read(G.pid_fd, other, sizeof(other) - 1);

        if (n > 0)
            other[strcspn(other, "\n")] = '\0';
        fatalx("pidfile %s is locked: rpcd already runs%s%s", path,
               n > 0 ? " as pid " : "", n > 0 ? other : "");
    }
}

static void
pidfile_write(void)
{
    char buf[32];
    int n;

    if (G.pid_fd < 0)
        return;
    n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(G.pid_fd, 0) != 0 || pwrite(G.pid_fd, buf, (size_t)n, 0) != n)
        log_warn("pidfile %s", G.pid_path);
}

static void
pidfile_remove(void)
{
    if (G.pid_fd < 0)
        return;
    /* After the privilege drop /run is not ours to unlink from: an empty
     * file is left instead, which no tool takes for a live pid. */
    if (unlink(G.pid_path) != 0 && ftruncate(G.pid_fd, 0) != 0)
        log_warn("pidfile %s", G.pid_path);
    close(G.pid_fd);
    G.pid_fd = -1;
    free(G.pid_path);
    G.pid_path = NULL;
}

/* ---- privileges --------------------------------------------------------- */

/* As root: becomes the configured user ("rpcd" if it exists, else
 * "nobody"), with that user's group only, and checks that the way back
 * is closed.  glibc applies set*id to every thread of the process
 * (nptl's setxid broadcast), so the runtime's threads change too. */
static void
drop_privileges(void)
{
    const char *name = G.conf.user;
    struct passwd *pw;
    uid_t uid, ru, eu, su;
    gid_t gid, rg, eg, sg, groups[2];
    int ng;

    if (geteuid() != 0) {
        if (name != NULL)
            log_info("not started as root: user %s ignored", name);
        return;
    }
    if (name == NULL)
        name = getpwnam("rpcd") != NULL ? "rpcd" : "nobody";
    if ((pw = getpwnam(name)) == NULL)
        fatalx("user %s: no such user", name);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    if (uid == 0) {
        log_warnx("user %s is root: not dropping privileges", name);
        return;
    }
    if (setgroups(1, &gid) != 0)
        fatal("setgroups");
    if (setresgid(gid, gid, gid) != 0)
        fatal("setresgid %lu", (unsigned long)gid);
    if (setresuid(uid, uid, uid) != 0)
        fatal("setresuid %lu", (unsigned long)uid);
    if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid ||
        getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid)
        fatalx("privileges not dropped: ids are not %lu/%lu",
               (unsigned long)uid, (unsigned long)gid);
    ng = getgroups(2, groups);
    if (ng < 0 || ng > 1 || (ng == 1 && groups[0] != gid))
        fatalx("privileges not dropped: supplementary groups remain");
    if (setuid(0) == 0 || seteuid(0) == 0)
        fatalx("privileges not dropped: uid 0 can be regained");
    log_info("running as %s (uid %lu, gid %lu)", name, (unsigned long)uid,
             (unsigned long)gid);
}

/* ---- SIGHUP -------------------------------------------------------------- */

static int
same_list(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

static int
same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Reopens the log and reloads the configuration: the log level and
 * limits apply at once, new modules are loaded (modules already loaded
 * stay, whatever the file now says), and the endpoint map gets their
 * interfaces.  Endpoints, user and pidfile change only with a restart. */
static void
reload(void)
{
    struct rpcd_conf nc;
    char *files[MAX_MODULES], err[512];
    size_t n;
    int missing;

    log_reopen();
    conf_init(&nc);
    if (G.conf.path == NULL) {
        for (size_t i = 0; i < G.conf.nmodule_dirs; i++)
            if ((nc.module_dirs[nc.nmodule_dirs++] = strdup(G.conf.module_dirs[i])) == NULL)
                nc.nmodule_dirs--;
    } else if (conf_load(G.conf.path, &nc, &missing, err, sizeof(err)) != 0) {
        log_warnx("reload: %s; keeping the running configuration", err);
        conf_free(&nc);
        return;
    }
    log_setlevel(level_of(&nc));
    RpcrtSetLogHandler(log_runtime, NULL, runtime_level_of(&nc));
    apply_limits(&nc);
    if (G.ncli_listen == 0 && !same_list(nc.listen, nc.nlisten, G.conf.listen, G.conf.nlisten))
        log_notice("reload: listen changed; it takes effect at the next start");
    if (!same_str(nc.user, G.conf.user) || !same_str(nc.pidfile, G.conf.pidfile))
        log_notice("reload: user or pidfile changed; it takes effect at the next start");
    if ((n = module_list(&nc, files, err, sizeof(err))) == (size_t)-1) {
        log_warnx("reload: %s", err);
        n = 0;
    }
    for (size_t i = 0; i < n; i++)
        if (modules_load(files[i], G.verbose, err, sizeof(err)) != 0)
            log_warnx("reload: module not loaded: %s", err);
    free_list(files, n);
    /* The path stays what it was (the file read at start). */
    free(nc.path);
    nc.path = G.conf.path;
    G.conf.path = NULL;
    conf_free(&G.conf);
    G.conf = nc;
    epm_srv_sync();
    log_info("reloaded: %zu module%s, %zu elements in the endpoint map",
             modules_count(), modules_count() == 1 ? "" : "s", epm_srv_count());
}

/* ---- shutdown ------------------------------------------------------------ */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
} fin = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

/* Stops listening (new calls are refused, connections no longer
 * accepted), waits for the calls in progress, then tears the runtime
 * down.  On its own thread: the main thread keeps the deadline. */
static void *
finisher(void *arg)
{
    (void)arg;
    if (RpcMgmtStopServerListening(NULL) == RPC_S_OK)
        RpcMgmtWaitServerListen();
    RpcrtServerShutdown();
    pthread_mutex_lock(&fin.mu);
    fin.done = 1;
    pthread_cond_signal(&fin.cv);
    pthread_mutex_unlock(&fin.mu);
    return NULL;
}

static void
shut_down(int sig)
{
    unsigned long secs = G.conf.shutdown_timeout_set ? G.conf.shutdown_timeout
                                                     : RPCD_DEFAULT_SHUTDOWN;
    struct timespec until;
    pthread_t tid;
    int r = 0;

    log_notice("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if ((r = pthread_create(&tid, NULL, finisher, NULL)) != 0) {
        errno = r;
        log_warn("pthread_create");
        finisher(NULL);
    } else {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)secs;
        pthread_mutex_lock(&fin.mu);
        r = 0;
        while (!fin.done && r != ETIMEDOUT)
            r = pthread_cond_timedwait(&fin.cv, &fin.mu, &until);
        pthread_mutex_unlock(&fin.mu);
        if (!fin.done) {
            /* Calls still run: their threads are in code we cannot
             * unload or free under them.  Leave now. */
            log_warnx("calls still running after %lu s (shutdown-timeout): "
                      "exiting without them", secs);
            pidfile_remove();
            _exit(0);
        }
        pthread_join(tid, NULL);
    }
    epm_srv_stop();
    modules_unload_all();
    pidfile_remove();
    log_notice("stopped");
}

/* ---- main ---------------------------------------------------------------- */

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'L'},
        {"module", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    char *files[MAX_MODULES], err[512], sb[128];
    size_t nfiles;
    int ch, checkonly = 0, sig;
    sigset_t sigs;
    RPC_STATUS st;

    while ((ch = getopt_long(argc, argv, "df:nvhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            G.foreground = 1;
            break;
        case 'f':
            G.conffile = optarg;
            break;
        case 'n':
            checkonly = 1;
            break;
        case 'v':
            G.verbose++;
            break;
        case 'L':
            if (G.ncli_listen == RPCD_CONF_MAX_LIST) {
                fprintf(stderr, "rpcd: at most %d --listen\n", RPCD_CONF_MAX_LIST);
                return 2;
            }
            if (conf_check_binding(optarg, err, sizeof(err)) != 0) {
                fprintf(stderr, "rpcd: --listen: %s\n", err);
                return 2;
            }
            G.cli_listen[G.ncli_listen++] = optarg;
            break;
        case 'M': {
            char p[PATH_MAX];

            if (G.ncli_modules == RPCD_CONF_MAX_LIST) {
                fprintf(stderr, "rpcd: at most %d --module\n", RPCD_CONF_MAX_LIST);
                return 2;
            }
            /* Resolved now: the daemon changes directory to /. */
            if (realpath(optarg, p) == NULL) {
                fprintf(stderr, "rpcd: --module %s: %s\n", optarg, strerror(errno));
                return 1;
            }
            if ((G.cli_modules[G.ncli_modules++] = strdup(p)) == NULL)
                return 1;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("rpcd (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    umask(022);
    read_conf();
    nfiles = module_list(&G.conf, files, err, sizeof(err));
    if (nfiles == (size_t)-1) {
        fprintf(stderr, "rpcd: %s\n", err);
        return 1;
    }
    if (checkonly) {
        if (G.conf.user != NULL && getpwnam(G.conf.user) == NULL) {
            fprintf(stderr, "rpcd: user %s: no such user\n", G.conf.user);
            return 1;
        }
        free_list(files, nfiles);
        free_list(G.cli_modules, G.ncli_modules);
        conf_free(&G.conf);
        fprintf(stderr, "configuration OK\n");
        return 0;
    }
    choose_endpoints();

    /* Before any thread: every thread inherits the mask, and only the
     * main thread takes these, in sigwaitinfo() below. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    log_init(G.foreground, level_of(&G.conf));
    if (!G.foreground)
        daemon_start();
    RpcrtSetLogHandler(log_runtime, NULL, runtime_level_of(&G.conf));
    apply_limits(&G.conf);

    /* As root: the endpoints (port 135, the socket directory). */
    for (size_t i = 0; i < G.nendpoints; i++) {
        RPC_CSTR actual = NULL;

        if ((st = RpcrtServerUseEndpoint((RPC_CSTR)G.endpoints[i],
                                         RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
                                         &actual)) != RPC_S_OK)
            fatalx("cannot listen on %s: %s", G.endpoints[i],
                   log_status(st, sb, sizeof(sb)));
        G.actual[i] = (char *)actual;
    }
    pidfile_open();
    if (epm_srv_start(0) != 0)
        fatalx("cannot start the endpoint mapper");
    /* Modules start as root too (rpcd_module(3)): their files may be
     * where only root can read, and their init may need to. */
    for (size_t i = 0; i < nfiles; i++)
        if (modules_load(files[i], G.verbose, err, sizeof(err)) != 0)
            fatalx("module not loaded: %s", err);
    free_list(files, nfiles);
    drop_privileges();

    if ((st = RpcServerListen(1, RPC_C_LISTEN_MAX_CALLS_DEFAULT, 1)) != RPC_S_OK)
        fatalx("RpcServerListen: %s", log_status(st, sb, sizeof(sb)));
    epm_srv_sync();
    for (size_t i = 0; i < G.nendpoints; i++) {
        if (G.foreground)
            printf("listening %s\n", G.actual[i]);
        log_info("listening %s", G.actual[i]);
    }
    if (G.foreground)
        fflush(stdout);
    pidfile_write();
    log_notice("ready: %zu endpoint%s, %zu module%s, %zu elements in the "
               "endpoint map", G.nendpoints, G.nendpoints == 1 ? "" : "s",
               modules_count(), modules_count() == 1 ? "" : "s", epm_srv_count());
    if (!G.foreground)
        daemon_ready();

    for (;;) {
        siginfo_t si;

        if ((sig = sigwaitinfo(&sigs, &si)) < 0) {
            if (errno != EINTR)
                log_warn("sigwaitinfo");
            continue;
        }
        if (sig == SIGHUP) {
            log_notice("SIGHUP: reloading");
            reload();
            continue;
        }
        break;
    }
    shut_down(sig);

    for (size_t i = 0; i < G.nendpoints; i++) {
        free(G.endpoints[i]);
        RpcStringFree((RPC_CSTR *)&G.actual[i]);
    }
    free_list(G.cli_modules, G.ncli_modules);
    conf_free(&G.conf);
    return 0;
}
