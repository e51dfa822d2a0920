/*
 * tests/check_strbind.c -- string bindings: parse tables (good and
 * malformed), compose output, compose/parse round trips with every
 * special character, the public RpcStringBinding* calls, and the
 * network address / endpoint checks per protocol sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/proto.h"
#include "tests/tests.h"

#define UUID1 "12345678-1234-abcd-ef00-0123456789ab"
#define UUID1_UPPER "12345678-1234-ABCD-EF00-0123456789AB"

/* ---- parse: good inputs ------------------------------------------------- */

static const struct good_case {
    const char *in;
    const char *uuid, *protseq, *netaddr, *endpoint, *options;
} good[] = {
    {"ncacn_ip_tcp:127.0.0.1[135]", "", "ncacn_ip_tcp", "127.0.0.1", "135", ""},
    {"ncacn_ip_tcp:127.0.0.1", "", "ncacn_ip_tcp", "127.0.0.1", "", ""},
    {"ncacn_ip_tcp:", "", "ncacn_ip_tcp", "", "", ""},
    {"ncacn_ip_tcp:[135]", "", "ncacn_ip_tcp", "", "135", ""},
    {"ncalrpc:[epmapper]", "", "ncalrpc", "", "epmapper", ""},
    {"ncalrpc:", "", "ncalrpc", "", "", ""},
    {UUID1 "@ncacn_ip_tcp:host.example.com[1024]",
     UUID1, "ncacn_ip_tcp", "host.example.com", "1024", ""},
    {UUID1_UPPER "@ncalrpc:[x]", UUID1_UPPER, "ncalrpc", "", "x", ""},
    /* The object UUID may itself be written with escapes. */
    {"1234\\5678-1234-abcd-ef00-0123456789ab@ncalrpc:",
     UUID1, "ncalrpc", "", "", ""},
    /* An empty object UUID is the nil UUID, i.e. none. */
    {"@ncalrpc:[x]", "", "ncalrpc", "", "x", ""},
    /* IPv6: the protocol sequence ends at the first ':'. */
    {"ncacn_ip_tcp:::1[135]", "", "ncacn_ip_tcp", "::1", "135", ""},
    {"ncacn_ip_tcp:fe80::1%eth0[135]", "", "ncacn_ip_tcp", "fe80::1%eth0",
     "135", ""},
    {"ncacn_ip_tcp:2001:db8::5", "", "ncacn_ip_tcp", "2001:db8::5", "", ""},
    {"ncacn_ip_tcp:fe80\\:\\:1[135]", "", "ncacn_ip_tcp", "fe80::1", "135",
     ""},
    /* endpoint=X is the endpoint, whatever the case of its name. */
    {"ncacn_ip_tcp:h[endpoint=135]", "", "ncacn_ip_tcp", "h", "135", ""},
    {"ncacn_ip_tcp:h[ENDPOINT=135,a=b]", "", "ncacn_ip_tcp", "h", "135",
     "a=b"},
    {"ncacn_ip_tcp:h[endpoin\\t=135]", "", "ncacn_ip_tcp", "h", "135", ""},
    {"ncacn_ip_tcp:h[endpoint=]", "", "ncacn_ip_tcp", "h", "", ""},
    {"ncacn_ip_tcp:h[135,a=b,c=d]", "", "ncacn_ip_tcp", "h", "135",
     "a=b,c=d"},
    {"ncacn_ip_tcp:h[a=b,135]", "", "ncacn_ip_tcp", "h", "135", "a=b"},
    {"ncacn_ip_tcp:h[a=b,endpoint=135,c=d]", "", "ncacn_ip_tcp", "h", "135",
     "a=b,c=d"},
    {"ncacn_ip_tcp:h[,a=b]", "", "ncacn_ip_tcp", "h", "", "a=b"},
    {"ncacn_ip_tcp:h[a=b,]", "", "ncacn_ip_tcp", "h", "", "a=b"},
    {"ncacn_ip_tcp:h[a=b]", "", "ncacn_ip_tcp", "h", "", "a=b"},
    {"ncacn_ip_tcp:h[]", "", "ncacn_ip_tcp", "h", "", ""},
    {"ncacn_ip_tcp:h[security=Impersonation Dynamic False]", "",
     "ncacn_ip_tcp", "h", "", "security=Impersonation Dynamic False"},
    /* A value may contain '=' (escaped or not). */
    {"ncacn_ip_tcp:h[a=b=c,d=e\\=f]", "", "ncacn_ip_tcp", "h", "",
     "a=b=c,d=e=f"},
    /* Escapes in the endpoint. */
    {"ncalrpc:[ep\\,x]", "", "ncalrpc", "", "ep,x", ""},
    {"ncalrpc:[ep\\]x]", "", "ncalrpc", "", "ep]x", ""},
    {"ncalrpc:[ep\\[x]", "", "ncalrpc", "", "ep[x", ""},
    {"ncalrpc:[a\\\\b]", "", "ncalrpc", "", "a\\b", ""},
    {"ncalrpc:[a\\=b]", "", "ncalrpc", "", "a=b", ""},
    {"ncalrpc:[\\@\\:]", "", "ncalrpc", "", "@:", ""},
    /* '@' and ':' inside the bracket are plain characters. */
    {"ncalrpc:[x,a=b:c@d]", "", "ncalrpc", "", "x", "a=b:c@d"},
    {"ncalrpc:[a:b@c]", "", "ncalrpc", "", "a:b@c", ""},
    /* Escapes outside the bracket. */
    {"nc\\:a:h\\[1\\]", "", "nc:a", "h[1]", "", ""},
    {"ncacn_ip_tcp:a\\@b", "", "ncacn_ip_tcp", "a@b", "", ""},
    /* ',' and '=' outside the bracket are plain characters. */
    {"ncacn_ip_tcp:a=b,c", "", "ncacn_ip_tcp", "a=b,c", "", ""},
    /* No protocol sequence, or nothing at all, still parses. */
    {":host[1]", "", "", "host", "1", ""},
    {":", "", "", "", "", ""},
};

