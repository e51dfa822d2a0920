/*
 * tests/fuzz/fuzz_reply.c -- fuzz target for the client's reply-receive
 * path (libclient: clt_call.c's receive_reply and clt_reply_take,
 * clt_conn.c's clt_conn_recv_pdu, clt_conn_recv_window and
 * clt_conn_recv_direct, which reads a large reply's predicted fragments
 * straight into the reply buffer), fed arbitrary replies over a real
 * connection by a fake server.
 *
 * Once per process a fake server starts: a thread listening on a unix
 * socket (ncalrpc) in a fresh directory and on TCP 127.0.0.1 port 0,
 * removed at exit.  Per input the client (librpcrt-client, in this
 * process) makes one call -- opnum 0 of rpctest's interface
 * (rpctest_client_if), through I_RpcGetBuffer / I_RpcSendReceive -- on a
 * fresh binding, so on a fresh connection.  The fake server answers the
 * bind with a valid bind_ack, reads the whole request (every fragment up
 * to PFC_LAST_FRAG), then writes the input's reply stream, shuts down its
 * write side and reads until the client closes.
 *
 * An input is two control bytes, then the reply stream:
 *   byte 0  bits 0-1: the bind_ack's max_xmit_frag (the largest fragment
 *                     the client then accepts): 5840, 65535, 16384, 4280;
 *           bit 2:    TCP instead of ncalrpc (TCP waits for the reply in
 *                     a blocking recv first: clt_conn_recv_window);
 *           bit 3:    patch only the call_ids that are 0 (else all), so
 *                     that replies of other calls are reachable;
 *           bit 4:    accept keep-connection-on-orphan in the bind_ack;
 *           bit 5:    a request of 12000 bytes (several fragments)
 *                     instead of 16;
 *           bit 6:    the reply's stub bytes from INTO_OFF on, INTO_LEN
 *                     of them, received into memory of the caller's
 *                     (RpcrtBufferReceiveInto), the in-place reads
 *                     included.
 *   byte 1  0: the stream in one write; else bits 0-6 (n) the size of
 *           each write -- n for n <= 32, (n - 32) * 509 above, so that
 *           headers arrive split at every offset -- and bit 7, over
 *           ncalrpc, lockstep: each write waits until the client has
 *           read the one before (SIOCOUTQ), so the client's reads see
 *           exactly those pieces.
 *   the rest: the reply stream.  The server overwrites the call_id
 *           (bytes 12-15, in the order drep says) of every PDU it can
 *           frame by frag_length with the request's call_id.
 *
 * Findings: anything the sanitizers see; a call that does not end (the
 * server waits FUZZ_REPLY_DEADLINE_MS for the client to close); and a
 * status or reply other than the one the client's PDU-by-PDU path gives
 * for this stream, computed here with the codec (expect_reply: the
 * response fragments of the call from PFC_FIRST_FRAG to PFC_LAST_FRAG,
 * their stubs concatenated; a fault's status; protocol and framing
 * errors).  The direct path must read exactly what that path would.
 * With bit 6, the reply is what the message's buffer has outside the
 * range and the caller's memory has inside it (as far as the reply
 * goes).
 *
 * (It found that the in-place reads took fragments whose drep bytes 2
 * and 3 were not 0, which rpc_pdu_verify refuses; fixed in direct_hdr_ok,
 * and the seed corpus/reply/regress_drep23_in_place keeps it so.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "examples/rpctest_client.h"
#include "tests/fuzz/fuzz.h"

/* How long any one step of an input may take: generous, for a loaded
 * machine under sanitizers. */
#define FUZZ_REPLY_DEADLINE_MS 20000
/* Lockstep: how long a write waits for the client to read the one
 * before (it may have stopped reading: its call is over). */
#define LOCKSTEP_MAX_MS 50
/* At most this many writes per input: tiny pieces of a large stream are
 * made larger. */
#define MAX_WRITES 20000

#define CTL_FRAG_MASK  0x03
#define CTL_TCP        0x04
#define CTL_PATCH_ZERO 0x08
#define CTL_KEEP_CONN  0x10
#define CTL_BIG_REQ    0x20
#define CTL_INTO       0x40

