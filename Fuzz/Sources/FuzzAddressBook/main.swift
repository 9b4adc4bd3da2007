// The address book readers of other programs' exports: vCard 3 and 4 (folded lines, groups,
// parameters, escapes) and CSV with name/company/e-mail columns (RFC 4180 quoting, Outlook's and
// spreadsheets' headers), each UTF-8 or Shift_JIS. The first byte picks the file name (its
// extension picks the reader).
import CFuzzerDriver
import Policy

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddressBook(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let names = ["contacts.vcf", "contacts.csv", "Export.VCARD", "addressbook.txt"]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    _ = try? AddressBook.read(bytes: bytes, file: names[Int(data[0]) % names.count])
    return 0
}

guardmail_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzAddressBook)