START_TEST(test_parse_good)
{
    const struct good_case *c = &good[_i];
    struct rpc_strbinding b;

    ck_assert_msg(proto_strbinding_parse(c->in, &b) == RPC_S_OK, "%s",
                  c->in);
    ck_assert_str_eq(b.obj_uuid, c->uuid);
    ck_assert_str_eq(b.protseq, c->protseq);
    ck_assert_str_eq(b.netaddr, c->netaddr);
    ck_assert_str_eq(b.endpoint, c->endpoint);
    ck_assert_str_eq(b.options, c->options);
    proto_strbinding_clear(&b);
    ck_assert_ptr_null(b.obj_uuid);
    ck_assert_ptr_null(b.options);
}
END_TEST

/* ---- parse: malformed inputs -------------------------------------------- */

static const struct bad_case {
    const char *in;
    RPC_STATUS status;
} bad[] = {
    {"", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp", RPC_S_INVALID_STRING_BINDING},          /* no ':' */
    {"ncacn_ip_tcp\\:h", RPC_S_INVALID_STRING_BINDING},      /* escaped */
    {"ncacn_ip_tcp[135]", RPC_S_INVALID_STRING_BINDING},     /* '[' first */
    {"ncalrpc[x:y]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[135", RPC_S_INVALID_STRING_BINDING},    /* unclosed */
    {"ncacn_ip_tcp:h[", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h135]", RPC_S_INVALID_STRING_BINDING},    /* stray ']' */
    {"ncacn_ip_tcp]:h", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[135]x", RPC_S_INVALID_STRING_BINDING},  /* trailing */
    {"ncacn_ip_tcp:h[135]]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[135][1]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[1[2]]", RPC_S_INVALID_STRING_BINDING},  /* nested */
    {"ncacn_ip_tcp:h[1,2]", RPC_S_INVALID_STRING_BINDING},   /* 2 endpoints */
    {"ncacn_ip_tcp:h[1,endpoint=2]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[endpoint=1,Endpoint=2]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[1,]", RPC_S_INVALID_STRING_BINDING},    /* 2nd empty */
    {"ncacn_ip_tcp:h[,]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[1,=x]", RPC_S_INVALID_STRING_BINDING},  /* no name */
    {"ncacn_ip_tcp:h[1,a=b\\,c]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h[1,a\\=b=c]", RPC_S_INVALID_STRING_BINDING},
    {"ncacn_ip_tcp:h\\", RPC_S_INVALID_STRING_BINDING},      /* dangling \ */
    {"ncacn_ip_tcp:h[1]\\", RPC_S_INVALID_STRING_BINDING},
    {"\\", RPC_S_INVALID_STRING_BINDING},
    {"ncalrpc:[ep\\]", RPC_S_INVALID_STRING_BINDING},        /* ']' escaped */
    {"ncacn_ip_tcp:a@b", RPC_S_INVALID_STRING_BINDING},      /* 2nd '@' */
    {UUID1 "@x@ncalrpc:", RPC_S_INVALID_STRING_BINDING},
    {UUID1 "@", RPC_S_INVALID_STRING_BINDING},
    {UUID1 "@ncalrpc", RPC_S_INVALID_STRING_BINDING},
    {"not-a-uuid@ncacn_ip_tcp:h", RPC_S_INVALID_STRING_UUID},
    {"12345678-1234-abcd-ef00-0123456789a@ncalrpc:", RPC_S_INVALID_STRING_UUID},
    {"12345678-1234-abcd-ef00-0123456789abc@ncalrpc:",
     RPC_S_INVALID_STRING_UUID},
    {"{12345678-1234-abcd-ef00-0123456789ab}@ncalrpc:",
     RPC_S_INVALID_STRING_UUID},
    {"12345678x1234-abcd-ef00-0123456789ab@ncalrpc:",
     RPC_S_INVALID_STRING_UUID},
    {"1234567g-1234-abcd-ef00-0123456789ab@ncalrpc:",
     RPC_S_INVALID_STRING_UUID},
    {" 12345678-1234-abcd-ef00-0123456789ab@ncalrpc:",
     RPC_S_INVALID_STRING_UUID},
};

START_TEST(test_parse_bad)
{
    const struct bad_case *c = &bad[_i];
    struct rpc_strbinding b;

    memset(&b, 0xa5, sizeof(b));
    ck_assert_msg(proto_strbinding_parse(c->in, &b) == c->status,
                  "%s: got %ld, want %ld", c->in,
                  proto_strbinding_parse(c->in, &b), c->status);
    /* A failed parse leaves nothing to free. */
    ck_assert_ptr_null(b.obj_uuid);
    ck_assert_ptr_null(b.protseq);
    ck_assert_ptr_null(b.netaddr);
    ck_assert_ptr_null(b.endpoint);
    ck_assert_ptr_null(b.options);
}
END_TEST

START_TEST(test_parse_args)
{
    struct rpc_strbinding b;

    ck_assert_int_eq(proto_strbinding_parse(NULL, &b), RPC_S_INVALID_ARG);
    ck_assert_int_eq(proto_strbinding_parse("ncalrpc:", NULL),
                     RPC_S_INVALID_ARG);
    proto_strbinding_clear(NULL);
}
END_TEST

/* ---- compose ------------------------------------------------------------ */

/* Components as string literals; to_sb() makes the (non-const) struct. */
struct sb_lit {
    const char *obj_uuid, *protseq, *netaddr, *endpoint, *options;
};

static struct rpc_strbinding
to_sb(const struct sb_lit *l)
{
    struct rpc_strbinding b = {
        (char *)(uintptr_t)l->obj_uuid, (char *)(uintptr_t)l->protseq,
        (char *)(uintptr_t)l->netaddr, (char *)(uintptr_t)l->endpoint,
        (char *)(uintptr_t)l->options,
    };
    return b;
}

static const struct compose_case {
    struct sb_lit in;
    const char *out;
} composes[] = {
    {{NULL, "ncacn_ip_tcp", "127.0.0.1", "135", NULL},
     "ncacn_ip_tcp:127.0.0.1[135]"},
    {{"", "ncacn_ip_tcp", "127.0.0.1", "", ""}, "ncacn_ip_tcp:127.0.0.1"},
    {{UUID1, "ncalrpc", NULL, "epmapper", NULL},
     UUID1 "@ncalrpc:[epmapper]"},
    {{NULL, "ncacn_ip_tcp", "h", "135", "a=b,c=d"},
     "ncacn_ip_tcp:h[135,a=b,c=d]"},
    {{NULL, "ncalrpc", NULL, NULL, "a=b"}, "ncalrpc:[a=b]"},
    {{NULL, "ncacn_ip_tcp", "::1", "135", NULL},
     "ncacn_ip_tcp:\\:\\:1[135]"},
    {{NULL, "ncalrpc", NULL, "a,b=c]", NULL}, "ncalrpc:[a\\,b\\=c\\]]"},
    {{NULL, "ncalrpc", NULL, NULL, "x=[1]:@\\"},
     "ncalrpc:[x=\\[1\\]\\:\\@\\\\]"},
    {{NULL, NULL, "h", NULL, NULL}, ":h"},
    {{NULL, NULL, NULL, NULL, NULL}, ":"},
};

START_TEST(test_compose)
{
    const struct compose_case *c = &composes[_i];
    char *out = (char *)0x1;

    struct rpc_strbinding in = to_sb(&c->in);
    ck_assert_int_eq(proto_strbinding_compose(&in, &out), RPC_S_OK);
    ck_assert_str_eq(out, c->out);
    free(out);
}
END_TEST

START_TEST(test_compose_bad_uuid)
{
    static const char *const uuids[] = {
        "x", UUID1 "0", "{" UUID1 "}", "12345678-1234-abcd-ef00-0123456789a",
        "12345678-1234-abcd-ef00_0123456789ab",
    };
    struct rpc_strbinding b = {NULL, "ncalrpc", NULL, "x", NULL};
    RPC_CSTR s = (RPC_CSTR)"junk";

    for (size_t i = 0; i < sizeof(uuids) / sizeof(uuids[0]); i++) {
        char *out = (char *)0x1;

        b.obj_uuid = (char *)(uintptr_t)uuids[i];
        ck_assert_int_eq(proto_strbinding_compose(&b, &out),
                         RPC_S_INVALID_STRING_UUID);
        ck_assert_ptr_null(out);
        ck_assert_int_eq(RpcStringBindingComposeA((RPC_CSTR)b.obj_uuid,
                             (RPC_CSTR)"ncalrpc", NULL, NULL, NULL, &s),
                         RPC_S_INVALID_STRING_UUID);
        ck_assert_ptr_null(s);
    }
    ck_assert_int_eq(proto_strbinding_compose(NULL, NULL), RPC_S_INVALID_ARG);
}
END_TEST

/* ---- round trips -------------------------------------------------------- */

static void
roundtrip(const struct rpc_strbinding *in)
{
    static const char *const empty = "";
    struct rpc_strbinding b;
    char *s = NULL, *s2 = NULL;
    const char *want[5] = {in->obj_uuid, in->protseq, in->netaddr,
                           in->endpoint, in->options};
    const char *got[5];

    ck_assert_int_eq(proto_strbinding_compose(in, &s), RPC_S_OK);
    ck_assert_msg(proto_strbinding_parse(s, &b) == RPC_S_OK, "%s", s);
    got[0] = b.obj_uuid;
    got[1] = b.protseq;
    got[2] = b.netaddr;
    got[3] = b.endpoint;
    got[4] = b.options;
    for (int i = 0; i < 5; i++)
        ck_assert_msg(strcmp(got[i], want[i] != NULL ? want[i] : empty) == 0,
                      "%s: component %d is \"%s\"", s, i, got[i]);
    /* Composing what was parsed gives the same string. */
    ck_assert_int_eq(proto_strbinding_compose(&b, &s2), RPC_S_OK);
    ck_assert_str_eq(s, s2);
    proto_strbinding_clear(&b);
    free(s);
    free(s2);
}

START_TEST(test_roundtrip_specials)
{
    /* Each special character alone, doubled, first and last, in every
     * component that escapes it. */
    static const char specials[] = "@:[],=\\";

    for (const char *c = specials; *c != '\0'; c++) {
        char one[2] = {*c, '\0'};
        char mixed[16];
        struct rpc_strbinding b;

        snprintf(mixed, sizeof(mixed), "%ca%c%cb%c", *c, *c, *c, *c);
        memset(&b, 0, sizeof(b));
        b.protseq = mixed;
        roundtrip(&b);
        b.protseq = one;
        roundtrip(&b);
        b.protseq = "ncacn_ip_tcp";
        b.netaddr = mixed;
        roundtrip(&b);
        b.netaddr = one;
        roundtrip(&b);
        b.netaddr = "h";
        b.endpoint = mixed;
        roundtrip(&b);
        b.endpoint = one;
        roundtrip(&b);
        b.obj_uuid = UUID1;
        b.options = "k=v";
        roundtrip(&b);
        b.endpoint = NULL;
        roundtrip(&b);
    }
}
END_TEST

START_TEST(test_roundtrip_components)
{
    static const struct rpc_strbinding cases[] = {
        {UUID1, "ncacn_ip_tcp", "192.168.1.2", "49152", ""},
        {"", "ncacn_ip_tcp", "fe80::1%eth0", "135", ""},
        {"", "ncacn_ip_tcp", "::", "", ""},
        {"", "ncacn_ip_tcp", "host.example.com", "65535", "a=b"},
        {UUID1_UPPER, "ncalrpc", "", "LRPC-0123_x.y", ""},
        {"", "ncalrpc", "", "", "security=Impersonation Dynamic False"},
        {"", "ncalrpc", "", "ep", "x=1@2:3[4]5\\6,y=z,n=a=b"},
        {"", "ncalrpc", "", "a\\b", "k=\\"},
        {"", "", "", "", ""},
        {"", "", "", "", "a=b"},
        {"", "odd name", "a b", "c d", "e=f g"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        roundtrip(&cases[i]);
}
END_TEST

/* Every string in good[] parses to components that survive compose ->
 * parse, and composing them again is stable. */
START_TEST(test_roundtrip_parsed)
{
    struct rpc_strbinding b;

    ck_assert_int_eq(proto_strbinding_parse(good[_i].in, &b), RPC_S_OK);
    roundtrip(&b);
    proto_strbinding_clear(&b);
}
END_TEST

/* ---- public API --------------------------------------------------------- */

START_TEST(test_public_parse)
{
    RPC_CSTR u = NULL, p = NULL, n = NULL, e = NULL, o = NULL;

    ck_assert_int_eq(RpcStringBindingParseA(
                         (RPC_CSTR)UUID1 "@ncacn_ip_tcp:h[135,a=b]", &u, &p,
                         &n, &e, &o),
                     RPC_S_OK);
    ck_assert_str_eq((char *)u, UUID1);
    ck_assert_str_eq((char *)p, "ncacn_ip_tcp");
    ck_assert_str_eq((char *)n, "h");
    ck_assert_str_eq((char *)e, "135");
    ck_assert_str_eq((char *)o, "a=b");
    ck_assert_int_eq(RpcStringFreeA(&u), RPC_S_OK);
    ck_assert_ptr_null(u);
    RpcStringFreeA(&p);
    RpcStringFreeA(&n);
    RpcStringFreeA(&e);
    RpcStringFreeA(&o);

    /* Absent components come back as empty strings. */
    ck_assert_int_eq(RpcStringBindingParseA((RPC_CSTR)"ncalrpc:", &u, &p, &n,
                                            &e, &o),
                     RPC_S_OK);
    ck_assert_str_eq((char *)u, "");
    ck_assert_str_eq((char *)n, "");
    ck_assert_str_eq((char *)e, "");
    ck_assert_str_eq((char *)o, "");
    RpcStringFreeA(&u);
    RpcStringFreeA(&p);
    RpcStringFreeA(&n);
    RpcStringFreeA(&e);
    RpcStringFreeA(&o);
}
END_TEST

START_TEST(test_public_parse_null_outs)
{
    RPC_CSTR e = NULL, p = NULL;

    /* Any out pointer may be NULL, all of them too. */
    ck_assert_int_eq(RpcStringBindingParseA((RPC_CSTR)"ncalrpc:[ep]", NULL,
                                            NULL, NULL, NULL, NULL),
                     RPC_S_OK);
    ck_assert_int_eq(RpcStringBindingParseA((RPC_CSTR)"ncalrpc:[ep]", NULL,
                                            NULL, NULL, &e, NULL),
                     RPC_S_OK);
    ck_assert_str_eq((char *)e, "ep");
    RpcStringFreeA(&e);
    ck_assert_int_eq(RpcStringBindingParseA((RPC_CSTR)"ncalrpc:[ep]", NULL,
                                            &p, NULL, NULL, NULL),
                     RPC_S_OK);
    ck_assert_str_eq((char *)p, "ncalrpc");
    RpcStringFreeA(&p);

    /* The status does not depend on which components are asked for. */
    ck_assert_int_eq(RpcStringBindingParseA((RPC_CSTR)"ncalrpc", NULL, NULL,
                                            NULL, NULL, NULL),
                     RPC_S_INVALID_STRING_BINDING);
    ck_assert_int_eq(RpcStringBindingParseA((RPC_CSTR)"x@ncalrpc:", NULL,
                                            NULL, NULL, NULL, NULL),
                     RPC_S_INVALID_STRING_UUID);
    /* On failure every out pointer is NULL. */
    e = (RPC_CSTR)"junk";
    p = (RPC_CSTR)"junk";
    ck_assert_int_eq(RpcStringBindingParseA((RPC_CSTR)"ncalrpc:[a]x", NULL,
                                            &p, NULL, &e, NULL),
                     RPC_S_INVALID_STRING_BINDING);
    ck_assert_ptr_null(e);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(RpcStringBindingParseA(NULL, NULL, &p, NULL, NULL, NULL),
                     RPC_S_INVALID_ARG);
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_public_compose)
{
    RPC_CSTR s = NULL;

    ck_assert_int_eq(RpcStringBindingComposeA(NULL, (RPC_CSTR)"ncacn_ip_tcp",
                                              (RPC_CSTR)"10.0.0.1",
                                              (RPC_CSTR)"135", NULL, &s),
                     RPC_S_OK);
    ck_assert_str_eq((char *)s, "ncacn_ip_tcp:10.0.0.1[135]");
    RpcStringFreeA(&s);
    ck_assert_ptr_null(s);

    /* Empty strings are the same as NULL. */
    ck_assert_int_eq(RpcStringBindingComposeA((RPC_CSTR)"",
                                              (RPC_CSTR)"ncalrpc",
                                              (RPC_CSTR)"", (RPC_CSTR)"",
                                              (RPC_CSTR)"", &s),
                     RPC_S_OK);
    ck_assert_str_eq((char *)s, "ncalrpc:");
    RpcStringFreeA(&s);

    /* A NULL StringBinding asks for the status only. */
    ck_assert_int_eq(RpcStringBindingComposeA((RPC_CSTR)UUID1,
                                              (RPC_CSTR)"ncalrpc", NULL,
                                              (RPC_CSTR)"x", NULL, NULL),
                     RPC_S_OK);
    ck_assert_int_eq(RpcStringBindingComposeA((RPC_CSTR)"bad",
                                              (RPC_CSTR)"ncalrpc", NULL,
                                              (RPC_CSTR)"x", NULL, NULL),
                     RPC_S_INVALID_STRING_UUID);
}
END_TEST

/* ---- protocol sequences ------------------------------------------------- */

START_TEST(test_protseq_names)
{
    ck_assert_int_eq(proto_protseq_from_name("ncacn_ip_tcp"),
                     RPC_PROTSEQ_NCACN_IP_TCP);
    ck_assert_int_eq(proto_protseq_from_name("NCACN_IP_TCP"),
                     RPC_PROTSEQ_NCACN_IP_TCP);
    ck_assert_int_eq(proto_protseq_from_name("ncalrpc"), RPC_PROTSEQ_NCALRPC);
    ck_assert_int_eq(proto_protseq_from_name("NcaLrpc"), RPC_PROTSEQ_NCALRPC);
    ck_assert_int_eq(proto_protseq_from_name("ncacn_np"),
                     RPC_PROTSEQ_UNKNOWN);
    ck_assert_int_eq(proto_protseq_from_name("ncalrpcx"),
                     RPC_PROTSEQ_UNKNOWN);
    ck_assert_int_eq(proto_protseq_from_name("ncalrp"), RPC_PROTSEQ_UNKNOWN);
    ck_assert_int_eq(proto_protseq_from_name(""), RPC_PROTSEQ_UNKNOWN);
    ck_assert_int_eq(proto_protseq_from_name(NULL), RPC_PROTSEQ_UNKNOWN);
    ck_assert_str_eq(proto_protseq_name(RPC_PROTSEQ_NCACN_IP_TCP),
                     "ncacn_ip_tcp");
    ck_assert_str_eq(proto_protseq_name(RPC_PROTSEQ_NCALRPC), "ncalrpc");
    ck_assert_ptr_null(proto_protseq_name(RPC_PROTSEQ_UNKNOWN));
    ck_assert_ptr_null(proto_protseq_name((enum rpc_protseq)99));
}
END_TEST

/* ---- network addresses -------------------------------------------------- */

static const struct addr_case {
    enum rpc_protseq ps;
    const char *addr;
    RPC_STATUS status;
} addrs[] = {
    {RPC_PROTSEQ_NCACN_IP_TCP, NULL, RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "127.0.0.1", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "0.0.0.0", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "255.255.255.255", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "::1", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "::", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "2001:db8::1:2", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "::ffff:10.1.2.3", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "fe80::1%eth0", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "fe80::1%2", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "localhost", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "host", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "Host-1.Example.COM", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "host.example.com.", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "3com.example", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "xn--bcher-kva.example", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "256.1.1.1", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "1.2.3", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "10.1", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "1.2.3.4.5", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "01.2.3.4", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "0x7f.0.0.1", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "12345", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, ":::", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "fe80::1%", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "fe80::1%a/b", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "fe80::1%abcdefghijklmnop",
     RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "1.2.3.4%eth0", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "%eth0", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "[::1]", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "-host", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "host-", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "a-.b", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "a..b", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, ".a", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, ".", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "a b", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "host/x", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "_srv.example", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "h\xc3\xa9.example", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCACN_IP_TCP, "a@b", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCALRPC, NULL, RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "localhost", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "LOCALHOST", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "no-such-host.invalid", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_NCALRPC, "127.0.0.1", RPC_S_INVALID_NET_ADDR},
    {RPC_PROTSEQ_UNKNOWN, "", RPC_S_PROTSEQ_NOT_SUPPORTED},
    {RPC_PROTSEQ_UNKNOWN, "host", RPC_S_PROTSEQ_NOT_SUPPORTED},
};

START_TEST(test_netaddr)
{
    const struct addr_case *c = &addrs[_i];

    ck_assert_msg(proto_check_netaddr(c->ps, c->addr) == c->status,
                  "%d \"%s\": got %ld", (int)c->ps,
                  c->addr != NULL ? c->addr : "(null)",
                  proto_check_netaddr(c->ps, c->addr));
}
END_TEST

START_TEST(test_netaddr_lengths)
{
    char label[80], name[300];

    /* A label of 63 characters is fine, 64 is not. */
    memset(label, 'a', 63);
    label[63] = '\0';
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCACN_IP_TCP, label),
                     RPC_S_OK);
    strcat(label, "a");
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCACN_IP_TCP, label),
                     RPC_S_INVALID_NET_ADDR);

    /* A name of 253 characters is fine, 254 is not. */
    memset(name, 'a', 253);
    for (int i = 50; i < 253; i += 50)
        name[i] = '.';
    name[253] = '\0';
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCACN_IP_TCP, name),
                     RPC_S_OK);
    strcat(name, ".");              /* a final dot does not count */
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCACN_IP_TCP, name),
                     RPC_S_OK);
    name[253] = 'a';
    name[254] = '\0';
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCACN_IP_TCP, name),
                     RPC_S_INVALID_NET_ADDR);
}
END_TEST

