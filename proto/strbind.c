/*
 * proto/strbind.c -- string bindings: parse, compose, and the checks a
 * protocol sequence applies to a network address and an endpoint.
 *
 * Syntax (C706 chapter 3, rpc_string_binding_compose/_parse; Windows'
 * RpcStringBindingCompose/Parse):
 *
 *     [ObjUuid@]ProtSeq:NetworkAddr[Endpoint,option=value,...]
 *
 * A backslash makes the next character literal.  Compose escapes the
 * special characters @ : [ ] , = \ in every component; in the options it
 * escapes @ : [ ] \ only, because ',' separates options and '=' names
 * from values there.  Parse removes the escapes.  Windows also accepts
 * the endpoint as an option, "endpoint=X"; so does parse.
 *
 * Parsing rules, chosen so that whatever parses survives compose -> parse
 * unchanged (tests/fuzz/fuzz_strbind.c holds us to it):
 *  - The object UUID is the text before an unescaped '@' that comes
 *    before the first unescaped ':'.  Empty means none (as
 *    UuidFromString("") is the nil UUID); otherwise it must be the
 *    36-character form, else RPC_S_INVALID_STRING_UUID.
 *  - The protocol sequence ends at the FIRST unescaped ':', which is
 *    required; so an IPv6 address may follow with its colons unescaped.
 *  - The network address ends at the first unescaped '[' or at the end.
 *  - The bracket closes with the first unescaped ']', which must be the
 *    last character.  Outside the bracket an unescaped ']' or a second
 *    '@' is an error; so is '[' inside it and a '\' at the very end.
 *  - Inside the bracket, items are separated by unescaped ','.  An item
 *    without an unescaped '=' (an empty one too) is the endpoint, as is
 *    "endpoint=X" (name case-insensitive); at most one endpoint.  Other
 *    items are options "name=value" with a non-empty name; they are
 *    returned unescaped and joined by ','.  An escaped ',' in an option,
 *    or an escaped '=' in its name, cannot survive that join and is
 *    rejected.
 * Validation of the protocol sequence, address and endpoint is separate
 * (proto_check_netaddr/proto_check_endpoint), as on Windows, where
 * RpcStringBindingParse accepts any protocol sequence and
 * RpcBindingFromStringBinding rejects it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "proto/proto.h"

/* Longest ncalrpc endpoint.  The name becomes a file name in the
 * runtime's socket directory and sun_path holds 108 bytes, so it is kept
 * well short of that. */
#define LRPC_ENDPOINT_MAX 64

/* RFC 1123 2.1 / RFC 1035 2.3.4: host names and labels. */
#define HOSTNAME_MAX 253
#define LABEL_MAX 63
/* IFNAMSIZ - 1: an IPv6 zone is an interface name or number. */
#define ZONE_MAX 15

/* ---- small helpers ------------------------------------------------------ */

static int
is_special(char c)
{
    return c == '@' || c == ':' || c == '[' || c == ']' || c == ',' ||
           c == '=' || c == '\\';
}

/* Special characters in the options, where ',' and '=' are syntax. */
static int
is_special_opt(char c)
{
    return c == '@' || c == ':' || c == '[' || c == ']' || c == '\\';
}

static int
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive equality of s[0..n) and the NUL-terminated t. */
static int
ieq_n(const char *s, size_t n, const char *t)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\0' || lower(s[i]) != lower(t[i]))
            return 0;
    }
    return t[n] == '\0';
}

static int
ieq(const char *s, const char *t)
{
    return ieq_n(s, strlen(s), t);
}

/* The first unescaped character of p[0..end) that is in stops, or end.
 * NULL when a '\' has nothing after it before end. */
static const char *
scan(const char *p, const char *end, const char *stops)
{
    for (; p < end; p++) {
        if (*p == '\\') {
            if (++p == end)
                return NULL;
            continue;
        }
        if (strchr(stops, *p) != NULL)
            return p;
    }
    return end;
}

/* Whether p[0..end) contains an escaped c ("\c"). */
static int
has_escaped(const char *p, const char *end, char c)
{
    for (; p < end; p++) {
        if (*p == '\\') {
            if (++p == end)
                return 0;
            if (*p == c)
                return 1;
        }
    }
    return 0;
}

