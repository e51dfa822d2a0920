/*
 * daemon/epm_db.h -- the endpoint mapper's database: the elements of the
 * endpoint map and the ept_* operations on them (C706 Appendix O, MS-RPCE
 * 2.2.1.2), as pure data.  No sockets, no libserver: rpcd decodes a
 * request (proto/epm.h), turns its towers into entries here, calls one of
 * these functions and encodes what it returns.
 *
 * Thread safety: every function takes the database's one mutex; lookup
 * cursors are touched only under it, so rpcd's workers may call in
 * concurrently (one cursor must still not be used by two calls at once:
 * the second would see the first's position).
 *
 * Statuses: functions returning uint32_t give the error_status_t that
 * travels in the reply (EPM_S_*, proto/epm.h).
 *
 * Permissions: who may insert at all is rpcd's decision (local socket,
 * SO_PEERCRED).  The database enforces the rest: an element may be
 * removed or modified (delete, mgmt_delete, replace, re-insert) only by
 * uid 0 or by the uid that registered it; anything else is
 * EPM_S_CANT_PERFORM_OP and changes nothing.
 */
#ifndef RPCRT_DAEMON_EPM_DB_H
#define RPCRT_DAEMON_EPM_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/epm.h"
#include "proto/proto.h"

/* Elements the database holds when epm_db_new() is given 0. */
#define EPM_DB_DEFAULT_MAX 4096u

/* One element of the endpoint map.  The network address of a tower is
 * not kept: rpcd answers with the address the caller reached it at. */
struct epm_db_entry {
    GUID object;                     /* nil: no object */
    RPC_SYNTAX_IDENTIFIER iface;     /* interface uuid, major.minor */
    RPC_SYNTAX_IDENTIFIER xfer;      /* transfer syntax (NDR 2.0) */
    enum rpc_protseq protseq;
    uint16_t port;                   /* ncacn_ip_tcp, host order */
    char endpoint[TOWER_ENDPOINT_MAX]; /* ncalrpc name; "" for tcp */
    char annotation[EPM_ANNOTATION_MAX]; /* NUL-terminated */
    uid_t owner_uid;                 /* set by epm_db_insert */
    pid_t owner_pid;
};

/* Who is calling, as rpcd learned it (SO_PEERCRED, or its own ids for
 * its own entries).  uid 0 may do anything. */
struct epm_db_cred {
    uid_t uid;
    pid_t pid;
};

struct epm_db;
/* A lookup or map position (the object behind an ept_lookup_handle_t). */
struct epm_db_cursor;

/* max_entries: how many elements it holds (0: EPM_DB_DEFAULT_MAX); an
 * insert beyond gets EPM_S_NO_MEMORY.  NULL when out of memory. */
struct epm_db *epm_db_new(size_t max_entries);
/* Frees the database and every cursor still open on it; NULL is a
 * no-op.  No other call may be running. */
void epm_db_free(struct epm_db *db);
size_t epm_db_count(struct epm_db *db);

/* ---- building entries -------------------------------------------------- */

/* Fills *e from an ept_entry_t's parts: the tower octets (decoded with
 * proto_tower_decode; its address is dropped) and the annotation
 * (NUL-terminated within EPM_ANNOTATION_MAX, or NULL for "").  Owner
 * fields are zero.  EPM_S_OK or EPM_S_INVALID_ENTRY. */
uint32_t epm_db_entry_from_tower(const GUID *object, const uint8_t *tower,
                                 size_t tower_len, const char *annotation,
                                 struct epm_db_entry *e);
/* Encodes the tower a reply carries for e into buf[0..cap): for
 * ncacn_ip_tcp its port and the host address given (family AF_INET with
 * 4 bytes or AF_INET6 with 16, network order: the address the client
 * reached rpcd at); for ncalrpc its endpoint name (family and addr are
 * ignored).  *len gets the size.  PROTO_E_* as proto_tower_encode. */
int epm_db_entry_tower(const struct epm_db_entry *e, int family,
                       const uint8_t *addr, uint8_t *buf, size_t cap,
                       size_t *len);

/* ---- the ept_* operations ---------------------------------------------- */

/* ept_insert: adds n elements owned by who.  Each is checked first
 * (non-nil interface and transfer syntax, a known protseq, a non-zero
 * port or a valid ncalrpc name, a terminated annotation): any bad one is
 * EPM_S_INVALID_ENTRY and nothing changes.  An element equal to one
 * already present (object, interface with version, transfer syntax,
 * protseq, endpoint) is not duplicated: its annotation and owner pid are
 * updated.  With replace, elements present before the call that match a
 * new one in object, interface uuid and major version, transfer syntax
 * and protseq -- whatever their endpoint -- are removed first (C706
 * rpc_ep_register; the DCE rpcd's epdb_insert), unless one of them has a
 * higher minor version than the new element (EPM_S_INVALID_ENTRY, as
 * DCE's rpcd).  Elements of the same call never replace each other (one
 * RpcEpRegister of two TCP bindings keeps both).  All or nothing. */
