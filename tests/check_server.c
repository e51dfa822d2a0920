/*
 * tests/check_server.c -- libserver on the wire: raw sockets on loopback
 * against a real examples/rpctest-server process (one per test, so each
 * test also checks that the server exits 0 -- no leak under ASan, no
 * crash), plus in-process tests of the server API.
 *
 * PDUs are built and parsed with the proto codec; nothing here trusts the
 * server's framing: every PDU read is checked by rpc_pdu_parse.  All waits
 * are bounded (seconds); ports are dynamic; no timing bound is tighter
 * than seconds.  Transport-independent tests run twice (loop index 0:
 * ncacn_ip_tcp, 1: ncalrpc).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "examples/rpctest.h"
#include "proto/proto.h"
#include "tests/tests.h"
#include "tests/testsrv.h"

#define T_TCP  0
#define T_LRPC 1

/* rpctest and mgmt abstract syntaxes. */
static const RPC_SYNTAX_IDENTIFIER rpctest_syntax = {
    {0x25b0ad95, 0x8a83, 0x4c70, {0xb4, 0x53, 0xe0, 0xc2, 0x02, 0xc9, 0xd6, 0x16}},
    {1, 0}};
static const RPC_SYNTAX_IDENTIFIER mgmt_syntax = {
    {0xafa8bd80, 0x7d8a, 0x11c9, {0xbe, 0xf4, 0x08, 0x00, 0x2b, 0x10, 0x29, 0x89}},
    {1, 0}};

enum { OP_ECHO, OP_WAIT, OP_WAIT_FAULT, OP_SLEEP, OP_STATS, OP_FAULT, OP_SELFTEST,
       OP_ASYNC_WAIT, OP_ASYNC_WAIT_ABORT };
enum { ST_STARTED, ST_COMPLETED, ST_CANCELS, ST_SLEEPS, ST_ORPHANS, ST_CURRENT };

/* ---- the server of the current test ------------------------------------- */

static struct testsrv srvp;

static void
start_with(const char *const *extra)
{
    signal(SIGPIPE, SIG_IGN);
    testsrv_start(&srvp, extra);
}

static void setup_default(void) { start_with(NULL); }

static void
setup_busy(void)
{
    static const char *const a[] = {"--max-calls", "2", NULL};
    start_with(a);
}

static void
setup_small(void)
{
    static const char *const a[] = {"--max-request", "65536", NULL};
    start_with(a);
}

static void
teardown_server(void)
{
    int st = testsrv_stop(&srvp);

    /* Exits 0 after SIGTERM: stopped cleanly (and, under ASan, leak-free). */
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "rpctest-server did not exit 0 (status 0x%x)", st);
}

/* ---- raw connections ---------------------------------------------------- */

struct rc {
    int fd;
    uint8_t *buf;
    size_t len, cap;
};

/* The part between '[' and ']' of a string binding. */
static void
endpoint_of(const char *binding, char *out, size_t size)
{
    const char *a = strchr(binding, '['), *b = strrchr(binding, ']');

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_lt((size_t)(b - a - 1), size);
    memcpy(out, a + 1, (size_t)(b - a - 1));
    out[b - a - 1] = '\0';
}

static void
rc_open(struct rc *c, int transport)
{
    char ep[128];

    memset(c, 0, sizeof(*c));
    if (transport == T_TCP) {
        struct sockaddr_in sin;
        int one = 1;

        endpoint_of(srvp.tcp, ep, sizeof(ep));
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)atoi(ep));
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(c->fd, 0);
        ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    } else {
        struct sockaddr_un sun;

        endpoint_of(srvp.lrpc, ep, sizeof(ep));
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        ck_assert_int_lt(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
                                  srvp.dir, ep), (int)sizeof(sun.sun_path));
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(c->fd, 0);
        ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    }
}

static void
rc_close(struct rc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
}

static void
rc_send(struct rc *c, const void *data, size_t n)
{
    const uint8_t *p = data;

    while (n > 0) {
        struct pollfd pfd = {c->fd, POLLOUT, 0};
        ssize_t w;

        ck_assert_msg(poll(&pfd, 1, 20000) == 1, "send timed out");
        w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        ck_assert_msg(w > 0, "send: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

/* Like rc_send, but the peer closing is not a failure. */
static int
rc_try_send(struct rc *c, const void *data, size_t n)
{
    return send(c->fd, data, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static void
rc_send_pdu(struct rc *c, struct rpc_pdu *p)
{
    struct ndr_cursor w;

    ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(p, &w), 0);
    rc_send(c, w.data, w.len);
    ndr_cursor_free(&w);
}

/* Like rc_send_pdu, but the peer closing is not a failure: 0 when sent. */
static int
rc_try_send_pdu(struct rc *c, struct rpc_pdu *p)
{
    struct ndr_cursor w;
    int r;

    ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(p, &w), 0);
    r = rc_try_send(c, w.data, w.len);
    ndr_cursor_free(&w);
    return r;
}

/* A received PDU: raw bytes (owned) and the parsed view of them. */
struct msg {
    uint8_t *raw;
    size_t len;
    struct rpc_pdu p;
};

static void
msg_free(struct msg *m)
{
    rpc_pdu_clear(&m->p);
    free(m->raw);
    memset(m, 0, sizeof(*m));
}

/* The next PDU: 1, 0 on EOF (or reset), -1 on timeout. */
static int
rc_recv(struct rc *c, struct msg *m, int timeout_ms)
{
    double deadline = tu_now_ms() + timeout_ms;

    memset(m, 0, sizeof(*m));
    for (;;) {
        uint16_t fl;

        if (c->len >= RPC_HDR_LEN) {
            ck_assert_int_eq(rpc_peek_frag_length(c->buf, c->len, &fl), 0);
            ck_assert_uint_ge(fl, RPC_HDR_LEN);
            if (c->len >= fl) {
                m->raw = malloc(fl);
                ck_assert_ptr_nonnull(m->raw);
                memcpy(m->raw, c->buf, fl);
                m->len = fl;
                memmove(c->buf, c->buf + fl, c->len - fl);
                c->len -= fl;
                ck_assert_msg(rpc_pdu_parse(m->raw, fl, &m->p) == 0,
                              "server sent a PDU that does not parse");
                return 1;
            }
        }
        int left = (int)(deadline - tu_now_ms());
        if (left <= 0)
            return -1;
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int r = poll(&pfd, 1, left);
        if (r == 0)
            return -1;
        if (c->cap - c->len < 65536) {
            c->cap = c->cap ? c->cap * 2 : 131072;
            c->buf = realloc(c->buf, c->cap);
            ck_assert_ptr_nonnull(c->buf);
        }
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        c->len += (size_t)n;
    }
}

/* The server closes the connection within timeout_ms (PDUs before the
 * close are skipped). */
static void
rc_expect_closed(struct rc *c, int timeout_ms)
{
    struct msg m;
    int r;

    while ((r = rc_recv(c, &m, timeout_ms)) == 1)
        msg_free(&m);
    ck_assert_msg(r == 0, "connection still open after %d ms", timeout_ms);
}

/* Nothing arrives within ms, and the connection stays open. */
static void
rc_expect_silence(struct rc *c, int ms)
{
    struct msg m;
    int r = rc_recv(c, &m, ms);

    if (r == 1)
        msg_free(&m);
    ck_assert_msg(r == -1, "expected silence, got %s", r == 1 ? "a PDU" : "EOF");
}

/* ---- binds -------------------------------------------------------------- */

static void
ctx_init(struct rpc_ctx_elem *e, uint16_t id, const RPC_SYNTAX_IDENTIFIER *abs,
         RPC_SYNTAX_IDENTIFIER *xfer, uint8_t n_xfer)
{
    memset(e, 0, sizeof(*e));
    e->cont_id = id;
    e->abstract = *abs;
    e->n_xfer = n_xfer;
    e->xfer = xfer;
}

static void
send_bind(struct rc *c, uint8_t ptype, uint32_t call_id, uint32_t assoc,
          uint16_t xmit, uint16_t recv, struct rpc_ctx_elem *ctx, uint8_t n)
{
    struct rpc_pdu p;

    rpc_pdu_init(&p, ptype, call_id);
    p.u.bind.max_xmit_frag = xmit;
    p.u.bind.max_recv_frag = recv;
    p.u.bind.assoc_group_id = assoc;
    p.u.bind.n_ctx = n;
    p.u.bind.ctx = ctx;
    rc_send_pdu(c, &p);
}

/* Binds rpctest as context 0 (and mgmt as context 1); returns the
 * bind_ack's association group id. */
static uint32_t
bind_ok(struct rc *c, uint16_t frag, uint32_t assoc)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx[2];
    struct msg m;
    uint32_t id;

    ctx_init(&ctx[0], 0, &rpctest_syntax, &ndr, 1);
    ctx_init(&ctx[1], 1, &mgmt_syntax, &ndr, 1);
    send_bind(c, PTYPE_BIND, 1, assoc, frag, frag, ctx, 2);
    ck_assert_int_eq(rc_recv(c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
    ck_assert_uint_eq(m.p.u.bind_ack.n_results, 2);
    ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
    ck_assert_uint_eq(m.p.u.bind_ack.results[1].result, P_CONT_ACCEPTANCE);
    id = m.p.u.bind_ack.assoc_group_id;
    msg_free(&m);
    return id;
}

/* ---- calls -------------------------------------------------------------- */

static void
le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void
be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t
rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

struct req {
    uint32_t call_id;
    uint16_t ctx;
    uint16_t opnum;
    size_t frag;            /* stub bytes per fragment; 0: all in one */
    uint8_t flags;          /* added to the first fragment */
    int big_endian;         /* drep: integers big-endian */
    const GUID *object;
};

static void
send_request(struct rc *c, const struct req *r, const uint8_t *stub, size_t len)
{
    size_t off = 0, chunk = r->frag ? r->frag : (len ? len : 1);

    do {
        size_t n = len - off < chunk ? len - off : chunk;
        struct rpc_pdu p;

        rpc_pdu_init(&p, PTYPE_REQUEST, r->call_id);
        p.hdr.drep[0] = r->big_endian ? DREP_BE : DREP_LE;
        p.hdr.pfc_flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG | r->flags : 0) |
                                    (off + n == len ? PFC_LAST_FRAG : 0));
        if (r->object != NULL) {
            p.hdr.pfc_flags |= PFC_OBJECT_UUID;
            p.u.request.object = *r->object;
        }
        /* impacket's way: the total in every fragment. */
        p.u.request.alloc_hint = (uint32_t)len;
        p.u.request.cont_id = r->ctx;
        p.u.request.opnum = r->opnum;
        p.u.request.stub = stub + off;
        p.u.request.stub_len = n;
        rc_send_pdu(c, &p);
        off += n;
    } while (off < len);
}

struct reply {
    int fault;
    uint32_t status;
    uint8_t flags;          /* of the first fragment */
    uint8_t cancel_count;
    uint16_t cont_id;
    uint8_t *stub;
    size_t len;
    unsigned nfrag;
    size_t max_frag;
};

static void
reply_free(struct reply *r)
{
    free(r->stub);
    memset(r, 0, sizeof(*r));
}

/* Reassembles the answer to call_id.  1, 0 (EOF), -1 (timeout). */
static int
recv_reply(struct rc *c, uint32_t call_id, struct reply *r, int timeout_ms)
{
    size_t cap = 0;

    memset(r, 0, sizeof(*r));
    for (;;) {
        struct msg m;
        int got = rc_recv(c, &m, timeout_ms);
        const uint8_t *stub;
        size_t n;

        if (got != 1)
            return got;
        ck_assert_uint_eq(m.p.hdr.call_id, call_id);
        ck_assert_msg(m.p.hdr.ptype == PTYPE_RESPONSE || m.p.hdr.ptype == PTYPE_FAULT,
                      "unexpected ptype %u", m.p.hdr.ptype);
        if (r->nfrag == 0) {
            ck_assert(m.p.hdr.pfc_flags & PFC_FIRST_FRAG);
            r->flags = m.p.hdr.pfc_flags;
        } else {
            ck_assert(!(m.p.hdr.pfc_flags & PFC_FIRST_FRAG));
        }
        r->nfrag++;
        if (m.len > r->max_frag)
            r->max_frag = m.len;
        if (m.p.hdr.ptype == PTYPE_FAULT) {
            ck_assert_uint_eq(r->nfrag, 1);
            ck_assert(m.p.hdr.pfc_flags & PFC_LAST_FRAG);
            r->fault = 1;
            r->status = m.p.u.fault.status;
            r->cancel_count = m.p.u.fault.cancel_count;
            r->cont_id = m.p.u.fault.cont_id;
            msg_free(&m);
            return 1;
        }
        r->cancel_count = m.p.u.response.cancel_count;
        r->cont_id = m.p.u.response.cont_id;
        /* C706 12.6.4.10: alloc_hint covers at least what follows. */
        ck_assert_uint_ge(m.p.u.response.alloc_hint, m.p.u.response.stub_len);
        stub = m.p.u.response.stub;
        n = m.p.u.response.stub_len;
        if (r->len + n > cap) {
            cap = (r->len + n) * 2;
            r->stub = realloc(r->stub, cap);
            ck_assert_ptr_nonnull(r->stub);
        }
        memcpy(r->stub + r->len, stub, n);
        r->len += n;
        if (m.p.hdr.pfc_flags & PFC_LAST_FRAG) {
            msg_free(&m);
            return 1;
        }
        msg_free(&m);
    }
}

static void
call(struct rc *c, const struct req *q, const uint8_t *stub, size_t len,
     struct reply *r)
{
    send_request(c, q, stub, len);
    ck_assert_int_eq(recv_reply(c, q->call_id, r, 60000), 1);
}

static struct req
rq(uint32_t call_id, uint16_t opnum)
{
    struct req q;

    memset(&q, 0, sizeof(q));
    q.call_id = call_id;
    q.opnum = opnum;
    return q;
}

/* The answer to call_id on c within timeout_ms: a response, not a fault. */
static void
expect_ok(struct rc *c, uint32_t call_id, int timeout_ms)
{
    struct reply r;

    ck_assert_int_eq(recv_reply(c, call_id, &r, timeout_ms), 1);
    ck_assert(!r.fault);
    reply_free(&r);
}

static void
call_u32(struct rc *c, uint32_t call_id, uint16_t opnum, uint32_t arg,
         struct reply *r)
{
    uint8_t s[4];
    struct req q = rq(call_id, opnum);

    le32(s, arg);
    call(c, &q, s, 4, r);
}

static void
get_stats(struct rc *c, uint32_t call_id, uint32_t st[6])
{
    struct req q = rq(call_id, OP_STATS);
    struct reply r;

    call(c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 24);
    for (int i = 0; i < 6; i++)
        st[i] = rd32(r.stub + 4 * i);
    reply_free(&r);
}

/* Stats through a fresh connection. */
static void
stats_now(int transport, uint32_t st[6])
{
    struct rc c;

    rc_open(&c, transport);
    bind_ok(&c, 5840, 0);
    get_stats(&c, 1, st);
    rc_close(&c);
}

static uint8_t *
echo_stub(size_t n, size_t *len, uint32_t seed)
{
    uint8_t *s = malloc(8 + n);

    ck_assert_ptr_nonnull(s);
    le32(s, (uint32_t)n);
    le32(s + 4, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        s[8 + i] = (uint8_t)((i * 131 + seed) >> 3 ^ i);
    *len = 8 + n;
    return s;
}

static void
check_echo(const uint8_t *stub, size_t n, const struct reply *r)
{
    size_t pad = (4 - (n & 3)) & 3;

    ck_assert(!r->fault);
    ck_assert_uint_eq(r->len, 4 + n + pad + 4);
    ck_assert_uint_eq(rd32(r->stub), n);
    ck_assert_msg(memcmp(r->stub + 4, stub + 8, n) == 0, "echo of %zu bytes differs", n);
    ck_assert_uint_eq(rd32(r->stub + 4 + n + pad), 0);
}

/* A server answering Echo on a fresh connection: nothing else was harmed. */
static void
assert_alive(int transport)
{
    struct rc c;
    struct reply r;
    size_t len;
    uint8_t *s = echo_stub(100, &len, 7);
    struct req q = rq(1, OP_ECHO);

    rc_open(&c, transport);
    bind_ok(&c, 5840, 0);
    call(&c, &q, s, len, &r);
    check_echo(s, 100, &r);
    reply_free(&r);
    free(s);
    rc_close(&c);
}

static struct msg
expect_fault(struct rc *c, uint32_t call_id, uint32_t status)
{
    struct msg m;

    ck_assert_int_eq(rc_recv(c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_FAULT);
    ck_assert_uint_eq(m.p.hdr.call_id, call_id);
    ck_assert_msg(m.p.u.fault.status == status, "fault status 0x%x, expected 0x%x",
                  (unsigned)m.p.u.fault.status, (unsigned)status);
    return m;
}

/* ==== bind and alter_context ============================================== */

START_TEST(test_bind_ack_fields)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    struct rc c;
    struct msg m;
    char ep[64];

    rc_open(&c, _i);
    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);
    send_bind(&c, PTYPE_BIND, 7, 0, 5840, 5840, &ctx, 1);
    /* The whole bind_ack is there to be read at once (one write). */
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(c.len, 0);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
    ck_assert_uint_eq(m.p.hdr.call_id, 7);
    ck_assert_uint_eq(m.p.hdr.pfc_flags, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_uint_eq(m.p.hdr.drep[0], DREP_LE);
    ck_assert_uint_eq(m.p.u.bind_ack.max_xmit_frag, 5840);
    ck_assert_uint_eq(m.p.u.bind_ack.max_recv_frag, 5840);
    ck_assert_uint_ne(m.p.u.bind_ack.assoc_group_id, 0);
    /* Secondary address: the port, or the ncalrpc endpoint name. */
    endpoint_of(_i == T_TCP ? srvp.tcp : srvp.lrpc, ep, sizeof(ep));
    ck_assert_uint_eq(m.p.u.bind_ack.sec_addr_len, strlen(ep) + 1);
    ck_assert_str_eq((const char *)m.p.u.bind_ack.sec_addr, ep);
    ck_assert_uint_eq(m.p.u.bind_ack.n_results, 1);
    ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
    ck_assert_uint_eq(m.p.u.bind_ack.results[0].reason, 0);
    ck_assert(rpc_syntax_equal(&m.p.u.bind_ack.results[0].xfer, &rpc_ndr20_syntax));
    msg_free(&m);
    rc_close(&c);
}
END_TEST

START_TEST(test_bind_frag_sizes)
{
    /* MIN(max_xmit, max_recv), at most 5840, at least C706's 1432,
     * rounded down to 8. */
    static const uint16_t offer[][3] = {
        {4280, 4280, 4280}, {65535, 65535, 5840}, {1000, 1000, 1432},
        {5840, 2048, 2048}, {4281, 5000, 4280}, {16, 16, 1432},
    };
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;

    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);
    for (size_t i = 0; i < sizeof(offer) / sizeof(offer[0]); i++) {
        struct rc c;
        struct msg m;

        rc_open(&c, T_TCP);
        send_bind(&c, PTYPE_BIND, 1, 0, offer[i][0], offer[i][1], &ctx, 1);
        ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
        ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
        ck_assert_uint_eq(m.p.u.bind_ack.max_xmit_frag, offer[i][2]);
        ck_assert_uint_eq(m.p.u.bind_ack.max_recv_frag, offer[i][2]);
        msg_free(&m);
        rc_close(&c);
    }
}
END_TEST

START_TEST(test_bind_several_contexts)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax, ndr64 = rpc_ndr64_syntax,
        both[2] = {rpc_ndr64_syntax, rpc_ndr20_syntax}, btfn, unknown = rpctest_syntax,
        newer = rpctest_syntax, major2 = rpctest_syntax;
    struct rpc_ctx_elem ctx[7];
    struct rc c;
    struct msg m;
    struct reply r;
    struct req q;
    const struct rpc_result *res;

    unknown.SyntaxGUID.Data1 ^= 1;
    newer.SyntaxVersion.MinorVersion = 1;
    major2.SyntaxVersion.MajorVersion = 2;
    rpc_btfn_syntax(BTFN_SECURITY_CONTEXT_MULTIPLEXING | BTFN_KEEP_CONNECTION_ON_ORPHAN,
                    &btfn);
    ctx_init(&ctx[0], 0, &rpctest_syntax, &ndr, 1);
    ctx_init(&ctx[1], 1, &mgmt_syntax, both, 2);      /* NDR64 first, NDR20 too */
    ctx_init(&ctx[2], 2, &unknown, &ndr, 1);
    ctx_init(&ctx[3], 3, &rpctest_syntax, &ndr64, 1); /* NDR64 only */
    ctx_init(&ctx[4], 4, &rpctest_syntax, &btfn, 1);
    ctx_init(&ctx[5], 5, &newer, &ndr, 1);            /* v1.1 > registered 1.0 */
    ctx_init(&ctx[6], 6, &major2, &ndr, 1);
    rc_open(&c, _i);
    send_bind(&c, PTYPE_BIND, 1, 0, 5840, 5840, ctx, 7);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
    ck_assert_uint_eq(m.p.u.bind_ack.n_results, 7);
    res = m.p.u.bind_ack.results;
    ck_assert_uint_eq(res[0].result, P_CONT_ACCEPTANCE);
    ck_assert_uint_eq(res[1].result, P_CONT_ACCEPTANCE);
    ck_assert(rpc_syntax_equal(&res[1].xfer, &rpc_ndr20_syntax));
    ck_assert_uint_eq(res[2].result, P_CONT_PROVIDER_REJECTION);
    ck_assert_uint_eq(res[2].reason, P_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
    ck_assert_uint_eq(res[3].result, P_CONT_PROVIDER_REJECTION);
    ck_assert_uint_eq(res[3].reason, P_REASON_PROPOSED_TS_NOT_SUPPORTED);
    /* Rejections carry the nil syntax, as Windows' do. */
    ck_assert(UuidIsNil(&res[3].xfer.SyntaxGUID, NULL));
    /* Bind-time features: keep-connection-on-orphan acknowledged. */
    ck_assert_uint_eq(res[4].result, P_CONT_NEGOTIATE_ACK);
    ck_assert_uint_eq(res[4].reason, BTFN_KEEP_CONNECTION_ON_ORPHAN);
    ck_assert_uint_eq(res[5].result, P_CONT_PROVIDER_REJECTION);
    ck_assert_uint_eq(res[5].reason, P_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
    ck_assert_uint_eq(res[6].reason, P_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
    msg_free(&m);

    /* Calls on both accepted contexts; a rejected one is unknown. */
    q = rq(2, OP_SELFTEST);
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    q = rq(3, 2);                       /* mgmt is_server_listening */
    q.ctx = 1;
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 8);
    ck_assert_uint_eq(rd32(r.stub), 0);
    ck_assert_uint_eq(rd32(r.stub + 4), 1);
    reply_free(&r);
    q = rq(4, OP_STATS);
    q.ctx = 3;
    call(&c, &q, NULL, 0, &r);
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, NCA_S_UNK_IF);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

START_TEST(test_bind_naks)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    struct rc c;
    struct msg m;
    uint8_t s[4] = {0};
    struct req q = rq(1, OP_STATS);

    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);

    /* No context at all. */
    rc_open(&c, _i);
    send_bind(&c, PTYPE_BIND, 1, 0, 5840, 5840, NULL, 0);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_NAK);
    ck_assert_uint_eq(m.p.u.bind_nak.reason, BIND_NAK_REASON_NOT_SPECIFIED);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* A second bind on a connection (Windows: bind_nak, close). */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    send_bind(&c, PTYPE_BIND, 2, 0, 5840, 5840, &ctx, 1);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_NAK);
    ck_assert_uint_eq(m.p.hdr.call_id, 2);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* A request before any bind. */
    rc_open(&c, _i);
    send_request(&c, &q, s, 4);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_NAK);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* An association group nobody created. */
    rc_open(&c, _i);
    send_bind(&c, PTYPE_BIND, 1, 0x7654321, 5840, 5840, &ctx, 1);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_NAK);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* A context with no transfer syntax. */
    rc_open(&c, _i);
    ctx.n_xfer = 0;
    send_bind(&c, PTYPE_BIND, 1, 0, 5840, 5840, &ctx, 1);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_NAK);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    assert_alive(_i);
}
END_TEST

