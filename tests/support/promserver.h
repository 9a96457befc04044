/*
 * promserver: a real Prometheus 2.42 for a test, on 127.0.0.1.
 *
 * promserver_start() backfills an OpenMetrics file into a fresh temporary
 * TSDB with `promtool tsdb create-blocks-from openmetrics`, starts
 * /usr/bin/prometheus on it (no scrape targets, 100y retention) on a free
 * loopback port and waits until it answers GET /-/ready. Several servers may
 * run at once. The server is a child process that receives SIGKILL when the
 * thread that started it dies (prctl PR_SET_PDEATHSIG), so it never outlives
 * a crashed or timed-out test: start and stop a server from the same thread,
 * and keep that thread alive while the server is in use. Temporary
 * directories left behind by a crashed test are removed by a later
 * promserver_start() once their owning process is gone.
 *
 * A promserver handle is not thread-safe: use it from one thread at a time.
 * It may be used from forked children (e.g. a server started in a Check
 * unchecked fixture, queried from the forked tests); only the process that
 * started it may stop it.
 * Strings handed back are malloc'd and belong to the caller; json_t results
 * are released with json_decref().
 */
#ifndef SLOEVAL_TEST_PROMSERVER_H
#define SLOEVAL_TEST_PROMSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

typedef struct promserver promserver;

/* Paths of the binaries the harness runs by default (Debian's 2.42). */
#define PROMSERVER_PROMETHEUS "/usr/bin/prometheus"
#define PROMSERVER_PROMTOOL   "/usr/bin/promtool"

/* True when both Prometheus binaries exist and are executable. Tests that
 * need a server should FAIL (not skip) when this is false: the binaries come
 * with the `prometheus` package that scripts/install-deps.sh installs. */
bool promserver_available(void);
/* The same for another pair of binaries (e.g. a Prometheus 3.x built by
 * scripts/build-backends.sh); NULL means the default path. */
bool promserver_available_at(const char *prometheus, const char *promtool);

typedef struct promserver_options {
    /* OpenMetrics file to backfill; NULL starts with an empty TSDB. */
    const char *openmetrics_path;
    /* Extra command-line flags for prometheus, NULL-terminated (or NULL),
     * e.g. {"--query.lookback-delta=1m", NULL}. Copied; need not outlive
     * the call. */
    const char *const *extra_args;
    /* How long to wait for /-/ready, in ms; 0 means 60000. */
    int ready_timeout_ms;
    /* Time limit of each HTTP request the harness makes, in ms; 0 means 60000. */
    int request_timeout_ms;
    /* The binaries to run; NULL means PROMSERVER_PROMETHEUS and
     * PROMSERVER_PROMTOOL. The backfill uses this promtool, so the blocks
     * are written by the server's own version. */
    const char *prometheus_path; /* copied */
    const char *promtool_path;
    /* prometheus.yml's contents; NULL means no scrape targets. A Thanos
     * sidecar needs external_labels here, for example. */
    const char *config_yaml;
} promserver_options;

/*
 * Backfill `openmetrics_path` (NULL: empty TSDB) into a fresh temporary
 * directory, start Prometheus there on 127.0.0.1:<free port> and wait for it
 * to be ready (at most 60 s). Returns NULL on failure with a one-line reason
 * in errbuf (promtool's or prometheus's error message, summarised).
 */
promserver *promserver_start(const char *openmetrics_path, char *errbuf, size_t errlen);
/* The same with options (NULL means defaults). */
promserver *promserver_start_opts(const promserver_options *opts, char *errbuf, size_t errlen);

/* "http://127.0.0.1:PORT"; lives as long as the server. */
const char *promserver_url(const promserver *s);
int promserver_port(const promserver *s);
pid_t promserver_pid(const promserver *s);
/* The temporary directory (TSDB in data/, config, logs); removed by stop. */
const char *promserver_dir(const promserver *s);
/* Wall time the backfill and the start-up took, in ms. */
double promserver_backfill_ms(const promserver *s);
double promserver_startup_ms(const promserver *s);

/*
 * POST `form` (already application/x-www-form-urlencoded) to `path`
 * (e.g. "/api/v1/query"). Returns 0 and sets *body (malloc'd, NUL-terminated,
 * the caller frees it) and *status (the HTTP status); -1 on a transport
 * failure (then *body is NULL).
 */
int promserver_post(promserver *s, const char *path, const char *form, char **body, long *status);
/* GET `path_and_query` (already encoded); as promserver_post. */
int promserver_get(promserver *s, const char *path_and_query, char **body, long *status);

/*
 * Instant query of `expr` at `time_param` (RFC 3339 or unix seconds as the
 * API accepts; NULL: the server's now). Returns the parsed JSON envelope
 * ({"status":..., "data":...} or the error envelope with errorType) and sets
 * *status (may be NULL); NULL on a transport failure or a body that is not
 * JSON.
 */
json_t *promserver_query(promserver *s, const char *expr, const char *time_param, long *status);
/* Range query; as promserver_query. */
json_t *promserver_query_range(promserver *s, const char *expr, const char *start, const char *end,
                               const char *step, long *status);

/*
 * Convenience for the common case: evaluate `expr` at `time_param` and store
 * in *out the value of the single result (a scalar, or an instant vector with
 * exactly one sample). Returns 0, or -1 when the query failed or the result
 * is not exactly one value (an empty vector included).
 */
int promserver_query_value(promserver *s, const char *expr, const char *time_param, double *out);

/* SIGTERM the server, wait for it (bounded, then SIGKILL), remove the
 * temporary directory and free the handle. NULL is a no-op. In a process
 * other than the one that started the server, only frees the handle. */
void promserver_stop(promserver *s);

/* A free TCP port on 127.0.0.1 (bound then released), or -1. */
int promserver_free_port(void);

#endif
