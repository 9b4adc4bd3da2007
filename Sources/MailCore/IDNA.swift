// IDNA.swift — internationalized domain names (RFC 5890, UTS #46) through libidn2.
//
// Pure computation: libidn2 carries its Unicode tables in the library itself.

import CIDN2

/// A libidn2 failure: the return code, its symbolic name and libidn2's English explanation.
public struct IDNAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libidn2's `idn2_rc` value (negative), or 0 for a failure detected before calling libidn2.
    public let code: Int32
    /// The symbolic name, e.g. `IDN2_DISALLOWED`.
    public let name: String
    /// libidn2's explanation, e.g. "string contains a disallowed character".
    public let message: String

    init(code: Int32) {
        self.code = code
        self.name = idn2_strerror_name(code).map { String(cString: $0) } ?? "IDN2_UNKNOWN"
        self.message = idn2_strerror(code).map { String(cString: $0) } ?? "unknown libidn2 error"
    }

    init(code: Int32, name: String, message: String) {
        self.code = code
        self.name = name
        self.message = message
    }

    public var description: String { "\(message) (\(name))" }
}

public enum IDNA {
    /// Converts a domain (U-labels, A-labels or plain ASCII) to its A-label form, lowercased.
    /// UTS #46 non-transitional processing with NFC normalization of the input; then STD3 ASCII
    /// rules, checked here: the result must be letters, digits, '-' and '.' only, so a character
    /// that UTS #46 maps to other ASCII (U+037E GREEK QUESTION MARK is ';' after NFC) is refused.
    /// libidn2's own IDN2_USE_STD3_ASCII_RULES is not used: libidn2 2.3.3 (Debian 12) then
    /// *deletes* the disallowed characters and reports success ("a_b.com" gives "ab.com",
    /// "U+037E.com" gives ".com"), a silent correction worse than the one it should prevent.
    /// `std3: false` gives the mapping alone, only to tell the user what a refused character
    /// stands for.
    public static func toASCII(_ domain: String, std3: Bool = true) throws(IDNAError) -> String {
        try checkNoNUL(domain)
        let flags = Int32(bitPattern: IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue)
        var output: UnsafeMutablePointer<CChar>? = nil
        let rc = idn2_to_ascii_8z(domain, &output, flags)
        defer { idn2_free(output) }
        guard rc == IDN2_OK.rawValue, let output else { throw IDNAError(code: rc) }
        let ascii = String(cString: output).lowercased()
        if std3, let bad = ascii.unicodeScalars.first(where: { !isLDH($0) && $0 != "." }) {
            let shown = bad.value < 0x20 || bad.value == 0x7F || bad == " " ? "" : " '\(Character(bad))'"
            throw IDNAError(
                code: 0, name: "NOT_LDH",
                message: "the A-label form '\(ascii)' has\(shown) (U+\(String(bad.value, radix: 16, uppercase: true))), not a letter, digit or '-'")
        }
        return ascii
    }

    /// ASCII letters, digits and '-': all an A-label or a host name label may hold (RFC 5890 §2.3.1).
    public static func isLDH(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D: return true
        default: return false
        }
    }

    /// Converts a domain's A-labels (xn--…) to Unicode U-labels; other labels pass through.
    public static func toUnicode(_ domain: String) throws(IDNAError) -> String {
        try checkNoNUL(domain)
        var output: UnsafeMutablePointer<CChar>? = nil
        let rc = idn2_to_unicode_8z8z(domain, &output, 0)
        defer { idn2_free(output) }
        guard rc == IDN2_OK.rawValue, let output else { throw IDNAError(code: rc) }
        return String(cString: output)
    }

    private static func checkNoNUL(_ domain: String) throws(IDNAError) {
        if domain.utf8.contains(0) {
            throw IDNAError(code: 0, name: "NUL_IN_INPUT", message: "domain contains a NUL character")
        }
    }
}
