// The recipient-file reader of `guardmail bulk`: CSV, TSV or one address a line, UTF-8 or
// Shift_JIS. The first byte picks the file name (its extension decides some choices).
import Bulk
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecipients(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let names = ["recipients.csv", "recipients.tsv", "recipients.txt", "recipients"]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    _ = try? RecipientFile.parse(bytes: bytes, fileName: names[Int(data[0]) % names.count])
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzRecipients)
