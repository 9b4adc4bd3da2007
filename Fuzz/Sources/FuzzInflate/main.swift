// The inflater (zlib) as the ZIP reader and the PDF page counter drive it. The first byte picks
// raw deflate or zlib and how the input is cut into pieces; the cap is small so that bombs end fast.
@testable import Inspect
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInflate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let control = data[0]
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let format: Inflater.Format = control & 1 == 0 ? .raw : .zlib
    let limit = 1 + Int(control >> 1) * 4096
    let whole = Inflater.inflate(input[...], format: format, limit: limit)
    precondition(whole.bytes.count <= limit)
    // The same input fed in pieces must give the same bytes.
    guard let inflater = Inflater(format: format, limit: limit) else { return 0 }
    let piece = 1 + Int(control >> 4)
    var at = 0
    while at < input.count && inflater.wantsInput {
        inflater.feed(Array(input[at..<min(at + piece, input.count)]))
        at += piece
    }
    precondition(inflater.output.count <= limit)
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzInflate)
