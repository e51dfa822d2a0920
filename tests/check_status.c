/*
 * tests/check_status.c -- RPC status values (a contract with Windows'
 * winerror.h / rpcnterr.h), the NCA fault status mapping of proto/status.c
 * (C706 Appendix E, MS-RPCE 3.1.1.5.5) and DceErrorInqText.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rpcrt/rpc.h>

#include "proto/proto.h"
#include "tests/tests.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the numeric contract ---------------------------------------------------
 *
 * Every name of rpcnterr.h with the value Windows gives it (MS-ERREF 2.2,
 * the Windows SDK's winerror.h and rpcnterr.h).  The third column names the
 * code a name is an alias of: those, and only those, may share a value. */
#define STATUS_VALUES(X) \
    X(RPC_S_OK, 0, NULL) \
    X(RPC_S_INVALID_ARG, 87, NULL) \
    X(RPC_S_OUT_OF_MEMORY, 14, NULL) \
    X(RPC_S_OUT_OF_THREADS, 164, NULL) \
    X(RPC_S_INVALID_LEVEL, 87, "RPC_S_INVALID_ARG") \
    X(RPC_S_BUFFER_TOO_SMALL, 122, NULL) \
    X(RPC_S_INVALID_SECURITY_DESC, 1338, NULL) \
    X(RPC_S_ACCESS_DENIED, 5, NULL) \
    X(RPC_S_SERVER_OUT_OF_MEMORY, 1130, NULL) \
    X(RPC_S_ASYNC_CALL_PENDING, 997, NULL) \
    X(RPC_S_UNKNOWN_PRINCIPAL, 1332, NULL) \
    X(RPC_S_TIMEOUT, 1460, NULL) \
    X(RPC_X_NO_MEMORY, 14, "RPC_S_OUT_OF_MEMORY") \
    X(RPC_X_INVALID_BOUND, 1734, "RPC_S_INVALID_BOUND") \
    X(RPC_X_INVALID_TAG, 1733, "RPC_S_INVALID_TAG") \
    X(RPC_X_ENUM_VALUE_TOO_LARGE, 1781, "RPC_X_ENUM_VALUE_OUT_OF_RANGE") \
    X(RPC_X_SS_CONTEXT_MISMATCH, 6, NULL) \
    X(RPC_X_INVALID_BUFFER, 1784, NULL) \
    X(RPC_X_PIPE_APP_MEMORY, 14, "RPC_S_OUT_OF_MEMORY") \
    X(RPC_X_INVALID_PIPE_OPERATION, 1831, "RPC_X_WRONG_PIPE_ORDER") \
    X(RPC_S_INVALID_STRING_BINDING, 1700, NULL) \
    X(RPC_S_WRONG_KIND_OF_BINDING, 1701, NULL) \
    X(RPC_S_INVALID_BINDING, 1702, NULL) \
    X(RPC_S_PROTSEQ_NOT_SUPPORTED, 1703, NULL) \
    X(RPC_S_INVALID_RPC_PROTSEQ, 1704, NULL) \
    X(RPC_S_INVALID_STRING_UUID, 1705, NULL) \
    X(RPC_S_INVALID_ENDPOINT_FORMAT, 1706, NULL) \
    X(RPC_S_INVALID_NET_ADDR, 1707, NULL) \
    X(RPC_S_NO_ENDPOINT_FOUND, 1708, NULL) \
    X(RPC_S_INVALID_TIMEOUT, 1709, NULL) \
    X(RPC_S_OBJECT_NOT_FOUND, 1710, NULL) \
    X(RPC_S_ALREADY_REGISTERED, 1711, NULL) \
    X(RPC_S_TYPE_ALREADY_REGISTERED, 1712, NULL) \
    X(RPC_S_ALREADY_LISTENING, 1713, NULL) \
    X(RPC_S_NO_PROTSEQS_REGISTERED, 1714, NULL) \
    X(RPC_S_NOT_LISTENING, 1715, NULL) \
    X(RPC_S_UNKNOWN_MGR_TYPE, 1716, NULL) \
    X(RPC_S_UNKNOWN_IF, 1717, NULL) \
    X(RPC_S_NO_BINDINGS, 1718, NULL) \
    X(RPC_S_NO_PROTSEQS, 1719, NULL) \
    X(RPC_S_CANT_CREATE_ENDPOINT, 1720, NULL) \
    X(RPC_S_OUT_OF_RESOURCES, 1721, NULL) \
    X(RPC_S_SERVER_UNAVAILABLE, 1722, NULL) \
    X(RPC_S_SERVER_TOO_BUSY, 1723, NULL) \
    X(RPC_S_INVALID_NETWORK_OPTIONS, 1724, NULL) \
    X(RPC_S_NO_CALL_ACTIVE, 1725, NULL) \
    X(RPC_S_CALL_FAILED, 1726, NULL) \
    X(RPC_S_CALL_FAILED_DNE, 1727, NULL) \
    X(RPC_S_PROTOCOL_ERROR, 1728, NULL) \
    X(RPC_S_PROXY_ACCESS_DENIED, 1729, NULL) \
    X(RPC_S_UNSUPPORTED_TRANS_SYN, 1730, NULL) \
    X(RPC_S_UNSUPPORTED_TYPE, 1732, NULL) \
    X(RPC_S_INVALID_TAG, 1733, NULL) \
    X(RPC_S_INVALID_BOUND, 1734, NULL) \
    X(RPC_S_NO_ENTRY_NAME, 1735, NULL) \
    X(RPC_S_INVALID_NAME_SYNTAX, 1736, NULL) \
    X(RPC_S_UNSUPPORTED_NAME_SYNTAX, 1737, NULL) \
    X(RPC_S_UUID_NO_ADDRESS, 1739, NULL) \
    X(RPC_S_DUPLICATE_ENDPOINT, 1740, NULL) \
    X(RPC_S_UNKNOWN_AUTHN_TYPE, 1741, NULL) \
    X(RPC_S_MAX_CALLS_TOO_SMALL, 1742, NULL) \
    X(RPC_S_STRING_TOO_LONG, 1743, NULL) \
    X(RPC_S_PROTSEQ_NOT_FOUND, 1744, NULL) \
    X(RPC_S_PROCNUM_OUT_OF_RANGE, 1745, NULL) \
    X(RPC_S_BINDING_HAS_NO_AUTH, 1746, NULL) \
    X(RPC_S_UNKNOWN_AUTHN_SERVICE, 1747, NULL) \
    X(RPC_S_UNKNOWN_AUTHN_LEVEL, 1748, NULL) \
    X(RPC_S_INVALID_AUTH_IDENTITY, 1749, NULL) \
    X(RPC_S_UNKNOWN_AUTHZ_SERVICE, 1750, NULL) \
    X(EPT_S_INVALID_ENTRY, 1751, NULL) \
    X(EPT_S_CANT_PERFORM_OP, 1752, NULL) \
    X(EPT_S_NOT_REGISTERED, 1753, NULL) \
    X(RPC_S_NOTHING_TO_EXPORT, 1754, NULL) \
    X(RPC_S_INCOMPLETE_NAME, 1755, NULL) \
    X(RPC_S_INVALID_VERS_OPTION, 1756, NULL) \
    X(RPC_S_NO_MORE_MEMBERS, 1757, NULL) \
    X(RPC_S_NOT_ALL_OBJS_UNEXPORTED, 1758, NULL) \
    X(RPC_S_INTERFACE_NOT_FOUND, 1759, NULL) \
    X(RPC_S_ENTRY_ALREADY_EXISTS, 1760, NULL) \
    X(RPC_S_ENTRY_NOT_FOUND, 1761, NULL) \
    X(RPC_S_NAME_SERVICE_UNAVAILABLE, 1762, NULL) \
    X(RPC_S_INVALID_NAF_ID, 1763, NULL) \
    X(RPC_S_CANNOT_SUPPORT, 1764, NULL) \
    X(RPC_S_NO_CONTEXT_AVAILABLE, 1765, NULL) \
    X(RPC_S_INTERNAL_ERROR, 1766, NULL) \
    X(RPC_S_ZERO_DIVIDE, 1767, NULL) \
    X(RPC_S_ADDRESS_ERROR, 1768, NULL) \
    X(RPC_S_FP_DIV_ZERO, 1769, NULL) \
    X(RPC_S_FP_UNDERFLOW, 1770, NULL) \
    X(RPC_S_FP_OVERFLOW, 1771, NULL) \
    X(RPC_X_NO_MORE_ENTRIES, 1772, NULL) \
    X(RPC_X_SS_CHAR_TRANS_OPEN_FAIL, 1773, NULL) \
    X(RPC_X_SS_CHAR_TRANS_SHORT_FILE, 1774, NULL) \
    X(RPC_X_SS_IN_NULL_CONTEXT, 1775, NULL) \
    X(RPC_X_SS_CONTEXT_DAMAGED, 1777, NULL) \
    X(RPC_X_SS_HANDLES_MISMATCH, 1778, NULL) \
    X(RPC_X_SS_CANNOT_GET_CALL_HANDLE, 1779, NULL) \
    X(RPC_X_NULL_REF_POINTER, 1780, NULL) \
    X(RPC_X_ENUM_VALUE_OUT_OF_RANGE, 1781, NULL) \
    X(RPC_X_BYTE_COUNT_TOO_SMALL, 1782, NULL) \
    X(RPC_X_BAD_STUB_DATA, 1783, NULL) \
    X(RPC_S_CALL_IN_PROGRESS, 1791, NULL) \
    X(RPC_S_NO_MORE_BINDINGS, 1806, NULL) \
    X(RPC_S_NO_INTERFACES, 1817, NULL) \
    X(RPC_S_CALL_CANCELLED, 1818, NULL) \
    X(RPC_S_BINDING_INCOMPLETE, 1819, NULL) \
    X(RPC_S_COMM_FAILURE, 1820, NULL) \
    X(RPC_S_UNSUPPORTED_AUTHN_LEVEL, 1821, NULL) \
    X(RPC_S_NO_PRINC_NAME, 1822, NULL) \
    X(RPC_S_NOT_RPC_ERROR, 1823, NULL) \
    X(RPC_S_UUID_LOCAL_ONLY, 1824, NULL) \
    X(RPC_S_SEC_PKG_ERROR, 1825, NULL) \
    X(RPC_S_NOT_CANCELLED, 1826, NULL) \
    X(RPC_X_INVALID_ES_ACTION, 1827, NULL) \
    X(RPC_X_WRONG_ES_VERSION, 1828, NULL) \
    X(RPC_X_WRONG_STUB_VERSION, 1829, NULL) \
    X(RPC_X_INVALID_PIPE_OBJECT, 1830, NULL) \
    X(RPC_X_WRONG_PIPE_ORDER, 1831, NULL) \
    X(RPC_X_WRONG_PIPE_VERSION, 1832, NULL) \
    X(RPC_S_COOKIE_AUTH_FAILED, 1833, NULL) \
    X(RPC_S_DO_NOT_DISTURB, 1834, NULL) \
    X(RPC_S_SYSTEM_HANDLE_COUNT_EXCEEDED, 1835, NULL) \
    X(RPC_S_SYSTEM_HANDLE_TYPE_MISMATCH, 1836, NULL) \
    X(RPC_S_GROUP_MEMBER_NOT_FOUND, 1898, NULL) \
    X(EPT_S_CANT_CREATE, 1899, NULL) \
    X(RPC_S_INVALID_OBJECT, 1900, NULL) \
    X(RPC_S_SEND_INCOMPLETE, 1913, NULL) \
    X(RPC_S_INVALID_ASYNC_HANDLE, 1914, NULL) \
    X(RPC_S_INVALID_ASYNC_CALL, 1915, NULL) \
    X(RPC_X_PIPE_CLOSED, 1916, NULL) \
    X(RPC_X_PIPE_DISCIPLINE_ERROR, 1917, NULL) \
    X(RPC_X_PIPE_EMPTY, 1918, NULL) \
    X(RPC_S_ENTRY_TYPE_MISMATCH, 1922, NULL) \
    X(RPC_S_NOT_ALL_OBJS_EXPORTED, 1923, NULL) \
    X(RPC_S_INTERFACE_NOT_EXPORTED, 1924, NULL) \
    X(RPC_S_PROFILE_NOT_ADDED, 1925, NULL) \
    X(RPC_S_PRF_ELT_NOT_ADDED, 1926, NULL) \
    X(RPC_S_PRF_ELT_NOT_REMOVED, 1927, NULL) \
    X(RPC_S_GRP_ELT_NOT_ADDED, 1928, NULL) \
    X(RPC_S_GRP_ELT_NOT_REMOVED, 1929, NULL)

