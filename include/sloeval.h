/*
 * sloeval.h - the umbrella header of libsloeval: PromQL parsing, evaluation
 * with Prometheus 2.x or 3.x semantics over in-memory data or
 * Prometheus-compatible HTTP APIs, and SLO burn-rate checks.
 *
 * Include this header; the per-area headers under sloeval/ are included
 * from here and are not meant to be included on their own.
 */
#ifndef SLOEVAL_H
#define SLOEVAL_H

#include "sloeval/common.h"
#include "sloeval/check.h"
#include "sloeval/engine.h"
#include "sloeval/expr.h"
#include "sloeval/http.h"
#include "sloeval/query.h"
#include "sloeval/slo.h"
#include "sloeval/source.h"
#include "sloeval/time.h"
#include "sloeval/value.h"

#endif /* SLOEVAL_H */
