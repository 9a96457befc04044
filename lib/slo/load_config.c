/*
 * The sloeval config document (backends, regions, extra_matchers, period,
 * policy, evaluation, slos, alerts), read strictly: unknown keys are
 * errors. Its `include:` list is read by the file loader (load_file.c),
 * after this document.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "promql/parser.h"
#include "regex/regex.h"
#include "slo/duration.h"
#include "slo/load.h"
#include "slo/route.h"

/* `empty_errors: zero | inconclusive` (absent: *out unchanged). */
static int load_empty_errors(loader *L, const ynode *v, const ypath *p, slo_empty_errors *out)
{
    const char *s = NULL;
    int rc = load_nonempty_str(L, v, p, &s);
    if (rc || !s) return rc;
    if (!strcmp(s, "zero"))
        *out = SLO_EMPTY_ERRORS_ZERO;
    else if (!strcmp(s, "inconclusive"))
        *out = SLO_EMPTY_ERRORS_INCONCLUSIVE;
    else
        return load_error(L, v, p, "expected zero or inconclusive, got '%s'", s);
    return 0;
}

/* ---- backends ------------------------------------------------------------ */

static bool prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != *prefix) return false;
    return true;
}

/* Why a backend URL is not acceptable, or NULL. */
static const char *url_problem(const char *url)
{
    const char *rest = NULL;
    if (prefix_ci(url, "http://"))
        rest = url + 7;
    else if (prefix_ci(url, "https://"))
        rest = url + 8;
    else
        return "must start with http:// or https://";
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return "must not contain spaces or control characters";
    size_t host_len = strcspn(rest, "/?#");
    if (memchr(rest, '@', host_len))
        return "must not contain credentials (user:password@): use basic_auth with a password file";
    if (host_len == 0 || rest[0] == ':') return "has no host";
    if (strpbrk(rest, "?#")) return "must not contain a query string or fragment";
    return NULL;
}

static bool is_env_name(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_')) return false;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_')) return false;
    return true;
}

static int load_env_name(loader *L, const ynode *n, const ypath *path, const char **out)
{
    int rc = load_nonempty_str(L, n, path, out);
    if (rc) return rc;
    if (*out && !is_env_name(*out))
        return load_error(L, n, path,
                          "invalid environment variable name (must match [A-Za-z_][A-Za-z0-9_]*)");
    return 0;
}

static int inline_secret(loader *L, const ynode *map, const ypath *path, const char *key,
                         const char *instead)
{
    const ypair *p = ynode_get_pair(map, key);
    if (!p) return 0;
    ypath kp = YPATH_KEY(path, key);
    return load_error(L, p->key, &kp, "secrets are not accepted in the config: use %s", instead);
}

static int load_thanos(loader *L, const ynode *n, const ypath *path, slo_backend *b)
{
    static const char *const keys[] = {"partial_response",      "dedup",  "replica_labels",
                                       "max_source_resolution", "engine", NULL};
    int rc = load_keys(L, n, path, keys);
    if (rc) return rc;
    sloeval_prometheus_options *o = &b->http;
    b->thanos = true;
    ypath p;
    bool flag = false;
    const ynode *v = ynode_get(n, "partial_response");
    p = YPATH_KEY(path, "partial_response");
    if ((rc = load_bool(L, v, &p, &flag))) return rc;
    o->partial_response = flag;
    v = ynode_get(n, "dedup");
    p = YPATH_KEY(path, "dedup");
    if (v && !ynode_is_null(v)) {
        if ((rc = load_bool(L, v, &p, &flag))) return rc;
        o->dedup = flag;
    }
    p = YPATH_KEY(path, "replica_labels");
    const ynode *rl = ynode_get(n, "replica_labels");
    const char **labels = NULL;
    if ((rc = load_str_list(L, rl, &p, &labels, &o->nreplica_labels))) return rc;
    o->replica_labels = labels;
    for (size_t i = 0; i < o->nreplica_labels; i++) {
        if (!load_is_label_name(labels[i])) {
            ypath ip = YPATH_INDEX(&p, i);
            return load_error(L, rl->items[i], &ip, "invalid label name '%s'", labels[i]);
        }
    }
    p = YPATH_KEY(path, "max_source_resolution");
    const ynode *msr = ynode_get(n, "max_source_resolution");
    if ((rc = load_nonempty_str(L, msr, &p, &o->max_source_resolution))) return rc;
    if (o->max_source_resolution && strcmp(o->max_source_resolution, "auto")) {
        int64_t ms;
        const char *why;
        if (duration_parse(&ms, o->max_source_resolution, strlen(o->max_source_resolution), &why))
            return load_error(L, msr, &p, "expected 'auto' or a duration (0s, 5m, 1h), got '%s'",
                              o->max_source_resolution);
    }
    p = YPATH_KEY(path, "engine");
    const ynode *en = ynode_get(n, "engine");
    if ((rc = load_nonempty_str(L, en, &p, &o->engine))) return rc;
    if (o->engine && strcmp(o->engine, "prometheus") && strcmp(o->engine, "thanos"))
        return load_error(L, en, &p, "expected 'prometheus' or 'thanos', got '%s'", o->engine);
    return 0;
}

