/*
 * proto/proto.h -- the wire layer's private interface: the NDR cursor, PDU
 * codec, string bindings, towers and status mapping.  Knows bytes, never
 * sockets.  Shared by libclient, libserver, rpcd and the tests; nothing here
 * is installed.
 *
 * Error convention (after OpenSSH's sshbuf): functions returning int give 0
 * on success or a negative PROTO_E_* code; they never abort or exit.
 * Functions returning RPC_STATUS implement or back the public API.
 */
#ifndef RPCRT_PROTO_PROTO_H
#define RPCRT_PROTO_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <rpcrt/rpcdce.h>

#include "proto/wire.h"

/* Mark functions the libraries export (the public API).  proto is linked
 * into librpcrt-client, which exports its API functions, and again, built
 * with RPCRT_PROTO_HIDDEN, into librpcrt-server as a private copy: the
 * public symbols exist once per process, in librpcrt-client, which
 * librpcrt-server links. */
#ifdef RPCRT_PROTO_HIDDEN
#define RPC_EXPORT
#else
#define RPC_EXPORT __attribute__((visibility("default")))
#endif

/* The libraries' thread-local variables: the initial-exec model, so that
 * reading one is a load relative to the thread pointer, not a call to
 * __tls_get_addr (the general model shared libraries get by default:
 * 14 calls per null call on the server, 4% of its instructions).  The
 * libraries are normally loaded with the program; one loaded later with
 * dlopen takes its few bytes from glibc's reserve of static TLS. */
#define RPCRT_TLS _Thread_local __attribute__((tls_model("initial-exec")))

enum proto_err {
    PROTO_OK          = 0,
    PROTO_E_SHORT     = -1,  /* input ends before the field does */
    PROTO_E_NOMEM     = -2,  /* allocation failed */
    PROTO_E_RANGE     = -3,  /* a count or size is above its limit */
    PROTO_E_INVAL     = -4,  /* bad argument from the caller */
    PROTO_E_VERSION   = -5,  /* rpc_vers/rpc_vers_minor not 5.0/5.1 */
    PROTO_E_PTYPE     = -6,  /* unknown or connectionless ptype */
    PROTO_E_FLAGS     = -7,  /* pfc_flags not allowed for the ptype */
    PROTO_E_DREP      = -8,  /* unsupported data representation */
    PROTO_E_LENGTH    = -9,  /* frag_length disagrees with the bytes */
    PROTO_E_AUTH      = -10, /* auth_length/auth_pad_length do not fit */
    PROTO_E_FORMAT    = -11, /* malformed content (string, array, tower) */
    PROTO_E_OVERFLOW  = -12, /* a size computation would overflow */
    PROTO_E_READONLY  = -13, /* put on a read cursor */
};

/* ---- ndr.c: the NDR 2.0 cursor (C706 chapter 14) -------------------------
 *
 * One type for reading and writing.  A read cursor borrows its bytes; a
 * write cursor owns a growing buffer (or writes into a fixed one).
 * Alignment is relative to the start of the buffer: start a cursor at the
 * first byte of a PDU or of the stub data, whichever the alignment is
 * relative to.  Integer byte order follows drep byte 0 (DREP_LE/DREP_BE).
 */
struct ndr_ptrtab;

struct ndr_cursor {
    uint8_t *data;       /* bytes read or written */
    size_t len;          /* read: bytes available; write: bytes written */
    size_t cap;          /* write: allocated size */
    size_t off;          /* position of the next get or put */
    uint8_t drep0;       /* DREP_LE or DREP_BE */
    uint8_t writable;    /* put allowed */
    uint8_t owned;       /* data is ours to realloc/free */
    uint32_t next_ref;   /* next referent id handed out by ndr_put_ptr */
    struct ndr_ptrtab *ptrs; /* full-pointer ids seen or handed out */
};

/* Limits a read applies before it believes a count from the wire. */
#define NDR_MAX_COUNT 0x7fffffffu

void ndr_init_read(struct ndr_cursor *c, const void *data, size_t len,
                   uint8_t drep0);
/* Growing, owned buffer; initial capacity hint may be 0. */
int ndr_init_write(struct ndr_cursor *c, size_t hint, uint8_t drep0);
/* Writes into buf[0..cap); puts past cap fail with PROTO_E_RANGE. */
void ndr_init_write_fixed(struct ndr_cursor *c, void *buf, size_t cap,
                          uint8_t drep0);
