// CCurl — typed wrappers around the libcurl easy API for Swift.
//
// Why this shim exists: curl_easy_setopt and curl_easy_getinfo are variadic, and Swift cannot
// call C variadic functions. Each wrapper below fixes the argument type for one kind of option.
// Every symbol is prefixed `ccurl_`.
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>
#include <stddef.h>

/// Set an option whose argument is a `long` (CURLOPTTYPE_LONG).
CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
/// Set an option whose argument is a `curl_off_t` (CURLOPTTYPE_OFF_T).
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// Set an option whose argument is a C string (CURLOPTTYPE_STRINGPOINT); curl copies it.
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
/// Set an option whose argument is a `struct curl_slist *` (CURLOPT_MAIL_RCPT).
CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// Set an option whose argument is an opaque pointer (CURLOPT_READDATA, CURLOPT_DEBUGDATA, ...).
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);

/// CURLOPT_READFUNCTION with a typed callback.
typedef size_t (*ccurl_read_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
CURLcode ccurl_setopt_read_function(CURL *handle, ccurl_read_callback callback);

/// CURLOPT_DEBUGFUNCTION with a typed callback (needs CURLOPT_VERBOSE = 1 to be called).
typedef int (*ccurl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);
CURLcode ccurl_setopt_debug_function(CURL *handle, ccurl_debug_callback callback);

/// CURLOPT_XFERINFOFUNCTION with a typed callback (needs CURLOPT_NOPROGRESS = 0 to be called).
typedef int (*ccurl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
CURLcode ccurl_setopt_xferinfo_function(CURL *handle, ccurl_xferinfo_callback callback);

/// CURLOPT_SOCKOPTFUNCTION with a typed callback: tells us the socket curl opened.
typedef int (*ccurl_sockopt_callback)(void *userdata, curl_socket_t socket, curlsocktype purpose);
CURLcode ccurl_setopt_sockopt_function(CURL *handle, ccurl_sockopt_callback callback);

/// CURLINFO_* whose result is a `long` (e.g. CURLINFO_RESPONSE_CODE, CURLINFO_SSL_VERIFYRESULT).
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);

/// The option that lets a send continue past refused recipients. curl 7.88 spells it
/// CURLOPT_MAIL_RCPT_ALLLOWFAILS (three L's); curl 8.2 renamed it. This hides the spelling.
CURLoption ccurl_option_mail_rcpt_allowfails(void);

/// CURL_READFUNC_ABORT is a macro of a cast expression that Swift does not import.
size_t ccurl_readfunc_abort(void);

/// curl_version_info's version string (for `guardmail --version` and the bench table).
const char *ccurl_version(void);

#endif
