// `guardmail policy import`: the settings other add-ins export, read by our own parsers —
// FlexConfirmMail's JSON (a JSON reader of its own) and OutlookOkan's CSV files (RFC 4180, one
// kind of setting per file name). The first byte picks the reader and, for OutlookOkan, the file
// name (which decides how its rows are read); the rest is the file, as UTF-8 (invalid bytes
// replaced, as the command reads it).
import CFuzzerDriver
import Policy

let okanNames = [
    "AlertKeywordAndMessageList.csv", "AlertKeywordAndMessageListForSubject.csv", "AlertAddressList.csv",
    "KeywordAndRecipientsList.csv", "AttachmentProhibitedRecipientsList.csv", "InternalDomainList.csv", "NameAndDomains.csv",
    "DeferredDeliveryMinutes.csv", "unknown.csv"
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicyImport(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    let pick = Int(data[0])
    if pick % 2 == 0 {
        _ = try? PolicyImport.flexConfirmMail(text, file: "export.json")
    } else {
        _ = try? PolicyImport.outlookOkan([(name: okanNames[(pick / 2) % okanNames.count], text: text)])
    }
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzPolicyImport)
