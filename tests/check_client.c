/*
 * tests/check_client.c -- libclient against a real rpctest-server process
 * on loopback (TCP and ncalrpc): binding handles, Echo of every size at
 * several fragment sizes, concurrency on one binding, faults, a dying
 * server, and a fake peer that forces tiny fragments both ways.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "examples/rpctest_client.h"
#include "proto/proto.h"
#include "tests/tests.h"
#include "tests/testsrv.h"

#define CS(s) ((RPC_CSTR)(uintptr_t)(s))

static struct testsrv srv;

static void
srv_up(void)
{
    signal(SIGPIPE, SIG_IGN);
    testsrv_start(&srv, NULL);
}

static void
srv_down(void)
{
    testsrv_stop(&srv);
}

static RPC_BINDING_HANDLE
bind_to(const char *sb)
{
    RPC_BINDING_HANDLE h = NULL;
    RPC_STATUS st = RpcBindingFromStringBinding(CS(sb), &h);

    ck_assert_msg(st == RPC_S_OK, "%s: %ld", sb, (long)st);
    return h;
}

/* The binding of the transport under test (_i: 0 TCP, 1 ncalrpc), with
 * options. */
static RPC_BINDING_HANDLE
bind_transport(int lrpc, const char *opts)
{
    char sb[256];
    const char *base = lrpc ? srv.lrpc : srv.tcp;
    size_t n = strlen(base);

    if (opts == NULL)
        return bind_to(base);
    /* "...[EP]" -> "...[EP,opts]" */
    snprintf(sb, sizeof(sb), "%.*s,%s]", (int)(n - 1), base, opts);
    return bind_to(sb);
}

static void
echo_check(RPC_BINDING_HANDLE h, uint32_t n, unsigned seed)
{
    uint8_t *in = malloc(n ? n : 1), *out = malloc(n ? n : 1);
    int32_t ret = -1;
    RPC_STATUS st;

    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    for (uint32_t i = 0; i < n; i++)
        in[i] = (uint8_t)(i * 131u + seed);
    memset(out, 0xee, n ? n : 1);
    st = rpctest_echo(h, in, n, out, &ret);
    ck_assert_msg(st == RPC_S_OK, "Echo %u: %ld", n, (long)st);
    ck_assert_int_eq(ret, 0);
    ck_assert_msg(memcmp(in, out, n) == 0, "Echo %u: bytes differ", n);
    free(in);
    free(out);
}

/* ---- echo ------------------------------------------------------------- */

START_TEST(test_echo_sizes)
{
    static const uint32_t sizes[] = {0, 1, 7, 8, 4096, 5817, 1u << 20, 8u << 20};
    static const char *const frags[] = {NULL, "max_frag=2048", "max_frag=4280",
                                        "max_frag=5840", "max_frag=1432"};

    for (size_t f = 0; f < sizeof(frags) / sizeof(frags[0]); f++) {
        RPC_BINDING_HANDLE h = bind_transport(_i, frags[f]);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
            echo_check(h, sizes[i], (unsigned)(i + f));
        ck_assert_int_eq(RpcBindingFree(&h), RPC_S_OK);
        ck_assert_ptr_null(h);
    }
}
END_TEST

struct worker_arg {
    RPC_BINDING_HANDLE h;
    unsigned id;
    int calls;
    int failures;
};

static void *
echo_worker(void *p)
{
    struct worker_arg *w = p;
    uint8_t in[64], out[64];

    for (int i = 0; i < w->calls; i++) {
        uint32_t n = (uint32_t)((w->id * 7 + (unsigned)i) % sizeof(in));
        int32_t ret = -1;
        for (uint32_t k = 0; k < n; k++)
            in[k] = (uint8_t)(w->id ^ (unsigned)i ^ k);
        if (rpctest_echo(w->h, in, n, out, &ret) != RPC_S_OK || ret != 0 ||
            memcmp(in, out, n) != 0)
            w->failures++;
    }
    return NULL;
}

