// MIMEBytes.swift — byte constants and line scanning shared by the MIME parser, which works on
// byte offsets into the one input buffer, so a large message is never copied part by part.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum MIMEBytes {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    @inline(__always)
    static func isWSP(_ c: UInt8) -> Bool { c == space || c == tab }

    /// The offset of the next LF in `b[from..<to]`, or `to` if there is none.
    @inline(__always)
    static func lineFeed(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard from < to, let base = b.baseAddress else { return to }
        guard let found = memchr(base + from, Int32(lf), to - from) else { return to }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// `end` moved back over one CR, when the line's content ends in one.
    @inline(__always)
    static func contentEnd(_ b: UnsafeBufferPointer<UInt8>, lineStart: Int, lineFeed: Int) -> Int {
        lineFeed > lineStart && b[lineFeed - 1] == cr ? lineFeed - 1 : lineFeed
    }

    static func trimmedWSP(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = bytes
        while let f = s.first, isWSP(f) || f == cr || f == lf { s.removeFirst() }
        while let l = s.last, isWSP(l) || l == cr || l == lf { s.removeLast() }
        return s
    }
}
