/* The canonical PromQL printer (internal). */
#ifndef SLOEVAL_PROMQL_PRINTER_H
#define SLOEVAL_PROMQL_PRINTER_H

#include <stddef.h>

#include "promql/ast.h"
#include "sloeval/common.h"
#include "util/strbuf.h"

/*
 * Append the canonical text of `n` to sb, in Prometheus's printing style
 * (printer.go): single spaces around binary operators, `sum by (a) (x)`,
 * `x[5m] @ 10.000 offset 1h`, lowercase keywords, Go-quoted strings,
 * numbers as the shortest text that reads back to the same double.
 * Parsing the result with the same `compat` gives an AST equal to `n`
 * (ast_equal); for a 2.x AST the text is accepted by Prometheus 2.42.
 * Matchers are printed in the order of the AST. Unlike Prometheus, +Inf is
 * printed "Inf" ("+Inf ^ 2" would read as +(Inf ^ 2)) and -0s keeps its sign.
 */
void ast_print(strbuf *sb, const ast_node *n, sloeval_compat compat);

/* A double the way Prometheus prints a number literal (Go's %v): "1",
 * "0.25", "1e+06", "+Inf", "NaN"; the shortest round-trip digits. */
size_t format_go_float(char *buf, size_t size, double v);

/* Append s as a double-quoted PromQL string that reads back byte-exactly. */
void quote_promql_string(strbuf *sb, const char *s, size_t len);

#endif