START_TEST(test_many_threads_one_binding)
{
    enum { THREADS = 16, CALLS = 1000 };
    pthread_t t[THREADS];
    struct worker_arg w[THREADS];
    RPC_BINDING_HANDLE h = bind_transport(_i, NULL);
    rpctest_stats before, after;

    ck_assert_int_eq(rpctest_get_stats(h, &before), RPC_S_OK);
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct worker_arg){.h = h, .id = i, .calls = CALLS};
        ck_assert_int_eq(pthread_create(&t[i], NULL, echo_worker, &w[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(w[i].failures == 0, "thread %u: %d failed calls", i, w[i].failures);
    }
    ck_assert_int_eq(rpctest_get_stats(h, &after), RPC_S_OK);
    /* Every call reached a manager routine (GetStats counts itself). */
    ck_assert_uint_ge(after.calls_started - before.calls_started, THREADS * CALLS);
    RpcBindingFree(&h);
}
END_TEST

/* ---- faults and errors -------------------------------------------------- */

START_TEST(test_faults)
{
    RPC_BINDING_HANDLE h = bind_transport(_i, NULL);
    uint8_t *reply = NULL;
    uint8_t shortstub[2] = {1, 0};

    ck_assert_int_eq(rpctest_fault(h, 0x1c010002), RPC_S_PROCNUM_OUT_OF_RANGE);
    ck_assert_int_eq(rpctest_fault(h, 0x1c00000d), RPC_S_CALL_CANCELLED);
    ck_assert_int_eq(rpctest_fault(h, 5), RPC_S_ACCESS_DENIED);
    ck_assert_int_eq(rpctest_fault(h, 1783), RPC_X_BAD_STUB_DATA);
    /* Unknown opnums: C706's op_rng_error. */
    ck_assert_int_eq(rpctest_raw(h, 9, NULL, 0, &reply, NULL), RPC_S_PROCNUM_OUT_OF_RANGE);
    ck_assert_int_eq(rpctest_raw(h, 0xffff, NULL, 0, &reply, NULL), RPC_S_PROCNUM_OUT_OF_RANGE);
    /* A stub too short for Echo. */
    ck_assert_int_eq(rpctest_raw(h, 0, shortstub, sizeof(shortstub), &reply, NULL),
                     RPC_X_BAD_STUB_DATA);
    /* The binding still works after faults. */
    echo_check(h, 100, 1);
    RpcBindingFree(&h);
}
END_TEST

/* A loopback TCP port with nobody listening (bound, read, closed). */
static const char *
closed_port(void)
{
    static char buf[8];
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    snprintf(buf, sizeof(buf), "%u", ntohs(sa.sin_port));
    return buf;
}

START_TEST(test_binding_api)
{
    RPC_BINDING_HANDLE h = NULL, c = NULL;
    RPC_CSTR s = NULL;
    UUID obj, got;
    int junk = 0;

    ck_assert_int_eq(RpcBindingFromStringBinding(CS("ncacn_np:host[\\pipe\\x]"), &h),
                     RPC_S_PROTSEQ_NOT_SUPPORTED);
    ck_assert_int_eq(RpcBindingFromStringBinding(CS("bogus:host"), &h),
                     RPC_S_INVALID_RPC_PROTSEQ);
    ck_assert_int_eq(RpcBindingFromStringBinding(CS("ncacn_ip_tcp:1.2.3.4[x]"), &h),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    ck_assert_int_eq(RpcBindingFromStringBinding(CS("ncacn_ip_tcp"), &h),
                     RPC_S_INVALID_STRING_BINDING);
    ck_assert_int_eq(RpcBindingFromStringBinding(NULL, &h), RPC_S_INVALID_STRING_BINDING);
    ck_assert_ptr_null(h);
    /* ncalrpc names cannot leave the socket directory (issue 7): refused
     * when the binding is made, or at the latest by the call. */
    {
        static const char *const evil[] = {
            "ncalrpc:[../rpctest]", "ncalrpc:[..]", "ncalrpc:[a/b]",
            "ncalrpc:[/tmp/x]", "ncalrpc:[.hidden]",
        };

        for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
            RPC_STATUS st = RpcBindingFromStringBinding(CS(evil[i]), &h);

            if (st == RPC_S_OK) {
                st = rpctest_sleep(h, 0, NULL);
                RpcBindingFree(&h);
            }
            ck_assert_msg(st == RPC_S_INVALID_ENDPOINT_FORMAT,
                          "%s: status %ld", evil[i], (long)st);
        }
        ck_assert_ptr_null(h);
    }

    h = bind_to("ncacn_ip_tcp:127.0.0.1[135]");
    ck_assert_int_eq(RpcBindingToStringBinding(h, &s), RPC_S_OK);
    ck_assert_str_eq((char *)s, "ncacn_ip_tcp:127.0.0.1[135]");
    RpcStringFree(&s);
    ck_assert_int_eq(UuidFromString(CS("25b0ad95-8a83-4c70-b453-e0c202c9d616"), &obj), RPC_S_OK);
    ck_assert_int_eq(RpcBindingSetObject(h, &obj), RPC_S_OK);
    ck_assert_int_eq(RpcBindingInqObject(h, &got), RPC_S_OK);
    ck_assert(UuidEqual(&obj, &got, NULL));
    ck_assert_int_eq(RpcBindingCopy(h, &c), RPC_S_OK);
    ck_assert_int_eq(RpcBindingToStringBinding(c, &s), RPC_S_OK);
    ck_assert_str_eq((char *)s,
                     "25b0ad95-8a83-4c70-b453-e0c202c9d616@ncacn_ip_tcp:127.0.0.1[135]");
    RpcStringFree(&s);
    ck_assert_int_eq(RpcBindingReset(c), RPC_S_OK);
    ck_assert_int_eq(RpcBindingToStringBinding(c, &s), RPC_S_OK);
    ck_assert_str_eq((char *)s, "25b0ad95-8a83-4c70-b453-e0c202c9d616@ncacn_ip_tcp:127.0.0.1");
    RpcStringFree(&s);
    /* A partial binding is resolved through the host's endpoint mapper
     * first: with no mapper there, the server is unavailable. */
    setenv("RPCRT_EPM_ENDPOINT", closed_port(), 1);
    ck_assert_int_eq(rpctest_sleep(c, 0, NULL), RPC_S_SERVER_UNAVAILABLE);
    ck_assert_int_eq(RpcEpResolveBinding(c, rpctest_v1_0_c_ifspec), RPC_S_SERVER_UNAVAILABLE);
    unsetenv("RPCRT_EPM_ENDPOINT");

    /* Freed, NULL and garbage handles are refused without a crash. */
    RPC_BINDING_HANDLE stale = c;
    ck_assert_int_eq(RpcBindingFree(&c), RPC_S_OK);
    ck_assert_int_eq(RpcBindingFree(&stale), RPC_S_INVALID_BINDING);
    ck_assert_int_eq(RpcBindingFree(NULL), RPC_S_INVALID_BINDING);
    stale = &junk;
    ck_assert_int_eq(RpcBindingFree(&stale), RPC_S_INVALID_BINDING);
    stale = (RPC_BINDING_HANDLE)(uintptr_t)0x10;
    ck_assert_int_eq(RpcBindingToStringBinding(stale, &s), RPC_S_INVALID_BINDING);
    ck_assert_int_eq(rpctest_sleep(&junk, 0, NULL), RPC_S_INVALID_BINDING);
    RpcBindingFree(&h);
}
END_TEST

/* A stub-level call: the rpctest Echo of "hello" on m (I_RpcGetBuffer
 * done by the caller or not), with RpcInterfaceInformation and ProcNum
 * set here. */
static void
echo_message(RPC_MESSAGE *m, RPC_BINDING_HANDLE h)
{
    static const uint8_t stub[8 + 5] = {5, 0, 0, 0, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'};

    memset(m, 0, sizeof(*m));
    m->Handle = h;
    m->RpcInterfaceInformation = rpctest_v1_0_c_ifspec;
    m->ProcNum = 0;
    m->BufferLength = sizeof(stub);
    m->DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
    ck_assert_int_eq(I_RpcGetBuffer(m), RPC_S_OK);
    memcpy(m->Buffer, stub, sizeof(stub));
}

static void *
get_buffer_only(void *arg)
{
    RPC_MESSAGE *m = arg;

    /* Another thread frees the buffer; this one ends without a send. */
    echo_message(m, m->Handle);
    return NULL;
}

/* I_RpcGetBuffer keeps the client binding at hand for the send that
 * follows (a pin with a reference, libclient/handle.c): whatever comes
 * between -- the binding freed, no send at all, the buffer freed by
 * another thread, a thread that ends -- the call says what it would
 * without it.  That the pin's reference goes in each case is
 * check_handle.c's to show. */
START_TEST(test_buffer_then_send_paths)
{
    RPC_BINDING_HANDLE h = bind_transport(_i, NULL), gone;
    RPC_MESSAGE m, m2;
    pthread_t t;

    /* The usual order, twice on the same thread. */
    for (int i = 0; i < 2; i++) {
        echo_message(&m, h);
        ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
        ck_assert_uint_eq(m.BufferLength, 4 + 5 + 3 + 4);
        ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, "hello", 5), 0);
        ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    }
    /* The binding freed between the buffer and the send. */
    gone = bind_transport(_i, NULL);
    echo_message(&m, gone);
    ck_assert_int_eq(RpcBindingFree(&gone), RPC_S_OK);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_INVALID_BINDING);
    ck_assert_ptr_null(m.Buffer);
    /* A buffer freed without a send; then another binding's call. */
    gone = bind_transport(_i, NULL);
    echo_message(&m, gone);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    ck_assert_int_eq(RpcBindingFree(&gone), RPC_S_OK);
    echo_message(&m, h);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    /* Two messages at once on two bindings, sent in the other order. */
    gone = bind_transport(_i, NULL);
    echo_message(&m, h);
    echo_message(&m2, gone);
    ck_assert_int_eq(I_RpcSendReceive(&m2), RPC_S_OK);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, "hello", 5), 0);
    ck_assert_int_eq(memcmp((uint8_t *)m2.Buffer + 4, "hello", 5), 0);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    ck_assert_int_eq(I_RpcFreeBuffer(&m2), RPC_S_OK);
    ck_assert_int_eq(RpcBindingFree(&gone), RPC_S_OK);
    /* A thread that takes a buffer and ends; this one frees the buffer
     * and the binding. */
    gone = bind_transport(_i, NULL);
    m.Handle = gone;
    ck_assert_int_eq(pthread_create(&t, NULL, get_buffer_only, &m), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    ck_assert_int_eq(RpcBindingFree(&gone), RPC_S_OK);
    ck_assert_int_eq(RpcBindingFree(&h), RPC_S_OK);
}
END_TEST

