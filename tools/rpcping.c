/*
 * tools/rpcping.c -- is a DCE/MS-RPC server there, and what does it serve?
 *
 *   rpcping [-q] [-c COUNT] [-i SECONDS] [-t SECONDS] [-p PORT]
 *           [HOST | STRING-BINDING]
 *
 * Each ping opens a new binding to the server (HOST: ncacn_ip_tcp port
 * 135, -p PORT, or $RPCRT_EPM_ENDPOINT; or a string binding naming any
 * endpoint, ncalrpc included), then times two calls of the management
 * interface every DCE server offers (C706 Appendix Q):
 * is_server_listening, which includes connecting and binding, and
 * inq_if_ids.  The first answer lists the interfaces.  A ping that takes
 * longer than -t seconds is cancelled (RpcCancelThread with a cancel
 * timeout of 0: the runtime abandons the call, connect and bind
 * included).
 *
 * Exit status: 0 when every ping was answered, 1 when one was not, 2 for
 * bad usage.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rpcrt/rpc.h>

static void
usage(FILE *f)
{
    fprintf(f, "usage: rpcping [-q] [-c count] [-i seconds] [-t seconds] [-p port]\n"
               "               [host | string-binding]\n");
}

static double
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static const char *
text_of(RPC_STATUS st, char *buf, size_t size)
{
    unsigned char t[DCE_C_ERROR_STRING_LEN];

    DceErrorInqText(st, t);
    snprintf(buf, size, "%s (%ld)", (char *)t, (long)st);
    return buf;
}

/* ---- the watchdog: cancels a ping that takes too long ------------------- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t target;
    long timeout_ms;
    int armed, quit;
} wd = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0 };

static void *
watchdog(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wd.mu);
    while (!wd.quit) {
        struct timespec until;
        int r = 0;

        while (!wd.armed && !wd.quit)
            pthread_cond_wait(&wd.cv, &wd.mu);
        if (wd.quit)
            break;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wd.timeout_ms / 1000;
        until.tv_nsec += (wd.timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (wd.armed && !wd.quit && r != ETIMEDOUT)
            r = pthread_cond_timedwait(&wd.cv, &wd.mu, &until);
        if (wd.armed && r == ETIMEDOUT) {
            /* The pinging thread abandons its call at once (its cancel
             * timeout is 0). */
            RpcCancelThread(&wd.target);
            wd.armed = 0;
        }
    }
    pthread_mutex_unlock(&wd.mu);
    return NULL;
}

static void
wd_arm(int on)
{
    pthread_mutex_lock(&wd.mu);
    wd.armed = on;
    pthread_cond_signal(&wd.cv);
    pthread_mutex_unlock(&wd.mu);
}

/* ---- one ping ------------------------------------------------------------ */

static int
ping(const char *sb, int quiet, int list, double *rtt)
{
    RPC_BINDING_HANDLE h = NULL;
    RPC_IF_ID_VECTOR *ids = NULL;
    RPC_STATUS st;
    double t0, t1, t2;
    char buf[160];
    int listening;

    if ((st = RpcBindingFromStringBinding((RPC_CSTR)(uintptr_t)sb, &h)) != RPC_S_OK) {
        fprintf(stderr, "rpcping: %s: %s\n", sb, text_of(st, buf, sizeof(buf)));
        return -1;
    }
    wd_arm(1);
    t0 = now_ms();
    st = RpcMgmtIsServerListening(h);
    t1 = now_ms();
    if (st == RPC_S_OK || st == RPC_S_NOT_LISTENING) {
        listening = st == RPC_S_OK;
        st = RpcMgmtInqIfIds(h, &ids);
    } else {
        listening = 0;
    }
    t2 = now_ms();
    wd_arm(0);
    if (st != RPC_S_OK) {
        printf("%s: no answer: %s\n", sb, text_of(st, buf, sizeof(buf)));
        RpcIfIdVectorFree(&ids);
        RpcBindingFree(&h);
        return -1;
    }
    *rtt = t2 - t0;
    if (!quiet)
        printf("%s: %s, bind+is_server_listening %.2f ms, inq_if_ids %.2f ms, "
               "%lu interface%s\n", sb, listening ? "listening" : "not listening",
               t1 - t0, t2 - t1, ids->Count, ids->Count == 1 ? "" : "s");
    if (list && !quiet) {
        for (unsigned long i = 0; i < ids->Count; i++) {
            RPC_CSTR u = NULL;

            if (UuidToString(&ids->IfId[i]->Uuid, &u) == RPC_S_OK) {
                printf("  %s v%u.%u\n", (char *)u, ids->IfId[i]->VersMajor,
                       ids->IfId[i]->VersMinor);
                RpcStringFree(&u);
            }
        }
    }
    RpcIfIdVectorFree(&ids);
    RpcBindingFree(&h);
    return 0;
}

