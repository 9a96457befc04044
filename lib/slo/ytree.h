/*
 * A YAML document tree with source positions (internal), built from
 * libyaml's event API for the config loaders.
 *
 * What it adds to libyaml: byte offsets and 1-based byte columns for every
 * node (libyaml counts characters); anchors and aliases resolved without
 * cycles (an alias may only name a node that is complete) and with a bound
 * on the size after expansion (no "billion laughs"); YAML 1.1 merge keys
 * (`<<: *base`), as Go's yaml packages apply them to Prometheus files;
 * duplicate keys rejected; a nesting depth limit; NUL bytes rejected.
 *
 * Every node and string lives in the arena given to ytree_load.
 */
#ifndef SLOEVAL_SLO_YTREE_H
#define SLOEVAL_SLO_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "sloeval/common.h"
#include "util/arena.h"

typedef enum ynode_kind {
    YNODE_SCALAR = 1,
    YNODE_SEQ,
    YNODE_MAP,
} ynode_kind;

/* How a scalar was written. */
typedef enum yscalar_style {
    YSTYLE_PLAIN = 1,
    YSTYLE_SINGLE,  /* 'single quoted' */
    YSTYLE_DOUBLE,  /* "double quoted" */
    YSTYLE_LITERAL, /* | block */
    YSTYLE_FOLDED,  /* > block */
} yscalar_style;

typedef struct ynode ynode;

typedef struct ypair {
    const ynode *key; /* always a scalar */
    const ynode *value;
} ypair;

struct ynode {
    ynode_kind kind;
    /* An explicit tag ("tag:yaml.org,2002:str" for !!str, "!" ...), or NULL. */
    const char *tag;
    /* Scalars: the value (NUL-terminated, no NUL inside) and its style. */
    const char *value;
    size_t len;
    yscalar_style style;
    /* Sequences: items. Mappings: pairs in document order, explicit keys
     * first, then the keys brought in by merge keys that were not given. */
    const ynode **items;
    size_t count;
    ypair *pairs;
    size_t npairs;
    /* Position of the node's first character (for a block scalar, of its
     * indicator), and byte offsets of its source text [start, end). */
    int line;   /* 1-based */
    int column; /* 1-based, in bytes */
    size_t start, end;
    size_t weight; /* nodes in this subtree with aliases expanded (for limits) */
};

/* A loaded file: its name (for messages), its text, and its documents. */
typedef struct yfile {
    const char *name;
    const char *text; /* NUL-terminated copy in the arena */
    size_t len;
    const ynode **docs; /* NULL for an empty document */
    size_t ndocs;
} yfile;

/* A field path for messages: a chain from the innermost field up to the document. */
typedef struct ypath {
    const struct ypath *up;
    const char *key; /* a mapping key, or NULL for a list index */
    size_t index;
} ypath;

#define YPATH_KEY(parent, k)   ((ypath){(parent), (k), 0})
#define YPATH_INDEX(parent, i) ((ypath){(parent), NULL, (i)})

/* A path rendered as text: "slos[0].sli.error_query", `labels["a b"]`. */
void ypath_format(const ypath *p, char *buf, size_t size);

/* Limits: a config is small; these only stop hostile inputs. */
#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_NODES 1000000 /* counted with aliases expanded */

/*
 * Parse text (len bytes, UTF-8) into a tree. `name` is used in messages
 * ("slo.yaml:3:7: ..."). On failure returns SLOEVAL_ECONFIG (syntax, limits)
 * or SLOEVAL_ENOMEM and fills err with "NAME:LINE:COL: <message>".
 */
int ytree_load(yfile *out, arena *a, const char *name, const char *text, size_t len,
               sloeval_error *err);

/* The value of `key` in a mapping, or NULL. */
const ynode *ynode_get(const ynode *map, const char *key);

/* The pair holding `key` in a mapping, or NULL. */
const ypair *ynode_get_pair(const ynode *map, const char *key);

/* True for a scalar that is null: plain "", "~", "null", "Null", "NULL", or tagged !!null. */
bool ynode_is_null(const ynode *n);

/* True for a plain (or !!str-less) scalar, i.e. one whose type YAML resolves. */
bool ynode_is_plain(const ynode *n);

/*
 * The 1-based line and byte column in the file of byte `offset` of a
 * scalar's value, when the value's text can be found in the source (plain
 * and quoted scalars written without escapes or folding, literal blocks);
 * otherwise the position of the scalar itself. Returns true when exact.
 */
bool ynode_value_position(const yfile *f, const ynode *n, size_t offset, int *line, int *column);

/* "a scalar", "a sequence", "a mapping", "null" for messages. */
const char *ynode_kind_name(const ynode *n);

#endif
