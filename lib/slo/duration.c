/*
 * Durations in configs: util/text.h's model.ParseDuration, with the reason
 * a config author is shown when a text is not a duration.
 */
#include "slo/duration.h"

#include "util/text.h"

int duration_parse(int64_t *out, const char *s, size_t len, const char **why)
{
    return text_parse_duration(out, s, len, why) == TEXT_OK ? 0 : -1;
}
