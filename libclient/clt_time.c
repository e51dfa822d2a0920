/* libclient/clt_time.c -- deadlines on CLOCK_MONOTONIC. */
#include "libclient/clt.h"

void
clt_deadline_none(clt_deadline *d)
{
    d->tv_sec = -1;
    d->tv_nsec = 0;
}

void
clt_deadline_in_ms(clt_deadline *d, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, d);
    d->tv_sec += ms / 1000;
    d->tv_nsec += (ms % 1000) * 1000000L;
    if (d->tv_nsec >= 1000000000L) {
        d->tv_sec++;
        d->tv_nsec -= 1000000000L;
    }
}

int
clt_deadline_ms_left(const clt_deadline *d)
{
    struct timespec now;
    long long ms;

    if (d == NULL || d->tv_sec < 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long)(d->tv_sec - now.tv_sec) * 1000 +
         (d->tv_nsec - now.tv_nsec) / 1000000;
    /* Round up so that a wait never ends before the deadline. */
    if ((d->tv_nsec - now.tv_nsec) % 1000000 > 0)
        ms++;
    if (ms < 0)
        return 0;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}
