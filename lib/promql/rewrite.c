/* AST rewrites: injecting label matchers into every selector. */
#include "promql/rewrite.h"

#include <string.h>

#include "promql/matcher.h"
#include "util/error.h"

static int inject_into(arena *a, ast_node *vs, const label_matcher *add, size_t n)
{
    size_t old = vs->u.vector_selector.nmatchers;
    bool named = vs->u.vector_selector.name.len > 0 && old > 0;
    label_matcher *m = ARENA_NEW_ARRAY(a, label_matcher, old + n);
    if (!m) return SLOEVAL_ENOMEM;
    size_t keep = named ? old - 1 : old;
    if (keep) memcpy(m, vs->u.vector_selector.matchers, keep * sizeof(*m));
    memcpy(m + keep, add, n * sizeof(*m));
    if (named) m[keep + n] = vs->u.vector_selector.matchers[old - 1];
    vs->u.vector_selector.matchers = m;
    vs->u.vector_selector.nmatchers = old + n;
    return 0;
}

static int walk(arena *a, ast_node *node, const label_matcher *add, size_t n)
{
    if (node->kind == AST_VECTOR_SELECTOR) return inject_into(a, node, add, n);
    size_t count = ast_child_count(node);
    for (size_t i = 0; i < count; i++) {
        int rc = walk(a, ast_child(node, i), add, n);
        if (rc) return rc;
    }
    return 0;
}

int ast_inject_matchers(arena *a, ast_node *root, const label_matcher *m, size_t n,
                        sloeval_error *err)
{
    if (n == 0) return 0;
    label_matcher *copy = ARENA_NEW_ARRAY(a, label_matcher, n);
    if (!copy) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        copy[i].type = m[i].type;
        char *name = arena_strndup(a, m[i].name.ptr ? m[i].name.ptr : "", m[i].name.len);
        char *value = arena_strndup(a, m[i].value.ptr ? m[i].value.ptr : "", m[i].value.len);
        if (!name || !value) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        copy[i].name = (ast_str){name, m[i].name.len};
        copy[i].value = (ast_str){value, m[i].value.len};
        if (m[i].type == MATCH_REGEX || m[i].type == MATCH_NOT_REGEX) {
            char msg[SLOEVAL_ERROR_MESSAGE_SIZE];
            bool empty = false;
            int rc =
                matcher_regex_check(copy[i].value, SLOEVAL_COMPAT_V3, &empty, msg, sizeof(msg));
            if (rc) return error_set(err, rc, "matcher %s: %s", name, msg);
        }
    }
    int rc = walk(a, root, copy, n);
    if (rc) return error_set(err, rc, "out of memory");
    return 0;
}