/* ---- RpcrtBufferSendFrom / RpcrtBufferReceiveInto ------------------------ */

static uint32_t
u32_at(const void *p)
{
    const uint8_t *b = p;

    /* Our server answers little-endian. */
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

/* Requests go in the host's order (the drep the runtime sends). */
static void
host32_store(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* An Echo request of n bytes by hand: header fields written, the data's
 * place in the buffer filled with 0x55 (what must not go out when a
 * range is sent from elsewhere). */
static void
echo_request(RPC_MESSAGE *m, RPC_BINDING_HANDLE h, uint32_t n)
{
    memset(m, 0, sizeof(*m));
    m->Handle = h;
    m->RpcInterfaceInformation = rpctest_v1_0_c_ifspec;
    m->BufferLength = 8 + n;
    m->DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
    ck_assert_int_eq(I_RpcGetBuffer(m), RPC_S_OK);
    host32_store(m->Buffer, n);
    host32_store((uint8_t *)m->Buffer + 4, n);
    memset((uint8_t *)m->Buffer + 8, 0x55, n);
}

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 131u + seed) >> 2 ^ i);
}

/* Echo data_in sent from the caller's memory and data_out received into
 * it, over both transports, at the default fragment size and at the
 * least (many fragment boundaries inside the ranges), from one byte to
 * more than 1 MiB; then a range of part of the data only, whose edges
 * fall inside fragments. */
