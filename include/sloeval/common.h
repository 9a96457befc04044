/*
 * sloeval/common.h - export macro, version, error reporting and the
 * semantics switch shared by every part of the sloeval API.
 *
 * Conventions used in every sloeval header:
 *   - Functions return int: 0 on success, a negative SLOEVAL_E* code on
 *     failure. Every function that takes a sloeval_error clears it first
 *     (a reused struct never shows an earlier call's message) and fills it
 *     on failure; it may be NULL.
 *   - An object handed back through the first parameter (named `out`)
 *     belongs to the caller and is released with its type's free function.
 *   - Getters return borrowed pointers that live as long as their parent.
 *     Results that are lists are read by index (a count, then one getter
 *     per item): the library never hands out arrays of structs that may
 *     grow. Structs the library hands out are opaque and read with field
 *     getters; sloeval_label and sloeval_sample are the only public
 *     structs read in arrays, and they never change.
 *   - Flags are bool.
 *   - Option structs start with a `version` field; initialise them with the
 *     matching SLOEVAL_*_OPTIONS_INIT macro. A version adds fields at the
 *     end of the struct only. The library accepts every version from 1 to
 *     the one it was built with: a struct of an older version (smaller,
 *     from a program built with older headers of the same major version)
 *     is read up to its own last field, and the fields added since take
 *     their defaults. A version newer than the library's, or 0, is
 *     SLOEVAL_EINVAL ("<struct>: version N is unknown: this library reads
 *     versions 1 to M").
 */
#ifndef SLOEVAL_COMMON_H
#define SLOEVAL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SLOEVAL_STATIC)
#define SLOEVAL_EXPORT
#elif defined(_WIN32)
#ifdef SLOEVAL_BUILDING
#define SLOEVAL_EXPORT __declspec(dllexport)
#else
#define SLOEVAL_EXPORT __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define SLOEVAL_EXPORT __attribute__((visibility("default")))
#else
#define SLOEVAL_EXPORT
#endif

/**
 * Version of these headers. sloeval_version() gives the linked library's.
 * These lines are the one place the version is written: CMake reads them
 * for the SONAME (libsloeval.so.MAJOR), sloeval.pc and the CMake package.
 */
#define SLOEVAL_VERSION_MAJOR  1
#define SLOEVAL_VERSION_MINOR  0
#define SLOEVAL_VERSION_PATCH  0
#define SLOEVAL_VERSION_STRING "1.0.0"
/** One number for compile-time comparisons: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define SLOEVAL_VERSION_NUMBER                                                                     \
    (SLOEVAL_VERSION_MAJOR * 10000 + SLOEVAL_VERSION_MINOR * 100 + SLOEVAL_VERSION_PATCH)

/** Return codes. 0 is success; everything else is negative. */
typedef enum sloeval_error_code {
    SLOEVAL_OK = 0,
    SLOEVAL_ENOMEM = -1,       /**< out of memory */
    SLOEVAL_EINVAL = -2,       /**< invalid argument (a programming or usage error) */
    SLOEVAL_EPARSE = -3,       /**< PromQL parse or type error; position set */
    SLOEVAL_EEXEC = -4,        /**< evaluation error (Prometheus errorType "execution") */
    SLOEVAL_EUNSUPPORTED = -5, /**< valid PromQL that cannot be evaluated locally */
    SLOEVAL_EIO = -6,          /**< reading or writing a file failed */
    SLOEVAL_EDATA = -7,        /**< malformed input data (OpenMetrics, test script load block) */
    SLOEVAL_ETRANSPORT = -8,   /**< HTTP transport failure: DNS, connect, TLS, reset */
    SLOEVAL_ETIMEOUT = -9,     /**< a request or evaluation exceeded its time limit */
    SLOEVAL_ESERVER = -10,     /**< the server answered with an error status */
    SLOEVAL_EDECODE = -11,     /**< the server's answer is not what the API defines */
    SLOEVAL_ELIMIT = -12,      /**< a configured limit was exceeded (size, depth, points) */
    SLOEVAL_ECONFIG = -13,     /**< invalid configuration; file, line, column set */
    SLOEVAL_ENODATA = -14,     /**< data needed for a decision is missing */
    SLOEVAL_EPARTIAL = -15,    /**< a backend answered only partially */
} sloeval_error_code;

