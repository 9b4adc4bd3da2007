// The address list parser: what `--to`/`--cc`, the composer's fields and To/Cc headers go through.
import MailCore
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddress(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let entries = try? AddressParser.parseList(text) {
        for mailbox in entries.mailboxes {
            // What is sent and shown: the SMTP form and the header form.
            _ = mailbox.asciiDomain
            _ = mailbox.formatted
            _ = mailbox.envelopeAddress
        }
    }
    _ = try? AddressParser.parseMailbox(text)
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzAddress)
