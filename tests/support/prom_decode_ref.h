/* The reference (jansson DOM) decoder of /api/v1 query responses, for
 * differential tests and benchmarks; same contract as
 * prom_decode_response (lib/source/prometheus.h). */
#ifndef SLOEVAL_TEST_PROM_DECODE_REF_H
#define SLOEVAL_TEST_PROM_DECODE_REF_H

#include "source/prometheus.h"

int prom_decode_response_ref(value *out, source_notes *notes, const char *body, size_t len,
                             long http_status, const char *content_type, const char *url, arena *a,
                             sloeval_error *err);

#endif
