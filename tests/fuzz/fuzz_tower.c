/*
 * tests/fuzz/fuzz_tower.c -- fuzz target for protocol towers
 * (proto/tower.c).
 *
 * The input is a tower_octet_string as it arrives in an ept_map or
 * ept_lookup reply (floor count, then floors).  A tower that decodes must
 * encode, the encoding must decode to the same tower, and encoding that
 * must give the same bytes: rpcd stores towers it decodes and hands them
 * out again, so the encoding may not drift.  Encoding into a buffer one
 * byte too small must fail with PROTO_E_RANGE and write nothing past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tests/fuzz/fuzz.h"

/* Room for any tower the encoder can produce: six floors of at most
 * 2 + 19 + 2 + TOWER_ENDPOINT_MAX bytes each. */
#define TOWER_BUF 2048

static void
check_tower(const struct rpc_tower *t)
{
    FUZZ_CHECK(t->protseq == RPC_PROTSEQ_NCACN_IP_TCP ||
               t->protseq == RPC_PROTSEQ_NCALRPC);
    if (t->protseq == RPC_PROTSEQ_NCACN_IP_TCP)
        FUZZ_CHECK(t->family == AF_INET || t->family == AF_INET6);
    /* The endpoint is a C string inside its array. */
    FUZZ_CHECK(memchr(t->endpoint, '\0', sizeof(t->endpoint)) != NULL);
}

static void
compare_tower(const struct rpc_tower *a, const struct rpc_tower *b)
{
    FUZZ_CHECK(rpc_syntax_equal(&a->iface, &b->iface));
    FUZZ_CHECK(rpc_syntax_equal(&a->xfer, &b->xfer));
    FUZZ_CHECK(a->protseq == b->protseq);
    if (a->protseq == RPC_PROTSEQ_NCACN_IP_TCP) {
        FUZZ_CHECK(a->port == b->port);
        FUZZ_CHECK(a->family == b->family);
        FUZZ_CHECK(memcmp(a->addr, b->addr,
                          a->family == AF_INET6 ? 16 : 4) == 0);
    } else {
        FUZZ_CHECK(strcmp(a->endpoint, b->endpoint) == 0);
    }
}

int
FUZZ_ENTRY(tower)(const uint8_t *data, size_t size)
{
    struct rpc_tower t, t2;
    uint8_t *e1, *e2, *small;
    size_t l1 = 0, l2 = 0, l3 = 0;
    int r;

    if (size > FUZZ_TOWER_MAX)
        return 0;
    memset(&t, 0, sizeof(t));
    r = proto_tower_decode(data, size, &t);
    FUZZ_CHECK(FUZZ_PROTO_RC(r));
    if (r != 0)
        return 0;
    check_tower(&t);

    FUZZ_CHECK((e1 = malloc(TOWER_BUF)) != NULL);
    FUZZ_CHECK((e2 = malloc(TOWER_BUF)) != NULL);
    FUZZ_CHECK(proto_tower_encode(&t, e1, TOWER_BUF, &l1) == 0);
    FUZZ_CHECK(l1 > 0 && l1 <= TOWER_BUF);

    memset(&t2, 0, sizeof(t2));
    FUZZ_CHECK(proto_tower_decode(e1, l1, &t2) == 0);
    check_tower(&t2);
    compare_tower(&t, &t2);
    FUZZ_CHECK(proto_tower_encode(&t2, e2, TOWER_BUF, &l2) == 0);
    FUZZ_CHECK(l1 == l2 && memcmp(e1, e2, l1) == 0);

    /* Exactly sized, then one byte short. */
    FUZZ_CHECK((small = malloc(l1)) != NULL);
    FUZZ_CHECK(proto_tower_encode(&t, small, l1, &l3) == 0);
    FUZZ_CHECK(l3 == l1 && memcmp(small, e1, l1) == 0);
    free(small);
    FUZZ_CHECK((small = malloc(l1 > 1 ? l1 - 1 : 1)) != NULL);
    FUZZ_CHECK(proto_tower_encode(&t, small, l1 - 1, &l3) == PROTO_E_RANGE);
    free(small);

    free(e1);
    free(e2);
    return 0;
}
