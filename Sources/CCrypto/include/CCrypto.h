// CCrypto — SHA-256 through OpenSSL's libcrypto, for attachment fingerprints.
//
// Why this shim exists: guardmail cannot link Foundation or swift-crypto (memory and startup
// cost on every run), and Debian's libcurl already loads libcrypto into the process, so its
// SHA-256 costs nothing extra. OpenSSL's own headers stay out of Swift: this header declares
// only an opaque context and four typed functions. Every symbol is prefixed `ccrypto_`.
#ifndef CCRYPTO_H
#define CCRYPTO_H

#include <stddef.h>

/// An opaque SHA-256 digest in progress (an OpenSSL EVP_MD_CTX underneath).
typedef struct ccrypto_sha256_ctx ccrypto_sha256_ctx;

/// The length of a SHA-256 digest in bytes.
#define CCRYPTO_SHA256_LENGTH 32

/// A new context, already initialised for SHA-256, or NULL when OpenSSL cannot allocate one.
/// Exists because EVP_MD_CTX_new + EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) are two calls
/// whose failure has to be handled together, and EVP_sha256 should not be named from Swift.
ccrypto_sha256_ctx *ccrypto_sha256_new(void);

/// Feeds `length` bytes; returns 1 on success, 0 on failure (EVP_DigestUpdate).
/// Exists to give the digest a typed context instead of OpenSSL's EVP_MD_CTX.
int ccrypto_sha256_update(ccrypto_sha256_ctx *ctx, const void *data, size_t length);

/// Writes the 32-byte digest to `digest`; returns 1 on success, 0 on failure (EVP_DigestFinal_ex).
/// Exists to fix the output size to SHA-256's, so Swift never passes a length pointer.
int ccrypto_sha256_final(ccrypto_sha256_ctx *ctx, unsigned char *digest);

/// Frees the context (EVP_MD_CTX_free); NULL is allowed.
/// Exists so that the Swift side never needs OpenSSL's type to release it.
void ccrypto_sha256_free(ccrypto_sha256_ctx *ctx);

#endif
