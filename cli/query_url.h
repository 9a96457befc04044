/*
 * sloeval query --url (cmd_query_url.c), called by cmd_query.c: whether
 * servers were given (flag or $SLOEVAL_URL), and the query over them.
 */
#ifndef SLOEVAL_CLI_QUERY_URL_H
#define SLOEVAL_CLI_QUERY_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "sloeval.h"

bool query_has_url(cli_cmd_spec *spec);

/*
 * The connection options every source shares (sloeval query --url and
 * sloeval check --url), from the flags of spec that it has (--timeout,
 * --retries, --max-response-bytes, --header, --tenant, --bearer-token-file,
 * basic auth, TLS, --no-compression) and the environment
 * ($SLOEVAL_BEARER_TOKEN_FILE, ...). Flags the spec lacks are unset. The
 * one place these flags are read.
 */
typedef struct url_settings {
    sloeval_prometheus_options base;
    sloeval_http_header *headers;
    size_t nheaders;
} url_settings;

/* Fill s (memset to 0 first); a usage error is printed, non-zero returned. */
int url_settings_parse(url_settings *s, cli_cmd_spec *spec, sloeval_compat compat);
void url_settings_free(url_settings *s);

/* The URLs: --url (the option url_opt), else $SLOEVAL_URL split at commas
 * and spaces; -1 when out of memory. free_urls frees them. */
int collect_urls(char ***out, size_t *n, cli_opt *url_opt);
void free_urls(char **urls, size_t n);

/*
 * Evaluate `text` at --time over the servers of --url (or $SLOEVAL_URL)
 * with the other options of spec; `compat` is --compat's value. print renders
 * a result (warnings and infos on stderr, the value on stdout) and gives the
 * exit status. Returns the exit status; errors are one line on stderr.
 */
int query_servers(cli_cmd_spec *spec, const char *text, size_t len, sloeval_compat compat,
                  bool json, int (*print)(sloeval_result *res, bool json));

#endif
