/*
 * Results (internal side of sloeval/value.h): wrap an evaluated value,
 * with its warnings and infos, into a caller-owned sloeval_result, and
 * render values as Prometheus's API JSON.
 */
#ifndef SLOEVAL_MODEL_RESULT_H
#define SLOEVAL_MODEL_RESULT_H

#include "model/model.h"
#include "model/notes.h"
#include "sloeval/value.h"

/*
 * A new result holding deep copies of v (label sets, samples, strings) and
 * of the notes (may be NULL), so that it outlives the arenas and sources
 * they came from. Returns 0, or SLOEVAL_ENOMEM / SLOEVAL_EINVAL (err set).
 */
int result_new(sloeval_result **out, const value *v, const source_notes *notes, sloeval_error *err);

/* The value inside a result (in the result's own memory). */
const value *result_value(const sloeval_result *r);

/* Add a warning or info after the fact (copied). 0 or SLOEVAL_ENOMEM. */
int result_add_warning(sloeval_result *r, strv text);
int result_add_info(sloeval_result *r, strv text);

/* Append v as the `data` object of /api/v1/query to sb. */
void value_render_json(strbuf *sb, const value *v);

/* Append s as a JSON string, escaped as Go's encoding/json does. */
void json_append_string(strbuf *sb, strv s);

#endif
