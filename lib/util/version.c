#include "sloeval/common.h"

const char *sloeval_version(void)
{
    return SLOEVAL_VERSION_STRING;
}
