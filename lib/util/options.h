/*
 * Option structs of any version (internal). Every public option struct
 * starts with `unsigned int version`; version v of a struct is its fields up
 * to the last one that version added, and a newer version only appends
 * (include/sloeval/common.h). A library reads every version from 1 to the
 * one it was built with: an older struct is smaller, so only its own bytes
 * are read and the fields added since keep their defaults.
 */
#ifndef SLOEVAL_UTIL_OPTIONS_H
#define SLOEVAL_UTIL_OPTIONS_H

#include <stddef.h>

#include "sloeval/common.h"

/* The size of a struct's version that ends with `field`. */
#define OPTIONS_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Copy the caller's struct `src` (NULL: the defaults) into `dst`, a struct
 * of the current layout: `defaults` first, then the bytes of src's
 * version; dst's version becomes the current one. sizes[v - 1] is the size
 * of version v, for v = 1..current (the last is sizeof the struct).
 * Returns 0, or SLOEVAL_EINVAL naming `name` for version 0 or a version
 * newer than `current`.
 */
int options_read(void *dst, const void *defaults, const void *src, const size_t *sizes,
                 unsigned current, const char *name, sloeval_error *err);

/*
 * The reverse, for a struct the library fills (sloeval_memory_stats): copy
 * `full` (the current layout, version `current`) into the caller's `dst`,
 * only as many bytes as dst's version holds. The same errors.
 */
int options_write(void *dst, const void *full, const size_t *sizes, unsigned current,
                  const char *name, sloeval_error *err);

#endif