START_TEST(test_send_from_receive_into)
{
    static const uint32_t sizes[] = {1, 7, 1000, 5000, 70001, (1u << 20) + 5};
    const char *opts[] = {NULL, "max_frag=1432"};

    for (int o = 0; o < 2; o++) {
        RPC_BINDING_HANDLE h = bind_transport(_i, opts[o]);

        for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
            uint32_t n = sizes[z], pad = (4 - (n & 3)) & 3;
            uint8_t *in = malloc(n), *out = malloc(n);
            RPC_MESSAGE m;

            ck_assert_ptr_nonnull(in);
            ck_assert_ptr_nonnull(out);
            fill(in, n, (unsigned)z);
            memset(out, 0xee, n);
            echo_request(&m, h, n);
            ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, in, n), RPC_S_OK);
            ck_assert_int_eq(RpcrtBufferReceiveInto(&m, 4, out, n), RPC_S_OK);
            ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
            ck_assert_uint_eq(m.BufferLength, 4 + n + pad + 4);
            ck_assert_uint_eq(u32_at(m.Buffer), n);
            ck_assert_uint_eq(u32_at((uint8_t *)m.Buffer + 4 + n + pad), 0);
            ck_assert_msg(memcmp(in, out, n) == 0, "%u bytes, %s: data_out differs",
                          n, opts[o] ? opts[o] : "default");
            ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);

            /* The middle third from elsewhere, the rest in the buffer;
             * the reply whole in its buffer. */
            if (n >= 3) {
                uint32_t a = n / 3, len = n / 3;

                echo_request(&m, h, n);
                memcpy((uint8_t *)m.Buffer + 8, in, n);
                memset((uint8_t *)m.Buffer + 8 + a, 0x55, len);
                ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8 + a, in + a, len), RPC_S_OK);
                ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
                ck_assert_uint_eq(m.BufferLength, 4 + n + pad + 4);
                ck_assert_msg(memcmp((uint8_t *)m.Buffer + 4, in, n) == 0,
                              "%u bytes, part from elsewhere: echo differs", n);
                ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
            }
            free(in);
            free(out);
        }
        ck_assert_int_eq(RpcBindingFree(&h), RPC_S_OK);
    }
}
END_TEST

/* What RpcrtBufferSendFrom and RpcrtBufferReceiveInto refuse, and the
 * ranges that do not apply: of a freed or replaced buffer, of a reply
 * shorter than the range, with an asynchronous send (ReceiveInto). */
