/* sloeval_check_report_render and _write_file: the renderers behind the public API. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/check.h"
#include "report/report.h"
#include "util/error.h"
#include "util/options.h"

static int render(strbuf *sb, const sloeval_check_report *report,
                  const sloeval_check_render_options *opts, sloeval_error *err)
{
    static const sloeval_check_render_options defaults = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    static const size_t sizes[SLOEVAL_CHECK_RENDER_OPTIONS_VERSION] = {
        sizeof(sloeval_check_render_options)};
    sloeval_check_render_options current;
    int rc = options_read(&current, &defaults, opts, sizes, SLOEVAL_CHECK_RENDER_OPTIONS_VERSION,
                          "sloeval_check_render_options", err);
    if (rc) return rc;
    const sloeval_check_render_options *o = &current;
    if (!report) return error_set(err, SLOEVAL_EINVAL, "no report");
    switch (o->format) {
    case SLOEVAL_CHECK_FORMAT_TEXT: report_text(sb, report, o->color); break;
    case SLOEVAL_CHECK_FORMAT_JSON: report_json(sb, report); break;
    case SLOEVAL_CHECK_FORMAT_JUNIT: report_junit(sb, report); break;
    case SLOEVAL_CHECK_FORMAT_PROM:
        report_prom(sb, report, o->last_run_ms ? o->last_run_ms : report->end_wall_ms);
        break;
    default: return error_set(err, SLOEVAL_EINVAL, "unknown output format %d", (int)o->format);
    }
    /* make sure there is a buffer even for an empty rendering */
    strbuf_append(sb, "", 0);
    if (sb->failed || !sb->data) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    return 0;
}

int sloeval_check_report_render(char **out, size_t *len, const sloeval_check_report *report,
                                const sloeval_check_render_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_check_report_render: out is NULL");
    *out = NULL;
    if (len) *len = 0;
    strbuf sb = STRBUF_INIT;
    int rc = render(&sb, report, opts, err);
    if (rc) {
        strbuf_free(&sb);
        return rc;
    }
    if (len) *len = sb.len;
    *out = strbuf_detach(&sb);
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sloeval_check_report_write_file(const char *path, const sloeval_check_report *report,
                                    const sloeval_check_render_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!path || !path[0]) return error_set(err, SLOEVAL_EINVAL, "no output file name");
    strbuf sb = STRBUF_INIT;
    int rc = render(&sb, report, opts, err);
    if (rc) {
        strbuf_free(&sb);
        return rc;
    }
    /* a temporary file next to the target (same file system: rename is atomic);
     * node_exporter's textfile collector reads only *.prom, so the name
     * must not end in .prom */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) {
        strbuf_free(&sb);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    snprintf(tmp, plen + 32, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = error_set(err, SLOEVAL_EIO, "%s: cannot create a temporary file next to it: %s", path,
                       strerror(errno));
        goto out;
    }
    /* readable by the collector whatever the umask of a cron job */
    (void)fchmod(fd, 0644);
    if (write_all(fd, sb.data, sb.len) || fsync(fd)) {
        rc = error_set(err, SLOEVAL_EIO, "%s: write failed: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd)) {
        rc = error_set(err, SLOEVAL_EIO, "%s: write failed: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path)) {
        rc = error_set(err, SLOEVAL_EIO, "%s: cannot replace it: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
out:
    free(tmp);
    strbuf_free(&sb);
    return rc;
}