/* Test vector V9: a bind in a protocol version we do not speak. */
START_TEST(test_bind_nak_v9)
{
    static const char v9[] = "05000d031000000018000000010000000400010500000000";
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    struct ndr_cursor w;
    struct rpc_pdu p;
    struct rc c;
    struct msg m;
    size_t vlen;
    uint8_t *want = tu_unhex(v9, &vlen);

    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);
    rpc_pdu_init(&p, PTYPE_BIND, 1);
    p.u.bind.max_xmit_frag = p.u.bind.max_recv_frag = 5840;
    p.u.bind.n_ctx = 1;
    p.u.bind.ctx = &ctx;
    ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    w.data[0] = 4;                      /* rpc_vers */
    rc_open(&c, T_TCP);
    rc_send(&c, w.data, w.len);
    ndr_cursor_free(&w);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_int_eq(tu_memdiff(m.raw, m.len, want, vlen), 0);
    msg_free(&m);
    free(want);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
}
END_TEST

START_TEST(test_assoc_groups)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    struct rc a, b, d;
    uint32_t ga, gb, gd;
    int naked = 0;

    ga = bind_ok((rc_open(&a, _i), &a), 5840, 0);
    gd = bind_ok((rc_open(&d, _i), &d), 5840, 0);
    ck_assert_uint_ne(ga, gd);               /* assoc 0: a new group each */
    gb = bind_ok((rc_open(&b, _i), &b), 5840, ga);
    ck_assert_uint_eq(gb, ga);               /* a known id: joined */
    rc_close(&a);
    rc_close(&b);
    /* The group ends with its last connection: joining it again fails
     * once the server has seen both close. */
    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);
    for (int i = 0; i < 100 && !naked; i++) {
        struct rc e;
        struct msg m;

        rc_open(&e, _i);
        send_bind(&e, PTYPE_BIND, 1, ga, 5840, 5840, &ctx, 1);
        ck_assert_int_eq(rc_recv(&e, &m, 10000), 1);
        naked = m.p.hdr.ptype == PTYPE_BIND_NAK;
        msg_free(&m);
        rc_close(&e);
        if (!naked)
            usleep(50000);
    }
    ck_assert(naked);
    rc_close(&d);
}
END_TEST

START_TEST(test_alter_context)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax, ndr64 = rpc_ndr64_syntax;
    struct rpc_ctx_elem ctx[2];
    struct rc c;
    struct msg m;
    struct reply r;
    struct req q;
    uint32_t group;

    rc_open(&c, _i);
    /* Bind rpctest only (ctx 0), then add mgmt as ctx 5 and an NDR64-only
     * proposal as ctx 6. */
    ctx_init(&ctx[0], 0, &rpctest_syntax, &ndr, 1);
    send_bind(&c, PTYPE_BIND, 1, 0, 5840, 5840, ctx, 1);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    group = m.p.u.bind_ack.assoc_group_id;
    msg_free(&m);
    ctx_init(&ctx[0], 5, &mgmt_syntax, &ndr, 1);
    ctx_init(&ctx[1], 6, &mgmt_syntax, &ndr64, 1);
    send_bind(&c, PTYPE_ALTER_CONTEXT, 2, 0, 5840, 5840, ctx, 2);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_ALTER_CONTEXT_RESP);
    ck_assert_uint_eq(m.p.hdr.call_id, 2);
    ck_assert_uint_eq(m.p.u.bind_ack.assoc_group_id, group);
    ck_assert_uint_eq(m.p.u.bind_ack.sec_addr_len, 0);
    ck_assert_uint_eq(m.p.u.bind_ack.max_xmit_frag, 5840);
    ck_assert_uint_eq(m.p.u.bind_ack.n_results, 2);
    ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
    ck_assert_uint_eq(m.p.u.bind_ack.results[1].result, P_CONT_PROVIDER_REJECTION);
    ck_assert_uint_eq(m.p.u.bind_ack.results[1].reason, P_REASON_PROPOSED_TS_NOT_SUPPORTED);
    msg_free(&m);
    q = rq(3, 0);                       /* mgmt inq_if_ids on ctx 5 */
    q.ctx = 5;
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);

    /* Re-using context id 5 for another interface: protocol error. */
    ctx_init(&ctx[0], 5, &rpctest_syntax, &ndr, 1);
    send_bind(&c, PTYPE_ALTER_CONTEXT, 4, 0, 5840, 5840, ctx, 1);
    m = expect_fault(&c, 4, NCA_S_PROTO_ERROR);
    ck_assert(m.p.hdr.pfc_flags & PFC_DID_NOT_EXECUTE);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* An alter_context with no context: protocol error, close. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    send_bind(&c, PTYPE_ALTER_CONTEXT, 2, 0, 5840, 5840, NULL, 0);
    m = expect_fault(&c, 2, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
}
END_TEST

/* ==== calls ================================================================ */

START_TEST(test_echo_sizes)
{
    static const size_t sizes[] = {0, 1, 3, 4096, 5816, 5817, 1 << 20, 8 << 20};
    static const uint16_t frags[] = {2048, 4280, 5840};
    struct rc c;

    for (size_t f = 0; f < sizeof(frags) / sizeof(frags[0]); f++) {
        rc_open(&c, _i);
        bind_ok(&c, frags[f], 0);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            size_t len;
            uint8_t *s = echo_stub(sizes[i], &len, (uint32_t)(i + f));
            struct req q = rq((uint32_t)(10 + i), OP_ECHO);
            struct reply r;

            q.frag = frags[f] - RPC_REQUEST_HDR_LEN;
            call(&c, &q, s, len, &r);
            check_echo(s, sizes[i], &r);
            /* The answer is cut at the negotiated size. */
            ck_assert_uint_le(r.max_frag, frags[f]);
            if (sizes[i] >= (size_t)frags[f] * 4)
                ck_assert_uint_gt(r.nfrag, 1);
            reply_free(&r);
            free(s);
        }
        rc_close(&c);
    }
}
END_TEST

START_TEST(test_echo_tiny_fragments)
{
    static const size_t frag[] = {1, 8, 13, 100};
    struct rc c;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (size_t i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
        size_t n = 4096 * (i + 1) + i, len;
        uint8_t *s = echo_stub(n, &len, (uint32_t)i);
        struct req q = rq(1, OP_ECHO);      /* impacket: call_id 1 again */
        struct reply r;

        q.frag = frag[i];
        call(&c, &q, s, len, &r);
        check_echo(s, n, &r);
        reply_free(&r);
        free(s);
    }
    rc_close(&c);
}
END_TEST

/* An answer the socket cannot take at once: the client's receive buffer
 * is small, so the server writes the 4 MiB reply's 2048-byte fragments
 * (headers gathered with the routine's reply buffer) in many pieces from
 * its write queue, and an alter_context answered meanwhile queues behind
 * it.  Every fragment arrives whole and in order, the bytes are the
 * request's, and the connection goes on.  (check_pdu's test_frag_iov
 * covers writes that stop at every byte of the stream.) */
START_TEST(test_echo_queued_answer)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    const size_t n = 4u << 20;
    int rcvbuf = 65536, got_alter = 0, got_echo = 0;
    size_t len, off = 0;
    uint8_t *s = echo_stub(n, &len, 7);
    uint8_t *back = malloc(len + 8);
    struct req q = rq(10, OP_ECHO);
    unsigned nfrag = 0;
    struct reply r;
    struct rc c;

    ck_assert_ptr_nonnull(back);
    rc_open(&c, _i);
    ck_assert_int_eq(setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                                sizeof(rcvbuf)), 0);
    bind_ok(&c, 2048, 0);
    q.frag = 2048 - RPC_REQUEST_HDR_LEN;
    send_request(&c, &q, s, len);
    ctx_init(&ctx, 7, &mgmt_syntax, &ndr, 1);
    send_bind(&c, PTYPE_ALTER_CONTEXT, 11, 0, 2048, 2048, &ctx, 1);
    while (!got_alter || !got_echo) {
        struct msg m;

        ck_assert_int_eq(rc_recv(&c, &m, 20000), 1);
        if (m.p.hdr.ptype == PTYPE_ALTER_CONTEXT_RESP) {
            /* Before the answer or after it, never inside it. */
            ck_assert(nfrag == 0 || got_echo);
            ck_assert_uint_eq(m.p.hdr.call_id, 11);
            ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
            got_alter = 1;
        } else {
            ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_RESPONSE);
            ck_assert_uint_eq(m.p.hdr.call_id, 10);
            ck_assert_uint_le(m.len, 2048);
            ck_assert_uint_eq(!!(m.p.hdr.pfc_flags & PFC_FIRST_FRAG), nfrag == 0);
            ck_assert_uint_eq(m.p.u.response.alloc_hint, len - off);
            ck_assert_uint_le(off + m.p.u.response.stub_len, len);
            memcpy(back + off, m.p.u.response.stub, m.p.u.response.stub_len);
            off += m.p.u.response.stub_len;
            nfrag++;
            if (m.p.hdr.pfc_flags & PFC_LAST_FRAG)
                got_echo = 1;
        }
        msg_free(&m);
    }
    ck_assert_uint_ge(nfrag, n / 2048);
    r.fault = 0;
    r.stub = back;
    r.len = off;
    check_echo(s, n, &r);
    free(back);
    free(s);

    /* In step still: a call on the new context. */
    q = rq(12, 0);
    q.ctx = 7;
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

/* rpctest's Echo sends its reply's data from the request buffer
 * (RpcrtBufferSendFrom), which goes with the call once it is answered.
 * An answer the socket does not take at once must not be left pointing
 * there: here the first client reads its 6 MiB echo only after a second
 * connection's echo of the same size has come and gone -- its request
 * most likely in the first one's freed buffer -- and gets its own bytes
 * back.  (Without the copy into the queued reply this fails, under
 * AddressSanitizer as a use after free.) */
START_TEST(test_queued_answer_sent_from_request)
{
    const size_t n = 6u << 20;
    int rcvbuf = 65536;
    size_t len;
    uint8_t *s1 = echo_stub(n, &len, 11), *s2 = echo_stub(n, &len, 12);
    struct req q1 = rq(1, OP_ECHO), q2 = rq(1, OP_ECHO);
    uint32_t before[6], now[6];
    struct reply r;
    struct rc c1, c2;

    stats_now(_i, before);
    rc_open(&c1, _i);
    ck_assert_int_eq(setsockopt(c1.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                                sizeof(rcvbuf)), 0);
    bind_ok(&c1, 5840, 0);
    q1.frag = 5840 - RPC_REQUEST_HDR_LEN;
    send_request(&c1, &q1, s1, len);
    /* Its routine has run (the answer is then written or queued at
     * once): the server counts it as completed.  Each stats call counts
     * as completed after it has answered, so the k-th one sees the k
     * before it, then the echo. */
    for (int k = 1; k <= 2000; k++) {
        stats_now(_i, now);
        if (now[1] >= before[1] + (unsigned)k + 1)
            break;
        ck_assert_msg(k < 2000, "the 6 MiB echo did not complete");
        usleep(10000);
    }
    rc_open(&c2, _i);
    bind_ok(&c2, 5840, 0);
    q2.frag = 5840 - RPC_REQUEST_HDR_LEN;
    call(&c2, &q2, s2, len, &r);
    check_echo(s2, n, &r);
    reply_free(&r);
    rc_close(&c2);
    ck_assert_int_eq(recv_reply(&c1, 1, &r, 60000), 1);
    check_echo(s1, n, &r);
    reply_free(&r);
    rc_close(&c1);
    free(s1);
    free(s2);
}
END_TEST

/* One fragment of a request, its header written in three pieces when
 * split (so that it arrives cut inside the header). */
static void
send_frag(struct rc *c, uint32_t call_id, uint8_t flags, uint32_t hint,
          const uint8_t *stub, size_t n, int split)
{
    struct rpc_pdu p;
    struct ndr_cursor w;

    rpc_pdu_init(&p, PTYPE_REQUEST, call_id);
    p.hdr.pfc_flags = flags;
    p.u.request.alloc_hint = hint;
    p.u.request.opnum = OP_ECHO;
    p.u.request.stub = stub;
    p.u.request.stub_len = n;
    ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    if (split) {
        rc_send(c, w.data, 10);
        usleep(2000);
        rc_send(c, w.data + 10, 10);
        usleep(2000);
        rc_send(c, w.data + 20, w.len - 20);
    } else {
        rc_send(c, w.data, w.len);
    }
    ndr_cursor_free(&w);
}

/* Large requests the server reads in place (their next fragments
 * predicted from the ones before) but cut otherwise: alloc_hints that are
 * the total (impacket's way), too high or too low, headers arriving in
 * pieces; a fragment of another size midway; then one whose fragments
 * switch to another call midway.  The first two are echoed byte for
 * byte; the third gets the protocol-error fault for the call being
 * reassembled. */