/* Frees an owned buffer and the pointer table; NULL is a no-op. */
void ndr_cursor_free(struct ndr_cursor *c);
/* Hands the owned buffer to the caller (free() it); the cursor is reset. */
uint8_t *ndr_steal(struct ndr_cursor *c, size_t *len);
size_t ndr_remaining(const struct ndr_cursor *c);
int ndr_is_le(const struct ndr_cursor *c);

/* An n-byte unsigned integer (n = 1, 2, 4, 8) at p, little-endian when le,
 * else big-endian: no alignment, no bounds (the caller checked).  Inline,
 * so that with n a constant the loops unroll. */
static inline uint64_t
ndr_load(const uint8_t *p, size_t n, int le)
{
    uint64_t v = 0;

    /* The order decided once, outside the loops: each then compiles to
     * a plain load (or a byte swap) for a constant n. */
    if (le)
        for (size_t i = n; i-- > 0;)
            v = v << 8 | p[i];
    else
        for (size_t i = 0; i < n; i++)
            v = v << 8 | p[i];
    return v;
}

static inline void
ndr_store(uint8_t *p, size_t n, uint64_t v, int le)
{
    if (le)
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)(v >> (8 * i));
    else
        for (size_t i = 0; i < n; i++)
            p[n - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* Whether a PDU's drep byte 0 says little-endian integers. */
static inline int
drep_is_le(uint8_t drep0)
{
    return (drep0 & DREP_INT_MASK) == DREP_LE;
}

int ndr_align(struct ndr_cursor *c, size_t n);      /* n = 1, 2, 4, 8 */
int ndr_skip(struct ndr_cursor *c, size_t n);
int ndr_get_u8(struct ndr_cursor *c, uint8_t *v);
int ndr_get_u16(struct ndr_cursor *c, uint16_t *v); /* aligned to 2 */
int ndr_get_u32(struct ndr_cursor *c, uint32_t *v); /* aligned to 4 */
int ndr_get_u64(struct ndr_cursor *c, uint64_t *v); /* aligned to 8 */
int ndr_get_i32(struct ndr_cursor *c, int32_t *v);
int ndr_get_enum(struct ndr_cursor *c, uint16_t *v); /* NDR enum: 16 bits */
int ndr_get_uuid(struct ndr_cursor *c, GUID *u);   /* aligned to 4 */
int ndr_get_syntax(struct ndr_cursor *c, RPC_SYNTAX_IDENTIFIER *s);
int ndr_get_bytes(struct ndr_cursor *c, void *dst, size_t n);
/* Borrows n bytes in place: *p stays valid while the input does. */
int ndr_get_ref(struct ndr_cursor *c, const uint8_t **p, size_t n);

int ndr_put_u8(struct ndr_cursor *c, uint8_t v);
int ndr_put_u16(struct ndr_cursor *c, uint16_t v);
int ndr_put_u32(struct ndr_cursor *c, uint32_t v);
int ndr_put_u64(struct ndr_cursor *c, uint64_t v);
int ndr_put_i32(struct ndr_cursor *c, int32_t v);
int ndr_put_enum(struct ndr_cursor *c, uint16_t v);
int ndr_put_uuid(struct ndr_cursor *c, const GUID *u);
int ndr_put_syntax(struct ndr_cursor *c, const RPC_SYNTAX_IDENTIFIER *s);
int ndr_put_bytes(struct ndr_cursor *c, const void *src, size_t n);
int ndr_put_zeros(struct ndr_cursor *c, size_t n);
/* Overwrites a u16/u32 already written at offset at (no alignment). */
int ndr_patch_u16(struct ndr_cursor *c, size_t at, uint16_t v);
int ndr_patch_u32(struct ndr_cursor *c, size_t at, uint32_t v);

/* Conformant / varying arrays (C706 14.3.3).  A conformance is a u32
 * max_count; variance is offset + actual_count.  Reads check each count
 * against limit and against the bytes left (elem_size each) before anyone
 * can allocate by it. */
int ndr_get_conformance(struct ndr_cursor *c, uint32_t *max_count,
                        uint32_t limit);
int ndr_get_variance(struct ndr_cursor *c, uint32_t *offset,
                     uint32_t *actual, uint32_t max_count);
/* Conformant array of bytes: u32 count then count bytes, borrowed. */
int ndr_get_carray(struct ndr_cursor *c, const uint8_t **p, uint32_t *count,
                   uint32_t limit);
int ndr_put_carray(struct ndr_cursor *c, const void *p, uint32_t count);
/* Checks that count elements of elem_size bytes can still be read. */
int ndr_check_elems(const struct ndr_cursor *c, uint32_t count,
                    size_t elem_size);

/* Conformant varying string of 8-bit chars, NUL included in the counts
 * (C706 14.3.4).  *s is malloc'ed and NUL-terminated; the caller frees it.
 * Rejects offset != 0, actual > max, a missing terminator or an embedded
 * NUL. */
int ndr_get_string(struct ndr_cursor *c, char **s, uint32_t limit);
int ndr_put_string(struct ndr_cursor *c, const char *s);
/* The same for 16-bit characters (UTF-16 code units in drep order); *s is
 * malloc'ed, *nchars counts units including the terminating 0. */
int ndr_get_wstring(struct ndr_cursor *c, uint16_t **s, uint32_t *nchars,
                    uint32_t limit);
int ndr_put_wstring(struct ndr_cursor *c, const uint16_t *s, uint32_t nchars);

/* Unique pointers (C706 14.3.10): a u32 referent id, 0 for NULL.  put
 * hands out 0x00020000, 0x00020004, ... as Windows does. */
int ndr_get_ptr(struct ndr_cursor *c, uint32_t *referent);
int ndr_put_ptr(struct ndr_cursor *c, const void *p);
/* Full pointers (C706 14.3.11): the same referent id names the same
 * object.  *first is 1 the first time an id (or object) is seen: only then
 * do its contents follow. */
int ndr_get_full_ptr(struct ndr_cursor *c, uint32_t *referent, int *first);
int ndr_put_full_ptr(struct ndr_cursor *c, const void *p, int *first);

/* ---- pdu.c: connection-oriented PDUs (C706 12.6, MS-RPCE 2.2.2) --------
 *
 * rpc_pdu_decode() fills a struct from bytes: pointers in it (stub data,
 * sec_addr, auth value) borrow from the input buffer and stay valid while
 * it does; context and result lists are allocated and freed by
 * rpc_pdu_clear().  rpc_pdu_verify() then applies the protocol's rules.
 * rpc_pdu_encode() writes frag_length and auth_length itself.
 */
struct rpc_hdr {
    uint8_t rpc_vers;
    uint8_t rpc_vers_minor;
    uint8_t ptype;
    uint8_t pfc_flags;
    uint8_t drep[4];
    uint16_t frag_length;
    uint16_t auth_length;
    uint32_t call_id;
};

struct rpc_ctx_elem {                /* p_cont_elem_t */
    uint16_t cont_id;
    uint8_t n_xfer;
    uint8_t reserved;
    RPC_SYNTAX_IDENTIFIER abstract;
    RPC_SYNTAX_IDENTIFIER *xfer;     /* n_xfer entries */
};

struct rpc_bind {                    /* bind, alter_context */
    uint16_t max_xmit_frag;
    uint16_t max_recv_frag;
    uint32_t assoc_group_id;
    uint8_t n_ctx;
    struct rpc_ctx_elem *ctx;        /* n_ctx entries */
};

struct rpc_result {                  /* p_result_t */
    uint16_t result;                 /* P_CONT_* */
    uint16_t reason;                 /* P_REASON_*, or BTFN bits */
    RPC_SYNTAX_IDENTIFIER xfer;
};

struct rpc_bind_ack {                /* bind_ack, alter_context_resp */
    uint16_t max_xmit_frag;
    uint16_t max_recv_frag;
    uint32_t assoc_group_id;
    uint16_t sec_addr_len;           /* port_any_t length, NUL included */
    const uint8_t *sec_addr;         /* borrowed */
    uint8_t n_results;
    struct rpc_result *results;      /* n_results entries */
};

/* A protocol version in a bind_nak (p_rt_versions_supported_t). */
struct rpc_version {
    uint8_t major, minor;
};
_Static_assert(sizeof(struct rpc_version) == 2, "rpc_version is 2 bytes");

struct rpc_bind_nak {
    uint16_t reason;                 /* BIND_NAK_* */
    uint8_t n_versions;
    /* n_versions of them; borrowed: decoded, they point into the PDU
     * (not in the struct, so that a struct rpc_pdu is small enough to
     * clear for every fragment). */
    const struct rpc_version *versions;
    size_t extra_len;                /* MS-RPCE signature + extended */
    const uint8_t *extra;            /* error, after 4-byte alignment */
};

struct rpc_request {
    uint32_t alloc_hint;
    uint16_t cont_id;
    uint16_t opnum;
    GUID object;                     /* valid when PFC_OBJECT_UUID */
    size_t stub_len;
    const uint8_t *stub;             /* borrowed */
};

struct rpc_response {
    uint32_t alloc_hint;
    uint16_t cont_id;
    uint8_t cancel_count;
    uint8_t reserved;
    size_t stub_len;
    const uint8_t *stub;
};

struct rpc_fault {
    uint32_t alloc_hint;
    uint16_t cont_id;
    uint8_t cancel_count;
    uint8_t reserved;
    uint32_t status;                 /* NCA_S_* or a Win32 code */
    uint32_t reserved2;
    size_t stub_len;                 /* DCE servers put a status here */
    const uint8_t *stub;
};

struct rpc_auth3 {
    uint32_t pad;                    /* MS-RPCE 2.2.2.10: 4 octets */
};

struct rpc_auth {                    /* sec_trailer + auth value */
    uint8_t type;
    uint8_t level;
    uint8_t pad_length;
    uint8_t reserved;
    uint32_t context_id;
    const uint8_t *value;            /* borrowed; hdr.auth_length bytes */
    uint16_t value_len;
};

struct rpc_pdu {
    struct rpc_hdr hdr;
    union {
        struct rpc_bind bind;
        struct rpc_bind_ack bind_ack;
        struct rpc_bind_nak bind_nak;
        struct rpc_request request;
        struct rpc_response response;
        struct rpc_fault fault;
        struct rpc_auth3 auth3;
    } u;
    int has_auth;                    /* hdr.auth_length != 0 */
    struct rpc_auth auth;
};

/* Reads frag_length from the first 16 bytes of a PDU without decoding it
 * (byte order from drep).  PROTO_E_SHORT when len < 16. */
int rpc_peek_frag_length(const uint8_t *buf, size_t len, uint16_t *frag_length);
int rpc_hdr_decode(const uint8_t *buf, size_t len, struct rpc_hdr *h);

/* Decodes the frag_length bytes at buf (len >= frag_length).  On failure
 * *p holds nothing that needs clearing. */
int rpc_pdu_decode(const uint8_t *buf, size_t len, struct rpc_pdu *p);
/* Protocol rules: version, ptype, drep, frag_length == nbytes, flags per
 * ptype, list and length constraints. */
int rpc_pdu_verify(const struct rpc_pdu *p, size_t nbytes);
/* decode + verify; clears *p on a verify failure. */
int rpc_pdu_parse(const uint8_t *buf, size_t len, struct rpc_pdu *p);
/* Frees what decode allocated; safe on a zeroed or cleared struct. */
void rpc_pdu_clear(struct rpc_pdu *p);

/* Appends the PDU to out (normally a fresh write cursor; its drep is
 * ignored, hdr.drep[0] decides).  Sets p->hdr.frag_length and
 * p->hdr.auth_length.  PROTO_E_RANGE when the PDU exceeds 65535 bytes. */
int rpc_pdu_encode(struct rpc_pdu *p, struct ndr_cursor *out);
/* A header for the ptype with version 5.0, FIRST|LAST, little-endian. */
void rpc_pdu_init(struct rpc_pdu *p, uint8_t ptype, uint32_t call_id);

/* The 24 bytes that start a request or response fragment, written
 * straight into b: the bytes rpc_pdu_encode makes of such a PDU (version
 * 5.0, drep drep0 0 0 0, no auth) with frag_length set, without building
 * a struct rpc_pdu and a cursor for it.  Every fragment of every call
 * has one; through rpc_pdu_encode it was a tenth of a null call's
 * instructions.  check_proto holds both to the same bytes.  A request
 * with PFC_OBJECT_UUID continues with the UUID at b + 24. */
static inline void
rpc_frag_hdr_common(uint8_t *b, uint8_t ptype, uint8_t flags, uint8_t drep0,
                    uint16_t frag_length, uint32_t call_id, uint32_t alloc_hint,
                    uint16_t cont_id)
{
    int le = drep_is_le(drep0);

    b[0] = RPC_C_VERS;
    b[1] = RPC_C_VERS_MINOR;
    b[2] = ptype;
    b[3] = flags;
    b[4] = drep0;
    b[5] = b[6] = b[7] = 0;
    ndr_store(b + 8, 2, frag_length, le);
    ndr_store(b + 10, 2, 0, le);                    /* auth_length */
    ndr_store(b + 12, 4, call_id, le);
    ndr_store(b + 16, 4, alloc_hint, le);
    ndr_store(b + 20, 2, cont_id, le);
}

static inline void
rpc_request_hdr_put(uint8_t *b, uint8_t flags, uint8_t drep0,
                    uint16_t frag_length, uint32_t call_id,
                    uint32_t alloc_hint, uint16_t cont_id, uint16_t opnum)
{
    rpc_frag_hdr_common(b, PTYPE_REQUEST, flags, drep0, frag_length, call_id,
                        alloc_hint, cont_id);
    ndr_store(b + 22, 2, opnum, drep_is_le(drep0));
}

static inline void
rpc_response_hdr_put(uint8_t *b, uint8_t flags, uint8_t drep0,
                     uint16_t frag_length, uint32_t call_id,
                     uint32_t alloc_hint, uint16_t cont_id,
                     uint8_t cancel_count)
{
    rpc_frag_hdr_common(b, PTYPE_RESPONSE, flags, drep0, frag_length, call_id,
                        alloc_hint, cont_id);
    b[22] = cancel_count;
    b[23] = 0;                                      /* reserved */
}

/* A fragmented call's bytes as they go out without being copied into
 * PDUs: nfrag fragments, fragment i being the hdr_len bytes at
 * hdrs + i * hdr_len followed by chunk bytes of stub from i * chunk (the
 * last fragment: what is left of stub_len).  A plain buffer is one
 * fragment of hdr_len bytes and no stub.  len = nfrag * hdr_len + stub_len. */
/* Stub bytes [off, off + len) of a message that are not in its buffer
 * but at p: sent from there, or received into it (RpcrtBufferSendFrom,
 * RpcrtBufferReceiveInto).  p NULL or len 0: none. */
struct rpc_stub_ext {
    uint8_t *p;
    size_t off, len;
};
/* At most 3 iovecs for stub bytes [from, from + n): those of ext (NULL:
 * none) from ext->p, the others from stub.  Their number, 0 when n is 0. */
int rpc_stub_iov(const uint8_t *stub, const struct rpc_stub_ext *ext, size_t from,
                 size_t n, struct iovec *iov);
/* The part of ext (in a message's stub) at or after stub offset at, in
 * the coordinates of the stub from there on. */
void rpc_stub_ext_from(const struct rpc_stub_ext *ext, size_t at,
                       struct rpc_stub_ext *out);

struct rpc_frag_out {
    const uint8_t *hdrs;
    const uint8_t *stub;
    size_t hdr_len, nfrag, chunk, stub_len;
    struct rpc_stub_ext ext;         /* stub bytes elsewhere, if any */
};
/* Fills at most max iovecs with the bytes of o from offset off on (no
 * empty ones); their number, 0 when off is at or past the end. */
int rpc_frag_iov(const struct rpc_frag_out *o, size_t off, struct iovec *iov,
                 int max);
/* Copies n bytes between buf and o's stream from offset off on: into
 * the stream (its headers and stub, which must be writable) when
 * to_stream, else out of it.  For reads in place: what arrived before
 * goes in, what turned out not to be as laid out comes back out. */
void rpc_frag_copy(const struct rpc_frag_out *o, size_t off, uint8_t *buf,
                   size_t n, int to_stream);

/* Bind time feature negotiation (MS-RPCE 3.3.1.5.3). */
int rpc_btfn_match(const RPC_SYNTAX_IDENTIFIER *xfer, uint16_t *features);
void rpc_btfn_syntax(uint16_t features, RPC_SYNTAX_IDENTIFIER *xfer);
/* Well-known transfer syntaxes. */
extern const RPC_SYNTAX_IDENTIFIER rpc_ndr20_syntax;
extern const RPC_SYNTAX_IDENTIFIER rpc_ndr64_syntax;
/* Field by field is byte by byte here (no padding), and memcmp of a
 * constant 20 bytes is a few instructions inline: a client call compares
 * its interface with its connection's contexts. */
_Static_assert(sizeof(RPC_SYNTAX_IDENTIFIER) == 20, "syntax without padding");
static inline int
rpc_syntax_equal(const RPC_SYNTAX_IDENTIFIER *a, const RPC_SYNTAX_IDENTIFIER *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

const char *proto_strerror(int err);
const char *rpc_ptype_name(unsigned ptype);

/* ---- uuid.c ----------------------------------------------------------- */
/* Parses exactly 36 characters of the canonical form (not NUL-checked past
 * them when exact is 0).  0 or PROTO_E_FORMAT. */
int proto_uuid_parse(const char *s, GUID *u);
/* Writes 36 characters and a NUL into buf. */
void proto_uuid_format(const GUID *u, char buf[37]);
_Static_assert(sizeof(GUID) == 16, "GUID without padding");
static inline int
proto_uuid_equal(const GUID *a, const GUID *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- status.c: NCA fault status <-> RPC_S_* (C706 App. E, MS-RPCE
 * 2.2.2.13) ------------------------------------------------------------ */
/* The RPC_S_* / RPC_X_* code a client reports for a fault status; Win32
 * codes a Windows server sends pass through; unknown NCA values give
 * RPC_S_CALL_FAILED. */
RPC_STATUS proto_status_from_nca(uint32_t nca);
/* The fault status a server sends for a status its routine raised:
 * NCA_S_* where C706 has one, the Win32 value otherwise. */
uint32_t proto_nca_from_status(RPC_STATUS status);
/* Name of an NCA status ("nca_s_op_rng_error") or NULL. */
const char *proto_nca_name(uint32_t nca);

/* ---- strbind.c: string bindings ---------------------------------------- */
struct rpc_strbinding {              /* unescaped components; "" if absent */
    char *obj_uuid;
    char *protseq;
    char *netaddr;
    char *endpoint;
    char *options;
};
/* RPC_S_OK, RPC_S_INVALID_STRING_BINDING, RPC_S_INVALID_STRING_UUID or
 * RPC_S_OUT_OF_MEMORY.  On success the caller clears *b. */
RPC_STATUS proto_strbinding_parse(const char *s, struct rpc_strbinding *b);
/* Composes with escaping; *out is malloc'ed. */
RPC_STATUS proto_strbinding_compose(const struct rpc_strbinding *b, char **out);
void proto_strbinding_clear(struct rpc_strbinding *b);

enum rpc_protseq {
    RPC_PROTSEQ_UNKNOWN = 0,
    RPC_PROTSEQ_NCACN_IP_TCP,
    RPC_PROTSEQ_NCALRPC,
};
/* Maps "ncacn_ip_tcp"/"ncalrpc" (case-insensitive) to the enum. */
enum rpc_protseq proto_protseq_from_name(const char *name);
const char *proto_protseq_name(enum rpc_protseq ps);
/* Checks a network address / endpoint for the protseq: RPC_S_OK,
 * RPC_S_INVALID_NET_ADDR or RPC_S_INVALID_ENDPOINT_FORMAT.  NULL or "" are
 * accepted (defaults apply). */
RPC_STATUS proto_check_netaddr(enum rpc_protseq ps, const char *addr);
RPC_STATUS proto_check_endpoint(enum rpc_protseq ps, const char *ep);

/* ---- tower.c: protocol towers (C706 Appendix L, MS-RPCE 2.2.1.1.7) ----- */
#define TOWER_ENDPOINT_MAX 256
struct rpc_tower {
    RPC_SYNTAX_IDENTIFIER iface;     /* floor 1 */
    RPC_SYNTAX_IDENTIFIER xfer;      /* floor 2 */
    enum rpc_protseq protseq;        /* floors 3.. */
    uint16_t port;                   /* ncacn_ip_tcp, host order */
    int family;                      /* AF_INET or AF_INET6 */
    uint8_t addr[16];                /* network order; 4 bytes for AF_INET */
    char endpoint[TOWER_ENDPOINT_MAX]; /* ncalrpc endpoint name */
};
/* Encodes the tower_octet_string (floor count + floors; always
 * little-endian) into buf.  *len gets the size; PROTO_E_RANGE if cap is
 * too small. */
int proto_tower_encode(const struct rpc_tower *t, uint8_t *buf, size_t cap,
                       size_t *len);
/* Decodes one; towers of unknown protocols or more than TOWER_MAX_FLOORS
 * floors give PROTO_E_FORMAT / PROTO_E_RANGE. */
int proto_tower_decode(const uint8_t *buf, size_t len, struct rpc_tower *t);

#endif /* RPCRT_PROTO_PROTO_H */
