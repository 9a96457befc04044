/*
 * Notes on an answer (internal): the warnings and infos that a source (a
 * server's response, or the local engine) attaches to what it answers, and
 * that a result carries to the caller. Strings live in the answer's arena.
 */
#ifndef SLOEVAL_MODEL_NOTES_H
#define SLOEVAL_MODEL_NOTES_H

#include <stddef.h>

#include "util/strv.h"

typedef struct source_notes {
    strv *warnings;
    size_t nwarnings, capwarnings;
    strv *infos;
    size_t ninfos, capinfos;
} source_notes;

#endif
