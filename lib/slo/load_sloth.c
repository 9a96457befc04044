/*
 * Sloth specs (version: "prometheus/v1"), read as Sloth reads them: unknown
 * keys are ignored (with a warning naming the key probably meant, such as
 * page_alert for pageAlert), label names are UTF-8, and the checks Sloth's
 * own validation makes are made here too. Plugins (SLI plugins and
 * SLO plugin chains) run Go code inside Sloth: they are refused with a
 * clear error instead of being ignored.
 */
#include <stdio.h>
#include <string.h>

#include "slo/load.h"

#define SLOTH_VERSION "prometheus/v1"

static int load_alert_meta(loader *L, const ynode *n, const ypath *path, bool *disable,
                           slo_kvs *labels, slo_kvs *annotations)
{
    static const char *const keys[] = {"disable", "labels", "annotations", NULL};
    if (!n || ynode_is_null(n)) return 0;
    int rc = load_keys_lenient(L, n, path, keys, "Sloth");
    if (rc) return rc;
    ypath p = YPATH_KEY(path, "disable");
    if ((rc = load_bool(L, ynode_get(n, "disable"), &p, disable))) return rc;
    p = YPATH_KEY(path, "labels");
    if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_UTF8_LABELS, labels))) return rc;
    p = YPATH_KEY(path, "annotations");
    return load_kvs(L, ynode_get(n, "annotations"), &p, KVS_UTF8_NAMES, annotations);
}

static int load_alerting(loader *L, const ynode *slo_node, const ypath *slo_path, slo_def *s)
{
    const ynode *n = ynode_get(slo_node, "alerting");
    ypath ap = YPATH_KEY(slo_path, "alerting");
    const ypath *path = &ap;
    static const char *const keys[] = {"name",       "labels",       "annotations",
                                       "page_alert", "ticket_alert", NULL};
    int rc;
    bool page_off = false, ticket_off = false;
    slo_kvs page_labels = {0}, page_ann = {0}, ticket_labels = {0}, ticket_ann = {0};
    if (n && !ynode_is_null(n)) {
        if ((rc = load_keys_lenient(L, n, path, keys, "Sloth"))) return rc;
        ypath p = YPATH_KEY(path, "name");
        const ynode *v = ynode_get(n, "name");
        if ((rc = load_nonempty_str(L, v, &p, &s->alert_name))) return rc;
        p = YPATH_KEY(path, "labels");
        if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_UTF8_LABELS, &s->alert_labels)))
            return rc;
        p = YPATH_KEY(path, "annotations");
        if ((rc = load_kvs(L, ynode_get(n, "annotations"), &p, KVS_UTF8_NAMES,
                           &s->alert_annotations)))
            return rc;
        p = YPATH_KEY(path, "page_alert");
        if ((rc = load_alert_meta(L, ynode_get(n, "page_alert"), &p, &page_off, &page_labels,
                                  &page_ann)))
            return rc;
        p = YPATH_KEY(path, "ticket_alert");
        if ((rc = load_alert_meta(L, ynode_get(n, "ticket_alert"), &p, &ticket_off, &ticket_labels,
                                  &ticket_ann)))
            return rc;
    }
    /* Sloth needs an alert name unless both alerts are disabled */
    if (!s->alert_name && !(page_off && ticket_off)) {
        if (n && !ynode_is_null(n)) return load_error(L, n, path, "missing required key 'name'");
        return load_error(L, slo_node, slo_path,
                          "missing required key 'alerting' (Sloth needs alerting.name unless "
                          "page_alert and ticket_alert are both disabled)");
    }
    s->severities = ARENA_NEW_ARRAY(&L->cfg->arena, slo_severity_meta, 2);
    if (!s->severities) return load_oom(L);
    slo_severity_meta *page = &s->severities[0], *ticket = &s->severities[1];
    page->severity = "page";
    page->disabled = page_off;
    ticket->severity = "ticket";
    ticket->disabled = ticket_off;
    if ((rc = load_kvs_merge(L, &s->alert_labels, &page_labels, &page->labels)) ||
        (rc = load_kvs_merge(L, &s->alert_annotations, &page_ann, &page->annotations)) ||
        (rc = load_kvs_merge(L, &s->alert_labels, &ticket_labels, &ticket->labels)) ||
        (rc = load_kvs_merge(L, &s->alert_annotations, &ticket_ann, &ticket->annotations)))
        return rc;
    s->nseverities = 2;
    return 0;
}

