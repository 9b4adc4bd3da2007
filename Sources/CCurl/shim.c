#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// libcurl is opened with dlopen on first use, not linked: Debian's libcurl brings about thirty
// shared libraries (OpenSSL, GnuTLS, Kerberos, LDAP, SSH, ...) whose loading and relocation
// took ~3 ms of every start, and the composer's first frame needs none of them.
#ifdef __APPLE__
#define CCURL_LIBRARY "libcurl.4.dylib"
#else
#define CCURL_LIBRARY "libcurl.so.4"
#endif

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
    const char *(*multi_strerror)(CURLMcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    curl_version_info_data *(*version_info)(CURLversion);
} api;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded = 0;
static char load_error[512];

#define CCURL_SYMBOL(field, name)                                                              \
    do {                                                                                       \
        *(void **)(&api.field) = dlsym(library, name);                                         \
        if (api.field == NULL) {                                                               \
            snprintf(load_error, sizeof load_error, "%s has no %s: %s", CCURL_LIBRARY, name,   \
                     "the installed libcurl is too old or not libcurl");                       \
            return;                                                                            \
        }                                                                                      \
    } while (0)

static void load(void) {
    void *library = dlopen(CCURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "%s", reason ? reason : "cannot load " CCURL_LIBRARY);
        return;
    }
    CCURL_SYMBOL(global_init, "curl_global_init");
    CCURL_SYMBOL(easy_init, "curl_easy_init");
    CCURL_SYMBOL(easy_cleanup, "curl_easy_cleanup");
    CCURL_SYMBOL(easy_setopt, "curl_easy_setopt");
    CCURL_SYMBOL(easy_getinfo, "curl_easy_getinfo");
    CCURL_SYMBOL(easy_strerror, "curl_easy_strerror");
    CCURL_SYMBOL(multi_init, "curl_multi_init");
    CCURL_SYMBOL(multi_cleanup, "curl_multi_cleanup");
    CCURL_SYMBOL(multi_add_handle, "curl_multi_add_handle");
    CCURL_SYMBOL(multi_remove_handle, "curl_multi_remove_handle");
    CCURL_SYMBOL(multi_perform, "curl_multi_perform");
    CCURL_SYMBOL(multi_info_read, "curl_multi_info_read");
    CCURL_SYMBOL(multi_poll, "curl_multi_poll");
    CCURL_SYMBOL(multi_strerror, "curl_multi_strerror");
    CCURL_SYMBOL(slist_append, "curl_slist_append");
    CCURL_SYMBOL(slist_free_all, "curl_slist_free_all");
    CCURL_SYMBOL(version_info, "curl_version_info");
    loaded = 1;
}

int ccurl_load(void) {
    pthread_once(&load_once, load);
    return loaded;
}
const char *ccurl_load_error(void) {
    return ccurl_load() ? NULL : load_error;
}

// Every function below is reached only through an easy or multi handle, which exists only
// once ccurl_load succeeded (ccurl_global_init and the init functions check it).
CURLcode ccurl_global_init(long flags) {
    if (!ccurl_load()) return CURLE_FAILED_INIT;
    return api.global_init(flags);
}
CURL *ccurl_easy_init(void) {
    return ccurl_load() ? api.easy_init() : NULL;
}
void ccurl_easy_cleanup(CURL *handle) {
    api.easy_cleanup(handle);
}
const char *ccurl_easy_strerror(CURLcode code) {
    return ccurl_load() ? api.easy_strerror(code) : load_error;
}
CURLM *ccurl_multi_init(void) {
    return ccurl_load() ? api.multi_init() : NULL;
}
CURLMcode ccurl_multi_cleanup(CURLM *multi) {
    return api.multi_cleanup(multi);
}
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *easy) {
    return api.multi_add_handle(multi, easy);
}
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *easy) {
    return api.multi_remove_handle(multi, easy);
}
const char *ccurl_multi_strerror(CURLMcode code) {
    return ccurl_load() ? api.multi_strerror(code) : load_error;
}
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *text) {
    return ccurl_load() ? api.slist_append(list, text) : NULL;
}
void ccurl_slist_free_all(struct curl_slist *list) {
    if (list != NULL) api.slist_free_all(list);
}

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return api.easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return api.easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return api.easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return api.easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return api.easy_setopt(handle, option, value);
}
CURLcode ccurl_setopt_read_function(CURL *handle, ccurl_read_callback callback) {
    return api.easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
CURLcode ccurl_setopt_debug_function(CURL *handle, ccurl_debug_callback callback) {
    return api.easy_setopt(handle, CURLOPT_DEBUGFUNCTION, callback);
}
CURLcode ccurl_setopt_xferinfo_function(CURL *handle, ccurl_xferinfo_callback callback) {
    return api.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return api.easy_getinfo(handle, info, value);
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
    if (!ccurl_load()) return "not loaded";
    return api.version_info(CURLVERSION_NOW)->version;
}
CURLcode ccurl_setopt_sockopt_function(CURL *handle, ccurl_sockopt_callback callback) {
    return api.easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION, callback);
}
CURLcode ccurl_set_connect_timeout(CURL *handle, double seconds) {
    long ms = seconds <= 0 ? 1 : (long)(seconds * 1000.0 + 0.5);
    return api.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, ms);
}
CURLcode ccurl_set_server_response_timeout(CURL *handle, double seconds) {
#if LIBCURL_VERSION_NUM >= 0x080600
    long ms = seconds <= 0 ? 1 : (long)(seconds * 1000.0 + 0.5);
    return api.easy_setopt(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT_MS, ms);
#else
    long whole = (long)seconds;
    if ((double)whole < seconds) whole += 1;
    if (whole < 1) whole = 1;
    return api.easy_setopt(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, whole);
#endif
}
int ccurl_multi_step(CURLM *multi, CURL *easy, int wait_ms, CURLcode *result, CURLMcode *multi_code) {
    int running = 0;
    *multi_code = api.multi_perform(multi, &running);
    if (*multi_code != CURLM_OK) {
        *result = CURLE_FAILED_INIT;
        return -1;
    }
    int queued = 0;
    CURLMsg *message;
    while ((message = api.multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
            *result = message->data.result;
            return 0;
        }
    }
    *multi_code = api.multi_poll(multi, NULL, 0, wait_ms, NULL);
    if (*multi_code != CURLM_OK) {
        *result = CURLE_FAILED_INIT;
        return -1;
    }
    return 1;
}
curl_socket_t ccurl_active_socket(CURL *handle) {
    curl_socket_t socket = CURL_SOCKET_BAD;
    if (api.easy_getinfo(handle, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK) return CURL_SOCKET_BAD;
    return socket;
}
