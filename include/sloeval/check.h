/*
 * sloeval/check.h - running a check: every SLO and alert of a loaded set
 * (sloeval/slo.h) evaluated at one instant against its backends, decided
 * with the set's multiwindow multi-burn-rate policy, and rendered.
 *
 * A check asks each SLO, in each of its scopes (every region, and the
 * cross-region "global" scope), for its error ratio over every window of
 * the policy and over the SLO period, and each alert whether its
 * expression returns series (for `for:` at every step of [T-for, T]). All
 * the queries of a run go into one batch: every distinct request is sent
 * once, in parallel. A region's queries go to the region's backend, or to
 * the `global` backend with <label>="<region>" injected; the global scope
 * goes to the `global` backend, or fans out over every region's backend
 * and merges the answers as shards of one data set (sums of numerators
 * and of denominators, never averages of ratios).
 *
 * Nothing is ever "ok" for lack of data: a failing or partial backend, no
 * series, no traffic, NaN or Inf make that SLO and scope (or alert and
 * scope) inconclusive, with the reason. The run as a whole is:
 *   firing        something fires (exit code 1)
 *   inconclusive  nothing fires, something could not be decided (3)
 *   ok            everything was decided and nothing fires (0)
 *
 * Ownership: a report belongs to the caller (sloeval_check_report_free);
 * every handle (sloeval_check_slo_result, sloeval_check_window, ...) and
 * string a getter returns lives as long as the report. Handles are opaque:
 * lists are read by index (a count, then the i-th item), fields by getters.
 *
 * Threads: a run uses the calling thread (the requests of a batch run in
 * parallel inside it). A set may be checked from several threads at once;
 * a report may be read from several threads at once.
 */
#ifndef SLOEVAL_CHECK_H
#define SLOEVAL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"
#include "sloeval/slo.h"
#include "sloeval/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A finished check: decisions and numbers of every SLO, alert and scope. */
typedef struct sloeval_check_report sloeval_check_report;

/** Which parts of queries the servers evaluate (see the planner). */
typedef enum sloeval_check_mode {
    SLOEVAL_CHECK_MODE_AUTO = 0,     /**< push down what is safe and cheap (default) */
    SLOEVAL_CHECK_MODE_PUSHDOWN = 1, /**< servers evaluate as much as possible */
    SLOEVAL_CHECK_MODE_LOCAL = 2,    /**< servers return raw samples; sloeval evaluates */
} sloeval_check_mode;

/** "Now": the default evaluation time of sloeval_check_options. */
#define SLOEVAL_CHECK_TIME_NOW INT64_MIN

/** Current version of sloeval_check_options (1: up to `explain`; 2: the
 *  error-budget gate). */
#define SLOEVAL_CHECK_OPTIONS_VERSION 2

/** Options of sloeval_check_run. Initialise with SLOEVAL_CHECK_OPTIONS_INIT. */
typedef struct sloeval_check_options {
    unsigned int version; /**< SLOEVAL_CHECK_OPTIONS_VERSION */
    /** Evaluation time T in ms since the epoch, or SLOEVAL_CHECK_TIME_NOW. */
    int64_t time_ms;
    /**
     * Scopes to evaluate (NULL / 0: all): region names, and "global" for
     * the cross-region scope. An unknown name is SLOEVAL_EINVAL.
     */
    const char *const *scopes;
    size_t nscopes;
    sloeval_check_mode mode;
    /** Keep the plan text (every query sent, with its backend). */
    bool explain;
    /* version 2: the error-budget gate (docs/cli.md, "The gate") */
    /** When set, an SLO whose budget remaining is below fail_on_budget_below
     *  percent fails the run (status firing); replaces the config's
     *  gate.budget_below (an SLO's own gate.budget_below still wins). */
    bool fail_on_budget;
    double fail_on_budget_below;
    /** The severities whose firing fails the run: NULL means the config's
     *  gate.fail_on, or every severity without one; a non-NULL list of 0
     *  means none (only the budget gate and alerts fail the run). */
    const char *const *fail_on;
    size_t nfail_on;
} sloeval_check_options;

#define SLOEVAL_CHECK_OPTIONS_INIT                                                                 \
    {                                                                                              \
        SLOEVAL_CHECK_OPTIONS_VERSION, SLOEVAL_CHECK_TIME_NOW, NULL, 0, SLOEVAL_CHECK_MODE_AUTO,   \
            false, false, 0.0, NULL, 0                                                             \
    }

