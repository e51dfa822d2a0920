/*
 * tests/check_rpcd.c -- rpcd (daemon/) on loopback, and the libserver
 * hooks it is built on.
 *
 * Suites:
 *   hooks  in-process libserver: RpcrtServerInqCallInfo over TCP and
 *          ncalrpc, the connection close handler (after the calls of the
 *          connection, and at RpcrtServerShutdown).
 *   conf   the configuration parser (daemon/conf.c linked in) and rpcd's
 *          exit codes for -n, -h, -V and bad options.
 *   epm    a real rpcd per test (-d, --listen ncacn_ip_tcp:127.0.0.1[0],
 *          ncalrpc:[epmapper] in a temporary RPCRT_LRPC_DIR, the rpctest
 *          module of the build tree): every EPM opnum, paging across
 *          batches, lookup handles (free, other connection, connection
 *          close, limit), who may change the map (TCP refused, uid
 *          checks as root), removal when a registering process exits,
 *          RpcEpRegister / NoReplace / Unregister from a server process,
 *          partial bindings resolved through rpcd, malformed stubs,
 *          tools/rpcdump and tools/rpcping, SIGHUP, SIGTERM/SIGINT with
 *          the shutdown timeout.  Each test's rpcd must exit 0 after
 *          SIGTERM (under ASan: leak-free).
 *
 * Every wait is bounded; ports are dynamic; rpcd is always stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "daemon/rpcd.h"
#include "examples/rpctest_client.h"
#include "proto/epm.h"
#include "proto/proto.h"

/* ---- paths and processes ------------------------------------------------- */

static double
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

/* $top_builddir/rel, in one of a few rotating buffers. */
static const char *
bpath(const char *rel)
{
    static char buf[4][4096];
    static int k;
    const char *b = getenv("top_builddir");
    char *p = buf[k++ % 4], cwd[2048];

    /* Absolute: rpcd.conf takes absolute module paths only. */
    if (b == NULL || b[0] != '/') {
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        snprintf(p, sizeof(buf[0]), "%s/%s/%s", cwd, b != NULL ? b : ".", rel);
    } else {
        snprintf(p, sizeof(buf[0]), "%s/%s", b, rel);
    }
    return p;
}

static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *s;
    long n;

    if (f == NULL)
        return strdup("");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    ck_assert_ptr_nonnull(s);
    if (n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    fclose(f);
    return s;
}

static void
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Waits for pid at most ms; SIGKILL after that.  The wait status. */
static int
reap(pid_t pid, int ms)
{
    double until = now_ms() + ms;
    int st = -1;

    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (now_ms() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(10000);
    }
    return st;
}

/* Runs argv (NULL-terminated) with stdout+stderr to a temporary file;
 * returns the exit status (-1: killed at the 20 s watchdog) and the
 * output in *out (malloc'ed). */
