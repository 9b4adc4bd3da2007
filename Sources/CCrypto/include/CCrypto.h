// CCrypto — SHA-256 through OpenSSL's libcrypto, for attachment fingerprints.
//
// Why this shim exists: guardmail cannot link Foundation or swift-crypto (memory and startup
// cost on every run), and Debian's libcurl already loads libcrypto into the process, so its
// SHA-256 costs nothing extra. OpenSSL's own headers stay out of Swift: this header declares
// only an opaque context and four typed functions. Every symbol is prefixed `ccrypto_`.
#ifndef CCRYPTO_H
#define CCRYPTO_H

#include <stddef.h>

/// An opaque SHA-256 digest in progress (an OpenSSL SHA256_CTX underneath).
typedef struct ccrypto_sha256_ctx ccrypto_sha256_ctx;

/// The length of a SHA-256 digest in bytes.
#define CCRYPTO_SHA256_LENGTH 32

/// A new context, already initialised for SHA-256, or NULL when OpenSSL cannot allocate one.
/// Exists because allocating the context and SHA256_Init are two steps whose failure has to be
/// handled together, and OpenSSL's struct should not be named from Swift.
ccrypto_sha256_ctx *ccrypto_sha256_new(void);

/// Feeds `length` bytes; returns 1 on success, 0 on failure (SHA256_Update).
/// Exists to give the digest a typed context instead of OpenSSL's SHA256_CTX.
int ccrypto_sha256_update(ccrypto_sha256_ctx *ctx, const void *data, size_t length);

/// Writes the 32-byte digest to `digest`; returns 1 on success, 0 on failure (SHA256_Final).
/// Exists so that Swift passes only the 32-byte buffer, in the order of the other calls.
int ccrypto_sha256_final(ccrypto_sha256_ctx *ctx, unsigned char *digest);

/// Frees the context; NULL is allowed.
/// Exists so that the Swift side never needs OpenSSL's type to release it.
void ccrypto_sha256_free(ccrypto_sha256_ctx *ctx);

#endif