START_TEST(test_request_irregular_fragments)
{
    const size_t n = 1u << 20;
    size_t len, off;
    uint8_t *s = echo_stub(n, &len, 5);
    struct reply r;
    struct msg m;
    struct rc c;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (int call = 0; call < 2; call++) {
        unsigned i = 0;

        for (off = 0; off < len; i++) {
            size_t want = call == 1 && i == 20 ? 1000 : 5816;
            size_t chunk = want < len - off ? want : len - off;
            size_t rest = len - off;
            uint32_t hint = (uint32_t)(call == 1 ? rest : i % 4 == 0 ? len :
                                       i % 4 == 1 ? rest : i % 4 == 2 ?
                                       rest + 50000 : rest / 2);
            uint8_t flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                      (off + chunk == len ? PFC_LAST_FRAG : 0));

            send_frag(&c, (uint32_t)(40 + call), flags, hint, s + off, chunk,
                      i % 41 == 7);
            off += chunk;
        }
        ck_assert_int_eq(recv_reply(&c, (uint32_t)(40 + call), &r, 20000), 1);
        check_echo(s, n, &r);
        reply_free(&r);
    }

    /* Call 31 predicted well for 200 KB, then a fragment of call 32. */
    for (off = 0; off < 200000; off += 5816)
        send_frag(&c, 31, off == 0 ? PFC_FIRST_FRAG : 0, (uint32_t)(len - off),
                  s + off, 5816, 0);
    send_frag(&c, 32, 0, (uint32_t)(len - off), s + off, 5816, 0);
    m = expect_fault(&c, 31, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
    free(s);
    assert_alive(_i);
}
END_TEST

START_TEST(test_big_endian_request)
{
    struct rc c;
    struct reply r;
    uint8_t s[8 + 10];
    struct req q = rq(0, OP_ECHO);          /* DCE starts at call_id 0 */

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    be32(s, 10);
    be32(s + 4, 10);
    for (int i = 0; i < 10; i++)
        s[8 + i] = (uint8_t)(0xa0 + i);
    q.big_endian = 1;
    q.frag = 9;                             /* fragmented, too */
    call(&c, &q, s, sizeof(s), &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 4 + 10 + 2 + 4);
    ck_assert_uint_eq(rd32(r.stub), 10);
    ck_assert_int_eq(memcmp(r.stub + 4, s + 8, 10), 0);
    reply_free(&r);

    be32(s, 5);                             /* Fault(5), big-endian */
    q = rq(1, OP_FAULT);
    q.big_endian = 1;
    call(&c, &q, s, 4, &r);
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, 5);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

/* Test vector V8: the fault for an unknown opnum, byte for byte. */
START_TEST(test_unknown_opnum_v8)
{
    static const char v8[] = "0500032310000000200000000100000020000000000000000200011c00000000";
    struct rc c;
    struct msg m;
    size_t vlen;
    uint8_t *want = tu_unhex(v8, &vlen);
    struct req q = rq(1, 9);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    send_request(&c, &q, NULL, 0);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_int_eq(tu_memdiff(m.raw, m.len, want, vlen), 0);
    msg_free(&m);
    free(want);
    /* 7 and 8 are served (asynchronously): 9 is the first unknown one,
     * and the largest opnum is unknown too. */
    for (uint32_t op = 9; op <= 0xffff; op += 0xffff - 9) {
        struct reply r;

        q = rq(op, (uint16_t)op);
        call(&c, &q, NULL, 0, &r);
        ck_assert(r.fault);
        ck_assert_uint_eq(r.status, NCA_S_OP_RNG_ERROR);
        ck_assert(r.flags & PFC_DID_NOT_EXECUTE);
        reply_free(&r);
    }
    rc_close(&c);
}
END_TEST

START_TEST(test_unknown_context)
{
    struct rc c;
    struct reply r;
    struct req q = rq(3, OP_STATS);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    q.ctx = 77;
    call(&c, &q, NULL, 0, &r);
    /* Windows: nca_s_unk_if, not executed, context 0; connection kept. */
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, NCA_S_UNK_IF);
    ck_assert(r.flags & PFC_DID_NOT_EXECUTE);
    ck_assert_uint_eq(r.cont_id, 0);
    reply_free(&r);
    q = rq(4, OP_STATS);
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

START_TEST(test_short_stubs)
{
    static const uint16_t ops[] = {OP_ECHO, OP_WAIT, OP_WAIT_FAULT, OP_SLEEP, OP_FAULT,
                                   OP_ASYNC_WAIT, OP_ASYNC_WAIT_ABORT};
    struct rc c;
    uint8_t s[8] = {5, 0, 0, 0, 5, 0, 0, 0};

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        struct req q = rq((uint32_t)i, ops[i]);
        struct reply r;

        /* Echo claims 5 bytes and sends none; the others get 2 bytes. */
        call(&c, &q, s, ops[i] == OP_ECHO ? 8 : 2, &r);
        ck_assert(r.fault);
        ck_assert_uint_eq(r.status, NCA_S_FAULT_NDR);
        reply_free(&r);
    }
    rc_close(&c);
    assert_alive(_i);
}
END_TEST

START_TEST(test_fault_status)
{
    static const uint32_t in[][2] = {
        {5, 5},                                      /* Win32 passes through */
        {RPC_S_CALL_CANCELLED, NCA_S_FAULT_CANCEL},  /* mapped to NCA */
        {RPC_S_PROCNUM_OUT_OF_RANGE, NCA_S_OP_RNG_ERROR},
        {0x1c010003, 0x1c010003},
        {0xc0000022, 0xc0000022},                    /* NTSTATUS-style */
    };
    struct rc c;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        struct reply r;

        call_u32(&c, 1, OP_FAULT, in[i][0], &r);
        ck_assert(r.fault);
        ck_assert_msg(r.status == in[i][1], "Fault(0x%x) gave 0x%x", in[i][0], r.status);
        /* The routine ran: no PFC_DID_NOT_EXECUTE. */
        ck_assert(!(r.flags & PFC_DID_NOT_EXECUTE));
        reply_free(&r);
    }
    rc_close(&c);
}
END_TEST

START_TEST(test_selftest_codes)
{
    struct rc c;
    struct reply r;
    struct req q = rq(1, OP_SELFTEST);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 12);
    ck_assert_uint_eq(rd32(r.stub), RPC_S_NO_CALL_ACTIVE);
    ck_assert_uint_eq(rd32(r.stub + 4), RPC_S_CALL_IN_PROGRESS);
    ck_assert_uint_eq(rd32(r.stub + 8), RPC_S_INVALID_BINDING);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

START_TEST(test_object_uuid)
{
    static const GUID obj = {0x01020304, 0x0506, 0x0708, {1, 2, 3, 4, 5, 6, 7, 8}};
    struct rc c;
    struct reply r;
    size_t len;
    uint8_t *s = echo_stub(3000, &len, 1);
    struct req q = rq(1, OP_ECHO);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    q.object = &obj;
    q.frag = 1000;
    call(&c, &q, s, len, &r);
    check_echo(s, 3000, &r);
    reply_free(&r);
    free(s);
    rc_close(&c);
}
END_TEST

START_TEST(test_stats_counters)
{
    uint32_t a[6], b[6];
    struct rc c;
    struct reply r;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    get_stats(&c, 1, a);
    ck_assert_uint_ge(a[ST_STARTED], 1);
    ck_assert_uint_eq(a[ST_CURRENT], 1);     /* GetStats itself */
    call_u32(&c, 2, OP_SLEEP, 10, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 4);
    reply_free(&r);
    get_stats(&c, 3, b);
    ck_assert_uint_eq(b[ST_STARTED], a[ST_STARTED] + 2);
    ck_assert_uint_eq(b[ST_COMPLETED], a[ST_COMPLETED] + 2);
    ck_assert_uint_eq(b[ST_SLEEPS], a[ST_SLEEPS] + 1);
    rc_close(&c);
}
END_TEST

/* Without PFC_CONC_MPX a connection carries one call at a time. */
START_TEST(test_second_call_while_running)
{
    struct rc c;
    struct msg m;
    uint8_t s[4];
    struct req q = rq(1, OP_SLEEP);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 2000);
    send_request(&c, &q, s, 4);
    usleep(100000);
    q = rq(2, OP_STATS);
    send_request(&c, &q, NULL, 0);
    m = expect_fault(&c, 2, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
}
END_TEST

START_TEST(test_mgmt_raw)
{
    struct rc c;
    struct reply r;
    struct req q = rq(1, 0);
    GUID u;
    uint8_t s[8];

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    /* inq_if_ids: referent, max_count, count, pointers, the ids, status. */
    q.ctx = 1;
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 4 + 4 + 4 + 4 + 20 + 4);
    ck_assert_uint_ne(rd32(r.stub), 0);
    ck_assert_uint_eq(rd32(r.stub + 4), 1);
    ck_assert_uint_eq(rd32(r.stub + 8), 1);
    ck_assert_uint_ne(rd32(r.stub + 12), 0);
    ck_assert_uint_eq(rd32(r.stub + 16), rpctest_syntax.SyntaxGUID.Data1);
    {
        struct ndr_cursor rd;
        ndr_init_read(&rd, r.stub + 16, 16, DREP_LE);
        ck_assert_int_eq(ndr_get_uuid(&rd, &u), 0);
        ck_assert(proto_uuid_equal(&u, &rpctest_syntax.SyntaxGUID));
    }
    ck_assert_uint_eq(rd32(r.stub + 32), 1);  /* vers_major 1, minor 0 */
    ck_assert_uint_eq(rd32(r.stub + 36), 0);
    reply_free(&r);

    /* inq_stats, 4 asked: count, conformance, 4 values, status. */
    q = rq(2, 1);
    q.ctx = 1;
    le32(s, 4);
    call(&c, &q, s, 4, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 4 + 4 + 16 + 4);
    ck_assert_uint_eq(rd32(r.stub), 4);
    ck_assert_uint_ge(rd32(r.stub + 8), 1);      /* calls_in */
    ck_assert_uint_ge(rd32(r.stub + 16), 3);     /* pkts_in */
    reply_free(&r);

    /* stop_server_listening: refused remotely by default. */
    q = rq(3, 3);
    q.ctx = 1;
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 4);
    ck_assert_uint_eq(rd32(r.stub), RPC_S_ACCESS_DENIED);
    reply_free(&r);

    /* inq_princ_name: empty name, no authentication service. */
    q = rq(4, 4);
    q.ctx = 1;
    le32(s, 10);
    le32(s + 4, 64);
    call(&c, &q, s, 8, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(rd32(r.stub), 64);
    ck_assert_uint_eq(rd32(r.stub + 4), 0);
    ck_assert_uint_eq(rd32(r.stub + 8), 1);
    ck_assert_uint_eq(rd32(r.stub + 16), RPC_S_UNKNOWN_AUTHN_SERVICE);
    reply_free(&r);

    /* Still listening after the refused stop. */
    q = rq(5, 2);
    q.ctx = 1;
    call(&c, &q, NULL, 0, &r);
    ck_assert_uint_eq(rd32(r.stub + 4), 1);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

START_TEST(test_max_request)
{
    struct rc c;
    struct msg m;
    size_t len;
    uint8_t *s = echo_stub(60000, &len, 3);
    struct req q = rq(1, OP_ECHO);

    /* Within the cap. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    q.frag = 5000;
    {
        struct reply r;
        call(&c, &q, s, len, &r);
        check_echo(s, 60000, &r);
        reply_free(&r);
    }
    free(s);

    /* Over it (the alloc_hint says so at once): fault access denied,
     * close. */
    s = echo_stub(70000, &len, 3);
    {
        struct rpc_pdu p;
        rpc_pdu_init(&p, PTYPE_REQUEST, 2);
        p.hdr.pfc_flags = PFC_FIRST_FRAG;       /* more to come */
        p.u.request.alloc_hint = (uint32_t)len;
        p.u.request.stub = s;
        p.u.request.stub_len = 5000;
        rc_send_pdu(&c, &p);
    }
    m = expect_fault(&c, 2, RPC_S_ACCESS_DENIED);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* Over it with an alloc_hint of 0: found out by counting. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (size_t off = 0; off < len; off += 5000) {
        struct rpc_pdu p;
        size_t n = len - off < 5000 ? len - off : 5000;

        rpc_pdu_init(&p, PTYPE_REQUEST, 3);
        p.hdr.pfc_flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                    (off + n == len ? PFC_LAST_FRAG : 0));
        p.u.request.stub = s + off;
        p.u.request.stub_len = n;
        if (off > 65536)
            break;
        rc_send_pdu(&c, &p);
    }
    m = expect_fault(&c, 3, RPC_S_ACCESS_DENIED);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
    free(s);
    assert_alive(_i);
}
END_TEST

/* mgmt inq_stats' calls_in (calls dispatched so far), through a fresh
 * connection: mgmt is served apart from MaxCalls. */
static uint32_t
mgmt_calls_in(int transport)
{
    struct rc c;
    struct reply r;
    struct req q = rq(1, 1);
    uint8_t s[4];
    uint32_t v;

    rc_open(&c, transport);
    bind_ok(&c, 5840, 0);
    q.ctx = 1;
    le32(s, 4);
    call(&c, &q, s, 4, &r);
    ck_assert(!r.fault);
    v = rd32(r.stub + 8);
    reply_free(&r);
    rc_close(&c);
    return v;
}

START_TEST(test_max_calls_busy)
{
    struct rc a, b, d;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(1, OP_SLEEP);
    uint32_t base;
    int i;

    le32(s, 3000);
    rc_open(&a, _i);
    bind_ok(&a, 5840, 0);
    rc_open(&b, _i);
    bind_ok(&b, 5840, 0);
    base = mgmt_calls_in(_i);
    send_request(&a, &q, s, 4);
    send_request(&b, &q, s, 4);
    /* Both Sleeps are dispatched (MaxCalls 2; each mgmt poll adds one). */
    for (i = 0; i < 250; i++) {
        if (mgmt_calls_in(_i) >= base + 1 + 2 + (uint32_t)i)
            break;
        usleep(20000);
    }
    ck_assert_int_lt(i, 250);
    rc_open(&d, _i);
    bind_ok(&d, 5840, 0);
    q = rq(5, OP_STATS);
    call(&d, &q, NULL, 0, &r);
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, NCA_S_SERVER_TOO_BUSY);
    ck_assert(r.flags & PFC_DID_NOT_EXECUTE);
    reply_free(&r);
    expect_ok(&a, 1, 20000);
    ck_assert_int_eq(recv_reply(&b, 1, &r, 20000), 1);
    reply_free(&r);
    /* Room again: the same connection serves. */
    q = rq(6, OP_STATS);
    call(&d, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    rc_close(&a);
    rc_close(&b);
    rc_close(&d);
}
END_TEST

/* ==== malformed input ====================================================== */

START_TEST(test_malformed_after_bind)
{
    struct rc c;
    struct msg m;
    uint8_t buf[64];

    /* Not version 5: fault nca_s_proto_error, close. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    {
        struct rpc_pdu p;
        struct ndr_cursor w;
        rpc_pdu_init(&p, PTYPE_REQUEST, 9);
        ck_assert_int_eq(ndr_init_write(&w, 64, DREP_LE), 0);
        ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
        w.data[0] = 6;
        rc_send(&c, w.data, w.len);
        ndr_cursor_free(&w);
    }
    m = expect_fault(&c, 9, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* A fragment longer than negotiated. */
    rc_open(&c, _i);
    bind_ok(&c, 2048, 0);
    {
        size_t len;
        uint8_t *s = echo_stub(3000, &len, 1);
        struct req q = rq(4, OP_ECHO);
        send_request(&c, &q, s, len);
        free(s);
    }
    m = expect_fault(&c, 4, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* frag_length below the header size. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    memset(buf, 0, sizeof(buf));
    buf[0] = 5;
    buf[4] = DREP_LE;
    buf[8] = 8;
    rc_send(&c, buf, 16);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* A server-to-client PDU from the client. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    {
        struct rpc_pdu p;
        rpc_pdu_init(&p, PTYPE_RESPONSE, 11);
        rc_send_pdu(&c, &p);
    }
    m = expect_fault(&c, 11, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* Garbage before any bind. */
    rc_open(&c, _i);
    memset(buf, 0xee, sizeof(buf));
    rc_try_send(&c, buf, sizeof(buf));
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    assert_alive(_i);
}
END_TEST

START_TEST(test_fragment_order)
{
    struct rc c;
    struct msg m;
    size_t len;
    uint8_t *s = echo_stub(5000, &len, 2);

    /* A middle fragment with no call started. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    {
        struct rpc_pdu p;
        rpc_pdu_init(&p, PTYPE_REQUEST, 21);
        p.hdr.pfc_flags = PFC_LAST_FRAG;
        p.u.request.stub = s;
        p.u.request.stub_len = 100;
        rc_send_pdu(&c, &p);
    }
    m = expect_fault(&c, 21, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* Call 20's first fragment, then a fragment of call 22: the fault
     * names call 20, the one being reassembled. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    {
        struct rpc_pdu p;
        rpc_pdu_init(&p, PTYPE_REQUEST, 20);
        p.hdr.pfc_flags = PFC_FIRST_FRAG;   /* first, not last */
        p.u.request.stub = s;
        p.u.request.stub_len = 1000;
        rc_send_pdu(&c, &p);
    }
    {
        struct rpc_pdu p;
        rpc_pdu_init(&p, PTYPE_REQUEST, 22);
        p.hdr.pfc_flags = PFC_LAST_FRAG;
        p.u.request.stub = s;
        p.u.request.stub_len = 8;
        rc_send_pdu(&c, &p);
    }
    m = expect_fault(&c, 20, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
    free(s);
    assert_alive(_i);
}
END_TEST

/* Truncated PDUs, then the peer goes away; bit flips on a bind and on a
 * request, each on its own connection: the server survives them all. */
START_TEST(test_truncate_and_flip)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    struct ndr_cursor bw, qw;
    struct rpc_pdu p;
    uint32_t seed = 12345;
    uint8_t stub[12] = {4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4};

    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);
    rpc_pdu_init(&p, PTYPE_BIND, 1);
    p.u.bind.max_xmit_frag = p.u.bind.max_recv_frag = 5840;
    p.u.bind.n_ctx = 1;
    p.u.bind.ctx = &ctx;
    ck_assert_int_eq(ndr_init_write(&bw, 128, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &bw), 0);
    rpc_pdu_init(&p, PTYPE_REQUEST, 2);
    p.u.request.stub = stub;
    p.u.request.stub_len = sizeof(stub);
    ck_assert_int_eq(ndr_init_write(&qw, 128, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &qw), 0);

    for (size_t cut = 1; cut < bw.len; cut += 7) {
        struct rc c;
        rc_open(&c, _i);
        rc_try_send(&c, bw.data, cut);
        rc_close(&c);
    }
    for (int i = 0; i < 150; i++) {
        struct rc c;
        struct msg m;
        uint8_t buf[128];
        int target = i & 1;
        struct ndr_cursor *w = target ? &qw : &bw;

        memcpy(buf, w->data, w->len);
        seed = seed * 1103515245u + 12345u;
        buf[(seed >> 8) % w->len] ^= (uint8_t)(1u << ((seed >> 4) & 7));
        rc_open(&c, _i);
        if (target)
            bind_ok(&c, 5840, 0);
        rc_try_send(&c, buf, w->len);
        /* An answer, a close, or (a length grown by the flip) waiting for
         * more, which our half-close ends: anything but a crash. */
        shutdown(c.fd, SHUT_WR);
        while (rc_recv(&c, &m, 10000) == 1)
            msg_free(&m);
        rc_close(&c);
    }
    ndr_cursor_free(&bw);
    ndr_cursor_free(&qw);
    assert_alive(_i);
}
END_TEST

