/*
 * Shared machinery of the config loaders (internal to lib/slo): the loader
 * state, field paths for messages, and typed getters that check a YAML
 * node and report "FILE:LINE:COL: <path>: <message>" on failure.
 */
#ifndef SLOEVAL_SLO_LOAD_H
#define SLOEVAL_SLO_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slo/model.h"
#include "slo/template.h"
#include "slo/ytree.h"
#include "util/error.h"

typedef struct loader {
    slo_config *cfg;
    arena *tmp; /* YAML trees; freed when loading ends */
    sloeval_error *err;
    const yfile *file;
    const char *file_name; /* cfg-arena copy, for slo_loc */
    const char *dir;       /* directory of the current file, for includes */
    unsigned default_scopes;
    size_t capslos, capalerts, capfiles, capwarnings;
} loader;

/* Record an error at a node: returns SLOEVAL_ECONFIG. */
int load_error(loader *L, const ynode *at, const ypath *path, const char *fmt, ...)
    SLOEVAL_PRINTF(4, 5);

/* Record an error at an explicit position of the current file. */
int load_error_pos(loader *L, int line, int column, size_t offset, const ypath *path,
                   const char *fmt, ...) SLOEVAL_PRINTF(6, 7);

/* Record a warning at a node (n may be NULL: the file); 0, or
 * SLOEVAL_ENOMEM. */
int load_warn(loader *L, const ynode *at, const ypath *path, const char *fmt, ...)
    SLOEVAL_PRINTF(4, 5);

/* "out of memory" (SLOEVAL_ENOMEM). */
int load_oom(loader *L);

/* The position of a node as a slo_loc of the current file. */
slo_loc load_loc(const loader *L, const ynode *n);

/*
 * Check that n is a mapping whose keys are all in `allowed` (NULL-ended).
 * An unknown key is an error naming it (and the closest allowed key).
 */
int load_keys(loader *L, const ynode *n, const ypath *path, const char *const *allowed);

/*
 * As load_keys, for formats whose own tools ignore unknown keys (Sloth):
 * an unknown key is a warning (naming the key meant, also for camelCase
 * spellings of snake_case keys), not an error.
 */
int load_keys_lenient(loader *L, const ynode *n, const ypath *path, const char *const *allowed,
                      const char *tool);

/* Check that n is a mapping (without checking keys). */
int load_want_map(loader *L, const ynode *n, const ypath *path);

/* Check that n is a list. */
int load_want_seq(loader *L, const ynode *n, const ypath *path);

/*
 * Typed getters. `n` may be NULL or null (absent field): then *out is left
 * alone and 0 is returned; use load_required() first for required fields.
 * Strings are copied into the config's arena.
 */
int load_required(loader *L, const ynode *map, const ypath *path, const char *key,
                  const ynode **out);
int load_str(loader *L, const ynode *n, const ypath *path, const char **out);
int load_nonempty_str(loader *L, const ynode *n, const ypath *path, const char **out);
int load_bool(loader *L, const ynode *n, const ypath *path, bool *out);
int load_number(loader *L, const ynode *n, const ypath *path, double *out);
int load_int(loader *L, const ynode *n, const ypath *path, int min, int max, int *out);
int load_duration(loader *L, const ynode *n, const ypath *path, int64_t *out);
/* A duration that must be > 0. */
int load_positive_duration(loader *L, const ynode *n, const ypath *path, int64_t *out);
/* A byte size: an integer, or with a unit (KB, MB, GB: 1000s; KiB, MiB, GiB: 1024s). */
int load_size(loader *L, const ynode *n, const ypath *path, uint64_t *out);
int load_str_list(loader *L, const ynode *n, const ypath *path, const char ***out, size_t *count);

