/*
 * Text as Prometheus (Go) reads and writes it (internal): numbers,
 * durations, quoted strings and JSON strings. Nothing here looks at the C
 * locale: digits are read and written by this module's own code, so a
 * program that called setlocale(LC_ALL, "de_DE.UTF-8") gets the same bytes
 * as one in the "C" locale. The rest of the library reads and writes
 * numbers, durations and quoted strings only through this module (a test,
 * tests/unit/check_text_callers, greps for strtod and printf of floats
 * elsewhere). UTF-8 is util/utf8.h, part of the same module.
 *
 * All functions are thread-safe and keep no state.
 */
#ifndef SLOEVAL_UTIL_TEXT_H
#define SLOEVAL_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"
#include "util/utf8.h"

/* ---- numbers ------------------------------------------------------------ */

enum {
    TEXT_OK = 0,
    TEXT_SYNTAX = -1, /* not a number in the accepted syntax */
    TEXT_RANGE = -2,  /* a number, but too large: *out is +-Inf, as Go sets it */
};

/*
 * Go's strconv.ParseFloat(s, 64): an optional sign, then decimal digits
 * with an optional '.' and an optional exponent ("1.5e300", ".5", "5."),
 * or a hexadecimal mantissa with a mandatory 'p' exponent ("0x1.8p1"),
 * '_' between digits only after a base prefix ("0x_1p0"), or "Inf",
 * "Infinity" (optionally signed) or "NaN" in any case. Correctly rounded
 * (round half to even), subnormals included. Returns TEXT_OK,
 * TEXT_SYNTAX (*out is 0) or TEXT_RANGE (*out is +-Inf).
 */
int text_parse_float(double *out, const char *s, size_t n);

/*
 * Go's strconv.ParseInt(s, 0, 64) for an unsigned literal: decimal, 0x
 * hex, 0o or leading-0 octal, 0b binary, '_' between digits. TEXT_RANGE
 * when it does not fit in int64.
 */
int text_parse_int(int64_t *out, const char *s, size_t n);

/*
 * A PromQL number literal as Prometheus's parser reads it (number()):
 * ParseInt(s, 0, 64) (so "0x1f" and "017" are integers), else ParseFloat.
 */
int text_parse_promql_number(double *out, const char *s, size_t n);

/*
 * Go's strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'f' or 'g':
 * prec -1 gives the shortest digits that read back as v (of those, the
 * closest to v); prec >= 0 rounds v exactly, half to even. NaN is "NaN",
 * infinities are "+Inf" and "-Inf". Writes at most size-1 bytes and a NUL
 * (snprintf's contract) and returns the full length. (Equal to Go 1.26's
 * FormatFloat on 200k doubles of every kind, each in six forms.)
 */
size_t text_format_float(char *buf, size_t size, double v, char fmt, int prec);

/* Enough room for any 'e' or 'g' result, and for 'f' with prec -1 of
 * numbers below 1e21 and above 1e-7 (what Prometheus writes that way). */
#define TEXT_FLOAT_BUF 48

/*
 * Sample values as sloeval has always written them in JSON and reports:
 * the shortest digits, 'f' layout for 1e-6 <= |v| < 1e21 and 'e' layout
 * otherwise (encoding/json's rule), NaN, +Inf, -Inf.
 */
size_t text_format_sample(char *buf, size_t size, double v);

/* text_format_float appended to sb. */
void text_append_float(strbuf *sb, double v, char fmt, int prec);

/* ---- durations ---------------------------------------------------------- */

/*
 * Prometheus's model.ParseDuration: one or more <integer><unit> terms,
 * units y, w, d, h, m, s, ms in this order, each at most once ("1h30m",
 * "5m", "100ms"), or "0"; 1y = 365d, 1w = 7d; at most 2^63-1 ns. Reads
 * milliseconds into *out. On error returns TEXT_SYNTAX or TEXT_RANGE and
 * sets *why (when not NULL) to a static reason for people ("a duration has
 * no sign", "unknown unit ...").
 */
int text_parse_duration(int64_t *out, const char *s, size_t n, const char **why);

/* model.Duration.String(): "1h30m", "0s", "1y2w", "-5m", "500ms". */
size_t text_format_duration(char *buf, size_t size, int64_t ms);

/* Enough room for any text_format_duration() result. */
#define TEXT_DURATION_BUF 64

/* ---- quoting ------------------------------------------------------------ */

/*
 * Go's unicode.IsPrint (Unicode 15.0, as in the Go that builds Prometheus):
 * letters, marks, numbers, punctuation, symbols and the ASCII space.
 */
bool text_rune_is_print(uint32_t r);

/*
 * Go's strconv.Quote, which Prometheus uses for label values in
 * Labels.String(), for strings and matchers in printed PromQL and in error
 * messages: '"' and '\\' escaped, \a \b \f \n \r \t \v, other
 * non-printable runes (per text_rune_is_print: U+00A0 too) as \xNN (below
 * U+0080), \uNNNN or \UNNNNNNNN, bytes that are not UTF-8 as \xNN.
 * quote is '"' for Quote, '\'' for QuoteRune. (Equal to Go's Quote on 200k
 * random strings.)
 */
void text_append_quoted(strbuf *sb, const char *s, size_t n, char quote);

/*
 * text_append_quoted with '"', except that a U+FFFD in s is written as
 * \ufffd: Prometheus's lexer refuses the raw rune inside a string, so
 * printed PromQL must escape it to read back.
 */
void text_append_quoted_promql(strbuf *sb, const char *s, size_t n);

/* The same into a buffer (snprintf's contract; returns the full length). */
size_t text_quote(char *buf, size_t size, const char *s, size_t n);

/* ---- JSON --------------------------------------------------------------- */

enum {
    /* Escape <, > and & as \u003c, \u003e, \u0026, as Go's encoding/json
     * does by default (Prometheus's API responses). */
    TEXT_JSON_HTML = 1,
};

/*
 * A JSON string as Prometheus's API writes one (jsoniter, like Go's
 * encoding/json before Go 1.22, which added \b and \f): '"' and '\\'
 * escaped, \n \r \t, other controls below U+0020 as \u00XX, U+2028 and
 * U+2029 as \u2028 and \u2029, bytes that are not UTF-8 as \ufffd,
 * everything else as it is (checked against encoding/json on 200k random
 * strings: only \b and \f differ).
 */
void text_append_json_string(strbuf *sb, const char *s, size_t n, unsigned flags);

#endif
