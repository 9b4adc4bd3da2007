// Multipart.swift — splitting a multipart body into its parts.
// - SeeAlso: RFC 2046 §5.1.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum Multipart {
    /// The body parts of a multipart body in `b[range]`, delimited by lines `--boundary`
    /// (transport whitespace allowed after it) and closed by `--boundary--`. The preamble and
    /// the epilogue are left out; the line break before each delimiter belongs to the delimiter.
    /// A missing close delimiter ends the last part at the end of the range. Nil when no
    /// delimiter line occurs at all.
    static func parts(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, boundary: [UInt8]) -> [Range<Int>]? {
        guard !boundary.isEmpty else { return nil }
        var parts: [Range<Int>] = []
        var partStart: Int?
        var i = range.lowerBound
        let end = range.upperBound
        let delimiterLength = boundary.count + 2
        while i < end {
            let lf = MIMEBytes.lineFeed(b, from: i, to: end)
            if lf - i >= delimiterLength, b[i] == UInt8(ascii: "-"), b[i + 1] == UInt8(ascii: "-"),
                matches(b, at: i + 2, boundary)
            {
                let contentEnd = MIMEBytes.contentEnd(b, lineStart: i, lineFeed: lf)
                var r = i + delimiterLength
                let isClose = r + 1 < contentEnd && b[r] == UInt8(ascii: "-") && b[r + 1] == UInt8(ascii: "-")
                if !isClose { while r < contentEnd, MIMEBytes.isWSP(b[r]) { r += 1 } }
                if isClose || r == contentEnd {
                    if let start = partStart {
                        parts.append(start..<partEnd(b, start: start, delimiter: i))
                    }
                    if isClose { return parts }
                    partStart = lf < end ? lf + 1 : end
                }
            }
            i = lf + 1
        }
        guard let start = partStart else { return nil }
        parts.append(start..<end)
        return parts
    }

    /// Where a part's content ends: before the CRLF (or LF) that precedes its delimiter line.
    static func partEnd(_ b: UnsafeBufferPointer<UInt8>, start: Int, delimiter: Int) -> Int {
        guard delimiter > start else { return start }
        var e = delimiter - 1 // the LF
        if e > start, b[e - 1] == MIMEBytes.cr { e -= 1 }
        return e
    }

    @inline(__always)
    static func matches(_ b: UnsafeBufferPointer<UInt8>, at offset: Int, _ boundary: [UInt8]) -> Bool {
        boundary.withUnsafeBufferPointer { needle in
            memcmp(b.baseAddress! + offset, needle.baseAddress!, needle.count) == 0
        }
    }

    /// For a multipart without a boundary parameter: the first line that looks like a delimiter.
    static func guessBoundary(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8]? {
        var i = range.lowerBound
        while i < range.upperBound {
            let lf = MIMEBytes.lineFeed(b, from: i, to: range.upperBound)
            let contentEnd = MIMEBytes.contentEnd(b, lineStart: i, lineFeed: lf)
            if contentEnd - i > 2, b[i] == UInt8(ascii: "-"), b[i + 1] == UInt8(ascii: "-") {
                let candidate = MIMEBytes.trimmedWSP(ArraySlice(UnsafeBufferPointer(rebasing: b[(i + 2)..<contentEnd])))
                if !candidate.isEmpty { return Array(candidate) }
            }
            i = lf + 1
        }
        return nil
    }
}