/* ==== cancellation ========================================================= */

static void
send_simple(struct rc *c, uint8_t ptype, uint32_t call_id, uint8_t flags)
{
    struct rpc_pdu p;

    rpc_pdu_init(&p, ptype, call_id);
    p.hdr.pfc_flags = flags;
    rc_send_pdu(c, &p);
}

START_TEST(test_co_cancel_wait)
{
    static const uint8_t cflags[] = {
        PFC_FIRST_FRAG | PFC_LAST_FRAG,             /* Windows */
        PFC_LAST_FRAG | PFC_PENDING_CANCEL,         /* DCE */
    };
    struct rc c;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (int k = 0; k < 2; k++) {
        uint32_t id = (uint32_t)(100 + k);
        struct reply r;
        uint8_t s[4];
        struct req q = rq(id, OP_WAIT);
        double t0;

        le32(s, 20000);
        send_request(&c, &q, s, 4);
        usleep(200000);
        t0 = tu_now_ms();
        send_simple(&c, PTYPE_CO_CANCEL, id, cflags[k]);
        ck_assert_int_eq(recv_reply(&c, id, &r, 10000), 1);
        ck_assert(!r.fault);
        ck_assert_uint_eq(r.len, 8);
        ck_assert_uint_eq(rd32(r.stub + 4), 1);        /* cancelled */
        ck_assert_uint_lt(rd32(r.stub), 10000);        /* elapsed_ms */
        ck_assert_double_lt(tu_now_ms() - t0, 5000);
        /* The routine saw the cancel: count 1, no PENDING_CANCEL. */
        ck_assert_uint_eq(r.cancel_count, 1);
        ck_assert(!(r.flags & PFC_PENDING_CANCEL));
        reply_free(&r);
    }
    rc_close(&c);
}
END_TEST

START_TEST(test_co_cancel_fault)
{
    struct rc c;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(1, OP_WAIT_FAULT);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 20000);
    send_request(&c, &q, s, 4);
    usleep(200000);
    send_simple(&c, PTYPE_CO_CANCEL, 1, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_int_eq(recv_reply(&c, 1, &r, 10000), 1);
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, NCA_S_FAULT_CANCEL);
    ck_assert_uint_eq(r.cancel_count, 1);
    reply_free(&r);
    /* Timeout without cancel: 0. */
    call_u32(&c, 2, OP_WAIT_FAULT, 50, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(rd32(r.stub), 0);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

/* Opnums 7 and 8 are served asynchronously: a raw co_cancel reaches the
 * outstanding call as it reaches opnums 1 and 2 while their routine
 * runs. */
START_TEST(test_co_cancel_async_wait)
{
    static const uint8_t cflags[] = {
        PFC_FIRST_FRAG | PFC_LAST_FRAG,             /* Windows */
        PFC_LAST_FRAG | PFC_PENDING_CANCEL,         /* DCE */
    };
    struct rc c;
    struct reply r;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (int k = 0; k < 2; k++) {
        uint32_t id = (uint32_t)(200 + k);
        uint8_t s[4];
        struct req q = rq(id, OP_ASYNC_WAIT);
        double t0;

        le32(s, 20000);
        send_request(&c, &q, s, 4);
        usleep(200000);
        t0 = tu_now_ms();
        send_simple(&c, PTYPE_CO_CANCEL, id, cflags[k]);
        ck_assert_int_eq(recv_reply(&c, id, &r, 10000), 1);
        ck_assert(!r.fault);
        ck_assert_uint_eq(r.len, 8);
        ck_assert_uint_eq(rd32(r.stub + 4), 1);        /* cancelled */
        /* elapsed_ms: not ended before the cancel.  The routine starts
         * when the server gets to the request, which on a loaded machine
         * (or under TSan) can be a good part of the 200 ms later: a
         * quarter of it is the bound. */
        ck_assert_uint_ge(rd32(r.stub), 50);
        ck_assert_uint_lt(rd32(r.stub), 10000);
        ck_assert_double_lt(tu_now_ms() - t0, 5000);
        ck_assert_uint_eq(r.cancel_count, 1);
        ck_assert(!(r.flags & PFC_PENDING_CANCEL));
        reply_free(&r);
    }
    /* Timeout without cancel: result 0. */
    call_u32(&c, 300, OP_ASYNC_WAIT, 50, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 8);
    ck_assert_uint_eq(rd32(r.stub + 4), 0);
    ck_assert_uint_ge(rd32(r.stub), 50);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

START_TEST(test_co_cancel_async_abort)
{
    struct rc c;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(1, OP_ASYNC_WAIT_ABORT);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 20000);
    send_request(&c, &q, s, 4);
    usleep(200000);
    send_simple(&c, PTYPE_CO_CANCEL, 1, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_int_eq(recv_reply(&c, 1, &r, 10000), 1);
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, NCA_S_FAULT_CANCEL);
    ck_assert_uint_eq(r.cancel_count, 1);
    reply_free(&r);
    call_u32(&c, 2, OP_ASYNC_WAIT_ABORT, 50, &r);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 4);
    ck_assert_uint_eq(rd32(r.stub), 0);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

/* An outstanding asynchronous call whose connection goes: the call is
 * orphaned (the routine's thread sees the cancel) and the server lives
 * on; its answer is dropped.  Also an orphaned PDU. */
START_TEST(test_async_lost_connection)
{
    uint32_t before[6], after[6];
    struct rc c;
    uint8_t s[4];
    struct req q = rq(1, OP_ASYNC_WAIT);

    for (int how = 0; how < 2; how++) {
        stats_now(_i, before);
        rc_open(&c, _i);
        bind_ok(&c, 5840, 0);
        le32(s, 20000);
        q = rq((uint32_t)(1 + how), how ? OP_ASYNC_WAIT_ABORT : OP_ASYNC_WAIT);
        send_request(&c, &q, s, 4);
        usleep(200000);
        if (how)
            send_simple(&c, PTYPE_ORPHANED, q.call_id, PFC_FIRST_FRAG | PFC_LAST_FRAG);
        else
            rc_close(&c);
        /* The driver thread sees the cancel and ends the call; only the
         * GetStats call itself is current then. */
        for (int i = 0; i < 250; i++) {
            stats_now(_i, after);
            if (after[ST_CANCELS] > before[ST_CANCELS] && after[ST_CURRENT] == 1)
                break;
            usleep(20000);
        }
        ck_assert_uint_eq(after[ST_CANCELS], before[ST_CANCELS] + 1);
        ck_assert_uint_eq(after[ST_ORPHANS], before[ST_ORPHANS] + 1);
        ck_assert_uint_eq(after[ST_CURRENT], 1);
        if (how) {
            /* The connection stays usable; the orphaned call's answer
             * was dropped. */
            struct reply r;

            call_u32(&c, 10, OP_ASYNC_WAIT, 10, &r);
            ck_assert(!r.fault);
            reply_free(&r);
            rc_close(&c);
        }
    }
    assert_alive(_i);
}
END_TEST

START_TEST(test_co_cancel_ignored)
{
    struct rc c;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(5, OP_WAIT);
    struct rpc_pdu p;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    /* For an unknown call_id: ignored, the call times out (result 0). */
    le32(s, 600);
    send_request(&c, &q, s, 4);
    usleep(100000);
    send_simple(&c, PTYPE_CO_CANCEL, 999, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_int_eq(recv_reply(&c, 5, &r, 10000), 1);
    ck_assert(!r.fault);
    ck_assert_uint_eq(rd32(r.stub + 4), 0);
    ck_assert_uint_ge(rd32(r.stub), 600);
    ck_assert_uint_eq(r.cancel_count, 0);
    reply_free(&r);

    /* Between the fragments of a request: ignored too. */
    rpc_pdu_init(&p, PTYPE_REQUEST, 6);
    p.hdr.pfc_flags = PFC_FIRST_FRAG;
    p.u.request.opnum = OP_WAIT;
    p.u.request.stub = s;
    p.u.request.stub_len = 2;
    rc_send_pdu(&c, &p);
    send_simple(&c, PTYPE_CO_CANCEL, 6, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    usleep(100000);
    p.hdr.pfc_flags = PFC_LAST_FRAG;
    p.u.request.stub = s + 2;
    rc_send_pdu(&c, &p);
    ck_assert_int_eq(recv_reply(&c, 6, &r, 10000), 1);
    ck_assert(!r.fault);
    ck_assert_uint_eq(rd32(r.stub + 4), 0);
    ck_assert_uint_eq(r.cancel_count, 0);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

START_TEST(test_pending_cancel_first_fragment)
{
    struct rc c;
    struct msg m;
    uint8_t s[4];
    struct req q = rq(3, OP_WAIT);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 1000);
    q.flags = PFC_PENDING_CANCEL;
    send_request(&c, &q, s, 4);
    m = expect_fault(&c, 3, 0x6bd);
    ck_assert_uint_eq(m.p.hdr.pfc_flags,
                      PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
}
END_TEST

START_TEST(test_cancel_not_observed)
{
    struct rc c;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(8, OP_SLEEP);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 1000);
    send_request(&c, &q, s, 4);
    usleep(200000);
    send_simple(&c, PTYPE_CO_CANCEL, 8, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    send_simple(&c, PTYPE_CO_CANCEL, 8, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_int_eq(recv_reply(&c, 8, &r, 10000), 1);
    /* Sleep never tests for cancel: the answer says so. */
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.cancel_count, 2);
    ck_assert(r.flags & PFC_PENDING_CANCEL);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

/* The stats once sleeps_completed has grown past before[ST_SLEEPS]. */
static void
wait_sleep_done(int transport, const uint32_t before[6], uint32_t after[6])
{
    for (int i = 0; i < 250; i++) {
        stats_now(transport, after);
        if (after[ST_SLEEPS] > before[ST_SLEEPS] && after[ST_CURRENT] == 1)
            return;
        usleep(20000);
    }
    ck_abort_msg("Sleep did not complete");
}

START_TEST(test_orphaned_sleep)
{
    uint32_t before[6], after[6];
    struct rc c;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(1, OP_SLEEP);

    stats_now(_i, before);
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 1000);
    send_request(&c, &q, s, 4);
    usleep(200000);
    send_simple(&c, PTYPE_ORPHANED, 1, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    /* The routine runs on, its answer is dropped, the connection stays
     * (keep-connection-on-orphan is the client's choice). */
    rc_expect_silence(&c, 1500);
    wait_sleep_done(_i, before, after);
    ck_assert_uint_eq(after[ST_ORPHANS], before[ST_ORPHANS] + 1);
    /* A new call on the same connection: the orphaned one no longer
     * counts as running. */
    q = rq(2, OP_STATS);
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

START_TEST(test_lost_connection)
{
    uint32_t before[6], after[6];
    struct rc c;
    uint8_t s[4];
    struct req q = rq(1, OP_SLEEP);

    stats_now(_i, before);
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 800);
    send_request(&c, &q, s, 4);
    usleep(200000);
    rc_close(&c);
    wait_sleep_done(_i, before, after);
    ck_assert_uint_eq(after[ST_ORPHANS], before[ST_ORPHANS] + 1);

    /* A lost connection also counts as a cancel for a routine that tests. */
    memcpy(before, after, sizeof(before));
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 20000);
    q = rq(2, OP_WAIT);
    send_request(&c, &q, s, 4);
    usleep(200000);
    rc_close(&c);
    for (int i = 0; i < 250; i++) {
        stats_now(_i, after);
        if (after[ST_CANCELS] > before[ST_CANCELS] && after[ST_CURRENT] == 1)
            break;
        usleep(20000);
    }
    ck_assert_uint_eq(after[ST_CANCELS], before[ST_CANCELS] + 1);
    ck_assert_uint_eq(after[ST_ORPHANS], before[ST_ORPHANS] + 1);
}
END_TEST

START_TEST(test_orphaned_mid_fragments)
{
    struct rc c;
    struct reply r;
    struct msg m;
    uint8_t s[4];
    struct rpc_pdu p;

    /* Orphaned between the fragments, then the last fragment: the call
     * still runs and is answered. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    le32(s, 100);
    rpc_pdu_init(&p, PTYPE_REQUEST, 31);
    p.hdr.pfc_flags = PFC_FIRST_FRAG;
    p.u.request.opnum = OP_WAIT;
    p.u.request.stub = s;
    p.u.request.stub_len = 2;
    rc_send_pdu(&c, &p);
    send_simple(&c, PTYPE_ORPHANED, 31, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    p.hdr.pfc_flags = PFC_LAST_FRAG;
    p.u.request.stub = s + 2;
    rc_send_pdu(&c, &p);
    ck_assert_int_eq(recv_reply(&c, 31, &r, 10000), 1);
    ck_assert(!r.fault);
    ck_assert_uint_eq(rd32(r.stub + 4), 0);
    reply_free(&r);
    rc_close(&c);

    /* Orphaned between the fragments, then another call: protocol
     * error on the call being reassembled, close. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    p.hdr.pfc_flags = PFC_FIRST_FRAG;
    p.hdr.call_id = 40;
    p.u.request.stub = s;
    rc_send_pdu(&c, &p);
    send_simple(&c, PTYPE_ORPHANED, 40, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    p.hdr.pfc_flags = PFC_FIRST_FRAG | PFC_LAST_FRAG;
    p.hdr.call_id = 41;
    p.u.request.stub_len = 4;
    rc_send_pdu(&c, &p);
    m = expect_fault(&c, 40, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);

    /* Orphaned for no call at all: ignored. */
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    send_simple(&c, PTYPE_ORPHANED, 77, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    call_u32(&c, 78, OP_SLEEP, 1, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    rc_close(&c);
}
END_TEST

/* ==== in-process API ======================================================= */

static char api_dir[64];

static void
api_setup(void)
{
    snprintf(api_dir, sizeof(api_dir), "/tmp/rpcrt-api-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(api_dir));
    setenv("RPCRT_LRPC_DIR", api_dir, 1);
    signal(SIGPIPE, SIG_IGN);
}

static void
api_teardown(void)
{
    char cmd[128];

    RpcrtServerShutdown();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", api_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", api_dir);
}

START_TEST(test_api_test_cancel_outside_call)
{
    int x;
    RPC_BINDING_HANDLE b = NULL;

    ck_assert_int_eq(RpcServerTestCancel(NULL), RPC_S_NO_CALL_ACTIVE);
    ck_assert_int_eq(RpcTestCancel(), RPC_S_NO_CALL_ACTIVE);
    ck_assert_int_eq(RpcServerTestCancel(&x), RPC_S_INVALID_BINDING);
    ck_assert_int_eq(RpcServerTestCancel((RPC_BINDING_HANDLE)(uintptr_t)0x1234), RPC_S_INVALID_BINDING);
    /* A client binding handle is not a call. */
    ck_assert_int_eq(RpcBindingFromStringBindingA((RPC_CSTR)"ncacn_ip_tcp:127.0.0.1[1]", &b),
                     RPC_S_OK);
    ck_assert_int_eq(RpcServerTestCancel(b), RPC_S_INVALID_BINDING);
    ck_assert_int_eq(RpcrtServerTestOrphaned(b), RPC_S_INVALID_BINDING);
    RpcBindingFree(&b);
}
END_TEST

START_TEST(test_api_protseqs)
{
    RPC_BINDING_VECTOR *v = NULL;
    RPC_CSTR s = NULL;
    struct stat st;
    char path[256];
    int fd;
    struct sockaddr_un sun;

    ck_assert_int_eq(RpcServerListen(1, 10, 1), RPC_S_NO_PROTSEQS_REGISTERED);
    ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_NO_BINDINGS);
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncacn_np", 10, (RPC_CSTR)"x", NULL),
                     RPC_S_PROTSEQ_NOT_SUPPORTED);
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncacn_ip_tcp", 10, (RPC_CSTR)"http", NULL),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    /* ncalrpc names cannot leave the socket directory. */
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncalrpc", 10, (RPC_CSTR)"../evil", NULL),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncalrpc", 10, (RPC_CSTR)"a/b", NULL),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncalrpc", 10, (RPC_CSTR)"..", NULL),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncalrpc", 10, (RPC_CSTR)"/tmp/x", NULL),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)"ncalrpc:[../evil]", 10, NULL),
                     RPC_S_INVALID_ENDPOINT_FORMAT);

    /* A stale socket file (nobody listening) is replaced. */
    snprintf(path, sizeof(path), "%s/stale", api_dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    ck_assert_int_lt(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path),
                     (int)sizeof(sun.sun_path));
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    close(fd);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncalrpc", 10, (RPC_CSTR)"stale", NULL),
                     RPC_S_OK);
    /* Using it again is fine; a regular file is not replaced. */
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncalrpc", 10, (RPC_CSTR)"stale", NULL),
                     RPC_S_OK);
    snprintf(path, sizeof(path), "%s/file", api_dir);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR)"ncalrpc", 10, (RPC_CSTR)"file", NULL),
                     RPC_S_DUPLICATE_ENDPOINT);

    ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)"ncacn_ip_tcp:127.0.0.1[0]", 10, &s),
                     RPC_S_OK);
    ck_assert_ptr_nonnull(strstr((char *)s, "ncacn_ip_tcp:127.0.0.1["));
    ck_assert_ptr_null(strstr((char *)s, "[0]"));
    RpcStringFree(&s);
    ck_assert_int_eq(RpcServerUseProtseqA((RPC_CSTR)"ncacn_ip_tcp", 10, NULL), RPC_S_OK);
    ck_assert_int_eq(RpcServerUseAllProtseqs(10, NULL), RPC_S_OK);

    ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_OK);
    ck_assert_uint_ge(v->Count, 4);
    for (unsigned long i = 0; i < v->Count; i++) {
        ck_assert_int_eq(RpcBindingToStringBindingA(v->BindingH[i], &s), RPC_S_OK);
        ck_assert(strncmp((char *)s, "ncacn_ip_tcp:", 13) == 0 ||
                  strncmp((char *)s, "ncalrpc:", 8) == 0);
        RpcStringFree(&s);
    }
    ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_OK);
    ck_assert_ptr_null(v);
}
END_TEST