/**
 * Outcome of an SLO in a scope, of an alert in a scope, and of the run.
 * The values ARE the exit status of `sloeval check` and the value of the
 * *_status metrics of the prom output (sloeval_slo_status,
 * sloeval_alert_status, sloeval_check_status): one mapping, 0 ok,
 * 1 firing, 3 inconclusive (2 is the command's usage or config error, which
 * is never a status).
 */
typedef enum sloeval_check_status {
    SLOEVAL_CHECK_OK = 0,           /**< decided, nothing fires */
    SLOEVAL_CHECK_FIRING = 1,       /**< a policy rule (or the alert) fires */
    SLOEVAL_CHECK_INCONCLUSIVE = 3, /**< nothing fires, and something could not be decided */
} sloeval_check_status;

/** "ok", "firing", "inconclusive" (static). */
SLOEVAL_EXPORT const char *sloeval_check_status_name(sloeval_check_status status);

/** The exit code of the sloeval command for a status: the status's value
 *  (0, 1 or 3). Kept so that callers need not rely on the enum values. */
SLOEVAL_EXPORT int sloeval_check_status_exit_code(sloeval_check_status status);

/** State of one policy rule for an SLO in a scope. */
typedef enum sloeval_check_rule_state {
    SLOEVAL_CHECK_RULE_QUIET = 0,        /**< at or below the factor over a window with data */
    SLOEVAL_CHECK_RULE_FIRING = 1,       /**< above the factor over both windows */
    SLOEVAL_CHECK_RULE_INCONCLUSIVE = 2, /**< cannot be told: a window without a ratio */
    SLOEVAL_CHECK_RULE_DISABLED = 3,     /**< the SLO disables this severity */
} sloeval_check_rule_state;

/** "quiet", "firing", "inconclusive", "disabled" (static). */
SLOEVAL_EXPORT const char *sloeval_check_rule_state_name(sloeval_check_rule_state state);

/** An SLO in one scope (opaque, borrowed from the report). */
typedef struct sloeval_check_slo_result sloeval_check_slo_result;
/** Error ratio and burn rate of an SLO over one window (opaque, borrowed). */
typedef struct sloeval_check_window sloeval_check_window;
/** One multiwindow rule of the policy, judged for an SLO in a scope (opaque, borrowed). */
typedef struct sloeval_check_rule sloeval_check_rule;
/** An alert in one scope (opaque, borrowed from the report). */
typedef struct sloeval_check_alert_result sloeval_check_alert_result;
/** One series an alert expression returned (opaque, borrowed). */
typedef struct sloeval_check_series sloeval_check_series;

/**
 * Run a check of every SLO and alert of `set` (see the top of this file).
 * Returns 0 with *out set whenever the check ran, whatever it found
 * (failing backends included: they make results inconclusive). Fails
 * without a report (*out NULL) only when nothing could be evaluated:
 * SLOEVAL_EINVAL (bad options, an unknown scope, no SLO or alert in the
 * scopes asked for), SLOEVAL_ECONFIG (nothing
 * answers a scope, e.g. a Sloth spec on its own has no backends; a
 * backend's options are refused), SLOEVAL_ENOMEM. sloeval_global_init()
 * must have been called.
 */
SLOEVAL_EXPORT int sloeval_check_run(sloeval_check_report **out, const sloeval_slo_set *set,
                                     const sloeval_check_options *opts, sloeval_error *err);

/** Release a report and everything read from it. NULL is a no-op. */
SLOEVAL_EXPORT void sloeval_check_report_free(sloeval_check_report *report);

/** The status of the whole run. */
SLOEVAL_EXPORT sloeval_check_status sloeval_check_report_status(const sloeval_check_report *report);

/** The evaluation time T, ms since the epoch. */
SLOEVAL_EXPORT int64_t sloeval_check_report_time_ms(const sloeval_check_report *report);

/** How long the run took (wall clock, seconds). */
SLOEVAL_EXPORT double sloeval_check_report_duration_seconds(const sloeval_check_report *report);

/** SLO results: per SLO (set order), each scope (regions in config order,
 *  then global): their number, and the i-th (NULL past the end). */
SLOEVAL_EXPORT size_t sloeval_check_report_slo_count(const sloeval_check_report *report);
SLOEVAL_EXPORT const sloeval_check_slo_result *
sloeval_check_report_slo(const sloeval_check_report *report, size_t i);

