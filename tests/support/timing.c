/* Time bounds that hold on a loaded machine (see timing.h). */
#include "timing.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

double timing_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void timing_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

double timing_lateness_ms(void)
{
    double worst = 0;
    for (int i = 0; i < 8; i++) {
        struct timespec want = {0, 1000000L};
        double t0 = timing_now_ms();
        while (nanosleep(&want, &want) != 0) {
        }
        double late = timing_now_ms() - t0 - 1.0;
        if (late > worst) worst = late;
    }
    return worst;
}

int timing_scale(int deflt)
{
    const char *e = getenv("SLOEVAL_TEST_TIME_SCALE");
    if (e && atoi(e) > 0) return atoi(e);
    return deflt;
}
