/*
 * The SLO configuration's data model (internal): backends, regions,
 * matchers, the period and policy, SLOs and alerts. One model for every
 * kind of file: the sloeval config, Sloth specs (prometheus/v1) and
 * Prometheus rule files are loaded into the same slo_config (config.h has
 * the loaders, route.h says which backend answers which scope). The public
 * handle sloeval_slo_set (include/sloeval/slo.h) wraps one slo_config.
 *
 * Everything lives in the config's arena and is read-only after loading:
 * a loaded config may be read from several threads at once.
 */
#ifndef SLOEVAL_SLO_MODEL_H
#define SLOEVAL_SLO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "promql/ast.h"
#include "sloeval/common.h"
#include "sloeval/http.h"
#include "slo/policy.h"
#include "slo/template.h"
#include "util/arena.h"

/* Where a definition was written (file name as given, 1-based line, byte column). */
typedef struct slo_loc {
    const char *file;
    int line;
    int column;
} slo_loc;

/* A name/value pair (labels, annotations, headers), in file order. */
typedef struct slo_kv {
    const char *name;
    const char *value;
} slo_kv;

typedef struct slo_kvs {
    slo_kv *items;
    size_t count;
} slo_kvs;

/* The value of `name` in kvs, or NULL. */
const char *slo_kvs_get(const slo_kvs *kvs, const char *name);

/* ---- backends ------------------------------------------------------------ */

/*
 * A named Prometheus-compatible endpoint. `http` holds every option of the
 * HTTP source, ready for sloeval_source_new_prometheus(): the defaults of
 * sloeval_prometheus_options_init() with the config's settings on top,
 * strings and arrays in the config's arena. Secrets are never read at load
 * time: the options say where they are (a file or an environment variable)
 * and the HTTP source reads them for each request.
 */
typedef struct slo_backend {
    const char *name;
    sloeval_prometheus_options http;
    bool thanos; /* a `thanos` block was given: the backend is Thanos Query */
    /* acceptable_warnings: regexes; a server warning one of them matches
     * (anywhere in its text) does not make an answer inconclusive */
    const char **acceptable_warnings;
    size_t nacceptable_warnings;
    slo_loc loc;
} slo_backend;

/* Compile an acceptable_warnings pattern (RE2 syntax, as in PromQL) to
 * match anywhere in a text. 0, SLOEVAL_EPARSE (message in errbuf) or
 * SLOEVAL_ENOMEM; free with promql_regex_free. */
struct promql_regex;
int slo_warning_regex_compile(struct promql_regex **out, const char *pattern, char *errbuf,
                              size_t size);

/* The name of the backend that answers every region (and the global scope). */
#define SLO_GLOBAL_BACKEND "global"

/* ---- regions and scopes -------------------------------------------------- */

typedef struct slo_region {
    const char *name;
    /* The backend that answers for the region: the one named like it, else
     * the `global` backend with <label>="<name>" injected (inject = true). */
    const slo_backend *backend;
    bool inject;
    slo_loc loc;
} slo_region;

typedef struct slo_regions {
    const char *label; /* default "region" */
    slo_region *items;
    size_t count;
} slo_regions;

/* Scope bits of an SLO or alert. */
typedef enum slo_scope {
    SLO_SCOPE_REGION = 1, /* once per region */
    SLO_SCOPE_GLOBAL = 2, /* once across all regions */
} slo_scope;

/* ---- SLOs and alerts ----------------------------------------------------- */

typedef enum slo_origin {
    SLO_ORIGIN_CONFIG = 1, /* a sloeval config */
    SLO_ORIGIN_SLOTH,      /* a Sloth prometheus/v1 spec */
    SLO_ORIGIN_RULES,      /* a Prometheus rule file */
} slo_origin;

typedef enum slo_sli_kind {
    SLO_SLI_EVENTS = 1, /* error_query / total_query */
    SLO_SLI_RATIO,      /* error_ratio_query */
} slo_sli_kind;

