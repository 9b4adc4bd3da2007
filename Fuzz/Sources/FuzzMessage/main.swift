// The message parser (`guardmail check`, bulk's message file, the original of `guardmail reply`
// and `forward`): headers, the MIME tree, RFC 2047 encoded words, RFC 2231 parameters, transfer
// encodings and charsets; then what a reply and a forward compute from it (`Reply.draft`).
import MailCore
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? MessageParser.parse(bytes) {
        for field in message.headers { _ = EncodedWordDecoder.decode(field.value) }
        _ = message.recipients
        for kind in [ReplyKind.reply, .replyAll, .forwardInline] {
            _ = Reply.draft(to: message, kind: kind, own: [], language: kind == .reply ? .japanese : .english)
        }
    }
    // The reader of a mapped original: the same bytes without decoding the attachments.
    _ = bytes.withUnsafeBufferPointer { try? MessageParser.parse(buffer: $0, attachmentContent: false) }
    // Encoded words on their own, as a header value.
    _ = EncodedWordDecoder.decode(String(decoding: bytes, as: UTF8.self))
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzMessage)
