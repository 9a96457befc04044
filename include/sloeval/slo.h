/*
 * sloeval/slo.h - SLO sets: loading and inspecting SLO and alert
 * definitions (sloeval configs, Sloth specs, Prometheus rule files) and the
 * burn-rate policy they are judged by.
 *
 * A set is loaded once and then read; it never changes. Loading reads
 * files only (the config and the files it includes): it neither contacts a
 * backend nor reads a secret (token and password files are read by the
 * HTTP source at request time). Inspection never returns a secret: header
 * values, tokens and passwords are not part of any info struct.
 *
 * Threads: a loaded set may be read from several threads at once; free it
 * once nothing reads it.
 *
 * Info structs (sloeval_slo_info, ...) belong to the set: the pointers
 * returned live as long as the set. New fields are only ever appended.
 */
#ifndef SLOEVAL_SLO_H
#define SLOEVAL_SLO_H

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded set of SLOs and alerts, with backends, regions and policy. */
typedef struct sloeval_slo_set sloeval_slo_set;

/** What a file holds. */
typedef enum sloeval_slo_file_kind {
    SLOEVAL_SLO_FILE_AUTO = 0,   /**< detect: `version:` Sloth, `groups:` rules, else config */
    SLOEVAL_SLO_FILE_CONFIG = 1, /**< a sloeval config (backends, regions, slos, alerts, ...) */
    SLOEVAL_SLO_FILE_SLOTH = 2,  /**< Sloth spec(s), version "prometheus/v1" */
    SLOEVAL_SLO_FILE_RULES = 3,  /**< a Prometheus rule file */
} sloeval_slo_file_kind;

/** Options of sloeval_slo_set_load_file / _load_string. */
typedef struct sloeval_slo_load_options {
    unsigned int version;       /**< SLOEVAL_SLO_LOAD_OPTIONS_VERSION */
    sloeval_slo_file_kind kind; /**< SLOEVAL_SLO_FILE_AUTO (default) or a forced kind */
    const char *name;           /**< _load_string: the name in messages (default "<string>") */
    const char *base_dir;       /**< _load_string: where relative includes are (default ".") */
} sloeval_slo_load_options;

#define SLOEVAL_SLO_LOAD_OPTIONS_VERSION 1
#define SLOEVAL_SLO_LOAD_OPTIONS_INIT                                                              \
    {                                                                                              \
        SLOEVAL_SLO_LOAD_OPTIONS_VERSION, SLOEVAL_SLO_FILE_AUTO, NULL, NULL                        \
    }

/**
 * Load a file into a new set (*out, released with sloeval_slo_set_free).
 * opts may be NULL. On failure *out is NULL and err says what and where in
 * one line: SLOEVAL_ECONFIG with "FILE:LINE:COL: <field path>: <problem>"
 * (err->line and err->column set), SLOEVAL_EIO when a file cannot be read,
 * SLOEVAL_ELIMIT for a file over 16 MiB, SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_slo_set_load_file(sloeval_slo_set **out, const char *path,
                                             const sloeval_slo_load_options *opts,
                                             sloeval_error *err);

/** Load len bytes of text (YAML or JSON) into a new set; as _load_file. */
SLOEVAL_EXPORT int sloeval_slo_set_load_string(sloeval_slo_set **out, const char *text, size_t len,
                                               const sloeval_slo_load_options *opts,
                                               sloeval_error *err);

/** Release a set and everything returned by its getters. NULL is fine. */
SLOEVAL_EXPORT void sloeval_slo_set_free(sloeval_slo_set *set);

/** The kind of the file that was loaded (not AUTO). */
SLOEVAL_EXPORT sloeval_slo_file_kind sloeval_slo_set_kind(const sloeval_slo_set *set);

/** The files read, the loaded file first, then included files in order. */
SLOEVAL_EXPORT size_t sloeval_slo_set_file_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT const char *sloeval_slo_set_file(const sloeval_slo_set *set, size_t i);

/** The SLO period (`period`, 30d by default), in milliseconds. */
SLOEVAL_EXPORT int64_t sloeval_slo_set_period_ms(const sloeval_slo_set *set);

/** The default step of `for:` checks (`evaluation.step`, 1m by default), in ms. */
SLOEVAL_EXPORT int64_t sloeval_slo_set_step_ms(const sloeval_slo_set *set);

/** Recording rules found in rule files and skipped (sloeval evaluates alerts only). */
SLOEVAL_EXPORT size_t sloeval_slo_set_skipped_records(const sloeval_slo_set *set);

/** Matchers injected into every selector (`extra_matchers`), as written. */
SLOEVAL_EXPORT size_t sloeval_slo_set_extra_matcher_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT const char *sloeval_slo_set_extra_matcher(const sloeval_slo_set *set, size_t i);