static int load_sli(loader *L, const ynode *n, const ypath *path, slo_def *s)
{
    static const char *const keys[] = {"events", "raw", "plugin", NULL};
    int rc = load_keys_lenient(L, n, path, keys, "Sloth");
    if (rc) return rc;
    const ypair *plugin = ynode_get_pair(n, "plugin");
    if (plugin) {
        ypath p = YPATH_KEY(path, "plugin");
        return load_error(L, plugin->key, &p,
                          "Sloth SLI plugins are not supported (sloeval cannot run them): write "
                          "the SLI as sli.events or sli.raw");
    }
    const ynode *ev = ynode_get(n, "events"), *raw = ynode_get(n, "raw");
    if (ev && raw) {
        ypath p = YPATH_KEY(path, "raw");
        return load_error(L, raw, &p, "only one SLI type is allowed (events or raw)");
    }
    if (!ev && !raw) return load_error(L, n, path, "missing required key 'events' (or raw)");
    if (raw) {
        static const char *const rkeys[] = {"error_ratio_query", NULL};
        ypath rp = YPATH_KEY(path, "raw"), p = YPATH_KEY(&rp, "error_ratio_query");
        const ynode *q;
        if ((rc = load_keys_lenient(L, raw, &rp, rkeys, "Sloth")) ||
            (rc = load_required(L, raw, &rp, "error_ratio_query", &q)) ||
            (rc = load_template(L, q, &p, TPL_SLOTH, true, &s->error_ratio_query)) ||
            (rc = load_check_expr(L, q, &p, &s->error_ratio_query, NULL)))
            return rc;
        s->sli = SLO_SLI_RATIO;
        s->error_ratio_query_loc = load_loc(L, q);
        return 0;
    }
    static const char *const ekeys[] = {"error_query", "total_query", NULL};
    ypath ep = YPATH_KEY(path, "events"), p;
    const ynode *eq, *tq;
    if ((rc = load_keys_lenient(L, ev, &ep, ekeys, "Sloth"))) return rc;
    p = YPATH_KEY(&ep, "error_query");
    if ((rc = load_required(L, ev, &ep, "error_query", &eq)) ||
        (rc = load_template(L, eq, &p, TPL_SLOTH, true, &s->error_query)) ||
        (rc = load_check_expr(L, eq, &p, &s->error_query, NULL)))
        return rc;
    p = YPATH_KEY(&ep, "total_query");
    if ((rc = load_required(L, ev, &ep, "total_query", &tq)) ||
        (rc = load_template(L, tq, &p, TPL_SLOTH, true, &s->total_query)) ||
        (rc = load_check_expr(L, tq, &p, &s->total_query, NULL)))
        return rc;
    if (!strcmp(s->error_query.text, s->total_query.text))
        return load_error(L, tq, &p, "is the same query as error_query");
    s->sli = SLO_SLI_EVENTS;
    s->error_query_loc = load_loc(L, eq);
    s->total_query_loc = load_loc(L, tq);
    return 0;
}