/* Compile time: a wrong value does not build. */
#define STATIC_CHECK(name, value, alias) \
    _Static_assert((name) == (value), #name " must equal " #value);
STATUS_VALUES(STATIC_CHECK)
#undef STATIC_CHECK

struct status_value {
    const char *name;
    long value;        /* as the header defines it */
    long expected;     /* as Windows defines it */
    const char *alias; /* the name this one shares its value with */
};

#define ROW(name, value, alias) { #name, (long)(name), value, alias },
static const struct status_value status_values[] = {
    STATUS_VALUES(ROW)
};
#undef ROW

/* Run time too, so a failure names the code. */
START_TEST(test_values)
{
    for (size_t i = 0; i < ARRAY_LEN(status_values); i++) {
        const struct status_value *v = &status_values[i];
        ck_assert_msg(v->value == v->expected, "%s is %ld, Windows has %ld",
                      v->name, v->value, v->expected);
    }
}
END_TEST

static const struct status_value *
find_value(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(status_values); i++)
        if (strcmp(status_values[i].name, name) == 0)
            return &status_values[i];
    return NULL;
}

static const char *
canonical_name(const struct status_value *v)
{
    return v->alias != NULL ? v->alias : v->name;
}

/* Two names share a value only when one is declared an alias of the
 * other (or both of a third), and every alias target exists with the
 * same value. */