/** Alert results, ordered as the SLO results. */
SLOEVAL_EXPORT size_t sloeval_check_report_alert_count(const sloeval_check_report *report);
SLOEVAL_EXPORT const sloeval_check_alert_result *
sloeval_check_report_alert(const sloeval_check_report *report, size_t i);

/* ---- an SLO in a scope ------------------------------------------------------ */

/** The SLO's id. */
SLOEVAL_EXPORT const char *sloeval_check_slo_id(const sloeval_check_slo_result *r);
/** A region's name, or "global". */
SLOEVAL_EXPORT const char *sloeval_check_slo_scope(const sloeval_check_slo_result *r);
/** The region, or NULL for the global scope. */
SLOEVAL_EXPORT const char *sloeval_check_slo_region(const sloeval_check_slo_result *r);
/** The SLO's index in its set, for sloeval_slo_set_slo(). */
SLOEVAL_EXPORT size_t sloeval_check_slo_index(const sloeval_check_slo_result *r);
/** The objective as a ratio: 0.999 for 99.9%. */
SLOEVAL_EXPORT double sloeval_check_slo_objective(const sloeval_check_slo_result *r);
SLOEVAL_EXPORT sloeval_check_status sloeval_check_slo_status(const sloeval_check_slo_result *r);
/** The first firing rule's severity (policy order), or NULL. */
SLOEVAL_EXPORT const char *sloeval_check_slo_severity(const sloeval_check_slo_result *r);
/** Inconclusive: one line saying what was missing where; else NULL. */
SLOEVAL_EXPORT const char *sloeval_check_slo_reason(const sloeval_check_slo_result *r);
/** 1 - (errors / total over the period) / (1 - objective); NaN when unknown. */
SLOEVAL_EXPORT double sloeval_check_slo_budget_remaining(const sloeval_check_slo_result *r);
/** The share of the period (0..1) the data covers: (time - the earliest
 *  sample of the period's total query (ratio SLIs: its ratio query)) /
 *  period, to one step of period/10000; NaN when unknown. Below 1 the
 *  budget remaining is partial: it counts only that part of the period. */
SLOEVAL_EXPORT double sloeval_check_slo_budget_coverage(const sloeval_check_slo_result *r);
/** Why the budget remaining is NaN, or NULL. */
SLOEVAL_EXPORT const char *sloeval_check_slo_budget_reason(const sloeval_check_slo_result *r);
/** Whether this SLO in this scope fails the run's gate: a rule of a
 *  failing severity fires, or the budget remaining is below the gate's
 *  threshold. */
SLOEVAL_EXPORT bool sloeval_check_slo_gate_failed(const sloeval_check_slo_result *r);
/** The rule of the gate that decided: "fail_on" (a failing severity
 *  fires), "gate.budget_below" (the config's), "slos[].gate.budget_below"
 *  (the SLO's own), "--fail-on-budget-below" (the option); NULL when the
 *  SLO does not fail the gate. */
SLOEVAL_EXPORT const char *sloeval_check_slo_gate_rule(const sloeval_check_slo_result *r);
/** The budget threshold in force for this SLO, percent; NaN without one. */
SLOEVAL_EXPORT double sloeval_check_slo_gate_budget_below(const sloeval_check_slo_result *r);
SLOEVAL_EXPORT int64_t sloeval_check_slo_period_ms(const sloeval_check_slo_result *r);
/** The policy's windows, ascending: their number, and the i-th (NULL past the end). */
SLOEVAL_EXPORT size_t sloeval_check_slo_window_count(const sloeval_check_slo_result *r);
SLOEVAL_EXPORT const sloeval_check_window *
sloeval_check_slo_window(const sloeval_check_slo_result *r, size_t i);
/** The policy's rules, in policy order: their number, and the i-th (NULL past the end). */
SLOEVAL_EXPORT size_t sloeval_check_slo_rule_count(const sloeval_check_slo_result *r);
SLOEVAL_EXPORT const sloeval_check_rule *sloeval_check_slo_rule(const sloeval_check_slo_result *r,
                                                                size_t i);
/** Remarks that do not change the decision (an error query without series
 *  counted as 0 errors, server warnings): their number, and the i-th. */
SLOEVAL_EXPORT size_t sloeval_check_slo_note_count(const sloeval_check_slo_result *r);
SLOEVAL_EXPORT const char *sloeval_check_slo_note(const sloeval_check_slo_result *r, size_t i);