START_TEST(test_buffer_range_edges)
{
    RPC_BINDING_HANDLE h = bind_transport(_i, NULL);
    uint8_t in[64], out[64], junk[64];
    RPC_ASYNC_STATE a;
    RPC_MESSAGE m, r;
    int garbage = 0;

    fill(in, sizeof(in), 3);
    memset(junk, 0x77, sizeof(junk));
    echo_request(&m, h, 40);
    ck_assert_int_eq(RpcrtBufferSendFrom(NULL, 0, in, 1), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtBufferReceiveInto(NULL, 0, out, 1), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, NULL, 4), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtBufferReceiveInto(&m, 4, NULL, 4), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, in, 41), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 49, in, 0), RPC_S_OK);   /* none */
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 4, in, 0xfffffffeu), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcrtBufferReceiveInto(&m, 4, out, 0xfffffffeu), RPC_S_INVALID_ARG);
    r = m;
    r.Handle = &garbage;
    ck_assert_int_eq(RpcrtBufferSendFrom(&r, 8, in, 4), RPC_S_INVALID_BINDING);

    /* Ranges of a buffer that was freed apply to no later one. */
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, junk, 40), RPC_S_OK);
    ck_assert_int_eq(RpcrtBufferReceiveInto(&m, 4, junk, 40), RPC_S_OK);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    echo_request(&m, h, 40);
    memcpy((uint8_t *)m.Buffer + 8, in, 40);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_uint_eq(m.BufferLength, 4 + 40 + 4);
    ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, in, 40), 0);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    for (size_t i = 0; i < sizeof(junk); i++)
        ck_assert_uint_eq(junk[i], 0x77);
    /* Nor do those set before I_RpcGetBuffer gave the message a new one. */
    echo_request(&m, h, 40);
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, junk, 40), RPC_S_OK);
    r = m;                                      /* to free the old buffer */
    ck_assert_int_eq(I_RpcGetBuffer(&m), RPC_S_OK);
    memcpy(m.Buffer, r.Buffer, 8);
    memcpy((uint8_t *)m.Buffer + 8, in, 40);
    ck_assert_int_eq(I_RpcFreeBuffer(&r), RPC_S_OK);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, in, 40), 0);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    echo_request(&m, h, 40);
    memcpy((uint8_t *)m.Buffer + 8, in, 40);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, in, 40), 0);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);

    /* A thread's range held by one message refuses another's, which
     * then copies; both calls come out right. */
    {
        RPC_MESSAGE m2;
        uint8_t out2[64];

        echo_request(&m, h, 40);
        echo_request(&m2, h, 40);
        ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, in, 40), RPC_S_OK);
        ck_assert_int_eq(RpcrtBufferReceiveInto(&m, 4, out, 40), RPC_S_OK);
        ck_assert_int_eq(RpcrtBufferSendFrom(&m2, 8, junk, 40), RPC_S_INVALID_ARG);
        ck_assert_int_eq(RpcrtBufferReceiveInto(&m2, 4, out2, 40), RPC_S_INVALID_ARG);
        ck_assert_int_eq(RpcrtBufferSendFrom(&m2, 8, junk, 0), RPC_S_OK);
        memcpy((uint8_t *)m2.Buffer + 8, junk, 40);
        ck_assert_int_eq(I_RpcSendReceive(&m2), RPC_S_OK);
        ck_assert_int_eq(memcmp((uint8_t *)m2.Buffer + 4, junk, 40), 0);
        ck_assert_int_eq(I_RpcFreeBuffer(&m2), RPC_S_OK);
        memset(out, 0, sizeof(out));
        ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
        ck_assert_int_eq(memcmp(out, in, 40), 0);
        ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);
    }

    /* A reply shorter than the range: the call succeeds, the reply is
     * what came. */
    echo_request(&m, h, 20);
    memcpy((uint8_t *)m.Buffer + 8, in, 20);
    ck_assert_int_eq(RpcrtBufferReceiveInto(&m, 4, out, 60), RPC_S_OK);
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_uint_eq(m.BufferLength, 4 + 20 + 4);
    ck_assert_uint_eq(u32_at(m.Buffer), 20);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);

    /* BufferLength shortened after the range was set: what lies beyond
     * it does not go. */
    echo_request(&m, h, 40);
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, in, 40), RPC_S_OK);
    host32_store((uint8_t *)m.Buffer, 30);
    host32_store((uint8_t *)m.Buffer + 4, 30);
    m.BufferLength = 8 + 30;
    ck_assert_int_eq(I_RpcSendReceive(&m), RPC_S_OK);
    ck_assert_uint_eq(m.BufferLength, 4 + 30 + 2 + 4);
    ck_assert_int_eq(memcmp((uint8_t *)m.Buffer + 4, in, 30), 0);
    ck_assert_int_eq(I_RpcFreeBuffer(&m), RPC_S_OK);

    /* Asynchronous: a send from elsewhere works; a receive into is
     * refused, and the buffer is the runtime's as always. */
    memset(&a, 0, sizeof(a));
    ck_assert_int_eq(RpcAsyncInitializeHandle(&a, sizeof(a)), RPC_S_OK);
    a.NotificationType = RpcNotificationTypeNone;
    echo_request(&m, h, 40);
    ck_assert_int_eq(RpcrtBufferSendFrom(&m, 8, in, 40), RPC_S_OK);
    ck_assert_int_eq(I_RpcAsyncSend(&m, &a), RPC_S_OK);
    for (int i = 0; i < 2000 && RpcAsyncGetCallStatus(&a) == RPC_S_ASYNC_CALL_PENDING; i++)
        usleep(10000);
    memset(&r, 0, sizeof(r));
    r.Handle = h;
    ck_assert_int_eq(RpcAsyncCompleteCall(&a, &r), RPC_S_OK);
    ck_assert_uint_eq(r.BufferLength, 4 + 40 + 4);
    ck_assert_int_eq(memcmp((uint8_t *)r.Buffer + 4, in, 40), 0);
    ck_assert_int_eq(I_RpcFreeBuffer(&r), RPC_S_OK);
    memset(&a, 0, sizeof(a));
    ck_assert_int_eq(RpcAsyncInitializeHandle(&a, sizeof(a)), RPC_S_OK);
    echo_request(&m, h, 40);
    ck_assert_int_eq(RpcrtBufferReceiveInto(&m, 4, out, 40), RPC_S_OK);
    ck_assert_int_eq(I_RpcAsyncSend(&m, &a), RPC_S_INVALID_ARG);
    ck_assert_ptr_null(m.Buffer);
    ck_assert_int_eq(RpcBindingFree(&h), RPC_S_OK);
}
END_TEST

/* The handle registry (libclient/handle.c) over many handles at once, in
 * every shard and through its growth and rehashes, and from threads that
 * make and free handles together: each handle stays itself until freed,
 * and a freed one is refused. */
#define MANY_HANDLES 3000

static RPC_BINDING_HANDLE
numbered_binding(unsigned n)
{
    char sb[64];
    RPC_BINDING_HANDLE b = NULL;

    snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%u]", 1000 + n);
    ck_assert_int_eq(RpcBindingFromStringBinding(CS(sb), &b), RPC_S_OK);
    return b;
}

static int
is_numbered(RPC_BINDING_HANDLE b, unsigned n)
{
    char want[64];
    RPC_CSTR s = NULL;
    int same;

    snprintf(want, sizeof(want), "ncacn_ip_tcp:127.0.0.1[%u]", 1000 + n);
    if (RpcBindingToStringBinding(b, &s) != RPC_S_OK)
        return 0;
    same = strcmp((char *)s, want) == 0;
    RpcStringFree(&s);
    return same;
}

static void *
handle_churn(void *arg)
{
    unsigned base = (unsigned)(uintptr_t)arg;
    RPC_BINDING_HANDLE b[50];
    int bad = 0;

    for (unsigned round = 0; round < 40; round++) {
        for (unsigned i = 0; i < 50; i++)
            b[i] = numbered_binding(base + i);
        for (unsigned i = 0; i < 50; i++) {
            bad |= !is_numbered(b[i], base + i);
            bad |= RpcBindingFree(&b[i]) != RPC_S_OK;
        }
    }
    return (void *)(uintptr_t)bad;
}

