/// What a caller of the sendmail interface asked for (`guardmail sendmail …`, or the binary
/// started as `sendmail`): the options mail clients and scripts pass, read the way sendmail,
/// Postfix and msmtp read them. docs/sendmail.md lists them.
public struct SendmailRequest: Sendable, Equatable {
    /// `-t`: the recipients are the message's To, Cc and Bcc (and any given as arguments).
    public var recipientsFromHeaders = false
    /// `-i` / `-oi`: a line with a single dot is part of the message, not its end.
    public var ignoreDots = false
    /// `-f ADDRESS` (`-r` too): the envelope sender, and the account whose address it is.
    public var envelopeFrom: String?
    /// `-F NAME`: the sender's full name, for a From field when the message has none.
    public var fullName: String?
    /// Recipient arguments, as given (each may be a list: `a@x, B <b@y>`).
    public var recipients: [String] = []
    /// Options accepted for compatibility that change nothing here, in words, for standard error.
    public var notes: [String] = []

    public init() {}
}

/// A sendmail option guardmail does not know or cannot honour.
public struct SendmailUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum SendmailArguments {
    /// Options that take a value and are ignored: `-B 8BITMIME`, `-N never`, `-R hdrs`,
    /// `-V envid`, `-L tag`, `-X file`.
    static let ignoredWithValue: Set<Character> = ["B", "N", "R", "V", "L", "X"]
    /// Single-letter options ignored as they are: `-v` (verbose), `-m` (me too), `-U` (initial
    /// submission), `-n` (no aliasing), `-G` (gateway).
    static let ignoredFlags: Set<Character> = ["v", "m", "U", "n", "G"]

    /// Parses the arguments after `sendmail`. Options come first; `--` or the first argument
    /// that is not an option starts the recipients. Throws for an option it does not know, or
    /// a mode other than sending a message (`-bs`, `-bp`, `-q`, …), naming it.
    public static func parse(_ arguments: [String]) throws(SendmailUsageError) -> SendmailRequest {
        var request = SendmailRequest()
        var index = 0
        func value(of option: String, inline: Substring) throws(SendmailUsageError) -> String {
            if !inline.isEmpty { return String(inline) }
            index += 1
            guard index < arguments.count else { throw SendmailUsageError("the sendmail option '\(option)' needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                request.recipients += arguments[(index + 1)...]
                return request
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                request.recipients += arguments[index...]
                return request
            }
            let body = argument.dropFirst()
            let letter = body.first!
            let rest = body.dropFirst()
            switch letter {
            case "t" where rest.isEmpty:
                request.recipientsFromHeaders = true
            case "i" where rest.isEmpty:
                request.ignoreDots = true
            case "f", "r":
                request.envelopeFrom = try value(of: "-\(letter)", inline: rest)
            case "F":
                request.fullName = try value(of: "-F", inline: rest)
            case "o":
                let option = rest.isEmpty ? "" : String(rest)
                if option == "i" {
                    request.ignoreDots = true
                } else if let first = option.first, "emdAoO".contains(first) || option == "m" {
                    // -oem/-oee/-oep/-oeq/-oew (how to report errors), -odb/-odi/-odq (delivery
                    // mode), -om (me too), -oA…, -oo, -oO…: guardmail reports on standard error and
                    // in its exit status, and always submits in the foreground.
                    request.notes.append("ignoring the sendmail option '\(argument)': it has no effect here")
                } else {
                    throw SendmailUsageError("unknown sendmail option '\(argument)'")
                }
            case "b":
                // -bm is "deliver mail", the default; every other mode (-bs SMTP on standard input,
                // -bp queue listing, -bi aliases, -bv verify, -bd daemon) is something else.
                guard rest == "m" else {
                    throw SendmailUsageError(
                        "the sendmail mode '\(argument)' is not supported: guardmail sendmail only sends the message on standard input")
                }
            case "q":
                throw SendmailUsageError("'\(argument)' (run the queue) is not supported: the outbox is `guardmail outbox`")
            case "h", "e", "O", "A", "C", "d", "p":
                // -h hops, -e error mode, -O option=value, -A submit.cf choice, -C config, -d debug, -p protocol
                let needsValue = rest.isEmpty && (letter == "h" || letter == "O" || letter == "C" || letter == "p")
                if needsValue { _ = try value(of: "-\(letter)", inline: rest) }
                request.notes.append("ignoring the sendmail option '\(argument)': it has no effect here")
            default:
                if ignoredWithValue.contains(letter) {
                    let given = try value(of: "-\(letter)", inline: rest)
                    request.notes.append("ignoring the sendmail option '-\(letter) \(given)': it has no effect here")
                } else if ignoredFlags.contains(letter) && rest.isEmpty {
                    request.notes.append("ignoring the sendmail option '\(argument)': it has no effect here")
                } else {
                    throw SendmailUsageError(
                        "unknown sendmail option '\(argument)' (known: -t, -i, -oi, -f ADDRESS, -F NAME, --; see docs/sendmail.md)")
                }
            }
            index += 1
        }
        return request
    }
}