/* Copies p[0..end) without its escapes; malloc'ed; NULL on allocation
 * failure.  The range holds no dangling '\' (scan() has checked). */
static char *
unescape(const char *p, const char *end)
{
    size_t n = end > p ? (size_t)(end - p) : 0;
    char *out = malloc(n + 1);
    char *o = out;

    if (out == NULL)
        return NULL;
    for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end)
            p++;
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* Appends ",s" (just s the first time) to opts, whose length *have
 * keeps.  opts has room: the joined options, unescaped, are never longer
 * than the bracket they came from. */
static void
append_option(char *opts, size_t *have, const char *s)
{
    size_t add = strlen(s);

    if (*have > 0)
        opts[(*have)++] = ',';
    memcpy(opts + *have, s, add + 1);
    *have += add;
}

/* The object UUID is empty or the 36-character form. */
static int
uuid_ok(const char *s)
{
    GUID g;

    if (s == NULL || *s == '\0')
        return 1;
    return strlen(s) == 36 && proto_uuid_parse(s, &g) == 0;
}

/* ---- parse -------------------------------------------------------------- */

/* Splits the bracket content start[0..end) into endpoint and options. */
static RPC_STATUS
parse_bracket(const char *start, const char *end, struct rpc_strbinding *b)
{
    const char *p = start;
    int have_ep = 0;
    size_t optlen = 0;

    for (;;) {
        const char *comma = scan(p, end, ",");
        const char *eq = scan(p, comma, "=");
        const char *ep = NULL;

        if (comma == NULL || eq == NULL)
            return RPC_S_INVALID_STRING_BINDING;
        if (eq == comma) {
            ep = p;                     /* a bare item: the endpoint */
        } else {
            char *name;
            int is_ep;

            /* name=value; see the top of the file for what cannot be
             * represented once the options are joined. */
            if (eq == p || has_escaped(p, eq, '='))
                return RPC_S_INVALID_STRING_BINDING;
            if ((name = unescape(p, eq)) == NULL)
                return RPC_S_OUT_OF_MEMORY;
            is_ep = ieq(name, "endpoint");
            free(name);
            if (is_ep) {
                ep = eq + 1;
            } else {
                char *opt;

                if (has_escaped(p, comma, ','))
                    return RPC_S_INVALID_STRING_BINDING;
                if (b->options == NULL &&
                    (b->options = malloc((size_t)(end - start) + 1)) == NULL)
                    return RPC_S_OUT_OF_MEMORY;
                if ((opt = unescape(p, comma)) == NULL)
                    return RPC_S_OUT_OF_MEMORY;
                append_option(b->options, &optlen, opt);
                free(opt);
            }
        }
        if (ep != NULL) {
            if (have_ep)
                return RPC_S_INVALID_STRING_BINDING;
            have_ep = 1;
            if ((b->endpoint = unescape(ep, comma)) == NULL)
                return RPC_S_OUT_OF_MEMORY;
        }
        if (comma == end)
            return RPC_S_OK;
        p = comma + 1;
    }
}

