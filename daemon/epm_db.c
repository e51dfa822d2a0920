/*
 * daemon/epm_db.c -- the endpoint map (see epm_db.h).
 *
 * The elements live in one array in registration order; each carries a
 * sequence number that only grows, so the array is sorted by it and a
 * cursor's position is "the pass it is in and the last sequence number
 * it returned".  That survives inserts and deletes between two calls
 * without a snapshot per cursor (the DCE rpcd keeps a list position and
 * marks deleted elements instead; Samba copies the result).
 *
 * Every operation checks everything before it changes anything, so a
 * failure leaves the map as it was.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/epm_db.h"

struct slot {
    uint64_t seq;
    uint8_t mark;                    /* scratch: to remove / to update */
    struct epm_db_entry e;
};

enum cursor_kind { CUR_LOOKUP, CUR_MAP };

struct epm_db_cursor {
    struct epm_db_cursor *prev, *next; /* the database's open cursors */
    enum cursor_kind kind;
    struct epm_db_query q;           /* CUR_LOOKUP */
    int obj_nil;                     /* CUR_MAP: the object asked for */
    GUID object;
    RPC_SYNTAX_IDENTIFIER iface, xfer;
    enum rpc_protseq protseq;
    int pass;                        /* CUR_MAP: 0 or 1 */
    uint64_t last;                   /* last sequence number returned */
};

struct epm_db {
    pthread_mutex_t mu;
    struct slot *v;
    size_t n, cap, max;
    uint64_t next_seq;
    struct epm_db_cursor *cursors;
};

static const GUID nil_guid;

static int
guid_eq(const GUID *a, const GUID *b)
{
    return proto_uuid_equal(a, b);
}

static int
guid_nil(const GUID *g)
{
    return guid_eq(g, &nil_guid);
}

static int
syntax_eq(const RPC_SYNTAX_IDENTIFIER *a, const RPC_SYNTAX_IDENTIFIER *b)
{
    return guid_eq(&a->SyntaxGUID, &b->SyntaxGUID) &&
           a->SyntaxVersion.MajorVersion == b->SyntaxVersion.MajorVersion &&
           a->SyntaxVersion.MinorVersion == b->SyntaxVersion.MinorVersion;
}

/* Same uuid and major version, and have's minor at least want's: what a
 * client asking for want can use (the IDL version attribute's rule, C706
 * chapter 4: same major, client minor <= server minor; the DCE rpcd's
 * map_match applies it to the interface and to the transfer syntax). */
static int
syntax_compatible(const RPC_SYNTAX_IDENTIFIER *have,
                  const RPC_SYNTAX_IDENTIFIER *want)
{
    return guid_eq(&have->SyntaxGUID, &want->SyntaxGUID) &&
           have->SyntaxVersion.MajorVersion ==
               want->SyntaxVersion.MajorVersion &&
           have->SyntaxVersion.MinorVersion >=
               want->SyntaxVersion.MinorVersion;
}

static int
endpoint_eq(const struct epm_db_entry *a, const struct epm_db_entry *b)
{
    if (a->protseq != b->protseq)
        return 0;
    if (a->protseq == RPC_PROTSEQ_NCACN_IP_TCP)
        return a->port == b->port;
    return strcmp(a->endpoint, b->endpoint) == 0;
}

/* The same element: object, interface and version, transfer syntax,
 * protseq and endpoint (the DCE rpcd compares object and tower). */
static int
entry_eq(const struct epm_db_entry *a, const struct epm_db_entry *b)
{
    return guid_eq(&a->object, &b->object) && syntax_eq(&a->iface, &b->iface) &&
           syntax_eq(&a->xfer, &b->xfer) && endpoint_eq(a, b);
}

/* C706 rpc_ep_register / the DCE rpcd's epdb_is_replace_candidate: same
 * object, interface uuid and major version, protseq and transfer syntax
 * (with its version); the endpoint and the interface minor version may
 * differ. */
static int
replace_candidate(const struct epm_db_entry *old, const struct epm_db_entry *e)
{
    return guid_eq(&old->object, &e->object) &&
           guid_eq(&old->iface.SyntaxGUID, &e->iface.SyntaxGUID) &&
           old->iface.SyntaxVersion.MajorVersion ==
               e->iface.SyntaxVersion.MajorVersion &&
           old->protseq == e->protseq && syntax_eq(&old->xfer, &e->xfer);
}