static int load_sloth_slo(loader *L, const ynode *n, const ypath *path, const char *service,
                          const slo_kvs *service_labels)
{
    static const char *const keys[] = {"name", "description", "objective", "labels",
                                       "sli",  "alerting",    "plugins",   NULL};
    int rc = load_keys_lenient(L, n, path, keys, "Sloth");
    if (rc) return rc;
    const ypair *plugins = ynode_get_pair(n, "plugins");
    if (plugins) {
        ypath p = YPATH_KEY(path, "plugins");
        return load_error(L, plugins->key, &p,
                          "Sloth SLO plugins are not supported (sloeval cannot run them)");
    }
    slo_def *s = load_new_slo(L);
    if (!s) return load_oom(L);
    s->origin = SLO_ORIGIN_SLOTH;
    s->loc = load_loc(L, n);
    s->scopes = L->default_scopes;
    s->service = service;
    const ynode *name_node, *v;
    ypath p = YPATH_KEY(path, "name");
    if ((rc = load_required(L, n, path, "name", &name_node)) ||
        (rc = load_nonempty_str(L, name_node, &p, &s->name)))
        return rc;
    if (!load_is_safe_name(s->name) || strlen(s->name) < 2)
        return load_error(L, name_node, &p,
                          "invalid SLO name '%s' (Sloth names start and end with a letter or "
                          "digit and hold letters, digits, '-', '_', '.')",
                          s->name);
    if ((rc = load_slo_id_and_objective(L, s, n, path, name_node))) return rc;
    slo_kvs own = {0};
    p = YPATH_KEY(path, "labels");
    if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_UTF8_LABELS, &own)) ||
        (rc = load_kvs_merge(L, service_labels, &own, &s->labels)))
        return rc;
    p = YPATH_KEY(path, "sli");
    if ((rc = load_required(L, n, path, "sli", &v)) || (rc = load_sli(L, v, &p, s))) return rc;
    return load_alerting(L, n, path, s);
}

int load_sloth_doc(loader *L, const ynode *doc)
{
    static const char *const keys[] = {"version", "service", "labels", "slo_plugins", "slos", NULL};
    int rc = load_keys_lenient(L, doc, NULL, keys, "Sloth");
    if (rc) return rc;
    const ynode *v;
    ypath p = YPATH_KEY(NULL, "version");
    const char *version = NULL;
    if ((rc = load_required(L, doc, NULL, "version", &v)) ||
        (rc = load_nonempty_str(L, v, &p, &version)))
        return rc;
    if (strcmp(version, SLOTH_VERSION))
        return load_error(L, v, &p, "unsupported spec version '%s' (sloeval reads Sloth's %s)",
                          version, SLOTH_VERSION);
    const ypair *plugins = ynode_get_pair(doc, "slo_plugins");
    if (plugins) {
        ypath pp = YPATH_KEY(NULL, "slo_plugins");
        return load_error(L, plugins->key, &pp,
                          "Sloth SLO plugins are not supported (sloeval cannot run them)");
    }
    const char *service = NULL;
    p = YPATH_KEY(NULL, "service");
    if ((rc = load_required(L, doc, NULL, "service", &v)) ||
        (rc = load_nonempty_str(L, v, &p, &service)))
        return rc;
    if (!load_is_safe_name(service) || strlen(service) < 2)
        return load_error(L, v, &p,
                          "invalid service name '%s' (Sloth names start and end with a letter or "
                          "digit and hold letters, digits, '-', '_', '.')",
                          service);
    slo_kvs labels = {0};
    p = YPATH_KEY(NULL, "labels");
    if ((rc = load_kvs(L, ynode_get(doc, "labels"), &p, KVS_UTF8_LABELS, &labels))) return rc;
    p = YPATH_KEY(NULL, "slos");
    if ((rc = load_required(L, doc, NULL, "slos", &v)) || (rc = load_want_seq(L, v, &p))) return rc;
    if (v->count == 0) return load_error(L, v, &p, "at least one SLO is required");
    for (size_t i = 0; i < v->count; i++) {
        ypath ip = YPATH_INDEX(&p, i);
        if ((rc = load_sloth_slo(L, v->items[i], &ip, service, &labels))) return rc;
    }
    return 0;
}
