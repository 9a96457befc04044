/* Label matchers: see matcher.h. */
#include "model/matcher.h"

const char *match_type_str(match_type t)
{
    switch (t) {
    case MATCH_EQUAL: return "=";
    case MATCH_NOT_EQUAL: return "!=";
    case MATCH_REGEX: return "=~";
    case MATCH_NOT_REGEX: return "!~";
    }
    return "?";
}