/* A positive duration in ms into a long option. */
static int load_ms_option(loader *L, const ynode *n, const ypath *path, const char *key, long *out)
{
    int64_t ms = -1;
    ypath p = YPATH_KEY(path, key);
    const ynode *v = ynode_get(n, key);
    int rc = load_positive_duration(L, v, &p, &ms);
    if (rc) return rc;
    if (ms > 0) {
        if (ms > 365LL * 24 * 3600 * 1000)
            return load_error(L, v, &p, "must be at most a year (365d)");
        *out = (long)ms;
    }
    return 0;
}

static int load_backend(loader *L, const ynode *key, const ynode *n, const ypath *path,
                        slo_backend *b)
{
    static const char *const keys[] = {"url",
                                       "headers",
                                       "tenant",
                                       "bearer_token_file",
                                       "bearer_token_env",
                                       "basic_auth",
                                       "tls",
                                       "timeout",
                                       "connect_timeout",
                                       "total_timeout",
                                       "retries",
                                       "retry_backoff",
                                       "retry_backoff_max",
                                       "max_response_bytes",
                                       "parallelism",
                                       "compression",
                                       "compat",
                                       "thanos",
                                       "acceptable_warnings",
                                       NULL};
    int rc;
    if ((rc = load_want_map(L, n, path))) return rc;
    if ((rc = inline_secret(L, n, path, "bearer_token", "bearer_token_file or bearer_token_env")))
        return rc;
    if ((rc = inline_secret(L, n, path, "authorization", "bearer_token_file or bearer_token_env")))
        return rc;
    if ((rc = load_keys(L, n, path, keys))) return rc;
    if (!load_is_safe_name(key->value))
        return load_error(L, key, path,
                          "invalid backend name (letters, digits, '-', '_', '.'; starting and "
                          "ending with a letter or digit)");
    b->name = arena_strdup(&L->cfg->arena, key->value);
    if (!b->name) return load_oom(L);
    b->loc = load_loc(L, key);
    sloeval_prometheus_options *o = &b->http;
    sloeval_prometheus_options_init(o);
    ypath p;
    const ynode *v;

    p = YPATH_KEY(path, "url");
    if ((rc = load_required(L, n, path, "url", &v)) || (rc = load_nonempty_str(L, v, &p, &o->url)))
        return rc;
    const char *why = url_problem(o->url);
    if (why) return load_error(L, v, &p, "%s", why);
    size_t ulen = strlen(o->url);
    while (ulen > 0 && o->url[ulen - 1] == '/')
        ((char *)o->url)[--ulen] = '\0';

    p = YPATH_KEY(path, "headers");
    v = ynode_get(n, "headers");
    slo_kvs headers = {0};
    if ((rc = load_kvs(L, v, &p, KVS_HEADERS, &headers))) return rc;
    if (headers.count) {
        sloeval_http_header *h =
            ARENA_NEW_ARRAY(&L->cfg->arena, sloeval_http_header, headers.count);
        if (!h) return load_oom(L);
        for (size_t i = 0; i < headers.count; i++) {
            const char *name = headers.items[i].name;
            ypath hp = YPATH_KEY(&p, name);
            if (!strcasecmp(name, "Authorization") || !strcasecmp(name, "Proxy-Authorization") ||
                !strcasecmp(name, "Cookie"))
                return load_error(L, v->pairs[i].key, &hp,
                                  "credentials are not accepted in headers: use "
                                  "bearer_token_file, bearer_token_env or basic_auth");
            if (!strcasecmp(name, "X-Scope-OrgID") && ynode_get(n, "tenant"))
                return load_error(L, v->pairs[i].key, &hp,
                                  "set the tenant with `tenant` or this header, not both");
            h[i].name = name;
            h[i].value = headers.items[i].value;
        }
        o->headers = h;
        o->nheaders = headers.count;
    }

    p = YPATH_KEY(path, "tenant");
    v = ynode_get(n, "tenant");
    if ((rc = load_nonempty_str(L, v, &p, &o->tenant))) return rc;
    if (o->tenant && strpbrk(o->tenant, "\r\n"))
        return load_error(L, v, &p, "must not contain a line break");

    p = YPATH_KEY(path, "bearer_token_file");
    if ((rc = load_nonempty_str(L, ynode_get(n, "bearer_token_file"), &p, &o->bearer_token_file)))
        return rc;
    p = YPATH_KEY(path, "bearer_token_env");
    if ((rc = load_env_name(L, ynode_get(n, "bearer_token_env"), &p, &o->bearer_token_env)))
        return rc;
    if (o->bearer_token_file && o->bearer_token_env)
        return load_error(L, ynode_get(n, "bearer_token_env"), &p,
                          "give bearer_token_file or bearer_token_env, not both");

    const ynode *ba = ynode_get(n, "basic_auth");
    if (ba && !ynode_is_null(ba)) {
        static const char *const bkeys[] = {"username", "password_file", "password_env", NULL};
        p = YPATH_KEY(path, "basic_auth");
        if ((rc = load_want_map(L, ba, &p)) ||
            (rc = inline_secret(L, ba, &p, "password", "password_file or password_env")) ||
            (rc = load_keys(L, ba, &p, bkeys)))
            return rc;
        if (o->bearer_token_file || o->bearer_token_env)
            return load_error(L, ba, &p, "give a bearer token or basic_auth, not both");
        ypath q = YPATH_KEY(&p, "username");
        if ((rc = load_required(L, ba, &p, "username", &v)) ||
            (rc = load_nonempty_str(L, v, &q, &o->basic_auth_user)))
            return rc;
        if (strchr(o->basic_auth_user, ':'))
            return load_error(L, v, &q, "a basic auth username cannot contain ':'");
        q = YPATH_KEY(&p, "password_file");
        if ((rc = load_nonempty_str(L, ynode_get(ba, "password_file"), &q,
                                    &o->basic_auth_password_file)))
            return rc;
        q = YPATH_KEY(&p, "password_env");
        if ((rc = load_env_name(L, ynode_get(ba, "password_env"), &q, &o->basic_auth_password_env)))
            return rc;
        if (!o->basic_auth_password_file && !o->basic_auth_password_env)
            return load_error(L, ba, &p, "missing required key 'password_file' (or password_env)");
        if (o->basic_auth_password_file && o->basic_auth_password_env)
            return load_error(L, ynode_get(ba, "password_env"), &q,
                              "give password_file or password_env, not both");
    }

    const ynode *tls = ynode_get(n, "tls");
    if (tls && !ynode_is_null(tls)) {
        static const char *const tkeys[] = {"ca_file", "cert_file", "key_file",
                                            "insecure_skip_verify", NULL};
        p = YPATH_KEY(path, "tls");
        if ((rc = load_keys(L, tls, &p, tkeys))) return rc;
        ypath q;
        q = YPATH_KEY(&p, "ca_file");
        if ((rc = load_nonempty_str(L, ynode_get(tls, "ca_file"), &q, &o->tls_ca_file))) return rc;
        q = YPATH_KEY(&p, "cert_file");
        if ((rc = load_nonempty_str(L, ynode_get(tls, "cert_file"), &q, &o->tls_cert_file)))
            return rc;
        q = YPATH_KEY(&p, "key_file");
        if ((rc = load_nonempty_str(L, ynode_get(tls, "key_file"), &q, &o->tls_key_file)))
            return rc;
        bool insecure = false;
        q = YPATH_KEY(&p, "insecure_skip_verify");
        if ((rc = load_bool(L, ynode_get(tls, "insecure_skip_verify"), &q, &insecure))) return rc;
        o->tls_insecure_skip_verify = insecure;
        if (o->tls_key_file && !o->tls_cert_file) {
            q = YPATH_KEY(&p, "key_file");
            return load_error(L, ynode_get(tls, "key_file"), &q,
                              "a key file needs a cert_file (a cert_file alone may hold both)");
        }
    }

    if ((rc = load_ms_option(L, n, path, "timeout", &o->timeout_ms)) ||
        (rc = load_ms_option(L, n, path, "connect_timeout", &o->connect_timeout_ms)) ||
        (rc = load_ms_option(L, n, path, "total_timeout", &o->total_timeout_ms)) ||
        (rc = load_ms_option(L, n, path, "retry_backoff", &o->retry_backoff_ms)) ||
        (rc = load_ms_option(L, n, path, "retry_backoff_max", &o->retry_backoff_max_ms)))
        return rc;
    if (o->total_timeout_ms < o->timeout_ms) {
        const ynode *at =
            ynode_get(n, "total_timeout") ? ynode_get(n, "total_timeout") : ynode_get(n, "timeout");
        p = YPATH_KEY(path, ynode_get(n, "total_timeout") ? "total_timeout" : "timeout");
        return load_error(L, at, &p,
                          "total_timeout (all attempts of a request) must be at least timeout "
                          "(one attempt)");
    }
    p = YPATH_KEY(path, "retries");
    if ((rc = load_int(L, ynode_get(n, "retries"), &p, 0, 10, &o->max_retries))) return rc;
    p = YPATH_KEY(path, "parallelism");
    if ((rc = load_int(L, ynode_get(n, "parallelism"), &p, 1, 64, &o->parallelism))) return rc;
    bool compression = true;
    p = YPATH_KEY(path, "compression");
    if ((rc = load_bool(L, ynode_get(n, "compression"), &p, &compression))) return rc;
    o->disable_compression = !compression;
    p = YPATH_KEY(path, "max_response_bytes");
    if ((rc = load_size(L, ynode_get(n, "max_response_bytes"), &p, &o->max_response_bytes)))
        return rc;

    p = YPATH_KEY(path, "compat");
    v = ynode_get(n, "compat");
    const char *compat = NULL;
    if ((rc = load_nonempty_str(L, v, &p, &compat))) return rc;
    if (compat) {
        if (!strcmp(compat, "auto"))
            o->compat = SLOEVAL_COMPAT_AUTO;
        else if (!strcmp(compat, "v2"))
            o->compat = SLOEVAL_COMPAT_V2;
        else if (!strcmp(compat, "v3"))
            o->compat = SLOEVAL_COMPAT_V3;
        else
            return load_error(L, v, &p, "expected auto, v2 or v3, got '%s'", compat);
    }

    p = YPATH_KEY(path, "acceptable_warnings");
    v = ynode_get(n, "acceptable_warnings");
    if ((rc = load_str_list(L, v, &p, &b->acceptable_warnings, &b->nacceptable_warnings)))
        return rc;
    for (size_t i = 0; i < b->nacceptable_warnings; i++) {
        promql_regex *re = NULL;
        char ebuf[256];
        rc = slo_warning_regex_compile(&re, b->acceptable_warnings[i], ebuf, sizeof(ebuf));
        promql_regex_free(re);
        if (rc == SLOEVAL_ENOMEM) return load_oom(L);
        if (rc) {
            ypath ip = YPATH_INDEX(&p, i);
            return load_error(L, v->items[i], &ip, "%s", ebuf);
        }
    }

    v = ynode_get(n, "thanos");
    if (v && !ynode_is_null(v)) {
        p = YPATH_KEY(path, "thanos");
        if ((rc = load_thanos(L, v, &p, b))) return rc;
    }
    return 0;
}

