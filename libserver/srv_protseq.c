/*
 * libserver/srv_protseq.c -- protocol sequences: the listening sockets
 * behind RpcServerUseProtseqEp / RpcServerUseProtseq /
 * RpcServerUseAllProtseqs (and rpcrt's RpcrtServerUseEndpoint).
 *
 * ncacn_ip_tcp (MS-RPCE 2.1.1.1): a TCP port on IPv4 and IPv6; a NULL,
 * empty or "0" endpoint takes a dynamic port, the same one on both
 * families.  ncalrpc (MS-RPCE 2.1.1.2 says "implementation-specific"):
 * a Unix-domain stream socket named after the endpoint in the runtime's
 * socket directory (I_RpcrtLrpcDir: $RPCRT_LRPC_DIR, /run/rpcrt for root,
 * $XDG_RUNTIME_DIR/rpcrt, /tmp/rpcrt-UID).  Endpoint names pass
 * proto_check_endpoint, so none can name a path outside that directory.
 *
 * Sockets are created, bound and listening when the call returns, so the
 * port is known at once (RpcServerInqBindings); the I/O thread accepts on
 * them only while the server listens (RpcServerListen) or an autolisten
 * interface is registered: until then the kernel's backlog holds clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "libserver/srv.h"

/* Attempts at finding a dynamic port free on both IPv4 and IPv6. */
#define DYNAMIC_PORT_TRIES 16

static RPC_STATUS
status_from_errno(int err)
{
    switch (err) {
    case EADDRINUSE:
        return RPC_S_DUPLICATE_ENDPOINT;
    case EACCES:
    case EPERM:
        return RPC_S_ACCESS_DENIED;
    case EADDRNOTAVAIL:
        return RPC_S_INVALID_NET_ADDR;
    case ENOMEM:
    case ENOBUFS:
        return RPC_S_OUT_OF_MEMORY;
    case EAFNOSUPPORT:
        return RPC_S_PROTSEQ_NOT_SUPPORTED;
    default:
        return RPC_S_CANT_CREATE_ENDPOINT;
    }
}

static struct srv_endpoint *
endpoint_new(enum rpc_protseq ps, int family, int fd)
{
    struct srv_endpoint *ep = calloc(1, sizeof(*ep));

    if (ep == NULL)
        return NULL;
    ep->protseq = ps;
    ep->family = family;
    ep->fd = fd;
    return ep;
}

/* ---- ncacn_ip_tcp ------------------------------------------------------- */

/* A listening TCP socket on sa; *port gets the bound port.  -1 and errno
 * on failure. */