static int
may_change(const struct epm_db_entry *e, const struct epm_db_cred *who)
{
    return who->uid == 0 || who->uid == e->owner_uid;
}

/* What ept_insert accepts (the DCE rpcd's epdb_chk_entry: nil interface
 * or transfer syntax uuids are refused, and so is an empty address). */
static int
entry_valid(const struct epm_db_entry *e)
{
    if (guid_nil(&e->iface.SyntaxGUID) || guid_nil(&e->xfer.SyntaxGUID))
        return 0;
    if (memchr(e->annotation, '\0', sizeof(e->annotation)) == NULL)
        return 0;
    switch (e->protseq) {
    case RPC_PROTSEQ_NCACN_IP_TCP:
        return e->port != 0;
    case RPC_PROTSEQ_NCALRPC:
        return memchr(e->endpoint, '\0', sizeof(e->endpoint)) != NULL &&
               e->endpoint[0] != '\0' &&
               proto_check_endpoint(RPC_PROTSEQ_NCALRPC, e->endpoint) ==
                   RPC_S_OK;
    case RPC_PROTSEQ_UNKNOWN:
    default:
        return 0;
    }
}

/* ---- the database ------------------------------------------------------- */

struct epm_db *
epm_db_new(size_t max_entries)
{
    struct epm_db *db = calloc(1, sizeof(*db));

    if (db == NULL)
        return NULL;
    if (pthread_mutex_init(&db->mu, NULL) != 0) {
        free(db);
        return NULL;
    }
    db->max = max_entries != 0 ? max_entries : EPM_DB_DEFAULT_MAX;
    db->next_seq = 1;
    return db;
}