static int
run(const char *const *argv, char **out)
{
    char path[] = "/tmp/rpcrt-run-XXXXXX";
    int fd = mkstemp(path), st;
    pid_t pid;

    ck_assert_int_ge(fd, 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(fd);
    st = reap(pid, 20000);
    *out = read_text(path);
    unlink(path);
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- an rpcd for the test -------------------------------------------------- */

struct rpcdp {
    pid_t pid;
    char dir[64];
    char conf[128];
    char out[128];
    char err[128];
    char tcp[128];                   /* "ncacn_ip_tcp:127.0.0.1[PORT]" */
    unsigned port;
};

static struct rpcdp D;

/* Starts rpcd -d with conf_text as its configuration, the test endpoints,
 * the rpctest module unless no_module, and extra arguments; waits for
 * its "listening" lines (it prints them once it serves). */
static void
rpcd_spawn(struct rpcdp *d, const char *conf_text, const char *const *extra,
           int no_module)
{
    const char *argv[40];
    int argc = 0, fo, fe;
    double until;

    memset(d, 0, sizeof(*d));
    signal(SIGPIPE, SIG_IGN);
    snprintf(d->dir, sizeof(d->dir), "/tmp/rpcrt-rpcd-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d->dir));
    /* rpcd drops to nobody when run as root: the socket directory must
     * be searchable by other users (rpcd keeps its listening socket, the
     * setuid child of test_uid_checks must reach it). */
    ck_assert_int_eq(chmod(d->dir, 0755), 0);
    snprintf(d->conf, sizeof(d->conf), "%s/rpcd.conf", d->dir);
    snprintf(d->out, sizeof(d->out), "%s/stdout", d->dir);
    snprintf(d->err, sizeof(d->err), "%s/stderr", d->dir);
    write_text(d->conf, conf_text != NULL ? conf_text : "# test\n");
    setenv("RPCRT_LRPC_DIR", d->dir, 1);

    argv[argc++] = bpath("daemon/rpcd");
    argv[argc++] = "-d";
    argv[argc++] = "-f";
    argv[argc++] = d->conf;
    argv[argc++] = "--listen";
    argv[argc++] = "ncacn_ip_tcp:127.0.0.1[0]";
    argv[argc++] = "--listen";
    argv[argc++] = "ncalrpc:[epmapper]";
    if (!no_module) {
        argv[argc++] = "--module";
        argv[argc++] = bpath("examples/.libs/rpctest.so");
    }
    for (int i = 0; extra != NULL && extra[i] != NULL && argc < 38; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    fo = open(d->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    fe = open(d->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_int_ge(fo, 0);
    ck_assert_int_ge(fe, 0);
    d->pid = fork();
    ck_assert_int_ge(d->pid, 0);
    if (d->pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(fo);
    close(fe);
    until = now_ms() + 30000;
    for (;;) {
        char *s = read_text(d->out), *p;
        int lrpc = strstr(s, "listening ncalrpc:") != NULL;

        if ((p = strstr(s, "listening ncacn_ip_tcp:")) != NULL && lrpc) {
            p += strlen("listening ");
            p[strcspn(p, "\n")] = '\0';
            snprintf(d->tcp, sizeof(d->tcp), "%s", p);
            p = strrchr(d->tcp, '[');
            d->port = (unsigned)atoi(p + 1);
        }
        free(s);
        if (d->port != 0)
            break;
        if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
            char *e = read_text(d->err);
            d->pid = 0;
            ck_abort_msg("rpcd exited at start: %s", e);
        }
        ck_assert_msg(now_ms() < until, "rpcd did not start in 30 s");
        usleep(20000);
    }
    {
        char port[16];

        snprintf(port, sizeof(port), "%u", d->port);
        setenv("RPCRT_EPM_ENDPOINT", port, 1);
    }
}

/* Sends sig, waits up to ms; the wait status (-1 when it had to be
 * killed).  Removes the directory. */
static int
rpcd_stop(struct rpcdp *d, int sig, int ms)
{
    char cmd[128];
    int st = 0;

    if (d->pid > 0) {
        kill(d->pid, sig);
        st = reap(d->pid, ms);
        d->pid = 0;
    }
    if (d->dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", d->dir);
        d->dir[0] = '\0';
    }
    return st;
}

/* rpcd's stderr contains needle within ms. */
static int
rpcd_log_has(struct rpcdp *d, const char *needle, int ms)
{
    double until = now_ms() + ms;

    for (;;) {
        char *s = read_text(d->err);
        int found = strstr(s, needle) != NULL;

        free(s);
        if (found)
            return 1;
        if (now_ms() > until)
            return 0;
        usleep(20000);
    }
}

static void
epm_setup(void)
{
    rpcd_spawn(&D, NULL, NULL, 0);
}

static void
epm_setup_verbose(void)
{
    static const char *const a[] = {"-vv", NULL};

    rpcd_spawn(&D, NULL, a, 0);
}

static void
epm_teardown(void)
{
    int st;
    char *e;

    if (D.pid == 0)
        return;
    st = rpcd_stop(&D, SIGTERM, 20000);
    e = NULL;
    ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "rpcd did not exit 0 after SIGTERM (status 0x%x)", st);
    free(e);
}

/* ---- EPM client --------------------------------------------------------- */

static const RPC_SYNTAX_IDENTIFIER epm_syntax = {
    {0xe1af8308, 0x5d1f, 0x11c9, {0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa}},
    {3, 0}};
static const RPC_SYNTAX_IDENTIFIER rpctest_syntax = {
    {0x25b0ad95, 0x8a83, 0x4c70, {0xb4, 0x53, 0xe0, 0xc2, 0x02, 0xc9, 0xd6, 0x16}},
    {1, 0}};
/* Interfaces of the tests, registered by nobody else. */
static const RPC_SYNTAX_IDENTIFIER t1_syntax = {
    {0x7e57a001, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x01}},
    {2, 1}};
static const RPC_SYNTAX_IDENTIFIER t2_syntax = {
    {0x7e57a002, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x02}},
    {1, 0}};

static RPC_BINDING_HANDLE
bind_to(const char *sb)
{
    RPC_BINDING_HANDLE h = NULL;

    ck_assert_int_eq(RpcBindingFromStringBinding((RPC_CSTR)sb, &h), RPC_S_OK);
    return h;
}

static RPC_BINDING_HANDLE
bind_tcp(void)
{
    return bind_to(D.tcp);
}

static RPC_BINDING_HANDLE
bind_lrpc(void)
{
    return bind_to("ncalrpc:[epmapper]");
}

/* One call with a raw stub; the reply (malloc'ed) in *reply. */
static RPC_STATUS
epm_raw(RPC_BINDING_HANDLE h, unsigned op, const void *stub, size_t len,
        uint8_t **reply, size_t *rlen, uint8_t *drep0)
{
    RPC_MESSAGE m;
    RPC_STATUS st;

    if (reply != NULL)
        *reply = NULL;
    memset(&m, 0, sizeof(m));
    m.Handle = h;
    m.ProcNum = op;
    m.RpcInterfaceInformation = &epm_client_interface;
    m.BufferLength = (unsigned int)len;
    if ((st = I_RpcGetBuffer(&m)) != RPC_S_OK)
        return st;
    if (len > 0)
        memcpy(m.Buffer, stub, len);
    if ((st = I_RpcSendReceive(&m)) != RPC_S_OK) {
        /* libclient frees the request on most failures, not all (a
         * partial binding that does not resolve): free what is left. */
        if (m.Buffer != NULL)
            I_RpcFreeBuffer(&m);
        return st;
    }
    if (reply != NULL) {
        *reply = malloc(m.BufferLength + 1);
        ck_assert_ptr_nonnull(*reply);
        memcpy(*reply, m.Buffer, m.BufferLength);
        *rlen = m.BufferLength;
        if (drep0 != NULL)
            *drep0 = (uint8_t)(m.DataRepresentation & 0xff);
    }
    I_RpcFreeBuffer(&m);
    return RPC_S_OK;
}

/* Runs an encoded request (w, freed here). */
static RPC_STATUS
epm_call(RPC_BINDING_HANDLE h, unsigned op, struct ndr_cursor *w,
         uint8_t **reply, struct ndr_cursor *r)
{
    size_t rlen = 0;
    uint8_t drep0 = DREP_LE;
    RPC_STATUS st = epm_raw(h, op, w->data, w->len, reply, &rlen, &drep0);

    ndr_cursor_free(w);
    if (st == RPC_S_OK)
        ndr_init_read(r, *reply, rlen, drep0);
    return st;
}

/* ept_lookup; resp borrows from *buf (free it after epm_lookup_resp_clear). */
static RPC_STATUS
lookup(RPC_BINDING_HANDLE h, uint32_t inquiry, const GUID *obj,
       const RPC_SYNTAX_IDENTIFIER *ifs, uint32_t vers, const struct epm_handle *hd,
       uint32_t max, struct epm_lookup_resp *resp, uint8_t **buf)
{
    struct epm_lookup_req q;
    struct ndr_cursor w, r;
    RPC_STATUS st;

    memset(&q, 0, sizeof(q));
    q.inquiry_type = inquiry;
    if (obj != NULL) {
        q.object.present = 1;
        q.object.uuid = *obj;
    }
    if (ifs != NULL) {
        q.ifid.present = 1;
        q.ifid.id.Uuid = ifs->SyntaxGUID;
        q.ifid.id.VersMajor = ifs->SyntaxVersion.MajorVersion;
        q.ifid.id.VersMinor = ifs->SyntaxVersion.MinorVersion;
    }
    q.vers_option = vers;
    if (hd != NULL)
        q.handle = *hd;
    q.max_ents = max;
    ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
    ck_assert_int_eq(epm_lookup_req_encode(&w, &q), 0);
    if ((st = epm_call(h, EPM_OP_LOOKUP, &w, buf, &r)) != RPC_S_OK)
        return st;
    ck_assert_int_eq(epm_lookup_resp_decode(&r, resp), 0);
    return RPC_S_OK;
}

static void
tower_for(struct rpc_tower *t, const RPC_SYNTAX_IDENTIFIER *ifs,
          enum rpc_protseq ps, unsigned port, const char *ep)
{
    memset(t, 0, sizeof(*t));
    t->iface = *ifs;
    t->xfer = rpc_ndr20_syntax;
    t->protseq = ps;
    t->family = AF_INET;
    t->port = (uint16_t)port;
    if (ep != NULL)
        snprintf(t->endpoint, sizeof(t->endpoint), "%s", ep);
}

static RPC_STATUS
map(RPC_BINDING_HANDLE h, const GUID *obj, const struct rpc_tower *t,
    const struct epm_handle *hd, uint32_t max, struct epm_map_resp *resp,
    uint8_t **buf)
{
    struct epm_map_req q;
    struct ndr_cursor w, r;
    uint8_t tb[512];
    size_t tl = 0;
    RPC_STATUS st;

    memset(&q, 0, sizeof(q));
    if (obj != NULL) {
        q.object.present = 1;
        q.object.uuid = *obj;
    }
    if (t != NULL) {
        ck_assert_int_eq(proto_tower_encode(t, tb, sizeof(tb), &tl), 0);
        q.tower.present = 1;
        q.tower.len = (uint32_t)tl;
        q.tower.octets = tb;
    }
    if (hd != NULL)
        q.handle = *hd;
    q.max_towers = max;
    ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
    ck_assert_int_eq(epm_map_req_encode(&w, &q), 0);
    if ((st = epm_call(h, EPM_OP_MAP, &w, buf, &r)) != RPC_S_OK)
        return st;
    ck_assert_int_eq(epm_map_resp_decode(&r, resp), 0);
    return RPC_S_OK;
}

/* An element of the map for ept_insert / ept_delete; tb holds its tower. */
static void
entry_for(struct epm_entry *e, uint8_t tb[512], const RPC_SYNTAX_IDENTIFIER *ifs,
          enum rpc_protseq ps, unsigned port, const char *ep, const char *note)
{
    struct rpc_tower t;
    size_t tl = 0;

    memset(e, 0, sizeof(*e));
    tower_for(&t, ifs, ps, port, ep);
    ck_assert_int_eq(proto_tower_encode(&t, tb, 512, &tl), 0);
    e->tower.present = 1;
    e->tower.len = (uint32_t)tl;
    e->tower.octets = tb;
    snprintf(e->annotation, sizeof(e->annotation), "%s", note != NULL ? note : "");
}

/* ept_insert (op 0) or ept_delete (op 1) of n entries. */
static RPC_STATUS
change(RPC_BINDING_HANDLE h, unsigned op, struct epm_entry *ents, uint32_t n,
       int replace, uint32_t *status)
{
    struct epm_insert_req q;
    struct ndr_cursor w, r;
    uint8_t *buf = NULL;
    RPC_STATUS st;

    memset(&q, 0, sizeof(q));
    q.num_ents = n;
    q.entries = ents;
    q.replace = (uint32_t)replace;
    ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
    ck_assert_int_eq(op == EPM_OP_INSERT ? epm_insert_req_encode(&w, &q)
                                         : epm_delete_req_encode(&w, &q), 0);
    if ((st = epm_call(h, op, &w, &buf, &r)) == RPC_S_OK)
        ck_assert_int_eq(epm_status_resp_decode(&r, status), 0);
    free(buf);
    return st;
}

static RPC_STATUS
mgmt_delete(RPC_BINDING_HANDLE h, int object_speced, const GUID *obj,
            const struct rpc_tower *t, uint32_t *status)
{
    struct epm_mgmt_delete_req q;
    struct ndr_cursor w, r;
    uint8_t tb[512], *buf = NULL;
    size_t tl = 0;
    RPC_STATUS st;

    memset(&q, 0, sizeof(q));
    q.object_speced = (uint32_t)object_speced;
    if (obj != NULL) {
        q.object.present = 1;
        q.object.uuid = *obj;
    }
    ck_assert_int_eq(proto_tower_encode(t, tb, sizeof(tb), &tl), 0);
    q.tower.present = 1;
    q.tower.len = (uint32_t)tl;
    q.tower.octets = tb;
    ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
    ck_assert_int_eq(epm_mgmt_delete_req_encode(&w, &q), 0);
    if ((st = epm_call(h, EPM_OP_MGMT_DELETE, &w, &buf, &r)) == RPC_S_OK)
        ck_assert_int_eq(epm_status_resp_decode(&r, status), 0);
    free(buf);
    return st;
}

static RPC_STATUS
handle_free(RPC_BINDING_HANDLE h, const struct epm_handle *hd,
            struct epm_handle_free_resp *resp)
{
    struct ndr_cursor w, r;
    uint8_t *buf = NULL;
    RPC_STATUS st;

    ck_assert_int_eq(ndr_init_write(&w, 32, DREP_LE), 0);
    ck_assert_int_eq(epm_handle_free_req_encode(&w, hd), 0);
    if ((st = epm_call(h, EPM_OP_LOOKUP_HANDLE_FREE, &w, &buf, &r)) == RPC_S_OK)
        ck_assert_int_eq(epm_handle_free_resp_decode(&r, resp), 0);
    free(buf);
    return st;
}

/* Elements of the whole map whose interface is ifs (NULL: all), paging
 * with max a call; also checks the paging contract on the way. */
static unsigned
count_if(RPC_BINDING_HANDLE h, const RPC_SYNTAX_IDENTIFIER *ifs, uint32_t max)
{
    struct epm_handle hd;
    unsigned n = 0, batches = 0;

    memset(&hd, 0, sizeof(hd));
    for (;;) {
        struct epm_lookup_resp resp;
        uint8_t *buf = NULL;

        ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, EPM_VERS_ALL, &hd,
                                max, &resp, &buf), RPC_S_OK);
        ck_assert_uint_le(resp.num_ents, max);
        for (uint32_t i = 0; i < resp.num_ents; i++) {
            struct rpc_tower t;

            ck_assert(resp.entries[i].tower.present);
            ck_assert_int_eq(proto_tower_decode(resp.entries[i].tower.octets,
                                                resp.entries[i].tower.len, &t), 0);
            if (ifs == NULL || rpc_syntax_equal(&t.iface, ifs))
                n++;
        }
        hd = resp.handle;
        batches++;
        if (resp.status == EPM_S_NOT_REGISTERED) {
            ck_assert(epm_handle_is_null(&resp.handle));
            ck_assert_uint_eq(resp.num_ents, 0);
        } else {
            ck_assert_uint_eq(resp.status, EPM_S_OK);
        }
        epm_lookup_resp_clear(&resp);
        free(buf);
        if (epm_handle_is_null(&hd))
            break;
        ck_assert_uint_lt(batches, 10000);
    }
    return n;
}

/* ==== suite hooks: in-process libserver ======================================= */

static char hk_dir[64];
static pthread_mutex_t hk_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long hk_closed[64];
static int hk_nclosed;
static int hk_returned;              /* the sleeping routine returned */
static int hk_closed_after_return;   /* what it was when the handler ran */

/* opnum 0: the call's RPCRT_CALL_INFO as fixed fields. */
static void
hk_info(PRPC_MESSAGE m)
{
    RPCRT_CALL_INFO ci;
    uint8_t *p;
    RPC_STATUS st;
    uint32_t v[10];
    unsigned lport = 0;

    if ((st = RpcrtServerInqCallInfo(m->Handle, &ci)) != RPC_S_OK)
        RpcRaiseException(st);
    if (ci.LocalAddress.ss_family == AF_INET)
        lport = ntohs(((struct sockaddr_in *)&ci.LocalAddress)->sin_port);
    v[0] = ci.Protseq;
    v[1] = (uint32_t)ci.IsLocal;
    v[2] = (uint32_t)ci.HasCredentials;
    v[3] = (uint32_t)ci.ClientUid;
    v[4] = (uint32_t)ci.ClientGid;
    v[5] = (uint32_t)ci.ClientPid;
    v[6] = lport;
    v[7] = (uint32_t)ci.ClientAddress.ss_family;
    v[8] = (uint32_t)(ci.ConnectionId & 0xffffffffu);
    v[9] = (uint32_t)(ci.ConnectionId >> 32);
    /* The same through the thread's call (NULL handle). */
    {
        RPCRT_CALL_INFO c2;

        if (RpcrtServerInqCallInfo(NULL, &c2) != RPC_S_OK ||
            c2.ConnectionId != ci.ConnectionId ||
            strcmp(c2.Endpoint, ci.Endpoint) != 0)
            RpcRaiseException(RPC_S_INTERNAL_ERROR);
    }
    m->BufferLength = sizeof(v);
    if ((st = I_RpcGetBuffer(m)) != RPC_S_OK)
        RpcRaiseException(st);
    p = m->Buffer;
    memcpy(p, v, sizeof(v));
}

/* opnum 1: sleeps 500 ms, then notes that it returned. */
static void
hk_sleep(PRPC_MESSAGE m)
{
    usleep(500000);
    pthread_mutex_lock(&hk_mu);
    hk_returned = 1;
    pthread_mutex_unlock(&hk_mu);
    m->BufferLength = 0;
    if (I_RpcGetBuffer(m) != RPC_S_OK)
        RpcRaiseException(RPC_S_OUT_OF_MEMORY);
}

static RPC_DISPATCH_FUNCTION hk_table[] = {hk_info, hk_sleep};
static RPC_DISPATCH_TABLE hk_dispatch = {2, hk_table, 0};
static RPC_SERVER_INTERFACE hk_sif = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x7e57a003, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x03}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    &hk_dispatch, 0, NULL, NULL, NULL, 0,
};
static RPC_CLIENT_INTERFACE hk_cif = {
    sizeof(RPC_CLIENT_INTERFACE),
    {{0x7e57a003, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x03}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    NULL, 0, NULL, 0, NULL, 0,
};

static void
hk_close(unsigned long long id, void *ctx)
{
    ck_assert_ptr_eq(ctx, &hk_dir);
    pthread_mutex_lock(&hk_mu);
    if (hk_nclosed < 64)
        hk_closed[hk_nclosed++] = id;
    hk_closed_after_return = hk_returned;
    pthread_mutex_unlock(&hk_mu);
}

static int
hk_was_closed(unsigned long long id, int ms)
{
    double until = now_ms() + ms;

    for (;;) {
        int found = 0;

        pthread_mutex_lock(&hk_mu);
        for (int i = 0; i < hk_nclosed; i++)
            found |= hk_closed[i] == id;
        pthread_mutex_unlock(&hk_mu);
        if (found || now_ms() > until)
            return found;
        usleep(10000);
    }
}

static char hk_tcp[128];

static void
hk_setup(void)
{
    RPC_CSTR actual = NULL;

    snprintf(hk_dir, sizeof(hk_dir), "/tmp/rpcrt-hooks-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(hk_dir));
    setenv("RPCRT_LRPC_DIR", hk_dir, 1);
    signal(SIGPIPE, SIG_IGN);
    hk_nclosed = 0;
    hk_returned = 0;
    ck_assert_int_eq(RpcrtServerSetConnectionCloseHandler(hk_close, &hk_dir), RPC_S_OK);
    ck_assert_int_eq(RpcServerRegisterIf(&hk_sif, NULL, NULL), RPC_S_OK);
    ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)"ncacn_ip_tcp:127.0.0.1[0]", 10,
                                            &actual), RPC_S_OK);
    snprintf(hk_tcp, sizeof(hk_tcp), "%s", (char *)actual);
    RpcStringFree(&actual);
    ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)"ncalrpc:[hooks]", 10, NULL),
                     RPC_S_OK);
    ck_assert_int_eq(RpcServerListen(1, 10, 1), RPC_S_OK);
}

static void
hk_teardown(void)
{
    char cmd[128];

    RpcrtServerShutdown();
    RpcrtServerSetConnectionCloseHandler(NULL, NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", hk_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", hk_dir);
}

static void
hk_call_info(RPC_BINDING_HANDLE b, uint32_t v[10])
{
    RPC_MESSAGE m;

    memset(&m, 0, sizeof(m));
    m.Handle = b;
    m.RpcInterfaceInformation = &hk_cif;
    m.ProcNum = 0;
    ck_assert_int_eq(I_RpcGetBuffer(&m), RPC_S_OK);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_uint_eq(m.BufferLength, 40);
    memcpy(v, m.Buffer, 40);
    I_RpcFreeBuffer(&m);
}

static unsigned long long
conn_id(const uint32_t v[10])
{
    return (unsigned long long)v[8] | (unsigned long long)v[9] << 32;
}