/* Per-severity alert metadata (from Sloth's page_alert / ticket_alert). */
typedef struct slo_severity_meta {
    const char *severity;
    bool disabled;
    slo_kvs labels;
    slo_kvs annotations;
} slo_severity_meta;

/* What an error query that returns no series means while the total query
 * returns traffic (a service that never failed has no 5xx series). */
typedef enum slo_empty_errors {
    SLO_EMPTY_ERRORS_DEFAULT = 0,  /* an SLO without the key: the config's setting */
    SLO_EMPTY_ERRORS_ZERO,         /* 0 errors, with a note (the config default) */
    SLO_EMPTY_ERRORS_INCONCLUSIVE, /* no data: the SLO and scope are inconclusive */
} slo_empty_errors;

/* The grammars a config's queries are parsed in (slo_config.grammars). */
#define SLO_GRAMMAR_V3 0
#define SLO_GRAMMAR_V2 1

/*
 * A query of the config parsed once, when the config is loaded, for
 * evaluation: its text (a template rendered for one window, or an alert's
 * expression) and its AST for each grammar a scope of the config may speak,
 * parsed as promql_parse_fallback does (that grammar, else the other).
 */
typedef struct slo_parsed {
    const char *text;
    const ast_node *ast[2]; /* by SLO_GRAMMAR_*; NULL when not parsed in it */
    int code[2];            /* why not: SLOEVAL_EPARSE, with the message */
    const char *error[2];
} slo_parsed;

/*
 * The AST of a parsed query for a scope whose backends speak `grammar`:
 * 0 with *out, else the parse error's code with its message in *error
 * (SLOEVAL_EINVAL when the config's backends never speak that grammar).
 */
int slo_parsed_ast(const slo_parsed *p, sloeval_compat grammar, const ast_node **out,
                   const char **error);

typedef struct slo_def {
    const char *id; /* "<service>-<name>" with a service, else the name; unique */
    const char *name;
    const char *service;     /* or NULL */
    const char *description; /* or NULL */
    double objective;        /* percent, in (0, 100) */
    const char *objective_text;
    /* The error budget, 1 - objective / 100, rounded once from the decimal
     * text (99.9 gives exactly the double nearest 0.001). */
    double budget;
    slo_sli_kind sli;
    slo_template error_query; /* SLO_SLI_EVENTS */
    slo_template total_query;
    slo_template error_ratio_query; /* SLO_SLI_RATIO */
    slo_loc error_query_loc, total_query_loc, error_ratio_query_loc;
    unsigned scopes; /* slo_scope bits */
    slo_kvs labels;
    const char *alert_name; /* Sloth alerting.name, or NULL */
    slo_kvs alert_labels;
    slo_kvs alert_annotations;
    slo_severity_meta *severities; /* severities with metadata or disabled */
    size_t nseverities;
    slo_origin origin;
    slo_loc loc;
    slo_empty_errors empty_errors; /* the `empty_errors` key, or DEFAULT */
    /* gate.budget_below (percent of the budget remaining), when has_gate */
    bool has_gate;
    double gate_budget_below;
    /* The SLI's queries parsed for each window of slo_config.windows: at
     * [w * 2] the error query (or the error ratio query), at [w * 2 + 1]
     * the total query (events SLIs). See slo_def_query. */
    slo_parsed *queries;
} slo_def;

/* Which query of an SLI. */
typedef enum slo_sli_query {
    SLO_Q_ERRORS = 0, /* error_query, or error_ratio_query */
    SLO_Q_TOTAL = 1,  /* total_query */
} slo_sli_query;

/* True when the policy severity is disabled for this SLO. */
bool slo_def_severity_disabled(const slo_def *slo, const char *severity);