START_TEST(test_api_register_listen)
{
    RPC_IF_ID_VECTOR *ids = NULL;
    RPC_IF_ID id;

    ck_assert_int_eq(rpctest_register(), RPC_S_OK);
    ck_assert_int_eq(rpctest_register(), RPC_S_TYPE_ALREADY_REGISTERED);
    ck_assert_int_eq(RpcIfInqId(rpctest_v1_0_s_ifspec, &id), RPC_S_OK);
    ck_assert(proto_uuid_equal(&id.Uuid, &rpctest_syntax.SyntaxGUID));
    ck_assert_uint_eq(id.VersMajor, 1);
    ck_assert_int_eq(RpcMgmtInqIfIds(NULL, &ids), RPC_S_OK);
    ck_assert_uint_eq(ids->Count, 1);
    ck_assert(proto_uuid_equal(&ids->IfId[0]->Uuid, &rpctest_syntax.SyntaxGUID));
    RpcIfIdVectorFree(&ids);
    ck_assert_ptr_null(ids);

    ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_NOT_LISTENING);
    ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_NOT_LISTENING);
    ck_assert_int_eq(RpcMgmtWaitServerListen(), RPC_S_NOT_LISTENING);
    ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)"ncalrpc:[api]", 10, NULL), RPC_S_OK);
    ck_assert_int_eq(RpcServerListen(2, 1, 1), RPC_S_MAX_CALLS_TOO_SMALL);
    ck_assert_int_eq(RpcServerListen(1, 10, 1), RPC_S_OK);
    ck_assert_int_eq(RpcServerListen(1, 10, 1), RPC_S_ALREADY_LISTENING);
    ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtWaitServerListen(), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_NOT_LISTENING);
    /* Listening again works. */
    ck_assert_int_eq(RpcServerListen(1, 10, 1), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtWaitServerListen(), RPC_S_OK);

    ck_assert_int_eq(RpcServerUnregisterIf(rpctest_v1_0_s_ifspec, NULL, 1), RPC_S_OK);
    ck_assert_int_eq(RpcServerUnregisterIf(rpctest_v1_0_s_ifspec, NULL, 1), RPC_S_UNKNOWN_IF);
    ck_assert_int_eq(RpcMgmtInqIfIds(NULL, &ids), RPC_S_OK);
    ck_assert_uint_eq(ids->Count, 0);
    RpcIfIdVectorFree(&ids);
}
END_TEST

static void *
listen_thread(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)RpcServerListen(1, 4, 0);
}

/* A client of this process through libclient, against the in-process
 * server: Echo, mgmt with a binding, stop from another thread. */
START_TEST(test_api_in_process)
{
    RPC_BINDING_HANDLE b = NULL;
    RPC_IF_ID_VECTOR *ids = NULL;
    RPC_CSTR actual = NULL;
    RPC_MESSAGE m;
    pthread_t t;
    void *ret;
    static RPC_CLIENT_INTERFACE ci;
    uint8_t stub[8 + 5] = {5, 0, 0, 0, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'};

    ck_assert_int_eq(rpctest_register(), RPC_S_OK);
    ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)"ncacn_ip_tcp:127.0.0.1[0]", 10, &actual),
                     RPC_S_OK);
    ck_assert_int_eq(pthread_create(&t, NULL, listen_thread, NULL), 0);
    for (int i = 0; i < 500 && RpcMgmtIsServerListening(NULL) != RPC_S_OK; i++)
        usleep(10000);
    ck_assert_int_eq(RpcBindingFromStringBindingA(actual, &b), RPC_S_OK);
    RpcStringFree(&actual);

    ci.Length = sizeof(ci);
    ci.InterfaceId = rpctest_syntax;
    ci.TransferSyntax = rpc_ndr20_syntax;
    memset(&m, 0, sizeof(m));
    m.Handle = b;
    m.RpcInterfaceInformation = &ci;
    m.ProcNum = OP_ECHO;
    m.BufferLength = sizeof(stub);
    m.DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
    ck_assert_int_eq(I_RpcGetBuffer(&m), RPC_S_OK);
    memcpy(m.Buffer, stub, sizeof(stub));
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_uint_eq(m.BufferLength, 4 + 5 + 3 + 4);
    ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, "hello", 5), 0);
    I_RpcFreeBuffer(&m);

    /* Unregistered, the interface serves no call of the connection that
     * used it a moment ago (srv_if_find_conn's memory of it is stale);
     * registered again, it serves the next. */
    ck_assert_int_eq(RpcServerUnregisterIf(rpctest_v1_0_s_ifspec, NULL, 1), RPC_S_OK);
    for (int round = 0; round < 2; round++) {
        m.ProcNum = OP_ECHO;
        m.BufferLength = sizeof(stub);
        ck_assert_int_eq(I_RpcGetBuffer(&m), RPC_S_OK);
        memcpy(m.Buffer, stub, sizeof(stub));
        if (round == 0) {
            ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_UNKNOWN_IF);
            ck_assert_int_eq(rpctest_register(), RPC_S_OK);
            continue;
        }
        ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
        ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, "hello", 5), 0);
        I_RpcFreeBuffer(&m);
    }

    /* The RpcMgmt* functions with a binding: the mgmt interface. */
    ck_assert_int_eq(RpcMgmtIsServerListening(b), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtInqIfIds(b, &ids), RPC_S_OK);
    ck_assert_uint_eq(ids->Count, 1);
    ck_assert(proto_uuid_equal(&ids->IfId[0]->Uuid, &rpctest_syntax.SyntaxGUID));
    RpcIfIdVectorFree(&ids);
    ck_assert_int_eq(RpcMgmtStopServerListening(b), RPC_S_ACCESS_DENIED);
    ck_assert_int_eq(RpcrtServerSetOption(RPCRT_OPT_ALLOW_REMOTE_STOP, 1), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtStopServerListening(b), RPC_S_OK);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_int_eq((int)(intptr_t)ret, RPC_S_OK);
    ck_assert_int_eq(RpcMgmtIsServerListening(b), RPC_S_NOT_LISTENING);
    RpcBindingFree(&b);
}
END_TEST

/* An interface of one routine that keeps its call's handle and answers
 * with what RpcServerTestCancel says of it (4 bytes). */
static _Atomic(RPC_BINDING_HANDLE) kept_handle;

static void
keep_handle_routine(PRPC_MESSAGE m)
{
    RPC_STATUS st = RpcServerTestCancel(m->Handle);
    uint32_t v = (uint32_t)st;

    kept_handle = m->Handle;
    m->BufferLength = 4;
    if (I_RpcGetBuffer(m) == RPC_S_OK)
        memcpy(m->Buffer, &v, 4);
}

static RPC_DISPATCH_FUNCTION keep_table[] = {keep_handle_routine};
static RPC_DISPATCH_TABLE keep_dispatch = {1, keep_table, 0};
static RPC_SERVER_INTERFACE keep_if = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x6e0f3c41, 0x2b1d, 0x4a55, {0x9c, 0x11, 0x5a, 0x3e, 0x70, 0x21, 0xd4, 0x08}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    &keep_dispatch,
    0, NULL, NULL, NULL, 0,
};

/* Serves sif in this process on a dynamic TCP port and the ncalrpc
 * endpoint name lrpc_ep (RpcServerListen on thread *t): actual[] gets the
 * two string bindings (TCP first), ci a client interface for sif. */
static void
api_serve(RPC_SERVER_INTERFACE *sif, const char *lrpc_ep, RPC_CSTR actual[2],
          RPC_CLIENT_INTERFACE *ci, pthread_t *t)
{
    char lrpc[64];
    const char *eps[2] = {"ncacn_ip_tcp:127.0.0.1[0]", lrpc};

    snprintf(lrpc, sizeof(lrpc), "ncalrpc:[%s]", lrpc_ep);
    ck_assert_int_eq(RpcServerRegisterIf2(sif, NULL, NULL, 0,
                                          RPC_C_LISTEN_MAX_CALLS_DEFAULT,
                                          (unsigned int)-1, NULL), RPC_S_OK);
    for (int e = 0; e < 2; e++)
        ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)eps[e], 10, &actual[e]),
                         RPC_S_OK);
    ck_assert_int_eq(pthread_create(t, NULL, listen_thread, NULL), 0);
    for (int i = 0; i < 500 && RpcMgmtIsServerListening(NULL) != RPC_S_OK; i++)
        usleep(10000);
    memset(ci, 0, sizeof(*ci));
    ci->Length = sizeof(*ci);
    ci->InterfaceId = sif->InterfaceId;
    ci->TransferSyntax = rpc_ndr20_syntax;
}

/* Stops api_serve's listening; RpcServerListen returned RPC_S_OK. */
static void
api_stop(pthread_t t)
{
    void *ret;

    ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_OK);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_int_eq((int)(intptr_t)ret, RPC_S_OK);
}

/* A call's handle is refused once its call is over -- RpcServerTestCancel
 * and RpcrtServerTestOrphaned say RPC_S_INVALID_BINDING -- also when calls
 * follow each other on one connection, whose thread stays on it and
 * reuses the finished call's object (and its registry entry) for the
 * next; and the routine of each of those calls sees its own handle live.
 * Over both transports. */
START_TEST(test_api_finished_call_handle)
{
    RPC_CSTR actual[2] = {NULL, NULL};
    static RPC_CLIENT_INTERFACE ci;
    pthread_t t;

    api_serve(&keep_if, "keep", actual, &ci, &t);
    for (int e = 0; e < 2; e++) {
        RPC_BINDING_HANDLE b = NULL;

        ck_assert_int_eq(RpcBindingFromStringBindingA(actual[e], &b), RPC_S_OK);
        for (int i = 0; i < 50; i++) {
            RPC_MESSAGE m;
            uint32_t v;

            memset(&m, 0, sizeof(m));
            m.Handle = b;
            m.RpcInterfaceInformation = &ci;
            m.DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
            kept_handle = NULL;
            ck_assert_int_eq(I_RpcGetBuffer(&m), RPC_S_OK);
            ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
            ck_assert_uint_eq(m.BufferLength, 4);
            memcpy(&v, m.Buffer, 4);
            I_RpcFreeBuffer(&m);
            ck_assert_msg(v == RPC_S_CALL_IN_PROGRESS, "%s call %d: own handle gave %u",
                          (const char *)actual[e], i, (unsigned)v);
            ck_assert_ptr_nonnull(kept_handle);
            ck_assert_int_eq(RpcServerTestCancel(kept_handle), RPC_S_INVALID_BINDING);
            ck_assert_int_eq(RpcrtServerTestOrphaned(kept_handle), RPC_S_INVALID_BINDING);
        }
        RpcBindingFree(&b);
        RpcStringFree(&actual[e]);
    }
    api_stop(t);
}
END_TEST

/* An interface of one routine that answers with its request, sent from
 * the request buffer (RpcrtBufferSendFrom), after a 4-byte word of what
 * the runtime refused first: bit i set when refusal i came as it should. */
static void
range_routine(PRPC_MESSAGE m)
{
    const uint8_t *req = m->Buffer;
    size_t n = m->BufferLength;
    uint8_t mine[8] = {0};
    uint32_t ok = 0;

    /* The request buffer is no reply buffer. */
    ok |= (uint32_t)(RpcrtBufferSendFrom(m, 0, req, 1) == RPC_S_INVALID_ARG) << 0;
    m->BufferLength = (unsigned int)(4 + n);
    if (I_RpcGetBuffer(m) != RPC_S_OK)
        return;
    /* Memory that is not the request's, or not all of it. */
    ok |= (uint32_t)(RpcrtBufferSendFrom(m, 4, mine, 4) == RPC_S_INVALID_ARG) << 1;
    ok |= (uint32_t)(n > 0 && RpcrtBufferSendFrom(m, 4, req + 1, (unsigned)n) ==
                                  RPC_S_INVALID_ARG) << 2;
    /* Beyond the reply buffer. */
    ok |= (uint32_t)(RpcrtBufferSendFrom(m, (unsigned)(4 + n - 1), req, 2) ==
                     RPC_S_INVALID_ARG) << 3;
    /* Nothing is received on a server. */
    ok |= (uint32_t)(RpcrtBufferReceiveInto(m, 0, mine, 4) ==
                     RPC_S_WRONG_KIND_OF_BINDING) << 4;
    /* A range; replaced by the one that counts. */
    ok |= (uint32_t)(RpcrtBufferSendFrom(m, 4, req, 1) == RPC_S_OK) << 5;
    ok |= (uint32_t)(RpcrtBufferSendFrom(m, 4, req, (unsigned)n) == RPC_S_OK) << 6;
    memcpy(m->Buffer, &ok, 4);
    memset((uint8_t *)m->Buffer + 4, 0x55, n);
}

static RPC_DISPATCH_FUNCTION range_table[] = {range_routine};
static RPC_DISPATCH_TABLE range_dispatch = {1, range_table, 0};
static RPC_SERVER_INTERFACE range_if = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x1c5e8a20, 0x7d41, 0x4b0e, {0xa3, 0x52, 0x19, 0x6f, 0x0c, 0x88, 0xe4, 0x31}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    &range_dispatch,
    0, NULL, NULL, NULL, 0,
};

/* RpcrtBufferSendFrom in a manager routine: refused for anything but a
 * range of the reply buffer from the request buffer; with one, the reply
 * carries the request's bytes, over both transports, from a few bytes to
 * many fragments. */
START_TEST(test_api_reply_sent_from_request)
{
    static const unsigned sizes[] = {1, 100, 70001};
    RPC_CSTR actual[2] = {NULL, NULL};
    static RPC_CLIENT_INTERFACE ci;
    pthread_t t;

    api_serve(&range_if, "range", actual, &ci, &t);
    for (int e = 0; e < 2; e++) {
        RPC_BINDING_HANDLE b = NULL;

        ck_assert_int_eq(RpcBindingFromStringBindingA(actual[e], &b), RPC_S_OK);
        for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
            unsigned n = sizes[z];
            RPC_MESSAGE m;
            uint32_t ok;

            memset(&m, 0, sizeof(m));
            m.Handle = b;
            m.RpcInterfaceInformation = &ci;
            m.DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
            m.BufferLength = n;
            ck_assert_int_eq(I_RpcGetBuffer(&m), RPC_S_OK);
            for (unsigned i = 0; i < n; i++)
                ((uint8_t *)m.Buffer)[i] = (uint8_t)(i * 7 + z);
            ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
            ck_assert_uint_eq(m.BufferLength, 4 + n);
            memcpy(&ok, m.Buffer, 4);
            ck_assert_msg(ok == 0x7f, "%s, %u bytes: refusals 0x%x",
                          (const char *)actual[e], n, (unsigned)ok);
            for (unsigned i = 0; i < n; i++)
                ck_assert_msg(((uint8_t *)m.Buffer)[4 + i] == (uint8_t)(i * 7 + z),
                              "%s, %u bytes: byte %u", (const char *)actual[e], n, i);
            I_RpcFreeBuffer(&m);
        }
        RpcBindingFree(&b);
        RpcStringFree(&actual[e]);
    }
    api_stop(t);
}
END_TEST

/* An interface whose routine counts the routines running and notes one
 * that starts after RpcServerListen has returned. */
static atomic_int in_routine, listen_over, late_routines;

static void
counted_routine(PRPC_MESSAGE m)
{
    atomic_fetch_add(&in_routine, 1);
    if (atomic_load(&listen_over))
        atomic_fetch_add(&late_routines, 1);
    usleep(200);
    m->BufferLength = 0;
    (void)I_RpcGetBuffer(m);
    atomic_fetch_sub(&in_routine, 1);
}

static RPC_DISPATCH_FUNCTION counted_table[] = {counted_routine};
static RPC_DISPATCH_TABLE counted_dispatch = {1, counted_table, 0};
static RPC_SERVER_INTERFACE counted_if = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x3d8e41a7, 0x55c2, 0x4b19, {0x8e, 0x02, 0x71, 0x9f, 0x4c, 0x13, 0xa6, 0x5d}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    &counted_dispatch,
    0, NULL, NULL, NULL, 0,
};

/* Set before the callers start. */
static RPC_CLIENT_INTERFACE counted_ci;

struct caller {
    RPC_CSTR binding;
    atomic_int *calls;
    atomic_int *stop;
};

static void *
caller_thread(void *arg)
{
    struct caller *c = arg;
    RPC_BINDING_HANDLE b = NULL;

    if (RpcBindingFromStringBindingA(c->binding, &b) != RPC_S_OK)
        return NULL;
    /* Back-to-back calls (a thread stays on the connection) until told to
     * stop; bounded, refusals included. */
    for (int n = 0; n < 20000 && !atomic_load(c->stop); n++) {
        RPC_MESSAGE m;

        memset(&m, 0, sizeof(m));
        m.Handle = b;
        m.RpcInterfaceInformation = &counted_ci;
        m.DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
        if (I_RpcGetBuffer(&m) != RPC_S_OK)
            break;
        if (I_RpcSendReceive(&m) == RPC_S_OK) {
            atomic_fetch_add(c->calls, 1);
            I_RpcFreeBuffer(&m);
        }
    }
    RpcBindingFree(&b);
    return NULL;
}

/* Calls are counted in and out without the server's lock (srv_worker.c,
 * admit): a stop of listening while clients call back to back on
 * connections their threads stay on still ends listening only after the
 * last admitted routine, and admits none after.  Five rounds of listen,
 * calls from two clients (TCP, ncalrpc), stop. */