#define INTO_OFF 5
#define INTO_LEN (150u * 1024)
#define CHUNK_LOCKSTEP 0x80

static const uint16_t frag_sizes[4] = {5840, 65535, 16384, 4280};

/* The client calls rpctest's interface (rpctest_client_if,
 * examples/rpctest_client.c) through I_RpcSendReceive. */

/* ---- the fake server ---------------------------------------------------- */

struct job {
    const uint8_t *data;        /* the input */
    size_t size;
    uint8_t *stream;            /* the reply as written (call_ids patched) */
    size_t stream_len;
    uint32_t call_id;           /* the request's */
};

static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cond = PTHREAD_COND_INITIALIZER;
static struct job *job_cur;     /* set: the server's to serve */
static int job_done;

static int unix_lfd = -1, tcp_lfd = -1;
static unsigned tcp_port;
static char srv_dir[64];
static char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

#define EP_NAME "fuzzreply"

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
ms_left(double deadline)
{
    double left = deadline - now_ms();

    return left <= 0 ? 0 : (int)left + 1;
}

/* Waits for events on fd until deadline; revents, 0 at the deadline. */
static short
wait_for(int fd, short events, double deadline)
{
    for (;;) {
        struct pollfd pfd = {fd, events, 0};
        int left = ms_left(deadline), r;

        if (left == 0)
            return 0;
        r = poll(&pfd, 1, left);
        if (r > 0)
            return pfd.revents;
        if (r < 0 && errno != EINTR)
            return POLLERR;
    }
}

/* n bytes into buf: 0, or -1 at EOF or an error. */
static int
read_full(int fd, uint8_t *buf, size_t n, double deadline)
{
    size_t off = 0;

    while (off < n) {
        ssize_t r = recv(fd, buf + off, n - off, MSG_DONTWAIT);

        if (r > 0) {
            off += (size_t)r;
            continue;
        }
        if (r == 0)
            return -1;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        if (wait_for(fd, POLLIN, deadline) == 0)
            fuzz_fail(__FILE__, __LINE__, "the client stopped sending its call");
    }
    return 0;
}

/* One PDU of the client's, parsed.  A client that sends something this
 * cannot read is a finding too. */
static void
read_pdu(int fd, uint8_t *buf, size_t cap, struct rpc_pdu *p, double deadline)
{
    uint16_t fl;

    if (read_full(fd, buf, RPC_HDR_LEN, deadline) != 0 ||
        rpc_peek_frag_length(buf, RPC_HDR_LEN, &fl) != 0 || fl < RPC_HDR_LEN ||
        fl > cap || read_full(fd, buf + RPC_HDR_LEN, fl - RPC_HDR_LEN, deadline) != 0 ||
        rpc_pdu_parse(buf, fl, p) != 0)
        fuzz_fail(__FILE__, __LINE__, "the client's bind or request does not parse");
}

/* Writes n bytes; 0, or -1 once the client has closed. */
static int
write_all(int fd, const uint8_t *b, size_t n, double deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        short ev;

        if (w > 0) {
            b += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        if ((ev = wait_for(fd, POLLOUT, deadline)) == 0)
            fuzz_fail(__FILE__, __LINE__, "the client stopped reading its reply");
        if (ev & (POLLERR | POLLHUP))
            return -1;
    }
    return 0;
}

static void
send_pdu(int fd, struct rpc_pdu *p, double deadline)
{
    struct ndr_cursor c;

    if (ndr_init_write(&c, 256, DREP_LE) != 0 || rpc_pdu_encode(p, &c) != 0)
        fuzz_fail(__FILE__, __LINE__, "cannot encode the bind_ack");
    (void)write_all(fd, c.data, c.len, deadline);
    ndr_cursor_free(&c);
}

