/*
 * daemon/conf.c -- rpcd.conf(5): one directive per line, "#" starts a
 * comment, a value may be quoted with double quotes.
 *
 *   listen BINDING        (repeatable) an endpoint: ncacn_ip_tcp:ADDR[PORT]
 *                         or ncalrpc:[NAME]
 *   module PATH|NAME      (repeatable) a module file, or NAME.so in a
 *                         module-dir
 *   module-dir DIR        (repeatable) every *.so in DIR is a module
 *   user NAME             the user to run as after binding (root only)
 *   log-level LEVEL       err, warning, notice, info, debug
 *   max-connections N     max-request-size BYTES[k|m|g]
 *   max-calls-per-connection N
 *   idle-timeout S        bind-timeout S        shutdown-timeout S
 *   pidfile PATH
 *
 * Errors name the file and line.  Scalars may appear once; an unknown
 * directive, a missing or extra argument, a value out of range is an
 * error (rpcd -n reports it and exits 1).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/rpcd.h"
#include "proto/proto.h"

/* Longest configuration line. */
#define CONF_LINE_MAX 1024

void
conf_init(struct rpcd_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->log_level = -1;
}

void
conf_free(struct rpcd_conf *c)
{
    for (size_t i = 0; i < c->nlisten; i++)
        free(c->listen[i]);
    for (size_t i = 0; i < c->nmodules; i++)
        free(c->modules[i]);
    for (size_t i = 0; i < c->nmodule_dirs; i++)
        free(c->module_dirs[i]);
    free(c->user);
    free(c->pidfile);
    free(c->path);
    conf_init(c);
}

int
conf_check_binding(const char *s, char *err, size_t errlen)
{
    struct rpc_strbinding b;
    enum rpc_protseq ps;
    RPC_STATUS st;
    int r = -1;

    if ((st = proto_strbinding_parse(s, &b)) != RPC_S_OK) {
        snprintf(err, errlen, "bad binding \"%s\"", s);
        return -1;
    }
    ps = proto_protseq_from_name(b.protseq);
    if (ps == RPC_PROTSEQ_UNKNOWN)
        snprintf(err, errlen, "binding \"%s\": protocol sequence must be "
                 "ncacn_ip_tcp or ncalrpc", s);
    else if (b.obj_uuid[0] != '\0' || b.options[0] != '\0')
        snprintf(err, errlen, "binding \"%s\": no object UUID or options "
                 "allowed here", s);
    else if (proto_check_netaddr(ps, b.netaddr) != RPC_S_OK)
        snprintf(err, errlen, "binding \"%s\": bad network address", s);
    else if (proto_check_endpoint(ps, b.endpoint) != RPC_S_OK)
        snprintf(err, errlen, "binding \"%s\": bad endpoint", s);
    else if (ps == RPC_PROTSEQ_NCALRPC && b.netaddr[0] != '\0')
        snprintf(err, errlen, "binding \"%s\": ncalrpc takes no address", s);
    else
        r = 0;
    proto_strbinding_clear(&b);
    return r;
}

/* A ".." path component: modules load only from what the file names,
 * not from wherever a relative step leads. */
static int
has_dotdot(const char *p)
{
    for (const char *q = p; (q = strstr(q, "..")) != NULL; q += 2)
        if ((q == p || q[-1] == '/') && (q[2] == '\0' || q[2] == '/'))
            return 1;
    return 0;
}

/* A decimal number in [min, max], with an optional k/m/g multiplier when
 * scaled. */
static int
parse_num(const char *s, unsigned long min, unsigned long max, int scaled,
          unsigned long *out)
{
    unsigned long long v, mul = 1;
    char *end;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    if (scaled && *end != '\0' && end[1] == '\0') {
        switch (*end) {
        case 'k': case 'K': mul = 1024ull; break;
        case 'm': case 'M': mul = 1024ull * 1024; break;
        case 'g': case 'G': mul = 1024ull * 1024 * 1024; break;
        default: return -1;
        }
        end++;
    }
    if (*end != '\0' || v > ULLONG_MAX / mul)
        return -1;
    v *= mul;
    if (v < min || v > max)
        return -1;
    *out = (unsigned long)v;
    return 0;
}