START_TEST(test_api_stop_while_calling)
{
    const char *eps[] = {"ncacn_ip_tcp:127.0.0.1[0]", "ncalrpc:[counted]"};
    RPC_CSTR actual[2] = {NULL, NULL};

    counted_ci.Length = sizeof(counted_ci);
    counted_ci.InterfaceId = counted_if.InterfaceId;
    counted_ci.TransferSyntax = rpc_ndr20_syntax;
    ck_assert_int_eq(RpcServerRegisterIf2(&counted_if, NULL, NULL, 0,
                                          RPC_C_LISTEN_MAX_CALLS_DEFAULT,
                                          (unsigned int)-1, NULL), RPC_S_OK);
    for (int e = 0; e < 2; e++)
        ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)eps[e], 10, &actual[e]),
                         RPC_S_OK);
    for (int round = 0; round < 5; round++) {
        atomic_int calls = 0, stop = 0;
        struct caller cl[2] = {{actual[0], &calls, &stop}, {actual[1], &calls, &stop}};
        pthread_t lt, ct[2];
        void *ret;

        atomic_store(&listen_over, 0);
        ck_assert_int_eq(pthread_create(&lt, NULL, listen_thread, NULL), 0);
        for (int i = 0; i < 500 && RpcMgmtIsServerListening(NULL) != RPC_S_OK; i++)
            usleep(10000);
        for (int t = 0; t < 2; t++)
            ck_assert_int_eq(pthread_create(&ct[t], NULL, caller_thread, &cl[t]), 0);
        for (int i = 0; i < 3000 && atomic_load(&calls) < 100 * (round + 1); i++)
            usleep(1000);
        ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_OK);
        ck_assert_int_eq(pthread_join(lt, &ret), 0);
        /* Listening has ended: no routine runs, and none starts. */
        int running = atomic_load(&in_routine);
        ck_assert_int_eq(running, 0);
        atomic_store(&listen_over, 1);
        usleep(20000);
        atomic_store(&stop, 1);
        for (int t = 0; t < 2; t++)
            ck_assert_int_eq(pthread_join(ct[t], NULL), 0);
        ck_assert_int_eq((int)(intptr_t)ret, RPC_S_OK);
        int made = atomic_load(&calls), late = atomic_load(&late_routines);
        ck_assert_int_gt(made, 0);
        ck_assert_int_eq(late, 0);
    }
    for (int e = 0; e < 2; e++)
        RpcStringFree(&actual[e]);
}
END_TEST

/* One dynamic port on IPv4 and IPv6 for a wildcard endpoint. */
START_TEST(test_api_dual_stack)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    RPC_CSTR actual = NULL;
    char ep[16];
    unsigned port;
    int fams[2] = {AF_INET, AF_INET6};

    ck_assert_int_eq(rpctest_register(), RPC_S_OK);
    ck_assert_int_eq(RpcrtServerUseEndpoint((RPC_CSTR)"ncacn_ip_tcp:[0]", 10, &actual),
                     RPC_S_OK);
    /* A wildcard endpoint has no address in its string binding. */
    ck_assert_int_eq(strncmp((char *)actual, "ncacn_ip_tcp:[", 14), 0);
    endpoint_of((char *)actual, ep, sizeof(ep));
    port = (unsigned)atoi(ep);
    ck_assert_uint_gt(port, 0);
    RpcStringFree(&actual);
    ck_assert_int_eq(RpcServerListen(1, 10, 1), RPC_S_OK);
    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);
    for (int f = 0; f < 2; f++) {
        struct sockaddr_storage ss;
        socklen_t sl;
        struct rc c;
        struct msg m;

        memset(&ss, 0, sizeof(ss));
        memset(&c, 0, sizeof(c));
        if (fams[f] == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            a->sin_family = AF_INET;
            a->sin_port = htons((uint16_t)port);
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            sl = sizeof(*a);
        } else {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            a->sin6_family = AF_INET6;
            a->sin6_port = htons((uint16_t)port);
            a->sin6_addr = in6addr_loopback;
            sl = sizeof(*a);
        }
        c.fd = socket(fams[f], SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&ss, sl) != 0) {
            /* No IPv6 loopback in this environment. */
            ck_assert_int_eq(fams[f], AF_INET6);
            rc_close(&c);
            continue;
        }
        send_bind(&c, PTYPE_BIND, 1, 0, 5840, 5840, &ctx, 1);
        ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
        ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
        ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
        msg_free(&m);
        rc_close(&c);
    }
}
END_TEST

START_TEST(test_api_options)
{
    unsigned long v;

    ck_assert_int_eq(RpcrtServerInqOption(RPCRT_OPT_MAX_REQUEST_SIZE, &v), RPC_S_OK);
    ck_assert_uint_eq(v, 64u << 20);
    ck_assert_int_eq(RpcrtServerSetOption(RPCRT_OPT_MAX_REQUEST_SIZE, 10), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtServerSetOption(RPCRT_OPT_IDLE_TIMEOUT, 5), RPC_S_OK);
    ck_assert_int_eq(RpcrtServerInqOption(RPCRT_OPT_IDLE_TIMEOUT, &v), RPC_S_OK);
    ck_assert_uint_eq(v, 5);
    ck_assert_int_eq(RpcrtServerInqOption(RPCRT_OPT_INLINE_GRACE_US, &v), RPC_S_OK);
    ck_assert_uint_eq(v, 1000);
    ck_assert_int_eq(RpcrtServerSetOption(RPCRT_OPT_INLINE_GRACE_US, 99), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtServerSetOption(RPCRT_OPT_INLINE_GRACE_US, 60000001), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtServerSetOption(RPCRT_OPT_INLINE_GRACE_US, 250), RPC_S_OK);
    ck_assert_int_eq(RpcrtServerInqOption(RPCRT_OPT_INLINE_GRACE_US, &v), RPC_S_OK);
    ck_assert_uint_eq(v, 250);
    ck_assert_int_eq(RpcrtServerSetOption(RPCRT_OPT_INLINE_GRACE_US, 1000), RPC_S_OK);
    ck_assert_int_eq(RpcrtServerSetOption(999, 1), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtServerInqOption(999, &v), RPC_S_INVALID_ARG);
}
END_TEST

/* ==== hostile peers (issue 7) ==============================================
 * Each test ends by checking that a fresh client's good call works and
 * that a connection opened before the hostile one (the bystander) still
 * serves its calls. */

static void
bystander_open(struct rc *b, int transport)
{
    rc_open(b, transport);
    bind_ok(b, 5840, 0);
}

/* The bystander's Echo still works; closes it. */
static void
bystander_check(struct rc *b, uint32_t call_id)
{
    struct reply r;
    size_t len;
    uint8_t *s = echo_stub(300, &len, call_id);
    struct req q = rq(call_id, OP_ECHO);

    call(b, &q, s, len, &r);
    check_echo(s, 300, &r);
    reply_free(&r);
    free(s);
    rc_close(b);
}

/* Encodes p and hands the bytes to fn for patching before sending. */
static void
send_patched(struct rc *c, struct rpc_pdu *p, void (*fn)(uint8_t *, size_t, int),
             int arg)
{
    struct ndr_cursor w;

    ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(p, &w), 0);
    fn(w.data, w.len, arg);
    rc_send(c, w.data, w.len);
    ndr_cursor_free(&w);
}

static void
patch_drep(uint8_t *b, size_t n, int which)
{
    (void)n;
    b[4 + which] = 0x5a;
}

static void
patch_auth_length(uint8_t *b, size_t n, int v)
{
    (void)n;
    b[10] = (uint8_t)v;
    b[11] = (uint8_t)(v >> 8);
}

static void
bind_pdu(struct rpc_pdu *p, struct rpc_ctx_elem *ctx, RPC_SYNTAX_IDENTIFIER *ndr)
{
    *ndr = rpc_ndr20_syntax;
    ctx_init(ctx, 0, &rpctest_syntax, ndr, 1);
    rpc_pdu_init(p, PTYPE_BIND, 1);
    p->u.bind.max_xmit_frag = 5840;
    p->u.bind.max_recv_frag = 5840;
    p->u.bind.n_ctx = 1;
    p->u.bind.ctx = ctx;
}

/* drep bytes 1-3 must be 0 (C706 12.6.3.1: IEEE floats, reserved): a
 * bind with any of them set gets bind_nak, a request a fault
 * nca_s_proto_error; a close either way. */
START_TEST(test_hostile_drep)
{
    RPC_SYNTAX_IDENTIFIER ndr;
    struct rpc_ctx_elem ctx;
    struct rpc_pdu p;
    struct rc b, c;
    struct msg m;

    bystander_open(&b, _i);
    for (int which = 1; which <= 3; which++) {
        rc_open(&c, _i);
        bind_pdu(&p, &ctx, &ndr);
        send_patched(&c, &p, patch_drep, which);
        ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
        ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_NAK);
        msg_free(&m);
        rc_expect_closed(&c, 10000);
        rc_close(&c);

        rc_open(&c, _i);
        bind_ok(&c, 5840, 0);
        rpc_pdu_init(&p, PTYPE_REQUEST, 30);
        p.u.request.opnum = OP_STATS;
        send_patched(&c, &p, patch_drep, which);
        m = expect_fault(&c, 30, NCA_S_PROTO_ERROR);
        msg_free(&m);
        rc_expect_closed(&c, 10000);
        rc_close(&c);
    }
    assert_alive(_i);
    bystander_check(&b, 2);
}
END_TEST

/* Reserved and misplaced pfc_flags: a bind's flags are ignored (as
 * Windows does); PFC_RESERVED_1 or PFC_DID_NOT_EXECUTE on a request, and
 * PFC_RESERVED_1 on a co_cancel, are protocol errors (fault, close). */
static void
patch_flags(uint8_t *b, size_t n, int flags)
{
    (void)n;
    b[3] = (uint8_t)(b[3] | flags);
}

START_TEST(test_hostile_reserved_flags)
{
    static const struct {
        uint8_t ptype;
        int flags;
    } bad[] = {
        {PTYPE_REQUEST, PFC_RESERVED_1},
        {PTYPE_REQUEST, PFC_DID_NOT_EXECUTE},
        {PTYPE_CO_CANCEL, PFC_RESERVED_1},
    };
    RPC_SYNTAX_IDENTIFIER ndr;
    struct rpc_ctx_elem ctx;
    struct rpc_pdu p;
    struct rc b, c;
    struct msg m;
    struct reply r;
    struct req q = rq(2, OP_STATS);

    bystander_open(&b, _i);
    rc_open(&c, _i);
    bind_pdu(&p, &ctx, &ndr);
    send_patched(&c, &p, patch_flags, PFC_RESERVED_1 | PFC_MAYBE | PFC_DID_NOT_EXECUTE);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
    msg_free(&m);
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    rc_close(&c);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rc_open(&c, _i);
        bind_ok(&c, 5840, 0);
        rpc_pdu_init(&p, bad[i].ptype, 70);
        if (bad[i].ptype == PTYPE_REQUEST)
            p.u.request.opnum = OP_STATS;
        send_patched(&c, &p, patch_flags, bad[i].flags);
        m = expect_fault(&c, 70, NCA_S_PROTO_ERROR);
        msg_free(&m);
        rc_expect_closed(&c, 10000);
        rc_close(&c);
    }
    assert_alive(_i);
    bystander_check(&b, 3);
}
END_TEST

/* auth_length larger than the PDU (and than the PDU less its headers):
 * bind_nak before the bind, fault after it, a close either way. */
START_TEST(test_hostile_auth_length)
{
    static const int lengths[] = {0xffff, 200, 9};
    RPC_SYNTAX_IDENTIFIER ndr;
    struct rpc_ctx_elem ctx;
    struct rpc_pdu p;
    struct rc b, c;
    struct msg m;
    uint8_t stub[8] = {0};

    bystander_open(&b, _i);
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        rc_open(&c, _i);
        bind_pdu(&p, &ctx, &ndr);
        send_patched(&c, &p, patch_auth_length, lengths[i]);
        ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
        ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_NAK);
        msg_free(&m);
        rc_expect_closed(&c, 10000);
        rc_close(&c);

        rc_open(&c, _i);
        bind_ok(&c, 5840, 0);
        rpc_pdu_init(&p, PTYPE_REQUEST, 31);
        p.u.request.opnum = OP_ECHO;
        p.u.request.stub = stub;
        p.u.request.stub_len = sizeof(stub);
        send_patched(&c, &p, patch_auth_length, lengths[i]);
        m = expect_fault(&c, 31, NCA_S_PROTO_ERROR);
        msg_free(&m);
        rc_expect_closed(&c, 10000);
        rc_close(&c);
    }
    assert_alive(_i);
    bystander_check(&b, 3);
}
END_TEST

/* The server's resident set, kB (/proc). */
static long
server_rss_kb(void)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)srvp.pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* alloc_hint 4 GiB - 1: nothing is allocated from it.  On a request that
 * is all in one fragment it is ignored (the call is served); on a first
 * fragment with more to come it is refused at once (access denied,
 * close).  The server's RSS does not jump. */
START_TEST(test_hostile_alloc_hint)
{
    struct rpc_pdu p;
    struct rc b, c;
    struct reply r;
    struct msg m;
    size_t len;
    uint8_t *s = echo_stub(100, &len, 9);
    long rss0, rss1;

    bystander_open(&b, _i);
    rss0 = server_rss_kb();
    ck_assert_int_gt(rss0, 0);
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (uint32_t id = 40; id < 50; id++) {
        rpc_pdu_init(&p, PTYPE_REQUEST, id);
        p.u.request.alloc_hint = 0xffffffffu;
        p.u.request.opnum = OP_ECHO;
        p.u.request.stub = s;
        p.u.request.stub_len = len;
        rc_send_pdu(&c, &p);
        ck_assert_int_eq(recv_reply(&c, id, &r, 20000), 1);
        check_echo(s, 100, &r);
        reply_free(&r);
    }
    rpc_pdu_init(&p, PTYPE_REQUEST, 50);
    p.hdr.pfc_flags = PFC_FIRST_FRAG;
    p.u.request.alloc_hint = 0xffffffffu;
    p.u.request.opnum = OP_ECHO;
    p.u.request.stub = s;
    p.u.request.stub_len = len;
    rc_send_pdu(&c, &p);
    m = expect_fault(&c, 50, RPC_S_ACCESS_DENIED);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
    free(s);
    rss1 = server_rss_kb();
    /* 4 GiB was never asked for; 64 MiB is far above any noise. */
    ck_assert_msg(rss1 - rss0 < 64 * 1024, "server RSS grew from %ld to %ld kB",
                  rss0, rss1);
    assert_alive(_i);
    bystander_check(&b, 4);
}
END_TEST

/* 255 presentation contexts in one bind (the most p_context_elem_t's
 * n_context_elem can count): all accepted, the last one usable; one
 * alter_context past the per-connection limit refuses only what is over
 * it. */
START_TEST(test_hostile_255_contexts)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem *ctx = calloc(255, sizeof(*ctx));
    struct rc b, c;
    struct msg m;
    struct reply r;
    size_t len;
    uint8_t *s = echo_stub(64, &len, 5);
    struct req q = rq(2, OP_ECHO);

    ck_assert_ptr_nonnull(ctx);
    bystander_open(&b, _i);
    for (unsigned i = 0; i < 255; i++)
        ctx_init(&ctx[i], (uint16_t)i, i % 2 ? &mgmt_syntax : &rpctest_syntax,
                 &ndr, 1);
    rc_open(&c, _i);
    send_bind(&c, PTYPE_BIND, 1, 0, 5840, 5840, ctx, 255);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
    ck_assert_uint_eq(m.p.u.bind_ack.n_results, 255);
    for (unsigned i = 0; i < 255; i++)
        ck_assert_uint_eq(m.p.u.bind_ack.results[i].result, P_CONT_ACCEPTANCE);
    msg_free(&m);
    q.ctx = 254;
    call(&c, &q, s, len, &r);
    check_echo(s, 64, &r);
    reply_free(&r);

    /* Two more: one fits under the limit of 256, one does not. */
    ctx_init(&ctx[0], 255, &rpctest_syntax, &ndr, 1);
    ctx_init(&ctx[1], 256, &rpctest_syntax, &ndr, 1);
    send_bind(&c, PTYPE_ALTER_CONTEXT, 3, 0, 5840, 5840, ctx, 2);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_ALTER_CONTEXT_RESP);
    ck_assert_uint_eq(m.p.u.bind_ack.n_results, 2);
    ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
    ck_assert_uint_ne(m.p.u.bind_ack.results[1].result, P_CONT_ACCEPTANCE);
    msg_free(&m);
    q = rq(4, OP_ECHO);
    q.ctx = 255;
    call(&c, &q, s, len, &r);
    check_echo(s, 64, &r);
    reply_free(&r);
    rc_close(&c);
    free(s);
    free(ctx);
    assert_alive(_i);
    bystander_check(&b, 5);
}
END_TEST

