/* Go's shortest float formatting for messages and label values (internal). */
#ifndef SLOEVAL_ENGINE_GOFMT_H
#define SLOEVAL_ENGINE_GOFMT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * strconv.FormatFloat(v, verb, -1, 64) for verb 'g' (also what fmt's %v
 * prints) or 'f': the shortest digits that read back as v; "NaN", "+Inf",
 * "-Inf". Returns the length; buf should hold at least 32 bytes ('f' of
 * huge or tiny values needs up to ~330).
 */
size_t go_format_float(char *buf, size_t size, double v, char verb);

#endif
