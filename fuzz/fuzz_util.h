/* What the libFuzzer targets share: the entry point's prototype and a
 * check that aborts with a one-line reason (libFuzzer then saves the
 * input as a crash artifact). */
#ifndef SLOEVAL_FUZZ_UTIL_H
#define SLOEVAL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The error contract of every public entry point: a code, a one-line
 * non-empty message. */
#define FUZZ_CHECK_ERROR(err, rc)                                                                  \
    do {                                                                                           \
        FUZZ_CHECK((err).code == (rc), "error code %d not recorded (err.code %d)", (rc),          \
                   (err).code);                                                                    \
        FUZZ_CHECK((err).message[0] != '\0', "empty error message");                               \
        FUZZ_CHECK(strchr((err).message, '\n') == NULL, "multi-line error message: %s",           \
                   (err).message);                                                                 \
    } while (0)

#endif
