/* tests/epm_msg.c -- see epm_msg.h. */
#include <string.h>

#include "tests/epm_msg.h"

int
kdecode(enum kind k, struct ndr_cursor *c, union msg *m)
{
    memset(m, 0, sizeof(*m));
    switch (k) {
    case K_INSERT_REQ:      return epm_insert_req_decode(c, &m->ins);
    case K_DELETE_REQ:      return epm_delete_req_decode(c, &m->ins);
    case K_LOOKUP_REQ:      return epm_lookup_req_decode(c, &m->lreq);
    case K_MAP_REQ:         return epm_map_req_decode(c, &m->mreq);
    case K_HFREE_REQ:       return epm_handle_free_req_decode(c, &m->h);
    case K_MGMT_DELETE_REQ: return epm_mgmt_delete_req_decode(c, &m->mgd);
    case K_STATUS_RESP:     return epm_status_resp_decode(c, &m->status);
    case K_LOOKUP_RESP:     return epm_lookup_resp_decode(c, &m->lresp);
    case K_MAP_RESP:        return epm_map_resp_decode(c, &m->mresp);
    case K_HFREE_RESP:      return epm_handle_free_resp_decode(c, &m->hfr);
    case K_INQ_OBJECT_RESP: return epm_inq_object_resp_decode(c, &m->inq);
    case K_COUNT:           break;
    }
    return PROTO_E_INVAL;
}

int
kencode(enum kind k, struct ndr_cursor *c, const union msg *m)
{
    switch (k) {
    case K_INSERT_REQ:      return epm_insert_req_encode(c, &m->ins);
    case K_DELETE_REQ:      return epm_delete_req_encode(c, &m->ins);
    case K_LOOKUP_REQ:      return epm_lookup_req_encode(c, &m->lreq);
    case K_MAP_REQ:         return epm_map_req_encode(c, &m->mreq);
    case K_HFREE_REQ:       return epm_handle_free_req_encode(c, &m->h);
    case K_MGMT_DELETE_REQ: return epm_mgmt_delete_req_encode(c, &m->mgd);
    case K_STATUS_RESP:     return epm_status_resp_encode(c, m->status);
    case K_LOOKUP_RESP:     return epm_lookup_resp_encode(c, &m->lresp);
    case K_MAP_RESP:        return epm_map_resp_encode(c, &m->mresp);
    case K_HFREE_RESP:      return epm_handle_free_resp_encode(c, &m->hfr);
    case K_INQ_OBJECT_RESP: return epm_inq_object_resp_encode(c, &m->inq);
    case K_COUNT:           break;
    }
    return PROTO_E_INVAL;
}

void
kclear(enum kind k, union msg *m)
{
    switch (k) {
    case K_INSERT_REQ:
    case K_DELETE_REQ:
        epm_insert_req_clear(&m->ins);
        break;
    case K_LOOKUP_RESP:
        epm_lookup_resp_clear(&m->lresp);
        break;
    case K_MAP_RESP:
        epm_map_resp_clear(&m->mresp);
        break;
    default:
        memset(m, 0, sizeof(*m));
        break;
    }
}
