/*
 * tests/tests.h -- the Check suites of tests/check_proto and the helpers
 * they share.  Each check_*.c file defines one suite.
 */
#ifndef RPCRT_TESTS_H
#define RPCRT_TESTS_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

/* check_*.c */
Suite *ndr_suite(void);
Suite *pdu_suite(void);
Suite *vectors_suite(void);
Suite *mutate_suite(void);
Suite *uuid_suite(void);
Suite *status_suite(void);
Suite *strbind_suite(void);
Suite *tower_suite(void);
Suite *epm_suite(void);
Suite *client_suite(void);   /* tests/check_rpc */
Suite *cancel_suite(void);
Suite *except_suite(void);
Suite *async_suite(void);
Suite *lock_suite(void);
Suite *buf_suite(void);
Suite *handle_suite(void);
Suite *server_async_suite(void);   /* tests/check_server */

/* testutil.c */
/* Decodes a hex string (whitespace ignored) into a malloc'ed buffer;
 * NULL on odd length or a bad digit. */
uint8_t *tu_unhex(const char *hex, size_t *len);
/* Path of a file in the source tree: $top_srcdir/rel (static buffer). */
const char *tu_srcpath(const char *rel);
/* Reads a whole file; malloc'ed; NULL on error. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* Prints the first difference of two buffers to stderr; 0 if equal. */
int tu_memdiff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