/** The window in ms. */
SLOEVAL_EXPORT int64_t sloeval_check_window_ms(const sloeval_check_window *w);
/** The window as Prometheus writes it: "5m", "1h", ... */
SLOEVAL_EXPORT const char *sloeval_check_window_name(const sloeval_check_window *w);
/** NULL when the error ratio and burn rate are numbers; else why not ("no traffic", ...). */
SLOEVAL_EXPORT const char *sloeval_check_window_reason(const sloeval_check_window *w);
/** errors / total, or the ratio query's value; NaN without one. */
SLOEVAL_EXPORT double sloeval_check_window_error_ratio(const sloeval_check_window *w);
/** error_ratio / (1 - objective); NaN without one. */
SLOEVAL_EXPORT double sloeval_check_window_burn_rate(const sloeval_check_window *w);
/** Events SLIs: what error_query and total_query returned (NaN when
 *  unusable, and for a ratio SLI). */
SLOEVAL_EXPORT double sloeval_check_window_errors(const sloeval_check_window *w);
SLOEVAL_EXPORT double sloeval_check_window_total(const sloeval_check_window *w);

SLOEVAL_EXPORT const char *sloeval_check_rule_severity(const sloeval_check_rule *r);
SLOEVAL_EXPORT int64_t sloeval_check_rule_long_ms(const sloeval_check_rule *r);
SLOEVAL_EXPORT int64_t sloeval_check_rule_short_ms(const sloeval_check_rule *r);
/** The windows as Prometheus writes them: "1h", "5m". */
SLOEVAL_EXPORT const char *sloeval_check_rule_long_window(const sloeval_check_rule *r);
SLOEVAL_EXPORT const char *sloeval_check_rule_short_window(const sloeval_check_rule *r);
SLOEVAL_EXPORT double sloeval_check_rule_factor(const sloeval_check_rule *r);
SLOEVAL_EXPORT sloeval_check_rule_state sloeval_check_rule_state_of(const sloeval_check_rule *r);
/** Burn rates over the long and short window; NaN when the window had no usable ratio. */
SLOEVAL_EXPORT double sloeval_check_rule_burn_long(const sloeval_check_rule *r);
SLOEVAL_EXPORT double sloeval_check_rule_burn_short(const sloeval_check_rule *r);

/* ---- an alert in a scope ----------------------------------------------------- */

SLOEVAL_EXPORT const char *sloeval_check_alert_name(const sloeval_check_alert_result *a);
/** A region's name, or "global". */
SLOEVAL_EXPORT const char *sloeval_check_alert_scope(const sloeval_check_alert_result *a);
/** The region, or NULL for the global scope. */
SLOEVAL_EXPORT const char *sloeval_check_alert_region(const sloeval_check_alert_result *a);
/** The alert's index in its set, for sloeval_slo_set_alert(). */
SLOEVAL_EXPORT size_t sloeval_check_alert_index(const sloeval_check_alert_result *a);
SLOEVAL_EXPORT sloeval_check_status sloeval_check_alert_status(const sloeval_check_alert_result *a);
/** status == SLOEVAL_CHECK_FIRING. */
SLOEVAL_EXPORT bool sloeval_check_alert_firing(const sloeval_check_alert_result *a);
/** The series that fire (sorted by labels; none unless firing): their
 *  number, and the i-th (NULL past the end). */
SLOEVAL_EXPORT size_t sloeval_check_alert_series_count(const sloeval_check_alert_result *a);
SLOEVAL_EXPORT const sloeval_check_series *
sloeval_check_alert_series(const sloeval_check_alert_result *a, size_t i);
/** Series returned at T that have not yet been returned for `for` (pending). */
SLOEVAL_EXPORT size_t sloeval_check_alert_pending_count(const sloeval_check_alert_result *a);
/** Inconclusive: why; else NULL. */
SLOEVAL_EXPORT const char *sloeval_check_alert_reason(const sloeval_check_alert_result *a);
SLOEVAL_EXPORT size_t sloeval_check_alert_note_count(const sloeval_check_alert_result *a);
SLOEVAL_EXPORT const char *sloeval_check_alert_note(const sloeval_check_alert_result *a, size_t i);
/** The rule group of an alert from a rule file, or NULL. */
SLOEVAL_EXPORT const char *sloeval_check_alert_group(const sloeval_check_alert_result *a);

