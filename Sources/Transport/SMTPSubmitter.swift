import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Submits finished messages to one SMTP server through libcurl, keeping the connection open
/// between messages. Not thread-safe: one submitter per thread of work.
///
/// Per-recipient results come from the SMTP dialogue itself: curl reports only the last reply,
/// so the debug callback pairs each `RCPT TO` with the reply that answered it.
/// - SeeAlso: RFC 5321 §4.1 (commands and replies), RFC 3207 (STARTTLS), RFC 4954 (AUTH).
public final class SMTPSubmitter {
    public let server: SMTPServer
    private var handle: UnsafeMutableRawPointer?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    private static let globalInit: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    public init(server: SMTPServer) throws(TransportError) {
        guard Self.globalInit, let handle = curl_easy_init() else {
            throw TransportError(.other, "cannot start libcurl")
        }
        self.server = server
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        close()
        errorBuffer.deallocate()
    }

    /// Closes the connection (sending QUIT when one is open). Safe to call twice.
    public func close() {
        if let handle { curl_easy_cleanup(handle) }
        handle = nil
    }

    /// libcurl's version, for `--version` and benchmark tables.
    public static var curlVersion: String { String(cString: ccurl_version()) }

    /// Sends the message at `request.messagePath` to every envelope recipient. Recipients the
    /// server refuses do not stop the others; the result lists each one with the server's reply.
    /// Throws when nothing was delivered.
    ///
    /// `proceed` lets the caller stop the submission (from another thread, through state of its
    /// own): it is asked while the dialogue runs (about once a second, and as data goes out) and
    /// once more just before the end of the message. Answering false stops the transfer there:
    /// stopped before `.endOfMessage`, the final dot is never sent and the server can deliver
    /// nothing. The error then says "stopped".
    public func submit(
        _ request: SubmissionRequest, progress: ((_ sent: Int64, _ total: Int64) -> Void)? = nil,
        proceed: ((SubmissionCheckpoint) -> Bool)? = nil
    ) throws(TransportError) -> SubmissionResult {
        guard let handle else { preconditionFailure("submit after close") }
        let fd = open(request.messagePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw TransportError(.messageUnreadable, "cannot read the message file '\(request.messagePath)': \(reason)")
        }
        defer { _ = Glibc.close(fd) }
        if request.messageOffset > 0 && lseek(fd, off_t(request.messageOffset), SEEK_SET) < 0 {
            let reason = String(cString: strerror(errno))
            throw TransportError(.messageUnreadable, "cannot read the message file '\(request.messagePath)': \(reason)")
        }

        // The message is `messageSize` bytes from `messageOffset`: the file may hold more after it
        // (a bulk job's spool holds every message one after another), which must never be sent.
        let session = Session(
            fd: fd, credentialsRequired: server.username != nil, security: server.security, progress: progress,
            limit: request.messageSize)
        session.proceed = proceed
        var recipientList: UnsafeMutablePointer<curl_slist>? = nil
        for recipient in request.recipients {
            recipientList = curl_slist_append(recipientList, "<\(recipient)>")
        }
        defer { curl_slist_free_all(recipientList) }

        errorBuffer[0] = 0
        try configure(handle, request: request, recipients: recipientList)
        let code = withExtendedLifetime(session) {
            let context = Unmanaged.passUnretained(session).toOpaque()
            ccurl_setopt_pointer(handle, CURLOPT_READDATA, context)
            ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, context)
            ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
            ccurl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, context)
            return curl_easy_perform(handle)
        }
        let recipients = request.recipients.map { address in
            RecipientResult(address: address, reply: session.recipientReplies.first { $0.address == address }?.reply)
        }
        if code == CURLE_OK {
            if recipients.allSatisfy({ !$0.accepted }) {
                // Cannot happen with a conforming server; never report such a send as done.
                throw TransportError(.rejected, "the server accepted no recipient", recipients: recipients)
            }
            return SubmissionResult(recipients: recipients, dataReply: session.finalReply, bytesSent: session.bytesRead)
        }
        var error = describe(code, handle: handle, session: session, recipients: recipients)
        if error.kind == .connectionLost || error.kind == .timeout, session.finalReply == nil,
           request.messageSize > 0, session.bytesRead >= request.messageSize {
            // Every byte (and so the final dot) was handed to the connection and no answer came:
            // the server may have queued the message. Saying "not sent" here would invite a
            // duplicate.
            error.afterData = true
            error.message = "the connection to \(server.endpoint) broke after the whole message was sent and before the server answered, "
                + "so it may or may not have been delivered (\(error.message))"
        }
        throw error
    }

    private func configure(_ handle: UnsafeMutableRawPointer, request: SubmissionRequest, recipients: UnsafeMutablePointer<curl_slist>?) throws(TransportError) {
        func check(_ code: CURLcode, _ what: String) throws(TransportError) {
            guard code == CURLE_OK else {
                throw TransportError(.other, "libcurl refused the setting \(what): \(String(cString: curl_easy_strerror(code)))")
            }
        }
        // smtps:// is TLS from the start; for smtp:// curl upgrades with STARTTLS.
        try check(ccurl_setopt_string(handle, CURLOPT_URL, server.url), "URL")
        let useSSL: curl_usessl = server.security == .plaintextAllowed ? CURLUSESSL_TRY : CURLUSESSL_ALL
        try check(ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(useSSL.rawValue)), "USE_SSL")
        // Certificate and host name verification stay on, whatever the account says.
        try check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "SSL_VERIFYPEER")
        try check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "SSL_VERIFYHOST")
        if let caFile = server.caFile { try check(ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile), "CAINFO") }
        if let username = server.username {
            try check(ccurl_setopt_string(handle, CURLOPT_USERNAME, username), "USERNAME")
            try check(ccurl_setopt_string(handle, CURLOPT_PASSWORD, server.password ?? ""), "PASSWORD")
        }
        try check(ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(request.mailFrom)>"), "MAIL_FROM")
        try check(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients), "MAIL_RCPT")
        try check(ccurl_setopt_long(handle, ccurl_option_mail_rcpt_allowfails(), 1), "MAIL_RCPT_ALLOWFAILS")
        try check(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), "UPLOAD")
        try check(ccurl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.messageSize)), "INFILESIZE")
        // libcurl's default. SMTP doubles it for dot-stuffing (a scratch buffer of twice the size);
        // 128 KiB cost 0.3 MiB more peak memory and was no faster on loopback.
        try check(ccurl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 64 << 10), "UPLOAD_BUFFERSIZE")
        try check(ccurl_setopt_read_function(handle, readCallback), "READFUNCTION")
        // The debug callback is how we see each reply; it only runs with VERBOSE on.
        try check(ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1), "VERBOSE")
        try check(ccurl_setopt_debug_function(handle, debugCallback), "DEBUGFUNCTION")
        try check(ccurl_setopt_sockopt_function(handle, sockoptCallback), "SOCKOPTFUNCTION")
        try check(ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0), "NOPROGRESS")
        try check(ccurl_setopt_xferinfo_function(handle, progressCallback), "XFERINFOFUNCTION")
        try check(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, server.connectTimeoutSeconds), "CONNECTTIMEOUT")
        try check(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), "LOW_SPEED_LIMIT")
        try check(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, server.stallTimeoutSeconds), "LOW_SPEED_TIME")
        try check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
    }

    /// Turns a failed perform into one plain sentence.
    private func describe(_ code: CURLcode, handle: UnsafeMutableRawPointer, session: Session, recipients: [RecipientResult]) -> TransportError {
        if let reason = session.abortReason { return reason }
        let curlText = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        let endpoint = server.endpoint
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST:
            return TransportError(.cannotResolve, "cannot find the server '\(server.host)': \(curlText)")
        case CURLE_COULDNT_CONNECT:
            var osErrno = 0
            ccurl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
            if Int32(osErrno) == ECONNREFUSED {
                return TransportError(.connectionRefused, "connection refused by \(endpoint): no mail server is listening there")
            }
            return TransportError(.cannotConnect, "cannot connect to \(endpoint): \(curlText)")
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError(.timeout, "the server \(endpoint) stopped answering (timed out): \(curlText)")
        case CURLE_USE_SSL_FAILED:
            return TransportError(
                .startTLSNotOffered,
                "the server \(endpoint) does not offer STARTTLS, so nothing was sent: guardmail does not send mail or "
                    + "passwords unencrypted (use smtps:// for a server that speaks TLS from the start)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR:
            let lower = curlText.lowercased()
            if lower.contains("subject name") || lower.contains("does not match") || lower.contains("hostname mismatch") {
                return TransportError(
                    .hostnameMismatch, "the server's certificate does not match the name '\(server.host)', so nothing was sent: \(curlText)")
            }
            if code == CURLE_PEER_FAILED_VERIFICATION || lower.contains("certificate verify failed") {
                let hint = server.caFile == nil ? "set ca_file to the CA that signed it" : "ca_file '\(server.caFile!)' did not sign it"
                return TransportError(
                    .certificateUntrusted, "the server's certificate is not trusted, so nothing was sent (\(hint)): \(curlText)")
            }
            return TransportError(.tlsFailed, "the TLS handshake with \(endpoint) failed: \(curlText)")
        case CURLE_SSL_CACERT_BADFILE:
            return TransportError(.caFileUnreadable, "cannot use the CA file '\(server.caFile ?? "")': \(curlText)")
        case CURLE_LOGIN_DENIED:
            let reply = session.authReply.map { ": \($0)" } ?? ""
            return TransportError(
                .loginDenied, "login denied by \(endpoint) for user '\(server.username ?? "")'\(reply)", reply: session.authReply)
        case CURLE_READ_ERROR:
            return TransportError(.messageUnreadable, "cannot read the message file while sending: \(curlText)")
        case CURLE_ABORTED_BY_CALLBACK:
            return TransportError(.other, "the send was cancelled")
        default:
            break
        }
        if let (command, reply) = session.firstRefusal() {
            if command == "RCPT" {
                let list = recipients.map { "\($0.address) (\($0.reply?.description ?? "not tried"))" }.joined(separator: ", ")
                return TransportError(.rejected, "the server refused every recipient: \(list)", reply: reply, recipients: recipients)
            }
            let what = command == "MAIL" ? "the sender" : (command == "DATA" ? "the message" : command)
            return TransportError(.rejected, "the server \(endpoint) refused \(what): \(reply)", reply: reply, recipients: recipients)
        }
        switch code {
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY:
            return TransportError(
                .connectionLost, "the server \(endpoint) closed the connection before accepting the message: \(curlText)",
                recipients: recipients)
        default:
            return TransportError(.other, "sending through \(endpoint) failed: \(curlText)", recipients: recipients)
        }
    }
}

