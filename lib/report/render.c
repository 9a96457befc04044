/* sloeval_check_report_render and _write_file: the renderers behind the public API. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* Write to a file that must not be replaced (a device, a FIFO, a symbolic
 * link such as /dev/stdout, or "-"): open it and write, as a shell
 * redirection would. Replacing it by rename would put a regular file where
 * the link or device was (for root, /dev/stdout machine-wide). */
static int write_direct(const char *path, const strbuf *sb, sloeval_error *err)
{
    bool is_stdout = !strcmp(path, "-");
    int fd = STDOUT_FILENO;
    if (!is_stdout) {
        struct stat st;
        bool exists = stat(path, &st) == 0;
        if (exists && S_ISDIR(st.st_mode))
            return error_set(err, SLOEVAL_EIO, "%s: is a directory", path);
        /* As `>` would: a regular file behind a link is truncated, the
         * missing target of a dangling link created. */
        int trunc = exists && S_ISREG(st.st_mode) ? O_TRUNC : 0;
        fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC | trunc, 0644);
        if (fd < 0)
            return error_set(err, SLOEVAL_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    int rc = 0;
    if (write_all(fd, sb->data, sb->len))
        rc = error_set(err, SLOEVAL_EIO, "%s: write failed: %s",
                       is_stdout ? "standard output" : path, strerror(errno));
    if (!is_stdout && close(fd) && !rc)
        rc = error_set(err, SLOEVAL_EIO, "%s: write failed: %s", path, strerror(errno));
    return rc;
}

/* Replace the regular file at path (or create it) atomically: a temporary
 * file in the same directory, flushed, renamed over it. `old` is the file
 * replaced (its mode and owner carry over) or NULL for a new one. */
static int write_atomic(const char *path, const struct stat *old, const strbuf *sb,
                        sloeval_error *err)
{
    /* A short name in the target's directory (same file system: rename is
     * atomic), so that a target name near NAME_MAX still leaves room. A
     * leading dot and no .prom suffix: node_exporter's textfile collector
     * reads only *.prom and ignores it. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    static const char name[] = ".sloeval.XXXXXX";
    char *tmp = malloc(dirlen + sizeof(name));
    if (!tmp) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    memcpy(tmp, path, dirlen);
    memcpy(tmp + dirlen, name, sizeof(name));
    int rc = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = error_set(err, SLOEVAL_EIO, "%s: cannot create a temporary file next to it: %s", path,
                       strerror(errno));
        goto out;
    }
    if (old) {
        /* The file replaced keeps its mode (0600 stays 0600) and, where
         * allowed, its owner. */
        if (old->st_uid != geteuid() || old->st_gid != getegid())
            (void)!fchown(fd, old->st_uid, old->st_gid);
        (void)fchmod(fd, old->st_mode & 07777);
    } else {
        /* readable by the collector whatever the umask of a cron job */
        (void)fchmod(fd, 0644);
    }
    if (write_all(fd, sb->data, sb->len) || fsync(fd)) {
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
    return rc;
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
    /* Only a regular file, or a name not there yet, is replaced; anything
     * else (the link itself is looked at, not its target) is written to. */
    struct stat st;
    if (!strcmp(path, "-"))
        rc = write_direct(path, &sb, err);
    else if (lstat(path, &st) != 0)
        rc = errno == ENOENT ? write_atomic(path, NULL, &sb, err)
                             : error_set(err, SLOEVAL_EIO, "%s: %s", path, strerror(errno));
    else if (S_ISREG(st.st_mode))
        rc = write_atomic(path, &st, &sb, err);
    else
        rc = write_direct(path, &sb, err);
    strbuf_free(&sb);
    return rc;
}
