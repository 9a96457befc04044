/*
 * Loading files: reading them, telling a sloeval config from Sloth specs
 * and rule files per YAML document, includes, and the entry points of
 * config.h. Each kind of document has its own loader (load_config.c,
 * load_sloth.c, load_rules.c); all of them build the one model of model.h.
 */
#include "slo/config.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slo/load.h"

/* ---- files --------------------------------------------------------------- */

static int read_file(loader *L, const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char ebuf[128];
    if (!f) {
        int e = errno;
        if (strerror_r(e, ebuf, sizeof(ebuf))) snprintf(ebuf, sizeof(ebuf), "error %d", e);
        return error_set(L->err, SLOEVAL_EIO, "%s: cannot open: %s", path, ebuf);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (n == cap) {
            if (cap >= SLO_MAX_FILE_SIZE) {
                rc = error_set(L->err, SLOEVAL_ELIMIT, "%s: larger than %u MiB", path,
                               SLO_MAX_FILE_SIZE >> 20);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                int e = errno;
                if (strerror_r(e, ebuf, sizeof(ebuf))) snprintf(ebuf, sizeof(ebuf), "error %d", e);
                rc = error_set(L->err, SLOEVAL_EIO, "%s: cannot read: %s", path, ebuf);
            }
            break;
        }
    }
    fclose(f);
    if (!buf) return load_oom(L);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}

static slo_file_kind detect_kind(const ynode *doc)
{
    if (ynode_get(doc, "version")) return SLO_FILE_SLOTH;
    if (ynode_get(doc, "groups")) return SLO_FILE_RULES;
    return SLO_FILE_CONFIG;
}

/* Directory part of a path ("." when none), in the config's arena. */
static const char *dir_of(loader *L, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    if (slash == path) return "/";
    return arena_strndup(&L->cfg->arena, path, (size_t)(slash - path));
}

static int add_file_name(loader *L, const char *name)
{
    slo_config *c = L->cfg;
    if (arena_grow(&c->arena, (void **)&c->files, &L->capfiles, c->nfiles + 1, sizeof(*c->files)))
        return load_oom(L);
    c->files[c->nfiles++] = name;
    return 0;
}

static int load_config_and_includes(loader *L, const ynode *doc);

/*
 * Load one text. `want` is the kind asked for (AUTO detects per document);
 * `included` refuses sloeval configs (includes hold SLOs and alerts only).
 */
static int load_text(loader *L, const char *name, const char *text, size_t len, slo_file_kind want,
                     bool included, const char *dir)
{
    yfile *f = ARENA_NEW(L->tmp, yfile);
    if (!f) return load_oom(L);
    /* A UTF-8 byte order mark (editors on Windows write one) is not
     * content: positions count from after it, as editors show them. */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        len -= 3;
    }
    int rc = ytree_load(f, L->tmp, name, text, len, L->err);
    if (rc) return rc;
    const yfile *saved_file = L->file;
    const char *saved_name = L->file_name, *saved_dir = L->dir;
    L->file = f;
    L->file_name = arena_strdup(&L->cfg->arena, name);
    L->dir = dir;
    if (!L->file_name) return load_oom(L);
    if ((rc = add_file_name(L, L->file_name))) return rc;

    size_t ndocs = 0;
    for (size_t i = 0; i < f->ndocs; i++)
        if (!ynode_is_null(f->docs[i])) ndocs++;
    if (ndocs == 0) {
        ynode at = {0};
        at.line = at.column = 1;
        /* Prometheus loads an empty rule file (an included file is one) */
        if (included || want == SLO_FILE_RULES)
            rc = load_warn(L, &at, NULL, "the file is empty: no rules to check");
        else
            rc = load_error(L, &at, NULL, "the file is empty");
        L->file = saved_file;
        L->file_name = saved_name;
        L->dir = saved_dir;
        return rc;
    }
    size_t seen = 0;
    for (size_t i = 0; i < f->ndocs && rc == 0; i++) {
        const ynode *doc = f->docs[i];
        if (ynode_is_null(doc)) continue;
        if (doc->kind != YNODE_MAP) {
            rc = load_error(L, doc, NULL, "expected a mapping at the top of the document, got %s",
                            ynode_kind_name(doc));
            break;
        }
        if (ynode_get(doc, "apiVersion") && ynode_get(doc, "kind")) {
            const ynode *k = ynode_get(doc, "kind");
            rc = load_error(L, k, NULL,
                            "Kubernetes objects (kind: %s) are not supported: use the Sloth spec "
                            "or rule groups they wrap",
                            k->kind == YNODE_SCALAR ? k->value : "?");
            break;
        }
        slo_file_kind kind = want == SLO_FILE_AUTO ? detect_kind(doc) : want;
        /* `{}` is an empty rule file to Prometheus; an included file is
         * never a sloeval config */
        if (kind == SLO_FILE_CONFIG && included && doc->npairs == 0) kind = SLO_FILE_RULES;
        if (seen == 0 && L->cfg->kind == SLO_FILE_AUTO) L->cfg->kind = kind;
        switch (kind) {
        case SLO_FILE_CONFIG:
            if (included) {
                rc = load_error(L, doc, NULL,
                                "an included file must be a Sloth spec (version: prometheus/v1) "
                                "or a Prometheus rule file (groups:), not a sloeval config");
            } else if (ndocs > 1) {
                const ynode *other = doc;
                for (size_t j = 0; j < f->ndocs; j++)
                    if (f->docs[j] != doc && !ynode_is_null(f->docs[j])) {
                        other = f->docs[j];
                        break;
                    }
                rc = load_error(L, other, NULL,
                                "a sloeval config is a single YAML document (found %zu)", ndocs);
            } else {
                rc = load_config_and_includes(L, doc);
            }
            break;
        case SLO_FILE_SLOTH: rc = load_sloth_doc(L, doc); break;
        case SLO_FILE_RULES: rc = load_rules_doc(L, doc); break;
        case SLO_FILE_AUTO: break;
        }
        seen++;
    }
    L->file = saved_file;
    L->file_name = saved_name;
    L->dir = saved_dir;
    return rc;
}

