// The loaders built on the TOML parser that read files a user or an administrator writes:
// config.toml, the organisation policy, themes and the address book.
import Config
import Policy
import TUI
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ConfigLoader.parse(text, file: "config.toml")
    _ = try? PolicyConfig.parseOrganisationFile(text, file: "policy.toml")
    _ = try? ThemeLoader.parse(text, file: "fuzz.toml")
    _ = try? AddressBook.parse(text, file: "addressbook.toml")
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzConfig)
