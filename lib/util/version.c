/* sloeval's version and the run-time versions of the libraries it uses. */
#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>
#include <yaml.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "sloeval/common.h"

const char *sloeval_version(void)
{
    return SLOEVAL_VERSION_STRING;
}

static const char *const dependency_names[] = {"libcurl", "jansson", "libyaml", "PCRE2", NULL};

const char *sloeval_dependency_name(size_t i)
{
    return i < sizeof(dependency_names) / sizeof(dependency_names[0]) ? dependency_names[i] : NULL;
}

size_t sloeval_dependency_version(char *buf, size_t size, size_t i)
{
    char pcre[64] = "";
    int n = 0;
    switch (i) {
    case 0: {
        /* The loaded libcurl, with its TLS library: what HTTPS goes through. */
        const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
        if (v->ssl_version)
            n = snprintf(buf, size, "%s (%s)", v->version, v->ssl_version);
        else
            n = snprintf(buf, size, "%s", v->version);
        break;
    }
    case 1:
#if JANSSON_VERSION_HEX >= 0x020d00
        n = snprintf(buf, size, "%s", jansson_version_str());
#else
        n = snprintf(buf, size, "%s", JANSSON_VERSION);
#endif
        break;
    case 2: n = snprintf(buf, size, "%s", yaml_get_version_string()); break;
    case 3:
        if (pcre2_config(PCRE2_CONFIG_VERSION, NULL) > (int)sizeof(pcre) ||
            pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
            pcre[0] = '\0';
        n = snprintf(buf, size, "%s", pcre);
        break;
    default:
        if (size > 0) buf[0] = '\0';
        return 0;
    }
    return n < 0 ? 0 : (size_t)n;
}
