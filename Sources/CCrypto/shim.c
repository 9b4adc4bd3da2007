#include "CCrypto.h"
#include <openssl/evp.h>

// The opaque type in the header is OpenSSL's EVP_MD_CTX; the casts below are the only place
// the two names meet.

ccrypto_sha256_ctx *ccrypto_sha256_new(void) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return NULL;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    return (ccrypto_sha256_ctx *)ctx;
}

int ccrypto_sha256_update(ccrypto_sha256_ctx *ctx, const void *data, size_t length) {
    if (length == 0) return 1;
    return EVP_DigestUpdate((EVP_MD_CTX *)ctx, data, length) == 1;
}

int ccrypto_sha256_final(ccrypto_sha256_ctx *ctx, unsigned char *digest) {
    unsigned int written = 0;
    if (EVP_DigestFinal_ex((EVP_MD_CTX *)ctx, digest, &written) != 1) return 0;
    return written == CCRYPTO_SHA256_LENGTH;
}

void ccrypto_sha256_free(ccrypto_sha256_ctx *ctx) {
    EVP_MD_CTX_free((EVP_MD_CTX *)ctx);
}
