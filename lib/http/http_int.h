/* Shared internals of lib/http (client.c, batch.c). */
#ifndef SLOEVAL_HTTP_HTTP_INT_H
#define SLOEVAL_HTTP_HTTP_INT_H

#include <curl/curl.h>

#include "http/http.h"

/* A secret source with its strings copied. */
typedef struct secret_src {
    char *file;
    char *env;
} secret_src;

struct http_client {
    char *base_url; /* no userinfo, no trailing '/' */
    long connect_timeout_ms;
    long timeout_ms;
    long total_timeout_ms;
    int max_retries;
    long retry_backoff_ms;
    long retry_backoff_max_ms;
    uint64_t max_response_bytes;
    char **headers; /* "Name: value" */
    size_t nheaders;
    secret_src bearer;
    char *basic_user;
    secret_src basic_password;
    char *url_password; /* a password given in the URL's userinfo */
    char *tls_ca_file;
    char *tls_cert_file;
    char *tls_key_file;
    bool tls_insecure;
    bool no_compression;

    CURLSH *share;
    CURL **idle; /* easy handles ready for reuse */
    size_t nidle, capidle;

    /* Every secret value loaded so far (and base64 user:password). */
    char **secrets;
    size_t nsecrets, capsecrets;
};

/* The credentials of one request, loaded when it is built. */
typedef struct request_auth {
    char *bearer_header; /* "Authorization: Bearer ..." */
    char *user;
    char *password;
} request_auth;

/* Load the credentials for a request; ECONFIG with a message on failure. */
int client_load_auth(http_client *c, request_auth *out, char *msg, size_t msgsize);
void request_auth_clear(request_auth *a);

/* Take an idle easy handle or make one (NULL when out of memory). */
CURL *client_take_easy(http_client *c);
/* Give a handle back for reuse (or clean it up). */
void client_return_easy(http_client *c, CURL *easy);

#endif