static int load_backends(loader *L, const ynode *n, const ypath *path)
{
    int rc = load_want_map(L, n, path);
    if (rc) return rc;
    if (n->npairs == 0) return load_error(L, n, path, "at least one backend is required");
    slo_config *c = L->cfg;
    c->backends = ARENA_NEW_ARRAY(&c->arena, slo_backend, n->npairs);
    if (!c->backends) return load_oom(L);
    for (size_t i = 0; i < n->npairs; i++) {
        ypath bp = YPATH_KEY(path, n->pairs[i].key->value);
        if ((rc = load_backend(L, n->pairs[i].key, n->pairs[i].value, &bp, &c->backends[i])))
            return rc;
        c->nbackends++;
    }
    return 0;
}

/* ---- regions ------------------------------------------------------------- */

static int load_regions(loader *L, const ynode *n, const ypath *path)
{
    static const char *const keys[] = {"label", "names", NULL};
    int rc = load_keys(L, n, path, keys);
    if (rc) return rc;
    slo_config *c = L->cfg;
    c->has_regions = true;
    c->regions.label = SLO_DEFAULT_REGION_LABEL;
    ypath p = YPATH_KEY(path, "label");
    const ynode *v = ynode_get(n, "label");
    if ((rc = load_nonempty_str(L, v, &p, &c->regions.label))) return rc;
    if (!load_is_label_name(c->regions.label) || !strcmp(c->regions.label, "__name__"))
        return load_error(L, v, &p, "invalid label name '%s'", c->regions.label);
    p = YPATH_KEY(path, "names");
    if ((rc = load_required(L, n, path, "names", &v)) || (rc = load_want_seq(L, v, &p))) return rc;
    if (v->count == 0) return load_error(L, v, &p, "at least one region is required");
    c->regions.items = ARENA_NEW_ARRAY(&c->arena, slo_region, v->count);
    if (!c->regions.items) return load_oom(L);
    for (size_t i = 0; i < v->count; i++) {
        ypath ip = YPATH_INDEX(&p, i);
        slo_region *r = &c->regions.items[i];
        if ((rc = load_nonempty_str(L, v->items[i], &ip, &r->name))) return rc;
        if (!r->name) return load_error(L, v->items[i], &ip, "must not be empty");
        if (!load_is_safe_name(r->name))
            return load_error(L, v->items[i], &ip,
                              "invalid region name '%s' (letters, digits, '-', '_', '.'; starting "
                              "and ending with a letter or digit)",
                              r->name);
        if (slo_config_region(c, r->name))
            return load_error(L, v->items[i], &ip, "region '%s' listed twice", r->name);
        r->loc = load_loc(L, v->items[i]);
        c->regions.count++;
    }
    return 0;
}

