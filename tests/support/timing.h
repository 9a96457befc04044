/*
 * Time bounds that hold on a loaded machine. A test that asserts how long
 * something took measures, around it, how late this process wakes up from
 * short sleeps (timing_lateness_ms) and widens its upper bound by that much
 * per wake-up the measured work depends on: on an idle machine the bound is
 * as tight as before, under load it grows with the delay the load causes,
 * so it still catches work that takes several times longer than promised.
 * Lower bounds need no slack (load only makes things slower).
 *
 * Thread use: any thread; no shared state.
 */
#ifndef SLOEVAL_TEST_TIMING_H
#define SLOEVAL_TEST_TIMING_H

/* Milliseconds on the monotonic clock. */
double timing_now_ms(void);

/* Sleep `ms` milliseconds (resumed after a signal). */
void timing_sleep_ms(long ms);

/* The worst lateness, in ms, of a few 1 ms sleeps taken now (about 10 ms
 * of sleeping): how long a wake-up may be delayed at the current load. */
double timing_lateness_ms(void);

/* SLOEVAL_TEST_TIME_SCALE when set to a positive integer, else `deflt`. */
int timing_scale(int deflt);

#endif
