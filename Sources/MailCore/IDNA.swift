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
    /// UTS #46 non-transitional processing with NFC normalization of the input.
    public static func toASCII(_ domain: String) throws(IDNAError) -> String {
        try checkNoNUL(domain)
        let flags = Int32(bitPattern: IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue)
        var output: UnsafeMutablePointer<CChar>? = nil
        let rc = idn2_to_ascii_8z(domain, &output, flags)
        defer { idn2_free(output) }
        guard rc == IDN2_OK.rawValue, let output else { throw IDNAError(code: rc) }
        return String(cString: output).lowercased()
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
