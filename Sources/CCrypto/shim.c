// OpenSSL 3 deprecates the one-shot SHA256_* functions in favour of EVP, but EVP's first digest
// fetches the algorithm from a provider and so starts OpenSSL's whole provider machinery: about
// 2 MiB more resident memory on every run that has an attachment, for one digest. SHA256_* goes
// straight to the same assembly (SHA-NI where the CPU has it).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "CCrypto.h"
#include <openssl/sha.h>
#include <stdlib.h>

struct ccrypto_sha256_ctx {
    SHA256_CTX sha;
};

ccrypto_sha256_ctx *ccrypto_sha256_new(void) {
    ccrypto_sha256_ctx *ctx = malloc(sizeof *ctx);
    if (ctx == NULL) return NULL;
    if (SHA256_Init(&ctx->sha) != 1) {
        free(ctx);
        return NULL;
    }
    return ctx;
}

int ccrypto_sha256_update(ccrypto_sha256_ctx *ctx, const void *data, size_t length) {
    if (length == 0) return 1;
    return SHA256_Update(&ctx->sha, data, length) == 1;
}

int ccrypto_sha256_final(ccrypto_sha256_ctx *ctx, unsigned char *digest) {
    return SHA256_Final(digest, &ctx->sha) == 1;
}

void ccrypto_sha256_free(ccrypto_sha256_ctx *ctx) {
    free(ctx);
}
