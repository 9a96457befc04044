/*
 * Prometheus's name syntax (internal), on its own so that the front end
 * can check names without the value model.
 */
#ifndef SLOEVAL_MODEL_NAMES_H
#define SLOEVAL_MODEL_NAMES_H

#include <stdbool.h>

#include "util/strv.h"

/*
 * Whether s is a label name in Prometheus's legacy syntax,
 * [a-zA-Z_][a-zA-Z0-9_]* (model.LabelName's IsValidLegacy): the only one
 * 2.x accepts; 3.x takes any UTF-8 and quotes the other names.
 */
bool label_name_is_legacy(strv s);

#endif