static RPC_STATUS
parse_into(const char *s, struct rpc_strbinding *b)
{
    const char *end = s + strlen(s);
    const char *p = s, *q;
    RPC_STATUS st;

    /* [ObjUuid@] */
    if ((q = scan(p, end, "@:[]")) == NULL)
        return RPC_S_INVALID_STRING_BINDING;
    if (q < end && *q == '@') {
        if ((b->obj_uuid = unescape(p, q)) == NULL)
            return RPC_S_OUT_OF_MEMORY;
        if (!uuid_ok(b->obj_uuid))
            return RPC_S_INVALID_STRING_UUID;
        p = q + 1;
        if ((q = scan(p, end, "@:[]")) == NULL)
            return RPC_S_INVALID_STRING_BINDING;
    }

    /* ProtSeq: -- up to the first ':', which must be there. */
    if (q == end || *q != ':')
        return RPC_S_INVALID_STRING_BINDING;
    if ((b->protseq = unescape(p, q)) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    p = q + 1;

    /* NetworkAddr -- up to '[' or the end; ':' is allowed (IPv6). */
    if ((q = scan(p, end, "@[]")) == NULL)
        return RPC_S_INVALID_STRING_BINDING;
    if (q < end && *q != '[')
        return RPC_S_INVALID_STRING_BINDING;
    if ((b->netaddr = unescape(p, q)) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    if (q == end)
        return RPC_S_OK;

    /* [Endpoint,options] -- and nothing after it. */
    p = q + 1;
    if ((q = scan(p, end, "[]")) == NULL || q == end || *q != ']' ||
        q + 1 != end)
        return RPC_S_INVALID_STRING_BINDING;
    if ((st = parse_bracket(p, q, b)) != RPC_S_OK)
        return st;
    return RPC_S_OK;
}

static int
fill_empty(char **field)
{
    if (*field == NULL && (*field = strdup("")) == NULL)
        return -1;
    return 0;
}

RPC_STATUS
proto_strbinding_parse(const char *s, struct rpc_strbinding *b)
{
    RPC_STATUS st;

    if (b == NULL)
        return RPC_S_INVALID_ARG;
    memset(b, 0, sizeof(*b));
    if (s == NULL)
        return RPC_S_INVALID_ARG;
    st = parse_into(s, b);
    if (st == RPC_S_OK &&
        (fill_empty(&b->obj_uuid) != 0 || fill_empty(&b->protseq) != 0 ||
         fill_empty(&b->netaddr) != 0 || fill_empty(&b->endpoint) != 0 ||
         fill_empty(&b->options) != 0))
        st = RPC_S_OUT_OF_MEMORY;
    if (st != RPC_S_OK)
        proto_strbinding_clear(b);
    return st;
}

void
proto_strbinding_clear(struct rpc_strbinding *b)
{
    if (b == NULL)
        return;
    free(b->obj_uuid);
    free(b->protseq);
    free(b->netaddr);
    free(b->endpoint);
    free(b->options);
    memset(b, 0, sizeof(*b));
}

/* ---- compose ------------------------------------------------------------ */

static size_t
escaped_len(const char *s, int (*special)(char))
{
    size_t n = 0;

    for (; s != NULL && *s != '\0'; s++)
        n += special(*s) ? 2 : 1;
    return n;
}

static char *
put_escaped(char *o, const char *s, int (*special)(char))
{
    for (; s != NULL && *s != '\0'; s++) {
        if (special(*s))
            *o++ = '\\';
        *o++ = *s;
    }
    return o;
}

static int
nonempty(const char *s)
{
    return s != NULL && *s != '\0';
}

RPC_STATUS
proto_strbinding_compose(const struct rpc_strbinding *b, char **out)
{
    size_t n;
    char *buf, *o;

    if (out != NULL)
        *out = NULL;
    if (b == NULL || out == NULL)
        return RPC_S_INVALID_ARG;
    /* Windows documents RPC_S_INVALID_STRING_UUID for compose. */
    if (!uuid_ok(b->obj_uuid))
        return RPC_S_INVALID_STRING_UUID;

    /* Each length is at most twice a string that fits in memory, so the
     * sum cannot wrap on any platform where the strings exist. */
    n = (nonempty(b->obj_uuid) ? strlen(b->obj_uuid) + 1 : 0) +
        escaped_len(b->protseq, is_special) + 1 +
        escaped_len(b->netaddr, is_special) +
        escaped_len(b->endpoint, is_special) +
        escaped_len(b->options, is_special_opt) + 3 + 1;
    if ((buf = malloc(n)) == NULL)
        return RPC_S_OUT_OF_MEMORY;

    o = buf;
    if (nonempty(b->obj_uuid)) {
        size_t ul = strlen(b->obj_uuid);

        memcpy(o, b->obj_uuid, ul);
        o += ul;
        *o++ = '@';
    }
    /* The ':' is written even without a protocol sequence, unlike
     * Windows, so that parse (which requires it) reads the result back. */
    o = put_escaped(o, b->protseq, is_special);
    *o++ = ':';
    o = put_escaped(o, b->netaddr, is_special);
    if (nonempty(b->endpoint) || nonempty(b->options)) {
        *o++ = '[';
        o = put_escaped(o, b->endpoint, is_special);
        if (nonempty(b->endpoint) && nonempty(b->options))
            *o++ = ',';
        o = put_escaped(o, b->options, is_special_opt);
        *o++ = ']';
    }
    *o = '\0';
    *out = buf;
    return RPC_S_OK;
}

/* ---- protocol sequences ------------------------------------------------- */

static const struct {
    enum rpc_protseq ps;
    const char *name;
} protseqs[] = {
    {RPC_PROTSEQ_NCACN_IP_TCP, "ncacn_ip_tcp"},
    {RPC_PROTSEQ_NCALRPC, "ncalrpc"},
};

enum rpc_protseq
proto_protseq_from_name(const char *name)
{
    if (name == NULL)
        return RPC_PROTSEQ_UNKNOWN;
    for (size_t i = 0; i < sizeof(protseqs) / sizeof(protseqs[0]); i++) {
        if (ieq(name, protseqs[i].name))
            return protseqs[i].ps;
    }
    return RPC_PROTSEQ_UNKNOWN;
}

const char *
proto_protseq_name(enum rpc_protseq ps)
{
    for (size_t i = 0; i < sizeof(protseqs) / sizeof(protseqs[0]); i++) {
        if (protseqs[i].ps == ps)
            return protseqs[i].name;
    }
    return NULL;
}

/* ---- network addresses -------------------------------------------------- */

/* RFC 1123 2.1 host name: dot-separated labels of letters, digits and
 * '-', 1..63 characters, not starting or ending with '-'; at most 253
 * characters plus an optional final dot.  A name whose last label is all
 * digits is refused: it reads as a (partial) dotted-decimal address, and
 * resolvers would turn "10.1" into 10.0.0.1. */
static int
hostname_ok(const char *s)
{
    size_t n = strlen(s), label = 0;
    int digits = 1;

    if (n > 0 && s[n - 1] == '.')
        n--;
    if (n == 0 || n > HOSTNAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            digits = 1;
        } else if (is_alnum(c) || c == '-') {
            if (label == 0 && c == '-')
                return 0;
            if (++label > LABEL_MAX)
                return 0;
            if (!is_digit(c))
                digits = 0;
        } else {
            return 0;
        }
    }
    return label > 0 && s[n - 1] != '-' && !digits;
}

/* An IPv6 literal, optionally with a zone ("fe80::1%eth0", "fe80::1%2"). */
static int
ipv6_ok(const char *s)
{
    char buf[INET6_ADDRSTRLEN + 1];
    struct in6_addr a6;
    const char *pct = strchr(s, '%');
    size_t n = pct != NULL ? (size_t)(pct - s) : strlen(s);

    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET6, buf, &a6) != 1)
        return 0;
    if (pct != NULL) {
        const char *z = pct + 1;
        size_t zl = strlen(z);

        if (zl == 0 || zl > ZONE_MAX)
            return 0;
        for (; *z != '\0'; z++) {
            if (!is_alnum(*z) && *z != '-' && *z != '_' && *z != '.')
                return 0;
        }
    }
    return 1;
}