START_TEST(test_netaddr_lrpc_hostname)
{
    char host[256], upper[256];
    char *dot;

    ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
    host[sizeof(host) - 1] = '\0';
    if (host[0] == '\0')
        return;
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCALRPC, host),
                     RPC_S_OK);
    for (size_t i = 0; i < sizeof(upper); i++) {
        char c = host[i];

        upper[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
        if (c == '\0')
            break;
    }
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCALRPC, upper),
                     RPC_S_OK);
    if ((dot = strchr(host, '.')) != NULL) {
        *dot = '\0';
        ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCALRPC, host),
                         RPC_S_OK);
    }
    /* Another name is not this host. */
    strcat(host, "x");
    ck_assert_int_eq(proto_check_netaddr(RPC_PROTSEQ_NCALRPC, host),
                     RPC_S_INVALID_NET_ADDR);
}
END_TEST

/* ---- endpoints ---------------------------------------------------------- */

static const struct ep_case {
    enum rpc_protseq ps;
    const char *ep;
    RPC_STATUS status;
} eps[] = {
    {RPC_PROTSEQ_NCACN_IP_TCP, NULL, RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "0", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "135", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "65535", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "00135", RPC_S_OK},
    {RPC_PROTSEQ_NCACN_IP_TCP, "65536", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "99999", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "000135", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "18446744073709551751",
     RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "-1", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "+1", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, " 135", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "135 ", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "1a", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "0x87", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCACN_IP_TCP, "epmapper", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, NULL, RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "epmapper", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "LRPC-0123abcd_x.y", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "a.b.c", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "a.", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "-x", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "135", RPC_S_OK},
    {RPC_PROTSEQ_NCALRPC, "../x", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "..", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, ".", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, ".hidden", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "a..b", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "a/b", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "/etc/passwd", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "x/../../y", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "a\\b", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "\\pipe\\x", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "a b", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "a:b", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "a\nb", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "\xc3\xa9", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_NCALRPC, "~x", RPC_S_INVALID_ENDPOINT_FORMAT},
    {RPC_PROTSEQ_UNKNOWN, "", RPC_S_PROTSEQ_NOT_SUPPORTED},
    {RPC_PROTSEQ_UNKNOWN, "135", RPC_S_PROTSEQ_NOT_SUPPORTED},
};