/// State shared with the C callbacks for one `curl_easy_perform`.
final class Session {
    let fd: Int32
    let credentialsRequired: Bool
    let security: SMTPServer.Security
    let progress: ((Int64, Int64) -> Void)?
    /// The connection's socket, when this perform opened it (not on a reused connection).
    var socket: Int32 = -1
    private var startTLSSent = false
    var bytesRead: Int64 = 0
    /// The message's size: reading stops there even if the file goes on.
    let limit: Int64
    var abortReason: TransportError?
    /// Asked whether to go on (see `SMTPSubmitter.submit`).
    var proceed: ((SubmissionCheckpoint) -> Bool)?
    /// The end of the message was reported to curl: the final dot may be on its way.
    var messageEnded = false

    // The dialogue as seen by the debug callback.
    private var incoming: [UInt8] = []
    private var lastVerb: String?
    private var lastArgument = ""
    private var replyLines: [String] = []
    private var dataStarted = false
    var capabilities: [String] = []
    var authSent = false
    var authReply: SMTPReply?
    var mailReply: SMTPReply?
    var recipientReplies: [(address: String, reply: SMTPReply)] = []
    var dataReply: SMTPReply?
    var finalReply: SMTPReply?

    init(fd: Int32, credentialsRequired: Bool, security: SMTPServer.Security = .startTLS, progress: ((Int64, Int64) -> Void)?,
         limit: Int64 = .max) {
        self.fd = fd
        self.credentialsRequired = credentialsRequired
        self.security = security
        self.progress = progress
        self.limit = limit
    }