/* The input's stream with the request's call_id patched in. */
static void
make_stream(struct job *j, uint32_t call_id)
{
    size_t len = j->size - 2, off = 0;
    uint8_t *s = malloc(len > 0 ? len : 1);
    int only_zero = (j->data[0] & CTL_PATCH_ZERO) != 0;

    if (s == NULL)
        fuzz_fail(__FILE__, __LINE__, "out of memory");
    memcpy(s, j->data + 2, len);
    while (off <= len && len - off >= RPC_HDR_LEN) {
        uint16_t fl;
        int le = drep_is_le(s[off + 4]);

        if (rpc_peek_frag_length(s + off, len - off, &fl) != 0)
            break;
        if (!only_zero || ndr_load(s + off + 12, 4, le) == 0)
            ndr_store(s + off + 12, 4, call_id, le);
        if (fl < RPC_HDR_LEN)
            break;
        off += fl;
    }
    j->stream = s;
    j->stream_len = len;
    j->call_id = call_id;
}

/* Waits until the client has read everything written (unix sockets:
 * SIOCOUTQ counts what the peer has not read yet), for a while. */
static void
lockstep(int fd)
{
    double until = now_ms() + LOCKSTEP_MAX_MS;
    int queued;

    while (ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0 && now_ms() < until)
        sched_yield();
}

static void
serve(struct job *j)
{
    static uint8_t buf[65536];
    double deadline = now_ms() + FUZZ_REPLY_DEADLINE_MS;
    uint8_t c0 = j->data[0], c1 = j->data[1];
    int tcp = (c0 & CTL_TCP) != 0, lfd = tcp ? tcp_lfd : unix_lfd, fd, open_read = 1;
    struct rpc_result res[2];
    struct rpc_pdu p;
    uint32_t call_id;
    size_t chunk, off = 0;

    if (wait_for(lfd, POLLIN, deadline) == 0)
        fuzz_fail(__FILE__, __LINE__, "the client did not connect");
    if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0)
        fuzz_fail(__FILE__, __LINE__, "accept");

    /* The bind: accepted with NDR 2.0, the features as byte 0 says. */
    read_pdu(fd, buf, sizeof(buf), &p, deadline);
    if (p.hdr.ptype != PTYPE_BIND || p.u.bind.n_ctx < 1)
        fuzz_fail(__FILE__, __LINE__, "the client's first PDU is not a bind");
    call_id = p.hdr.call_id;
    memset(res, 0, sizeof(res));
    res[0].result = P_CONT_ACCEPTANCE;
    res[0].xfer = rpc_ndr20_syntax;
    if (c0 & CTL_KEEP_CONN) {
        res[1].result = P_CONT_NEGOTIATE_ACK;
        res[1].reason = BTFN_KEEP_CONNECTION_ON_ORPHAN;
    } else {
        res[1].result = P_CONT_PROVIDER_REJECTION;
        res[1].reason = P_REASON_PROPOSED_TS_NOT_SUPPORTED;
    }
    {
        uint8_t n_res = p.u.bind.n_ctx > 2 ? 2 : p.u.bind.n_ctx;

        rpc_pdu_clear(&p);
        rpc_pdu_init(&p, PTYPE_BIND_ACK, call_id);
        p.u.bind_ack.max_xmit_frag = frag_sizes[c0 & CTL_FRAG_MASK];
        p.u.bind_ack.max_recv_frag = frag_sizes[c0 & CTL_FRAG_MASK];
        p.u.bind_ack.assoc_group_id = 0x5150;
        p.u.bind_ack.n_results = n_res;
        p.u.bind_ack.results = res;
        send_pdu(fd, &p, deadline);
    }

    /* The request, every fragment of it. */
    for (;;) {
        int last;

        read_pdu(fd, buf, sizeof(buf), &p, deadline);
        if (p.hdr.ptype != PTYPE_REQUEST)
            fuzz_fail(__FILE__, __LINE__, "the client sent no request");
        call_id = p.hdr.call_id;
        last = (p.hdr.pfc_flags & PFC_LAST_FRAG) != 0;
        rpc_pdu_clear(&p);
        if (last)
            break;
    }

    /* The reply, in the pieces byte 1 asks for. */
    make_stream(j, call_id);
    chunk = (c1 & 0x7f) == 0 ? j->stream_len
            : (c1 & 0x7f) <= 32 ? (size_t)(c1 & 0x7f) : (size_t)((c1 & 0x7f) - 32) * 509;
    if (chunk == 0)
        chunk = 1;
    if (j->stream_len / chunk > MAX_WRITES)
        chunk = j->stream_len / MAX_WRITES + 1;
    while (off < j->stream_len) {
        size_t n = j->stream_len - off < chunk ? j->stream_len - off : chunk;

        if (open_read)
            open_read = fuzz_drain(fd);
        if (write_all(fd, j->stream + off, n, deadline) != 0)
            break;              /* the client closed: fine */
        off += n;
        if (!tcp && (c1 & CHUNK_LOCKSTEP) && off < j->stream_len)
            lockstep(fd);
    }
    (void)shutdown(fd, SHUT_WR);
    /* The client ends its call and closes: it must, the reply is over. */
    while (open_read) {
        if (wait_for(fd, POLLIN, deadline) == 0)
            fuzz_fail(__FILE__, __LINE__, "the client's call did not end");
        open_read = fuzz_drain(fd);
    }
    close(fd);
}