/* ncalrpc reaches this host only: its address is empty, "localhost" or
 * this host's name (full or up to the first dot), as Windows tolerates
 * the local computer name. */
static int
local_name_ok(const char *s)
{
    char host[256];
    const char *dot;

    if (ieq(s, "localhost"))
        return 1;
    if (gethostname(host, sizeof(host)) != 0)
        return 0;
    host[sizeof(host) - 1] = '\0';
    if (host[0] != '\0' && ieq(s, host))
        return 1;
    if ((dot = strchr(host, '.')) != NULL && dot > host &&
        ieq_n(host, (size_t)(dot - host), s))
        return 1;
    return 0;
}

RPC_STATUS
proto_check_netaddr(enum rpc_protseq ps, const char *addr)
{
    struct in_addr a4;

    switch (ps) {
    case RPC_PROTSEQ_NCACN_IP_TCP:
        if (addr == NULL || *addr == '\0')
            return RPC_S_OK;
        /* inet_pton takes only the strict dotted quad (no "10.1", no
         * octal or hex parts), unlike inet_aton. */
        if (inet_pton(AF_INET, addr, &a4) == 1 || ipv6_ok(addr) ||
            hostname_ok(addr))
            return RPC_S_OK;
        return RPC_S_INVALID_NET_ADDR;
    case RPC_PROTSEQ_NCALRPC:
        if (addr == NULL || *addr == '\0' || local_name_ok(addr))
            return RPC_S_OK;
        return RPC_S_INVALID_NET_ADDR;
    case RPC_PROTSEQ_UNKNOWN:
    default:
        return RPC_S_PROTSEQ_NOT_SUPPORTED;
    }
}

