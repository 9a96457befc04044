/*
 * Prometheus rule files (groups: [{name, interval, query_offset, limit,
 * labels, rules: [...]}]), read with Prometheus's rules: unknown keys are
 * errors, group names are unique in a file, a rule is either `alert:` or
 * `record:`. Alerting rules become alerts; the step of their `for` check
 * is the group's interval (or the config's evaluation.step). Recording
 * rules are checked and then skipped: their series are already on the
 * server that runs them, and sloeval evaluates alerts, not recordings. The
 * number skipped is kept (slo_config.skipped_records) so that tools can
 * say so.
 */
#include <string.h>

#include "slo/load.h"

static int load_rule(loader *L, const ynode *n, const ypath *path, const char *group,
                     const slo_kvs *group_labels, int64_t step_ms, int64_t offset_ms)
{
    static const char *const keys[] = {"alert",           "record", "expr",        "for",
                                       "keep_firing_for", "labels", "annotations", NULL};
    int rc = load_keys(L, n, path, keys);
    if (rc) return rc;
    const ypair *alert = ynode_get_pair(n, "alert"), *record = ynode_get_pair(n, "record");
    if (alert && record) {
        ypath p = YPATH_KEY(path, "record");
        return load_error(L, record->key, &p, "a rule has 'alert' or 'record', not both");
    }
    if (!alert && !record)
        return load_error(L, n, path, "missing required key 'alert' (or record)");
    const ynode *v;
    ypath p;
    if (record) {
        const char *name = NULL;
        p = YPATH_KEY(path, "record");
        if ((rc = load_required(L, n, path, "record", &v)) ||
            (rc = load_nonempty_str(L, v, &p, &name)))
            return rc;
        if (!load_is_metric_name(name))
            return load_error(L, v, &p, "invalid recording rule name '%s'", name);
        static const char *const alert_only[] = {"for", "keep_firing_for", "annotations", NULL};
        for (const char *const *k = alert_only; *k; k++) {
            const ypair *pr = ynode_get_pair(n, *k);
            if (pr) {
                ypath kp = YPATH_KEY(path, *k);
                return load_error(L, pr->key, &kp, "invalid field in a recording rule");
            }
        }
        const char *expr = NULL;
        p = YPATH_KEY(path, "expr");
        if ((rc = load_required(L, n, path, "expr", &v)) ||
            (rc = load_nonempty_str(L, v, &p, &expr)) ||
            (rc = load_check_expr(L, v, &p, NULL, expr)))
            return rc;
        slo_kvs labels = {0};
        p = YPATH_KEY(path, "labels");
        if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_LABELS, &labels))) return rc;
        L->cfg->skipped_records++;
        return 0;
    }
    slo_alert *a = load_new_alert(L);
    if (!a) return load_oom(L);
    a->origin = SLO_ORIGIN_RULES;
    a->loc = load_loc(L, n);
    a->group = group;
    a->scopes = L->default_scopes;
    a->step_ms = step_ms;
    a->query_offset_ms = offset_ms;
    p = YPATH_KEY(path, "alert");
    if ((rc = load_required(L, n, path, "alert", &v)) ||
        (rc = load_nonempty_str(L, v, &p, &a->name)))
        return rc;
    if ((rc = load_alert_expr(L, n, path, a))) return rc;
    slo_kvs own = {0};
    p = YPATH_KEY(path, "labels");
    if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_LABELS, &own)) ||
        (rc = load_kvs_merge(L, group_labels, &own, &a->labels)))
        return rc;
    p = YPATH_KEY(path, "annotations");
    return load_kvs(L, ynode_get(n, "annotations"), &p, KVS_ANNOTATIONS, &a->annotations);
}

static int load_group(loader *L, const ynode *n, const ypath *path, const ynode *groups,
                      size_t index)
{
    static const char *const keys[] = {"name",  "interval", "query_offset", "limit", "labels",
                                       "rules", NULL};
    int rc = load_keys(L, n, path, keys);
    if (rc) return rc;
    const ynode *v;
    const char *name = NULL;
    ypath p = YPATH_KEY(path, "name");
    if ((rc = load_required(L, n, path, "name", &v)) || (rc = load_nonempty_str(L, v, &p, &name)))
        return rc;
    for (size_t j = 0; j < index; j++) {
        const ynode *o = ynode_get(groups->items[j], "name");
        if (o && o->kind == YNODE_SCALAR && !strcmp(o->value, name))
            return load_error(L, v, &p,
                              "group name '%s' is repeated in the same file (first at line %d)",
                              name, o->line);
    }
    int64_t step = L->cfg->step_ms, offset = 0;
    p = YPATH_KEY(path, "interval");
    if ((rc = load_positive_duration(L, ynode_get(n, "interval"), &p, &step))) return rc;
    p = YPATH_KEY(path, "query_offset");
    if ((rc = load_duration(L, ynode_get(n, "query_offset"), &p, &offset))) return rc;
    int limit = 0;
    p = YPATH_KEY(path, "limit");
    if ((rc = load_int(L, ynode_get(n, "limit"), &p, 0, 1000000000, &limit))) return rc;
    slo_kvs labels = {0};
    p = YPATH_KEY(path, "labels");
    if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_LABELS, &labels))) return rc;
    p = YPATH_KEY(path, "rules");
    v = ynode_get(n, "rules");
    if (!v || ynode_is_null(v)) return 0;
    if ((rc = load_want_seq(L, v, &p))) return rc;
    for (size_t i = 0; i < v->count; i++) {
        ypath ip = YPATH_INDEX(&p, i);
        if ((rc = load_rule(L, v->items[i], &ip, name, &labels, step, offset))) return rc;
    }
    return 0;
}

int load_rules_doc(loader *L, const ynode *doc)
{
    static const char *const keys[] = {"groups", NULL};
    int rc = load_keys(L, doc, NULL, keys);
    if (rc) return rc;
    ypath p = YPATH_KEY(NULL, "groups");
    const ynode *v = ynode_get(doc, "groups");
    if (!v || ynode_is_null(v) || (v->kind == YNODE_SEQ && v->count == 0))
        return load_warn(L, v ? v : doc, v ? &p : NULL, "no rule groups: no rules to check");
    if ((rc = load_want_seq(L, v, &p))) return rc;
    size_t alerts = L->cfg->nalerts, records = L->cfg->skipped_records;
    for (size_t i = 0; i < v->count; i++) {
        ypath ip = YPATH_INDEX(&p, i);
        if ((rc = load_group(L, v->items[i], &ip, v, i))) return rc;
    }
    /* Prometheus loads it; sloeval checks alerting rules */
    if (L->cfg->nalerts == alerts)
        return load_warn(L, v, &p,
                         records < L->cfg->skipped_records
                             ? "only recording rules (%zu): no alerting rules to check"
                             : "no rules: no alerting rules to check",
                         L->cfg->skipped_records - records);
    return 0;
}
