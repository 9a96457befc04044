/*
 * Loading OpenMetrics text with timestamps into an in-memory source
 * (internal): the input `promtool tsdb create-blocks-from openmetrics`
 * takes. See openmetrics.c for the accepted shape. Errors are SLOEVAL_EDATA
 * with "<name>:<line>: <what is wrong>" and err->line / err->column set;
 * a failed load changes nothing in the source.
 */
#ifndef SLOEVAL_SOURCE_OPENMETRICS_H
#define SLOEVAL_SOURCE_OPENMETRICS_H

#include "source/source.h"

/* Load len bytes of text; `name` names the input in messages. */
int openmetrics_load(sloeval_source *mem, const char *text, size_t len, const char *name,
                     sloeval_error *err);

/* Load a file (read whole; SLOEVAL_EIO when it cannot be read). */
int openmetrics_load_file(sloeval_source *mem, const char *path, sloeval_error *err);

#endif