/* Binds rpctest as context 0 with PFC_CONC_MPX (calls multiplexed). */
static void
bind_mpx(struct rc *c)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    struct rpc_pdu p;
    struct msg m;

    ctx_init(&ctx, 0, &rpctest_syntax, &ndr, 1);
    rpc_pdu_init(&p, PTYPE_BIND, 1);
    p.hdr.pfc_flags |= PFC_CONC_MPX;
    p.u.bind.max_xmit_frag = 5840;
    p.u.bind.max_recv_frag = 5840;
    p.u.bind.n_ctx = 1;
    p.u.bind.ctx = &ctx;
    rc_send_pdu(c, &p);
    ck_assert_int_eq(rc_recv(c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
    ck_assert(m.p.hdr.pfc_flags & PFC_CONC_MPX);
    msg_free(&m);
}

/* call_id reuse: after a call is answered its id is free again (impacket
 * reuses 1); reusing the id of a call still running is a protocol error
 * (fault, close) -- also on a multiplexed connection. */
/* Requests that one read of the server brings in together run as a batch
 * on the thread that read them; when the first blocks, the watcher takes
 * the loop over and the ones not begun go to other threads: the second
 * call's answer comes while the first still sleeps.  Both requests go on
 * one connection (concurrent multiplexing) in one write, so that the
 * server reads them together. */
static size_t
encode_request(uint8_t *buf, size_t cap, uint32_t call_id, uint16_t opnum,
               const uint8_t *stub, size_t len)
{
    struct ndr_cursor w;
    struct rpc_pdu p;
    size_t n;

    rpc_pdu_init(&p, PTYPE_REQUEST, call_id);
    p.hdr.pfc_flags = PFC_FIRST_FRAG | PFC_LAST_FRAG;
    p.u.request.alloc_hint = (uint32_t)len;
    p.u.request.opnum = opnum;
    p.u.request.stub = stub;
    p.u.request.stub_len = len;
    ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    ck_assert_uint_le(w.len, cap);
    memcpy(buf, w.data, w.len);
    n = w.len;
    ndr_cursor_free(&w);
    return n;
}

/* A few Stats calls (ids first, first + 1, first + 2) on c, so that the
 * server's pool has an idle thread to take the loop over: only then does
 * the thread that read a request keep it and run it itself. */
static void
warm_pool(struct rc *c, uint32_t first)
{
    for (uint32_t id = first; id < first + 3; id++) {
        struct req q = rq(id, OP_STATS);
        struct reply r;

        call(c, &q, NULL, 0, &r);
        ck_assert(!r.fault);
        reply_free(&r);
    }
}

START_TEST(test_batch_first_blocks)
{
    struct rc c;
    uint8_t s[4], buf[512];
    size_t n;

    rc_open(&c, _i);
    bind_mpx(&c);
    warm_pool(&c, 10);
    le32(s, 5000);
    n = encode_request(buf, sizeof(buf), 1, OP_SLEEP, s, 4);
    n += encode_request(buf + n, sizeof(buf) - n, 2, OP_STATS, NULL, 0);
    rc_send(&c, buf, n);
    /* recv_reply fails on any other call's answer: Stats's comes first. */
    expect_ok(&c, 2, 60000);
    expect_ok(&c, 1, 60000);

    rc_close(&c);
    assert_alive(_i);
}
END_TEST

/* With the watcher's tick at 60 s (RPCRT_OPT_INLINE_GRACE_US), nothing but
 * the routine's own cancel test hands the loop on while the loop's thread
 * runs WaitForCancel itself: another connection's call is answered and the
 * co_cancel read while the routine waits, long before it would return. */
static void
setup_long_grace(void)
{
    static const char *const a[] = {"--option", "inline-grace-us=60000000", NULL};
    start_with(a);
}

/* WaitForCancel on a connection read by whichever thread the server has
 * let it (the loop's, run inline; or one staying on it): its cancel test
 * lets the loop read the co_cancel, another connection is served while it
 * waits, and calls go on on that connection afterwards. */
static void
check_cancel_test_frees_loop(int transport)
{
    struct rc b, c;
    struct reply r;
    uint8_t s[4];
    struct req q;

    bystander_open(&b, transport);
    rc_open(&c, transport);
    bind_ok(&c, 5840, 0);
    warm_pool(&c, 10);
    le32(s, 30000);
    q = rq(1, OP_WAIT);
    send_request(&c, &q, s, 4);
    usleep(200000);
    q = rq(2, OP_STATS);
    send_request(&b, &q, NULL, 0);
    expect_ok(&b, 2, 15000);
    send_simple(&c, PTYPE_CO_CANCEL, 1, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_int_eq(recv_reply(&c, 1, &r, 15000), 1);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.len, 8);
    ck_assert_uint_eq(rd32(r.stub + 4), 1);        /* cancelled */
    ck_assert_uint_lt(rd32(r.stub), 25000);        /* elapsed_ms */
    reply_free(&r);
    warm_pool(&c, 20);
    rc_close(&c);
    bystander_check(&b, 3);
    assert_alive(transport);
}

START_TEST(test_inline_cancel_test_hands_on)
{
    check_cancel_test_frees_loop(_i);
}
END_TEST

/* ---- staying on a connection (RPCRT_OPT_CONN_STAY_US) ------------------ */

/* A stay of 1 s: after the warm-up calls the thread that answered them
 * waits on the connection for its next request.  The first fixture also
 * sets the watcher's tick to 60 s, so that only the routine's own cancel
 * test gives the connection back to the loop. */
static void
setup_stay_long_grace(void)
{
    static const char *const a[] = {"--option", "conn-stay-us=1000000",
                                    "--option", "inline-grace-us=60000000", NULL};
    start_with(a);
}

static void
setup_stay(void)
{
    static const char *const a[] = {"--option", "conn-stay-us=1000000", NULL};
    start_with(a);
}

/* Two worker threads at most (RPCRT_OPT_MAX_WORKER_THREADS), and the
 * stay of 1 s. */
static void
setup_stay_few_threads(void)
{
    static const char *const a[] = {"--max-threads", "2",
                                    "--option", "conn-stay-us=1000000", NULL};
    start_with(a);
}

/* Calls on one connection, one after another, until told to stop. */
struct hammer {
    struct rc *c;
    atomic_int stop;
    unsigned calls;
    int failed;
};

/* One Stats call from a client thread (no ck_assert off the test's
 * thread): 0 when answered without a fault. */
static int
stats_call(struct rc *c, uint32_t id)
{
    struct req q = rq(id, OP_STATS);
    struct reply r;
    int fault;

    send_request(c, &q, NULL, 0);
    if (recv_reply(c, id, &r, 10000) != 1)
        return -1;
    fault = r.fault;
    reply_free(&r);
    return fault ? -1 : 0;
}

static void *
hammer_main(void *arg)
{
    struct hammer *h = arg;

    for (uint32_t id = 100; !atomic_load(&h->stop); id++) {
        if (stats_call(h->c, id) != 0) {
            h->failed = 1;
            return NULL;
        }
        h->calls++;
    }
    return NULL;
}

/* WaitForCancel on a connection its thread stays on: its cancel test gives
 * the connection back to the loop, which reads the co_cancel. */
START_TEST(test_stay_cancel_test_leaves)
{
    check_cancel_test_frees_loop(_i);
}
END_TEST

/* Sleep never tests for cancels: the watcher gives the connection back
 * while it runs, so the co_cancel is read during the call and its answer
 * carries PFC_PENDING_CANCEL, as when the loop reads the connection. */
START_TEST(test_stay_watcher_reads_cancel)
{
    struct rc c;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(8, OP_SLEEP);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    warm_pool(&c, 10);
    le32(s, 1500);
    send_request(&c, &q, s, 4);
    usleep(300000);
    send_simple(&c, PTYPE_CO_CANCEL, 8, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_int_eq(recv_reply(&c, 8, &r, 15000), 1);
    ck_assert(!r.fault);
    ck_assert_uint_eq(r.cancel_count, 1);
    ck_assert(r.flags & PFC_PENDING_CANCEL);
    reply_free(&r);
    warm_pool(&c, 20);
    rc_close(&c);
    assert_alive(_i);
}
END_TEST

/* PDUs other than requests go back to the loop with the connection: an
 * alter_context read by the staying thread is answered, and the calls
 * after it too. */
START_TEST(test_stay_alter_context)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    struct rc c;
    struct msg m;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    warm_pool(&c, 10);
    ctx_init(&ctx, 7, &mgmt_syntax, &ndr, 1);
    send_bind(&c, PTYPE_ALTER_CONTEXT, 13, 0, 5840, 5840, &ctx, 1);
    ck_assert_int_eq(rc_recv(&c, &m, 10000), 1);
    ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_ALTER_CONTEXT_RESP);
    ck_assert_uint_eq(m.p.u.bind_ack.n_results, 1);
    ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
    msg_free(&m);
    warm_pool(&c, 20);
    rc_close(&c);
    assert_alive(_i);
}
END_TEST

/* A request too short to parse, read by the staying thread: a
 * protocol-error fault and the connection closed (by the loop, once the
 * thread has given the connection back); the server goes on. */
START_TEST(test_stay_malformed_request)
{
    struct rc c;
    struct msg m;
    uint8_t buf[256];
    size_t n;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    warm_pool(&c, 10);
    n = encode_request(buf, sizeof(buf), 14, OP_STATS, NULL, 0);
    ck_assert_uint_gt(n, RPC_HDR_LEN);
    buf[8] = RPC_HDR_LEN;                  /* frag_length: the header only */
    buf[9] = 0;
    rc_send(&c, buf, RPC_HDR_LEN);
    m = expect_fault(&c, 14, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
    assert_alive(_i);
}
END_TEST

/* Requests in many fragments, and a PDU that arrives in two halves 100 ms
 * apart, read by the thread staying on the connection: reassembled and
 * answered as when the loop reads them. */
START_TEST(test_stay_fragments)
{
    static const size_t sizes[] = {64 * 1024, 1024 * 1024};
    struct rc c;
    struct reply r;
    uint8_t buf[256];
    size_t n;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    warm_pool(&c, 10);
    for (unsigned i = 0; i < 2; i++) {
        size_t len;
        uint8_t *s = echo_stub(sizes[i], &len, (uint8_t)(i + 3));
        struct req q = rq(20 + i, OP_ECHO);

        q.frag = 5000;
        call(&c, &q, s, len, &r);
        check_echo(s, sizes[i], &r);
        reply_free(&r);
        free(s);
    }
    n = encode_request(buf, sizeof(buf), 30, OP_STATS, NULL, 0);
    rc_send(&c, buf, 10);
    usleep(100000);
    rc_send(&c, buf + 10, n - 10);
    expect_ok(&c, 30, 10000);
    warm_pool(&c, 40);
    rc_close(&c);
    assert_alive(_i);
}
END_TEST

/* Reads an alter_context_resp (call alter_id) and the n-byte echo of
 * stub s (call echo_id), in whichever order they come. */
static void
recv_echo_and_alter(struct rc *c, uint32_t echo_id, uint32_t alter_id,
                    const uint8_t *s, size_t n)
{
    size_t len = 8 + n, off = 0;
    uint8_t *back = malloc(len + 8);
    int got_alter = 0, got_echo = 0;
    struct reply r;

    ck_assert_ptr_nonnull(back);
    while (!got_alter || !got_echo) {
        struct msg m;

        ck_assert_int_eq(rc_recv(c, &m, 20000), 1);
        if (m.p.hdr.ptype == PTYPE_ALTER_CONTEXT_RESP) {
            ck_assert(!got_alter);
            ck_assert_uint_eq(m.p.hdr.call_id, alter_id);
            ck_assert_uint_eq(m.p.u.bind_ack.results[0].result, P_CONT_ACCEPTANCE);
            got_alter = 1;
        } else {
            ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_RESPONSE);
            ck_assert_uint_eq(m.p.hdr.call_id, echo_id);
            ck_assert(!got_echo);
            ck_assert_uint_eq(!!(m.p.hdr.pfc_flags & PFC_FIRST_FRAG), off == 0);
            ck_assert_uint_le(off + m.p.u.response.stub_len, len + 8);
            memcpy(back + off, m.p.u.response.stub, m.p.u.response.stub_len);
            off += m.p.u.response.stub_len;
            if (m.p.hdr.pfc_flags & PFC_LAST_FRAG)
                got_echo = 1;
        }
        msg_free(&m);
    }
    r.fault = 0;
    r.stub = back;
    r.len = off;
    check_echo(s, n, &r);
    free(back);
}

/* Large requests whose fragments the staying thread reads in place
 * (predicted from the ones before), interrupted by another PDU: an
 * alter_context midway through one; and one sent in the same write as
 * the last fragment of another, whose alloc_hints announce 50000 bytes
 * too many (so the short last fragment is not as predicted and comes
 * back with the alter_context).  The staying thread gives what is not a
 * request to the loop, unframed: every byte echoed, the alter_contexts
 * answered, the connection in step after them. */
START_TEST(test_stay_direct_read_interrupted)
{
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    struct rpc_ctx_elem ctx;
    const size_t n = 1u << 20;
    size_t len;
    uint8_t *s = echo_stub(n, &len, 9);
    struct req q;
    struct reply r;
    struct rc c;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (uint32_t round = 0; round < 2; round++) {
        const uint32_t id = 60 + 10 * round;
        size_t off = 0;

        warm_pool(&c, id + 1);
        ctx_init(&ctx, (uint16_t)(7 + round), &mgmt_syntax, &ndr, 1);
        for (unsigned i = 0; off < len; i++) {
            size_t chunk = len - off < 5816 ? len - off : 5816;
            uint8_t flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                      (off + chunk == len ? PFC_LAST_FRAG : 0));

            if (round == 0 && i == 40) {
                usleep(20000);
                send_bind(&c, PTYPE_ALTER_CONTEXT, id + 9, 0, 5840, 5840,
                          &ctx, 1);
            }
            if (round == 1 && (flags & PFC_LAST_FRAG)) {
                /* The last fragment and the alter_context in one write. */
                struct ndr_cursor w;
                struct rpc_pdu p;

                ck_assert_int_eq(ndr_init_write(&w, 256, DREP_LE), 0);
                rpc_pdu_init(&p, PTYPE_REQUEST, id);
                p.hdr.pfc_flags = flags;
                p.u.request.alloc_hint = (uint32_t)chunk + 50000;
                p.u.request.opnum = OP_ECHO;
                p.u.request.stub = s + off;
                p.u.request.stub_len = chunk;
                ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
                rpc_pdu_init(&p, PTYPE_ALTER_CONTEXT, id + 9);
                p.u.bind.max_xmit_frag = 5840;
                p.u.bind.max_recv_frag = 5840;
                p.u.bind.n_ctx = 1;
                p.u.bind.ctx = &ctx;
                ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
                rc_send(&c, w.data, w.len);
                ndr_cursor_free(&w);
            } else {
                send_frag(&c, id, flags,
                          (uint32_t)(len - off + 50000 * round), s + off,
                          chunk, 0);
            }
            off += chunk;
        }
        recv_echo_and_alter(&c, id, id + 9, s, n);
    }
    /* In step: calls on the contexts the alter_contexts added. */
    for (uint16_t k = 7; k <= 8; k++) {
        q = rq(90 + k, 0);
        q.ctx = k;
        call(&c, &q, NULL, 0, &r);
        ck_assert(!r.fault);
        reply_free(&r);
    }
    rc_close(&c);
    free(s);
    assert_alive(_i);
}
END_TEST

/* With the pool at its limit, a call that waits for a thread gets one
 * from a connection a thread stays on, although that connection's client
 * keeps calling (the stay would otherwise last as long as its calls
 * come): the call is answered while the other connection's calls go on,
 * and while a third routine still waits for its cancel. */
START_TEST(test_stay_yields_to_queued_call)
{
    struct rc a, b, c;
    struct hammer h;
    struct reply r;
    pthread_t t;
    uint8_t s[4];
    struct req q;

    rc_open(&a, _i);
    bind_ok(&a, 5840, 0);
    warm_pool(&a, 10);
    rc_open(&b, _i);
    bind_ok(&b, 5840, 0);
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    memset(&h, 0, sizeof(h));
    h.c = &a;
    atomic_init(&h.stop, 0);
    ck_assert_int_eq(pthread_create(&t, NULL, hammer_main, &h), 0);
    usleep(100000);
    le32(s, 30000);
    q = rq(1, OP_WAIT);
    send_request(&b, &q, s, 4);
    usleep(200000);
    q = rq(2, OP_STATS);
    send_request(&c, &q, NULL, 0);
    ck_assert_int_eq(recv_reply(&c, 2, &r, 10000), 1);
    ck_assert(!r.fault);
    reply_free(&r);
    atomic_store(&h.stop, 1);
    pthread_join(t, NULL);
    ck_assert(!h.failed);
    ck_assert_uint_gt(h.calls, 0);
    send_simple(&b, PTYPE_CO_CANCEL, 1, PFC_FIRST_FRAG | PFC_LAST_FRAG);
    ck_assert_int_eq(recv_reply(&b, 1, &r, 15000), 1);
    ck_assert(!r.fault);
    ck_assert_uint_eq(rd32(r.stub + 4), 1);        /* cancelled */
    reply_free(&r);
    rc_close(&a);
    rc_close(&b);
    rc_close(&c);
    assert_alive(_i);
}
END_TEST

/* Clients calling in step, each on its own connection: their requests
 * arrive together and the loop reads several in one pass, after which the
 * thread that ran them stays on the last one's connection (or, with a CPU
 * to spare, hands them to other threads).  Every call is answered, on
 * every connection, through many such passes, and an alter_context on each
 * afterwards is answered by the loop the connection went back to. */
#define STEP_CONNS 8
#define STEP_ROUNDS 300

struct stepper {
    struct rc c;
    pthread_barrier_t *bar;
    unsigned answered;
    int failed;
};

static void *
stepper_main(void *arg)
{
    struct stepper *p = arg;

    for (uint32_t id = 100; id < 100 + STEP_ROUNDS; id++) {
        pthread_barrier_wait(p->bar);
        if (p->failed)
            continue;           /* still at every barrier, or the rest hang */
        if (stats_call(&p->c, id) != 0)
            p->failed = 1;
        else
            p->answered++;
    }
    return NULL;
}

START_TEST(test_stay_clients_in_step)
{
    static struct stepper st[STEP_CONNS];
    RPC_SYNTAX_IDENTIFIER ndr = rpc_ndr20_syntax;
    pthread_barrier_t bar;
    pthread_t t[STEP_CONNS];

    ck_assert_int_eq(pthread_barrier_init(&bar, NULL, STEP_CONNS), 0);
    for (int i = 0; i < STEP_CONNS; i++) {
        memset(&st[i], 0, sizeof(st[i]));
        rc_open(&st[i].c, _i);
        bind_ok(&st[i].c, 5840, 0);
        st[i].bar = &bar;
    }
    for (int i = 0; i < STEP_CONNS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, stepper_main, &st[i]), 0);
    for (int i = 0; i < STEP_CONNS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&bar);
    for (int i = 0; i < STEP_CONNS; i++) {
        struct rpc_ctx_elem ctx;
        struct msg m;

        ck_assert_msg(!st[i].failed && st[i].answered == STEP_ROUNDS,
                      "connection %d: %u of %u calls answered", i, st[i].answered,
                      STEP_ROUNDS);
        ctx_init(&ctx, 7, &mgmt_syntax, &ndr, 1);
        send_bind(&st[i].c, PTYPE_ALTER_CONTEXT, 13, 0, 5840, 5840, &ctx, 1);
        ck_assert_int_eq(rc_recv(&st[i].c, &m, 10000), 1);
        ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_ALTER_CONTEXT_RESP);
        msg_free(&m);
        warm_pool(&st[i].c, 1000);
        rc_close(&st[i].c);
    }
    assert_alive(_i);
}
END_TEST

/* The server stops while a thread stays on a connection, waiting in its
 * read: the teardown's SIGTERM still ends the server cleanly (exit 0, no
 * leak under ASan), the connection closed. */
START_TEST(test_stay_at_shutdown)
{
    struct rc c;

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    warm_pool(&c, 10);
    {
        int st = testsrv_stop(&srvp);

        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "rpctest-server did not exit 0 (status 0x%x)", st);
    }
    rc_expect_closed(&c, 10000);
    rc_close(&c);
    start_with(NULL);           /* for the fixture's teardown */
}
END_TEST

