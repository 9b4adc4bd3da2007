// The outbox's record.toml and state.toml readers: files a user, a sync tool or a bad disk can
// change. The first byte picks which reader.
@testable import Outbox
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOutbox(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    if data[0] & 1 == 0 {
        _ = try? OutboxFormat.decodeRecord(text, file: "record.toml")
    } else {
        _ = try? OutboxFormat.decodeState(text, file: "state.toml")
    }
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzOutbox)