START_TEST(test_many_handles)
{
    static RPC_BINDING_HANDLE b[MANY_HANDLES], gone[MANY_HANDLES / 2];
    pthread_t t[4];
    unsigned ng = 0;

    for (unsigned i = 0; i < MANY_HANDLES; i++)
        b[i] = numbered_binding(i);
    for (unsigned i = 0; i < MANY_HANDLES; i++)
        ck_assert_msg(is_numbered(b[i], i), "handle %u", i);
    /* Every other one freed: tombs all over, then new ones among them. */
    for (unsigned i = 0; i < MANY_HANDLES; i += 2) {
        gone[ng++] = b[i];
        ck_assert_int_eq(RpcBindingFree(&b[i]), RPC_S_OK);
    }
    for (unsigned i = 0; i < ng; i++)
        ck_assert_int_eq(RpcBindingFree(&gone[i]), RPC_S_INVALID_BINDING);
    for (unsigned i = 1; i < MANY_HANDLES; i += 2)
        ck_assert_msg(is_numbered(b[i], i), "handle %u", i);
    for (unsigned i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, handle_churn,
                                        (void *)(uintptr_t)(5000 + 100 * i)), 0);
    for (unsigned i = 0; i < MANY_HANDLES; i += 2)
        b[i] = numbered_binding(i);
    for (unsigned i = 0; i < 4; i++) {
        void *bad;

        ck_assert_int_eq(pthread_join(t[i], &bad), 0);
        ck_assert_msg(bad == NULL, "churn thread %u", i);
    }
    for (unsigned i = 0; i < MANY_HANDLES; i++)
        ck_assert_msg(is_numbered(b[i], i), "handle %u", i);
    /* Each refused once freed (no handle is made in between). */
    for (unsigned i = 0; i < MANY_HANDLES; i++) {
        RPC_BINDING_HANDLE was = b[i];

        ck_assert_int_eq(RpcBindingFree(&b[i]), RPC_S_OK);
        ck_assert_int_eq(RpcBindingFree(&was), RPC_S_INVALID_BINDING);
    }
}
END_TEST

START_TEST(test_server_unavailable)
{
    char sb[64];
    double t0;

    snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%s]", closed_port());
    RPC_BINDING_HANDLE h = bind_to(sb);
    t0 = tu_now_ms();
    ck_assert_int_eq(rpctest_sleep(h, 0, NULL), RPC_S_SERVER_UNAVAILABLE);
    ck_assert_double_lt(tu_now_ms() - t0, 10000);
    RpcBindingFree(&h);
    h = bind_to("ncalrpc:[no-such-endpoint]");
    ck_assert_int_eq(rpctest_sleep(h, 0, NULL), RPC_S_SERVER_UNAVAILABLE);
    RpcBindingFree(&h);
}
END_TEST

struct sleeper {
    RPC_BINDING_HANDLE h;
    RPC_STATUS st;
    double ended;
};

static void *
sleep_call(void *p)
{
    struct sleeper *s = p;

    s->st = rpctest_sleep(s->h, 20000, NULL);
    s->ended = tu_now_ms();
    return NULL;
}

START_TEST(test_server_killed_mid_call)
{
    struct testsrv own;
    struct sleeper s = {0};
    pthread_t t;
    double killed;

    testsrv_start(&own, NULL);
    s.h = bind_to(_i ? own.lrpc : own.tcp);
    ck_assert_int_eq(pthread_create(&t, NULL, sleep_call, &s), 0);
    usleep(300 * 1000);
    killed = tu_now_ms();
    testsrv_kill(&own);
    pthread_join(t, NULL);
    ck_assert_int_eq(s.st, RPC_S_CALL_FAILED);
    fprintf(stderr, "server killed: client error after %.1f ms\n", s.ended - killed);
    /* "Within a second"; the bound here is generous for loaded machines. */
    ck_assert_double_lt(s.ended - killed, 5000);
    RpcBindingFree(&s.h);
    testsrv_stop(&own);
}
END_TEST

/* ---- a fake peer that forces tiny fragments ------------------------------- */

struct fake {
    int lfd;
    uint16_t frag;       /* what it accepts and sends */
    int shape;           /* the reply's fragments: FAKE_* */
    int ok;
};

/* How the fake peer cuts its reply: every fragment full but the last
 * (as servers do); fragments of varying sizes with alloc_hints too high,
 * too low or 0, some written in pieces cut inside the header; or those,
 * then a fault instead of the rest. */
enum { FAKE_PLAIN, FAKE_IRREGULAR, FAKE_FAULT_MIDWAY };

static int
read_full(int fd, uint8_t *b, size_t n)
{
    size_t o = 0;

    while (o < n) {
        ssize_t r = read(fd, b + o, n - o);
        if (r <= 0)
            return -1;
        o += (size_t)r;
    }
    return 0;
}

static int
read_pdu(int fd, uint8_t *buf, size_t cap, struct rpc_pdu *p)
{
    uint16_t fl;

    if (read_full(fd, buf, 16) != 0 || rpc_peek_frag_length(buf, 16, &fl) != 0 ||
        fl > cap || fl < 16 || read_full(fd, buf + 16, fl - 16u) != 0)
        return -1;
    return rpc_pdu_parse(buf, fl, p);
}

