// The PDF page counter: objects, the page tree, object streams (inflated). The first byte picks
// whether the input is the whole file or cut into a head and a tail (as for files over 8 MiB).
@testable import Inspect
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let control = Int(data[0])
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if control & 1 == 0 {
        _ = PDFPageCounter.pageCount(segments: [bytes], complete: true)
    } else {
        let cut = bytes.isEmpty ? 0 : (control >> 1) % bytes.count
        _ = PDFPageCounter.pageCount(segments: [Array(bytes[..<cut]), Array(bytes[cut...])], complete: false)
    }
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzPDF)
