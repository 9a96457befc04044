#include "util/options.h"

#include <string.h>

#include "util/error.h"

static int check_version(unsigned v, unsigned current, const char *name, sloeval_error *err)
{
    if (v >= 1 && v <= current) return 0;
    return error_set(err, SLOEVAL_EINVAL,
                     "%s: version %u is unknown: this library (sloeval %s) reads versions 1 to "
                     "%u (initialise the struct with its _INIT macro)",
                     name, v, SLOEVAL_VERSION_STRING, current);
}

int options_read(void *dst, const void *defaults, const void *src, const size_t *sizes,
                 unsigned current, const char *name, sloeval_error *err)
{
    memcpy(dst, defaults, sizes[current - 1]);
    if (!src) return 0;
    unsigned v;
    memcpy(&v, src, sizeof v);
    int rc = check_version(v, current, name, err);
    if (rc) return rc;
    memcpy(dst, src, sizes[v - 1]);
    memcpy(dst, &current, sizeof current);
    return 0;
}

int options_write(void *dst, const void *full, const size_t *sizes, unsigned current,
                  const char *name, sloeval_error *err)
{
    unsigned v;
    memcpy(&v, dst, sizeof v);
    int rc = check_version(v, current, name, err);
    if (rc) return rc;
    memcpy(dst, full, sizes[v - 1]);
    memcpy(dst, &v, sizeof v);
    return 0;
}
