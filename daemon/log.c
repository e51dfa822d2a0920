/*
 * daemon/log.c -- rpcd's log, after OpenBSD's log.c (smtpd, relayd):
 * log_warn appends strerror(errno), log_warnx does not, fatal exits.
 *
 * In the foreground (-d) everything goes to stderr, one line per message,
 * "rpcd: " first.  As a daemon it goes to syslog(3), facility daemon;
 * until the daemon detaches (log_detached) a copy goes to stderr too, so
 * that a start-up failure is seen by whoever started it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "daemon/rpcd.h"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_fg = 1;               /* stderr only */
static int log_tty = 1;              /* daemon not detached yet */
static int log_lvl = LOG_NOTICE;

static const char *const level_names[] = {
    [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
    [LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
    [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void
log_init(int foreground, int level)
{
    pthread_mutex_lock(&log_mu);
    log_fg = foreground;
    log_tty = 1;
    log_lvl = level;
    if (!foreground)
        openlog("rpcd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    pthread_mutex_unlock(&log_mu);
}

void
log_setlevel(int level)
{
    if (level < LOG_ERR)
        level = LOG_ERR;
    if (level > LOG_DEBUG)
        level = LOG_DEBUG;
    pthread_mutex_lock(&log_mu);
    log_lvl = level;
    pthread_mutex_unlock(&log_mu);
}

int
log_getlevel(void)
{
    int l;

    pthread_mutex_lock(&log_mu);
    l = log_lvl;
    pthread_mutex_unlock(&log_mu);
    return l;
}

void
log_detached(void)
{
    pthread_mutex_lock(&log_mu);
    log_tty = 0;
    pthread_mutex_unlock(&log_mu);
}

void
log_reopen(void)
{
    pthread_mutex_lock(&log_mu);
    if (!log_fg) {
        closelog();
        openlog("rpcd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    }
    pthread_mutex_unlock(&log_mu);
}

int
log_level_from_name(const char *name)
{
    for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    if (strcasecmp(name, "error") == 0)
        return LOG_ERR;
    if (strcasecmp(name, "warn") == 0)
        return LOG_WARNING;
    return -1;
}

const char *
log_level_name(int level)
{
    if (level < LOG_EMERG || level > LOG_DEBUG)
        return "?";
    return level_names[level];
}

static void vlog(int level, int with_errno, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vlog(int level, int with_errno, const char *fmt, va_list ap)
{
    char msg[1024];
    int err = errno;
    size_t n;

    pthread_mutex_lock(&log_mu);
    if (level > log_lvl) {
        pthread_mutex_unlock(&log_mu);
        errno = err;
        return;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (with_errno) {
        n = strlen(msg);
        snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
    }
    if (log_fg || log_tty)
        fprintf(stderr, "rpcd: %s\n", msg);
    if (!log_fg)
        syslog(level, "%s", msg);
    pthread_mutex_unlock(&log_mu);
    errno = err;
}

void
log_msg(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(level, 0, fmt, ap);
    va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_WARNING, 1, fmt, ap);
    va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_WARNING, 0, fmt, ap);
    va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_NOTICE, 0, fmt, ap);
    va_end(ap);
}

void
log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_INFO, 0, fmt, ap);
    va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_DEBUG, 0, fmt, ap);
    va_end(ap);
}

void
fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_ERR, 1, fmt, ap);
    va_end(ap);
    exit(1);
}

void
fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_ERR, 0, fmt, ap);
    va_end(ap);
    exit(1);
}

void
log_runtime(int level, const char *msg, void *ctx)
{
    (void)ctx;
    log_msg(level, "runtime: %s", msg);
}

void
log_module(int level, const char *msg)
{
    if (level < LOG_ERR)
        level = LOG_ERR;
    log_msg(level, "%s", msg);
}

const char *
log_status(RPC_STATUS st, char *buf, size_t size)
{
    unsigned char text[DCE_C_ERROR_STRING_LEN];

    DceErrorInqText(st, text);
    snprintf(buf, size, "%s (%ld)", (char *)text, (long)st);
    return buf;
}
