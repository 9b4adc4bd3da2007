// zlib: inflate for ZIP entries (raw deflate) and PDF object streams (zlib format); the tests
// also deflate with it to write real ZIP files. The functions are plain C and import directly;
// only the initialisers are macros (they pass ZLIB_VERSION and sizeof(z_stream)), which Swift
// cannot call, hence the two inline wrappers. Every symbol here is prefixed `czlib_`. The module
// is CZlibSystem, not CZlib: ZIPFoundation (used by the tests) has a module of that name.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

#include <zlib.h>

/// inflateInit2: windowBits -15 for raw deflate (ZIP), 15 for zlib streams (PDF FlateDecode),
/// 47 to accept zlib or gzip headers.
static inline int czlib_inflate_init(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

/// deflateInit2 with the default memory level and strategy; windowBits as for inflate.
static inline int czlib_deflate_init(z_stream *stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

#endif