/* ---- policy -------------------------------------------------------------- */

static int load_policy(loader *L, const ynode *n, const ypath *path)
{
    slo_config *c = L->cfg;
    int rc;
    if (!n || ynode_is_null(n)) return slo_policy_sre_workbook(&c->policy, &c->arena, c->period_ms);
    if (n->kind == YNODE_SCALAR) {
        if (strcmp(n->value, SLO_POLICY_SRE_WORKBOOK))
            return load_error(L, n, path,
                              "unknown policy '%s' (expected sre-workbook or a list of rules)",
                              n->value);
        rc = slo_policy_sre_workbook(&c->policy, &c->arena, c->period_ms);
        return rc ? load_oom(L) : 0;
    }
    if (n->kind != YNODE_SEQ)
        return load_error(L, n, path, "expected sre-workbook or a list of rules, got %s",
                          ynode_kind_name(n));
    if (n->count == 0) return load_error(L, n, path, "a policy needs at least one rule");
    slo_policy *pol = &c->policy;
    memset(pol, 0, sizeof(*pol));
    pol->period_ms = c->period_ms;
    pol->rules = ARENA_NEW_ARRAY(&c->arena, slo_policy_rule, n->count);
    if (!pol->rules) return load_oom(L);
    static const char *const keys[] = {"severity", "long",           "short",
                                       "factor",   "budget_percent", NULL};
    char pbuf[DURATION_BUF_SIZE], lbuf[DURATION_BUF_SIZE];
    for (size_t i = 0; i < n->count; i++) {
        const ynode *r = n->items[i];
        ypath rp = YPATH_INDEX(path, i), p;
        slo_policy_rule *rule = &pol->rules[i];
        if ((rc = load_keys(L, r, &rp, keys))) return rc;
        rule->line = r->line;
        rule->column = r->column;
        const ynode *v;
        p = YPATH_KEY(&rp, "severity");
        if ((rc = load_required(L, r, &rp, "severity", &v)) ||
            (rc = load_nonempty_str(L, v, &p, &rule->severity)))
            return rc;
        if (!load_is_safe_name(rule->severity))
            return load_error(L, v, &p, "invalid severity '%s' (letters, digits, '-', '_', '.')",
                              rule->severity);
        p = YPATH_KEY(&rp, "long");
        const ynode *lv;
        if ((rc = load_required(L, r, &rp, "long", &lv)) ||
            (rc = load_positive_duration(L, lv, &p, &rule->long_ms)))
            return rc;
        p = YPATH_KEY(&rp, "short");
        if ((rc = load_required(L, r, &rp, "short", &v)) ||
            (rc = load_positive_duration(L, v, &p, &rule->short_ms)))
            return rc;
        if (rule->short_ms >= rule->long_ms)
            return load_error(L, v, &p, "the short window must be shorter than the long window");
        if (rule->long_ms > c->period_ms) {
            promql_duration_format(pbuf, sizeof(pbuf), c->period_ms);
            promql_duration_format(lbuf, sizeof(lbuf), rule->long_ms);
            ypath lp = YPATH_KEY(&rp, "long");
            return load_error(L, lv, &lp, "the long window %s is longer than the period %s", lbuf,
                              pbuf);
        }
        const ynode *fv = ynode_get(r, "factor"), *bv = ynode_get(r, "budget_percent");
        if (fv && bv) {
            ypath bp = YPATH_KEY(&rp, "budget_percent");
            return load_error(L, bv, &bp, "give factor or budget_percent, not both");
        }
        if (!fv && !bv)
            return load_error(L, r, &rp, "missing required key 'factor' (or budget_percent)");
        if (fv) {
            p = YPATH_KEY(&rp, "factor");
            if ((rc = load_number(L, fv, &p, &rule->factor))) return rc;
            if (ynode_is_null(fv)) return load_error(L, fv, &p, "must not be empty");
            if (!(rule->factor > 0))
                return load_error(L, fv, &p, "must be greater than 0, got %s", fv->value);
            rule->factor_given = true;
        } else {
            p = YPATH_KEY(&rp, "budget_percent");
            if ((rc = load_number(L, bv, &p, &rule->budget_percent))) return rc;
            if (ynode_is_null(bv)) return load_error(L, bv, &p, "must not be empty");
            if (!(rule->budget_percent > 0 && rule->budget_percent <= 100))
                return load_error(L, bv, &p, "must be a percentage in (0, 100], got %s", bv->value);
        }
        for (size_t j = 0; j < i; j++) {
            const slo_policy_rule *o = &pol->rules[j];
            if (!strcmp(o->severity, rule->severity) && o->long_ms == rule->long_ms &&
                o->short_ms == rule->short_ms)
                return load_error(L, r, &rp, "the same rule as line %d", o->line);
        }
        pol->nrules++;
    }
    return slo_policy_finish(pol, &c->arena) ? load_oom(L) : 0;
}

