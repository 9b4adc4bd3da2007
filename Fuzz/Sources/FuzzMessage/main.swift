// The message parser (`guardmail check`, bulk's message file): headers, the MIME tree, RFC 2047
// encoded words, RFC 2231 parameters, transfer encodings and charsets.
import MailCore
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? MessageParser.parse(bytes) {
        for field in message.headers { _ = EncodedWordDecoder.decode(field.value) }
        _ = message.recipients
    }
    // Encoded words on their own, as a header value.
    _ = EncodedWordDecoder.decode(String(decoding: bytes, as: UTF8.self))
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzMessage)
