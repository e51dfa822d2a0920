/*
 * tests/epm_msg.h -- every endpoint mapper stub kind behind one switch,
 * for the loops of tests/check_epm.c and tests/fuzz/fuzz_epm.c.
 */
#ifndef RPCRT_TESTS_EPM_MSG_H
#define RPCRT_TESTS_EPM_MSG_H

#include "proto/epm.h"

/* The message kinds, so that loops can treat them alike. */
enum kind {
    K_INSERT_REQ, K_DELETE_REQ, K_LOOKUP_REQ, K_MAP_REQ, K_HFREE_REQ,
    K_MGMT_DELETE_REQ, K_STATUS_RESP, K_LOOKUP_RESP, K_MAP_RESP,
    K_HFREE_RESP, K_INQ_OBJECT_RESP, K_COUNT
};

union msg {
    struct epm_insert_req ins;
    struct epm_lookup_req lreq;
    struct epm_map_req mreq;
    struct epm_handle h;
    struct epm_mgmt_delete_req mgd;
    uint32_t status;
    struct epm_lookup_resp lresp;
    struct epm_map_resp mresp;
    struct epm_handle_free_resp hfr;
    struct epm_inq_object_resp inq;
};

/* Decodes/encodes message kind k (proto/epm.h's functions); kclear frees
 * what a decode allocated. */
int kdecode(enum kind k, struct ndr_cursor *c, union msg *m);
int kencode(enum kind k, struct ndr_cursor *c, const union msg *m);
void kclear(enum kind k, union msg *m);

#endif
