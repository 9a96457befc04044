/*
 * What the three document loaders (load_config.c, load_sloth.c,
 * load_rules.c) read alike into the model: scopes, query templates, alert
 * expressions, objectives, and new SLOs and alerts.
 */
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "slo/load.h"
#include "slo/policy.h"

int load_scopes(loader *L, const ynode *n, const ypath *path, unsigned *out)
{
    if (!n || ynode_is_null(n)) return 0;
    const ynode *single[1];
    const ynode *const *items;
    size_t count;
    if (n->kind == YNODE_SCALAR) {
        single[0] = n;
        items = single;
        count = 1;
    } else {
        int rc = load_want_seq(L, n, path);
        if (rc) return rc;
        items = n->items;
        count = n->count;
    }
    if (count == 0) return load_error(L, n, path, "must name at least one scope (region, global)");
    unsigned scopes = 0;
    for (size_t i = 0; i < count; i++) {
        ypath ip = YPATH_INDEX(path, i);
        const ynode *it = items[i];
        const ypath *where = n->kind == YNODE_SCALAR ? path : &ip;
        if (it->kind != YNODE_SCALAR)
            return load_error(L, it, where, "expected 'region' or 'global', got %s",
                              ynode_kind_name(it));
        unsigned bit = !strcmp(it->value, "region")   ? SLO_SCOPE_REGION
                       : !strcmp(it->value, "global") ? SLO_SCOPE_GLOBAL
                                                      : 0;
        if (!bit)
            return load_error(L, it, where, "unknown scope '%s' (expected region or global)",
                              it->value);
        if (scopes & bit) return load_error(L, it, where, "scope '%s' listed twice", it->value);
        scopes |= bit;
    }
    if ((scopes & SLO_SCOPE_REGION) && !L->cfg->has_regions)
        return load_error(L, n, path, "the region scope needs a regions block in the config");
    *out = scopes;
    return 0;
}

int load_template(loader *L, const ynode *n, const ypath *path, tpl_dialect dialect,
                  bool need_window, slo_template *out)
{
    const char *text = NULL;
    /* an absent or null query (`error_query:`, `~`, null) is no query */
    if (!n || ynode_is_null(n)) return load_error(L, n, path, "must not be empty");
    int rc = load_nonempty_str(L, n, path, &text);
    if (rc) return rc;
    size_t off = 0;
    const char *why = NULL;
    int k = template_parse(out, &L->cfg->arena, text, strlen(text), dialect, &off, &why);
    if (k == -2) return load_oom(L);
    if (k < 0) {
        int line, col;
        ynode_value_position(L->file, n, off, &line, &col);
        return load_error_pos(L, line, col, n->start, path, "%s", why);
    }
    if (need_window && out->nwindows == 0)
        return load_error(L, n, path, "must contain the %s placeholder (for example [%s])",
                          dialect == TPL_SLOTH ? "{{.window}}" : "{{window}}",
                          dialect == TPL_SLOTH ? "{{.window}}" : "{{window}}");
    return 0;
}

int load_alert_expr(loader *L, const ynode *n, const ypath *path, slo_alert *a)
{
    const ynode *v;
    ypath p = YPATH_KEY(path, "expr");
    int rc;
    if ((rc = load_required(L, n, path, "expr", &v)) ||
        (rc = load_nonempty_str(L, v, &p, &a->expr)) ||
        (rc = load_check_expr(L, v, &p, NULL, a->expr)))
        return rc;
    a->expr_loc = load_loc(L, v);
    p = YPATH_KEY(path, "for");
    if ((rc = load_duration(L, ynode_get(n, "for"), &p, &a->for_ms))) return rc;
    p = YPATH_KEY(path, "keep_firing_for");
    return load_duration(L, ynode_get(n, "keep_firing_for"), &p, &a->keep_firing_for_ms);
}

/* The decimal text of a ratio written as 0.ddd (or .ddd) times 100, moved
 * by two places in the text itself ("0.999" gives "99.9", exactly as
 * written); false for other spellings (exponents). */
