/*
 * daemon/modules.c -- loading server modules (rpcd_module(3)).
 *
 * A module is a shared object with an RpcdModuleInit entry point (and an
 * optional RpcdModuleFini), see <rpcrt/rpcd_module.h>.  Modules load only
 * from what the configuration or the command line names -- a path, or
 * NAME.so in a configured module-dir, or every *.so of a module-dir --
 * never through the dynamic linker's search path: dlopen(3) always gets a
 * path with a '/'.  Before loading, the file must be a regular file owned
 * by root or by the user running rpcd, and neither it nor its directory
 * may be writable by others: whoever can replace a module runs code in
 * rpcd (sshd's StrictModes reasoning).
 *
 * Which interfaces a module brought is learned by asking the runtime
 * (RpcMgmtInqIfIds) before and after its RpcdModuleInit; rpcd's endpoint
 * map annotates them with the module's name.  Modules are unloaded only
 * at exit, after the runtime has shut down (no call can be running in
 * their code any more).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <rpcrt/rpcd_module.h>

#include "daemon/rpcd.h"

struct module {
    struct module *next;
    char *name;
    char *path;
    void *dl;
    RPCD_MODULE_FINI_FN fini;
    RPC_IF_ID *ifs;                  /* interfaces its init registered */
    size_t nifs;
};

/* The main thread loads and unloads; epm_srv_sync (main thread too)
 * reads.  The lock keeps it correct should that change. */
static pthread_mutex_t mod_mu = PTHREAD_MUTEX_INITIALIZER;
static struct module *mods, **mods_tail = &mods;
static size_t nmods;

static int
if_id_eq(const RPC_IF_ID *a, const RPC_IF_ID *b)
{
    return memcmp(&a->Uuid, &b->Uuid, sizeof(a->Uuid)) == 0 &&
           a->VersMajor == b->VersMajor && a->VersMinor == b->VersMinor;
}

/* "dir/librpctest.so" -> "librpctest". */
static char *
module_name(const char *path)
{
    const char *b = strrchr(path, '/');
    size_t n;
    char *s;

    b = b != NULL ? b + 1 : path;
    n = strlen(b);
    if (n > 3 && strcmp(b + n - 3, ".so") == 0)
        n -= 3;
    if ((s = malloc(n + 1)) == NULL)
        return NULL;
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

static int
safe_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    char dir[PATH_MAX], *slash;

    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        return -1;
    }
    if (st.st_uid != 0 && st.st_uid != getuid() && st.st_uid != geteuid()) {
        snprintf(err, errlen, "%s: owned by uid %lu, neither root nor us",
                 path, (unsigned long)st.st_uid);
        return -1;
    }
    if (st.st_mode & S_IWOTH) {
        snprintf(err, errlen, "%s: writable by anyone", path);
        return -1;
    }
    snprintf(dir, sizeof(dir), "%s", path);
    if ((slash = strrchr(dir, '/')) != NULL) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) &&
            !(st.st_mode & S_ISVTX)) {
            snprintf(err, errlen, "%s: directory %s writable by anyone", path, dir);
            return -1;
        }
    }
    return 0;
}

/* Unregisters what a failed init left registered (RpcServerUnregisterIf
 * matches on the interface id only), waiting for its calls. */
static void
unregister_ids(const RPC_IF_ID *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        RPC_SERVER_INTERFACE spec;

        memset(&spec, 0, sizeof(spec));
        spec.Length = sizeof(spec);
        spec.InterfaceId.SyntaxGUID = ids[i].Uuid;
        spec.InterfaceId.SyntaxVersion.MajorVersion = ids[i].VersMajor;
        spec.InterfaceId.SyntaxVersion.MinorVersion = ids[i].VersMinor;
        RpcServerUnregisterIf(&spec, NULL, 1);
    }
}

/* The interfaces in after that are not in before (malloc'ed). */
static RPC_IF_ID *
new_ids(RPC_IF_ID_VECTOR *before, RPC_IF_ID_VECTOR *after, size_t *n)
{
    RPC_IF_ID *v;

    *n = 0;
    if (after == NULL || after->Count == 0)
        return NULL;
    if ((v = calloc(after->Count, sizeof(*v))) == NULL)
        return NULL;
    for (unsigned long i = 0; i < after->Count; i++) {
        int seen = 0;

        for (unsigned long j = 0; before != NULL && j < before->Count; j++)
            if (if_id_eq(after->IfId[i], before->IfId[j]))
                seen = 1;
        if (!seen)
            v[(*n)++] = *after->IfId[i];
    }
    return v;
}

