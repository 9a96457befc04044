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
 * Evaluate `text` at --time over the servers of --url (or $SLOEVAL_URL)
 * with the other options of spec; `compat` is --compat's value. print renders
 * a result (warnings and infos on stderr, the value on stdout) and gives the
 * exit status. Returns the exit status; errors are one line on stderr.
 */
int query_servers(cli_cmd_spec *spec, const char *text, size_t len, sloeval_compat compat,
                  bool json, int (*print)(sloeval_result *res, bool json));

#endif