/* ---- backends ------------------------------------------------------------ */

typedef enum sloeval_slo_auth {
    SLOEVAL_SLO_AUTH_NONE = 0,
    SLOEVAL_SLO_AUTH_BEARER = 1, /**< bearer token from a file or an environment variable */
    SLOEVAL_SLO_AUTH_BASIC = 2,  /**< basic auth, password from a file or an environment variable */
} sloeval_slo_auth;

/**
 * A backend's options (those of sloeval_prometheus_options) without
 * secrets: header values are left out, secrets appear only as where they
 * are read from (a file path or an environment variable's name).
 */
typedef struct sloeval_slo_backend_info {
    const char *name;
    const char *url;
    const char *const *header_names; /**< extra headers sent (names only) */
    size_t nheaders;
    const char *tenant; /**< X-Scope-OrgID, or NULL */
    sloeval_slo_auth auth;
    const char *bearer_token_file; /**< a path, or NULL */
    const char *bearer_token_env;  /**< an environment variable's name, or NULL */
    const char *basic_username;
    const char *basic_password_file;
    const char *basic_password_env;
    const char *tls_ca_file;
    const char *tls_cert_file;
    const char *tls_key_file;
    int tls_insecure_skip_verify;
    long connect_timeout_ms;
    long timeout_ms;       /**< one attempt */
    long total_timeout_ms; /**< every attempt of one request */
    int retries;
    long retry_backoff_ms;
    long retry_backoff_max_ms;
    uint64_t max_response_bytes;
    int parallelism;
    sloeval_compat compat;
    int thanos; /**< the backend is Thanos Query (a `thanos` block was given) */
    int thanos_partial_response;
    int thanos_dedup; /**< -1 not sent, 0 or 1 */
    const char *const *thanos_replica_labels;
    size_t nthanos_replica_labels;
    const char *thanos_max_source_resolution; /**< "auto", a duration, or NULL */
    const char *thanos_engine;                /**< "prometheus", "thanos", or NULL */
    const char *file;                         /**< where it was defined */
    int line;
    int column;
    int compression; /**< 1: answers are asked for compressed (the default) */
} sloeval_slo_backend_info;

SLOEVAL_EXPORT size_t sloeval_slo_set_backend_count(const sloeval_slo_set *set);
/** The i-th backend (config order), or NULL when i is out of range. */
SLOEVAL_EXPORT const sloeval_slo_backend_info *sloeval_slo_set_backend(const sloeval_slo_set *set,
                                                                       size_t i);

/* ---- regions ------------------------------------------------------------- */

typedef struct sloeval_slo_region_info {
    const char *name;
    const char *backend; /**< the backend that answers for it */
    int injected;        /**< 1 when that is `global` with <label>="<name>" injected */
} sloeval_slo_region_info;

/** The region label (`regions.label`), or NULL when the set has no regions. */
SLOEVAL_EXPORT const char *sloeval_slo_set_region_label(const sloeval_slo_set *set);
SLOEVAL_EXPORT size_t sloeval_slo_set_region_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT const sloeval_slo_region_info *sloeval_slo_set_region(const sloeval_slo_set *set,
                                                                     size_t i);

/* ---- policy -------------------------------------------------------------- */

/** One multiwindow rule: fires when the burn rate is above factor over both windows. */
typedef struct sloeval_slo_policy_rule {
    const char *severity;
    int64_t long_ms;
    int64_t short_ms;
    double factor;         /**< burn-rate threshold */
    double budget_percent; /**< share of the period's budget spent in long_ms at `factor` */
} sloeval_slo_policy_rule;

/** "sre-workbook" or "custom". */
SLOEVAL_EXPORT const char *sloeval_slo_set_policy_name(const sloeval_slo_set *set);
SLOEVAL_EXPORT size_t sloeval_slo_set_policy_rule_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT const sloeval_slo_policy_rule *
sloeval_slo_set_policy_rule(const sloeval_slo_set *set, size_t i);

/** The distinct windows the policy needs, ascending, in ms; *count gets their number. */
SLOEVAL_EXPORT const int64_t *sloeval_slo_set_windows(const sloeval_slo_set *set, size_t *count);

/* ---- SLOs and alerts ----------------------------------------------------- */

/** Scope bits. */
typedef enum sloeval_slo_scope {
    SLOEVAL_SLO_SCOPE_REGION = 1, /**< evaluated once per region */
    SLOEVAL_SLO_SCOPE_GLOBAL = 2, /**< evaluated once across all regions */
} sloeval_slo_scope;

typedef enum sloeval_slo_origin {
    SLOEVAL_SLO_ORIGIN_CONFIG = 1,
    SLOEVAL_SLO_ORIGIN_SLOTH = 2,
    SLOEVAL_SLO_ORIGIN_RULES = 3,
} sloeval_slo_origin;