/* ---- SLOs and alerts of a sloeval config --------------------------------- */

static bool policy_has_severity(const slo_policy *p, const char *severity)
{
    for (size_t i = 0; i < p->nrules; i++)
        if (!strcmp(p->rules[i].severity, severity)) return true;
    return false;
}

/* `budget_below: PCT`, a percentage of the budget remaining (negative:
 * overspent by more than that). */
static int load_gate_budget(loader *L, const ynode *gate, const ypath *path, bool *has, double *out)
{
    const ynode *v = ynode_get(gate, "budget_below");
    if (!v || ynode_is_null(v)) return 0;
    ypath p = YPATH_KEY(path, "budget_below");
    int rc = load_number(L, v, &p, out);
    if (rc) return rc;
    if (!isfinite(*out) || *out > 100)
        return load_error(L, v, &p, "must be a percentage of the budget, at most 100");
    *has = true;
    return 0;
}

static int load_slo(loader *L, const ynode *n, const ypath *path)
{
    static const char *const keys[] = {"name",         "service", "description", "objective",
                                       "sli",          "scopes",  "labels",      "disable",
                                       "empty_errors", "gate",    NULL};
    int rc = load_keys(L, n, path, keys);
    if (rc) return rc;
    slo_def *s = load_new_slo(L);
    if (!s) return load_oom(L);
    s->origin = SLO_ORIGIN_CONFIG;
    s->loc = load_loc(L, n);
    s->scopes = L->default_scopes;
    const ynode *v, *name_node;
    ypath p = YPATH_KEY(path, "name");
    if ((rc = load_required(L, n, path, "name", &name_node)) ||
        (rc = load_nonempty_str(L, name_node, &p, &s->name)))
        return rc;
    if (!load_is_safe_name(s->name))
        return load_error(L, name_node, &p,
                          "invalid SLO name '%s' (letters, digits, '-', '_', '.'; starting and "
                          "ending with a letter or digit)",
                          s->name);
    p = YPATH_KEY(path, "service");
    v = ynode_get(n, "service");
    if ((rc = load_nonempty_str(L, v, &p, &s->service))) return rc;
    if (s->service && !load_is_safe_name(s->service))
        return load_error(L, v, &p, "invalid service name '%s'", s->service);
    if ((rc = load_slo_id_and_objective(L, s, n, path, name_node))) return rc;

    static const char *const sli_keys[] = {"error_query", "total_query", "error_ratio_query", NULL};
    const ynode *sli;
    ypath sp = YPATH_KEY(path, "sli");
    if ((rc = load_required(L, n, path, "sli", &sli)) || (rc = load_keys(L, sli, &sp, sli_keys)))
        return rc;
    const ynode *eq = ynode_get(sli, "error_query"), *tq = ynode_get(sli, "total_query"),
                *rq = ynode_get(sli, "error_ratio_query");
    if (rq && (eq || tq)) {
        ypath rp = YPATH_KEY(&sp, "error_ratio_query");
        return load_error(L, rq, &rp,
                          "give error_query and total_query, or error_ratio_query, not both");
    }
    if (rq) {
        s->sli = SLO_SLI_RATIO;
        p = YPATH_KEY(&sp, "error_ratio_query");
        if ((rc = load_template(L, rq, &p, TPL_SLOEVAL, true, &s->error_ratio_query)) ||
            (rc = load_check_expr(L, rq, &p, &s->error_ratio_query, NULL)))
            return rc;
        s->error_ratio_query_loc = load_loc(L, rq);
    } else {
        if (!eq && !tq)
            return load_error(L, sli, &sp,
                              "missing required key 'error_query' and 'total_query' (or "
                              "error_ratio_query)");
        if (!eq) return load_error(L, sli, &sp, "missing required key 'error_query'");
        if (!tq) return load_error(L, sli, &sp, "missing required key 'total_query'");
        s->sli = SLO_SLI_EVENTS;
        p = YPATH_KEY(&sp, "error_query");
        if ((rc = load_template(L, eq, &p, TPL_SLOEVAL, true, &s->error_query)) ||
            (rc = load_check_expr(L, eq, &p, &s->error_query, NULL)))
            return rc;
        s->error_query_loc = load_loc(L, eq);
        p = YPATH_KEY(&sp, "total_query");
        if ((rc = load_template(L, tq, &p, TPL_SLOEVAL, true, &s->total_query)) ||
            (rc = load_check_expr(L, tq, &p, &s->total_query, NULL)))
            return rc;
        s->total_query_loc = load_loc(L, tq);
        if (!strcmp(s->error_query.text, s->total_query.text))
            return load_error(L, tq, &p, "is the same query as error_query");
    }
    p = YPATH_KEY(path, "scopes");
    if ((rc = load_scopes(L, ynode_get(n, "scopes"), &p, &s->scopes))) return rc;
    p = YPATH_KEY(path, "labels");
    if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_LABELS, &s->labels))) return rc;

    v = ynode_get(n, "gate");
    if (v && !ynode_is_null(v)) {
        static const char *const gkeys[] = {"budget_below", NULL};
        p = YPATH_KEY(path, "gate");
        if ((rc = load_keys(L, v, &p, gkeys)) ||
            (rc = load_gate_budget(L, v, &p, &s->has_gate, &s->gate_budget_below)))
            return rc;
    }
    p = YPATH_KEY(path, "empty_errors");
    if ((rc = load_empty_errors(L, ynode_get(n, "empty_errors"), &p, &s->empty_errors))) return rc;
    if (s->empty_errors != SLO_EMPTY_ERRORS_DEFAULT && s->sli == SLO_SLI_RATIO)
        return load_error(L, ynode_get(n, "empty_errors"), &p,
                          "applies to error_query and total_query, not to error_ratio_query");

    p = YPATH_KEY(path, "disable");
    v = ynode_get(n, "disable");
    const char **dis = NULL;
    size_t ndis = 0;
    if ((rc = load_str_list(L, v, &p, &dis, &ndis))) return rc;
    if (ndis) {
        s->severities = ARENA_NEW_ARRAY(&L->cfg->arena, slo_severity_meta, ndis);
        if (!s->severities) return load_oom(L);
    }
    for (size_t i = 0; i < ndis; i++) {
        ypath ip = YPATH_INDEX(&p, i);
        if (!policy_has_severity(&L->cfg->policy, dis[i]))
            return load_error(L, v->items[i], &ip, "the policy has no severity '%s'", dis[i]);
        if (slo_def_severity_disabled(s, dis[i]))
            return load_error(L, v->items[i], &ip, "'%s' listed twice", dis[i]);
        s->severities[s->nseverities++] = (slo_severity_meta){dis[i], true, {0}, {0}};
    }
    return 0;
}