START_TEST(test_no_collisions)
{
    for (size_t i = 0; i < ARRAY_LEN(status_values); i++) {
        const struct status_value *a = &status_values[i];

        if (a->alias != NULL) {
            const struct status_value *t = find_value(a->alias);
            ck_assert_msg(t != NULL, "%s aliases unknown %s", a->name,
                          a->alias);
            ck_assert_msg(t->alias == NULL, "%s aliases an alias", a->name);
            ck_assert_msg(t->value == a->value, "%s != %s", a->name,
                          a->alias);
        }
        for (size_t j = i + 1; j < ARRAY_LEN(status_values); j++) {
            const struct status_value *b = &status_values[j];

            ck_assert_msg(strcmp(a->name, b->name) != 0, "%s listed twice",
                          a->name);
            if (a->value == b->value)
                ck_assert_msg(strcmp(canonical_name(a),
                                     canonical_name(b)) == 0,
                              "%s and %s collide at %ld", a->name, b->name,
                              a->value);
        }
    }
}
END_TEST

/* ---- NCA mapping ------------------------------------------------------------
 *
 * What a client reports for each NCA status (MS-RPCE 3.1.1.5.5); both: the
 * server sends this NCA value for that status.  NOT_MAPPED: the client
 * reports the NCA value itself. */
