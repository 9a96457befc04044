/*
 * sloeval check --url and --timeout (check_url.c), called by cmd_check.c.
 */
#ifndef SLOEVAL_CLI_CHECK_URL_H
#define SLOEVAL_CLI_CHECK_URL_H

#include "args.h"
#include "sloeval.h"

/*
 * Load the file of --config. With --url (or $SLOEVAL_URL), a Sloth spec or
 * a rule file is loaded as if included by a sloeval config whose global
 * backend is that URL, with the connection flags of query (--header,
 * --tenant, --bearer-token-file, --timeout; one parser: query_url.h). A
 * sloeval config with backends is loaded as it is ($SLOEVAL_URL is then
 * ignored; --url is a usage error). Returns 0, or the exit status after a
 * one-line error on stderr.
 */
int check_load(sloeval_slo_set **out, cli_cmd_spec *spec, const char *path);

/*
 * --timeout D: the whole run (every request and retry) within D. Past it,
 * the command ends inconclusive (exit 3) with the reason on stderr, whatever
 * is in flight. Returns 0, or the exit status after a usage error.
 */
int check_timeout_arm(cli_cmd_spec *spec);

#endif