uint32_t epm_db_insert(struct epm_db *db, const struct epm_db_entry *ents,
                       size_t n, int replace, const struct epm_db_cred *who);

/* ept_delete: removes the elements equal (as above) to the n given; each
 * must be present (else EPM_S_NOT_REGISTERED) and removable by who (else
 * EPM_S_CANT_PERFORM_OP).  All or nothing. */
uint32_t epm_db_delete(struct epm_db *db, const struct epm_db_entry *ents,
                       size_t n, const struct epm_db_cred *who);

/* ept_mgmt_delete: removes every element with the interface (uuid and
 * both versions), protseq and endpoint of e, and its object when
 * object_speced (the DCE rpcd's epdb_delete_entries_by_obj_if_addr,
 * which compares neither the transfer syntax nor, here, the network
 * address).
 * EPM_S_NOT_REGISTERED when none matches, EPM_S_CANT_PERFORM_OP (and
 * nothing removed) when one is not who's. */
uint32_t epm_db_mgmt_delete(struct epm_db *db, int object_speced,
                            const struct epm_db_entry *e,
                            const struct epm_db_cred *who);

/* ept_lookup's filter (C706 Appendix O, MS-RPCE 2.2.1.2.4).  An absent
 * object or interface is taken as the nil uuid (version 0.0). */
struct epm_db_query {
    uint32_t inquiry_type;           /* EPM_INQ_* */
    int has_object;
    GUID object;
    int has_ifid;
    RPC_IF_ID ifid;
    uint32_t vers_option;            /* EPM_VERS_*, for BY_IF/BY_BOTH */
};

/* ept_lookup: the next at most max elements matching q, in registration
 * order.  *cur is NULL for a new search; the query is then checked
 * (EPM_S_INVALID_INQUIRY_TYPE, EPM_S_INVALID_VERS_OPTION) and remembered
 * in the cursor; for a continued search q is ignored (a map cursor is
 * EPM_S_INVALID_CONTEXT).
 *
 * Paging.  On return *cur is a cursor when more matching elements remain
 * (the database looks ahead): the batch that ends the list comes back
 * with EPM_S_OK and *cur NULL -- impacket's hept_lookup (max_ents 500)
 * stops on the null handle and raises on any other status, which the
 * DCE rpcd's look-ahead and Windows give it.  EPM_S_NOT_REGISTERED, with
 * *cur NULL, only for an empty batch.  One exception: with max 1 the
 * cursor stays after the last element and the next call is the empty
 * batch, because the one-at-a-time loops (Samba's rpcclient epmlookup,
 * DCE's rpc_mgmt_ep_elt_inq_next) stop only on ept_s_not_registered and
 * would restart from a null handle forever.
 *
 * On any other status *cur is NULL too (a cursor passed in is freed).
 * max is 1..EPM_MAX_ENTS (0 is EPM_S_CANT_PERFORM_OP, as the DCE rpcd's
 * map).  *out (malloc'ed, *nout elements, copies; the caller frees it) is
 * NULL when *nout is 0.  Cursors keep a position, not a snapshot:
 * elements inserted later show up, removed ones do not, none twice. */
uint32_t epm_db_lookup(struct epm_db *db, struct epm_db_cursor **cur,
                       const struct epm_db_query *q, uint32_t max,
                       struct epm_db_entry **out, uint32_t *nout);

/* ept_map: the elements a client can reach the tower's interface at:
 * same interface uuid and major version with a minor version at least
 * the tower's, same transfer syntax uuid and major version with a minor
 * at least the tower's, same protseq; the tower's network address and
 * endpoint are ignored.  Objects (MS-RPCE 2.2.1.2.5): for a non-nil
 * object, first the elements registered with that object, then those
 * registered with none (the nil object, which matches any); for NULL or
 * the nil object, first the elements with the nil object, then all
 * others (Samba: no object, no filter).  Paging, statuses, max (1..
 * EPM_MAX_TOWERS), *out and ownership as epm_db_lookup, without the max 1
 * exception (V4: one tower asked, one found, a null handle); object and t are
 * ignored for a continued search (a lookup cursor is
 * EPM_S_INVALID_CONTEXT).  A tower of another protseq than
 * ncacn_ip_tcp/ncalrpc cannot be given: proto_tower_decode refuses it,
 * and rpcd answers EPM_S_NOT_REGISTERED then. */
uint32_t epm_db_map(struct epm_db *db, struct epm_db_cursor **cur,
                    const GUID *object, const struct rpc_tower *t,
                    uint32_t max, struct epm_db_entry **out,
                    uint32_t *nout);

/* ept_lookup_handle_free, or a connection going away: frees a cursor;
 * NULL is a no-op. */
void epm_db_cursor_free(struct epm_db *db, struct epm_db_cursor *cur);

/* ---- owners ---------------------------------------------------------- */

/* Remove every element registered by a process (that died) or by a
 * user; return how many went. */
size_t epm_db_remove_pid(struct epm_db *db, pid_t pid);
size_t epm_db_remove_uid(struct epm_db *db, uid_t uid);

#endif /* RPCRT_DAEMON_EPM_DB_H */