#define NOT_MAPPED 0

struct nca_pair {
    uint32_t nca;
    RPC_STATUS status;
    int both;
};

static const struct nca_pair nca_pairs[] = {
    { NCA_S_COMM_FAILURE,              RPC_S_COMM_FAILURE,            1 },
    { NCA_S_OP_RNG_ERROR,              RPC_S_PROCNUM_OUT_OF_RANGE,    1 },
    { NCA_S_UNK_IF,                    RPC_S_UNKNOWN_IF,              1 },
    { NCA_S_WRONG_BOOT_TIME,           NOT_MAPPED,                    0 },
    { NCA_S_YOU_CRASHED,               RPC_S_CALL_FAILED,             0 },
    { NCA_S_PROTO_ERROR,               RPC_S_PROTOCOL_ERROR,          1 },
    { NCA_S_OUT_ARGS_TOO_BIG,          RPC_S_SERVER_OUT_OF_MEMORY,    0 },
    { NCA_S_SERVER_TOO_BUSY,           RPC_S_SERVER_TOO_BUSY,         1 },
    { NCA_S_FAULT_STRING_TOO_LONG,     RPC_S_STRING_TOO_LONG,         0 },
    { NCA_S_UNSUPPORTED_TYPE,          RPC_S_UNSUPPORTED_TYPE,        1 },
    { NCA_S_FAULT_INT_DIV_BY_ZERO,     RPC_S_ZERO_DIVIDE,             1 },
    { NCA_S_FAULT_ADDR_ERROR,          RPC_S_ADDRESS_ERROR,           1 },
    { NCA_S_FAULT_FP_DIV_ZERO,         RPC_S_FP_DIV_ZERO,             1 },
    { NCA_S_FAULT_FP_UNDERFLOW,        RPC_S_FP_UNDERFLOW,            1 },
    { NCA_S_FAULT_FP_OVERFLOW,         RPC_S_FP_OVERFLOW,             1 },
    { NCA_S_FAULT_INVALID_TAG,         RPC_S_INVALID_TAG,             1 },
    { NCA_S_FAULT_INVALID_BOUND,       RPC_S_INVALID_BOUND,           1 },
    { NCA_S_RPC_VERSION_MISMATCH,      RPC_S_PROTOCOL_ERROR,          0 },
    { NCA_S_UNSPEC_REJECT,             RPC_S_CALL_FAILED,             0 },
    { NCA_S_BAD_ACTID,                 RPC_S_CALL_FAILED_DNE,         0 },
    { NCA_S_WHO_ARE_YOU_FAILED,        RPC_S_CALL_FAILED,             0 },
    { NCA_S_MANAGER_NOT_ENTERED,       RPC_S_CALL_FAILED_DNE,         1 },
    { NCA_S_FAULT_CANCEL,              RPC_S_CALL_CANCELLED,          1 },
    { NCA_S_FAULT_ILL_INST,            RPC_S_ADDRESS_ERROR,           0 },
    { NCA_S_FAULT_FP_ERROR,            RPC_S_FP_OVERFLOW,             0 },
    { NCA_S_FAULT_INT_OVERFLOW,        RPC_S_ADDRESS_ERROR,           0 },
    { NCA_S_FAULT_UNSPEC,              RPC_S_CALL_FAILED,             1 },
    { NCA_S_FAULT_REMOTE_COMM_FAILURE, NOT_MAPPED,                    0 },
    { NCA_S_FAULT_PIPE_EMPTY,          RPC_X_PIPE_EMPTY,              1 },
    { NCA_S_FAULT_PIPE_CLOSED,         RPC_X_PIPE_CLOSED,             1 },
    { NCA_S_FAULT_PIPE_ORDER,          RPC_X_WRONG_PIPE_ORDER,        1 },
    { NCA_S_FAULT_PIPE_DISCIPLINE,     RPC_X_PIPE_DISCIPLINE_ERROR,   1 },
    { NCA_S_FAULT_PIPE_COMM_ERROR,     RPC_S_COMM_FAILURE,            0 },
    { NCA_S_FAULT_PIPE_MEMORY,         RPC_S_OUT_OF_MEMORY,           0 },
    { NCA_S_FAULT_CONTEXT_MISMATCH,    RPC_X_SS_CONTEXT_MISMATCH,     1 },
    { NCA_S_FAULT_REMOTE_NO_MEMORY,    RPC_S_SERVER_OUT_OF_MEMORY,    1 },
    { NCA_S_INVALID_PRES_CONTEXT_ID,   RPC_S_PROTOCOL_ERROR,          0 },
    { NCA_S_UNSUPPORTED_AUTHN_LEVEL,   RPC_S_UNSUPPORTED_AUTHN_LEVEL, 0 },
    { NCA_S_INVALID_CHECKSUM,          RPC_S_CALL_FAILED_DNE,         0 },
    { NCA_S_INVALID_CRC,               RPC_S_CALL_FAILED_DNE,         0 },
    { NCA_S_FAULT_USER_DEFINED,        NOT_MAPPED,                    0 },
    { NCA_S_FAULT_TX_OPEN_FAILED,      NOT_MAPPED,                    0 },
    { NCA_S_FAULT_CODESET_CONV_ERROR,  NOT_MAPPED,                    0 },
    { NCA_S_FAULT_OBJECT_NOT_FOUND,    NOT_MAPPED,                    0 },
    { NCA_S_FAULT_NO_CLIENT_STUB,      NOT_MAPPED,                    0 },
    { NCA_S_FAULT_NDR,                 RPC_X_BAD_STUB_DATA,           1 },
};

