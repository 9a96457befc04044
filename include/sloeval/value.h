/*
 * sloeval/value.h - label pairs and evaluation results.
 */
#ifndef SLOEVAL_VALUE_H
#define SLOEVAL_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One label: NUL-terminated name and value, owned by whoever made the pair. */
typedef struct sloeval_label {
    const char *name;
    const char *value;
} sloeval_label;

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_VALUE_H */
