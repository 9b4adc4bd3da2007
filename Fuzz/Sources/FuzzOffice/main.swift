// The text of Office documents and the parties it names: XMLScanner through every OfficeText
// reader (paragraphs of document.xml and slides, shared strings, worksheet rows, the sheet list),
// the streaming row counter cut at a point the first byte picks, and PartyExtractor over the same
// bytes read as UTF-8 text.
@testable import Inspect
@testable import Policy
import CFuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOffice(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let strings = OfficeText.sharedStrings(bytes, maxStrings: 1000)
    _ = OfficeText.paragraphs(bytes, maxLines: 1000)
    _ = OfficeText.rows(bytes, sharedStrings: strings, maxRows: 1000)
    _ = OfficeText.sheetParts(workbook: bytes, relationships: bytes)
    var counter = RowCounter()
    let cut = Int(bytes[0]) % (bytes.count + 1)
    counter.consume(Array(bytes[..<cut]))
    counter.consume(Array(bytes[cut...]))
    let text = String(decoding: bytes, as: UTF8.self)
    for party in PartyExtractor.parties(in: text) {
        precondition(!party.name.isEmpty && party.line >= 1, "an empty party or a line before the first")
        _ = PartyExtractor.sameParty(party.name, text)
    }
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzOffice)