/* What a string map holds: checks names accordingly. */
typedef enum kvs_kind {
    KVS_LABELS,      /* label names ([a-zA-Z_][a-zA-Z0-9_]*, not __name__) */
    KVS_ANNOTATIONS, /* label-like names */
    KVS_HEADERS,     /* HTTP header names and values */
    KVS_UTF8_LABELS, /* Prometheus 3 label names: any UTF-8 (Sloth's), not __name__ */
    KVS_UTF8_NAMES,  /* annotation names of Sloth: any UTF-8 */
} kvs_kind;
int load_kvs(loader *L, const ynode *n, const ypath *path, kvs_kind kind, slo_kvs *out);

/* Merge: a copy of base with over's pairs replacing or added (cfg arena). */
int load_kvs_merge(loader *L, const slo_kvs *base, const slo_kvs *over, slo_kvs *out);

/* Names of SLOs, backends and regions: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])? */
bool load_is_safe_name(const char *s);
/* Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]* */
bool load_is_label_name(const char *s);
/* Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]* */
bool load_is_metric_name(const char *s);

/* Each item of the top-level list `key` of doc through load_item (absent
 * or null: no items); stops at the first error. */
int load_list(loader *L, const ynode *doc, const char *key,
              int (*load_item)(loader *L, const ynode *n, const ypath *path));

/* ---- load_defs.c: what every loader reads alike ---------------------------- */

/* `scopes`: a list of "region" / "global" (a single string also works). */
int load_scopes(loader *L, const ynode *n, const ypath *path, unsigned *out);

/*
 * A query template from a scalar: parsed for placeholders (an error points
 * into the scalar), required to hold at least one when `need_window`.
 */
int load_template(loader *L, const ynode *n, const ypath *path, tpl_dialect dialect,
                  bool need_window, slo_template *out);

/*
 * Parse-check a query with sloeval's PromQL parser: a template rendered for
 * a sample window (tpl), or an expression (expr). It must parse in the
 * grammar of the config's backends (3.x unless all say v2; the other
 * grammar is accepted too) and give an instant vector or a scalar. A parse
 * error points into the file.
 */
int load_check_expr(loader *L, const ynode *n, const ypath *path, const slo_template *tpl,
                    const char *expr);

/*
 * When everything is loaded: the windows of the config (the policy's, then
 * the period), the grammars its scopes speak, and every query evaluation
 * runs (each SLI template rendered for each window, each alert's expr)
 * parsed for each of those grammars, into the model (slo_def.queries,
 * slo_alert.parsed). A query that does not parse keeps its error.
 */
int load_parse_queries(loader *L);

/* Parse one label matcher (`chaos!="true"`) into *out (strings in the config's arena). */
int load_parse_matcher(loader *L, const ynode *n, const ypath *path, const char *text,
                       label_matcher *out);

/* An alert's `expr` (required, checked as PromQL), `for` and `keep_firing_for`
 * into a: what a config alert and a rule-file alert read alike. */
int load_alert_expr(loader *L, const ynode *n, const ypath *path, slo_alert *a);

/* Check an objective (percent in (0, 100)) and set slo->objective, budget, text. */
int load_objective(loader *L, const ynode *n, const ypath *path, slo_def *slo);

/* Append an SLO / an alert (zeroed) to the config; NULL when out of memory. */
slo_def *load_new_slo(loader *L);
slo_alert *load_new_alert(loader *L);

/* What every loader reads alike, after the SLO's name and service: its id
 * ("<service>-<name>", or the name), unique across the config (an error at
 * name_node when not), its description and its objective (of node n at path). */
int load_slo_id_and_objective(loader *L, slo_def *s, const ynode *n, const ypath *path,
                              const ynode *name_node);

/* The loader of each kind of document (one document each): load_config.c
 * (without its includes, which load_file.c reads), load_sloth.c,
 * load_rules.c. */
int load_config_doc(loader *L, const ynode *doc);
int load_sloth_doc(loader *L, const ynode *doc);
int load_rules_doc(loader *L, const ynode *doc);

#endif