static bool percent_of_ratio_text(char *out, size_t size, const char *text)
{
    const char *p = text;
    if (*p == '+') p++;
    if (*p == '0') p++;
    if (*p++ != '.') return false;
    const char *digits = p;
    size_t n = strspn(digits, "0123456789");
    if (n == 0 || digits[n] != '\0' || n + 4 > size) return false;
    char whole[3] = {digits[0], n > 1 ? digits[1] : '0', '\0'};
    const char *w = whole[0] == '0' ? whole + 1 : whole;
    if (n > 2)
        snprintf(out, size, "%s.%s", w, digits + 2);
    else
        snprintf(out, size, "%s", w);
    return true;
}

int load_objective(loader *L, const ynode *n, const ypath *path, slo_def *slo)
{
    double v = 0;
    int rc = load_number(L, n, path, &v);
    if (rc) return rc;
    if (v > 0 && v < 1) {
        /* 0.999 read as 0.999 % would make the budget 99.001 %: almost
         * certainly a ratio meant as 99.9 */
        char pct[64];
        if (!percent_of_ratio_text(pct, sizeof(pct), n->value))
            format_float(pct, sizeof(pct), v * 100);
        return load_error(L, n, path, "objective is a percentage: %s means %s%%; did you mean %s?",
                          n->value, n->value, pct);
    }
    if (!(v > 0 && v < 100))
        return load_error(L, n, path, "must be a percentage in (0, 100), got %s", n->value);
    slo->objective = v;
    slo->objective_text = arena_strdup(&L->cfg->arena, n->value);
    if (!slo->objective_text) return load_oom(L);
    slo->budget = slo_budget_from_objective(v);
    return 0;
}

slo_def *load_new_slo(loader *L)
{
    slo_config *c = L->cfg;
    if (arena_grow(&c->arena, (void **)&c->slos, &L->capslos, c->nslos + 1, sizeof(*c->slos)))
        return NULL;
    slo_def *s = &c->slos[c->nslos++];
    memset(s, 0, sizeof(*s));
    return s;
}

slo_alert *load_new_alert(loader *L)
{
    slo_config *c = L->cfg;
    if (arena_grow(&c->arena, (void **)&c->alerts, &L->capalerts, c->nalerts + 1,
                   sizeof(*c->alerts)))
        return NULL;
    slo_alert *a = &c->alerts[c->nalerts++];
    memset(a, 0, sizeof(*a));
    return a;
}

/* An SLO id is unique across the config: error at `at` when not. */
static int check_slo_id(loader *L, const slo_def *slo, const ynode *at, const ypath *path)
{
    const slo_config *c = L->cfg;
    for (size_t i = 0; i < c->nslos; i++) {
        const slo_def *o = &c->slos[i];
        if (o == slo || strcmp(o->id, slo->id)) continue;
        if (o->loc.file == slo->loc.file || !strcmp(o->loc.file, slo->loc.file))
            return load_error(L, at, path, "duplicate SLO '%s' (first at line %d)", slo->id,
                              o->loc.line);
        return load_error(L, at, path, "duplicate SLO '%s' (first in %s:%d)", slo->id, o->loc.file,
                          o->loc.line);
    }
    return 0;
}

int load_slo_id_and_objective(loader *L, slo_def *s, const ynode *n, const ypath *path,
                              const ynode *name_node)
{
    if (s->service) {
        size_t len = strlen(s->service) + strlen(s->name) + 2;
        char *id = arena_alloc(&L->cfg->arena, len);
        if (!id) return load_oom(L);
        snprintf(id, len, "%s-%s", s->service, s->name);
        s->id = id;
    } else {
        s->id = s->name;
    }
    int rc;
    const ynode *v;
    ypath p = YPATH_KEY(path, "name");
    if ((rc = check_slo_id(L, s, name_node, &p))) return rc;
    p = YPATH_KEY(path, "description");
    if ((rc = load_str(L, ynode_get(n, "description"), &p, &s->description))) return rc;
    p = YPATH_KEY(path, "objective");
    if ((rc = load_required(L, n, path, "objective", &v)) || (rc = load_objective(L, v, &p, s)))
        return rc;
    return 0;
}
