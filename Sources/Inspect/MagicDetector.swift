import CMagic

/// What a file really is, from its content (libmagic), not from its name.
/// A libmagic cookie is not thread-safe: keep one detector per thread of work.
public final class MagicDetector {
    private var cookie: magic_t?

    /// Loads the system's magic database. Fails when libmagic's database is missing.
    public init() throws(InspectError) {
        guard let cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_ERROR) else {
            throw InspectError(message: "cannot start libmagic")
        }
        guard magic_load(cookie, nil) == 0 else {
            let reason = magic_error(cookie).map { String(cString: $0) } ?? "unknown error"
            magic_close(cookie)
            throw InspectError(message: "cannot load libmagic's database: \(reason)")
        }
        self.cookie = cookie
    }

    deinit { close() }

    /// Safe to call twice.
    public func close() {
        if let cookie { magic_close(cookie) }
        cookie = nil
    }

    /// A MIME type for the Content-Type header: `application/pdf`; text keeps its charset
    /// (`text/csv; charset=utf-8`). Unknown content is `application/octet-stream`.
    public func contentType(ofFile path: String) -> String {
        guard let cookie, let result = magic_file(cookie, path) else { return "application/octet-stream" }
        let parts = String(cString: result).split(separator: ";").map { $0.trimmingCharacters(in: " ") }
        guard let type = parts.first, type.contains("/") else { return "application/octet-stream" }
        let charset = parts.dropFirst().first { $0.hasPrefix("charset=") }
        if type.hasPrefix("text/"), let charset, charset != "charset=binary" {
            return "\(type); \(charset)"
        }
        return type
    }
}

public struct InspectError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