static int
tcp_listen(const struct sockaddr *sa, socklen_t salen, unsigned *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd, one = 1, err;

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    /* A restarted server can take its fixed port back while old
     * connections sit in TIME_WAIT. */
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* IPv4 gets its own socket: keep the IPv6 one from claiming it. */
    if (sa->sa_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, sa, salen) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        goto fail;
    if (ss.ss_family == AF_INET)
        *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else
        *port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
fail:
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

static void
set_port(struct sockaddr_storage *ss, unsigned port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static void
numeric_addr(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    if (getnameinfo((const struct sockaddr *)ss, ss->ss_family == AF_INET ?
                    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
                    buf, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        buf[0] = '\0';
}

/* Opens the sockets; on success they are prepended to *list. */
static RPC_STATUS
tcp_use(const char *addr, const char *endpoint, struct srv_endpoint **list)
{
    struct sockaddr_storage ss[2];
    socklen_t sl[2];
    int n = 0, fds[2] = {-1, -1};
    unsigned want = 0, port = 0;
    RPC_STATUS st = RPC_S_OK;

    if (endpoint != NULL && *endpoint != '\0')
        want = (unsigned)strtoul(endpoint, NULL, 10);   /* checked: 0..65535 */

    memset(ss, 0, sizeof(ss));
    if (addr == NULL || *addr == '\0') {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss[0];
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss[1];

        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_ANY);
        sl[0] = sizeof(*s4);
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_any;
        sl[1] = sizeof(*s6);
        n = 2;
    } else {
        struct addrinfo hints, *res = NULL;

        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        if (getaddrinfo(addr, NULL, &hints, &res) != 0 || res == NULL)
            return RPC_S_INVALID_NET_ADDR;
        if (res->ai_addrlen > sizeof(ss[0])) {
            freeaddrinfo(res);
            return RPC_S_INVALID_NET_ADDR;
        }
        memcpy(&ss[0], res->ai_addr, res->ai_addrlen);
        sl[0] = res->ai_addrlen;
        freeaddrinfo(res);
        n = 1;
    }

    for (int tries = 0; tries < DYNAMIC_PORT_TRIES; tries++) {
        set_port(&ss[0], want);
        if ((fds[0] = tcp_listen((struct sockaddr *)&ss[0], sl[0], &port)) < 0) {
            /* No IPv4 at all but IPv6 may work: go on with IPv6 only. */
            if (n == 2 && errno == EAFNOSUPPORT) {
                ss[0] = ss[1];
                sl[0] = sl[1];
                n = 1;
                tries--;
                continue;
            }
            return status_from_errno(errno);
        }
        if (n == 1)
            break;
        set_port(&ss[1], port);
        if ((fds[1] = tcp_listen((struct sockaddr *)&ss[1], sl[1], &port)) >= 0)
            break;
        if (errno == EADDRINUSE && want == 0) {
            /* The dynamic port is taken on IPv6: try another. */
            close(fds[0]);
            fds[0] = -1;
            continue;
        }
        if (errno == EADDRINUSE) {
            st = RPC_S_DUPLICATE_ENDPOINT;
            close(fds[0]);
            return st;
        }
        /* No IPv6 on this host (EAFNOSUPPORT, EADDRNOTAVAIL): IPv4 only. */
        n = 1;
        break;
    }
    if (fds[0] < 0)
        return RPC_S_CANT_CREATE_ENDPOINT;

    for (int i = n - 1; i >= 0; i--) {
        struct srv_endpoint *ep = endpoint_new(RPC_PROTSEQ_NCACN_IP_TCP,
                                               ss[i].ss_family, fds[i]);
        if (ep == NULL) {
            for (int j = 0; j <= i; j++)
                close(fds[j]);
            while (*list != NULL) {          /* those made here */
                struct srv_endpoint *e = *list;
                *list = e->next;
                close(e->fd);
                free(e);
            }
            return RPC_S_OUT_OF_MEMORY;
        }
        snprintf(ep->endpoint, sizeof(ep->endpoint), "%u", port);
        if (addr == NULL || *addr == '\0')
            ep->wildcard = 1;
        else
            numeric_addr(&ss[i], ep->addr, sizeof(ep->addr));
        ep->next = *list;
        *list = ep;
    }
    return RPC_S_OK;
}

/* ---- ncalrpc ------------------------------------------------------------ */

/* Creates the socket directory if needed and checks it is ours: a real
 * directory (not a link), owned by us or root, writable by nobody else.
 * Anything else could let another user replace our socket. */
static RPC_STATUS
lrpc_dir_ready(const char *dir)
{
    struct stat st;
    /* root's directory is readable by everyone so that any user's client
     * can reach root's servers; a user's own stays private. */
    mode_t mode = geteuid() == 0 ? 0755 : 0700;

    if (mkdir(dir, mode) != 0 && errno != EEXIST)
        return status_from_errno(errno);
    if (lstat(dir, &st) != 0)
        return RPC_S_CANT_CREATE_ENDPOINT;
    if (!S_ISDIR(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        srv_log(RPCRT_LOG_ERR, "ncalrpc directory %s: not a private directory", dir);
        return RPC_S_ACCESS_DENIED;
    }
    return RPC_S_OK;
}

/* A socket file left by a server that died: replaced only when nobody
 * accepts on it. */
static RPC_STATUS
lrpc_clear_stale(const char *path)
{
    struct sockaddr_un sun;
    struct stat st;
    int fd, r, err;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? RPC_S_OK : RPC_S_CANT_CREATE_ENDPOINT;
    if (!S_ISSOCK(st.st_mode))
        return RPC_S_DUPLICATE_ENDPOINT;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return RPC_S_CANT_CREATE_ENDPOINT;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
    err = errno;
    close(fd);
    if (r == 0)
        return RPC_S_DUPLICATE_ENDPOINT;     /* alive */
    if (err != ECONNREFUSED)
        return RPC_S_DUPLICATE_ENDPOINT;
    if (unlink(path) != 0 && errno != ENOENT)
        return RPC_S_CANT_CREATE_ENDPOINT;
    return RPC_S_OK;
}

static RPC_STATUS
lrpc_use(const char *endpoint, struct srv_endpoint **list)
{
    char dir[256], name[40], path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct sockaddr_un sun;
    struct srv_endpoint *ep;
    RPC_STATUS st;
    int fd;

    if (endpoint == NULL || *endpoint == '\0') {
        uint8_t rnd[8];

        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            return RPC_S_CANT_CREATE_ENDPOINT;
        snprintf(name, sizeof(name), "LRPC-%02x%02x%02x%02x%02x%02x%02x%02x",
                 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        endpoint = name;
    }
    if (I_RpcrtLrpcDir(dir, sizeof(dir)) == NULL ||
        I_RpcrtLrpcPath(endpoint, path, sizeof(path)) != 0)
        return RPC_S_INVALID_ENDPOINT_FORMAT;
    if ((st = lrpc_dir_ready(dir)) != RPC_S_OK ||
        (st = lrpc_clear_stale(path)) != RPC_S_OK)
        return st;

    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return status_from_errno(errno);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        st = status_from_errno(errno);
        close(fd);
        return st;
    }
    /* Who may connect is decided by the directory's permissions (the
     * SecurityDescriptor argument has no POSIX meaning here). */
    (void)chmod(path, 0666);
    if (listen(fd, SOMAXCONN) != 0) {
        st = status_from_errno(errno);
        unlink(path);
        close(fd);
        return st;
    }
    if ((ep = endpoint_new(RPC_PROTSEQ_NCALRPC, AF_UNIX, fd)) == NULL) {
        unlink(path);
        close(fd);
        return RPC_S_OUT_OF_MEMORY;
    }
    snprintf(ep->endpoint, sizeof(ep->endpoint), "%s", endpoint);
    snprintf(ep->path, sizeof(ep->path), "%s", path);
    ep->next = *list;
    *list = ep;
    return RPC_S_OK;
}

/* ---- common ------------------------------------------------------------- */

/* An endpoint already open for this protseq, address and (fixed)
 * endpoint: using it again is not an error. */
static struct srv_endpoint *
find_locked(enum rpc_protseq ps, const char *addr, const char *endpoint)
{
    if (endpoint == NULL || *endpoint == '\0' ||
        (ps == RPC_PROTSEQ_NCACN_IP_TCP && strtoul(endpoint, NULL, 10) == 0))
        return NULL;
    for (struct srv_endpoint *ep = srv.eps; ep != NULL; ep = ep->next) {
        if (ep->protseq != ps || strcmp(ep->endpoint, endpoint) != 0)
            continue;
        if (ps == RPC_PROTSEQ_NCALRPC)
            return ep;
        if ((addr == NULL || *addr == '\0') ? ep->wildcard
                                            : strcmp(ep->addr, addr) == 0)
            return ep;
    }
    return NULL;
}

RPC_STATUS
srv_protseq_use(enum rpc_protseq ps, const char *addr, const char *endpoint,
                struct srv_endpoint **first)
{
    struct srv_endpoint *made = NULL, *last;
    RPC_STATUS st;

    if ((st = proto_check_netaddr(ps, addr)) != RPC_S_OK ||
        (st = proto_check_endpoint(ps, endpoint)) != RPC_S_OK)
        return st;
    srv_if_ensure_builtin();

    pthread_mutex_lock(&srv.lock);
    if ((last = find_locked(ps, addr, endpoint)) != NULL) {
        if (first != NULL)
            *first = last;
        pthread_mutex_unlock(&srv.lock);
        return RPC_S_OK;
    }
    pthread_mutex_unlock(&srv.lock);

    /* Sockets are made without the lock: getaddrinfo may block. */
    if (ps == RPC_PROTSEQ_NCACN_IP_TCP)
        st = tcp_use(addr, endpoint, &made);
    else
        st = lrpc_use(endpoint, &made);
    if (st != RPC_S_OK)
        return st;

    pthread_mutex_lock(&srv.lock);
    if ((st = srv_io_start_locked()) != RPC_S_OK) {
        pthread_mutex_unlock(&srv.lock);
        while (made != NULL) {
            struct srv_endpoint *e = made;
            made = e->next;
            close(e->fd);
            if (e->path[0] != '\0')
                unlink(e->path);
            free(e);
        }
        return st;
    }
    if (first != NULL)
        *first = made;
    for (last = made; last->next != NULL; last = last->next)
        ;
    last->next = srv.eps;
    srv.eps = made;
    srv_io_kick_locked(SRV_KICK_SYNC);
    pthread_mutex_unlock(&srv.lock);
    return RPC_S_OK;
}

void
srv_protseq_free_all(void)
{
    struct srv_endpoint *ep;

    pthread_mutex_lock(&srv.lock);
    ep = srv.eps;
    srv.eps = NULL;
    pthread_mutex_unlock(&srv.lock);
    while (ep != NULL) {
        struct srv_endpoint *next = ep->next;
        if (ep->fd >= 0)
            close(ep->fd);
        if (ep->path[0] != '\0')
            unlink(ep->path);
        free(ep);
        ep = next;
    }
}

RPC_STATUS
srv_protseq_string(const struct srv_endpoint *ep, const char *addr, char **out)
{
    struct rpc_strbinding b;
    char empty[1] = "";

    memset(&b, 0, sizeof(b));

    b.protseq = (char *)(uintptr_t)proto_protseq_name(ep->protseq);
    if (addr != NULL)
        b.netaddr = (char *)(uintptr_t)addr;
    else if (ep->protseq == RPC_PROTSEQ_NCACN_IP_TCP && !ep->wildcard)
        b.netaddr = (char *)(uintptr_t)ep->addr;
    else
        b.netaddr = empty;
    b.endpoint = (char *)(uintptr_t)ep->endpoint;
    return proto_strbinding_compose(&b, out);
}

/* ---- API ---------------------------------------------------------------- */

static RPC_STATUS
protseq_of(RPC_CSTR Protseq, enum rpc_protseq *ps)
{
    if (Protseq == NULL)
        return RPC_S_INVALID_RPC_PROTSEQ;
    *ps = proto_protseq_from_name((const char *)Protseq);
    return *ps == RPC_PROTSEQ_UNKNOWN ? RPC_S_PROTSEQ_NOT_SUPPORTED : RPC_S_OK;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerUseProtseqEpA(RPC_CSTR Protseq, unsigned int MaxCalls,
                       RPC_CSTR Endpoint, void *SecurityDescriptor)
{
    enum rpc_protseq ps;
    RPC_STATUS st;

    /* MaxCalls is a backlog hint on Windows; the kernel's SOMAXCONN
     * decides here.  SecurityDescriptor: see lrpc_use(). */
    (void)MaxCalls;
    (void)SecurityDescriptor;
    if ((st = protseq_of(Protseq, &ps)) != RPC_S_OK)
        return st;
    return srv_protseq_use(ps, NULL, (const char *)Endpoint, NULL);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerUseProtseqA(RPC_CSTR Protseq, unsigned int MaxCalls,
                     void *SecurityDescriptor)
{
    return RpcServerUseProtseqEpA(Protseq, MaxCalls, NULL, SecurityDescriptor);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerUseAllProtseqs(unsigned int MaxCalls, void *SecurityDescriptor)
{
    RPC_STATUS st;

    (void)MaxCalls;
    (void)SecurityDescriptor;
    if ((st = srv_protseq_use(RPC_PROTSEQ_NCACN_IP_TCP, NULL, NULL, NULL)) != RPC_S_OK)
        return st;
    return srv_protseq_use(RPC_PROTSEQ_NCALRPC, NULL, NULL, NULL);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtServerUseEndpoint(RPC_CSTR StringBinding, unsigned int MaxCalls,
                       RPC_CSTR *Actual)
{
    struct rpc_strbinding b;
    struct srv_endpoint *ep = NULL;
    enum rpc_protseq ps;
    char *s = NULL;
    RPC_STATUS st;

    (void)MaxCalls;
    if (Actual != NULL)
        *Actual = NULL;
    if (StringBinding == NULL)
        return RPC_S_INVALID_STRING_BINDING;
    if ((st = proto_strbinding_parse((const char *)StringBinding, &b)) != RPC_S_OK)
        return st;
    if ((ps = proto_protseq_from_name(b.protseq)) == RPC_PROTSEQ_UNKNOWN) {
        proto_strbinding_clear(&b);
        return RPC_S_PROTSEQ_NOT_SUPPORTED;
    }
    st = srv_protseq_use(ps, b.netaddr, b.endpoint, &ep);
    proto_strbinding_clear(&b);
    if (st == RPC_S_OK && Actual != NULL) {
        if ((st = srv_protseq_string(ep, NULL, &s)) == RPC_S_OK)
            *Actual = (RPC_CSTR)s;
    }
    return st;
}