/** A series' labels, sorted by name: their number, and the i-th (NULL past the end). */
SLOEVAL_EXPORT size_t sloeval_check_series_label_count(const sloeval_check_series *s);
SLOEVAL_EXPORT const sloeval_label *sloeval_check_series_label(const sloeval_check_series *s,
                                                               size_t i);

/** Warnings about the run as a whole (risky TLS options, unknown server versions). */
SLOEVAL_EXPORT size_t sloeval_check_report_warning_count(const sloeval_check_report *report);
SLOEVAL_EXPORT const char *sloeval_check_report_warning(const sloeval_check_report *report,
                                                        size_t i);
/**
 * The i-th warning as the text report prints it, safe on one line of a
 * terminal: invalid UTF-8 as U+FFFD, C0 and C1 control characters and DEL
 * (which a server could use to retitle or clear the terminal) as escapes
 * such as \x1b and \u009b. For a program that prints the warnings itself
 * (sloeval check puts them on stderr when the text report is not on
 * stdout). *out is a malloc'd NUL-terminated string (free() it), NULL on
 * error. Errors: SLOEVAL_EINVAL (out or report NULL, i out of range),
 * SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_check_report_warning_escaped(char **out,
                                                        const sloeval_check_report *report,
                                                        size_t i, sloeval_error *err);

/**
 * The plan with opts.explain: every query, the backend it went to and the
 * exact text sent, and what was computed locally. "" without explain.
 */
SLOEVAL_EXPORT const char *sloeval_check_report_explain(const sloeval_check_report *report);

/* ---- rendering ------------------------------------------------------------ */

typedef enum sloeval_check_format {
    SLOEVAL_CHECK_FORMAT_TEXT = 0,  /**< a table for people */
    SLOEVAL_CHECK_FORMAT_JSON = 1,  /**< the JSON document of the README */
    SLOEVAL_CHECK_FORMAT_JUNIT = 2, /**< JUnit XML: a testcase per SLO, alert and scope */
    SLOEVAL_CHECK_FORMAT_PROM = 3,  /**< Prometheus text exposition (textfile collector) */
} sloeval_check_format;

/** Current version of sloeval_check_render_options (1: the fields below). */
#define SLOEVAL_CHECK_RENDER_OPTIONS_VERSION 1

/** Options of the renderers. Initialise with SLOEVAL_CHECK_RENDER_OPTIONS_INIT. */
typedef struct sloeval_check_render_options {
    unsigned int version; /**< SLOEVAL_CHECK_RENDER_OPTIONS_VERSION */
    sloeval_check_format format;
    bool color; /**< text: ANSI colours (for a terminal) */
    /** prom: sloeval_check_last_run_timestamp_seconds, ms; 0 means the
     *  wall-clock end of the run. */
    int64_t last_run_ms;
} sloeval_check_render_options;

#define SLOEVAL_CHECK_RENDER_OPTIONS_INIT                                                          \
    {                                                                                              \
        SLOEVAL_CHECK_RENDER_OPTIONS_VERSION, SLOEVAL_CHECK_FORMAT_TEXT, false, 0                  \
    }

/**
 * Render a report. *out is a malloc'd NUL-terminated string (free() it),
 * *len its length (len may be NULL). opts NULL means text without colour.
 * Returns 0, SLOEVAL_EINVAL or SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_check_report_render(char **out, size_t *len,
                                               const sloeval_check_report *report,
                                               const sloeval_check_render_options *opts,
                                               sloeval_error *err);

/**
 * Render into the file at `path`. A regular file (or a name not yet there)
 * is replaced atomically: the text goes to a temporary file
 * (".sloeval.XXXXXX") in the same directory, is flushed to disk, and
 * renamed over `path`, so that a reader (node_exporter's textfile
 * collector) sees the old file or the new one, never a part; a replaced
 * file keeps its mode and, where allowed, its owner; a new one is 0644.
 * Anything else (`-` for standard output, a symbolic link such as
 * /dev/stdout, a device, a FIFO) is opened and written in place, never
 * replaced. Returns 0 or SLOEVAL_EIO ("<path>: <reason>"),
 * SLOEVAL_EINVAL, SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_check_report_write_file(const char *path,
                                                   const sloeval_check_report *report,
                                                   const sloeval_check_render_options *opts,
                                                   sloeval_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_CHECK_H */
