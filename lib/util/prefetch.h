/*
 * A hint to fetch the cache line holding *p ahead of its use (internal).
 * Loops over many series are bound by memory latency once the data is
 * larger than the caches; asking for the lines of an element a few
 * iterations ahead overlaps those waits. Only a hint: it never faults,
 * whatever p is, and compiles to nothing where unsupported.
 */
#ifndef SLOEVAL_UTIL_PREFETCH_H
#define SLOEVAL_UTIL_PREFETCH_H

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

#endif