static int load_alert(loader *L, const ynode *n, const ypath *path)
{
    static const char *const keys[] = {
        "name", "expr", "for", "keep_firing_for", "step", "scopes", "labels", "annotations", NULL};
    int rc = load_keys(L, n, path, keys);
    if (rc) return rc;
    slo_alert *a = load_new_alert(L);
    if (!a) return load_oom(L);
    a->origin = SLO_ORIGIN_CONFIG;
    a->loc = load_loc(L, n);
    a->scopes = L->default_scopes;
    a->step_ms = L->cfg->step_ms;
    const ynode *v;
    ypath p = YPATH_KEY(path, "name");
    if ((rc = load_required(L, n, path, "name", &v)) ||
        (rc = load_nonempty_str(L, v, &p, &a->name)))
        return rc;
    for (size_t i = 0; i + 1 < L->cfg->nalerts; i++) {
        const slo_alert *o = &L->cfg->alerts[i];
        if (o->origin == SLO_ORIGIN_CONFIG && !strcmp(o->name, a->name))
            return load_error(L, v, &p, "duplicate alert '%s' (first at line %d)", a->name,
                              o->loc.line);
    }
    if ((rc = load_alert_expr(L, n, path, a))) return rc;
    p = YPATH_KEY(path, "step");
    if ((rc = load_positive_duration(L, ynode_get(n, "step"), &p, &a->step_ms))) return rc;
    p = YPATH_KEY(path, "scopes");
    if ((rc = load_scopes(L, ynode_get(n, "scopes"), &p, &a->scopes))) return rc;
    p = YPATH_KEY(path, "labels");
    if ((rc = load_kvs(L, ynode_get(n, "labels"), &p, KVS_LABELS, &a->labels))) return rc;
    p = YPATH_KEY(path, "annotations");
    if ((rc = load_kvs(L, ynode_get(n, "annotations"), &p, KVS_ANNOTATIONS, &a->annotations)))
        return rc;
    return 0;
}

