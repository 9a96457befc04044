/*
 * Values (internal): label sets, samples, series, instant vectors,
 * matrices, scalars and strings, as Prometheus's promql package has them.
 *
 * Ownership: a label set is immutable once made and is shared by pointer
 * between every series, vector element and result that carries it; it
 * lives in the arena it was made in (a store's, or an evaluation's). Sample
 * arrays are never copied to attach labels.
 */
#ifndef SLOEVAL_MODEL_MODEL_H
#define SLOEVAL_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/names.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/utf8.h"

/* ---- label sets ------------------------------------------------------ */

typedef struct label {
    strv name;
    strv value;
} label;

/* Sorted by name (byte order), names unique, no empty values. */
typedef struct labels {
    uint64_t hash; /* labels_hash of all pairs */
    size_t count;
    label pairs[];
} labels;

#define METRIC_NAME_LABEL "__name__"

/* The empty label set (static, shared). */
const labels *labels_empty(void);

/*
 * A label set from n pairs in any order; pairs with an empty value are
 * dropped (Prometheus treats them as absent). Names and values are copied
 * into `a` unless `borrow` is true (then they must outlive the set).
 * Returns NULL when out of memory or when a name repeats (*dup set true).
 */
const labels *labels_make(arena *a, const label *pairs, size_t n, bool borrow, bool *dup);

/* The value of `name`, or a strv with ptr NULL when absent. */
strv labels_get(const labels *ls, strv name);

bool labels_equal(const labels *a, const labels *b);

/* Prometheus's labels.Compare order (for sorted output). */
int labels_compare(const labels *a, const labels *b);

/* Copies with changes, in `a`; NULL when out of memory. */
const labels *labels_drop_name(arena *a, const labels *ls);
const labels *labels_keep_only(arena *a, const labels *ls, const strv *names, size_t n);
const labels *labels_drop(arena *a, const labels *ls, const strv *names, size_t n, bool also_name);
/* name=value added or replaced; an empty value deletes the name. */
const labels *labels_set(arena *a, const labels *ls, strv name, strv value);

/*
 * Hash of a subset of the pairs without allocating: with `on` the listed
 * names only, otherwise every pair but the listed names and __name__.
 * Equal subsets hash equal; callers still compare with labels_subset_equal.
 */
uint64_t labels_hash_subset(const labels *ls, const strv *names, size_t n, bool on);
bool labels_subset_equal(const labels *a, const labels *b, const strv *names, size_t n, bool on);

/* {a="x", b="y"} in Prometheus's String() form, into a malloc'd string. */
char *labels_to_string(const labels *ls);

/* The same, appended to sb. */
void labels_append_string(strbuf *sb, const labels *ls);

/*
 * A label set from n pairs already sorted by name with unique names and no
 * empty values (the caller guarantees it); the pairs' strings are shared,
 * not copied. The pair array is copied into `a`.
 */
const labels *labels_from_sorted(arena *a, const label *pairs, size_t n);

/* Sort n pairs by name (labels_make's order; equal names in any order). */
void labels_sort_pairs(label *pairs, size_t n);

/* labels_make's hash of n pairs sorted by name, unique, no empty values. */
uint64_t labels_hash_sorted(const label *pairs, size_t n);

/* Go's strconv.Quote of s (double quotes, Go escapes, \x for bad UTF-8). */
void quote_go_string(strbuf *sb, strv s);

/* ---- samples and values ---------------------------------------------- */

/* One float sample: 16 bytes. */
typedef struct sample {
    int64_t t; /* milliseconds since the epoch */
    double v;
} sample;

/* Prometheus's staleness marker: a NaN with this exact bit pattern. */
#define STALE_NAN_BITS 0x7ff0000000000002ULL

static inline bool value_is_stale(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    return bits == STALE_NAN_BITS;
}

static inline double stale_nan(void)
{
    uint64_t bits = STALE_NAN_BITS;
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

/* A series: a label set and its samples in time order. */
typedef struct series {
    const labels *labels;
    sample *samples;
    size_t count;
} series;

/* An element of an instant vector. */
typedef struct vector_elem {
    const labels *labels;
    int64_t t;
    double v;
} vector_elem;

typedef struct vector {
    vector_elem *items;
    size_t count;
    size_t cap;
} vector;

typedef struct matrix {
    series *items;
    size_t count;
    size_t cap;
} matrix;

typedef enum value_kind {
    VALUE_NONE = 0,
    VALUE_SCALAR,
    VALUE_VECTOR,
    VALUE_MATRIX,
    VALUE_STRING,
} value_kind;

/* The result of an evaluation or a server query. */
typedef struct value {
    value_kind kind;
    int64_t t; /* evaluation time, for scalars and strings */
    union {
        double scalar;
        vector vector;
        matrix matrix;
        strv string;
    } u;
} value;

/* Append to arena-owned arrays; 0 or -1 when out of memory. */
int vector_push(arena *a, vector *v, const labels *ls, int64_t t, double val);
int matrix_push(arena *a, matrix *m, const labels *ls, sample *samples, size_t count);

/*
 * Prometheus's float formatting for API values (util/jsonutil MarshalValue):
 * the shortest decimal that reads back as the same double (Go's
 * strconv.AppendFloat(v, fmt, -1, 64)), with fmt 'e' when 0 < |v| < 1e-6 or
 * |v| >= 1e21 ("1e-07", "1.5e+21") and 'f' otherwise; "NaN", "+Inf", "-Inf".
 * Returns the length written (buf must hold at least 40 bytes).
 */
size_t format_float(char *buf, size_t size, double v);

/*
 * The same digits in Go's layouts, strconv.FormatFloat(v, mode, -1, 64):
 * mode 'f' (as Prometheus formats scalar results: 1e300 is "1" and 300
 * zeros), 'e', or 'g' (what fmt's %v prints, as Prometheus's error
 * messages and count_values' label values show numbers: the exponent form
 * when the exponent is < -4 or >= 6, "1e+06", "1e-05"). Returns the length
 * the text has (snprintf style: it is cut to fit size; 'f' needs at most
 * 330).
 */
size_t format_float_mode(char *buf, size_t size, double v, char mode);

/*
 * Parse a float the way Prometheus reads sample values from text (Go's
 * strconv.ParseFloat without hex, 'p' exponents or '_', as the exposition
 * parsers call it): decimal with optional sign, fraction and exponent, and
 * "NaN", "Inf", "+Inf", "-Inf", "Infinity" in any case. The whole of s must
 * be the number. Returns 0, FLOAT_PARSE_SYNTAX, or FLOAT_PARSE_RANGE (the
 * magnitude overflows a double; Go rejects it, *out is +-Inf).
 */
#define FLOAT_PARSE_SYNTAX (-1)
#define FLOAT_PARSE_RANGE  (-2)
int float_parse(double *out, strv s);

/*
 * Timestamps in API responses (jsonutil MarshalTimestamp): integer seconds,
 * then, when ms % 1000 != 0, '.' and the milliseconds as three digits
 * ("1435781451.781", "1435781451.050", "1435781451"). buf >= 32 bytes.
 */
size_t format_timestamp(char *buf, size_t size, int64_t ms);

#endif /* SLOEVAL_MODEL_MODEL_H */
