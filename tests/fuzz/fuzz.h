/*
 * tests/fuzz/fuzz.h -- what the fuzz targets share.
 *
 * Each fuzz_*.c file is compiled twice: once as a libFuzzer target (its
 * entry point is LLVMFuzzerTestOneInput) and once into fuzz_smoke, the
 * deterministic driver make check runs, with -DFUZZ_SMOKE.  There the
 * entry points need distinct names, so FUZZ_ENTRY(pdu) becomes
 * fuzz_pdu_one.  The target code itself is the same in both builds.
 */
#ifndef RPCRT_TESTS_FUZZ_H
#define RPCRT_TESTS_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "proto/proto.h"

#ifdef FUZZ_SMOKE
#define FUZZ_ENTRY(name) fuzz_##name##_one
#else
#define FUZZ_ENTRY(name) LLVMFuzzerTestOneInput
#endif

/* libFuzzer's entry point: returns 0; a finding aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_smoke's names for the same functions. */
int fuzz_pdu_one(const uint8_t *data, size_t size);
int fuzz_ndr_one(const uint8_t *data, size_t size);
int fuzz_strbind_one(const uint8_t *data, size_t size);
int fuzz_tower_one(const uint8_t *data, size_t size);
int fuzz_epm_one(const uint8_t *data, size_t size);
int fuzz_mgmt_one(const uint8_t *data, size_t size);
int fuzz_conn_one(const uint8_t *data, size_t size);
int fuzz_reply_one(const uint8_t *data, size_t size);

/* fuzz_conn and fuzz_reply: reads and drops what is there on fd; 0 at
 * EOF or a reset, 1 otherwise. */
static inline int
fuzz_drain(int fd)
{
    uint8_t buf[16384];

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

/* Upper bounds on input a target looks at.  They keep each run fast (the
 * decoders never see more than a PDU in one piece anyway) and are the
 * -max_len run-all passes. */
#define FUZZ_PDU_MAX      65535
#define FUZZ_NDR_MAX      8192
#define FUZZ_STRBIND_MAX  4096
#define FUZZ_TOWER_MAX    4096
/* fuzz_reply: two control bytes and a reply stream; the seeds' largest is
 * a 200 KiB reply in 5840-byte fragments. */
#define FUZZ_REPLY_MAX    300000

/* fuzz_ndr's program format (mkseeds writes seeds in it): byte 0 holds
 * the opcode count (bits 0-5) and the mode (NDR_PROG_WRITE, and with it
 * NDR_PROG_FIXED); then one byte per opcode, operation in the low nibble,
 * argument in the high one; the rest is data (read) or tape (write). */
#define NDR_PROG_MAX_OPS 63
#define NDR_PROG_WRITE   0x40
#define NDR_PROG_FIXED   0x80
enum fuzz_ndr_op {
    OP_U8, OP_U16, OP_U32, OP_U64, OP_UUID, OP_SYNTAX, OP_STRING, OP_WSTRING,
    OP_CARRAY, OP_VARYING, OP_PTR, OP_FULL_PTR, OP_ALIGN, OP_SKIP, OP_BYTES,
    OP_ENUM,
};
#define NDR_OP(op, arg) ((uint8_t)((op) | (arg) << 4))

/* A finding: an invariant the decoders promise does not hold.  abort()
 * makes libFuzzer keep the input as a crash-* artifact and makes
 * fuzz_smoke (and so make check) fail. */
_Noreturn static inline void
fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
    abort();
}

#define FUZZ_CHECK(cond)                                                     \
    do {                                                                     \
        if (!(cond))                                                         \
            fuzz_fail(__FILE__, __LINE__, #cond);                            \
    } while (0)

/* Every int-returning proto function gives 0 or one of the PROTO_E_*
 * codes; anything else means an error path forgot to translate. */
#define FUZZ_PROTO_RC(r) ((r) <= PROTO_OK && (r) >= PROTO_E_READONLY)

/* p[0..n) lies inside base[0..len): a borrowed pointer may not escape the
 * input it was decoded from.  n == 0 allows p == NULL. */
static inline int
fuzz_inside(const uint8_t *base, size_t len, const uint8_t *p, size_t n)
{
    /* Compared as integers: relational operators on pointers into
     * different objects are undefined, and "different object" is exactly
     * the bug this looks for. */
    uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;

    if (n == 0 && p == NULL)
        return 1;
    if (p == NULL || q < b || q - b > len)
        return 0;
    return n <= len - (size_t)(q - b);
}

#endif /* RPCRT_TESTS_FUZZ_H */
