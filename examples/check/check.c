/*
 * check.c - a program that embeds libsloeval and runs an SLO check: load a
 * config (or a Sloth spec or rule file it includes), evaluate every SLO and
 * alert at one instant, walk the results, and write the Prometheus textfile
 * the library renders. Exits as `sloeval check` does: 0 ok, 1 firing,
 * 2 error, 3 inconclusive.
 * Usage: check CONFIG [UNIX_SECONDS] [TEXTFILE]
 *
 * Build it against an installed sloeval:
 *     cc check.c $(pkg-config --cflags --libs sloeval) -o check
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sloeval.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: check CONFIG [UNIX_SECONDS] [TEXTFILE]\n");
        return 2;
    }
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = NULL;
    sloeval_check_report *report = NULL;
    int status = 2;
    if (sloeval_global_init() != 0) return 2; /* once per process, before any backend */
    if (sloeval_slo_set_load_file(&set, argv[1], NULL, &err) != 0) {
        fprintf(stderr, "check: %s\n", err.message); /* file:line:col: what is wrong */
        goto out;
    }
    sloeval_check_options opts = SLOEVAL_CHECK_OPTIONS_INIT; /* now, every scope */
    if (argc > 2) opts.time_ms = (int64_t)(atof(argv[2]) * 1000);
    if (sloeval_check_run(&report, set, &opts, &err) != 0) {
        fprintf(stderr, "check: %s\n", err.message);
        goto out;
    }

    /* Every SLO in every scope: its verdict, the 1h burn rate, the budget left.
     * Results are read by index and through getters. */
    for (size_t i = 0; i < sloeval_check_report_slo_count(report); i++) {
        const sloeval_check_slo_result *r = sloeval_check_report_slo(report, i);
        double burn_1h = NAN;
        for (size_t w = 0; w < sloeval_check_slo_window_count(r); w++) {
            const sloeval_check_window *win = sloeval_check_slo_window(r, w);
            if (sloeval_check_window_ms(win) == 3600 * 1000)
                burn_1h = sloeval_check_window_burn_rate(win);
        }
        const char *reason = sloeval_check_slo_reason(r);
        printf("%-24s %-10s %-12s burn(1h) %7.2f  budget left %6.1f%%%s%s\n",
               sloeval_check_slo_id(r), sloeval_check_slo_scope(r),
               sloeval_check_status_name(sloeval_check_slo_status(r)), burn_1h,
               sloeval_check_slo_budget_remaining(r) * 100, reason ? "  " : "",
               reason ? reason : "");
    }
    for (size_t i = 0; i < sloeval_check_report_alert_count(report); i++) {
        const sloeval_check_alert_result *a = sloeval_check_report_alert(report, i);
        printf("alert %-18s %-10s %-12s %zu series\n", sloeval_check_alert_name(a),
               sloeval_check_alert_scope(a),
               sloeval_check_status_name(sloeval_check_alert_status(a)),
               sloeval_check_alert_series_count(a));
    }

    /* The same report for node_exporter's textfile collector, written atomically. */
    if (argc > 3) {
        sloeval_check_render_options ro = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
        ro.format = SLOEVAL_CHECK_FORMAT_PROM;
        if (sloeval_check_report_write_file(argv[3], report, &ro, &err) != 0) {
            fprintf(stderr, "check: %s\n", err.message);
            goto out;
        }
    }
    status = sloeval_check_status_exit_code(sloeval_check_report_status(report));
out:
    sloeval_check_report_free(report); /* the report outlives the set: free in any order */
    sloeval_slo_set_free(set);
    sloeval_global_cleanup();
    return status;
}