/* The pairs the brief of this module spells out, independently of the
 * table above. */
START_TEST(test_named_pairs)
{
    ck_assert_int_eq(proto_status_from_nca(0x1c010002u), 1745);
    ck_assert_uint_eq(proto_nca_from_status(1745), 0x1c010002u);
    ck_assert_int_eq(proto_status_from_nca(0x1c00000du), 1818);
    ck_assert_uint_eq(proto_nca_from_status(1818), 0x1c00000du);
    ck_assert_int_eq(proto_status_from_nca(0x6f7u), 1783);
    ck_assert_uint_eq(proto_nca_from_status(1783), 0x6f7u);
    ck_assert_int_eq(proto_status_from_nca(NCA_S_UNK_IF), 1717);
    ck_assert_int_eq(proto_status_from_nca(NCA_S_FAULT_CONTEXT_MISMATCH), 6);
    ck_assert_uint_eq(proto_nca_from_status(6), NCA_S_FAULT_CONTEXT_MISMATCH);
    ck_assert_int_eq(proto_status_from_nca(NCA_S_FAULT_REMOTE_NO_MEMORY),
                     1130);
    ck_assert_int_eq(proto_status_from_nca(NCA_S_MANAGER_NOT_ENTERED), 1727);
    ck_assert_uint_eq(proto_nca_from_status(1727), NCA_S_MANAGER_NOT_ENTERED);
}
END_TEST

