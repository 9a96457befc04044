/* Escaping and number formats shared by the renderers. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "report/report.h"
#include "util/text.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Calls emit(sb, cp, bytes, len) for every code point of s, with invalid
 * bytes given as U+FFFD one at a time (as Go decodes them). */
typedef void (*cp_fn)(strbuf *sb, uint32_t cp, const char *bytes, size_t len);

static void each_cp(strbuf *sb, const char *s, cp_fn emit)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            emit(sb, p[i], s + i, 1);
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0) {
            emit(sb, 0xFFFD, REPLACEMENT, 3);
            i++;
        } else {
            emit(sb, cp, s + i, len);
            i += len;
        }
    }
}

static void emit_plain(strbuf *sb, uint32_t cp, const char *bytes, size_t len)
{
    (void)cp;
    strbuf_append(sb, bytes, len);
}

void report_utf8(strbuf *sb, const char *s)
{
    each_cp(sb, s ? s : "", emit_plain);
}

void report_json_string(strbuf *sb, const char *s)
{
    if (!s) s = "";
    text_append_json_string(sb, s, strlen(s), 0);
}

void report_json_number(strbuf *sb, double v)
{
    if (isnan(v) || isinf(v)) {
        strbuf_puts(sb, "null");
        return;
    }
    char buf[64];
    size_t n = format_float(buf, sizeof(buf), v);
    strbuf_append(sb, buf, n);
}

static void emit_xml(strbuf *sb, uint32_t cp, const char *bytes, size_t len)
{
    switch (cp) {
    case '&': strbuf_puts(sb, "&amp;"); return;
    case '<': strbuf_puts(sb, "&lt;"); return;
    case '>': strbuf_puts(sb, "&gt;"); return;
    case '"': strbuf_puts(sb, "&quot;"); return;
    case '\'': strbuf_puts(sb, "&apos;"); return;
    case '\n': strbuf_puts(sb, "&#10;"); return;
    case '\t': strbuf_puts(sb, "&#9;"); return;
    default: break;
    }
    /* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
    if (cp < 0x20 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        strbuf_puts(sb, REPLACEMENT);
    else
        strbuf_append(sb, bytes, len);
}

void report_xml_text(strbuf *sb, const char *s)
{
    each_cp(sb, s ? s : "", emit_xml);
}

static void emit_xml_content(strbuf *sb, uint32_t cp, const char *bytes, size_t len)
{
    if (cp == '\n' || cp == '\t')
        strbuf_putc(sb, (char)cp);
    else
        emit_xml(sb, cp, bytes, len);
}

void report_xml_content(strbuf *sb, const char *s)
{
    each_cp(sb, s ? s : "", emit_xml_content);
}

static void emit_prom(strbuf *sb, uint32_t cp, const char *bytes, size_t len)
{
    switch (cp) {
    case '\\': strbuf_puts(sb, "\\\\"); return;
    case '"': strbuf_puts(sb, "\\\""); return;
    case '\n': strbuf_puts(sb, "\\n"); return;
    default: strbuf_append(sb, bytes, len);
    }
}

void report_prom_label_value(strbuf *sb, const char *s)
{
    each_cp(sb, s ? s : "", emit_prom);
}

void report_prom_number(strbuf *sb, double v)
{
    char buf[64];
    size_t n = format_float(buf, sizeof(buf), v);
    strbuf_append(sb, buf, n);
}

void report_rfc3339(strbuf *sb, int64_t ms)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int millis = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        report_unix_seconds(sb, ms);
        return;
    }
    char buf[64];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    strbuf_puts(sb, buf);
    if (millis) strbuf_printf(sb, ".%03d", millis);
    strbuf_putc(sb, 'Z');
}

void report_unix_seconds(strbuf *sb, int64_t ms)
{
    char buf[40];
    size_t n = format_timestamp(buf, sizeof(buf), ms);
    /* "1.050" -> "1.05": a JSON and exposition number either way; keep it short */
    if (memchr(buf, '.', n))
        while (n > 0 && buf[n - 1] == '0')
            n--;
    if (n > 0 && buf[n - 1] == '.') n--;
    strbuf_append(sb, buf, n);
}