static int
send_pdu(int fd, struct rpc_pdu *p)
{
    struct ndr_cursor c;
    int r = -1;

    if (ndr_init_write(&c, 0, DREP_LE) == 0 && rpc_pdu_encode(p, &c) == 0 &&
        write(fd, c.data, c.len) == (ssize_t)c.len)
        r = 0;
    ndr_cursor_free(&c);
    return r;
}

/* Accepts one connection: bind -> bind_ack with tiny fragment sizes, then
 * reassembles one request and answers it as Echo would, in tiny
 * fragments, checking the client kept to the size. */
static void *
fake_server(void *arg)
{
    struct fake *f = arg;
    int fd = accept(f->lfd, NULL, NULL);
    static uint8_t buf[70000];
    struct rpc_pdu p;
    uint8_t *stub = NULL;
    size_t stub_len = 0;
    uint32_t call_id = 0;
    struct rpc_result res[2];

    if (fd < 0 || read_pdu(fd, buf, sizeof(buf), &p) != 0 || p.hdr.ptype != PTYPE_BIND)
        goto out;
    memset(res, 0, sizeof(res));
    res[0].xfer = rpc_ndr20_syntax;
    res[1].result = P_CONT_PROVIDER_REJECTION;
    res[1].reason = P_REASON_PROPOSED_TS_NOT_SUPPORTED;
    uint32_t bind_call = p.hdr.call_id;
    uint8_t nres = p.u.bind.n_ctx > 2 ? 2 : p.u.bind.n_ctx;
    rpc_pdu_clear(&p);
    rpc_pdu_init(&p, PTYPE_BIND_ACK, bind_call);
    p.u.bind_ack.max_xmit_frag = p.u.bind_ack.max_recv_frag = f->frag;
    p.u.bind_ack.assoc_group_id = 0x1234;
    p.u.bind_ack.n_results = nres;
    p.u.bind_ack.results = res;
    if (send_pdu(fd, &p) != 0)
        goto out;
    for (;;) {
        if (read_pdu(fd, buf, sizeof(buf), &p) != 0 || p.hdr.ptype != PTYPE_REQUEST ||
            p.hdr.frag_length > f->frag)
            goto out;
        uint8_t *ns = realloc(stub, stub_len + p.u.request.stub_len + 1);
        if (ns == NULL)
            goto out;
        stub = ns;
        memcpy(stub + stub_len, p.u.request.stub, p.u.request.stub_len);
        stub_len += p.u.request.stub_len;
        call_id = p.hdr.call_id;
        int last = p.hdr.pfc_flags & PFC_LAST_FRAG;
        rpc_pdu_clear(&p);
        if (last)
            break;
    }
    /* Echo: request n, n, bytes -> reply n, bytes, pad, 0. */
    if (stub_len < 8)
        goto out;
    uint32_t n;
    memcpy(&n, stub, 4);
    size_t rlen = 4 + n + ((4 - n % 4) % 4) + 4;
    uint8_t *reply = calloc(1, rlen);
    memcpy(reply, &n, 4);
    memcpy(reply + 4, stub + 8, n);
    size_t off = 0, max = f->frag - RPC_RESPONSE_HDR_LEN;
    unsigned i = 0;
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    do {
        size_t chunk = rlen - off < max ? rlen - off : max;
        uint32_t hint = (uint32_t)(rlen - off);

        if (f->shape != FAKE_PLAIN) {
            static const size_t sizes[] = {0, 0, 0, 1000, 0, 8, 0, 0, 4000, 1};
            static const uint32_t hints[] = {0, 1, 0, 0, 2, 0, 3, 0, 0, 0};
            size_t want = sizes[i % 10] ? sizes[i % 10] : max;

            if (chunk > want)
                chunk = want;
            /* 1: the truth + 100000; 2: half of it; 3: none. */
            hint = hints[i % 10] == 1 ? hint + 100000 :
                   hints[i % 10] == 2 ? hint / 2 : hints[i % 10] == 3 ? 0 : hint;
        }
        if (f->shape == FAKE_FAULT_MIDWAY && off >= 300000) {
            rpc_pdu_init(&p, PTYPE_FAULT, call_id);
            p.u.fault.status = NCA_S_OP_RNG_ERROR;
            f->ok = send_pdu(fd, &p) == 0;
            break;
        }
        rpc_pdu_init(&p, PTYPE_RESPONSE, call_id);
        p.hdr.pfc_flags = (uint8_t)((off == 0 ? PFC_FIRST_FRAG : 0) |
                                    (off + chunk == rlen ? PFC_LAST_FRAG : 0));
        p.u.response.alloc_hint = hint;
        p.u.response.stub = reply + off;
        p.u.response.stub_len = chunk;
        if (f->shape != FAKE_PLAIN && i % 7 == 3) {
            /* In three writes, cut at bytes 10 and 20 of the header. */
            struct ndr_cursor c;
            int bad = ndr_init_write(&c, 0, DREP_LE) != 0 || rpc_pdu_encode(&p, &c) != 0 ||
                      write(fd, c.data, 10) != 10 ||
                      (sched_yield(), write(fd, c.data + 10, 10) != 10) ||
                      (sched_yield(), write(fd, c.data + 20, c.len - 20) != (ssize_t)(c.len - 20));
            ndr_cursor_free(&c);
            if (bad)
                break;
        } else if (send_pdu(fd, &p) != 0) {
            break;
        }
        off += chunk;
        i++;
    } while (off < rlen);
    free(reply);
    if (f->shape != FAKE_FAULT_MIDWAY)
        f->ok = off == rlen;
out:
    free(stub);
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* Starts the fake peer on a loopback port of its own; a binding to it. */
static RPC_BINDING_HANDLE
fake_start(struct fake *f, pthread_t *t)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    char sb[64];

    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(f->lfd, 4), 0);
    ck_assert_int_eq(getsockname(f->lfd, (struct sockaddr *)&sa, &sl), 0);
    snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%u]", ntohs(sa.sin_port));
    ck_assert_int_eq(pthread_create(t, NULL, fake_server, f), 0);
    return bind_to(sb);
}