START_TEST(test_nca_to_status)
{
    for (size_t i = 0; i < ARRAY_LEN(nca_pairs); i++) {
        const struct nca_pair *p = &nca_pairs[i];
        RPC_STATUS want = p->status != NOT_MAPPED ? p->status
                                                  : (RPC_STATUS)p->nca;

        ck_assert_msg(proto_status_from_nca(p->nca) == want,
                      "0x%08x gives %ld, want %ld", (unsigned)p->nca,
                      proto_status_from_nca(p->nca), want);
    }
}
END_TEST

START_TEST(test_status_to_nca)
{
    for (size_t i = 0; i < ARRAY_LEN(nca_pairs); i++) {
        const struct nca_pair *p = &nca_pairs[i];
        RPC_STATUS st = proto_status_from_nca(p->nca);
        uint32_t back = proto_nca_from_status(st);

        if (p->both)
            ck_assert_msg(back == p->nca, "%ld sent as 0x%08x, want 0x%08x",
                          st, (unsigned)back, (unsigned)p->nca);
        /* Whatever goes on the wire reads back as the same status. */
        ck_assert_msg(proto_status_from_nca(back) == st,
                      "0x%08x -> %ld -> 0x%08x does not round-trip",
                      (unsigned)p->nca, st, (unsigned)back);
    }
}
END_TEST

