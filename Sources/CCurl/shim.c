#include "CCurl.h"

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_read_function(CURL *handle, ccurl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
CURLcode ccurl_setopt_debug_function(CURL *handle, ccurl_debug_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_DEBUGFUNCTION, callback);
}
CURLcode ccurl_setopt_xferinfo_function(CURL *handle, ccurl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLoption ccurl_option_mail_rcpt_allowfails(void) {
#if LIBCURL_VERSION_NUM >= 0x080200
    return CURLOPT_MAIL_RCPT_ALLOWFAILS;
#else
    return CURLOPT_MAIL_RCPT_ALLLOWFAILS;
#endif
}
size_t ccurl_readfunc_abort(void) {
    return CURL_READFUNC_ABORT;
}
const char *ccurl_version(void) {
    return curl_version_info(CURLVERSION_NOW)->version;
}
CURLcode ccurl_setopt_sockopt_function(CURL *handle, ccurl_sockopt_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION, callback);
}
CURLcode ccurl_set_connect_timeout(CURL *handle, double seconds) {
    long ms = seconds <= 0 ? 1 : (long)(seconds * 1000.0 + 0.5);
    return curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, ms);
}
CURLcode ccurl_set_server_response_timeout(CURL *handle, double seconds) {
#if LIBCURL_VERSION_NUM >= 0x080600
    long ms = seconds <= 0 ? 1 : (long)(seconds * 1000.0 + 0.5);
    return curl_easy_setopt(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT_MS, ms);
#else
    long whole = (long)seconds;
    if ((double)whole < seconds) whole += 1;
    if (whole < 1) whole = 1;
    return curl_easy_setopt(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, whole);
#endif
}
int ccurl_multi_step(CURLM *multi, CURL *easy, int wait_ms, CURLcode *result, CURLMcode *multi_code) {
    int running = 0;
    *multi_code = curl_multi_perform(multi, &running);
    if (*multi_code != CURLM_OK) {
        *result = CURLE_FAILED_INIT;
        return -1;
    }
    int queued = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
            *result = message->data.result;
            return 0;
        }
    }
    *multi_code = curl_multi_poll(multi, NULL, 0, wait_ms, NULL);
    if (*multi_code != CURLM_OK) {
        *result = CURLE_FAILED_INIT;
        return -1;
    }
    return 1;
}
curl_socket_t ccurl_active_socket(CURL *handle) {
    curl_socket_t socket = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(handle, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK) return CURL_SOCKET_BAD;
    return socket;
}
