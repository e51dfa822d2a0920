/*
 * tests/fuzz/fuzz_strbind.c -- fuzz target for string bindings
 * (proto/strbind.c and the public RpcStringBinding* calls on it).
 *
 * The input, NUL-terminated, is a string binding.  Whatever parses must
 * survive compose -> parse with every component unchanged, and compose
 * must then be stable (composing the re-parsed components gives the same
 * string): a binding handed from RpcBindingToStringBinding to
 * RpcBindingFromStringBinding must name the same server.  The public
 * RpcStringBindingParseA must agree with the internal parser on both the
 * status and the components.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

static int
parse_status_ok(RPC_STATUS st)
{
    return st == RPC_S_OK || st == RPC_S_INVALID_STRING_BINDING ||
           st == RPC_S_INVALID_STRING_UUID || st == RPC_S_OUT_OF_MEMORY;
}

static const char *const *
components(const struct rpc_strbinding *b, const char *out[5])
{
    out[0] = b->obj_uuid;
    out[1] = b->protseq;
    out[2] = b->netaddr;
    out[3] = b->endpoint;
    out[4] = b->options;
    return out;
}

/* The public parser: same status, same components. */
static void
check_public_parse(const char *s, RPC_STATUS want,
                   const struct rpc_strbinding *b)
{
    RPC_CSTR part[5] = {NULL, NULL, NULL, NULL, NULL};
    const char *comp[5];
    RPC_STATUS st;

    st = RpcStringBindingParseA((RPC_CSTR)(uintptr_t)s, &part[0], &part[1],
                                &part[2], &part[3], &part[4]);
    FUZZ_CHECK(st == want);
    if (st == RPC_S_OK) {
        components(b, comp);
        for (size_t i = 0; i < 5; i++) {
            FUZZ_CHECK(part[i] != NULL);
            FUZZ_CHECK(strcmp((const char *)part[i], comp[i]) == 0);
        }
    }
    for (size_t i = 0; i < 5; i++) {
        FUZZ_CHECK(RpcStringFreeA(&part[i]) == RPC_S_OK);
        FUZZ_CHECK(part[i] == NULL);
    }
    /* Every out pointer may be NULL ("each non-NULL out pointer"): the
     * status must not depend on which components were asked for. */
    st = RpcStringBindingParseA((RPC_CSTR)(uintptr_t)s, NULL, NULL, NULL,
                                NULL, NULL);
    FUZZ_CHECK(st == want);
}

/* Components the validators accept or reject, never anything else. */
static void
check_validators(const struct rpc_strbinding *b)
{
    enum rpc_protseq ps = proto_protseq_from_name(b->protseq);
    RPC_STATUS st;

    if (ps == RPC_PROTSEQ_UNKNOWN)
        return;
    FUZZ_CHECK(proto_protseq_name(ps) != NULL);
    FUZZ_CHECK(proto_protseq_from_name(proto_protseq_name(ps)) == ps);
    st = proto_check_netaddr(ps, b->netaddr);
    FUZZ_CHECK(st == RPC_S_OK || st == RPC_S_INVALID_NET_ADDR);
    st = proto_check_endpoint(ps, b->endpoint);
    FUZZ_CHECK(st == RPC_S_OK || st == RPC_S_INVALID_ENDPOINT_FORMAT);
}

static void
check_roundtrip(const struct rpc_strbinding *b)
{
    struct rpc_strbinding b2;
    const char *c1[5], *c2[5];
    char *out = NULL, *out2 = NULL;
    RPC_CSTR pub = NULL;

    FUZZ_CHECK(proto_strbinding_compose(b, &out) == RPC_S_OK);
    FUZZ_CHECK(out != NULL);

    memset(&b2, 0, sizeof(b2));
    FUZZ_CHECK(proto_strbinding_parse(out, &b2) == RPC_S_OK);
    components(b, c1);
    components(&b2, c2);
    for (size_t i = 0; i < 5; i++) {
        FUZZ_CHECK(c2[i] != NULL);
        FUZZ_CHECK(strcmp(c1[i], c2[i]) == 0);
    }
    FUZZ_CHECK(proto_strbinding_compose(&b2, &out2) == RPC_S_OK);
    FUZZ_CHECK(strcmp(out, out2) == 0);

    /* The public composer builds the same string from the same parts. */
    FUZZ_CHECK(RpcStringBindingComposeA(
                   (RPC_CSTR)(uintptr_t)b->obj_uuid,
                   (RPC_CSTR)(uintptr_t)b->protseq,
                   (RPC_CSTR)(uintptr_t)b->netaddr,
                   (RPC_CSTR)(uintptr_t)b->endpoint,
                   (RPC_CSTR)(uintptr_t)b->options, &pub) == RPC_S_OK);
    FUZZ_CHECK(pub != NULL && strcmp((const char *)pub, out) == 0);

    RpcStringFreeA(&pub);
    proto_strbinding_clear(&b2);
    free(out);
    free(out2);
}

int
FUZZ_ENTRY(strbind)(const uint8_t *data, size_t size)
{
    struct rpc_strbinding b;
    const char *comp[5];
    RPC_STATUS st;
    char *s;

    if (size > FUZZ_STRBIND_MAX)
        return 0;
    /* An exactly sized copy: the parser must stop at the NUL, and ASan
     * sees any read past it. */
    if ((s = malloc(size + 1)) == NULL)
        return 0;
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';

    memset(&b, 0, sizeof(b));
    st = proto_strbinding_parse(s, &b);
    FUZZ_CHECK(parse_status_ok(st));
    check_public_parse(s, st, &b);
    if (st == RPC_S_OK) {
        components(&b, comp);
        for (size_t i = 0; i < 5; i++)
            FUZZ_CHECK(comp[i] != NULL);
        check_validators(&b);
        check_roundtrip(&b);
        proto_strbinding_clear(&b);
    }
    free(s);
    return 0;
}