START_TEST(test_tiny_fragments_from_peer)
{
    struct fake f = {.frag = 64};
    pthread_t t;
    RPC_BINDING_HANDLE h = fake_start(&f, &t);

    echo_check(h, 1000, 9);
    pthread_join(t, NULL);
    ck_assert(f.ok);
    RpcBindingFree(&h);
    close(f.lfd);
}
END_TEST

/* Replies of 1 MiB cut unlike what the client predicts while it reads
 * large replies in place (fragments of other sizes, alloc_hints that lie,
 * headers arriving in pieces, a fault after part of the reply): the
 * bytes still come out right, or the fault's status does. */
START_TEST(test_irregular_fragments_from_peer)
{
    static const int shapes[] = {FAKE_PLAIN, FAKE_IRREGULAR, FAKE_FAULT_MIDWAY};

    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        struct fake f = {.frag = 5840, .shape = shapes[k]};
        const uint32_t n = 1u << 20;
        pthread_t t;
        RPC_BINDING_HANDLE h = fake_start(&f, &t);

        if (shapes[k] == FAKE_FAULT_MIDWAY) {
            uint8_t *in = calloc(1, n), *out = malloc(n);
            int32_t ret;

            ck_assert_ptr_nonnull(in);
            ck_assert_ptr_nonnull(out);
            ck_assert_int_eq(rpctest_echo(h, in, n, out, &ret),
                             RPC_S_PROCNUM_OUT_OF_RANGE);
            free(in);
            free(out);
        } else {
            echo_check(h, n, (unsigned)k);
        }
        pthread_join(t, NULL);
        ck_assert_msg(f.ok, "shape %d: the fake peer failed", shapes[k]);
        RpcBindingFree(&h);
        close(f.lfd);
    }
}
END_TEST

/* A server restarted on the same port no longer knows the association
 * group the binding got from its predecessor: the next call binds again
 * in a new group instead of failing for good (bind_nak). */
START_TEST(test_rebind_after_group_lost)
{
    struct testsrv one, two;
    const char *extra[3] = {"--listen", NULL, NULL};
    char again[160];
    RPC_BINDING_HANDLE h;
    int32_t codes[3];

    testsrv_start(&one, NULL);
    h = bind_to(one.tcp);
    ck_assert_int_eq(rpctest_self_test(h, codes), RPC_S_OK);
    snprintf(again, sizeof(again), "%s", one.tcp);
    testsrv_stop(&one);
    extra[1] = again;
    testsrv_start(&two, extra);        /* also on the old port */
    /* The pooled connection is dead (closed); a new one binds, first
     * offering the old group. */
    ck_assert_int_eq(rpctest_self_test(h, codes), RPC_S_OK);
    ck_assert_int_eq(rpctest_self_test(h, codes), RPC_S_OK);
    RpcBindingFree(&h);
    testsrv_stop(&two);
}
END_TEST

/* Both libraries load with dlopen into a process linked with neither
 * (a language binding's way), and answer: tests/dlopen_libs.c, run
 * here, says why that could fail. */
START_TEST(test_libs_dlopen)
{
    const char *b = getenv("top_builddir");
    char prog[4096], client[4096], server[4096];
    int status = 0;
    pid_t pid;

    if (b == NULL)
        b = ".";
    snprintf(prog, sizeof(prog), "%s/tests/dlopen_libs", b);
    snprintf(client, sizeof(client), "%s/.libs/librpcrt-client.so.0", b);
    snprintf(server, sizeof(server), "%s/.libs/librpcrt-server.so.0", b);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(prog, prog, client, server, (char *)NULL);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *
client_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("rpctest");

    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, srv_up, srv_down);
    tcase_add_loop_test(tc, test_echo_sizes, 0, 2);
    tcase_add_loop_test(tc, test_many_threads_one_binding, 0, 2);
    tcase_add_loop_test(tc, test_faults, 0, 2);
    tcase_add_test(tc, test_binding_api);
    tcase_add_loop_test(tc, test_buffer_then_send_paths, 0, 2);
    tcase_add_loop_test(tc, test_send_from_receive_into, 0, 2);
    tcase_add_loop_test(tc, test_buffer_range_edges, 0, 2);
    tcase_add_test(tc, test_many_handles);
    tcase_add_test(tc, test_server_unavailable);
    tcase_add_loop_test(tc, test_server_killed_mid_call, 0, 2);
    tcase_add_test(tc, test_tiny_fragments_from_peer);
    tcase_add_test(tc, test_irregular_fragments_from_peer);
    tcase_add_test(tc, test_rebind_after_group_lost);
    tcase_add_test(tc, test_libs_dlopen);
    suite_add_tcase(s, tc);
    return s;
}
