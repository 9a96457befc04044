/*
 * Expression corpora for tests (tests/parse/corpus*.txt). One
 * expression per line. A line starting with "//" is a comment and blank
 * lines are skipped. A line starting with '%' holds an escaped expression:
 * \n \t \r \\ and \xHH stand for their bytes ("%" alone is the empty
 * expression). Every other line is taken as it is.
 */
#ifndef SLOEVAL_TEST_CORPUS_H
#define SLOEVAL_TEST_CORPUS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct corpus_entry {
    char *text; /* malloc'd, NUL-terminated (may contain NUL bytes before len) */
    size_t len;
    int line; /* line in the file */
} corpus_entry;

typedef struct corpus {
    corpus_entry *entries;
    size_t n;
} corpus;

/* Load a corpus file; appends to *c (zero-initialise it first). 0 or -1. */
int corpus_load(corpus *c, const char *path);

/* The expression of an "eval..." line of a test script (in place), or NULL;
 * *is_fail (may be NULL) tells an eval_fail line. */
char *corpus_eval_expr(char *line, bool *is_fail);

/* Append the expression of every eval line (eval, eval_fail, ...) of the
 * upstream PromQL test scripts (*.test) under dir, recursively. Returns the
 * number added, or -1 when dir cannot be read. */
int corpus_load_promqltest(corpus *c, const char *dir);

/* Append one expression (copied). 0 or -1. */
int corpus_add(corpus *c, const char *text, size_t len, int line);

void corpus_free(corpus *c);

/* Write an expression in corpus form (escaped when needed) into buf;
 * returns buf. */
char *corpus_escape(const char *text, size_t len, char *buf, size_t size);

#endif
