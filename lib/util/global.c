#include <curl/curl.h>

#include "sloeval/common.h"

int sloeval_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? SLOEVAL_OK : SLOEVAL_ETRANSPORT;
}

void sloeval_global_cleanup(void)
{
    curl_global_cleanup();
}
