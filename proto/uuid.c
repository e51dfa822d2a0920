/*
 * proto/uuid.c -- UUIDs: the Windows Uuid* API on libuuid, and the text
 * form used by string bindings and towers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "proto/proto.h"

/* libuuid produces the RFC 4122 byte string (big-endian fields); GUID keeps
 * the first three fields as host integers. */
static void
guid_from_bytes(GUID *g, const unsigned char b[16])
{
    g->Data1 = (unsigned int)b[0] << 24 | (unsigned int)b[1] << 16 |
               (unsigned int)b[2] << 8 | b[3];
    g->Data2 = (unsigned short)(b[4] << 8 | b[5]);
    g->Data3 = (unsigned short)(b[6] << 8 | b[7]);
    memcpy(g->Data4, b + 8, 8);
}

static int
hexdigit(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int
proto_uuid_parse(const char *s, GUID *u)
{
    /* xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx */
    unsigned char b[16];
    size_t bi = 0;

    if (s == NULL || u == NULL)
        return PROTO_E_INVAL;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return PROTO_E_FORMAT;
            continue;
        }
        int hi = hexdigit((unsigned char)s[i]);
        if (hi < 0)
            return PROTO_E_FORMAT;
        int lo = hexdigit((unsigned char)s[++i]);
        if (lo < 0)
            return PROTO_E_FORMAT;
        b[bi++] = (unsigned char)(hi << 4 | lo);
    }
    guid_from_bytes(u, b);
    return 0;
}

void
proto_uuid_format(const GUID *u, char buf[37])
{
    snprintf(buf, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u->Data1, u->Data2, u->Data3, u->Data4[0], u->Data4[1],
             u->Data4[2], u->Data4[3], u->Data4[4], u->Data4[5], u->Data4[6],
             u->Data4[7]);
}

static const GUID nil_uuid;

RPC_EXPORT RPC_STATUS RPC_ENTRY
UuidCreate(UUID *Uuid)
{
    unsigned char b[16];

    if (Uuid == NULL)
        return RPC_S_INVALID_ARG;
    uuid_generate_random(b);
    guid_from_bytes(Uuid, b);
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
UuidCreateSequential(UUID *Uuid)
{
    unsigned char b[16];

    if (Uuid == NULL)
        return RPC_S_INVALID_ARG;
    uuid_generate_time(b);
    guid_from_bytes(Uuid, b);
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
UuidCreateNil(UUID *NilUuid)
{
    if (NilUuid == NULL)
        return RPC_S_INVALID_ARG;
    *NilUuid = nil_uuid;
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
UuidToStringA(const UUID *Uuid, RPC_CSTR *StringUuid)
{
    char *s;

    if (StringUuid == NULL)
        return RPC_S_INVALID_ARG;
    *StringUuid = NULL;
    if ((s = malloc(37)) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    /* Windows formats a NULL UUID as the nil UUID. */
    proto_uuid_format(Uuid != NULL ? Uuid : &nil_uuid, s);
    *StringUuid = (RPC_CSTR)s;
    return RPC_S_OK;
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
UuidFromStringA(RPC_CSTR StringUuid, UUID *Uuid)
{
    const char *s = (const char *)StringUuid;

    if (Uuid == NULL)
        return RPC_S_INVALID_ARG;
    if (s == NULL || *s == '\0') {
        *Uuid = nil_uuid;
        return RPC_S_OK;
    }
    if (strlen(s) != 36 || proto_uuid_parse(s, Uuid) != 0)
        return RPC_S_INVALID_STRING_UUID;
    return RPC_S_OK;
}

static int
cmp_u(unsigned long a, unsigned long b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

RPC_EXPORT int RPC_ENTRY
UuidCompare(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status)
{
    const GUID *a = Uuid1 != NULL ? Uuid1 : &nil_uuid;
    const GUID *b = Uuid2 != NULL ? Uuid2 : &nil_uuid;
    int r;

    if (Status != NULL)
        *Status = RPC_S_OK;
    if ((r = cmp_u(a->Data1, b->Data1)) != 0 ||
        (r = cmp_u(a->Data2, b->Data2)) != 0 ||
        (r = cmp_u(a->Data3, b->Data3)) != 0)
        return r;
    for (int i = 0; i < 8; i++)
        if ((r = cmp_u(a->Data4[i], b->Data4[i])) != 0)
            return r;
    return 0;
}

RPC_EXPORT int RPC_ENTRY
UuidEqual(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status)
{
    return UuidCompare(Uuid1, Uuid2, Status) == 0;
}

RPC_EXPORT int RPC_ENTRY
UuidIsNil(UUID *Uuid, RPC_STATUS *Status)
{
    if (Status != NULL)
        *Status = RPC_S_OK;
    return Uuid == NULL || proto_uuid_equal(Uuid, &nil_uuid);
}

RPC_EXPORT unsigned short RPC_ENTRY
UuidHash(UUID *Uuid, RPC_STATUS *Status)
{
    /* The DCE uuid_hash: a Fletcher-style checksum over the 16 bytes in
     * wire order (C706 Appendix A), so equal UUIDs hash equal everywhere. */
    const GUID *u = Uuid != NULL ? Uuid : &nil_uuid;
    unsigned char b[16];
    int c0 = 0, c1 = 0;

    if (Status != NULL)
        *Status = RPC_S_OK;
    b[0] = (unsigned char)(u->Data1 >> 24);
    b[1] = (unsigned char)(u->Data1 >> 16);
    b[2] = (unsigned char)(u->Data1 >> 8);
    b[3] = (unsigned char)u->Data1;
    b[4] = (unsigned char)(u->Data2 >> 8);
    b[5] = (unsigned char)u->Data2;
    b[6] = (unsigned char)(u->Data3 >> 8);
    b[7] = (unsigned char)u->Data3;
    memcpy(b + 8, u->Data4, 8);
    for (int i = 0; i < 16; i++) {
        c0 += b[i];
        c1 += c0;
    }
    int x = -c1 % 255;
    if (x < 0)
        x += 255;
    int y = (c1 - c0) % 255;
    if (y < 0)
        y += 255;
    return (unsigned short)(y * 256 + x);
}

RPC_EXPORT RPC_STATUS RPC_ENTRY
RpcStringFreeA(RPC_CSTR *String)
{
    if (String != NULL) {
        free(*String);
        *String = NULL;
    }
    return RPC_S_OK;
}
