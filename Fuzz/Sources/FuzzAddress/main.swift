// The address list parser: what `--to`/`--cc`, the composer's fields and To/Cc headers go through.
import MailCore
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddress(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // The composer's parse: every entry and every error. The throwing parse is the same one
    // stopped at its first error, and the errors come in order of position.
    let all = AddressParser.parseListRecovering(text)
    let positions = all.failures.map(\.position)
    precondition(zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 }, "errors out of order: \(positions)")
    do {
        let entries = try AddressParser.parseList(text)
        precondition(all.failures.isEmpty && all.entries == entries, "parseList accepted what parseListRecovering refused")
    } catch {
        precondition(all.failures.first?.error == error, "parseList threw another first error")
    }
    for mailbox in all.mailboxes {
        // What is sent and shown: the SMTP form and the header form.
        _ = mailbox.asciiDomain
        _ = mailbox.formatted
        _ = mailbox.envelopeAddress
    }
    _ = try? AddressParser.parseMailbox(text)
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzAddress)