int
modules_load(const char *file, int verbose, char *err, size_t errlen)
{
    RPC_IF_ID_VECTOR *before = NULL, *after = NULL;
    RPCD_MODULE_INIT_FN init;
    RPCD_MODULE_INFO info;
    struct module *m;
    char path[PATH_MAX], sbuf[128];
    RPC_STATUS st;

    if (realpath(file, path) == NULL) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    if ((m = calloc(1, sizeof(*m))) == NULL ||
        (m->name = module_name(path)) == NULL ||
        (m->path = strdup(path)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    pthread_mutex_lock(&mod_mu);
    for (struct module *o = mods; o != NULL; o = o->next) {
        if (strcmp(o->name, m->name) == 0) {
            pthread_mutex_unlock(&mod_mu);
            if (strcmp(o->path, m->path) != 0)
                log_notice("module %s: %s already loaded from %s; skipped",
                           m->name, path, o->path);
            free(m->name);
            free(m->path);
            free(m);
            return 0;
        }
    }
    pthread_mutex_unlock(&mod_mu);
    if (safe_file(path, err, errlen) != 0)
        goto fail;

    if ((st = RpcMgmtInqIfIds(NULL, &before)) != RPC_S_OK) {
        snprintf(err, errlen, "%s: %s", path, log_status(st, sbuf, sizeof(sbuf)));
        goto fail;
    }
    /* RTLD_NOW: an unresolved symbol fails here, not in a call later. */
    if ((m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        snprintf(err, errlen, "%s", dlerror());
        goto fail;
    }
    *(void **)(&init) = dlsym(m->dl, RPCD_MODULE_INIT_SYMBOL);
    if (init == NULL) {
        snprintf(err, errlen, "%s: no %s", path, RPCD_MODULE_INIT_SYMBOL);
        goto fail;
    }
    *(void **)(&m->fini) = dlsym(m->dl, RPCD_MODULE_FINI_SYMBOL);

    memset(&info, 0, sizeof(info));
    info.AbiVersion = RPCD_MODULE_ABI_VERSION;
    info.Name = m->name;
    info.Path = m->path;
    info.Verbose = verbose;
    info.Log = log_module;
    st = init(&info);
    if (RpcMgmtInqIfIds(NULL, &after) == RPC_S_OK)
        m->ifs = new_ids(before, after, &m->nifs);
    if (st != RPC_S_OK) {
        snprintf(err, errlen, "%s: %s failed: %s", path, RPCD_MODULE_INIT_SYMBOL,
                 log_status(st, sbuf, sizeof(sbuf)));
        unregister_ids(m->ifs, m->nifs);
        goto fail;
    }
    RpcIfIdVectorFree(&before);
    RpcIfIdVectorFree(&after);
    if (m->nifs == 0)
        log_warnx("module %s registered no interface", m->name);
    log_info("module %s loaded from %s (%zu interface%s)", m->name, path,
             m->nifs, m->nifs == 1 ? "" : "s");
    pthread_mutex_lock(&mod_mu);
    *mods_tail = m;
    mods_tail = &m->next;
    nmods++;
    pthread_mutex_unlock(&mod_mu);
    return 0;
fail:
    RpcIfIdVectorFree(&before);
    RpcIfIdVectorFree(&after);
    if (m != NULL) {
        if (m->dl != NULL)
            dlclose(m->dl);
        free(m->ifs);
        free(m->name);
        free(m->path);
        free(m);
    }
    return -1;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
push(char **out, size_t *n, size_t max, const char *dir, const char *file,
     char *err, size_t errlen)
{
    char *s;

    if (*n == max) {
        snprintf(err, errlen, "more than %zu modules", max);
        return -1;
    }
    if (dir != NULL) {
        size_t len = strlen(dir) + 1 + strlen(file) + 1;

        if ((s = malloc(len)) != NULL)
            snprintf(s, len, "%s/%s", dir, file);
    } else {
        s = strdup(file);
    }
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out[(*n)++] = s;
    return 0;
}

/* Every *.so in dir, sorted. */
static int
scan_dir(const char *dir, char **out, size_t *n, size_t max, char *err,
         size_t errlen)
{
    char *names[256];
    size_t k = 0;
    struct dirent *d;
    DIR *dp;
    int r = 0;

    if ((dp = opendir(dir)) == NULL) {
        /* A module-dir that does not exist holds no module (the built-in
         * default one exists only once something is installed there). */
        if (errno != ENOENT)
            log_warn("module-dir %s", dir);
        return 0;
    }
    while ((d = readdir(dp)) != NULL && r == 0) {
        size_t len = strlen(d->d_name);

        if (d->d_name[0] == '.' || len < 4 || strcmp(d->d_name + len - 3, ".so") != 0)
            continue;
        if (k == sizeof(names) / sizeof(names[0])) {
            snprintf(err, errlen, "module-dir %s: too many modules", dir);
            r = -1;
        } else if ((names[k] = strdup(d->d_name)) == NULL) {
            snprintf(err, errlen, "out of memory");
            r = -1;
        } else {
            k++;
        }
    }
    closedir(dp);
    qsort(names, k, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < k; i++) {
        if (r == 0)
            r = push(out, n, max, dir, names[i], err, errlen);
        free(names[i]);
    }
    return r;
}

int
modules_resolve(const struct rpcd_conf *c, char **out, size_t *n, size_t max,
                char *err, size_t errlen)
{
    for (size_t i = 0; i < c->nmodules; i++) {
        const char *m = c->modules[i];
        struct stat st;
        int found = 0;

        if (strchr(m, '/') != NULL) {
            if (stat(m, &st) != 0) {
                snprintf(err, errlen, "module %s: %s", m, strerror(errno));
                return -1;
            }
            if (push(out, n, max, NULL, m, err, errlen) != 0)
                return -1;
            continue;
        }
        /* A bare name: NAME.so, or NAME itself, in the module-dirs. */
        for (size_t d = 0; d < c->nmodule_dirs && !found; d++) {
            char p[PATH_MAX];

            snprintf(p, sizeof(p), "%s/%s.so", c->module_dirs[d], m);
            if (stat(p, &st) != 0)
                snprintf(p, sizeof(p), "%s/%s", c->module_dirs[d], m);
            if (stat(p, &st) == 0) {
                if (push(out, n, max, NULL, p, err, errlen) != 0)
                    return -1;
                found = 1;
            }
        }
        if (!found) {
            snprintf(err, errlen, "module %s: not found in any module-dir", m);
            return -1;
        }
    }
    for (size_t d = 0; d < c->nmodule_dirs; d++)
        if (scan_dir(c->module_dirs[d], out, n, max, err, errlen) != 0)
            return -1;
    return 0;
}

void
modules_unload_all(void)
{
    struct module *list, *rev = NULL;

    pthread_mutex_lock(&mod_mu);
    list = mods;
    mods = NULL;
    mods_tail = &mods;
    nmods = 0;
    pthread_mutex_unlock(&mod_mu);
    /* Last loaded, first gone. */
    while (list != NULL) {
        struct module *next = list->next;
        list->next = rev;
        rev = list;
        list = next;
    }
    while (rev != NULL) {
        struct module *next = rev->next;

        if (rev->fini != NULL)
            rev->fini();
        dlclose(rev->dl);
        free(rev->ifs);
        free(rev->name);
        free(rev->path);
        free(rev);
        rev = next;
    }
}

const char *
modules_owner_of(const RPC_IF_ID *id)
{
    const char *name = NULL;

    pthread_mutex_lock(&mod_mu);
    for (struct module *m = mods; m != NULL && name == NULL; m = m->next)
        for (size_t i = 0; i < m->nifs; i++)
            if (if_id_eq(&m->ifs[i], id))
                name = m->name;
    pthread_mutex_unlock(&mod_mu);
    /* Module names live until modules_unload_all, after the last sync. */
    return name;
}

size_t
modules_count(void)
{
    size_t n;

    pthread_mutex_lock(&mod_mu);
    n = nmods;
    pthread_mutex_unlock(&mod_mu);
    return n;
}