typedef struct slo_alert {
    const char *name;
    const char *group; /* rule group name, or NULL */
    const char *expr;
    int64_t for_ms;             /* 0: fires as soon as the expression returns a series */
    int64_t keep_firing_for_ms; /* 0 when unset */
    int64_t step_ms;            /* resolution of the `for` check */
    int64_t query_offset_ms;    /* evaluate at T - offset (rule groups' query_offset) */
    unsigned scopes;
    slo_kvs labels;
    slo_kvs annotations;
    slo_origin origin;
    slo_loc loc;
    slo_loc expr_loc;
    slo_parsed parsed; /* expr, parsed at load time */
} slo_alert;

/* ---- the whole configuration -------------------------------------------- */

typedef enum slo_file_kind {
    SLO_FILE_AUTO = 0,
    SLO_FILE_CONFIG, /* a sloeval config */
    SLO_FILE_SLOTH,  /* Sloth prometheus/v1 spec(s) */
    SLO_FILE_RULES,  /* Prometheus rule file */
} slo_file_kind;

/* A matcher from extra_matchers, as written and parsed. */
typedef struct slo_matcher {
    const char *text;
    label_matcher matcher; /* parsed (valid after expression validation) */
    bool parsed;
    slo_loc loc;
} slo_matcher;

typedef struct slo_config {
    arena arena;
    slo_file_kind kind; /* of the file loaded first */
    const char *file;   /* its name */
    slo_backend *backends;
    size_t nbackends;
    bool has_regions;
    slo_regions regions;
    slo_matcher *extra_matchers;
    size_t nextra_matchers;
    int64_t period_ms; /* default 30d */
    slo_policy policy;
    int64_t step_ms;               /* evaluation.step: default resolution of `for` checks, 1m */
    slo_empty_errors empty_errors; /* evaluation.empty_errors: ZERO (default) or INCONCLUSIVE */
    /* The error-budget gate (top-level `gate`): fail when an SLO's budget
     * remaining is below gate_budget_below percent (when gate_has_budget),
     * and on the firing of the severities gate_fail_on (every severity
     * when !gate_has_fail_on). */
    bool gate_has_budget;
    double gate_budget_below;
    bool gate_has_fail_on;
    const char **gate_fail_on;
    size_t ngate_fail_on;
    slo_def *slos;
    size_t nslos;
    slo_alert *alerts;
    size_t nalerts;
    size_t skipped_records; /* recording rules seen in rule files (not evaluated) */
    const char **files;     /* every file read, in order */
    size_t nfiles;
    /* The windows an SLO is measured over: the policy's, then the period. */
    int64_t *windows;
    size_t nwindows;
    unsigned grammars; /* bits 1 << SLO_GRAMMAR_*: what the scopes' backends speak */
    /* What the loaders accepted and ignored, as Sloth and Prometheus do
     * (unknown keys of Sloth specs, empty rule files, files of recording
     * rules only): "FILE:LINE:COL: <path>: <what>", one line each. */
    const char **warnings;
    size_t nwarnings;
} slo_config;

#define SLO_DEFAULT_PERIOD_MS    (30LL * 24 * 3600 * 1000)
#define SLO_DEFAULT_STEP_MS      (60LL * 1000)
#define SLO_DEFAULT_REGION_LABEL "region"

/* A new empty config (defaults set); NULL when out of memory. */
slo_config *slo_config_new(void);
void slo_config_free(slo_config *cfg);

/* The backend with this name, or NULL. */
const slo_backend *slo_config_backend(const slo_config *cfg, const char *name);

/* The region with this name, or NULL. */
const slo_region *slo_config_region(const slo_config *cfg, const char *name);

/* What an SLO's error query without series means: the SLO's own setting,
 * else the config's (evaluation.empty_errors, default zero). */
slo_empty_errors slo_def_empty_errors(const slo_def *slo, const slo_config *cfg);

/* The SLI query `which` of slo, rendered for window w of cfg->windows
 * and parsed. */
const slo_parsed *slo_def_query(const slo_def *slo, size_t w, slo_sli_query which);

/* "sre-workbook" or "custom". */
const char *slo_config_policy_name(const slo_config *cfg);

#endif