    /// The next bytes of the message into `buffer`: at most `capacity`, never past `limit`;
    /// 0 at the end, -1 on a read error.
    func readMessage(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        let left = limit - bytesRead
        guard left > 0 else { return 0 }
        let want = Int(min(Int64(capacity), left))
        while true {
            let n = read(fd, buffer, want)
            if n >= 0 {
                bytesRead += Int64(n)
                return n
            }
            if errno != EINTR { return -1 }
        }
    }

    /// A command line curl sent (`RCPT TO:<a@b>`). AUTH arguments are never kept.
    func commandSent(_ line: String) {
        var trimmed = Substring(line)
        while let last = trimmed.last, last == "\r\n" || last == "\n" || last == "\r" { trimmed.removeLast() }
        let verb = String(trimmed.prefix { $0 != " " && $0 != ":" }).uppercased()
        lastVerb = verb
        if verb == "AUTH" {
            authSent = true
            lastArgument = ""
        } else if verb == "RCPT" || verb == "MAIL" {
            // "RCPT TO:<address>" → address
            if let open = trimmed.firstIndex(of: "<"), let close = trimmed.lastIndex(of: ">"), open < close {
                lastArgument = String(trimmed[trimmed.index(after: open)..<close])
            } else {
                lastArgument = ""
            }
        } else if verb == "DATA" {
            dataStarted = false
        } else if verb == "STARTTLS" {
            startTLSSent = true
        } else if lastVerb != nil && authSent && authReply == nil && !["EHLO", "HELO", "STARTTLS", "MAIL", "QUIT"].contains(verb) {
            // A continuation of AUTH LOGIN (base64 user name or password): not a command.
            lastVerb = "AUTH"
        }
    }