START_TEST(test_endpoint)
{
    const struct ep_case *c = &eps[_i];

    ck_assert_msg(proto_check_endpoint(c->ps, c->ep) == c->status,
                  "%d \"%s\": got %ld", (int)c->ps,
                  c->ep != NULL ? c->ep : "(null)",
                  proto_check_endpoint(c->ps, c->ep));
}
END_TEST

START_TEST(test_endpoint_lrpc_length)
{
    char name[4097];

    /* 64 characters are fine, 65 are not, nor is a page of them. */
    memset(name, 'e', 64);
    name[64] = '\0';
    ck_assert_int_eq(proto_check_endpoint(RPC_PROTSEQ_NCALRPC, name),
                     RPC_S_OK);
    name[64] = 'e';
    name[65] = '\0';
    ck_assert_int_eq(proto_check_endpoint(RPC_PROTSEQ_NCALRPC, name),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    memset(name, 'e', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    ck_assert_int_eq(proto_check_endpoint(RPC_PROTSEQ_NCALRPC, name),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
}
END_TEST

/* A path-escape attempt survives the string binding intact (escaping is
 * not validation), and the endpoint check then refuses it. */
START_TEST(test_endpoint_escape_via_binding)
{
    static const char *const in[] = {
        "ncalrpc:[../../etc/x]", "ncalrpc:[endpoint=a/b]",
        "ncalrpc:[\\.\\./x]", "ncalrpc:[..]",
    };

    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        struct rpc_strbinding b;

        ck_assert_int_eq(proto_strbinding_parse(in[i], &b), RPC_S_OK);
        ck_assert_int_eq(proto_check_endpoint(proto_protseq_from_name(
                                                  b.protseq),
                                              b.endpoint),
                         RPC_S_INVALID_ENDPOINT_FORMAT);
        proto_strbinding_clear(&b);
    }
}
END_TEST

/* A long binding parses in one piece (no fixed buffers). */
START_TEST(test_long_binding)
{
    size_t n = 100000;
    char *s = malloc(n + 32);
    struct rpc_strbinding b;

    ck_assert_ptr_nonnull(s);
    strcpy(s, "ncalrpc:[");
    memset(s + 9, 'x', n);
    strcpy(s + 9 + n, ",a=b]");
    ck_assert_int_eq(proto_strbinding_parse(s, &b), RPC_S_OK);
    ck_assert_uint_eq(strlen(b.endpoint), n);
    ck_assert_str_eq(b.options, "a=b");
    ck_assert_int_eq(proto_check_endpoint(RPC_PROTSEQ_NCALRPC, b.endpoint),
                     RPC_S_INVALID_ENDPOINT_FORMAT);
    proto_strbinding_clear(&b);
    free(s);
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
strbind_suite(void)
{
    Suite *s = suite_create("strbind");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse_good, 0, NELEM(good));
    tcase_add_loop_test(tc, test_parse_bad, 0, NELEM(bad));
    tcase_add_test(tc, test_parse_args);
    tcase_add_loop_test(tc, test_compose, 0, NELEM(composes));
    tcase_add_test(tc, test_compose_bad_uuid);
    tcase_add_test(tc, test_roundtrip_specials);
    tcase_add_test(tc, test_roundtrip_components);
    tcase_add_loop_test(tc, test_roundtrip_parsed, 0, NELEM(good));
    tcase_add_test(tc, test_public_parse);
    tcase_add_test(tc, test_public_parse_null_outs);
    tcase_add_test(tc, test_public_compose);
    tcase_add_test(tc, test_protseq_names);
    tcase_add_loop_test(tc, test_netaddr, 0, NELEM(addrs));
    tcase_add_test(tc, test_netaddr_lengths);
    tcase_add_test(tc, test_netaddr_lrpc_hostname);
    tcase_add_loop_test(tc, test_endpoint, 0, NELEM(eps));
    tcase_add_test(tc, test_endpoint_lrpc_length);
    tcase_add_test(tc, test_endpoint_escape_via_binding);
    tcase_add_test(tc, test_long_binding);
    suite_add_tcase(s, tc);
    return s;
}