static int
list_add(char **list, size_t *n, const char *v, const char *what,
         char *err, size_t errlen)
{
    if (*n == RPCD_CONF_MAX_LIST) {
        snprintf(err, errlen, "more than %d %s directives", RPCD_CONF_MAX_LIST, what);
        return -1;
    }
    if ((list[*n] = strdup(v)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    (*n)++;
    return 0;
}

static int
set_str(char **dst, const char *v, const char *what, char *err, size_t errlen)
{
    if (*dst != NULL) {
        snprintf(err, errlen, "%s given twice", what);
        return -1;
    }
    if ((*dst = strdup(v)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Splits a line into a keyword and at most one value; comments and
 * surrounding blanks go.  *key is NULL for an empty line. */
static int
tokenize(char *line, char **key, char **val, char *err, size_t errlen)
{
    char *p = line, *k, *v = NULL;

    *key = *val = NULL;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#' || *p == '\n' || *p == '\r')
        return 0;
    k = p;
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#' &&
           *p != '\n' && *p != '\r')
        p++;
    if (*p == '#' || *p == '\n' || *p == '\r')
        *p = '\0';
    else if (*p != '\0')
        *p++ = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"') {
        v = ++p;
        while (*p != '\0' && *p != '"')
            p++;
        if (*p != '"') {
            snprintf(err, errlen, "unterminated quote");
            return -1;
        }
        *p++ = '\0';
    } else if (*p != '\0' && *p != '#' && *p != '\n' && *p != '\r') {
        v = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#' &&
               *p != '\n' && *p != '\r')
            p++;
        if (*p != '\0' && *p != '#')
            *p++ = '\0';
        else if (*p == '#')
            *p = '\0';
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p != '\0' && *p != '#') {
        snprintf(err, errlen, "%s: one argument expected", k);
        return -1;
    }
    *key = k;
    *val = v;
    return 0;
}

int
conf_line(struct rpcd_conf *c, char *line, char *err, size_t errlen)
{
    char *k, *v;
    unsigned long n;

    if (tokenize(line, &k, &v, err, errlen) != 0)
        return -1;
    if (k == NULL)
        return 0;
    if (v == NULL || *v == '\0') {
        snprintf(err, errlen, "%s: missing argument", k);
        return -1;
    }
    if (strcmp(k, "listen") == 0) {
        if (conf_check_binding(v, err, errlen) != 0)
            return -1;
        return list_add(c->listen, &c->nlisten, v, "listen", err, errlen);
    }
    if (strcmp(k, "module") == 0) {
        /* A path is absolute (the daemon runs in /); a bare name is
         * looked up in the module-dirs, and may not climb out of them. */
        if ((strchr(v, '/') != NULL && v[0] != '/') || v[0] == '.') {
            snprintf(err, errlen, "module %s: an absolute path or a name expected", v);
            return -1;
        }
        if (has_dotdot(v)) {
            snprintf(err, errlen, "module %s: \"..\" not allowed", v);
            return -1;
        }
        return list_add(c->modules, &c->nmodules, v, "module", err, errlen);
    }
    if (strcmp(k, "module-dir") == 0) {
        if (v[0] != '/') {
            snprintf(err, errlen, "module-dir %s: an absolute path expected", v);
            return -1;
        }
        if (has_dotdot(v)) {
            snprintf(err, errlen, "module-dir %s: \"..\" not allowed", v);
            return -1;
        }
        return list_add(c->module_dirs, &c->nmodule_dirs, v, "module-dir",
                        err, errlen);
    }
    if (strcmp(k, "user") == 0)
        return set_str(&c->user, v, k, err, errlen);
    if (strcmp(k, "pidfile") == 0) {
        if (v[0] != '/') {
            snprintf(err, errlen, "pidfile %s: an absolute path expected", v);
            return -1;
        }
        return set_str(&c->pidfile, v, k, err, errlen);
    }
    if (strcmp(k, "log-level") == 0) {
        int l = log_level_from_name(v);

        if (c->log_level != -1) {
            snprintf(err, errlen, "log-level given twice");
            return -1;
        }
        if (l < 0) {
            snprintf(err, errlen, "log-level %s: one of err, warning, notice, "
                     "info, debug expected", v);
            return -1;
        }
        c->log_level = l;
        return 0;
    }
    if (strcmp(k, "max-calls-per-connection") == 0) {
        if (c->max_conn_calls_set) {
            snprintf(err, errlen, "%s given twice", k);
            return -1;
        }
        if (parse_num(v, 0, 1000000, 0, &n) != 0) {
            snprintf(err, errlen, "%s %s: a number from 0 to 1000000 expected", k, v);
            return -1;
        }
        c->max_conn_calls = n;
        c->max_conn_calls_set = 1;
        return 0;
    }
    if (strcmp(k, "max-connections") == 0 || strcmp(k, "max-request-size") == 0) {
        int conns = k[4] == 'c';
        unsigned long *dst = conns ? &c->max_connections : &c->max_request_size;

        if (*dst != 0) {
            snprintf(err, errlen, "%s given twice", k);
            return -1;
        }
        /* The ranges RpcrtServerSetOption accepts (rpcrt_ext.h). */
        if (conns ? parse_num(v, 1, 1000000, 0, &n)
                  : parse_num(v, 4096, 1024ul * 1024 * 1024, 1, &n)) {
            snprintf(err, errlen, "%s %s: %s expected", k, v,
                     conns ? "a number from 1 to 1000000"
                           : "a size from 4096 to 1g");
            return -1;
        }
        *dst = n;
        return 0;
    }
    if (strcmp(k, "idle-timeout") == 0 || strcmp(k, "bind-timeout") == 0 ||
        strcmp(k, "shutdown-timeout") == 0) {
        unsigned long *dst;
        int *set;
        unsigned long max = 86400ul * 365;

        if (k[0] == 'i') {
            dst = &c->idle_timeout;
            set = &c->idle_timeout_set;
        } else if (k[0] == 'b') {
            dst = &c->bind_timeout;
            set = &c->bind_timeout_set;
        } else {
            dst = &c->shutdown_timeout;
            set = &c->shutdown_timeout_set;
            max = 3600;
        }
        if (*set) {
            snprintf(err, errlen, "%s given twice", k);
            return -1;
        }
        if (parse_num(v, 0, max, 0, &n) != 0) {
            snprintf(err, errlen, "%s %s: seconds from 0 to %lu expected", k, v, max);
            return -1;
        }
        *dst = n;
        *set = 1;
        return 0;
    }
    snprintf(err, errlen, "unknown directive \"%s\"", k);
    return -1;
}

int
conf_load(const char *path, struct rpcd_conf *c, int *missing, char *err,
          size_t errlen)
{
    char *line = NULL, why[256];
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    FILE *f;
    int r = 0;

    *missing = 0;
    if ((f = fopen(path, "re")) == NULL) {
        *missing = errno == ENOENT;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if ((c->path = strdup(path)) == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len > CONF_LINE_MAX) {
            snprintf(err, errlen, "%s:%u: line too long", path, lineno);
            r = -1;
            break;
        }
        if (strlen(line) != (size_t)len) {
            snprintf(err, errlen, "%s:%u: NUL byte", path, lineno);
            r = -1;
            break;
        }
        if (conf_line(c, line, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
            r = -1;
            break;
        }
    }
    if (r == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        r = -1;
    }
    free(line);
    fclose(f);
    return r;
}