/* Every status of rpcnterr.h a server raises reaches the client as itself. */
START_TEST(test_roundtrip_all_statuses)
{
    for (size_t i = 0; i < ARRAY_LEN(status_values); i++) {
        RPC_STATUS st = status_values[i].value;
        uint32_t wire;

        if (st == RPC_S_OK)
            continue;
        wire = proto_nca_from_status(st);
        ck_assert_msg(proto_status_from_nca(wire) == st,
                      "%s -> 0x%08x -> %ld", status_values[i].name,
                      (unsigned)wire, proto_status_from_nca(wire));
    }
}
END_TEST

/* Win32 codes (Windows servers send them as they are, MS-RPCE 3.3.3.5.1)
 * pass through both ways. */
START_TEST(test_passthrough)
{
    static const uint32_t win32[] = {
        5, 87, 14, 1130 - 1, 1722, 1783, 1784, 1753, 0x7fffffffu,
    };

    for (size_t i = 0; i < ARRAY_LEN(win32); i++) {
        ck_assert_int_eq(proto_status_from_nca(win32[i]), (long)win32[i]);
        ck_assert_uint_eq(proto_nca_from_status((long)win32[i]), win32[i]);
    }
    ck_assert_int_eq(proto_status_from_nca(RPC_S_ACCESS_DENIED),
                     RPC_S_ACCESS_DENIED);
    ck_assert_uint_eq(proto_nca_from_status(RPC_S_ACCESS_DENIED), 5);
    /* The top bit set: negative, as in a 32-bit Windows RPC_STATUS, and
     * the same 32 bits on the wire again. */
    ck_assert_int_eq(proto_status_from_nca(0xc0000005u), -1073741819L);
    ck_assert_uint_eq(proto_nca_from_status(-1073741819L), 0xc0000005u);
    ck_assert_int_eq(proto_status_from_nca(0x80000000u), -2147483647L - 1);
    ck_assert_uint_eq(proto_nca_from_status(-2147483647L - 1), 0x80000000u);
    ck_assert_int_eq(proto_status_from_nca(0xffffffffu), -1);
    ck_assert_uint_eq(proto_nca_from_status(-1), 0xffffffffu);
    /* Not an NCA value although it starts like one. */
    ck_assert_int_eq(proto_status_from_nca(0x1c100000u), 0x1c100000L);
}
END_TEST

START_TEST(test_unknown_nca)
{
    static const uint32_t unknown[] = {
        0x1c000000u, 0x1c000011u, 0x1c00001eu, 0x1c000026u, 0x1c00ffffu,
        0x1c010000u, 0x1c010004u, 0x1c010005u, 0x1c010016u, 0x1c010018u,
        0x1c020001u, 0x1c0fffffu,
    };

    for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
        ck_assert_msg(proto_status_from_nca(unknown[i]) == RPC_S_CALL_FAILED,
                      "0x%08x", (unsigned)unknown[i]);
        ck_assert_ptr_null(proto_nca_name(unknown[i]));
    }
}
END_TEST

