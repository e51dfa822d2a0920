/*
 * proto/tower.c -- protocol towers, the tower_octet_string of twr_t that
 * the endpoint mapper exchanges (C706 Appendix L, MS-RPCE 2.2.1.1.7 /
 * 2.2.1.2).
 *
 * Layout: a floor count (u16), then each floor as
 *     lhs_length (u16) | lhs: protocol id (1 byte) + data
 *     rhs_length (u16) | rhs
 * Counts and UUID fields are little-endian whatever the PDU's drep (C706
 * Appendix L); the TCP port and the IPv4 address are big-endian (network
 * order), as their protocols define them.
 *
 * The towers built and accepted here:
 *
 *   floor  ncacn_ip_tcp                      ncalrpc
 *   1      0x0d iface UUID+major | minor      (same)
 *   2      0x0d xfer UUID+major  | minor      (same)
 *   3      0x0b | minor version u16 (0)       0x0c | minor version u16 (0)
 *   4      0x07 | port, 2 bytes BE            0x10 | endpoint name + NUL
 *   5      0x09 | IPv4 address, 4 bytes BE    --
 *
 * Floors 1 and 2 are always 25 bytes (impacket's ept_map requires it).
 * The ncalrpc floors follow Wine (rpcrt4 rpc_transport.c: protocols
 * NCALRPC 0x0c then PIPE 0x10, endpoint NUL-terminated) and Samba
 * (librpc/rpc/binding.c: NCALRPC then NAMED_PIPE 0x10); impacket's
 * PrintStringBinding reads a 0x0c floor's rhs as a u16 and prints a 0x10
 * floor as "ncalrpc:[name]".  Samba and Windows write the protocol
 * floor's rhs as a 2-byte minor version; Wine writes it empty; decode
 * accepts both and ignores the value.
 *
 * IPv6: C706 and MS-RPCE define no IPv6 floor, and peers read the 0x09
 * floor as exactly 4 bytes (Wine rejects any other length, impacket
 * calls inet_ntoa() on it, Wireshark shows 4 bytes).  Samba writes
 * 0.0.0.0 there for any address that is not IPv4
 * (dcerpc_floor_set_rhs_data), and the address in a tower is advisory:
 * a client connects to the address it reached the endpoint mapper at
 * (MS-RPCE 2.1.1.1: the address is not transmitted by these extensions).
 * So encode writes an AF_INET6 address as 0.0.0.0, except an
 * IPv4-mapped one (::ffff:a.b.c.d), which becomes a.b.c.d; and decode
 * accepts only the 4-byte form.  decode(encode(t)) is then stable for
 * every tower decode returns.
 *
 * Every read is checked against the input length first; nothing here
 * reads outside buf[0..len).
 */
#include <string.h>

#include <sys/socket.h>

#include "proto/proto.h"

#define FLOOR_HDR_LEN   2       /* lhs_length or rhs_length */
#define UUID_LHS_LEN    19      /* protocol id + UUID + major version */
#define UUID_RHS_LEN    2       /* minor version */
#define PROTO_RHS_LEN   2       /* minor version of the RPC protocol */
#define PORT_RHS_LEN    2
#define IPV4_RHS_LEN    4
#define TCP_FLOORS      5
#define LRPC_FLOORS     4

/* One floor as found in the input; lhs/rhs borrow from it. */
struct floor {
    const uint8_t *lhs;
    uint16_t lhs_len;
    const uint8_t *rhs;
    uint16_t rhs_len;
};

static uint16_t
get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void
put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- encode ------------------------------------------------------------- */

/* Writes a floor at buf + *off; the caller has checked the size. */
static void
put_floor(uint8_t *buf, size_t *off, const uint8_t *lhs, uint16_t lhs_len,
          const uint8_t *rhs, uint16_t rhs_len)
{
    uint8_t *p = buf + *off;

    put_le16(p, lhs_len);
    memcpy(p + FLOOR_HDR_LEN, lhs, lhs_len);
    p += FLOOR_HDR_LEN + lhs_len;
    put_le16(p, rhs_len);
    if (rhs_len > 0)
        memcpy(p + FLOOR_HDR_LEN, rhs, rhs_len);
    *off += 2 * FLOOR_HDR_LEN + (size_t)lhs_len + rhs_len;
}

/* Floor 1 or 2: 0x0d, the UUID in its little-endian wire layout (C706
 * Appendix A / MS-RPCE 2.2.1.1.3 with drep LE), the major version. */
static void
put_uuid_floor(uint8_t *buf, size_t *off, const RPC_SYNTAX_IDENTIFIER *s)
{
    uint8_t lhs[UUID_LHS_LEN], rhs[UUID_RHS_LEN];
    const GUID *g = &s->SyntaxGUID;

    lhs[0] = EPM_PROTO_UUID;
    put_le32(lhs + 1, g->Data1);
    put_le16(lhs + 5, g->Data2);
    put_le16(lhs + 7, g->Data3);
    memcpy(lhs + 9, g->Data4, 8);
    put_le16(lhs + 17, s->SyntaxVersion.MajorVersion);
    put_le16(rhs, s->SyntaxVersion.MinorVersion);
    put_floor(buf, off, lhs, UUID_LHS_LEN, rhs, UUID_RHS_LEN);
}