    /// Bytes the server sent; complete lines are parsed as (possibly multi-line) replies.
    func replyBytes(_ bytes: UnsafeRawBufferPointer) {
        incoming.append(contentsOf: bytes)
        while let newline = incoming.firstIndex(of: 10) {
            var line = incoming[..<newline]
            if line.last == 13 { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            incoming.removeSubrange(...newline)
            replyLine(text)
        }
    }

    private func replyLine(_ line: String) {
        let utf8 = Array(line.utf8)
        guard utf8.count >= 3, let code = Int(String(decoding: utf8[0..<3], as: UTF8.self)) else { return }
        let isLast = utf8.count == 3 || utf8[3] != UInt8(ascii: "-")
        replyLines.append(utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : "")
        guard isLast else { return }
        let reply = SMTPReply(code: code, text: replyLines.joined(separator: " "))
        let lines = replyLines
        replyLines = []
        switch lastVerb {
        case "EHLO":
            capabilities = Array(lines.dropFirst()).map { $0.uppercased() }
            if reply.isPositive { checkAuthOffered() }
        case "AUTH": if code != 334 { authReply = reply }
        case "MAIL": mailReply = reply
        case "RCPT": recipientReplies.append((lastArgument, reply))
        case "DATA":
            if !dataStarted {
                dataReply = reply
                dataStarted = true
            } else {
                finalReply = reply
            }
        default: break
        }
    }

    /// The first negative reply to MAIL, RCPT (only if all were refused), DATA, or end of data.
    func firstRefusal() -> (command: String, reply: SMTPReply)? {
        if let mailReply, !mailReply.isPositive { return ("MAIL", mailReply) }
        if !recipientReplies.isEmpty && recipientReplies.allSatisfy({ !$0.reply.isPositive }) {
            return ("RCPT", recipientReplies[0].reply)
        }
        if let dataReply, !dataReply.isPositive { return ("DATA", dataReply) }
        if let finalReply, !finalReply.isPositive { return ("DATA", finalReply) }
        return nil
    }

    /// After the EHLO that precedes MAIL FROM (the one over TLS, or the only one): when a user
    /// name is configured and the server offers no AUTH, curl would carry on without logging in.
    /// Shutting the socket down here makes curl fail before it sends MAIL FROM.
    private func checkAuthOffered() {
        guard credentialsRequired else { return }
        let isFinalEHLO: Bool
        switch security {
        case .implicitTLS: isFinalEHLO = true
        // Without STARTTLS on offer curl stops by itself (CURLE_USE_SSL_FAILED), which says more.
        case .startTLS: isFinalEHLO = startTLSSent
        case .plaintextAllowed: isFinalEHLO = startTLSSent || !capabilities.contains("STARTTLS")
        }
        guard isFinalEHLO, !serverOffersAuth else { return }
        abortReason = Self.authNotOffered
        if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    static let stopped = TransportError(
        .stopped, "the submission was stopped by guardmail before the end of the message, so the server cannot deliver it")

    static let stoppedAfterEnd: TransportError = {
        var error = TransportError(
            .stopped, "the submission was stopped by guardmail after the whole message was handed over, so the server may have it")
        error.afterData = true
        return error
    }()

    static let authNotOffered = TransportError(
        .authNotOffered,
        "the server does not offer AUTH although a user name is configured, so nothing was sent: "
            + "guardmail does not send unauthenticated when credentials are set")

    /// True when the server advertised AUTH in its latest EHLO reply.
    var serverOffersAuth: Bool { capabilities.contains { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") || $0 == "AUTH" } }
}

private let readCallback: ccurl_read_callback = { buffer, size, count, userdata in
    let session = Unmanaged<Session>.fromOpaque(userdata!).takeUnretainedValue()
    if session.bytesRead == 0 && session.credentialsRequired && !session.authSent && session.socket >= 0 {
        // curl skips AUTH when the server does not offer it and would send anyway. Stop before
        // the first byte of the message: the server sees an aborted DATA and delivers nothing.
        // Only on a connection this transfer opened (`socket` set by the sockopt callback): a
        // reused one logged in during an earlier transfer, and sees no EHLO or AUTH again.
        session.abortReason = Session.authNotOffered
        return ccurl_readfunc_abort()
    }
    if let proceed = session.proceed, !proceed(.running) {
        session.abortReason = Session.stopped
        return ccurl_readfunc_abort()
    }
    let n = session.readMessage(into: UnsafeMutableRawPointer(buffer!), capacity: size * count)
    if n >= 0 && !session.messageEnded && (n == 0 || session.bytesRead >= session.limit) {
        // The last chance to stop without the final dot: curl knows the size, so once it has the
        // last bytes it sends them and the dot without asking again.
        if let proceed = session.proceed, !proceed(.endOfMessage) {
            session.abortReason = Session.stopped
            return ccurl_readfunc_abort()
        }
        session.messageEnded = true
    }
    return n >= 0 ? n : ccurl_readfunc_abort()
}

private let debugCallback: ccurl_debug_callback = { _, type, data, size, userdata in
    guard let userdata, let data else { return 0 }
    let session = Unmanaged<Session>.fromOpaque(userdata).takeUnretainedValue()
    switch type {
    case CURLINFO_HEADER_OUT:
        session.commandSent(String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self))
    case CURLINFO_HEADER_IN:
        session.replyBytes(UnsafeRawBufferPointer(start: data, count: size))
    default:
        break
    }
    return 0
}

private let sockoptCallback: ccurl_sockopt_callback = { userdata, socket, _ in
    if let userdata { Unmanaged<Session>.fromOpaque(userdata).takeUnretainedValue().socket = socket }
    return Int32(CURL_SOCKOPT_OK)
}

private let progressCallback: ccurl_xferinfo_callback = { userdata, _, _, uploadTotal, uploadNow in
    guard let userdata else { return 0 }
    let session = Unmanaged<Session>.fromOpaque(userdata).takeUnretainedValue()
    session.progress?(Int64(uploadNow), Int64(uploadTotal))
    if let proceed = session.proceed, !proceed(session.messageEnded ? .endOfMessage : .running) {
        if session.abortReason == nil { session.abortReason = session.messageEnded ? Session.stoppedAfterEnd : Session.stopped }
        return 1  // non-zero: curl stops with CURLE_ABORTED_BY_CALLBACK
    }
    return 0
}
