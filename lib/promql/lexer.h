/*
 * The PromQL lexer (internal). It reproduces Prometheus's lexer state
 * machine (promql/parser/lex.go, 2.42 and 3.x) token for token, including
 * its context rules (inside braces, inside brackets, after '['), so that
 * the parser on top accepts exactly what a server accepts. Tokens point into
 * the input; nothing is allocated.
 */
#ifndef SLOEVAL_PROMQL_LEXER_H
#define SLOEVAL_PROMQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "sloeval/common.h"

typedef enum tok_type {
    T_ERROR = 0, /* the lexer's message is in lexer.errmsg */
    T_EOF,
    T_IDENTIFIER,
    T_METRIC_IDENTIFIER, /* an identifier with a ':' */
    T_NUMBER,
    T_DURATION,
    T_STRING, /* including its quotes */
    T_LEFT_PAREN,
    T_RIGHT_PAREN,
    T_LEFT_BRACE,
    T_RIGHT_BRACE,
    T_LEFT_BRACKET,
    T_RIGHT_BRACKET,
    T_COMMA,
    T_EQL, /* = */
    T_COLON,
    /* operators */
    T_ADD,
    T_SUB,
    T_MUL,
    T_DIV,
    T_MOD,
    T_POW,
    T_EQLC, /* == */
    T_NEQ,
    T_LTE,
    T_LSS,
    T_GTE,
    T_GTR,
    T_EQL_REGEX,
    T_NEQ_REGEX,
    T_TRIM_UPPER, /* </ (3.x) */
    T_TRIM_LOWER, /* >/ (3.x) */
    T_AT,
    T_LAND,
    T_LOR,
    T_LUNLESS,
    T_ATAN2,
    /* aggregators */
    T_AVG,
    T_BOTTOMK,
    T_COUNT,
    T_COUNT_VALUES,
    T_GROUP,
    T_MAX,
    T_MIN,
    T_QUANTILE,
    T_STDDEV,
    T_STDVAR,
    T_SUM,
    T_TOPK,
    T_LIMITK,      /* 3.x */
    T_LIMIT_RATIO, /* 3.x */
    /* keywords */
    T_BOOL,
    T_BY,
    T_GROUP_LEFT,
    T_GROUP_RIGHT,
    T_FILL,       /* 3.x */
    T_FILL_LEFT,  /* 3.x */
    T_FILL_RIGHT, /* 3.x */
    T_IGNORING,
    T_OFFSET,
    T_SMOOTHED, /* 3.x */
    T_ANCHORED, /* 3.x */
    T_ON,
    T_WITHOUT,
    /* preprocessors */
    T_START,
    T_END,
    T_STEP,   /* 3.x */
    T_RANGE,  /* 3.x */
    T_MAX_OF, /* 3.x */
    T_MIN_OF, /* 3.x */
    T_COUNT_OF_TYPES
} tok_type;

typedef struct token {
    tok_type type;
    size_t start; /* byte offset of the first byte */
    size_t end;   /* one past the last byte */
} token;

#define LEX_ERRMSG_SIZE 256

typedef struct lexer {
    const char *input;
    size_t len;
    size_t pos;   /* next byte to read */
    size_t start; /* start of the token being scanned */
    size_t width; /* width of the last rune read */
    int state;    /* what to scan next (lexer.c) */
    int paren_depth;
    bool brace_open;
    bool bracket_open;
    bool got_colon;
    bool got_duration; /* 3.x */
    int string_open;   /* the quote of the string being read */
    bool v3;           /* Prometheus 3.x rules */
    char errmsg[LEX_ERRMSG_SIZE];
} lexer;

void lex_init(lexer *lx, const char *input, size_t len, sloeval_compat compat);

/* Scan the next token (comments are skipped). After T_ERROR or T_EOF every
 * further call returns the same kind of token again. */
void lex_next(lexer *lx, token *t);

/* Operators, aggregators, keywords and preprocessors (Prometheus's groups). */
bool tok_is_operator(tok_type t);
bool tok_is_aggregator(tok_type t);
bool tok_is_keyword(tok_type t);

/* The text Prometheus uses for a token type ("(", "sum", "==", ...), or
 * NULL for the types without a fixed text (identifiers, literals). */
const char *tok_type_text(tok_type t);

/*
 * Describe a token the way Prometheus's parser does in "unexpected ..."
 * messages: `identifier "foo"`, `number "1"`, `<op:+>`, `<aggr:sum>`,
 * `<by>`, `"("`, `end of input`. Writes into buf; returns buf.
 */
const char *tok_describe(const lexer *lx, const token *t, char *buf, size_t size);

/* Go's strconv.Quote-style quoting (%q) of bytes, appended into buf. */
size_t go_quote(char *buf, size_t size, const char *s, size_t len);

/* Decode one UTF-8 rune as Go does: invalid input gives 0xFFFD, width 1. */
int rune_decode(const char *s, size_t len, size_t *width);

#endif