static int
parse_secs(const char *s, double max, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

int
main(int argc, char **argv)
{
    const char *target = "127.0.0.1", *port = getenv("RPCRT_EPM_ENDPOINT");
    double interval = 1.0, timeout = 5.0, sum = 0, min = 0, max = 0, d;
    unsigned long count = 1, answered = 0;
    char sb[320];
    pthread_t wtid;
    int ch, quiet = 0;

    while ((ch = getopt(argc, argv, "qc:i:t:p:h")) != -1) {
        switch (ch) {
        case 'q':
            quiet = 1;
            break;
        case 'c':
            count = strtoul(optarg, NULL, 10);
            if (count == 0 || count > 1000000) {
                fprintf(stderr, "rpcping: bad count %s\n", optarg);
                return 2;
            }
            break;
        case 'i':
            if (parse_secs(optarg, 3600, &interval) != 0) {
                fprintf(stderr, "rpcping: bad interval %s\n", optarg);
                return 2;
            }
            break;
        case 't':
            if (parse_secs(optarg, 3600, &timeout) != 0 || timeout < 0.001) {
                fprintf(stderr, "rpcping: bad timeout %s\n", optarg);
                return 2;
            }
            break;
        case 'p':
            if (strspn(optarg, "0123456789") != strlen(optarg) || atoi(optarg) < 1 ||
                atoi(optarg) > 65535) {
                fprintf(stderr, "rpcping: bad port %s\n", optarg);
                return 2;
            }
            port = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        usage(stderr);
        return 2;
    }
    if (argc > optind)
        target = argv[optind];
    if (strchr(target, ':') != NULL && strchr(target, '[') != NULL)
        snprintf(sb, sizeof(sb), "%s", target);
    else
        snprintf(sb, sizeof(sb), "ncacn_ip_tcp:%s[%s]", target,
                 port != NULL && *port != '\0' ? port : "135");

    /* A cancelled ping is abandoned at once (RpcMgmtSetCancelTimeout(3)). */
    RpcMgmtSetCancelTimeout(0);
    wd.target = pthread_self();
    wd.timeout_ms = (long)(timeout * 1000);
    if (pthread_create(&wtid, NULL, watchdog, NULL) != 0) {
        fprintf(stderr, "rpcping: cannot start a thread\n");
        return 1;
    }
    for (unsigned long i = 0; i < count; i++) {
        if (i > 0 && interval > 0) {
            struct timespec ts = {(time_t)interval,
                                  (long)((interval - (double)(time_t)interval) * 1e9)};
            nanosleep(&ts, NULL);
        }
        if (ping(sb, quiet, answered == 0, &d) != 0)
            continue;
        if (answered == 0 || d < min)
            min = d;
        if (answered == 0 || d > max)
            max = d;
        sum += d;
        answered++;
    }
    pthread_mutex_lock(&wd.mu);
    wd.quit = 1;
    pthread_cond_signal(&wd.cv);
    pthread_mutex_unlock(&wd.mu);
    pthread_join(wtid, NULL);

    printf("--- %s: %lu ping%s, %lu answered", sb, count, count == 1 ? "" : "s", answered);
    if (answered > 0)
        printf(", round trip min/avg/max %.2f/%.2f/%.2f ms", min,
               sum / (double)answered, max);
    printf("\n");
    return answered == count ? 0 : 1;
}