/* ---- endpoints ---------------------------------------------------------- */

/* A TCP port in decimal, 0..65535 (MS-RPCE 2.1.1.1). */
static int
port_ok(const char *s)
{
    unsigned long v = 0;
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        if (!is_digit(s[n]) || n >= 5)
            return 0;
        v = v * 10 + (unsigned long)(s[n] - '0');
    }
    return n > 0 && v <= 65535;
}

/* An ncalrpc endpoint names a socket inside the runtime's directory: only
 * letters, digits, '-', '_' and '.', not starting with '.', no "..", at
 * most LRPC_ENDPOINT_MAX characters.  Without '/' it cannot leave the
 * directory; the other rules keep out ".", "..", hidden files. */
static int
lrpc_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > LRPC_ENDPOINT_MAX || s[0] == '.' ||
        strstr(s, "..") != NULL)
        return 0;
    for (; *s != '\0'; s++) {
        if (!is_alnum(*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    }
    return 1;
}

RPC_STATUS
proto_check_endpoint(enum rpc_protseq ps, const char *ep)
{
    switch (ps) {
    case RPC_PROTSEQ_NCACN_IP_TCP:
        if (ep == NULL || *ep == '\0' || port_ok(ep))
            return RPC_S_OK;
        return RPC_S_INVALID_ENDPOINT_FORMAT;
    case RPC_PROTSEQ_NCALRPC:
        if (ep == NULL || *ep == '\0' || lrpc_name_ok(ep))
            return RPC_S_OK;
        return RPC_S_INVALID_ENDPOINT_FORMAT;
    case RPC_PROTSEQ_UNKNOWN:
    default:
        return RPC_S_PROTSEQ_NOT_SUPPORTED;
    }
}

/* ---- public API (rpcdce.h) ---------------------------------------------- */

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcStringBindingComposeA(RPC_CSTR ObjUuid, RPC_CSTR ProtSeq,
                         RPC_CSTR NetworkAddr, RPC_CSTR Endpoint,
                         RPC_CSTR Options, RPC_CSTR *StringBinding)
{
    struct rpc_strbinding b;
    char *out = NULL;
    RPC_STATUS st;

    b.obj_uuid = (char *)ObjUuid;
    b.protseq = (char *)ProtSeq;
    b.netaddr = (char *)NetworkAddr;
    b.endpoint = (char *)Endpoint;
    b.options = (char *)Options;
    st = proto_strbinding_compose(&b, &out);
    /* A NULL StringBinding asks for the status only (Windows). */
    if (StringBinding != NULL)
        *StringBinding = (RPC_CSTR)out;
    else
        free(out);
    return st;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcStringBindingParseA(RPC_CSTR StringBinding, RPC_CSTR *ObjUuid,
                       RPC_CSTR *Protseq, RPC_CSTR *NetworkAddr,
                       RPC_CSTR *Endpoint, RPC_CSTR *NetworkOptions)
{
    RPC_CSTR *outs[5] = {ObjUuid, Protseq, NetworkAddr, Endpoint,
                         NetworkOptions};
    struct rpc_strbinding b;
    char **fields[5] = {&b.obj_uuid, &b.protseq, &b.netaddr, &b.endpoint,
                        &b.options};
    RPC_STATUS st;

    for (size_t i = 0; i < 5; i++) {
        if (outs[i] != NULL)
            *outs[i] = NULL;
    }
    if (StringBinding == NULL)
        return RPC_S_INVALID_ARG;
    if ((st = proto_strbinding_parse((const char *)StringBinding, &b)) !=
        RPC_S_OK)
        return st;
    /* Hand each requested component over; RpcStringFree is free(). */
    for (size_t i = 0; i < 5; i++) {
        if (outs[i] != NULL) {
            *outs[i] = (RPC_CSTR)*fields[i];
            *fields[i] = NULL;
        }
    }
    proto_strbinding_clear(&b);
    return RPC_S_OK;
}