START_TEST(test_hooks_call_info_tcp)
{
    RPC_BINDING_HANDLE a = bind_to(hk_tcp), b = bind_to(hk_tcp);
    uint32_t v[10], w[10];
    unsigned port = (unsigned)atoi(strrchr(hk_tcp, '[') + 1);

    hk_call_info(a, v);
    ck_assert_uint_eq(v[0], RPCRT_PROTSEQ_NCACN_IP_TCP);
    ck_assert_uint_eq(v[1], 0);
    ck_assert_uint_eq(v[2], 0);            /* no credentials over TCP */
    ck_assert_uint_eq(v[6], port);         /* the local port reached */
    ck_assert_uint_eq(v[7], AF_INET);
    ck_assert(conn_id(v) != 0);
    /* The same connection for the next call on a; another for b. */
    hk_call_info(a, w);
    ck_assert(conn_id(w) == conn_id(v));
    hk_call_info(b, w);
    ck_assert(conn_id(w) != conn_id(v));
    RpcBindingFree(&a);
    RpcBindingFree(&b);
}
END_TEST

START_TEST(test_hooks_call_info_lrpc)
{
    RPC_BINDING_HANDLE a = bind_to("ncalrpc:[hooks]");
    uint32_t v[10];

    hk_call_info(a, v);
    ck_assert_uint_eq(v[0], RPCRT_PROTSEQ_NCALRPC);
    ck_assert_uint_eq(v[1], 1);
    ck_assert_uint_eq(v[2], 1);            /* SO_PEERCRED */
    ck_assert_uint_eq(v[3], (uint32_t)geteuid());
    ck_assert_uint_eq(v[4], (uint32_t)getegid());
    ck_assert_uint_eq(v[5], (uint32_t)getpid());
    ck_assert_uint_eq(v[7], AF_UNIX);
    RpcBindingFree(&a);
}
END_TEST

START_TEST(test_hooks_call_info_args)
{
    RPCRT_CALL_INFO ci;
    int garbage[8] = {0};

    ck_assert_int_eq(RpcrtServerInqCallInfo(NULL, NULL), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtServerInqCallInfo(NULL, &ci), RPC_S_NO_CALL_ACTIVE);
    ck_assert_int_eq(RpcrtServerInqCallInfo(garbage, &ci), RPC_S_INVALID_BINDING);
}
END_TEST

/* The handler runs once the connection is gone, for its id. */
START_TEST(test_hooks_close_handler)
{
    RPC_BINDING_HANDLE a = bind_to(hk_tcp), l = bind_to("ncalrpc:[hooks]");
    uint32_t v[10], w[10];

    hk_call_info(a, v);
    hk_call_info(l, w);
    ck_assert(!hk_was_closed(conn_id(v), 0));
    RpcBindingFree(&a);                    /* closes its idle connection */
    ck_assert(hk_was_closed(conn_id(v), 5000));
    ck_assert(!hk_was_closed(conn_id(w), 0));
    RpcBindingFree(&l);
    ck_assert(hk_was_closed(conn_id(w), 5000));
}
END_TEST

/* A connection lost while its call runs: the handler comes after the
 * routine returned, never before. */
START_TEST(test_hooks_close_after_calls)
{
    struct sockaddr_in sin;
    unsigned port = (unsigned)atoi(strrchr(hk_tcp, '[') + 1);
    struct rpc_ctx_elem ctx;
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct ndr_cursor w;
    struct rpc_pdu p;
    uint8_t buf[512];
    int fd;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.abstract = hk_sif.InterfaceId;
    ctx.n_xfer = 1;
    ctx.xfer = &ndr;
    rpc_pdu_init(&p, PTYPE_BIND, 1);
    p.u.bind.max_xmit_frag = p.u.bind.max_recv_frag = 4280;
    p.u.bind.n_ctx = 1;
    p.u.bind.ctx = &ctx;
    ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    rpc_pdu_init(&p, PTYPE_REQUEST, 2);
    p.u.request.opnum = 1;
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    ck_assert_int_eq(send(fd, w.data, w.len, MSG_NOSIGNAL), (ssize_t)w.len);
    ndr_cursor_free(&w);
    /* The bind_ack, then the request runs; drop the connection. */
    struct pollfd pf = {fd, POLLIN, 0};
    ck_assert_int_eq(poll(&pf, 1, 5000), 1);
    ck_assert_int_gt(recv(fd, buf, sizeof(buf), 0), 0);
    usleep(100000);
    close(fd);
    /* Whichever id it had: the handler ran after the routine returned. */
    for (int i = 0; i < 500; i++) {
        int n;

        pthread_mutex_lock(&hk_mu);
        n = hk_nclosed;
        pthread_mutex_unlock(&hk_mu);
        if (n > 0)
            break;
        usleep(10000);
    }
    pthread_mutex_lock(&hk_mu);
    ck_assert_int_eq(hk_nclosed, 1);
    ck_assert_int_eq(hk_closed_after_return, 1);
    pthread_mutex_unlock(&hk_mu);
}
END_TEST

/* RpcrtServerShutdown closes what is open: the handler runs for it
 * before the shutdown returns. */
START_TEST(test_hooks_close_at_shutdown)
{
    RPC_BINDING_HANDLE a = bind_to(hk_tcp);
    uint32_t v[10];

    hk_call_info(a, v);
    ck_assert_int_eq(RpcrtServerShutdown(), RPC_S_OK);
    ck_assert(hk_was_closed(conn_id(v), 0));
    RpcBindingFree(&a);
}
END_TEST

/* ==== suite conf ============================================================= */

static int
conf_text(const char *text, char *err, size_t errlen)
{
    char path[] = "/tmp/rpcrt-conf-XXXXXX";
    struct rpcd_conf c;
    int fd = mkstemp(path), missing = 0, r;

    ck_assert_int_ge(fd, 0);
    close(fd);
    write_text(path, text);
    conf_init(&c);
    r = conf_load(path, &c, &missing, err, errlen);
    conf_free(&c);
    unlink(path);
    return r;
}

START_TEST(test_conf_good)
{
    char path[] = "/tmp/rpcrt-conf-XXXXXX", err[256];
    struct rpcd_conf c;
    int fd = mkstemp(path), missing = 1;

    ck_assert_int_ge(fd, 0);
    close(fd);
    write_text(path,
               "# a comment\n"
               "\n"
               "listen ncacn_ip_tcp:[135]   # all addresses\n"
               "listen \"ncacn_ip_tcp:127.0.0.1[1135]\"\n"
               "  listen ncalrpc:[epmapper]\n"
               "module /usr/lib/x/rpctest.so\n"
               "module rpctest\n"
               "module-dir /usr/lib/rpcrt/modules\n"
               "user nobody\n"
               "log-level info\n"
               "max-connections 100\n"
               "max-request-size 2m\n"
               "idle-timeout 60\n"
               "bind-timeout 0\n"
               "max-calls-per-connection 8\n"
               "shutdown-timeout 5\n"
               "pidfile /run/x.pid\n");
    conf_init(&c);
    ck_assert_int_eq(conf_load(path, &c, &missing, err, sizeof(err)), 0);
    ck_assert_int_eq(missing, 0);
    ck_assert_uint_eq(c.nlisten, 3);
    ck_assert_str_eq(c.listen[1], "ncacn_ip_tcp:127.0.0.1[1135]");
    ck_assert_uint_eq(c.nmodules, 2);
    ck_assert_str_eq(c.modules[1], "rpctest");
    ck_assert_uint_eq(c.nmodule_dirs, 1);
    ck_assert_str_eq(c.user, "nobody");
    ck_assert_int_eq(c.log_level, LOG_INFO);
    ck_assert_uint_eq(c.max_connections, 100);
    ck_assert_uint_eq(c.max_request_size, 2ul * 1024 * 1024);
    ck_assert_uint_eq(c.idle_timeout, 60);
    ck_assert(c.bind_timeout_set && c.bind_timeout == 0);
    ck_assert(c.max_conn_calls_set && c.max_conn_calls == 8);
    ck_assert_uint_eq(c.shutdown_timeout, 5);
    ck_assert_str_eq(c.pidfile, "/run/x.pid");
    conf_free(&c);
    unlink(path);

    conf_init(&c);
    ck_assert_int_eq(conf_load("/nonexistent/rpcd.conf", &c, &missing, err, sizeof(err)), -1);
    ck_assert_int_eq(missing, 1);
    conf_free(&c);
}
END_TEST

START_TEST(test_conf_errors)
{
    static const struct {
        const char *text;
        const char *why;
    } bad[] = {
        {"frobnicate yes\n", ":1: unknown directive"},
        {"\n\nlisten\n", ":3: listen: missing argument"},
        {"user a b\n", ":1: user: one argument expected"},
        {"listen ncacn_np:[\\pipe\\x]\n", "protocol sequence"},
        {"listen ncacn_ip_tcp:[99999]\n", "bad endpoint"},
        {"listen nonsense\n", "bad binding"},
        {"user a\nuser b\n", ":2: user given twice"},
        {"log-level loud\n", "log-level loud"},
        {"max-connections 0\n", "max-connections 0"},
        {"max-connections many\n", "max-connections many"},
        {"max-request-size 10\n", "max-request-size 10"},
        {"max-request-size 5q\n", "max-request-size 5q"},
        {"idle-timeout -1\n", "idle-timeout -1"},
        {"shutdown-timeout 3601\n", "shutdown-timeout 3601"},
        {"module-dir relative/dir\n", "absolute path"},
        {"module ./x.so\n", "absolute path or a name"},
        /* Modules load only from what the file names (issue 7). */
        {"module ../x.so\n", "absolute path or a name"},
        {"module ..\n", "absolute path or a name"},
        {"module .hidden\n", "absolute path or a name"},
        {"module /usr/lib/rpcrt/../../../tmp/x.so\n", "\"..\" not allowed"},
        {"module-dir /usr/lib/rpcrt/modules/..\n", "\"..\" not allowed"},
        {"max-calls-per-connection -1\n", "max-calls-per-connection -1"},
        {"max-calls-per-connection 1\nmax-calls-per-connection 1\n", "given twice"},
        {"pidfile x.pid\n", "absolute path"},
        {"user \"open\n", "unterminated quote"},
        {"bind-timeout 1\nbind-timeout 2\n", "given twice"},
    };
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(conf_text(bad[i].text, err, sizeof(err)) == -1,
                      "accepted: %s", bad[i].text);
        ck_assert_msg(strstr(err, bad[i].why) != NULL, "%s: got \"%s\"",
                      bad[i].text, err);
    }
}
END_TEST

START_TEST(test_rpcd_exit_codes)
{
    char path[] = "/tmp/rpcrt-conf-XXXXXX", *out = NULL;
    int fd = mkstemp(path);
    const char *rpcd = bpath("daemon/rpcd");

    ck_assert_int_ge(fd, 0);
    close(fd);
    write_text(path, "listen ncacn_ip_tcp:127.0.0.1[1135]\n");
    {
        const char *a[] = {rpcd, "-n", "-f", path, NULL};
        ck_assert_int_eq(run(a, &out), 0);
        ck_assert_ptr_nonnull(strstr(out, "configuration OK"));
        free(out);
    }
    write_text(path, "listen ncacn_ip_tcp:127.0.0.1[1135]\nbogus 1\n");
    {
        const char *a[] = {rpcd, "-n", "-f", path, NULL};
        ck_assert_int_eq(run(a, &out), 1);
        ck_assert_msg(strstr(out, ":2: unknown directive") != NULL, "%s", out);
        free(out);
    }
    {
        const char *a[] = {rpcd, "-n", "-f", "/nonexistent/rpcd.conf", NULL};
        ck_assert_int_eq(run(a, &out), 1);
        free(out);
    }
    {
        /* A module that is not there is an error -n finds. */
        write_text(path, "module /nonexistent/x.so\n");
        const char *a[] = {rpcd, "-n", "-f", path, NULL};
        ck_assert_int_eq(run(a, &out), 1);
        ck_assert_ptr_nonnull(strstr(out, "/nonexistent/x.so"));
        free(out);
    }
    {
        write_text(path, "user no-such-user-here\n");
        const char *a[] = {rpcd, "-n", "-f", path, NULL};
        ck_assert_int_eq(run(a, &out), 1);
        free(out);
    }
    {
        const char *a[] = {rpcd, "--bogus", NULL};
        ck_assert_int_eq(run(a, &out), 2);
        free(out);
    }
    {
        const char *a[] = {rpcd, "--listen", "ncacn_np:[x]", NULL};
        ck_assert_int_eq(run(a, &out), 2);
        free(out);
    }
    {
        const char *a[] = {rpcd, "-h", NULL};
        ck_assert_int_eq(run(a, &out), 0);
        ck_assert_ptr_nonnull(strstr(out, "usage: rpcd"));
        free(out);
    }
    {
        const char *a[] = {rpcd, "--version", NULL};
        ck_assert_int_eq(run(a, &out), 0);
        ck_assert_ptr_nonnull(strstr(out, PACKAGE_VERSION));
        free(out);
    }
    unlink(path);
}
END_TEST