typedef enum sloeval_slo_sli {
    SLOEVAL_SLO_SLI_EVENTS = 1, /**< error_query / total_query */
    SLOEVAL_SLO_SLI_RATIO = 2,  /**< error_ratio_query */
} sloeval_slo_sli;

typedef struct sloeval_slo_label {
    const char *name;
    const char *value;
} sloeval_slo_label;

typedef struct sloeval_slo_info {
    const char *id; /**< "<service>-<name>", or the name without a service; unique */
    const char *name;
    const char *service;        /**< or NULL */
    const char *description;    /**< or NULL */
    double objective;           /**< percent, in (0, 100) */
    const char *objective_text; /**< as written ("99.9") */
    double error_budget;        /**< 1 - objective / 100 (rounded once from the decimal) */
    sloeval_slo_sli sli;
    const char *error_query; /**< templates as written ({{window}} placeholders), or NULL */
    const char *total_query;
    const char *error_ratio_query;
    unsigned scopes; /**< sloeval_slo_scope bits */
    const sloeval_slo_label *labels;
    size_t nlabels;
    const char *const *disabled_severities; /**< policy severities that never fire for it */
    size_t ndisabled_severities;
    const char *alert_name; /**< Sloth's alerting.name, or NULL */
    sloeval_slo_origin origin;
    const char *file;
    int line;
    int column;
    /** 1: an error_query without series makes the SLO inconclusive
     *   (`empty_errors: inconclusive`); 0: it counts as 0 errors (default). */
    int empty_errors_inconclusive;
} sloeval_slo_info;

SLOEVAL_EXPORT size_t sloeval_slo_set_slo_count(const sloeval_slo_set *set);
/** The i-th SLO (file order, includes last), or NULL when i is out of range. */
SLOEVAL_EXPORT const sloeval_slo_info *sloeval_slo_set_slo(const sloeval_slo_set *set, size_t i);
/** The SLO with this id, or NULL. */
SLOEVAL_EXPORT const sloeval_slo_info *sloeval_slo_set_find_slo(const sloeval_slo_set *set,
                                                                const char *id);

/** Which query of an SLO's SLI. */
typedef enum sloeval_slo_query {
    SLOEVAL_SLO_QUERY_ERROR = 0, /**< error_query */
    SLOEVAL_SLO_QUERY_TOTAL = 1, /**< total_query */
    SLOEVAL_SLO_QUERY_RATIO = 2, /**< error_ratio_query */
} sloeval_slo_query;

/**
 * The PromQL text of an SLO's query for one window: the template with
 * every placeholder replaced by the window in Prometheus's duration format
 * ("5m", "1h", "3d", "4w"). Writes at most size bytes (NUL included) to buf
 * and returns the full length, like snprintf; returns 0 when the SLO has no
 * such query or slo_index is out of range.
 */
SLOEVAL_EXPORT size_t sloeval_slo_set_render_query(char *buf, size_t size,
                                                   const sloeval_slo_set *set, size_t slo_index,
                                                   sloeval_slo_query which, int64_t window_ms);

typedef struct sloeval_slo_alert_info {
    const char *name;
    const char *group; /**< rule group, or NULL */
    const char *expr;
    int64_t for_ms;             /**< 0: fires as soon as the expression returns a series */
    int64_t keep_firing_for_ms; /**< 0 when unset */
    int64_t step_ms;            /**< resolution of the `for` check */
    int64_t query_offset_ms;    /**< the rule group's query_offset, 0 when unset */
    unsigned scopes;
    const sloeval_slo_label *labels;
    size_t nlabels;
    const sloeval_slo_label *annotations;
    size_t nannotations;
    sloeval_slo_origin origin;
    const char *file;
    int line;
    int column;
} sloeval_slo_alert_info;

SLOEVAL_EXPORT size_t sloeval_slo_set_alert_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT const sloeval_slo_alert_info *sloeval_slo_set_alert(const sloeval_slo_set *set,
                                                                   size_t i);

/* ---- durations ----------------------------------------------------------- */

/**
 * Parse a Prometheus duration ("30d", "1h30m", "5m", "100ms", "0") into
 * milliseconds; at most 2^63-1 ns (about 292 years), Prometheus's limit.
 * Returns 0 or SLOEVAL_EINVAL with a message.
 */
SLOEVAL_EXPORT int sloeval_duration_parse(int64_t *out, const char *text, sloeval_error *err);

/**
 * Prometheus's text of a duration in ms (>= 0): "30d", "4w", "1h30m", "0s".
 * Writes at most size bytes (NUL included); returns the full length.
 */
SLOEVAL_EXPORT size_t sloeval_duration_format(char *buf, size_t size, int64_t ms);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_SLO_H */