START_TEST(test_ok_is_never_a_fault)
{
    ck_assert_uint_eq(proto_nca_from_status(RPC_S_OK), NCA_S_FAULT_UNSPEC);
    ck_assert_int_ne(proto_status_from_nca(0), RPC_S_OK);
    ck_assert_int_eq(proto_status_from_nca(0), RPC_S_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_nca_names)
{
    ck_assert_str_eq(proto_nca_name(NCA_S_OP_RNG_ERROR), "nca_s_op_rng_error");
    ck_assert_str_eq(proto_nca_name(0x1c00000du), "nca_s_fault_cancel");
    ck_assert_str_eq(proto_nca_name(NCA_S_FAULT_NDR), "nca_s_fault_ndr");
    ck_assert_ptr_null(proto_nca_name(0));
    ck_assert_ptr_null(proto_nca_name(5));
    for (size_t i = 0; i < ARRAY_LEN(nca_pairs); i++) {
        const char *n = proto_nca_name(nca_pairs[i].nca);

        ck_assert_msg(n != NULL && strncmp(n, "nca_s_", 6) == 0,
                      "0x%08x has no name", (unsigned)nca_pairs[i].nca);
        for (size_t j = i + 1; j < ARRAY_LEN(nca_pairs); j++) {
            ck_assert_uint_ne(nca_pairs[i].nca, nca_pairs[j].nca);
            ck_assert_str_ne(n, proto_nca_name(nca_pairs[j].nca));
        }
    }
}
END_TEST

/* ---- DceErrorInqText --------------------------------------------------------- */

#define CANARY 0xa5
#define SLACK 16

START_TEST(test_text_known)
{
    for (size_t i = 0; i < ARRAY_LEN(status_values); i++) {
        unsigned char buf[DCE_C_ERROR_STRING_LEN + SLACK];
        const unsigned char *nul;
        size_t len;

        memset(buf, CANARY, sizeof(buf));
        ck_assert_msg(DceErrorInqText(status_values[i].value, buf) == RPC_S_OK,
                      "no text for %s", status_values[i].name);
        nul = memchr(buf, 0, DCE_C_ERROR_STRING_LEN);
        ck_assert_msg(nul != NULL, "text of %s not terminated in %d bytes",
                      status_values[i].name, DCE_C_ERROR_STRING_LEN);
        len = (size_t)(nul - buf);
        ck_assert_msg(len > 0, "empty text for %s", status_values[i].name);
        ck_assert_msg(strncmp((const char *)buf, "Unknown", 7) != 0,
                      "generic text for %s", status_values[i].name);
        for (size_t k = DCE_C_ERROR_STRING_LEN; k < sizeof(buf); k++)
            ck_assert_uint_eq(buf[k], CANARY);
    }
    {
        unsigned char buf[DCE_C_ERROR_STRING_LEN];

        ck_assert_int_eq(DceErrorInqText(RPC_S_SERVER_UNAVAILABLE, buf),
                         RPC_S_OK);
        ck_assert_str_eq((const char *)buf, "The RPC server is unavailable.");
    }
}
END_TEST

START_TEST(test_text_unknown)
{
    static const RPC_STATUS unknown[] = {
        12345, 1731, 1738, 1776, 1900 + 20, 2, -1, 0x1c010002L,
        -2147483647L - 1,
    };
    unsigned char buf[DCE_C_ERROR_STRING_LEN + SLACK];
    char want[64];

    for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
        memset(buf, CANARY, sizeof(buf));
        ck_assert_int_eq(DceErrorInqTextA(unknown[i], buf), RPC_S_INVALID_ARG);
        snprintf(want, sizeof(want), "Unknown RPC status %ld.", unknown[i]);
        ck_assert_str_eq((const char *)buf, want);
        for (size_t k = DCE_C_ERROR_STRING_LEN; k < sizeof(buf); k++)
            ck_assert_uint_eq(buf[k], CANARY);
    }
}
END_TEST

START_TEST(test_text_null)
{
    ck_assert_int_eq(DceErrorInqTextA(RPC_S_OK, NULL), RPC_S_INVALID_ARG);
    ck_assert_int_eq(DceErrorInqTextA(12345, NULL), RPC_S_INVALID_ARG);
}
END_TEST

Suite *
status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("values");

    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_no_collisions);
    suite_add_tcase(s, tc);

    tc = tcase_create("nca");
    tcase_add_test(tc, test_named_pairs);
    tcase_add_test(tc, test_nca_to_status);
    tcase_add_test(tc, test_status_to_nca);
    tcase_add_test(tc, test_roundtrip_all_statuses);
    tcase_add_test(tc, test_passthrough);
    tcase_add_test(tc, test_unknown_nca);
    tcase_add_test(tc, test_ok_is_never_a_fault);
    tcase_add_test(tc, test_nca_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, test_text_known);
    tcase_add_test(tc, test_text_unknown);
    tcase_add_test(tc, test_text_null);
    suite_add_tcase(s, tc);
    return s;
}