/* A start-up failure (an endpoint in use) is exit 1 with a message, in
 * the foreground and as a daemon (the parent waits for the child). */
START_TEST(test_rpcd_start_failure)
{
    char dir[] = "/tmp/rpcrt-fail-XXXXXX", conf[128], ep[64], *out = NULL;
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    const char *rpcd = bpath("daemon/rpcd");

    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("RPCRT_LRPC_DIR", dir, 1);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    snprintf(ep, sizeof(ep), "ncacn_ip_tcp:127.0.0.1[%u]", ntohs(sin.sin_port));
    snprintf(conf, sizeof(conf), "%s/c", dir);
    snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf), "%s", "");
    write_text(conf, "pidfile /tmp/rpcrt-fail-pid-unused\n");
    {
        const char *a[] = {rpcd, "-d", "-f", conf, "--listen", ep, NULL};
        ck_assert_int_eq(run(a, &out), 1);
        ck_assert_msg(strstr(out, "cannot listen on") != NULL, "%s", out);
        free(out);
    }
    {
        const char *a[] = {rpcd, "-f", conf, "--listen", ep, NULL};
        ck_assert_int_eq(run(a, &out), 1);
        ck_assert_msg(strstr(out, "cannot listen on") != NULL, "%s", out);
        free(out);
    }
    close(fd);
    unlink("/tmp/rpcrt-fail-pid-unused");
    {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
    }
}
END_TEST

/* As a daemon: the parent exits 0 once the child serves; the pidfile
 * names the child; SIGTERM ends it and the pidfile goes. */
START_TEST(test_rpcd_daemon_pidfile)
{
    char dir[] = "/tmp/rpcrt-dmn-XXXXXX", conf[128], pidf[128], text[256], *out = NULL;
    const char *rpcd = bpath("daemon/rpcd");
    long pid = 0;
    double until;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chmod(dir, 0755), 0);
    setenv("RPCRT_LRPC_DIR", dir, 1);
    snprintf(conf, sizeof(conf), "%s/c", dir);
    snprintf(pidf, sizeof(pidf), "%s/rpcd.pid", dir);
    snprintf(text, sizeof(text), "pidfile %s\nlisten ncacn_ip_tcp:127.0.0.1[0]\n", pidf);
    write_text(conf, text);
    {
        const char *a[] = {rpcd, "-f", conf, NULL};
        ck_assert_int_eq(run(a, &out), 0);
        free(out);
    }
    out = read_text(pidf);
    pid = atol(out);
    free(out);
    ck_assert_int_gt(pid, 1);
    ck_assert_int_eq(kill((pid_t)pid, 0), 0);
    /* A second one with the same pidfile refuses to start. */
    {
        const char *a[] = {rpcd, "-d", "-f", conf, "--listen", "ncalrpc:[second]", NULL};
        ck_assert_int_eq(run(a, &out), 1);
        ck_assert_msg(strstr(out, "already runs") != NULL, "%s", out);
        free(out);
    }
    ck_assert_int_eq(kill((pid_t)pid, SIGTERM), 0);
    until = now_ms() + 15000;
    while (kill((pid_t)pid, 0) == 0 && now_ms() < until)
        usleep(20000);
    ck_assert_msg(kill((pid_t)pid, 0) != 0, "the daemon did not stop");
    /* Gone, or (after the privilege drop, when the directory is not the
     * daemon's to unlink from) empty. */
    out = read_text(pidf);
    ck_assert_str_eq(out, "");
    free(out);
    {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
    }
}
END_TEST

/* ==== suite epm ============================================================== */

/* Every element: the EPM and rpctest on TCP (the address the client
 * reached, rpcd's port) and on ncalrpc (epmapper); the batch that ends
 * the list has status 0 and a null handle (impacket's hept_lookup). */
START_TEST(test_lookup_all)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    struct epm_lookup_resp resp;
    uint8_t *buf = NULL;
    int seen[4] = {0};

    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, EPM_VERS_ALL, NULL, 500,
                            &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert(epm_handle_is_null(&resp.handle));
    ck_assert_uint_eq(resp.num_ents, 4);
    ck_assert_uint_eq(resp.max_ents, 500);
    for (uint32_t i = 0; i < resp.num_ents; i++) {
        struct rpc_tower t;
        int epm;

        ck_assert_int_eq(proto_tower_decode(resp.entries[i].tower.octets,
                                            resp.entries[i].tower.len, &t), 0);
        /* Floors 1 and 2 are 25 bytes each: 2 + 2 + 19 + 2 + 2 = the
         * second floor starts at 2 + 27 (impacket's rule). */
        ck_assert_uint_eq(resp.entries[i].tower.octets[0], t.protseq == RPC_PROTSEQ_NCALRPC ? 4 : 5);
        epm = rpc_syntax_equal(&t.iface, &epm_syntax);
        ck_assert(epm || rpc_syntax_equal(&t.iface, &rpctest_syntax));
        ck_assert(rpc_syntax_equal(&t.xfer, &rpc_ndr20_syntax));
        ck_assert_str_eq(resp.entries[i].annotation, epm ? "rpcd endpoint mapper" : "rpctest");
        if (t.protseq == RPC_PROTSEQ_NCACN_IP_TCP) {
            uint8_t lo[4] = {127, 0, 0, 1};

            ck_assert_uint_eq(t.port, D.port);
            ck_assert_int_eq(memcmp(t.addr, lo, 4), 0);
            seen[epm ? 0 : 1]++;
        } else {
            ck_assert_str_eq(t.endpoint, "epmapper");
            seen[epm ? 2 : 3]++;
        }
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(seen[i], 1);
    epm_lookup_resp_clear(&resp);
    free(buf);

    /* Over ncalrpc the TCP towers say 0.0.0.0 (MS-RPCE 2.1.1.1). */
    RpcBindingFree(&h);
    h = bind_lrpc();
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, EPM_VERS_ALL, NULL, 500,
                            &resp, &buf), RPC_S_OK);
    for (uint32_t i = 0; i < resp.num_ents; i++) {
        struct rpc_tower t;
        uint8_t zero[4] = {0};

        ck_assert_int_eq(proto_tower_decode(resp.entries[i].tower.octets,
                                            resp.entries[i].tower.len, &t), 0);
        if (t.protseq == RPC_PROTSEQ_NCACN_IP_TCP)
            ck_assert_int_eq(memcmp(t.addr, zero, 4), 0);
    }
    epm_lookup_resp_clear(&resp);
    free(buf);
    RpcBindingFree(&h);
}
END_TEST

/* 600 more elements: 500 + 104 with a handle between; and one at a time
 * (max 1), where the end is an empty batch with not_registered (the
 * Samba rpcclient / DCE loop). */
