// CCurl — typed wrappers around the libcurl easy API for Swift.
//
// Why this shim exists: curl_easy_setopt and curl_easy_getinfo are variadic, and Swift cannot
// call C variadic functions. Each wrapper below fixes the argument type for one kind of option.
// Every symbol is prefixed `ccurl_`. libcurl is not linked: the shim opens it with dlopen when
// a submission first needs it (see shim.c), so the header's curl_* functions must not be called.
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>
#include <stddef.h>

// libcurl itself: opened with dlopen on first use (see shim.c), so call these, never the
// curl_* functions, which are not linked.

/// Opens libcurl once; 1 when it is usable, else 0 (then `ccurl_load_error` says why).
int ccurl_load(void);
/// Why libcurl could not be opened (dlerror's text), or NULL when it is open.
const char *ccurl_load_error(void);
/// curl_global_init; CURLE_FAILED_INIT when libcurl cannot be opened.
CURLcode ccurl_global_init(long flags);
/// curl_easy_init; NULL when libcurl cannot be opened.
CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
/// curl_multi_init; NULL when libcurl cannot be opened.
CURLM *ccurl_multi_init(void);
CURLMcode ccurl_multi_cleanup(CURLM *multi);
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *easy);
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *easy);
const char *ccurl_multi_strerror(CURLMcode code);
/// curl_slist_append; NULL when libcurl cannot be opened or memory ran out.
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *text);
void ccurl_slist_free_all(struct curl_slist *list);

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

/// CURLOPT_CONNECTTIMEOUT_MS from seconds. Why a wrapper of its own: the unit is part of the
/// option's name and easy to get wrong through the generic long setter; this one takes the
/// seconds guardmail reasons in. For SMTP the connection phase is TCP, TLS, the greeting, EHLO,
/// STARTTLS and AUTH: everything before MAIL FROM.
CURLcode ccurl_set_connect_timeout(CURL *handle, double seconds);

/// CURLOPT_SERVER_RESPONSE_TIMEOUT from seconds. Why a wrapper: curl 7.88 (Debian 12) takes
/// whole seconds (rounded up here, at least 1); curl 8.6 added CURLOPT_SERVER_RESPONSE_TIMEOUT_MS.
/// This hides the difference. It bounds each reply of the SMTP dialogue inside libcurl, as a
/// backstop for the deadlines the submitter keeps itself.
CURLcode ccurl_set_server_response_timeout(CURL *handle, double seconds);

/// One step of a transfer driven through a multi handle: runs curl_multi_perform, and if the
/// transfer of `easy` is not done, waits in curl_multi_poll for at most `wait_ms`.
/// Returns 1 while the transfer runs; 0 when it is done, with its result in *result; -1 when the
/// multi interface itself failed (*result is CURLE_FAILED_INIT, *multi_code says why).
/// Why it exists: curl_easy_perform gives the caller no control until the transfer ends, and
/// libcurl has one response timeout for every SMTP reply; driving the transfer in short steps
/// lets the submitter keep a deadline per phase (each reply, the data, the final reply scaled
/// by the message size) and stop at once. The result is in a union of CURLMsg, which this reads.
int ccurl_multi_step(CURLM *multi, CURL *easy, int wait_ms, CURLcode *result, CURLMcode *multi_code);

/// CURLINFO_ACTIVESOCKET: the socket of the connection the transfer uses, or -1. Why a wrapper:
/// the result is a curl_socket_t through a pointer, which the long getter cannot take. The
/// submitter shuts this socket down when it gives up on a server that stopped answering, so
/// that libcurl closes the connection at once instead of sending QUIT and waiting once more.
curl_socket_t ccurl_active_socket(CURL *handle);

/// curl_version_info's version string (for `guardmail --version` and the bench table).
const char *ccurl_version(void);

#endif
