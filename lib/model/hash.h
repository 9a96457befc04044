/*
 * A fast 64-bit hash for label sets and strings (internal): a
 * multiply-and-fold mix in the style of wyhash. It is not Prometheus's
 * xxhash and need not be: hashes never leave the process.
 */
#ifndef SLOEVAL_MODEL_HASH_H
#define SLOEVAL_MODEL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_P0          0xa0761d6478bd642fULL
#define HASH_P1          0xe7037ed1a0b428dbULL
#define HASH_P2          0x8ebc6af09c88c6e3ULL
#define HASH_P3          0x589965cc75374cc3ULL
#define HASH_SEED_LABELS 0x2d358dccaa6c78a5ULL
#define HASH_SEP         0x1d8e4e27c47d124fULL

/* 64x64 -> 128 multiply, folded to 64 bits by xor of the halves. */
static inline uint64_t hash_mum(uint64_t a, uint64_t b)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    uint64_t ha = a >> 32, hb = b >> 32, la = (uint32_t)a, lb = (uint32_t)b;
    uint64_t rh = ha * hb, rm0 = ha * lb, rm1 = hb * la, rl = la * lb;
    uint64_t t = rl + (rm0 << 32), c = t < rl;
    uint64_t lo = t + (rm1 << 32);
    c += lo < t;
    uint64_t hi = rh + (rm0 >> 32) + (rm1 >> 32) + c;
    return lo ^ hi;
#endif
}

static inline uint64_t hash_read64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Mix n bytes at p into state h. The length is mixed in, so consecutive
 * strings hashed one after the other cannot run into each other. */
static inline uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    h ^= hash_mum((uint64_t)n ^ HASH_P0, HASH_P1);
    while (n >= 16) {
        h = hash_mum(hash_read64(p) ^ HASH_P1, hash_read64(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        a = hash_read64(p);
        p += 8;
        n -= 8;
    }
    if (n) memcpy(&b, p, n);
    return hash_mum(a ^ HASH_P2 ^ h, b ^ HASH_P3);
}

static inline uint64_t hash_finish(uint64_t h, size_t n)
{
    return hash_mum(h ^ HASH_P0, (uint64_t)n ^ HASH_P1);
}

/* Hash of one string. */
static inline uint64_t hash_string(const void *data, size_t n)
{
    return hash_finish(hash_bytes(HASH_P3, data, n), n);
}

#endif
