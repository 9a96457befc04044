/*
 * The planner's internals, shared by plan.c (batch, requests, run),
 * split.c (deciding what runs where) and merge.c (merging shard answers).
 * Everything lives in the batch's arena.
 */
#ifndef SLOEVAL_PLAN_PLAN_INT_H
#define SLOEVAL_PLAN_PLAN_INT_H

#include "engine/eval.h"
#include "plan/plan.h"
#include "source/prometheus.h"
#include "util/strbuf.h"

/* How the shards' answers to one pushed-down subexpression are combined. */
typedef enum merge_kind {
    MERGE_WHOLE = 1, /* one shard answers for the whole data set */
    MERGE_UNION,     /* per-series results: the shards' series side by side */
    MERGE_SUM,       /* sum (and count) per shard, added */
    MERGE_MIN,
    MERGE_MAX,
    MERGE_GROUP,
    MERGE_AVG, /* sum and count per shard; merged sum / merged count */
} merge_kind;

const char *merge_kind_name(merge_kind k);

typedef enum req_kind {
    REQ_QUERY = 1, /* instant query of text at t0 */
    REQ_RANGE,     /* range query of text over [t0, t1] every step */
    REQ_SELECT,    /* raw samples of the selector `text` over [t0, t1] */
} req_kind;

/* One distinct request to one source; shared by every query that needs it. */
typedef struct preq {
    sloeval_source *src;
    req_kind kind;
    const char *text;              /* the query text, or the selector text for REQ_SELECT */
    const label_matcher *matchers; /* REQ_SELECT */
    size_t nmatchers;
    int64_t t0, t1, step;
    uint64_t hash;
    prom_call *call; /* for Prometheus sources */
    bool done;
    int code;
    sloeval_error err;
    value val;
    source_notes notes;
} preq;

/* A subexpression computed by the shards and merged. */
typedef struct frag {
    const ast_node *node;
    merge_kind kind;
    const char *text;  /* the text sent (for avg: the sum) */
    const char *text2; /* avg: the count */
    size_t *reqs;      /* request per shard (avg: sums, then counts) */
    size_t nreqs;
    bool selector;     /* a bare selector: equal label sets mean overlapping shards */
    bool strict_dupes; /* range query, 2.x: equal label sets at any steps are an error */
    value val;         /* the merged answer */
} frag;

/* Raw samples of one selector for local evaluation, from every shard. */
typedef struct rsel {
    const char *key; /* the selector text */
    const label_matcher *matchers;
    size_t nmatchers;
    int64_t mint, maxt; /* the window the query needs */
    size_t *reqs;       /* request per shard */
    bool merged;
    matrix data; /* the shards' series side by side, sorted by labels */
} rsel;

typedef struct pquery {
    plan_target target; /* arrays borrowed from the caller */
    const ast_node *orig;
    const char *src_text; /* what orig was parsed from (positions), or NULL */
    size_t src_len;
    ast_node *root; /* the copy with the injected matchers */
    bool range;
    int64_t start, end, step; /* instant: start == end, step 0 */
    sloeval_compat compat;    /* resolved: V2 or V3 */
    const char *text;         /* canonical text of root */
    size_t dup_of;            /* an identical earlier query, or SIZE_MAX */
    bool local;               /* root evaluated by sloeval */
    frag *frags;
    size_t nfrags, capfrags;
    rsel *sels;
    size_t nsels, capsels;
    eval_override *ov; /* the fragments' merged answers, for the engine */
    const char *compat_warning;
    int code;
    sloeval_error err;
    value result;
    source_notes notes;
} pquery;

struct plan_batch {
    plan_options opts;
    arena a;
    pquery *queries;
    size_t nqueries, capqueries;
    preq *reqs;
    size_t nreqs, capreqs;
    size_t *slots; /* open addressing over reqs: index + 1, 0 empty */
    size_t nslots;
    strbuf explain;
    bool ran;
    plan_stats stats;
};

/* Monotonic seconds. */
double plan_now(void);

/* ---- split.c ------------------------------------------------------------- */

/* Decide what of q runs where: fills q->frags, q->sels and q->local, and
 * adds the requests (plan_add_request); appends the plan to the explain
 * text. On a query-level failure returns its code with q->err filled. */
int plan_query(plan_batch *b, pquery *q);

/* A copy of the tree made of planner nodes (what plan_query expects). */
ast_node *plan_copy_tree(arena *a, const ast_node *n);

/* Append query idx's plan to b->explain (after every request is known). */
void plan_explain_query(plan_batch *b, size_t idx);

/* ---- plan.c -------------------------------------------------------------- */

/* The index of the request (kind, src, text, times), added unless an equal
 * one exists; a REQ_SELECT of the same selector and source is shared and
 * its window widened. SIZE_MAX when out of memory. */
size_t plan_add_request(plan_batch *b, sloeval_source *src, req_kind kind, const char *text,
                        const label_matcher *m, size_t nm, int64_t t0, int64_t t1, int64_t step);

/* A name for a source in messages and plans: its URL without credentials. */
const char *plan_source_name(const plan_batch *b, const sloeval_source *src);

/* ---- local.c ------------------------------------------------------------- */

/* Whether sloeval can evaluate what q leaves to it; 0 or the error (in
 * q->err). */
int plan_check_local(plan_batch *b, pquery *q);

/* Evaluate q locally over its fetched raw samples and merged fragments:
 * fills q->result, or q->code and q->err. -1 only when out of memory. */
int plan_eval_local(plan_batch *b, pquery *q);

/* ---- merge.c ------------------------------------------------------------- */

/* Merge the shards' answers of f (vals: one per request of f, in order)
 * into f->val; names[i] names the source of vals[i] in messages. 0, or
 * an error with err filled. */
int merge_fragment(arena *a, frag *f, const value *vals, size_t nvals, const char *const *names,
                   sloeval_error *err);

/* The shards' raw series of one selector side by side, sorted by labels;
 * the same series from two shards is an error. */
int merge_raw(arena *a, const value *vals, const char *const *names, size_t n, matrix *out,
              sloeval_error *err);

/* Sort a vector's elements / a matrix's series by labels. */
void sort_vector(vector *v);
void sort_matrix(matrix *m);

#endif
