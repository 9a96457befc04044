/*
 * Renderers of check reports (internal): text, JSON, JUnit XML and the
 * Prometheus text exposition, each appending to a strbuf from the public
 * getters of sloeval_check_report (the same outputs for the CLI and for
 * programs that embed the library). Output is always valid UTF-8: bytes
 * that are not (label values can hold anything) become U+FFFD.
 */
#ifndef SLOEVAL_REPORT_REPORT_H
#define SLOEVAL_REPORT_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "check/results.h"
#include "sloeval/check.h"
#include "util/strbuf.h"

void report_text(strbuf *sb, const sloeval_check_report *r, bool color);
void report_json(strbuf *sb, const sloeval_check_report *r);
void report_junit(strbuf *sb, const sloeval_check_report *r);
void report_prom(strbuf *sb, const sloeval_check_report *r, int64_t last_run_ms);

/* ---- helpers shared by the renderers (escape.c) ------------------------- */

/* A JSON string literal, quotes included. */
void report_json_string(strbuf *sb, const char *s);

/* A number as JSON: the shortest text that reads back exactly; null for NaN and infinities. */
void report_json_number(strbuf *sb, double v);

/* Text for XML character data and attribute values (& < > " ' escaped,
 * characters XML 1.0 forbids replaced by U+FFFD). */
void report_xml_text(strbuf *sb, const char *s);

/* The same for element content, where newlines and tabs stay as they are. */
void report_xml_content(strbuf *sb, const char *s);

/* A label value in the exposition format (\\, \", \n escaped). */
void report_prom_label_value(strbuf *sb, const char *s);

/* A sample value in the exposition format (Go's shortest form, NaN, +Inf, -Inf). */
void report_prom_number(strbuf *sb, double v);

/* Valid UTF-8 of s: invalid sequences become U+FFFD. */
void report_utf8(strbuf *sb, const char *s);

/* RFC 3339 UTC of ms since the epoch: "2024-01-01T06:00:00Z" (".123Z" with ms). */
void report_rfc3339(strbuf *sb, int64_t ms);

/* Unix seconds with milliseconds when not whole: "1704088800", "1704088800.5". */
void report_unix_seconds(strbuf *sb, int64_t ms);

#endif
