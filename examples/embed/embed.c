/*
 * embed.c - a program that embeds libsloeval: load an SLO config and print,
 * for every SLO, its error budget and, for each window of its burn-rate
 * policy, the query it runs, parsed and printed in canonical form.
 * Usage: embed [CONFIG] (default: the config below).
 *
 * Build it against an installed sloeval with pkg-config:
 *     cc embed.c $(pkg-config --cflags --libs sloeval) -o embed
 * or with CMake: the CMakeLists.txt next to it (find_package(sloeval)).
 */
#include <stdio.h>
#include <stdlib.h>

#include <sloeval.h>

static const char default_config[] =
    "backends:\n"
    "  global: {url: \"http://127.0.0.1:9090\"}\n"
    "slos:\n"
    "  - name: checkout-availability\n"
    "    objective: 99.9\n"
    "    sli:\n"
    "      error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{window}}]))\n"
    "      total_query: sum(rate(http_requests_total[{{window}}]))\n";

/* The canonical text of a PromQL query (malloc'd), or NULL with err set. */
static char *canonical(const char *query, size_t len, sloeval_error *err)
{
    sloeval_expr *expr = NULL;
    char *text = NULL;
    if (sloeval_expr_parse(&expr, query, len, NULL, err) == 0) sloeval_expr_print(&text, expr, err);
    sloeval_expr_free(expr);
    return text;
}

int main(int argc, char **argv)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = NULL;
    int rc = argc > 1 ? sloeval_slo_set_load_file(&set, argv[1], NULL, &err)
                      : sloeval_slo_set_load_string(&set, default_config,
                                                    sizeof(default_config) - 1, NULL, &err);
    if (rc != 0) {
        fprintf(stderr, "embed: %s\n", err.message); /* one line: file:line:col: what */
        return 2;
    }
    printf("libsloeval %s (built with headers %s)\n", sloeval_version(), SLOEVAL_VERSION_STRING);
    printf("policy %s, %zu SLOs\n", sloeval_slo_set_policy_name(set),
           sloeval_slo_set_slo_count(set));

    for (size_t i = 0; i < sloeval_slo_set_slo_count(set) && err.code == 0; i++) {
        /* Handles and strings belong to the set; lists are read by index. */
        const sloeval_slo *slo = sloeval_slo_set_slo(set, i);
        sloeval_slo_query which = sloeval_slo_sli_kind(slo) == SLOEVAL_SLO_SLI_RATIO
                                      ? SLOEVAL_SLO_QUERY_RATIO
                                      : SLOEVAL_SLO_QUERY_ERROR;
        printf("%s: objective %s%%, error budget %g\n", sloeval_slo_id(slo),
               sloeval_slo_objective_text(slo), sloeval_slo_error_budget(slo));
        for (size_t w = 0; w < sloeval_slo_set_window_count(set) && err.code == 0; w++) {
            int64_t window_ms = sloeval_slo_set_window_ms(set, w);
            char window[32];
            sloeval_duration_format(window, sizeof(window), window_ms);
            /* Like snprintf: ask for the length, then render into a buffer that fits. */
            size_t len = sloeval_slo_render_query(NULL, 0, slo, which, window_ms);
            char *query = malloc(len + 1);
            if (!query) break;
            sloeval_slo_render_query(query, len + 1, slo, which, window_ms);
            char *text = canonical(query, len, &err);
            if (text) printf("  %-4s %s\n", window, text);
            free(text); /* strings the library allocates are released with free() */
            free(query);
        }
    }
    if (err.code != 0) fprintf(stderr, "embed: %s\n", err.message);
    sloeval_slo_set_free(set); /* everything the set handed out goes with it */
    return err.code == 0 ? 0 : 1;
}
