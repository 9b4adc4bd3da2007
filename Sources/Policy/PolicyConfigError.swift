// PolicyConfigError.swift — an error in a policy file or an address book, naming file and line.

import GuardTOML

/// An error in the `[policy]` table, the organisation policy file or an address book.
/// `description` reads "file:line: message", like every configuration error in guardmail.
public struct PolicyConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file is not valid TOML.
        case syntax
        case unknownKey, wrongType, invalidValue, missingKey
        /// A `[rules.NAME]` table for a rule that does not exist.
        case unknownRule
        /// A line of an address book that is not `Name <address>`.
        case addressBook
    }

    public let kind: Kind
    public let file: String
    public let line: Int?
    /// The dotted key, e.g. "policy.rules.namesake.severity" (empty for syntax and address book errors).
    public let key: String
    /// The sentence after "file:line: ".
    public let message: String

    public init(kind: Kind, file: String, line: Int?, key: String, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// Wraps an error from reading the TOML (a syntax error, a wrong type, an unknown key).
    public init(_ error: TOMLSchemaError) {
        let kind: Kind
        switch error.kind {
        case .syntax: kind = .syntax
        case .missingKey: kind = .missingKey
        case .wrongType: kind = .wrongType
        case .unknownKey: kind = .unknownKey
        case .invalidValue: kind = .invalidValue
        }
        self.init(kind: kind, file: error.file, line: error.line, key: error.key, message: error.message)
        self.column = error.column
    }

    /// Only for syntax errors.
    public private(set) var column: Int? = nil

    public var description: String {
        var place = file
        if let line {
            place += ":\(line)"
            if let column { place += ":\(column)" }
        }
        return "\(place): \(message)"
    }
}