START_TEST(test_lookup_paging)
{
    RPC_BINDING_HANDLE l = bind_lrpc(), h = bind_tcp();
    static struct epm_entry ents[600];
    static uint8_t tb[600][512];
    struct epm_lookup_resp resp;
    struct epm_handle hd;
    uint8_t *buf = NULL;
    uint32_t status;
    unsigned n;

    for (unsigned i = 0; i < 600; i++)
        entry_for(&ents[i], tb[i], &t1_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 2000 + i, NULL,
                  "paging");
    /* ept_insert takes at most 500 at a time (MS-RPCE range). */
    ck_assert_int_eq(change(l, EPM_OP_INSERT, ents, 500, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    ck_assert_int_eq(change(l, EPM_OP_INSERT, ents + 500, 100, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);

    memset(&hd, 0, sizeof(hd));
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, EPM_VERS_ALL, &hd, 500,
                            &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_eq(resp.num_ents, 500);
    ck_assert(!epm_handle_is_null(&resp.handle));
    hd = resp.handle;
    epm_lookup_resp_clear(&resp);
    free(buf);
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, EPM_VERS_ALL, &hd, 500,
                            &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_eq(resp.num_ents, 104);
    ck_assert(epm_handle_is_null(&resp.handle));
    epm_lookup_resp_clear(&resp);
    free(buf);

    ck_assert_uint_eq(count_if(h, NULL, 7), 604);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 1), 600);
    n = count_if(h, &rpctest_syntax, 3);
    ck_assert_uint_eq(n, 2);

    /* max 1: the cursor outlives the last element. */
    memset(&hd, 0, sizeof(hd));
    for (n = 0;; n++) {
        ck_assert_int_eq(lookup(h, EPM_INQ_MATCH_BY_IF, NULL, &rpctest_syntax,
                                EPM_VERS_EXACT, &hd, 1, &resp, &buf), RPC_S_OK);
        hd = resp.handle;
        status = resp.status;
        epm_lookup_resp_clear(&resp);
        free(buf);
        if (status != EPM_S_OK)
            break;
        ck_assert(!epm_handle_is_null(&hd));
    }
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(status, EPM_S_NOT_REGISTERED);
    ck_assert(epm_handle_is_null(&hd));
    RpcBindingFree(&h);
    RpcBindingFree(&l);
}
END_TEST

START_TEST(test_lookup_filters)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    struct epm_lookup_resp resp;
    RPC_SYNTAX_IDENTIFIER v11 = rpctest_syntax;
    GUID obj = t1_syntax.SyntaxGUID;
    uint8_t *buf = NULL;

    ck_assert_int_eq(lookup(h, EPM_INQ_MATCH_BY_IF, NULL, &rpctest_syntax,
                            EPM_VERS_COMPATIBLE, NULL, 10, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_eq(resp.num_ents, 2);
    epm_lookup_resp_clear(&resp);
    free(buf);
    /* A newer minor version than registered is not compatible. */
    v11.SyntaxVersion.MinorVersion = 1;
    ck_assert_int_eq(lookup(h, EPM_INQ_MATCH_BY_IF, NULL, &v11, EPM_VERS_COMPATIBLE,
                            NULL, 10, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_NOT_REGISTERED);
    ck_assert_uint_eq(resp.num_ents, 0);
    ck_assert(epm_handle_is_null(&resp.handle));
    epm_lookup_resp_clear(&resp);
    free(buf);
    ck_assert_int_eq(lookup(h, EPM_INQ_MATCH_BY_IF, NULL, &v11, EPM_VERS_UPTO,
                            NULL, 10, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.num_ents, 2);
    epm_lookup_resp_clear(&resp);
    free(buf);
    /* Objects: nothing was registered with one. */
    ck_assert_int_eq(lookup(h, EPM_INQ_MATCH_BY_OBJ, &obj, NULL, 0, NULL, 10,
                            &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_NOT_REGISTERED);
    epm_lookup_resp_clear(&resp);
    free(buf);
    ck_assert_int_eq(lookup(h, 9, NULL, NULL, 0, NULL, 10, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_INVALID_INQUIRY_TYPE);
    epm_lookup_resp_clear(&resp);
    free(buf);
    ck_assert_int_eq(lookup(h, EPM_INQ_MATCH_BY_IF, NULL, &rpctest_syntax, 77, NULL, 10,
                            &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_INVALID_VERS_OPTION);
    epm_lookup_resp_clear(&resp);
    free(buf);
    /* max_ents above MS-RPCE's [range(0,500)]: a fault, as a MIDL stub
     * raises it (RPC_X_INVALID_BOUND, nca_s_fault_invalid_bound). */
    {
        struct epm_lookup_req q;
        struct ndr_cursor w;

        memset(&q, 0, sizeof(q));
        q.max_ents = 500;
        ck_assert_int_eq(ndr_init_write(&w, 64, DREP_LE), 0);
        ck_assert_int_eq(epm_lookup_req_encode(&w, &q), 0);
        ck_assert_int_eq(ndr_patch_u32(&w, w.len - 4, 501), 0);
        ck_assert_int_eq(epm_raw(h, EPM_OP_LOOKUP, w.data, w.len, NULL, NULL, NULL),
                         RPC_X_INVALID_BOUND);
        ndr_cursor_free(&w);
    }
    /* max_ents 0 (in range, but nothing to return into). */
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 0, &resp, &buf),
                     RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_CANT_PERFORM_OP);
    epm_lookup_resp_clear(&resp);
    free(buf);
    RpcBindingFree(&h);
}
END_TEST

START_TEST(test_map)
{
    RPC_BINDING_HANDLE h = bind_tcp(), l = bind_lrpc();
    struct epm_map_resp resp;
    struct epm_handle hd;
    struct epm_entry e;
    struct rpc_tower t, r;
    RPC_SYNTAX_IDENTIFIER v11 = rpctest_syntax;
    uint8_t *buf = NULL, tb[512];
    uint32_t status;

    /* The network address and endpoint of the asked tower are ignored. */
    tower_for(&t, &rpctest_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 0, NULL);
    t.addr[0] = 10;
    ck_assert_int_eq(map(h, NULL, &t, NULL, 4, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_eq(resp.num_towers, 1);
    ck_assert_uint_eq(resp.max_towers, 4);
    ck_assert(epm_handle_is_null(&resp.handle));
    ck_assert_int_eq(proto_tower_decode(resp.towers[0].octets, resp.towers[0].len, &r), 0);
    ck_assert_uint_eq(r.port, D.port);
    ck_assert_uint_eq(r.addr[0], 127);
    /* Five floors, not more than impacket's six. */
    ck_assert_uint_eq(resp.towers[0].octets[0], 5);
    epm_map_resp_clear(&resp);
    free(buf);

    tower_for(&t, &rpctest_syntax, RPC_PROTSEQ_NCALRPC, 0, "x");
    ck_assert_int_eq(map(l, NULL, &t, NULL, 4, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_eq(resp.num_towers, 1);
    ck_assert_int_eq(proto_tower_decode(resp.towers[0].octets, resp.towers[0].len, &r), 0);
    ck_assert_str_eq(r.endpoint, "epmapper");
    epm_map_resp_clear(&resp);
    free(buf);

    /* Not registered: a newer minor, another interface, max 0. */
    v11.SyntaxVersion.MinorVersion = 1;
    tower_for(&t, &v11, RPC_PROTSEQ_NCACN_IP_TCP, 0, NULL);
    ck_assert_int_eq(map(h, NULL, &t, NULL, 4, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_NOT_REGISTERED);
    ck_assert_uint_eq(resp.num_towers, 0);
    epm_map_resp_clear(&resp);
    free(buf);
    tower_for(&t, &t2_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 0, NULL);
    ck_assert_int_eq(map(h, NULL, &t, NULL, 4, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_NOT_REGISTERED);
    epm_map_resp_clear(&resp);
    free(buf);
    tower_for(&t, &rpctest_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 0, NULL);
    ck_assert_int_eq(map(h, NULL, &t, NULL, 0, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_CANT_PERFORM_OP);
    epm_map_resp_clear(&resp);
    free(buf);
    /* max_towers above the range. */
    {
        struct epm_map_req q;
        struct ndr_cursor w;
        uint8_t mtb[512];
        size_t mtl = 0;

        memset(&q, 0, sizeof(q));
        ck_assert_int_eq(proto_tower_encode(&t, mtb, sizeof(mtb), &mtl), 0);
        q.tower.present = 1;
        q.tower.len = (uint32_t)mtl;
        q.tower.octets = mtb;
        q.max_towers = 500;
        ck_assert_int_eq(ndr_init_write(&w, 64, DREP_LE), 0);
        ck_assert_int_eq(epm_map_req_encode(&w, &q), 0);
        ck_assert_int_eq(ndr_patch_u32(&w, w.len - 4, 0x7fffffff), 0);
        ck_assert_int_eq(epm_raw(h, EPM_OP_MAP, w.data, w.len, NULL, NULL, NULL),
                         RPC_X_INVALID_BOUND);
        ndr_cursor_free(&w);
    }
    /* No tower at all. */
    ck_assert_int_eq(map(h, NULL, NULL, NULL, 4, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_NOT_REGISTERED);
    epm_map_resp_clear(&resp);
    free(buf);

    /* Paging: a second TCP element of rpctest, one tower a call. */
    entry_for(&e, tb, &rpctest_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 4444, NULL, "second");
    ck_assert_int_eq(change(l, EPM_OP_INSERT, &e, 1, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    ck_assert_int_eq(map(h, NULL, &t, NULL, 1, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_eq(resp.num_towers, 1);
    ck_assert(!epm_handle_is_null(&resp.handle));
    ck_assert_int_eq(proto_tower_decode(resp.towers[0].octets, resp.towers[0].len, &r), 0);
    ck_assert_uint_eq(r.port, D.port);     /* registration order */
    hd = resp.handle;
    epm_map_resp_clear(&resp);
    free(buf);
    ck_assert_int_eq(map(h, NULL, NULL, &hd, 1, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_eq(resp.num_towers, 1);
    ck_assert(epm_handle_is_null(&resp.handle));
    ck_assert_int_eq(proto_tower_decode(resp.towers[0].octets, resp.towers[0].len, &r), 0);
    ck_assert_uint_eq(r.port, 4444);
    epm_map_resp_clear(&resp);
    free(buf);
    RpcBindingFree(&h);
    RpcBindingFree(&l);
}
END_TEST

START_TEST(test_handle_free)
{
    RPC_BINDING_HANDLE h = bind_tcp(), other = bind_tcp();
    struct epm_lookup_resp resp;
    struct epm_handle_free_resp fr;
    struct epm_handle hd, null;
    uint8_t *buf = NULL;

    memset(&null, 0, sizeof(null));
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 1, &resp, &buf),
                     RPC_S_OK);
    ck_assert(!epm_handle_is_null(&resp.handle));
    hd = resp.handle;
    epm_lookup_resp_clear(&resp);
    free(buf);
    /* Another connection's handle is not ours to use or free. */
    ck_assert_int_eq(lookup(other, EPM_INQ_ALL_ELTS, NULL, NULL, 0, &hd, 1, &resp, &buf),
                     RPC_X_SS_CONTEXT_MISMATCH);
    ck_assert_int_eq(handle_free(other, &hd, &fr), RPC_X_SS_CONTEXT_MISMATCH);
    /* Freed: null comes back, and the handle is gone. */
    ck_assert_int_eq(handle_free(h, &hd, &fr), RPC_S_OK);
    ck_assert_uint_eq(fr.status, 0);
    ck_assert(epm_handle_is_null(&fr.handle));
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, &hd, 1, &resp, &buf),
                     RPC_X_SS_CONTEXT_MISMATCH);
    ck_assert_int_eq(handle_free(h, &hd, &fr), RPC_X_SS_CONTEXT_MISMATCH);
    /* A null handle has nothing to free. */
    ck_assert_int_eq(handle_free(h, &null, &fr), RPC_S_OK);
    ck_assert_uint_eq(fr.status, 0);
    /* A lookup handle is no map handle. */
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 1, &resp, &buf),
                     RPC_S_OK);
    hd = resp.handle;
    epm_lookup_resp_clear(&resp);
    free(buf);
    {
        struct epm_map_resp mr;

        ck_assert_int_eq(map(h, NULL, NULL, &hd, 1, &mr, &buf), RPC_S_OK);
        ck_assert_uint_eq(mr.status, EPM_S_INVALID_CONTEXT);
        ck_assert(epm_handle_is_null(&mr.handle));
        epm_map_resp_clear(&mr);
        free(buf);
    }
    RpcBindingFree(&h);
    RpcBindingFree(&other);
}
END_TEST

/* A connection's handles go with it (rpcd -vv logs it). */
START_TEST(test_handle_conn_close)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    struct epm_lookup_resp resp;
    uint8_t *buf = NULL;

    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 1, &resp, &buf),
                     RPC_S_OK);
    ck_assert(!epm_handle_is_null(&resp.handle));
    epm_lookup_resp_clear(&resp);
    free(buf);
    ck_assert(!rpcd_log_has(&D, "lookup handle freed", 0));
    RpcBindingFree(&h);
    ck_assert(rpcd_log_has(&D, "closed: lookup handle freed", 5000));
}
END_TEST

/* At most 64 open handles on one connection. */
START_TEST(test_handle_limit)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    struct epm_lookup_resp resp;
    uint8_t *buf = NULL;

    for (int i = 0; i < 64; i++) {
        ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 1, &resp, &buf),
                         RPC_S_OK);
        ck_assert_uint_eq(resp.status, EPM_S_OK);
        ck_assert(!epm_handle_is_null(&resp.handle));
        epm_lookup_resp_clear(&resp);
        free(buf);
    }
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 1, &resp, &buf),
                     RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_NO_MEMORY);
    ck_assert(epm_handle_is_null(&resp.handle));
    epm_lookup_resp_clear(&resp);
    free(buf);
    RpcBindingFree(&h);
}
END_TEST

START_TEST(test_inq_object)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    struct epm_inq_object_resp a, b;
    struct ndr_cursor r;
    uint8_t *buf = NULL, drep0 = DREP_LE;
    size_t len = 0;

    ck_assert_int_eq(epm_raw(h, EPM_OP_INQ_OBJECT, NULL, 0, &buf, &len, &drep0), RPC_S_OK);
    ndr_init_read(&r, buf, len, drep0);
    ck_assert_int_eq(epm_inq_object_resp_decode(&r, &a), 0);
    free(buf);
    ck_assert_uint_eq(a.status, 0);
    ck_assert(!UuidIsNil(&a.object, NULL));
    ck_assert_int_eq(epm_raw(h, EPM_OP_INQ_OBJECT, NULL, 0, &buf, &len, &drep0), RPC_S_OK);
    ndr_init_read(&r, buf, len, drep0);
    ck_assert_int_eq(epm_inq_object_resp_decode(&r, &b), 0);
    free(buf);
    ck_assert(proto_uuid_equal(&a.object, &b.object));
    RpcBindingFree(&h);
}
END_TEST

/* Over TCP, nobody changes the map: fault EPT_S_CANT_PERFORM_OP. */
START_TEST(test_change_remote_refused)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    struct epm_entry e;
    struct rpc_tower t;
    uint8_t tb[512];
    uint32_t status = 0;

    entry_for(&e, tb, &t1_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 4000, NULL, "remote");
    ck_assert_int_eq(change(h, EPM_OP_INSERT, &e, 1, 0, &status), EPT_S_CANT_PERFORM_OP);
    ck_assert_int_eq(change(h, EPM_OP_DELETE, &e, 1, 0, &status), EPT_S_CANT_PERFORM_OP);
    tower_for(&t, &rpctest_syntax, RPC_PROTSEQ_NCACN_IP_TCP, D.port, NULL);
    ck_assert_int_eq(mgmt_delete(h, 0, NULL, &t, &status), EPT_S_CANT_PERFORM_OP);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 0);
    ck_assert_uint_eq(count_if(h, &rpctest_syntax, 500), 2);
    RpcBindingFree(&h);
}
END_TEST

START_TEST(test_change_local)
{
    RPC_BINDING_HANDLE l = bind_lrpc();
    struct epm_entry e[2];
    struct rpc_tower t;
    uint8_t tb[2][512];
    uint32_t status = 1;
    GUID obj = t2_syntax.SyntaxGUID;

    entry_for(&e[0], tb[0], &t1_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 4000, NULL, "local");
    entry_for(&e[1], tb[1], &t1_syntax, RPC_PROTSEQ_NCALRPC, 0, "t1ep", "local");
    e[1].object = obj;
    ck_assert_int_eq(change(l, EPM_OP_INSERT, e, 2, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    ck_assert_uint_eq(count_if(l, &t1_syntax, 500), 2);
    /* Inserting it again changes nothing. */
    ck_assert_int_eq(change(l, EPM_OP_INSERT, e, 2, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(count_if(l, &t1_syntax, 500), 2);
    ck_assert_int_eq(change(l, EPM_OP_DELETE, e, 1, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    ck_assert_uint_eq(count_if(l, &t1_syntax, 500), 1);
    ck_assert_int_eq(change(l, EPM_OP_DELETE, e, 1, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_NOT_REGISTERED);
    /* mgmt_delete by interface and endpoint, with the object. */
    tower_for(&t, &t1_syntax, RPC_PROTSEQ_NCALRPC, 0, "t1ep");
    ck_assert_int_eq(mgmt_delete(l, 1, &t1_syntax.SyntaxGUID, &t, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_NOT_REGISTERED);
    ck_assert_int_eq(mgmt_delete(l, 1, &obj, &t, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    ck_assert_uint_eq(count_if(l, &t1_syntax, 500), 0);
    /* A bad tower is an invalid entry, nothing added. */
    e[0].tower.len = 3;
    ck_assert_int_eq(change(l, EPM_OP_INSERT, e, 1, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_INVALID_ENTRY);
    RpcBindingFree(&l);
}
END_TEST

/* As root: a process that setuid()s to 65534 may add its own elements
 * and remove them, but not root's; root may remove its. */
START_TEST(test_uid_checks)
{
    RPC_BINDING_HANDLE l;
    struct epm_entry e;
    uint8_t tb[512];
    uint32_t status = 1;
    pid_t pid;
    int st;

    if (geteuid() != 0) {
        fprintf(stderr, "test_uid_checks: not root, the uid part is skipped\n");
        return;
    }
    l = bind_lrpc();
    entry_for(&e, tb, &t1_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 4100, NULL, "root's");
    ck_assert_int_eq(change(l, EPM_OP_INSERT, &e, 1, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct epm_entry mine;
        struct rpc_tower t;
        uint8_t mb[512];
        RPC_BINDING_HANDLE c = NULL;
        gid_t g = 65534;
        int bad = 0;

        if (setgroups(1, &g) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(90);
        if (RpcBindingFromStringBinding((RPC_CSTR)"ncalrpc:[epmapper]", &c) != RPC_S_OK)
            _exit(91);
        /* Root's element: not ours. */
        if (change(c, EPM_OP_DELETE, &e, 1, 0, &status) != RPC_S_OK ||
            status != EPM_S_CANT_PERFORM_OP)
            bad |= 1;
        tower_for(&t, &t1_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 4100, NULL);
        if (mgmt_delete(c, 0, NULL, &t, &status) != RPC_S_OK ||
            status != EPM_S_CANT_PERFORM_OP)
            bad |= 2;
        /* Replacing it is changing it. */
        entry_for(&mine, mb, &t1_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 4101, NULL, "nobody's");
        if (change(c, EPM_OP_INSERT, &mine, 1, 1, &status) != RPC_S_OK ||
            status != EPM_S_CANT_PERFORM_OP)
            bad |= 4;
        /* Ours: added and removed. */
        if (change(c, EPM_OP_INSERT, &mine, 1, 0, &status) != RPC_S_OK ||
            status != EPM_S_OK)
            bad |= 8;
        if (change(c, EPM_OP_DELETE, &mine, 1, 0, &status) != RPC_S_OK ||
            status != EPM_S_OK)
            bad |= 16;
        RpcBindingFree(&c);
        _exit(bad);
    }
    st = reap(pid, 20000);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status 0x%x", st);
    ck_assert_uint_eq(count_if(l, &t1_syntax, 500), 1);
    ck_assert_int_eq(change(l, EPM_OP_DELETE, &e, 1, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    RpcBindingFree(&l);
}
END_TEST

static RPC_SERVER_INTERFACE t1_spec = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x7e57a001, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x01}},
     {2, 1}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    NULL, 0, NULL, NULL, NULL, 0,
};

static RPC_BINDING_VECTOR *
vector_of(const char *const *sb, unsigned n)
{
    RPC_BINDING_VECTOR *v = calloc(1, sizeof(*v) + n * sizeof(RPC_BINDING_HANDLE));

    ck_assert_ptr_nonnull(v);
    for (unsigned i = 0; i < n; i++)
        v->BindingH[i] = bind_to(sb[i]);
    v->Count = n;
    return v;
}

/* A process that registered with RpcEpRegister and exits: its elements
 * go (reaper.c). */
START_TEST(test_owner_exit)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    int up[2], down[2];
    pid_t pid;
    double until;
    char c = 0;

    ck_assert_int_eq(pipe(up), 0);
    ck_assert_int_eq(pipe(down), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        static const char *const sb[] = {"ncacn_ip_tcp:127.0.0.1[4200]", "ncalrpc:[t1child]"};
        RPC_BINDING_VECTOR *v = vector_of(sb, 2);
        RPC_STATUS st = RpcEpRegister(&t1_spec, v, NULL, (RPC_CSTR)"child");

        c = st == RPC_S_OK ? 1 : 2;
        if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
            _exit(3);
        /* No RpcEpUnregister: the process just ends. */
        _exit(0);
    }
    ck_assert_int_eq(read(up[0], &c, 1), 1);
    ck_assert_int_eq(c, 1);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 2);
    ck_assert_int_eq(write(down[1], &c, 1), 1);
    ck_assert_int_eq(WEXITSTATUS(reap(pid, 10000)), 0);
    until = now_ms() + 10000;
    while (count_if(h, &t1_syntax, 500) != 0 && now_ms() < until)
        usleep(50000);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 0);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
    RpcBindingFree(&h);
}
END_TEST

/* RpcEpRegister, RpcEpRegisterNoReplace, RpcEpUnregister: the cross
 * product of bindings and objects, replacement, removal. */
START_TEST(test_ep_register_api)
{
    static const char *const sb1[] = {"ncacn_ip_tcp:127.0.0.1[4300]", "ncalrpc:[t1a]"};
    static const char *const sb2[] = {"ncacn_ip_tcp:127.0.0.1[4301]"};
    RPC_BINDING_HANDLE h = bind_tcp();
    RPC_BINDING_VECTOR *v1 = vector_of(sb1, 2), *v2 = vector_of(sb2, 1), empty;
    GUID o1 = t2_syntax.SyntaxGUID, o2 = rpctest_syntax.SyntaxGUID;
    UUID_VECTOR *uv = calloc(1, sizeof(*uv) + sizeof(UUID *));
    struct epm_lookup_resp resp;
    uint8_t *buf = NULL;

    uv->Count = 2;
    uv->Uuid[0] = &o1;
    uv->Uuid[1] = &o2;
    ck_assert_int_eq(RpcEpRegister(&t1_spec, v1, uv, (RPC_CSTR)"api test"), RPC_S_OK);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 4);
    ck_assert_int_eq(lookup(h, EPM_INQ_MATCH_BY_BOTH, &o2, &t1_syntax, EPM_VERS_EXACT,
                            NULL, 10, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.num_ents, 2);
    ck_assert_str_eq(resp.entries[0].annotation, "api test");
    epm_lookup_resp_clear(&resp);
    free(buf);
    /* Replace: the TCP elements of these objects move to port 4301. */
    ck_assert_int_eq(RpcEpRegister(&t1_spec, v2, uv, NULL), RPC_S_OK);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 4);
    /* No replace: one more, for the nil object. */
    ck_assert_int_eq(RpcEpRegisterNoReplace(&t1_spec, v1, NULL, NULL), RPC_S_OK);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 6);
    ck_assert_int_eq(RpcEpUnregister(&t1_spec, v1, NULL), RPC_S_OK);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 4);
    /* v1 x uv: the TCP ones were replaced already, the ncalrpc ones go. */
    ck_assert_int_eq(RpcEpUnregister(&t1_spec, v1, uv), RPC_S_OK);
    ck_assert_int_eq(RpcEpUnregister(&t1_spec, v2, uv), RPC_S_OK);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 0);
    ck_assert_int_eq(RpcEpUnregister(&t1_spec, v2, uv), EPT_S_NOT_REGISTERED);
    /* Arguments. */
    empty.Count = 0;
    ck_assert_int_eq(RpcEpRegister(&t1_spec, &empty, NULL, NULL), RPC_S_NO_BINDINGS);
    ck_assert_int_eq(RpcEpRegister(NULL, v1, NULL, NULL), RPC_S_INVALID_ARG);
    {
        static const char *const partial[] = {"ncacn_ip_tcp:127.0.0.1"};
        RPC_BINDING_VECTOR *vp = vector_of(partial, 1);

        ck_assert_int_eq(RpcEpRegister(&t1_spec, vp, NULL, NULL), RPC_S_NO_ENDPOINT_FOUND);
        RpcBindingVectorFree(&vp);
    }
    free(uv);
    RpcBindingVectorFree(&v1);
    RpcBindingVectorFree(&v2);
    RpcBindingFree(&h);
}
END_TEST

/* 500 towers (EPM_MAX_ENTS, the [range] of ept_insert and ept_map): 500
 * entries in one ept_insert are taken, 501 are refused; ept_map with
 * max_towers 500 returns them, 501 is refused; rpcd keeps serving. */
START_TEST(test_500_towers)
{
    RPC_BINDING_HANDLE l = bind_lrpc(), h = bind_tcp();
    struct epm_entry *e = calloc(501, sizeof(*e));
    uint8_t (*tb)[512] = calloc(501, 512);
    struct epm_map_resp resp;
    struct rpc_tower t;
    uint8_t *buf = NULL;
    uint32_t status = 1;
    RPC_STATUS st;

    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(tb);
    for (unsigned i = 0; i < 501; i++)
        entry_for(&e[i], tb[i], &t2_syntax, RPC_PROTSEQ_NCACN_IP_TCP,
                  5000 + i, NULL, "t500");
    {
        /* 501: num_ents and the array's max_count patched up from 500
         * (the encoder refuses to write it). */
        struct epm_insert_req q;
        struct ndr_cursor w, r;

        memset(&q, 0, sizeof(q));
        q.num_ents = 500;
        q.entries = e;
        ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
        ck_assert_int_eq(epm_insert_req_encode(&w, &q), 0);
        ck_assert(w.data[0] == 0xf4 && w.data[1] == 0x01 &&
                  w.data[4] == 0xf4 && w.data[5] == 0x01);
        w.data[0] = w.data[4] = 0xf5;
        st = epm_call(l, EPM_OP_INSERT, &w, &buf, &r);
        if (st == RPC_S_OK)
            ck_assert_int_eq(epm_status_resp_decode(&r, &status), 0);
        ck_assert_msg(st != RPC_S_OK || status != EPM_S_OK,
                      "501 entries in one ept_insert were taken");
        free(buf);
        buf = NULL;
        ck_assert_uint_eq(count_if(h, &t2_syntax, 500), 0);
    }
    ck_assert_int_eq(change(l, EPM_OP_INSERT, e, 500, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    ck_assert_uint_eq(count_if(h, &t2_syntax, 500), 500);

    tower_for(&t, &t2_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 0, NULL);
    ck_assert_int_eq(map(h, NULL, &t, NULL, 500, &resp, &buf), RPC_S_OK);
    ck_assert_uint_eq(resp.status, EPM_S_OK);
    ck_assert_uint_ge(resp.num_towers, 1);
    ck_assert_uint_le(resp.num_towers, 500);
    epm_map_resp_clear(&resp);
    free(buf);
    buf = NULL;
    {
        struct epm_map_req q;
        struct ndr_cursor w, r;
        uint8_t tw[512];
        size_t tl = 0;

        memset(&q, 0, sizeof(q));
        ck_assert_int_eq(proto_tower_encode(&t, tw, sizeof(tw), &tl), 0);
        q.tower.present = 1;
        q.tower.len = (uint32_t)tl;
        q.tower.octets = tw;
        q.max_towers = 500;
        ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
        ck_assert_int_eq(epm_map_req_encode(&w, &q), 0);
        /* max_towers 501 (its last field), patched past the encoder's
         * own check: refused, or answered within the limit. */
        ck_assert_uint_ge(w.len, 4);
        w.data[w.len - 4] = 0xf5;       /* 501 = 0x1f5 */
        w.data[w.len - 3] = 0x01;
        st = epm_call(h, EPM_OP_MAP, &w, &buf, &r);
        if (st == RPC_S_OK) {
            ck_assert_int_eq(epm_map_resp_decode(&r, &resp), 0);
            ck_assert_uint_le(resp.num_towers, 500);
            epm_map_resp_clear(&resp);
        }
        free(buf);
        buf = NULL;
    }
    ck_assert_int_eq(change(l, EPM_OP_DELETE, e, 500, 0, &status), RPC_S_OK);
    ck_assert_uint_eq(status, EPM_S_OK);
    ck_assert_uint_eq(count_if(h, &t2_syntax, 500), 0);
    free(e);
    free(tb);
    RpcBindingFree(&l);
    RpcBindingFree(&h);
}
END_TEST

/* rpcd keeps the map in memory only: after a restart a server's
 * registrations are gone until it calls RpcEpRegister again (what
 * rpcd(8) and RpcEpRegister(3) document); registering again works at
 * once and a partial binding resolves again. */
START_TEST(test_rpcd_restart_registrations)
{
    static const char *const sb[] = {"ncacn_ip_tcp:127.0.0.1[4310]"};
    RPC_BINDING_VECTOR *v = vector_of(sb, 1);
    RPC_BINDING_HANDLE h = bind_tcp();

    ck_assert_int_eq(RpcEpRegister(&t1_spec, v, NULL, (RPC_CSTR)"restart"), RPC_S_OK);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 1);
    RpcBindingFree(&h);

    {
        int st = rpcd_stop(&D, SIGTERM, 20000);
        ck_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    rpcd_spawn(&D, NULL, NULL, 0);
    h = bind_tcp();
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 0);
    ck_assert_int_eq(RpcEpRegister(&t1_spec, v, NULL, (RPC_CSTR)"restart"), RPC_S_OK);
    ck_assert_uint_eq(count_if(h, &t1_syntax, 500), 1);
    ck_assert_int_eq(RpcEpUnregister(&t1_spec, v, NULL), RPC_S_OK);
    RpcBindingFree(&h);
    RpcBindingVectorFree(&v);
}
END_TEST

/* Without rpcd: RPC_S_SERVER_UNAVAILABLE. */
START_TEST(test_ep_register_no_rpcd)
{
    static const char *const sb[] = {"ncacn_ip_tcp:127.0.0.1[4300]"};
    char dir[] = "/tmp/rpcrt-none-XXXXXX";
    RPC_BINDING_VECTOR *v;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("RPCRT_LRPC_DIR", dir, 1);
    v = vector_of(sb, 1);
    ck_assert_int_eq(RpcEpRegister(&t1_spec, v, NULL, NULL), RPC_S_SERVER_UNAVAILABLE);
    RpcBindingVectorFree(&v);
    rmdir(dir);
}
END_TEST

/* rpctest through partial bindings: resolved by rpcd's ept_map, over
 * TCP (RPCRT_EPM_ENDPOINT: this rpcd's port) and ncalrpc. */
START_TEST(test_partial_binding_rpctest)
{
    RPC_BINDING_HANDLE h = bind_to("ncacn_ip_tcp:127.0.0.1"), l = bind_to("ncalrpc:");
    RPC_CSTR s = NULL;
    char out[16];
    int32_t ret = -1;
    char want[32];

    ck_assert_int_eq(rpctest_echo(h, "hello, rpcd", 11, out, &ret), RPC_S_OK);
    ck_assert_int_eq(memcmp(out, "hello, rpcd", 11), 0);
    ck_assert_int_eq(RpcBindingToStringBinding(h, &s), RPC_S_OK);
    snprintf(want, sizeof(want), "[%u]", D.port);
    ck_assert_msg(strstr((char *)s, want) != NULL, "%s", (char *)s);
    RpcStringFree(&s);
    ck_assert_int_eq(rpctest_echo(l, "local", 5, out, &ret), RPC_S_OK);
    ck_assert_int_eq(memcmp(out, "local", 5), 0);
    RpcBindingFree(&h);
    RpcBindingFree(&l);

    /* RpcEpResolveBinding by hand. */
    h = bind_to("ncacn_ip_tcp:127.0.0.1");
    ck_assert_int_eq(RpcEpResolveBinding(h, rpctest_v1_0_c_ifspec), RPC_S_OK);
    ck_assert_int_eq(RpcBindingToStringBinding(h, &s), RPC_S_OK);
    ck_assert_msg(strstr((char *)s, want) != NULL, "%s", (char *)s);
    RpcStringFree(&s);
    RpcBindingFree(&h);
}
END_TEST

/* Opnums 7 and 8 through the rpctest module: served asynchronously by
 * rpcd as by rpctest-server; an asynchronous client cancels one, a
 * timeout ends the other. */
START_TEST(test_module_async_opnums)
{
    RPC_BINDING_HANDLE h = bind_to("ncacn_ip_tcp:127.0.0.1");
    RPC_ASYNC_STATE a;
    uint32_t elapsed = 0;
    int32_t result = -1, ret = -1;

    ck_assert_int_eq(rpctest_async_wait_for_cancel_abort(h, 20, &ret), RPC_S_OK);
    ck_assert_int_eq(ret, 0);
    ck_assert_int_eq(RpcAsyncInitializeHandle(&a, sizeof(a)), RPC_S_OK);
    a.NotificationType = RpcNotificationTypeNone;
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a, 20000), RPC_S_OK);
    usleep(200000);
    ck_assert_int_eq(RpcAsyncCancelCall(&a, 0), RPC_S_OK);
    for (int i = 0; i < 20000 && RpcAsyncGetCallStatus(&a) == RPC_S_ASYNC_CALL_PENDING; i++)
        usleep(1000);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_finish(&a, h, &elapsed, &result),
                     RPC_S_OK);
    ck_assert_int_eq(result, 1);
    ck_assert_uint_lt(elapsed, 10000);
    RpcBindingFree(&h);
}
END_TEST

/* The T2 interface of this process, served in-process. */
static void
t2_call(PRPC_MESSAGE m)
{
    static const uint8_t v[4] = {0x78, 0x56, 0x34, 0x12};

    m->BufferLength = 4;
    if (I_RpcGetBuffer(m) != RPC_S_OK)
        RpcRaiseException(RPC_S_OUT_OF_MEMORY);
    memcpy(m->Buffer, v, 4);
}

static RPC_DISPATCH_FUNCTION t2_table[] = {t2_call};
static RPC_DISPATCH_TABLE t2_dispatch = {1, t2_table, 0};
static RPC_SERVER_INTERFACE t2_sif = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x7e57a002, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x02}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    &t2_dispatch, 0, NULL, NULL, NULL, 0,
};
static RPC_CLIENT_INTERFACE t2_cif = {
    sizeof(RPC_CLIENT_INTERFACE),
    {{0x7e57a002, 0x1111, 0x4222, {0x83, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x02}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    NULL, 0, NULL, 0, NULL, 0,
};

static RPC_STATUS
t2_invoke(RPC_BINDING_HANDLE h, uint32_t *v)
{
    RPC_MESSAGE m;
    RPC_STATUS st;

    memset(&m, 0, sizeof(m));
    m.Handle = h;
    m.RpcInterfaceInformation = &t2_cif;
    if ((st = I_RpcGetBuffer(&m)) != RPC_S_OK)
        return st;
    if ((st = I_RpcSendReceive(&m)) != RPC_S_OK) {
        if (m.Buffer != NULL)
            I_RpcFreeBuffer(&m);
        return st;
    }
    ck_assert_uint_eq(m.BufferLength, 4);
    memcpy(v, m.Buffer, 4);
    I_RpcFreeBuffer(&m);
    return RPC_S_OK;
}

/* A server process (this one) registers its endpoint with RpcEpRegister
 * (RpcServerInqBindings), a client resolves a partial binding to it. */
START_TEST(test_server_registers)
{
    RPC_BINDING_VECTOR *bv = NULL;
    RPC_BINDING_HANDLE c;
    uint32_t v = 0;

    ck_assert_int_eq(RpcServerRegisterIf(&t2_sif, NULL, NULL), RPC_S_OK);
    ck_assert_int_eq(RpcServerUseProtseqEp((RPC_CSTR)"ncacn_ip_tcp", 10, NULL, NULL),
                     RPC_S_OK);
    ck_assert_int_eq(RpcServerListen(1, 10, 1), RPC_S_OK);
    ck_assert_int_eq(RpcServerInqBindings(&bv), RPC_S_OK);
    ck_assert_int_eq(RpcEpRegister(&t2_sif, bv, NULL, (RPC_CSTR)"t2 server"), RPC_S_OK);

    c = bind_to("ncacn_ip_tcp:127.0.0.1");
    ck_assert_int_eq(t2_invoke(c, &v), RPC_S_OK);
    ck_assert_uint_eq(v, 0x12345678);
    RpcBindingFree(&c);

    ck_assert_int_eq(RpcEpUnregister(&t2_sif, bv, NULL), RPC_S_OK);
    c = bind_to("ncacn_ip_tcp:127.0.0.1");
    ck_assert_int_eq(t2_invoke(c, &v), EPT_S_NOT_REGISTERED);
    RpcBindingFree(&c);
    RpcBindingVectorFree(&bv);
    ck_assert_int_eq(RpcrtServerShutdown(), RPC_S_OK);
}
END_TEST

/* Stubs cut and bit-flipped, for every opnum, over TCP and ncalrpc: a
 * reply or a fault each time, and rpcd serves on. */
START_TEST(test_malformed_stubs)
{
    RPC_BINDING_HANDLE hs[2] = {bind_tcp(), bind_lrpc()};
    struct ndr_cursor w[5];
    struct epm_lookup_req lq;
    struct epm_map_req mq;
    struct epm_insert_req iq;
    struct epm_mgmt_delete_req dq;
    struct epm_handle hd;
    struct epm_entry e;
    struct rpc_tower t;
    uint8_t tb[512], tb2[512];
    size_t tl;
    unsigned ops[5] = {EPM_OP_LOOKUP, EPM_OP_MAP, EPM_OP_INSERT, EPM_OP_MGMT_DELETE,
                       EPM_OP_LOOKUP_HANDLE_FREE};
    unsigned calls = 0, faults = 0;

    memset(&lq, 0, sizeof(lq));
    lq.inquiry_type = EPM_INQ_MATCH_BY_IF;
    lq.object.present = 1;
    lq.ifid.present = 1;
    lq.ifid.id.Uuid = rpctest_syntax.SyntaxGUID;
    lq.ifid.id.VersMajor = 1;
    lq.vers_option = EPM_VERS_ALL;
    lq.max_ents = 5;
    memset(&mq, 0, sizeof(mq));
    tower_for(&t, &rpctest_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 0, NULL);
    ck_assert_int_eq(proto_tower_encode(&t, tb, sizeof(tb), &tl), 0);
    mq.tower.present = 1;
    mq.tower.len = (uint32_t)tl;
    mq.tower.octets = tb;
    mq.max_towers = 3;
    entry_for(&e, tb2, &t1_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 4500, NULL, "fuzz");
    memset(&iq, 0, sizeof(iq));
    iq.num_ents = 1;
    iq.entries = &e;
    memset(&dq, 0, sizeof(dq));
    dq.tower = mq.tower;
    memset(&hd, 0, sizeof(hd));
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ndr_init_write(&w[i], 256, DREP_LE), 0);
    ck_assert_int_eq(epm_lookup_req_encode(&w[0], &lq), 0);
    ck_assert_int_eq(epm_map_req_encode(&w[1], &mq), 0);
    ck_assert_int_eq(epm_insert_req_encode(&w[2], &iq), 0);
    ck_assert_int_eq(epm_mgmt_delete_req_encode(&w[3], &dq), 0);
    ck_assert_int_eq(epm_handle_free_req_encode(&w[4], &hd), 0);

    for (int k = 0; k < 5; k++) {
        for (int tr = 0; tr < 2; tr++) {
            uint8_t *m = malloc(w[k].len);

            /* Every truncation. */
            for (size_t n = 0; n < w[k].len; n++) {
                RPC_STATUS st = epm_raw(hs[tr], ops[k], w[k].data, n, NULL, NULL, NULL);

                ck_assert_msg(st == RPC_S_OK || st == RPC_X_BAD_STUB_DATA ||
                              st == EPT_S_CANT_PERFORM_OP || st == RPC_X_INVALID_BOUND,
                              "op %u cut at %zu: %ld", ops[k], n, (long)st);
                calls++;
                faults += st != RPC_S_OK;
            }
            /* Bit flips, a deterministic walk. */
            for (size_t b = 0; b < w[k].len * 8; b += 3) {
                RPC_STATUS st;

                memcpy(m, w[k].data, w[k].len);
                m[b / 8] ^= (uint8_t)(1u << (b % 8));
                st = epm_raw(hs[tr], ops[k], m, w[k].len, NULL, NULL, NULL);
                ck_assert_msg(st == RPC_S_OK || st == RPC_X_BAD_STUB_DATA ||
                              st == EPT_S_CANT_PERFORM_OP || st == RPC_X_INVALID_BOUND ||
                              st == RPC_X_SS_CONTEXT_MISMATCH || st == RPC_S_OUT_OF_MEMORY,
                              "op %u bit %zu: %ld", ops[k], b, (long)st);
                calls++;
            }
            free(m);
        }
        ndr_cursor_free(&w[k]);
    }
    ck_assert_uint_gt(faults, 0);
    /* An opnum beyond the interface. */
    ck_assert_int_eq(epm_raw(hs[0], 7, "", 0, NULL, NULL, NULL), RPC_S_PROCNUM_OUT_OF_RANGE);
    /* Still serving, map intact. */
    ck_assert_uint_eq(count_if(hs[0], &rpctest_syntax, 500), 2);
    RpcBindingFree(&hs[0]);
    RpcBindingFree(&hs[1]);
    (void)calls;
}
END_TEST

START_TEST(test_rpcdump_tool)
{
    char *out = NULL, port[16];
    const char *a[] = {bpath("tools/rpcdump"), "-p", port, "127.0.0.1", NULL};
    const char *b[] = {bpath("tools/rpcdump"), "ncalrpc:[epmapper]", NULL};

    snprintf(port, sizeof(port), "%u", D.port);
    ck_assert_int_eq(run(a, &out), 0);
    ck_assert_msg(strstr(out, "Interface: e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0") != NULL,
                  "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "Interface: 25b0ad95-8a83-4c70-b453-e0c202c9d616 v1.0"));
    ck_assert_ptr_nonnull(strstr(out, "Annotation: rpctest"));
    ck_assert_ptr_nonnull(strstr(out, D.tcp));
    ck_assert_ptr_nonnull(strstr(out, "4 endpoints found"));
    free(out);
    ck_assert_int_eq(run(b, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Binding: ncalrpc:[epmapper]"));
    free(out);
}
END_TEST

START_TEST(test_rpcping_tool)
{
    char *out = NULL;
    const char *a[] = {bpath("tools/rpcping"), "-c", "3", "-i", "0.05", D.tcp, NULL};
    const char *b[] = {bpath("tools/rpcping"), "-c", "1", "ncalrpc:[epmapper]", NULL};
    const char *c[] = {bpath("tools/rpcping"), "-c", "1", "-t", "2",
                       "ncacn_ip_tcp:127.0.0.1[1]", NULL};

    ck_assert_int_eq(run(a, &out), 0);
    ck_assert_msg(strstr(out, "3 pings, 3 answered") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0"));
    ck_assert_ptr_nonnull(strstr(out, "25b0ad95-8a83-4c70-b453-e0c202c9d616 v1.0"));
    free(out);
    ck_assert_int_eq(run(b, &out), 0);
    free(out);
    ck_assert_int_eq(run(c, &out), 1);
    free(out);
}
END_TEST

/* SIGHUP loads a module the configuration now names; a broken file is
 * reported and changes nothing. */
START_TEST(test_sighup_reload)
{
    char text[4200];
    RPC_BINDING_HANDLE h;

    rpcd_spawn(&D, "log-level info\n", NULL, 1);
    h = bind_tcp();
    ck_assert_uint_eq(count_if(h, &rpctest_syntax, 500), 0);
    write_text(D.conf, "log-level info\nbogus directive\n");
    kill(D.pid, SIGHUP);
    ck_assert(rpcd_log_has(&D, "keeping the running configuration", 10000));
    snprintf(text, sizeof(text), "log-level info\nmodule %s\n",
             bpath("examples/.libs/rpctest.so"));
    write_text(D.conf, text);
    kill(D.pid, SIGHUP);
    ck_assert(rpcd_log_has(&D, "reloaded: 1 module", 10000));
    ck_assert_uint_eq(count_if(h, &rpctest_syntax, 500), 2);
    /* Again: nothing new, nothing lost. */
    kill(D.pid, SIGHUP);
    ck_assert(rpcd_log_has(&D, "module rpctest loaded", 100));
    usleep(300000);
    ck_assert_uint_eq(count_if(h, &rpctest_syntax, 500), 2);
    RpcBindingFree(&h);
}
END_TEST

/* SIGTERM while a call runs: the call finishes, rpcd exits 0; SIGINT
 * too; a call longer than shutdown-timeout is cut, rpcd still exits 0
 * within the deadline. */
struct sleeper {
    unsigned ms;
    RPC_STATUS st;
};

static void *
sleeper_main(void *arg)
{
    struct sleeper *s = arg;
    RPC_BINDING_HANDLE h = bind_tcp();
    int32_t ret;

    s->st = rpctest_sleep(h, s->ms, &ret);
    RpcBindingFree(&h);
    return NULL;
}

/* rpctest's GetStats says n calls run (GetStats itself included). */
static void
wait_running(unsigned n)
{
    RPC_BINDING_HANDLE h = bind_tcp();
    double until = now_ms() + 15000;
    rpctest_stats s;

    for (;;) {
        ck_assert_int_eq(rpctest_get_stats(h, &s), RPC_S_OK);
        if (s.current_calls >= n + 1)
            break;
        ck_assert_msg(now_ms() < until, "the call did not start");
        usleep(20000);
    }
    RpcBindingFree(&h);
}

START_TEST(test_sigterm_waits_for_calls)
{
    struct sleeper s = {1000, -1};
    pthread_t t;
    double t0;
    int st;

    rpcd_spawn(&D, NULL, NULL, 0);
    ck_assert_int_eq(pthread_create(&t, NULL, sleeper_main, &s), 0);
    wait_running(1);
    t0 = now_ms();
    st = rpcd_stop(&D, _i == 0 ? SIGTERM : SIGINT, 20000);
    pthread_join(t, NULL);
    ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
    ck_assert_int_eq(s.st, RPC_S_OK);      /* the call was answered */
    ck_assert(now_ms() - t0 < 10000);
}
END_TEST

START_TEST(test_shutdown_timeout)
{
    struct sleeper s = {8000, -1};
    pthread_t t;
    double t0;
    int st;

    rpcd_spawn(&D, "shutdown-timeout 1\n", NULL, 0);
    ck_assert_int_eq(pthread_create(&t, NULL, sleeper_main, &s), 0);
    wait_running(1);
    t0 = now_ms();
    st = rpcd_stop(&D, SIGTERM, 20000);
    ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
    ck_assert_msg(now_ms() - t0 < 5000, "took %.0f ms", now_ms() - t0);
    pthread_join(t, NULL);
    ck_assert_int_ne(s.st, RPC_S_OK);      /* cut */
}
END_TEST

/* A client that reached rpcd over IPv6 gets 0.0.0.0 in its towers: no
 * IPv6 floor exists (proto/tower.c; MS-RPCE 2.1.1.1 allows 0.0.0.0), and
 * the client keeps the address it used. */
START_TEST(test_ipv6_towers)
{
    static const char *const a[] = {"--listen", "ncacn_ip_tcp:::1[0]", NULL};
    struct sockaddr_in6 s6;
    struct epm_lookup_resp resp;
    struct epm_map_resp mr;
    struct rpc_tower t;
    RPC_BINDING_HANDLE h;
    uint8_t *buf = NULL, zero[4] = {0};
    char sb[64], *out, *p;
    unsigned port6, tcp = 0;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);

    memset(&s6, 0, sizeof(s6));
    s6.sin6_family = AF_INET6;
    s6.sin6_addr = in6addr_loopback;
    if (fd < 0 || bind(fd, (struct sockaddr *)&s6, sizeof(s6)) != 0) {
        fprintf(stderr, "test_ipv6_towers: no IPv6 loopback here, skipped\n");
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
    rpcd_spawn(&D, NULL, a, 0);
    out = read_text(D.out);
    /* The string binding escapes the address's colons. */
    ck_assert_ptr_nonnull(p = strstr(out, "listening ncacn_ip_tcp:\\:\\:1["));
    port6 = (unsigned)atoi(strchr(p, '[') + 1);
    free(out);
    ck_assert_uint_gt(port6, 0);
    snprintf(sb, sizeof(sb), "ncacn_ip_tcp:::1[%u]", port6);
    h = bind_to(sb);
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 500, &resp, &buf),
                     RPC_S_OK);
    ck_assert_uint_eq(resp.num_ents, 6);    /* EPM, rpctest x 2 TCP + ncalrpc */
    for (uint32_t i = 0; i < resp.num_ents; i++) {
        ck_assert_int_eq(proto_tower_decode(resp.entries[i].tower.octets,
                                            resp.entries[i].tower.len, &t), 0);
        if (t.protseq != RPC_PROTSEQ_NCACN_IP_TCP)
            continue;
        tcp++;
        ck_assert_int_eq(memcmp(t.addr, zero, 4), 0);
        ck_assert(t.port == port6 || t.port == D.port);
    }
    ck_assert_uint_eq(tcp, 4);
    epm_lookup_resp_clear(&resp);
    free(buf);
    tower_for(&t, &rpctest_syntax, RPC_PROTSEQ_NCACN_IP_TCP, 0, NULL);
    ck_assert_int_eq(map(h, NULL, &t, NULL, 4, &mr, &buf), RPC_S_OK);
    ck_assert_uint_eq(mr.num_towers, 2);
    epm_map_resp_clear(&mr);
    free(buf);
    RpcBindingFree(&h);
}
END_TEST

/* As root: rpcd started by an ordinary user (65534) keeps its ids and
 * puts its ncalrpc endpoint in that user's socket directory
 * (/tmp/rpcrt-UID without XDG_RUNTIME_DIR), where RpcEpRegister of that
 * user finds it.  (Run as non-root, every other test here is such a
 * run.) */
START_TEST(test_non_root_run)
{
    char out[] = "/tmp/rpcrt-nonroot-XXXXXX", sock[64], *text = NULL;
    const char *real = bpath("daemon/.libs/rpcd");
    struct epm_lookup_resp resp;
    RPC_BINDING_HANDLE h;
    struct stat st;
    uint8_t *buf = NULL;
    double until;
    pid_t pid;
    int fd, status;

    if (geteuid() != 0) {
        fprintf(stderr, "test_non_root_run: not root; the other tests are non-root runs\n");
        return;
    }
    /* The libtool wrapper would stay in between (and take the signal). */
    if (access(real, X_OK) != 0)
        real = bpath("daemon/rpcd");
    fd = mkstemp(out);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fchmod(fd, 0666), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        gid_t g = 65534;
        const char *argv[] = {real, "-d", "-f", "/dev/null", "--listen",
                              "ncacn_ip_tcp:127.0.0.1[0]", NULL};

        dup2(fd, 1);
        dup2(fd, 2);
        unsetenv("RPCRT_LRPC_DIR");
        unsetenv("XDG_RUNTIME_DIR");
        if (setgroups(1, &g) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(90);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(fd);
    until = now_ms() + 20000;
    for (;;) {
        text = read_text(out);
        if (strstr(text, "listening ncalrpc:[epmapper]") != NULL)
            break;
        free(text);
        ck_assert_msg(now_ms() < until, "rpcd as 65534 did not start");
        usleep(20000);
    }
    ck_assert_ptr_null(strstr(text, "running as"));   /* no drop to do */
    free(text);
    snprintf(sock, sizeof(sock), "/tmp/rpcrt-65534/epmapper");
    ck_assert_int_eq(lstat(sock, &st), 0);
    ck_assert_uint_eq(st.st_uid, 65534);
    setenv("RPCRT_LRPC_DIR", "/tmp/rpcrt-65534", 1);
    h = bind_lrpc();
    ck_assert_int_eq(lookup(h, EPM_INQ_ALL_ELTS, NULL, NULL, 0, NULL, 10, &resp, &buf),
                     RPC_S_OK);
    ck_assert_uint_eq(resp.num_ents, 2);     /* the EPM on TCP and ncalrpc */
    epm_lookup_resp_clear(&resp);
    free(buf);
    RpcBindingFree(&h);
    kill(pid, SIGTERM);
    status = reap(pid, 15000);
    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "status 0x%x", status);
    ck_assert_int_ne(lstat(sock, &st), 0);   /* its socket is gone */
    unlink(out);
}
END_TEST

static Suite *
rpcd_suite(void)
{
    Suite *s = suite_create("rpcd");
    TCase *tc;

    tc = tcase_create("hooks");
    tcase_add_checked_fixture(tc, hk_setup, hk_teardown);
    tcase_add_test(tc, test_hooks_call_info_tcp);
    tcase_add_test(tc, test_hooks_call_info_lrpc);
    tcase_add_test(tc, test_hooks_call_info_args);
    tcase_add_test(tc, test_hooks_close_handler);
    tcase_add_test(tc, test_hooks_close_after_calls);
    tcase_add_test(tc, test_hooks_close_at_shutdown);
    suite_add_tcase(s, tc);

    tc = tcase_create("conf");
    tcase_add_test(tc, test_conf_good);
    tcase_add_test(tc, test_conf_errors);
    tcase_add_test(tc, test_rpcd_exit_codes);
    tcase_add_test(tc, test_rpcd_start_failure);
    tcase_add_test(tc, test_rpcd_daemon_pidfile);
    suite_add_tcase(s, tc);

    tc = tcase_create("epm");
    tcase_add_checked_fixture(tc, epm_setup, epm_teardown);
    tcase_add_test(tc, test_lookup_all);
    tcase_add_test(tc, test_lookup_paging);
    tcase_add_test(tc, test_lookup_filters);
    tcase_add_test(tc, test_map);
    tcase_add_test(tc, test_handle_free);
    tcase_add_test(tc, test_handle_limit);
    tcase_add_test(tc, test_inq_object);
    tcase_add_test(tc, test_change_remote_refused);
    tcase_add_test(tc, test_change_local);
    tcase_add_test(tc, test_uid_checks);
    tcase_add_test(tc, test_owner_exit);
    tcase_add_test(tc, test_ep_register_api);
    tcase_add_test(tc, test_500_towers);
    tcase_add_test(tc, test_rpcd_restart_registrations);
    tcase_add_test(tc, test_partial_binding_rpctest);
    tcase_add_test(tc, test_module_async_opnums);
    tcase_add_test(tc, test_server_registers);
    tcase_add_test(tc, test_malformed_stubs);
    tcase_add_test(tc, test_rpcdump_tool);
    tcase_add_test(tc, test_rpcping_tool);
    suite_add_tcase(s, tc);

    tc = tcase_create("epm-verbose");
    tcase_add_checked_fixture(tc, epm_setup_verbose, epm_teardown);
    tcase_add_test(tc, test_handle_conn_close);
    suite_add_tcase(s, tc);

    tc = tcase_create("signals");
    tcase_add_checked_fixture(tc, NULL, epm_teardown);
    tcase_add_test(tc, test_sighup_reload);
    tcase_add_loop_test(tc, test_sigterm_waits_for_calls, 0, 2);
    tcase_add_test(tc, test_shutdown_timeout);
    tcase_add_test(tc, test_ep_register_no_rpcd);
    tcase_add_test(tc, test_ipv6_towers);
    tcase_add_test(tc, test_non_root_run);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(rpcd_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