/* The 4 bytes written for an ncacn_ip_tcp address (see the top). */
static int
ipv4_for_tower(const struct rpc_tower *t, uint8_t out[4])
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0,
                                         0, 0, 0xff, 0xff};

    switch (t->family) {
    case AF_INET:
        memcpy(out, t->addr, 4);
        return 0;
    case AF_INET6:
        if (memcmp(t->addr, v4mapped, sizeof(v4mapped)) == 0)
            memcpy(out, t->addr + 12, 4);
        else
            memset(out, 0, 4);
        return 0;
    default:
        return PROTO_E_INVAL;
    }
}

/* Length of the ncalrpc endpoint, or -1 when it is not a NUL-terminated
 * name that proto_check_endpoint() accepts. */
static int
lrpc_endpoint_len(const struct rpc_tower *t)
{
    const char *nul = memchr(t->endpoint, '\0', sizeof(t->endpoint));

    if (nul == NULL ||
        proto_check_endpoint(RPC_PROTSEQ_NCALRPC, t->endpoint) != RPC_S_OK)
        return -1;
    return (int)(nul - t->endpoint);
}

int
proto_tower_encode(const struct rpc_tower *t, uint8_t *buf, size_t cap,
                   size_t *len)
{
    static const uint8_t zero2[2] = {0, 0};
    size_t need, off = 0;
    uint8_t lhs, ip[4], port[2];
    int eplen = 0;

    if (len != NULL)
        *len = 0;
    if (t == NULL || len == NULL)
        return PROTO_E_INVAL;

    need = 2 + 2 * (2 * FLOOR_HDR_LEN + UUID_LHS_LEN + UUID_RHS_LEN) +
           (2 * FLOOR_HDR_LEN + 1 + PROTO_RHS_LEN);
    switch (t->protseq) {
    case RPC_PROTSEQ_NCACN_IP_TCP:
        if (ipv4_for_tower(t, ip) != 0)
            return PROTO_E_INVAL;
        need += (2 * FLOOR_HDR_LEN + 1 + PORT_RHS_LEN) +
                (2 * FLOOR_HDR_LEN + 1 + IPV4_RHS_LEN);
        break;
    case RPC_PROTSEQ_NCALRPC:
        if ((eplen = lrpc_endpoint_len(t)) < 0)
            return PROTO_E_INVAL;
        need += 2 * FLOOR_HDR_LEN + 1 + (size_t)eplen + 1;
        break;
    case RPC_PROTSEQ_UNKNOWN:
    default:
        return PROTO_E_INVAL;
    }
    /* *len says how much room it takes, even when there is not enough. */
    *len = need;
    if (buf == NULL || cap < need)
        return PROTO_E_RANGE;

    put_le16(buf, t->protseq == RPC_PROTSEQ_NCALRPC ? LRPC_FLOORS
                                                    : TCP_FLOORS);
    off = 2;
    put_uuid_floor(buf, &off, &t->iface);
    put_uuid_floor(buf, &off, &t->xfer);
    if (t->protseq == RPC_PROTSEQ_NCACN_IP_TCP) {
        lhs = EPM_PROTO_NCACN;
        put_floor(buf, &off, &lhs, 1, zero2, PROTO_RHS_LEN);
        lhs = EPM_PROTO_TCP;
        port[0] = (uint8_t)(t->port >> 8);
        port[1] = (uint8_t)t->port;
        put_floor(buf, &off, &lhs, 1, port, PORT_RHS_LEN);
        lhs = EPM_PROTO_IP;
        put_floor(buf, &off, &lhs, 1, ip, IPV4_RHS_LEN);
    } else {
        lhs = EPM_PROTO_NCALRPC;
        put_floor(buf, &off, &lhs, 1, zero2, PROTO_RHS_LEN);
        lhs = EPM_PROTO_NAMED_PIPE;
        put_floor(buf, &off, &lhs, 1, (const uint8_t *)t->endpoint,
                  (uint16_t)(eplen + 1));
    }
    return off == need ? PROTO_OK : PROTO_E_INVAL;
}

/* ---- decode ------------------------------------------------------------- */

/* Reads the floor at buf[*off..len).  A floor needs a protocol id, so an
 * empty lhs is malformed. */
static int
get_floor(const uint8_t *buf, size_t len, size_t *off, struct floor *f)
{
    size_t o = *off;

    if (len - o < FLOOR_HDR_LEN)
        return PROTO_E_SHORT;
    f->lhs_len = get_le16(buf + o);
    o += FLOOR_HDR_LEN;
    if (f->lhs_len == 0)
        return PROTO_E_FORMAT;
    if (len - o < f->lhs_len)
        return PROTO_E_SHORT;
    f->lhs = buf + o;
    o += f->lhs_len;
    if (len - o < FLOOR_HDR_LEN)
        return PROTO_E_SHORT;
    f->rhs_len = get_le16(buf + o);
    o += FLOOR_HDR_LEN;
    if (len - o < f->rhs_len)
        return PROTO_E_SHORT;
    f->rhs = buf + o;
    o += f->rhs_len;
    *off = o;
    return PROTO_OK;
}

