/*
 * Probes of the data a check is about to judge (internal): requests, sent
 * in the same parallel batch as the version detection, that tell whether
 * an SLO's answers in a scope can mean what they seem to.
 *
 * - A selector of an SLI query that requires a label to be non-empty
 *   (code=~"5..", code="500", code!="") while no series of its metric
 *   carries that label over the period can never match: its empty answer
 *   is a misconfiguration, not "no errors". One /api/v1/labels request per
 *   metric, backend and injected matchers tells (cached across SLOs).
 * - A region answered by its own backend whose series of an SLI metric
 *   carry <regions.label>="<another region>" answers for that region (two
 *   URLs swapped). One /api/v1/label/<label>/values request per metric
 *   and backend tells.
 * A probe that fails decides nothing (the queries report their own errors).
 */
#ifndef SLOEVAL_CHECK_PROBE_H
#define SLOEVAL_CHECK_PROBE_H

#include "check/check.h"
#include "http/http.h"
#include "slo/config.h"
#include "sloeval/source.h"
#include "util/arena.h"

/* A scope of the run, as the probes need it. */
typedef struct check_probe_scope {
    const char *name;   /* region name or "global" */
    const char *region; /* NULL for the global scope */
    unsigned bit;       /* SLO_SCOPE_REGION or SLO_SCOPE_GLOBAL */
    const slo_backend *const *backends;
    sloeval_source *const *sources; /* one per backend */
    size_t nbackends;
    const label_matcher *inject; /* matchers injected into every selector */
    size_t ninject;
    bool own_backend;       /* a region answered by the backend named like it */
    sloeval_compat grammar; /* which parse of the queries to read */
    bool failed;            /* a backend cannot be asked: no probes */
} check_probe_scope;

typedef struct check_probes check_probes;

/*
 * Plan the probes of every SLO (and alert) of cfg in every scope that judges it, over
 * the period ending at t, and add their requests to hb. *out lives in `a`.
 * Returns 0 or SLOEVAL_ENOMEM.
 */
int check_probes_add(check_probes **out, arena *a, http_batch *hb, const slo_config *cfg,
                     const check_probe_scope *scopes, size_t nscopes, int64_t t,
                     sloeval_error *err);

/* Whether any request was added. */
size_t check_probes_count(const check_probes *p);

/*
 * After the batch has run: why SLO `index` (alert `index` when alert)
 * cannot be judged in scope scope_index ("; "-joined when there are
 * several reasons), or NULL. Alerts get the region check only: an alert on
 * a label no series has may be meant (absent()). The text lives in `a`;
 * NULL too when out of memory (*oom set).
 */
const char *check_probes_reason(const check_probes *p, bool alert, size_t index, size_t scope_index,
                                arena *a, bool *oom);

/*
 * Server warnings in the answers of one SLO in one scope: the first warning
 * of a successful answer that no acceptable_warnings regex of the scope's
 * backends matches, as a reason ("error_query over 1h: warning from
 * backend global: ..."), or *out NULL. Infos never count. The reason
 * lives in `a`. Returns 0 or SLOEVAL_ENOMEM.
 */
int check_warnings_reason(const char **out, arena *a, const slo_backend *const *backends,
                          size_t nbackends, const check_slo_answers *ans, sloeval_error *err);

#endif