/** Size of sloeval_error.message, including the terminating NUL. */
#define SLOEVAL_ERROR_MESSAGE_SIZE 512

/**
 * Details of a failure, filled by the library, owned by the caller. Every
 * function that takes one resets it on entry, so one struct can be reused
 * call after call: after a call it describes that call's failure, or holds
 * code 0 and an empty message when the call succeeded.
 */
typedef struct sloeval_error {
    int code;        /**< a sloeval_error_code, 0 when no error */
    size_t start;    /**< byte offset of the offending range in the input, when known */
    size_t end;      /**< byte offset one past the range (== start for a point) */
    int line;        /**< 1-based line of `start`, 0 when the error has no position */
    int column;      /**< 1-based column (in bytes) of `start`, 0 when unknown */
    int http_status; /**< HTTP status for SLOEVAL_ESERVER / EDECODE, else 0 */
    /** One line of text: what failed and why, never credentials. */
    char message[SLOEVAL_ERROR_MESSAGE_SIZE];
} sloeval_error;

#define SLOEVAL_ERROR_INIT {0, 0, 0, 0, 0, 0, {0}}

/** Reset an error struct to "no error". */
SLOEVAL_EXPORT void sloeval_error_clear(sloeval_error *err);

/** A short, static name for a return code ("parse error", "out of memory", ...). */
SLOEVAL_EXPORT const char *sloeval_strerror(int code);

/**
 * One label (of a series, an SLO, an alert): NUL-terminated name and value,
 * owned by whoever handed out the pair. The one label type of the API; it
 * never changes, so arrays of it are safe to index.
 */
typedef struct sloeval_label {
    const char *name;
    const char *value;
} sloeval_label;

/** Which Prometheus semantics to imitate (see docs: the 2.x / 3.x table). */
typedef enum sloeval_compat {
    SLOEVAL_COMPAT_V3 = 0,   /**< Prometheus 3.x (the default) */
    SLOEVAL_COMPAT_V2 = 1,   /**< Prometheus 2.x, as 2.42 behaves */
    SLOEVAL_COMPAT_AUTO = 2, /**< ask the server (buildinfo); v3 when unknown */
} sloeval_compat;

/** The linked library's version string, e.g. "0.1.0". */
SLOEVAL_EXPORT const char *sloeval_version(void);

/**
 * The libraries sloeval runs on, by index from 0: "libcurl", "jansson",
 * "libyaml", "PCRE2", then NULL past the last one. The strings are static.
 * Thread-safe.
 */
SLOEVAL_EXPORT const char *sloeval_dependency_name(size_t i);

/**
 * The version of the i-th library (see sloeval_dependency_name) that is
 * loaded at run time, as that library reports it ("7.88.1 (OpenSSL/3.0.11)",
 * "2.14", "0.2.5", "10.42 2022-12-11"). Writes at most size bytes (NUL
 * included) to buf and returns the full length, like snprintf; returns 0
 * (and writes "" when size > 0) when i is past the last library.
 * Threads: for libcurl it calls curl_version_info(), which fills static
 * data inside libcurl; do not call it from several threads at once.
 */
SLOEVAL_EXPORT size_t sloeval_dependency_version(char *buf, size_t size, size_t i);

/**
 * Process-wide initialisation (wraps curl_global_init). Call once before
 * creating any HTTP source, from one thread, before other threads start.
 * Returns 0 or SLOEVAL_ETRANSPORT.
 */
SLOEVAL_EXPORT int sloeval_global_init(void);

/** Undo sloeval_global_init(). */
SLOEVAL_EXPORT void sloeval_global_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_COMMON_H */