void
epm_db_free(struct epm_db *db)
{
    struct epm_db_cursor *c, *next;

    if (db == NULL)
        return;
    for (c = db->cursors; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(db->v);
    pthread_mutex_destroy(&db->mu);
    free(db);
}

size_t
epm_db_count(struct epm_db *db)
{
    size_t n;

    pthread_mutex_lock(&db->mu);
    n = db->n;
    pthread_mutex_unlock(&db->mu);
    return n;
}

/* Room for want slots in all; nothing changes on failure. */
static int
reserve(struct epm_db *db, size_t want)
{
    size_t ncap;
    struct slot *nv;

    if (want <= db->cap)
        return 0;
    ncap = db->cap != 0 ? db->cap : 16;
    while (ncap < want)
        ncap *= 2;
    if (ncap > db->max && want <= db->max)
        ncap = db->max;
    if ((nv = realloc(db->v, ncap * sizeof(*nv))) == NULL)
        return -1;
    db->v = nv;
    db->cap = ncap;
    return 0;
}

/* Removes the marked slots, keeping the order; returns how many. */
static size_t
sweep(struct epm_db *db)
{
    size_t o = 0, gone;

    for (size_t i = 0; i < db->n; i++) {
        if (db->v[i].mark)
            continue;
        if (o != i)
            db->v[o] = db->v[i];
        o++;
    }
    gone = db->n - o;
    db->n = o;
    return gone;
}

static void
unmark(struct epm_db *db)
{
    for (size_t i = 0; i < db->n; i++)
        db->v[i].mark = 0;
}

static void
cursor_link(struct epm_db *db, struct epm_db_cursor *c)
{
    c->prev = NULL;
    c->next = db->cursors;
    if (db->cursors != NULL)
        db->cursors->prev = c;
    db->cursors = c;
}

static void
cursor_unlink_free(struct epm_db *db, struct epm_db_cursor *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        db->cursors = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    free(c);
}

void
epm_db_cursor_free(struct epm_db *db, struct epm_db_cursor *cur)
{
    if (cur == NULL)
        return;
    pthread_mutex_lock(&db->mu);
    cursor_unlink_free(db, cur);
    pthread_mutex_unlock(&db->mu);
}

/* ---- entries <-> towers -------------------------------------------------- */

uint32_t
epm_db_entry_from_tower(const GUID *object, const uint8_t *tower,
                        size_t tower_len, const char *annotation,
                        struct epm_db_entry *e)
{
    struct rpc_tower t;
    size_t alen;

    memset(e, 0, sizeof(*e));
    if (annotation != NULL) {
        const char *nul = memchr(annotation, '\0', EPM_ANNOTATION_MAX);
        if (nul == NULL)
            return EPM_S_INVALID_ENTRY;
        alen = (size_t)(nul - annotation);
        memcpy(e->annotation, annotation, alen);
    }
    if (tower == NULL || proto_tower_decode(tower, tower_len, &t) != 0) {
        memset(e, 0, sizeof(*e));
        return EPM_S_INVALID_ENTRY;
    }
    if (object != NULL)
        e->object = *object;
    e->iface = t.iface;
    e->xfer = t.xfer;
    e->protseq = t.protseq;
    if (t.protseq == RPC_PROTSEQ_NCACN_IP_TCP)
        e->port = t.port;
    else
        memcpy(e->endpoint, t.endpoint, sizeof(e->endpoint));
    return EPM_S_OK;
}

int
epm_db_entry_tower(const struct epm_db_entry *e, int family,
                   const uint8_t *addr, uint8_t *buf, size_t cap,
                   size_t *len)
{
    struct rpc_tower t;

    memset(&t, 0, sizeof(t));
    t.iface = e->iface;
    t.xfer = e->xfer;
    t.protseq = e->protseq;
    if (e->protseq == RPC_PROTSEQ_NCACN_IP_TCP) {
        t.port = e->port;
        t.family = family;
        if (family == AF_INET && addr != NULL)
            memcpy(t.addr, addr, 4);
        else if (family == AF_INET6 && addr != NULL)
            memcpy(t.addr, addr, 16);
    } else {
        if (memchr(e->endpoint, '\0', sizeof(e->endpoint)) == NULL)
            return PROTO_E_INVAL;
        memcpy(t.endpoint, e->endpoint, sizeof(t.endpoint));
    }
    return proto_tower_encode(&t, buf, cap, len);
}

/* ---- insert / delete ---------------------------------------------------- */

uint32_t
epm_db_insert(struct epm_db *db, const struct epm_db_entry *ents, size_t n,
              int replace, const struct epm_db_cred *who)
{
    size_t *dup = NULL;              /* dup[k]: slot equal to ents[k] */
    size_t adds = 0, gone = 0;
    uint32_t st = EPM_S_OK;

    if (n == 0)
        return EPM_S_OK;
    if (ents == NULL || who == NULL)
        return EPM_S_INVALID_ENTRY;
    for (size_t k = 0; k < n; k++)
        if (!entry_valid(&ents[k]))
            return EPM_S_INVALID_ENTRY;
    if (n > SIZE_MAX / sizeof(*dup) ||
        (dup = malloc(n * sizeof(*dup))) == NULL)
        return EPM_S_NO_MEMORY;

    pthread_mutex_lock(&db->mu);
    /* Pass 1, nothing changes: which present elements are equal to a new
     * one (updated in place), which are replaced (mark 1), and may who
     * touch them? */
    for (size_t k = 0; k < n; k++) {
        const struct epm_db_entry *e = &ents[k];
        size_t i, j;

        dup[k] = SIZE_MAX;
        for (i = 0; i < db->n; i++) {
            const struct epm_db_entry *old = &db->v[i].e;

            if (entry_eq(old, e)) {
                dup[k] = i;
                if (!may_change(old, who))
                    st = EPM_S_CANT_PERFORM_OP;
            } else if (replace && replace_candidate(old, e)) {
                /* C706 rpc_ep_register: a newer version is not replaced
                 * by an older one (the DCE rpcd refuses the insert). */
                if (old->iface.SyntaxVersion.MinorVersion >
                    e->iface.SyntaxVersion.MinorVersion) {
                    st = EPM_S_INVALID_ENTRY;
                } else if (!may_change(old, who)) {
                    st = EPM_S_CANT_PERFORM_OP;
                } else {
                    db->v[i].mark = 1;
                }
            }
            if (st != EPM_S_OK)
                goto out;
        }
        /* The same element twice in one call is added once. */
        for (j = 0; j < k; j++)
            if (entry_eq(&ents[j], e))
                break;
        if (dup[k] == SIZE_MAX && j == k)
            adds++;
    }
    /* An element both equal to one new entry and a replace candidate of
     * another stays: it is updated, not removed. */
    for (size_t k = 0; k < n; k++)
        if (dup[k] != SIZE_MAX)
            db->v[dup[k]].mark = 0;
    for (size_t i = 0; i < db->n; i++)
        gone += db->v[i].mark;
    if (db->n - gone + adds > db->max ||
        reserve(db, db->n - gone + adds) != 0) {
        st = EPM_S_NO_MEMORY;
        goto out;
    }

    /* Pass 2 cannot fail any more: update in place (dup[] indexes the
     * array as it is), remove the replaced, append the new. */
    for (size_t k = 0; k < n; k++) {
        if (dup[k] == SIZE_MAX)
            continue;
        struct epm_db_entry *old = &db->v[dup[k]].e;
        memcpy(old->annotation, ents[k].annotation, sizeof(old->annotation));
        old->owner_uid = who->uid;
        old->owner_pid = who->pid;
    }
    sweep(db);
    for (size_t k = 0; k < n; k++) {
        size_t j;

        if (dup[k] != SIZE_MAX)
            continue;
        for (j = 0; j < k; j++)
            if (entry_eq(&ents[j], &ents[k]))
                break;
        if (j < k)
            continue;
        struct slot *s = &db->v[db->n++];
        s->seq = db->next_seq++;
        s->mark = 0;
        s->e = ents[k];
        if (s->e.protseq == RPC_PROTSEQ_NCACN_IP_TCP)
            memset(s->e.endpoint, 0, sizeof(s->e.endpoint));
        else
            s->e.port = 0;
        s->e.owner_uid = who->uid;
        s->e.owner_pid = who->pid;
    }
out:
    unmark(db);
    pthread_mutex_unlock(&db->mu);
    free(dup);
    return st;
}

uint32_t
epm_db_delete(struct epm_db *db, const struct epm_db_entry *ents, size_t n,
              const struct epm_db_cred *who)
{
    uint32_t st = EPM_S_OK;

    if (n == 0)
        return EPM_S_OK;
    if (ents == NULL || who == NULL)
        return EPM_S_INVALID_ENTRY;
    pthread_mutex_lock(&db->mu);
    for (size_t k = 0; k < n && st == EPM_S_OK; k++) {
        size_t i;

        for (i = 0; i < db->n; i++)
            if (entry_eq(&db->v[i].e, &ents[k]))
                break;
        if (i == db->n)
            st = EPM_S_NOT_REGISTERED;
        else if (!may_change(&db->v[i].e, who))
            st = EPM_S_CANT_PERFORM_OP;
        else
            db->v[i].mark = 1;
    }
    if (st == EPM_S_OK)
        sweep(db);
    unmark(db);
    pthread_mutex_unlock(&db->mu);
    return st;
}

uint32_t
epm_db_mgmt_delete(struct epm_db *db, int object_speced,
                   const struct epm_db_entry *e, const struct epm_db_cred *who)
{
    uint32_t st = EPM_S_NOT_REGISTERED;

    if (e == NULL || who == NULL)
        return EPM_S_INVALID_ENTRY;
    pthread_mutex_lock(&db->mu);
    for (size_t i = 0; i < db->n; i++) {
        const struct epm_db_entry *old = &db->v[i].e;

        if ((object_speced && !guid_eq(&old->object, &e->object)) ||
            !syntax_eq(&old->iface, &e->iface) || !endpoint_eq(old, e))
            continue;
        if (!may_change(old, who)) {
            st = EPM_S_CANT_PERFORM_OP;
            break;
        }
        db->v[i].mark = 1;
        st = EPM_S_OK;
    }
    if (st == EPM_S_OK)
        sweep(db);
    unmark(db);
    pthread_mutex_unlock(&db->mu);
    return st;
}

size_t
epm_db_remove_pid(struct epm_db *db, pid_t pid)
{
    size_t gone;

    pthread_mutex_lock(&db->mu);
    for (size_t i = 0; i < db->n; i++)
        db->v[i].mark = db->v[i].e.owner_pid == pid;
    gone = sweep(db);
    unmark(db);
    pthread_mutex_unlock(&db->mu);
    return gone;
}

size_t
epm_db_remove_uid(struct epm_db *db, uid_t uid)
{
    size_t gone;

    pthread_mutex_lock(&db->mu);
    for (size_t i = 0; i < db->n; i++)
        db->v[i].mark = db->v[i].e.owner_uid == uid;
    gone = sweep(db);
    unmark(db);
    pthread_mutex_unlock(&db->mu);
    return gone;
}

/* ---- lookup and map ----------------------------------------------------- */

/* C706 Appendix O / MS-RPCE 2.2.1.2.4 vers_option, as the DCE rpcd's
 * lookup_match applies it: have is the registered version, want the
 * asked one. */
static int
vers_match(uint32_t opt, const RPC_IF_ID *want,
           const RPC_SYNTAX_IDENTIFIER *have)
{
    unsigned hmaj = have->SyntaxVersion.MajorVersion;
    unsigned hmin = have->SyntaxVersion.MinorVersion;
    unsigned wmaj = want->VersMajor, wmin = want->VersMinor;

    switch (opt) {
    case EPM_VERS_ALL:
        return 1;
    case EPM_VERS_COMPATIBLE:
        return wmaj == hmaj && wmin <= hmin;
    case EPM_VERS_EXACT:
        return wmaj == hmaj && wmin == hmin;
    case EPM_VERS_MAJOR_ONLY:
        return wmaj == hmaj;
    case EPM_VERS_UPTO:
        return wmaj > hmaj || (wmaj == hmaj && wmin >= hmin);
    default:
        return 0;
    }
}

static int
lookup_match(const struct epm_db_query *q, const struct epm_db_entry *e)
{
    int by_if = 0, by_obj = 0;

    switch (q->inquiry_type) {
    case EPM_INQ_ALL_ELTS:
        return 1;
    case EPM_INQ_MATCH_BY_IF:
        by_if = 1;
        break;
    case EPM_INQ_MATCH_BY_OBJ:
        by_obj = 1;
        break;
    case EPM_INQ_MATCH_BY_BOTH:
        by_if = by_obj = 1;
        break;
    default:
        return 0;
    }
    if (by_obj && !guid_eq(&q->object, &e->object))
        return 0;
    if (by_if && (!guid_eq(&q->ifid.Uuid, &e->iface.SyntaxGUID) ||
                  !vers_match(q->vers_option, &q->ifid, &e->iface)))
        return 0;
    return 1;
}

static int
map_match(const struct epm_db_cursor *c, int pass,
          const struct epm_db_entry *e)
{
    int enil = guid_nil(&e->object);

    if (c->obj_nil) {
        /* Pass 0: registered without an object; pass 1: the rest. */
        if (enil != (pass == 0))
            return 0;
    } else if (pass == 0) {
        if (!guid_eq(&e->object, &c->object))
            return 0;
    } else if (!enil) {
        return 0;
    }
    return e->protseq == c->protseq && syntax_compatible(&e->iface, &c->iface) &&
           syntax_compatible(&e->xfer, &c->xfer);
}

static int
cursor_match(const struct epm_db_cursor *c, int pass,
             const struct epm_db_entry *e)
{
    return c->kind == CUR_LOOKUP ? lookup_match(&c->q, e)
                                 : map_match(c, pass, e);
}

/* First slot with a sequence number above seq (the array is sorted). */
static size_t
first_after(const struct epm_db *db, uint64_t seq)
{
    size_t lo = 0, hi = db->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->v[mid].seq <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Copies up to max matches after c's position into out and moves the
 * position past them; returns 1 when another match remains. */
static int
scan(struct epm_db *db, struct epm_db_cursor *c, uint32_t max,
     struct epm_db_entry *out, uint32_t *nout)
{
    int npass = c->kind == CUR_MAP ? 2 : 1;

    *nout = 0;
    for (int pass = c->pass; pass < npass; pass++) {
        uint64_t from = pass == c->pass ? c->last : 0;

        for (size_t i = first_after(db, from); i < db->n; i++) {
            const struct slot *s = &db->v[i];

            if (!cursor_match(c, pass, &s->e))
                continue;
            /* Full: this match is the look-ahead that keeps the cursor. */
            if (*nout == max)
                return 1;
            out[(*nout)++] = s->e;
            c->pass = pass;
            c->last = s->seq;
        }
    }
    return 0;
}

/* The common part of lookup and map: runs the search from *cur (or from
 * fresh, which the caller has filled) and settles the cursor. */
static uint32_t
search(struct epm_db *db, struct epm_db_cursor **cur,
       struct epm_db_cursor *fresh, enum cursor_kind kind, uint32_t max,
       uint32_t limit, struct epm_db_entry **out, uint32_t *nout)
{
    struct epm_db_cursor *c = *cur;
    struct epm_db_entry *buf = NULL;
    uint32_t st = EPM_S_OK;
    int more;

    *out = NULL;
    *nout = 0;
    if (c != NULL && c->kind != kind)
        st = EPM_S_INVALID_CONTEXT;
    else if (max == 0 || max > limit)
        st = EPM_S_CANT_PERFORM_OP;
    else if ((buf = malloc((size_t)max * sizeof(*buf))) == NULL)
        st = EPM_S_NO_MEMORY;
    if (st != EPM_S_OK)
        goto fail;
    if (c == NULL) {
        c = fresh;
        c->kind = kind;
    }
    more = scan(db, c, max, buf, nout);
    if (*nout == 0) {
        st = EPM_S_NOT_REGISTERED;
        goto fail;
    }
    /* One element at a time (Samba's rpcclient epmlookup, DCE's
     * rpc_mgmt_ep_elt_inq_next): those loops stop on
     * ept_s_not_registered and pass back whatever handle they got, so a
     * null handle after the last element would start them over, forever.
     * Keep the cursor; the next call finds nothing. */
    if (!more && kind == CUR_LOOKUP && max == 1)
        more = 1;
    if (more && c == fresh) {
        if ((c = malloc(sizeof(*c))) == NULL) {
            st = EPM_S_NO_MEMORY;
            goto fail;
        }
        *c = *fresh;
        cursor_link(db, c);
    } else if (!more && c != fresh) {
        cursor_unlink_free(db, c);
    }
    *cur = more ? c : NULL;
    *out = buf;
    return EPM_S_OK;
fail:
    free(buf);
    *nout = 0;
    if (*cur != NULL)
        cursor_unlink_free(db, *cur);
    *cur = NULL;
    return st;
}

uint32_t
epm_db_lookup(struct epm_db *db, struct epm_db_cursor **cur,
              const struct epm_db_query *q, uint32_t max,
              struct epm_db_entry **out, uint32_t *nout)
{
    struct epm_db_cursor fresh;
    uint32_t st;

    memset(&fresh, 0, sizeof(fresh));
    if (*cur == NULL) {
        if (q == NULL) {
            *out = NULL;
            *nout = 0;
            return EPM_S_CANT_PERFORM_OP;
        }
        fresh.q = *q;
        if (!q->has_object)
            fresh.q.object = nil_guid;
        if (!q->has_ifid)
            memset(&fresh.q.ifid, 0, sizeof(fresh.q.ifid));
        if (q->inquiry_type > EPM_INQ_MATCH_BY_BOTH) {
            *out = NULL;
            *nout = 0;
            return EPM_S_INVALID_INQUIRY_TYPE;
        }
        if ((q->inquiry_type == EPM_INQ_MATCH_BY_IF ||
             q->inquiry_type == EPM_INQ_MATCH_BY_BOTH) &&
            (q->vers_option < EPM_VERS_ALL ||
             q->vers_option > EPM_VERS_UPTO)) {
            *out = NULL;
            *nout = 0;
            return EPM_S_INVALID_VERS_OPTION;
        }
    }
    pthread_mutex_lock(&db->mu);
    st = search(db, cur, &fresh, CUR_LOOKUP, max, EPM_MAX_ENTS, out, nout);
    pthread_mutex_unlock(&db->mu);
    return st;
}

uint32_t
epm_db_map(struct epm_db *db, struct epm_db_cursor **cur, const GUID *object,
           const struct rpc_tower *t, uint32_t max, struct epm_db_entry **out,
           uint32_t *nout)
{
    struct epm_db_cursor fresh;
    uint32_t st;

    memset(&fresh, 0, sizeof(fresh));
    if (*cur == NULL) {
        if (t == NULL) {
            *out = NULL;
            *nout = 0;
            return EPM_S_INVALID_ENTRY;
        }
        fresh.obj_nil = object == NULL || guid_nil(object);
        if (!fresh.obj_nil)
            fresh.object = *object;
        fresh.iface = t->iface;
        fresh.xfer = t->xfer;
        fresh.protseq = t->protseq;
    }
    pthread_mutex_lock(&db->mu);
    st = search(db, cur, &fresh, CUR_MAP, max, EPM_MAX_TOWERS, out, nout);
    pthread_mutex_unlock(&db->mu);
    return st;
}