static int
get_uuid_floor(const struct floor *f, RPC_SYNTAX_IDENTIFIER *s)
{
    const uint8_t *p = f->lhs;

    if (f->lhs_len != UUID_LHS_LEN || p[0] != EPM_PROTO_UUID ||
        f->rhs_len != UUID_RHS_LEN)
        return PROTO_E_FORMAT;
    s->SyntaxGUID.Data1 = get_le32(p + 1);
    s->SyntaxGUID.Data2 = get_le16(p + 5);
    s->SyntaxGUID.Data3 = get_le16(p + 7);
    memcpy(s->SyntaxGUID.Data4, p + 9, 8);
    s->SyntaxVersion.MajorVersion = get_le16(p + 17);
    s->SyntaxVersion.MinorVersion = get_le16(f->rhs);
    return PROTO_OK;
}

/* A floor whose lhs is exactly the protocol id. */
static int
is_simple(const struct floor *f, uint8_t id)
{
    return f->lhs_len == 1 && f->lhs[0] == id;
}

static int
get_tcp_floors(const struct floor *f, uint16_t count, struct rpc_tower *t)
{
    if (count != TCP_FLOORS || !is_simple(&f[3], EPM_PROTO_TCP) ||
        f[3].rhs_len != PORT_RHS_LEN || !is_simple(&f[4], EPM_PROTO_IP) ||
        f[4].rhs_len != IPV4_RHS_LEN)
        return PROTO_E_FORMAT;
    t->protseq = RPC_PROTSEQ_NCACN_IP_TCP;
    t->port = (uint16_t)(f[3].rhs[0] << 8 | f[3].rhs[1]);
    t->family = AF_INET;
    memcpy(t->addr, f[4].rhs, IPV4_RHS_LEN);
    return PROTO_OK;
}

/* The endpoint is a NUL-terminated name without embedded NULs, and a
 * name the ncalrpc transport would accept (so a tower can never point it
 * outside its socket directory). */
static int
get_lrpc_floors(const struct floor *f, uint16_t count, struct rpc_tower *t)
{
    const struct floor *ep = &f[3];

    if (count != LRPC_FLOORS || !is_simple(ep, EPM_PROTO_NAMED_PIPE) ||
        ep->rhs_len == 0 || ep->rhs_len > TOWER_ENDPOINT_MAX ||
        ep->rhs[ep->rhs_len - 1] != '\0' ||
        memchr(ep->rhs, '\0', ep->rhs_len - 1U) != NULL)
        return PROTO_E_FORMAT;
    memcpy(t->endpoint, ep->rhs, ep->rhs_len);
    if (proto_check_endpoint(RPC_PROTSEQ_NCALRPC, t->endpoint) != RPC_S_OK)
        return PROTO_E_FORMAT;
    t->protseq = RPC_PROTSEQ_NCALRPC;
    return PROTO_OK;
}

int
proto_tower_decode(const uint8_t *buf, size_t len, struct rpc_tower *t)
{
    struct floor f[TOWER_MAX_FLOORS];
    size_t off = 2;
    uint16_t count;
    int r;

    if (t == NULL || (buf == NULL && len > 0))
        return PROTO_E_INVAL;
    memset(t, 0, sizeof(*t));
    if (len < 2)
        return PROTO_E_SHORT;
    count = get_le16(buf);
    /* Nothing has more than 5; impacket raises on more than 6. */
    if (count > TOWER_MAX_FLOORS)
        return PROTO_E_RANGE;
    /* Interface, transfer syntax, RPC protocol and at least one more. */
    if (count < LRPC_FLOORS)
        return PROTO_E_FORMAT;
    for (uint16_t i = 0; i < count; i++) {
        if ((r = get_floor(buf, len, &off, &f[i])) != PROTO_OK)
            goto fail;
    }
    r = PROTO_E_FORMAT;
    if (off != len)                 /* bytes after the last floor */
        goto fail;
    if ((r = get_uuid_floor(&f[0], &t->iface)) != PROTO_OK ||
        (r = get_uuid_floor(&f[1], &t->xfer)) != PROTO_OK)
        goto fail;

    /* Floor 3: the RPC protocol; its rhs is a minor version (2 bytes,
     * Windows/Samba/impacket) or empty (Wine). */
    r = PROTO_E_FORMAT;
    if (f[2].lhs_len != 1 || (f[2].rhs_len != 0 &&
                              f[2].rhs_len != PROTO_RHS_LEN))
        goto fail;
    switch (f[2].lhs[0]) {
    case EPM_PROTO_NCACN:
        r = get_tcp_floors(f, count, t);
        break;
    case EPM_PROTO_NCALRPC:
        r = get_lrpc_floors(f, count, t);
        break;
    default:                        /* ncadg, ncacn_np, ... */
        r = PROTO_E_FORMAT;
        break;
    }
    if (r == PROTO_OK)
        return PROTO_OK;
fail:
    memset(t, 0, sizeof(*t));
    return r;
}