START_TEST(test_hostile_call_id_reuse)
{
    struct rc b, c;
    struct reply r;
    struct msg m;
    uint8_t s[4];
    struct req q;

    bystander_open(&b, _i);
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    for (int i = 0; i < 3; i++) {
        /* One id again and again: a finished call's id may come back. */
        q = rq(7, OP_STATS);
        call(&c, &q, NULL, 0, &r);
        ck_assert(!r.fault);
        reply_free(&r);
    }
    rc_close(&c);

    rc_open(&c, _i);
    bind_mpx(&c);
    le32(s, 3000);                  /* still running when 5 comes again */
    q = rq(5, OP_SLEEP);
    send_request(&c, &q, s, 4);
    q = rq(6, OP_STATS);            /* another id: runs alongside */
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    q = rq(5, OP_STATS);            /* the running call's id */
    send_request(&c, &q, NULL, 0);
    m = expect_fault(&c, 5, NCA_S_PROTO_ERROR);
    msg_free(&m);
    rc_expect_closed(&c, 10000);
    rc_close(&c);
    assert_alive(_i);
    bystander_check(&b, 6);
}
END_TEST

/* A 100 MiB request streamed in fragments with alloc_hint 0 (so only
 * counting finds it out): refused with a fault once it passes the cap
 * (64 MiB by default), the connection closed; the server sent the fault
 * before the 100 MiB were through. */
START_TEST(test_hostile_100mib_request)
{
    const size_t total = (size_t)100 << 20, frag = 5800;
    uint8_t *stub = calloc(1, frag), *pdu;
    struct rc b, c;
    struct msg m;
    size_t sent = 0, pdu_len;
    int got = 0;
    struct rpc_pdu p;
    struct ndr_cursor w;

    ck_assert_ptr_nonnull(stub);
    bystander_open(&b, _i);
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    /* One middle fragment, encoded once; the first is sent apart. */
    rpc_pdu_init(&p, PTYPE_REQUEST, 60);
    p.hdr.pfc_flags = PFC_FIRST_FRAG;
    p.u.request.opnum = OP_ECHO;
    p.u.request.stub = stub;
    p.u.request.stub_len = frag;
    rc_send_pdu(&c, &p);
    sent = frag;
    p.hdr.pfc_flags = 0;
    ck_assert_int_eq(ndr_init_write(&w, frag + 64, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    pdu = w.data;
    pdu_len = w.len;
    while (sent < total) {
        struct pollfd pfd = {c.fd, POLLIN | POLLOUT, 0};

        ck_assert_int_eq(poll(&pfd, 1, 30000), 1);
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            got = 1;
            break;
        }
        if (send(c.fd, pdu, pdu_len, MSG_NOSIGNAL) != (ssize_t)pdu_len) {
            got = 1;        /* the server closed; its fault is queued */
            break;
        }
        sent += frag;
    }
    ndr_cursor_free(&w);
    ck_assert_msg(got, "the server took all %zu bytes", sent);
    ck_assert_uint_ge(sent, (size_t)64 << 20);
    m = expect_fault(&c, 60, RPC_S_ACCESS_DENIED);
    msg_free(&m);
    rc_expect_closed(&c, 20000);
    rc_close(&c);
    free(stub);
    assert_alive(_i);
    bystander_check(&b, 7);
}
END_TEST

/* With a 2 s bind timeout and a 2 s idle timeout: a silent peer, a peer
 * that sends its bind one byte a second, and a bound peer that sends a
 * request one byte a second are all closed within seconds (the read
 * timeout alone never fires for the trickling ones). */
static void
setup_timeouts(void)
{
    static const char *const a[] = {"--option", "bind-timeout=2", "--option",
                                    "idle-timeout=2", NULL};
    start_with(a);
}

/* Sends buf one byte a second until the server closes; the bytes sent.
 * Meanwhile the bystander makes a call every second (which also keeps its
 * own idle timeout from firing). */
static size_t
trickle(struct rc *c, const uint8_t *buf, size_t n, struct rc *b)
{
    static uint32_t id = 100;
    size_t i;

    for (i = 0; i < n; i++) {
        struct req q = rq(id++, OP_STATS);
        struct reply r2;
        struct msg m;
        int r;

        call(b, &q, NULL, 0, &r2);
        ck_assert(!r2.fault);
        reply_free(&r2);
        if (rc_try_send(c, buf + i, 1) != 0)
            break;
        while ((r = rc_recv(c, &m, 1000)) == 1)
            msg_free(&m);
        if (r == 0)
            break;
    }
    return i;
}

START_TEST(test_hostile_slow_peer)
{
    RPC_SYNTAX_IDENTIFIER ndr;
    struct rpc_ctx_elem ctx;
    struct rpc_pdu p;
    struct ndr_cursor w;
    struct rc b, c;
    double t0;
    size_t n;

    rc_open(&c, _i);
    t0 = tu_now_ms();
    rc_expect_closed(&c, 20000);
    ck_assert_msg(tu_now_ms() - t0 >= 1000, "closed before the bind timeout");
    rc_close(&c);

    /* The bystander calls while the others trickle. */
    bystander_open(&b, _i);

    rc_open(&c, _i);
    bind_pdu(&p, &ctx, &ndr);
    ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    n = trickle(&c, w.data, w.len, &b);
    ck_assert_msg(n < w.len, "the whole bind went through, one byte a second");
    ck_assert_uint_le(n, 12);
    rc_expect_closed(&c, 20000);
    rc_close(&c);
    ndr_cursor_free(&w);

    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    rpc_pdu_init(&p, PTYPE_REQUEST, 2);
    p.u.request.opnum = OP_STATS;
    ck_assert_int_eq(ndr_init_write(&w, 128, DREP_LE), 0);
    ck_assert_int_eq(rpc_pdu_encode(&p, &w), 0);
    n = trickle(&c, w.data, w.len, &b);
    ck_assert_msg(n < w.len, "the whole request went through, one byte a second");
    rc_expect_closed(&c, 20000);
    rc_close(&c);
    ndr_cursor_free(&w);

    assert_alive(_i);
    bystander_check(&b, 8);
}
END_TEST

/* As many descriptors as the hard limit allows; the number. */
static rlim_t
raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    return rl.rlim_cur;
}

#define IDLE_CONNS 2000

/* Before the server starts: it inherits the limit. */
static void
setup_many(void)
{
    (void)raise_nofile();
    start_with(NULL);
}

/* 2,000 connections opened and left idle (half of them bound): the
 * server keeps serving a fresh client and a bystander. */
START_TEST(test_hostile_2000_idle)
{
    int *fds = malloc(IDLE_CONNS * sizeof(int));
    rlim_t lim = raise_nofile();
    struct rc b, c;

    ck_assert_ptr_nonnull(fds);
    if (lim < IDLE_CONNS + 64) {
        fprintf(stderr, "test_hostile_2000_idle: SKIPPED: RLIMIT_NOFILE hard "
                "limit %lu is below %d\n", (unsigned long)lim, IDLE_CONNS + 64);
        free(fds);
        return;
    }
    bystander_open(&b, _i);
    for (int i = 0; i < IDLE_CONNS; i++) {
        rc_open(&c, _i);
        if (i % 2 == 0)
            bind_ok(&c, 5840, 0);
        fds[i] = c.fd;
        free(c.buf);
    }
    assert_alive(_i);
    bystander_check(&b, 9);
    /* The bound ones are all still open: nothing was closed to make
     * room.  (The others are left to the 30 s bind timeout, which a slow
     * machine may reach.) */
    for (int i = 0; i < IDLE_CONNS; i++) {
        struct pollfd pfd = {fds[i], POLLIN, 0};
        if (i % 2 == 0)
            ck_assert_msg(poll(&pfd, 1, 0) == 0, "bound connection %d closed", i);
        close(fds[i]);
    }
    free(fds);
    assert_alive(_i);
}
END_TEST

/* ---- limits ------------------------------------------------------------- */

static void
setup_limits(void)
{
    static const char *const a[] = {"--option", "max-connections=20",
                                    "--option", "max-calls-per-connection=2",
                                    NULL};
    start_with(a);
}

/* max-connections: the 21st connection is closed as soon as it is
 * accepted; once one closes there is room again. */
START_TEST(test_limit_max_connections)
{
    struct rc c[21];

    for (int i = 0; i < 20; i++) {
        rc_open(&c[i], _i);
        if (i == 0)
            bind_ok(&c[i], 5840, 0);
    }
    rc_open(&c[20], _i);
    rc_expect_closed(&c[20], 10000);
    rc_close(&c[20]);
    bystander_check(&c[0], 2);      /* closes it: room for one */
    /* Room again once the server has seen c[0] go (until then it closes
     * new connections at once: over ncalrpc the bind's send may then
     * fail with EPIPE; a thread staying on c[0] gives it back to the loop
     * first, which takes a moment). */
    for (int i = 0;; i++) {
        RPC_SYNTAX_IDENTIFIER ndr;
        struct rpc_ctx_elem ctx;
        struct rpc_pdu p;
        struct rc d;
        struct msg m;
        int r;

        ck_assert_int_lt(i, 250);
        rc_open(&d, _i);
        bind_pdu(&p, &ctx, &ndr);
        r = rc_try_send_pdu(&d, &p) == 0 ? rc_recv(&d, &m, 10000) : 0;
        rc_close(&d);
        if (r == 1) {
            ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_BIND_ACK);
            msg_free(&m);
            break;
        }
        usleep(20000);
    }
    for (int i = 1; i < 20; i++)
        rc_close(&c[i]);
    assert_alive(_i);
}
END_TEST

/* max-calls-per-connection 2: a third call while two run on one
 * multiplexed connection gets server_too_busy without running; the
 * connection stays and serves once they are done. */
START_TEST(test_limit_max_calls_per_connection)
{
    struct rc b, c;
    struct reply r;
    uint8_t s[4];
    struct req q;

    bystander_open(&b, _i);
    rc_open(&c, _i);
    bind_mpx(&c);
    le32(s, 1500);
    q = rq(1, OP_SLEEP);
    send_request(&c, &q, s, 4);
    q = rq(2, OP_SLEEP);
    send_request(&c, &q, s, 4);
    q = rq(3, OP_STATS);
    send_request(&c, &q, NULL, 0);
    /* Answers come in completion order: 3's fault first. */
    ck_assert_int_eq(recv_reply(&c, 3, &r, 20000), 1);
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, NCA_S_SERVER_TOO_BUSY);
    ck_assert(r.flags & PFC_DID_NOT_EXECUTE);
    reply_free(&r);
    /* Another connection is not limited by this one's calls. */
    bystander_check(&b, 4);
    for (int i = 0; i < 2; i++) {
        struct msg m;
        ck_assert_int_eq(rc_recv(&c, &m, 20000), 1);
        ck_assert_uint_eq(m.p.hdr.ptype, PTYPE_RESPONSE);
        msg_free(&m);
    }
    q = rq(5, OP_STATS);
    call(&c, &q, NULL, 0, &r);
    ck_assert(!r.fault);
    reply_free(&r);
    rc_close(&c);
    assert_alive(_i);
}
END_TEST

/* ---- faults ------------------------------------------------------------- */

/* A client process killed (SIGKILL) while its call runs: the server
 * flags the call orphaned (rpctest counts it in orphans_seen) and frees
 * it; other clients are unaffected. */
START_TEST(test_fault_client_killed)
{
    uint32_t before[6], after[6];
    struct rc b;
    pid_t pid;
    int st;

    bystander_open(&b, _i);
    stats_now(_i, before);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rc c;
        uint8_t s[4];
        struct req q = rq(1, OP_SLEEP);

        rc_open(&c, _i);
        bind_ok(&c, 5840, 0);
        le32(s, 1000);
        send_request(&c, &q, s, 4);
        for (;;)
            pause();
    }
    /* The call is running once current_calls says so. */
    for (int i = 0; i < 500; i++) {
        stats_now(_i, after);
        if (after[ST_CURRENT] >= 2)     /* the Sleep and this Stats */
            break;
        usleep(20000);
    }
    ck_assert_uint_ge(after[ST_CURRENT], 2);
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    wait_sleep_done(_i, before, after);
    ck_assert_uint_eq(after[ST_ORPHANS], before[ST_ORPHANS] + 1);
    assert_alive(_i);
    bystander_check(&b, 2);
}
END_TEST

/* A routine that blocks (Sleep never tests for cancel) does not stop
 * other calls: with MaxCalls 3, two more run beside it, the fourth gets
 * server_too_busy, and once those two are done others are served while
 * the first still blocks. */
static void
setup_three(void)
{
    static const char *const a[] = {"--max-calls", "3", NULL};
    start_with(a);
}

START_TEST(test_fault_blocked_routine)
{
    struct rc a, b, c, d;
    struct reply r;
    uint8_t s[4];
    struct req q = rq(1, OP_SLEEP);
    uint32_t base;
    int i;

    rc_open(&a, _i);
    bind_ok(&a, 5840, 0);
    rc_open(&b, _i);
    bind_ok(&b, 5840, 0);
    rc_open(&c, _i);
    bind_ok(&c, 5840, 0);
    base = mgmt_calls_in(_i);
    le32(s, 4000);                  /* "blocked" for the whole test */
    send_request(&a, &q, s, 4);
    le32(s, 800);
    send_request(&b, &q, s, 4);
    send_request(&c, &q, s, 4);
    for (i = 0; i < 250; i++) {
        if (mgmt_calls_in(_i) >= base + 1 + 3 + (uint32_t)i)
            break;
        usleep(20000);
    }
    ck_assert_int_lt(i, 250);
    rc_open(&d, _i);
    bind_ok(&d, 5840, 0);
    q = rq(2, OP_STATS);
    call(&d, &q, NULL, 0, &r);
    ck_assert(r.fault);
    ck_assert_uint_eq(r.status, NCA_S_SERVER_TOO_BUSY);
    reply_free(&r);
    expect_ok(&b, 1, 20000);
    expect_ok(&c, 1, 20000);
    /* The first routine still sleeps; two calls at once are served. */
    q = rq(3, OP_STATS);
    send_request(&b, &q, NULL, 0);
    send_request(&c, &q, NULL, 0);
    expect_ok(&b, 3, 20000);
    expect_ok(&c, 3, 20000);
    rc_close(&a);
    rc_close(&b);
    rc_close(&c);
    rc_close(&d);
}
END_TEST

/* ==== suites ================================================================ */

static Suite *
server_suite(void)
{
    Suite *s = suite_create("server");
    TCase *tc;

    tc = tcase_create("bind");
    tcase_add_checked_fixture(tc, setup_default, teardown_server);
    tcase_add_loop_test(tc, test_bind_ack_fields, T_TCP, T_LRPC + 1);
    tcase_add_test(tc, test_bind_frag_sizes);
    tcase_add_loop_test(tc, test_bind_several_contexts, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_bind_naks, T_TCP, T_LRPC + 1);
    tcase_add_test(tc, test_bind_nak_v9);
    tcase_add_loop_test(tc, test_assoc_groups, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_alter_context, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("calls");
    tcase_add_checked_fixture(tc, setup_default, teardown_server);
    tcase_add_loop_test(tc, test_echo_sizes, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_echo_tiny_fragments, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_echo_queued_answer, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_queued_answer_sent_from_request, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_request_irregular_fragments, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_big_endian_request, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_unknown_opnum_v8, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_unknown_context, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_short_stubs, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_fault_status, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_selftest_codes, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_object_uuid, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_stats_counters, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_second_call_while_running, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_mgmt_raw, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup_small, teardown_server);
    tcase_add_loop_test(tc, test_max_request, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("busy");
    tcase_add_checked_fixture(tc, setup_busy, teardown_server);
    tcase_add_loop_test(tc, test_max_calls_busy, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    /* Issue 7: hostile peers, limits and faults; every test ends with a
     * fresh client's call and a bystander connection's call. */
    tc = tcase_create("hostile");
    tcase_add_checked_fixture(tc, setup_default, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_hostile_drep, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_hostile_auth_length, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_hostile_reserved_flags, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_hostile_alloc_hint, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_hostile_255_contexts, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_hostile_call_id_reuse, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_batch_first_blocks, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_hostile_100mib_request, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_fault_client_killed, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("grace");
    tcase_add_checked_fixture(tc, setup_long_grace, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_inline_cancel_test_hands_on, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    /* Only ncacn_ip_tcp connections are stayed on. */
    tc = tcase_create("stay_grace");
    tcase_add_checked_fixture(tc, setup_stay_long_grace, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_stay_cancel_test_leaves, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("stay_few_threads");
    tcase_add_checked_fixture(tc, setup_stay_few_threads, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_stay_yields_to_queued_call, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("stay");
    tcase_add_checked_fixture(tc, setup_stay, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_stay_watcher_reads_cancel, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_stay_alter_context, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_stay_malformed_request, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_stay_clients_in_step, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_stay_fragments, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_stay_direct_read_interrupted, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_stay_at_shutdown, T_TCP, T_LRPC + 1);
    /* The second call's fragments, read by the thread staying on the
     * connection after the first call's answer. */
    tcase_add_loop_test(tc, test_request_irregular_fragments, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("slow");
    tcase_add_checked_fixture(tc, setup_timeouts, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_hostile_slow_peer, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("many");
    tcase_add_checked_fixture(tc, setup_many, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_hostile_2000_idle, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("conn-limits");
    tcase_add_checked_fixture(tc, setup_limits, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_limit_max_connections, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_limit_max_calls_per_connection, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("blocked");
    tcase_add_checked_fixture(tc, setup_three, teardown_server);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fault_blocked_routine, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_checked_fixture(tc, setup_default, teardown_server);
    tcase_add_loop_test(tc, test_malformed_after_bind, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_fragment_order, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_truncate_and_flip, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("cancel");
    tcase_add_checked_fixture(tc, setup_default, teardown_server);
    tcase_add_loop_test(tc, test_co_cancel_wait, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_co_cancel_fault, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_co_cancel_ignored, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_co_cancel_async_wait, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_co_cancel_async_abort, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_async_lost_connection, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_pending_cancel_first_fragment, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_cancel_not_observed, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_orphaned_sleep, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_lost_connection, T_TCP, T_LRPC + 1);
    tcase_add_loop_test(tc, test_orphaned_mid_fragments, T_TCP, T_LRPC + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("api");
    tcase_add_checked_fixture(tc, api_setup, api_teardown);
    tcase_add_test(tc, test_api_test_cancel_outside_call);
    tcase_add_test(tc, test_api_protseqs);
    tcase_add_test(tc, test_api_register_listen);
    tcase_add_test(tc, test_api_in_process);
    tcase_add_test(tc, test_api_finished_call_handle);
    tcase_add_test(tc, test_api_reply_sent_from_request);
    tcase_add_test(tc, test_api_stop_while_calling);
    tcase_add_test(tc, test_api_dual_stack);
    tcase_add_test(tc, test_api_options);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(server_suite());
    int failed;

    srunner_add_suite(sr, server_async_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
