/* Timing helpers shared by the benchmarks (bench/bench_*.c). */
#ifndef SLOEVAL_BENCH_UTIL_H
#define SLOEVAL_BENCH_UTIL_H

/* Seconds on the monotonic clock. */
double bench_now_s(void);

/* qsort's comparison of two doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/* The median of v[0 .. n) (n > 0; the mean of the middle two when n is
 * even). Sorts v. */
double bench_median(double *v, int n);

#endif