static void *
server_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct job *j;

        pthread_mutex_lock(&job_lock);
        while (job_cur == NULL)
            pthread_cond_wait(&job_cond, &job_lock);
        j = job_cur;
        pthread_mutex_unlock(&job_lock);

        serve(j);

        pthread_mutex_lock(&job_lock);
        job_cur = NULL;
        job_done = 1;
        pthread_cond_broadcast(&job_cond);
        pthread_mutex_unlock(&job_lock);
    }
    return NULL;
}

static void
remove_dir(void)
{
    if (unix_path[0] != '\0')
        (void)unlink(unix_path);
    if (srv_dir[0] != '\0')
        (void)rmdir(srv_dir);
}

static void
start_server(void)
{
    struct sockaddr_un sun;
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    pthread_t t;

    signal(SIGPIPE, SIG_IGN);
    snprintf(srv_dir, sizeof(srv_dir), "/tmp/rpcrt-fuzz-reply.XXXXXX");
    if (mkdtemp(srv_dir) == NULL)
        fuzz_fail(__FILE__, __LINE__, "mkdtemp");
    atexit(remove_dir);

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", srv_dir, EP_NAME);
    if ((unix_lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(unix_lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
        fuzz_fail(__FILE__, __LINE__, "cannot create the unix socket");
    memcpy(unix_path, sun.sun_path, sizeof(unix_path));
    if (listen(unix_lfd, 16) != 0)
        fuzz_fail(__FILE__, __LINE__, "listen");

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((tcp_lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(tcp_lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        listen(tcp_lfd, 16) != 0 ||
        getsockname(tcp_lfd, (struct sockaddr *)&sin, &sl) != 0)
        fuzz_fail(__FILE__, __LINE__, "cannot listen on 127.0.0.1");
    tcp_port = ntohs(sin.sin_port);

    if (pthread_create(&t, NULL, server_main, NULL) != 0)
        fuzz_fail(__FILE__, __LINE__, "pthread_create");
    pthread_detach(t);
}

/* ---- what the client should make of the stream ---------------------------
 * clt_call.c's PDU-by-PDU path, written out: frame by frag_length
 * (clt_conn_recv_pdu), parse (rpc_pdu_parse), take (clt_reply_take). */

struct expect {
    RPC_STATUS st;
    uint8_t *buf;               /* the reply when st == RPC_S_OK */
    size_t len;
    uint32_t drep;
};

static int
append(struct expect *e, size_t *cap, const uint8_t *p, size_t n)
{
    if (e->len + n > *cap) {
        size_t want = *cap ? *cap : 4096;
        uint8_t *nb;

        while (want < e->len + n)
            want *= 2;
        if ((nb = realloc(e->buf, want)) == NULL)
            return -1;
        e->buf = nb;
        *cap = want;
    }
    if (n > 0)
        memcpy(e->buf + e->len, p, n);
    e->len += n;
    return 0;
}

static void
expect_reply(const uint8_t *s, size_t len, uint32_t call_id, uint16_t limit,
             struct expect *e)
{
    size_t pos = 0, cap = 0;
    int started = 0;

    memset(e, 0, sizeof(*e));
    for (;;) {
        struct rpc_pdu p;
        uint16_t fl;
        int r, last;

        if (len - pos < RPC_HDR_LEN) {
            e->st = RPC_S_CALL_FAILED;          /* EOF */
            return;
        }
        if (rpc_peek_frag_length(s + pos, len - pos, &fl) != 0 || fl < RPC_HDR_LEN ||
            (fl > limit && fl > RPC_DEFAULT_FRAG_SIZE) || fl > len - pos) {
            e->st = RPC_S_CALL_FAILED;          /* framing, or EOF */
            return;
        }
        r = rpc_pdu_parse(s + pos, fl, &p);
        if (r != 0) {
            e->st = RPC_S_PROTOCOL_ERROR;
            return;
        }
        pos += fl;
        if (p.hdr.call_id != call_id &&
            (p.hdr.ptype == PTYPE_RESPONSE || p.hdr.ptype == PTYPE_FAULT)) {
            rpc_pdu_clear(&p);
            continue;                           /* another call's */
        }
        switch (p.hdr.ptype) {
        case PTYPE_RESPONSE:
            if (!started && !(p.hdr.pfc_flags & PFC_FIRST_FRAG)) {
                e->st = RPC_S_PROTOCOL_ERROR;
                return;
            }
            if (!started)
                e->drep = (uint32_t)p.hdr.drep[0] | (uint32_t)p.hdr.drep[1] << 8 |
                          (uint32_t)p.hdr.drep[2] << 16 | (uint32_t)p.hdr.drep[3] << 24;
            started = 1;
            if (append(e, &cap, p.u.response.stub, p.u.response.stub_len) != 0)
                fuzz_fail(__FILE__, __LINE__, "out of memory");
            last = (p.hdr.pfc_flags & PFC_LAST_FRAG) != 0;
            if (last) {
                e->st = RPC_S_OK;
                return;
            }
            break;
        case PTYPE_FAULT: {
            uint32_t nca = p.u.fault.status;

            if (nca == 0 && p.u.fault.stub_len >= 4)
                nca = (uint32_t)ndr_load(p.u.fault.stub, 4, drep_is_le(p.hdr.drep[0]));
            e->st = proto_status_from_nca(nca);
            if (e->st == RPC_S_OK)
                e->st = RPC_S_CALL_FAILED;
            return;
        }
        case PTYPE_SHUTDOWN:
            rpc_pdu_clear(&p);
            break;
        default:
            rpc_pdu_clear(&p);
            e->st = RPC_S_PROTOCOL_ERROR;
            return;
        }
    }
}

static int
matches(const struct expect *e, RPC_STATUS st, const uint8_t *buf, size_t len,
        uint32_t drep)
{
    if (st != e->st)
        return 0;
    if (st != RPC_S_OK)
        return 1;
    return len == e->len && drep == e->drep && (len == 0 || memcmp(buf, e->buf, len) == 0);
}

/* ---- one input ---------------------------------------------------------- */

int
FUZZ_ENTRY(reply)(const uint8_t *data, size_t size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct job j;
    RPC_BINDING_HANDLE h = NULL;
    RPC_MESSAGE m;
    RPC_STATUS st;
    char sb[96];
    const char *dir;
    uint8_t *got = NULL, *into = NULL;
    size_t got_len = 0, req_len;
    uint32_t got_drep = 0;
    double deadline;

    pthread_once(&once, start_server);
    if (size < 2)
        return 0;

    if (data[0] & CTL_TCP) {
        snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%u]", tcp_port);
    } else {
        /* The client finds ncalrpc sockets in $RPCRT_LRPC_DIR; another
         * target in the same process (fuzz_smoke) may have set it. */
        dir = getenv("RPCRT_LRPC_DIR");
        if ((dir == NULL || strcmp(dir, srv_dir) != 0) &&
            setenv("RPCRT_LRPC_DIR", srv_dir, 1) != 0)
            fuzz_fail(__FILE__, __LINE__, "setenv");
        snprintf(sb, sizeof(sb), "ncalrpc:[" EP_NAME "]");
    }
    if (RpcBindingFromStringBindingA((RPC_CSTR)sb, &h) != RPC_S_OK)
        fuzz_fail(__FILE__, __LINE__, "RpcBindingFromStringBinding");

    memset(&j, 0, sizeof(j));
    j.data = data;
    j.size = size;
    pthread_mutex_lock(&job_lock);
    job_cur = &j;
    job_done = 0;
    pthread_cond_broadcast(&job_cond);
    pthread_mutex_unlock(&job_lock);

    req_len = (data[0] & CTL_BIG_REQ) ? 12000 : 16;
    memset(&m, 0, sizeof(m));
    m.Handle = h;
    m.BufferLength = (unsigned int)req_len;
    m.ProcNum = 0;
    m.RpcInterfaceInformation = &rpctest_client_if;
    m.DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
    if (I_RpcGetBuffer(&m) != RPC_S_OK)
        fuzz_fail(__FILE__, __LINE__, "I_RpcGetBuffer");
    for (size_t i = 0; i < req_len; i++)
        ((uint8_t *)m.Buffer)[i] = (uint8_t)(i * 7 + 1);
    if (data[0] & CTL_INTO) {
        /* Exactly INTO_LEN bytes: ASan sees a write past them. */
        if ((into = malloc(INTO_LEN)) == NULL)
            fuzz_fail(__FILE__, __LINE__, "out of memory");
        memset(into, 0xa5, INTO_LEN);
        if (RpcrtBufferReceiveInto(&m, INTO_OFF, into, INTO_LEN) != RPC_S_OK)
            fuzz_fail(__FILE__, __LINE__, "RpcrtBufferReceiveInto");
    }
    st = I_RpcSendReceive(&m);
    if (st == RPC_S_OK) {
        /* Every byte of the reply is readable (ASan checks the copy). */
        FUZZ_CHECK(m.Buffer != NULL);
        got_len = m.BufferLength;
        got_drep = (uint32_t)m.DataRepresentation;
        FUZZ_CHECK(got_len <= size);
        if ((got = malloc(got_len > 0 ? got_len : 1)) == NULL)
            fuzz_fail(__FILE__, __LINE__, "out of memory");
        if (got_len > 0)
            memcpy(got, m.Buffer, got_len);
        if (into != NULL && got_len > INTO_OFF) {
            /* Those bytes of the reply are in the caller's memory. */
            size_t n = got_len - INTO_OFF < INTO_LEN ? got_len - INTO_OFF : INTO_LEN;

            memcpy(got + INTO_OFF, into, n);
        }
        (void)I_RpcFreeBuffer(&m);
    } else {
        FUZZ_CHECK(m.Buffer == NULL && m.BufferLength == 0);
    }
    RpcBindingFree(&h);

    /* The server is done once the client has closed. */
    deadline = now_ms() + 2.0 * FUZZ_REPLY_DEADLINE_MS;
    pthread_mutex_lock(&job_lock);
    while (!job_done) {
        struct timespec ts;

        if (ms_left(deadline) == 0) {
            pthread_mutex_unlock(&job_lock);
            fuzz_fail(__FILE__, __LINE__, "the fake server did not finish");
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&job_cond, &job_lock, &ts);
    }
    pthread_mutex_unlock(&job_lock);

    /* What the PDU-by-PDU path makes of the stream. */
    FUZZ_CHECK(j.stream != NULL);
    {
        struct expect e;
        uint16_t limit = frag_sizes[data[0] & CTL_FRAG_MASK];

        expect_reply(j.stream, j.stream_len, j.call_id, limit, &e);
        if (!matches(&e, st, got, got_len, got_drep)) {
            fprintf(stderr, "fuzz_reply: status %ld (expected %ld), %zu bytes "
                    "(expected %zu), drep %08x (expected %08x)\n",
                    (long)st, (long)e.st, got_len, e.len, (unsigned)got_drep,
                    (unsigned)e.drep);
            fuzz_fail(__FILE__, __LINE__, "the client's reply differs from "
                      "what its PDU path makes of the stream");
        }
        free(e.buf);
    }
    free(got);
    free(into);
    free(j.stream);
    return 0;
}