/* ---- the sloeval config document ----------------------------------------- */

/* Every backend must answer something, and every region must have a backend. */
static int check_routes(loader *L, const ynode *doc)
{
    slo_config *c = L->cfg;
    const ynode *bn = ynode_get(doc, "backends");
    ypath bp = YPATH_KEY(NULL, "backends");
    for (size_t i = 0; i < c->nbackends; i++) {
        const slo_backend *b = &c->backends[i];
        if (slo_backend_answers(c, b)) continue;
        ypath p = YPATH_KEY(&bp, b->name);
        return load_error(L, bn->pairs[i].key, &p,
                          c->has_regions
                              ? "backend '%s' answers nothing: name it 'global' or after a "
                                "region in regions.names"
                              : "backend '%s' answers nothing: name it 'global' (or list regions "
                                "and name backends after them)",
                          b->name);
    }
    const slo_region *r = slo_config_assign_regions(c);
    if (r) {
        const ynode *rn = ynode_get(ynode_get(doc, "regions"), "names");
        ypath rp = YPATH_KEY(NULL, "regions"), np = YPATH_KEY(&rp, "names");
        size_t i = (size_t)(r - c->regions.items);
        ypath p = YPATH_INDEX(&np, i);
        return load_error(L, rn->items[i], &p,
                          "region '%s' has no backend: add backends.%s, or a global backend",
                          r->name, r->name);
    }
    return 0;
}