static int load_path(loader *L, const char *path, slo_file_kind want, bool included)
{
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(L, path, &text, &len);
    if (rc) return rc;
    const char *dir = dir_of(L, path);
    rc = dir ? load_text(L, path, text, len, want, included, dir) : load_oom(L);
    free(text);
    return rc;
}

static int load_include(loader *L, const ynode *n, const ypath *path)
{
    const ynode *pathn = n;
    unsigned scopes = L->default_scopes;
    int rc;
    if (n->kind == YNODE_MAP) {
        static const char *const keys[] = {"path", "scopes", NULL};
        if ((rc = load_keys(L, n, path, keys)) || (rc = load_required(L, n, path, "path", &pathn)))
            return rc;
        ypath sp = YPATH_KEY(path, "scopes");
        if ((rc = load_scopes(L, ynode_get(n, "scopes"), &sp, &scopes))) return rc;
    }
    ypath pp = n->kind == YNODE_MAP ? YPATH_KEY(path, "path") : *path;
    const char *rel = NULL;
    if ((rc = load_nonempty_str(L, pathn, &pp, &rel))) return rc;
    if (!rel) return load_error(L, pathn, &pp, "must not be empty");
    char *full;
    if (rel[0] == '/' || !strcmp(L->dir, ".")) {
        full = (char *)rel;
    } else {
        size_t len = strlen(L->dir) + strlen(rel) + 2;
        full = arena_alloc(&L->cfg->arena, len);
        if (!full) return load_oom(L);
        snprintf(full, len, "%s/%s", L->dir, rel);
    }
    unsigned saved = L->default_scopes;
    L->default_scopes = scopes;
    if (strpbrk(rel, "*?[")) {
        glob_t g;
        int grc = glob(full, 0, NULL, &g);
        if (grc == GLOB_NOMATCH) {
            L->default_scopes = saved;
            return load_error(L, pathn, &pp, "'%s' matches no file", full);
        }
        if (grc != 0) {
            L->default_scopes = saved;
            return load_error(L, pathn, &pp, "cannot list '%s'", full);
        }
        for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
            rc = load_path(L, g.gl_pathv[i], SLO_FILE_AUTO, true);
        globfree(&g);
    } else {
        FILE *f = fopen(full, "rb");
        if (!f) {
            L->default_scopes = saved;
            char ebuf[128];
            int e = errno;
            if (strerror_r(e, ebuf, sizeof(ebuf))) snprintf(ebuf, sizeof(ebuf), "error %d", e);
            return load_error(L, pathn, &pp, "cannot open '%s': %s", full, ebuf);
        }
        fclose(f);
        rc = load_path(L, full, SLO_FILE_AUTO, true);
    }
    L->default_scopes = saved;
    return rc;
}

/* A sloeval config document, then the files its `include:` list names. */
static int load_config_and_includes(loader *L, const ynode *doc)
{
    int rc = load_config_doc(L, doc);
    if (!rc) rc = load_list(L, doc, "include", load_include);
    if (rc) return rc;
    if (L->cfg->nslos == 0 && L->cfg->nalerts == 0)
        return load_error(L, doc, NULL, "the config defines no SLOs and no alerts");
    return 0;
}

/* ---- entry points -------------------------------------------------------- */

/* Policy for files without one (Sloth specs and rule files on their own). */
static int finish_defaults(loader *L)
{
    slo_config *c = L->cfg;
    if (c->policy.nrules == 0 && slo_policy_sre_workbook(&c->policy, &c->arena, c->period_ms))
        return load_oom(L);
    return 0;
}

static int load_common(slo_config **out, const char *name, const char *text, size_t len,
                       const char *path, const slo_load_options *opts, sloeval_error *err)
{
    *out = NULL;
    slo_config *c = slo_config_new();
    if (!c) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    arena tmp;
    arena_init(&tmp, 0);
    loader L;
    memset(&L, 0, sizeof(L));
    L.cfg = c;
    L.tmp = &tmp;
    L.err = err;
    L.default_scopes = SLO_SCOPE_GLOBAL;
    slo_file_kind want = opts ? opts->kind : SLO_FILE_AUTO;
    int rc;
    if (path) {
        rc = load_path(&L, path, want, false);
    } else {
        const char *base = opts && opts->base_dir ? opts->base_dir : ".";
        rc = load_text(&L, name, text, len, want, false, base);
    }
    if (rc == 0) {
        c->file = c->nfiles ? c->files[0] : NULL;
        rc = finish_defaults(&L);
        if (rc == 0) rc = load_parse_queries(&L);
    }
    arena_free(&tmp);
    if (rc) {
        slo_config_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int slo_config_load_file(slo_config **out, const char *path, const slo_load_options *opts,
                         sloeval_error *err)
{
    if (!out || !path) return error_set(err, SLOEVAL_EINVAL, "slo_config_load_file: no path");
    return load_common(out, path, NULL, 0, path, opts, err);
}

int slo_config_load_string(slo_config **out, const char *text, size_t len,
                           const slo_load_options *opts, sloeval_error *err)
{
    if (!out || (!text && len))
        return error_set(err, SLOEVAL_EINVAL, "slo_config_load_string: no text");
    const char *name = opts && opts->name ? opts->name : "<string>";
    return load_common(out, name, text ? text : "", len, NULL, opts, err);
}
