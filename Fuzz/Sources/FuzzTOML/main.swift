// The TOML parser under every configuration file and the outbox's files.
import GuardTOML
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let table = try? TOML.parse(text) {
        // Every string written back with TOML.quoted must read back the same.
        for key in table.keys {
            if let value = table[key]?.stringValue {
                let again = try? TOML.parse("k = \(TOML.quoted(value))")
                precondition(again?["k"]?.stringValue == value, "TOML.quoted does not round-trip \(value.debugDescription)")
            }
        }
    }
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzTOML)