int load_config_doc(loader *L, const ynode *doc)
{
    static const char *const keys[] = {
        "backends", "regions", "extra_matchers", "period", "policy", "evaluation",
        "slos",     "alerts",  "include",        "gate",   NULL};
    int rc = load_keys(L, doc, NULL, keys);
    if (rc) return rc;
    slo_config *c = L->cfg;
    const ynode *v;
    ypath p;

    p = YPATH_KEY(NULL, "backends");
    if ((rc = load_required(L, doc, NULL, "backends", &v)) || (rc = load_backends(L, v, &p)))
        return rc;
    v = ynode_get(doc, "regions");
    if (v && !ynode_is_null(v)) {
        p = YPATH_KEY(NULL, "regions");
        if ((rc = load_regions(L, v, &p))) return rc;
    }
    if ((rc = check_routes(L, doc))) return rc;
    L->default_scopes = c->has_regions ? (SLO_SCOPE_REGION | SLO_SCOPE_GLOBAL) : SLO_SCOPE_GLOBAL;

    p = YPATH_KEY(NULL, "extra_matchers");
    v = ynode_get(doc, "extra_matchers");
    const char **texts = NULL;
    if ((rc = load_str_list(L, v, &p, &texts, &c->nextra_matchers))) return rc;
    if (c->nextra_matchers) {
        c->extra_matchers = ARENA_NEW_ARRAY(&c->arena, slo_matcher, c->nextra_matchers);
        if (!c->extra_matchers) return load_oom(L);
        for (size_t i = 0; i < c->nextra_matchers; i++) {
            slo_matcher *m = &c->extra_matchers[i];
            ypath ip = YPATH_INDEX(&p, i);
            m->text = texts[i];
            m->loc = load_loc(L, v->items[i]);
            if ((rc = load_parse_matcher(L, v->items[i], &ip, texts[i], &m->matcher))) return rc;
            m->parsed = true;
        }
    }

    p = YPATH_KEY(NULL, "period");
    if ((rc = load_positive_duration(L, ynode_get(doc, "period"), &p, &c->period_ms))) return rc;

    v = ynode_get(doc, "evaluation");
    if (v && !ynode_is_null(v)) {
        static const char *const ekeys[] = {"step", "empty_errors", NULL};
        p = YPATH_KEY(NULL, "evaluation");
        if ((rc = load_keys(L, v, &p, ekeys))) return rc;
        ypath sp = YPATH_KEY(&p, "step");
        if ((rc = load_positive_duration(L, ynode_get(v, "step"), &sp, &c->step_ms))) return rc;
        sp = YPATH_KEY(&p, "empty_errors");
        if ((rc = load_empty_errors(L, ynode_get(v, "empty_errors"), &sp, &c->empty_errors)))
            return rc;
    }

    p = YPATH_KEY(NULL, "policy");
    v = ynode_get(doc, "policy");
    if ((rc = load_policy(L, v, &p))) return rc;
    int64_t longest = 0;
    for (size_t i = 0; i < c->policy.nrules; i++)
        if (c->policy.rules[i].long_ms > longest) longest = c->policy.rules[i].long_ms;
    if (longest > c->period_ms) {
        char pb[DURATION_BUF_SIZE], lb[DURATION_BUF_SIZE];
        promql_duration_format(pb, sizeof(pb), c->period_ms);
        promql_duration_format(lb, sizeof(lb), longest);
        const ynode *pn = ynode_get(doc, "period");
        p = YPATH_KEY(NULL, "period");
        return load_error(L, pn ? pn : doc, pn ? &p : NULL,
                          "the period %s is shorter than the policy's longest window %s", pb, lb);
    }

    v = ynode_get(doc, "gate");
    if (v && !ynode_is_null(v)) {
        static const char *const gkeys[] = {"budget_below", "fail_on", NULL};
        p = YPATH_KEY(NULL, "gate");
        if ((rc = load_keys(L, v, &p, gkeys)) ||
            (rc = load_gate_budget(L, v, &p, &c->gate_has_budget, &c->gate_budget_below)))
            return rc;
        const ynode *f = ynode_get(v, "fail_on");
        if (f && !ynode_is_null(f)) {
            ypath fp = YPATH_KEY(&p, "fail_on");
            if ((rc = load_str_list(L, f, &fp, &c->gate_fail_on, &c->ngate_fail_on))) return rc;
            for (size_t i = 0; i < c->ngate_fail_on; i++)
                if (!policy_has_severity(&c->policy, c->gate_fail_on[i])) {
                    ypath ip = YPATH_INDEX(&fp, i);
                    return load_error(L, f->items[i], &ip,
                                      "unknown severity '%s' (not in the policy)",
                                      c->gate_fail_on[i]);
                }
            c->gate_has_fail_on = true;
        }
    }

    if ((rc = load_list(L, doc, "slos", load_slo))) return rc;
    return load_list(L, doc, "alerts", load_alert);
}

int slo_warning_regex_compile(promql_regex **out, const char *pattern, char *errbuf, size_t size)
{
    *out = NULL;
    /* matched anywhere in the text; '.' matches a newline (3.x) */
    size_t len = strlen(pattern) + 16;
    char *wrapped = malloc(len);
    if (!wrapped) return SLOEVAL_ENOMEM;
    snprintf(wrapped, len, ".*(?:%s).*", pattern);
    /* the pattern's own errors, not the wrapper's */
    int rc = promql_regex_check(strv_from_cstr(pattern), SLOEVAL_COMPAT_V3, errbuf, size);
    if (!rc)
        rc = promql_regex_compile(out, strv_from_cstr(wrapped), SLOEVAL_COMPAT_V3, errbuf, size);
    free(wrapped);
    return rc;
}
