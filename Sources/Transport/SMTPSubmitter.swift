import CCurl
#if canImport(Glibc)
    import Glibc
#endif

/// Submits finished messages to one SMTP server through libcurl, keeping the connection open
/// between messages. Not thread-safe: one submitter per thread of work.
///
/// Per-recipient results come from the SMTP dialogue itself: curl reports only the last reply,
/// so the debug callback pairs each `RCPT TO` with the reply that answered it.
///
/// Every wait is bounded by `server.timeouts`: libcurl keeps the connect timeout; the
/// submitter drives the transfer in short steps (`ccurl_multi_step`) and keeps the deadline of
/// each reply, of the data transfer and of the final reply itself, because libcurl has a single
/// response timeout for every SMTP reply and none that grows with the message.
/// - SeeAlso: RFC 5321 §4.1 (commands and replies), §4.5.3.2 (timeouts), RFC 3207 (STARTTLS),
///   RFC 4954 (AUTH).
public final class SMTPSubmitter {
    public let server: SMTPServer
    private var handle: UnsafeMutableRawPointer?
    /// The multi handle that drives `handle` and keeps its connection between submissions.
    private var multi: UnsafeMutableRawPointer?
    /// The socket of the connection kept open after the last submission (libcurl's
    /// CURLINFO_ACTIVESOCKET once a transfer has ended), -1 when none: a submission that reuses
    /// the connection gets no sockopt callback and must still be able to cut it.
    private var keptSocket: Int32 = -1
    private let errorBuffer: UnsafeMutablePointer<CChar>

    private static let globalInit: Bool = { ccurl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    public init(server: SMTPServer) throws(TransportError) {
        guard Self.globalInit, let handle = ccurl_easy_init() else {
            throw TransportError(.other, "cannot start libcurl" + (ccurl_load_error().map { ": " + String(cString: $0) } ?? ""))
        }
        guard let multi = ccurl_multi_init() else {
            ccurl_easy_cleanup(handle)
            throw TransportError(.other, "cannot start libcurl")
        }
        self.server = server
        self.handle = handle
        self.multi = multi
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        close()
        errorBuffer.deallocate()
    }

    /// Closes the connection (sending QUIT when one is open). Safe to call twice.
    public func close() {
        // The multi handle owns the open connection: cleaning it up sends QUIT and waits for the
        // answer with the response timeout of the handle added last (libcurl copies it to the
        // handle that closes connections). A server that does not answer QUIT holds nobody up
        // for long: 5 s at most (the message was sent, or the submission already failed).
        if let multi, let handle {
            _ = ccurl_set_server_response_timeout(handle, min(server.timeouts.reply, Self.quitTimeout))
            if ccurl_multi_add_handle(multi, handle) == CURLM_OK { ccurl_multi_remove_handle(multi, handle) }
        }
        if let multi { ccurl_multi_cleanup(multi) }
        multi = nil
        if let handle { ccurl_easy_cleanup(handle) }
        handle = nil
    }

    /// The longest wait for the answer to QUIT when the connection is closed.
    public static let quitTimeout = 5.0

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
        guard let handle, let multi else { preconditionFailure("submit after close") }
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
            limit: request.messageSize, timeouts: server.timeouts)
        session.proceed = proceed
        session.reusedSocket = keptSocket
        var recipientList: UnsafeMutablePointer<curl_slist>? = nil
        for recipient in request.recipients {
            recipientList = ccurl_slist_append(recipientList, "<\(recipient)>")
        }
        defer { ccurl_slist_free_all(recipientList) }

        errorBuffer[0] = 0
        try configure(handle, request: request, recipients: recipientList)
        let code = withExtendedLifetime(session) {
            let context = Unmanaged.passUnretained(session).toOpaque()
            ccurl_setopt_pointer(handle, CURLOPT_READDATA, context)
            ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, context)
            ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
            ccurl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, context)
            return perform(handle, multi: multi, session: session)
        }
        let recipients = RecipientResult.paired(requested: request.recipients, sent: session.recipientReplies)
        if code == CURLE_OK {
            if recipients.allSatisfy({ !$0.accepted }) {
                // Cannot happen with a conforming server; never report such a send as done.
                throw TransportError(.rejected, "the server accepted no recipient", recipients: recipients)
            }
            return SubmissionResult(recipients: recipients, dataReply: session.finalReply, bytesSent: session.bytesRead)
        }
        var error = describe(code, handle: handle, session: session, recipients: recipients)
        if !(session.finalReply?.isNegative ?? false), request.messageSize > 0, session.bytesRead >= request.messageSize,
            session.dataReply?.isPositive ?? true, error.kind != .rejected
        {
            // Every byte was handed to the connection (and with it, or right after, the final
            // dot) and no answer came — or one that is neither the 250 libcurl waits for nor a
            // 4xx/5xx refusal (a 251, a 354, a 999): the server may have queued the message for
            // every recipient it took at RCPT. Saying "not sent" here would invite a duplicate, so
            // the error names them all and says it may have been delivered, whatever broke.
            error.afterData = true
            error.recipients = recipients
            let what =
                error.kind == .timeout
                ? "the server \(server.endpoint) did not answer after the whole message was sent"
                : "the connection to \(server.endpoint) broke after the whole message was sent and before the server answered"
            error.message = "\(what), so it may or may not have been delivered (\(error.message))"
        }
        throw error
    }

    /// Runs the transfer in steps of at most 200 ms, stopping it when a deadline of `session`
    /// passes. Returns libcurl's result, or CURLE_OPERATION_TIMEDOUT with `session.abortReason`
    /// set when it was stopped here. A stopped transfer's connection is closed by libcurl.
    private func perform(_ handle: UnsafeMutableRawPointer, multi: UnsafeMutableRawPointer, session: Session) -> CURLcode {
        session.handle = handle
        defer { session.handle = nil }
        let added = ccurl_multi_add_handle(multi, handle)
        guard added == CURLM_OK else {
            session.abortReason = TransportError(.other, "libcurl cannot start the transfer: \(String(cString: ccurl_multi_strerror(added)))")
            return CURLE_FAILED_INIT
        }
        defer { ccurl_multi_remove_handle(multi, handle) }
        keptSocket = -1
        var code = CURLE_OK
        var multiCode = CURLM_OK
        while true {
            let step = ccurl_multi_step(multi, handle, 200, &code, &multiCode)
            if step == 0 {
                // Only while the handle is still in the multi handle does libcurl say which
                // connection it used.
                keptSocket = code == CURLE_OK ? ccurl_active_socket(handle) : -1
                return code
            }
            if step < 0 {
                session.abortReason = TransportError(.other, "libcurl failed while sending: \(String(cString: ccurl_multi_strerror(multiCode)))")
                return code
            }
            // The progress callback checks the same deadlines while libcurl blocks (the wait
            // for the final reply); this catches the waits between steps (MAIL, RCPT, DATA).
            if session.abortReason == nil, let overdue = session.overdue(now: session.now()) {
                session.abortReason = overdue
                session.cutConnection()
                return CURLE_OPERATION_TIMEDOUT
            }
            // The caller may stop it too (see `submit`'s `proceed`), between any two steps.
            if session.stopRequested() {
                session.cutConnection()
                return CURLE_ABORTED_BY_CALLBACK
            }
        }
    }

    private func configure(_ handle: UnsafeMutableRawPointer, request: SubmissionRequest, recipients: UnsafeMutablePointer<curl_slist>?) throws(TransportError)
    {
        func check(_ code: CURLcode, _ what: String) throws(TransportError) {
            guard code == CURLE_OK else {
                throw TransportError(.other, "libcurl refused the setting \(what): \(String(cString: ccurl_easy_strerror(code)))")
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
        // The connection phase: TCP, TLS, greeting, EHLO, STARTTLS, AUTH (libcurl keeps this one).
        try check(ccurl_set_connect_timeout(handle, server.timeouts.connect), "CONNECTTIMEOUT_MS")
        // libcurl's own limit for each reply only as a backstop, above every deadline the
        // submitter keeps itself (Session.overdue): left at its default (120 s) it cut the wait
        // for a large message's final reply short and let a silent server hold MAIL for minutes.
        // No LOW_SPEED_* either: that check also runs during the wait for the final reply.
        let timeouts = server.timeouts
        let backstop = max(timeouts.reply, timeouts.stall, timeouts.finalReply(forSize: request.messageSize)) + 5
        try check(ccurl_set_server_response_timeout(handle, backstop), "SERVER_RESPONSE_TIMEOUT")
        try check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
    }

    /// Turns a failed perform into one plain sentence.
    private func describe(_ code: CURLcode, handle: UnsafeMutableRawPointer, session: Session, recipients: [RecipientResult]) -> TransportError {
        if let reason = session.abortReason { return reason }
        if let greeting = session.greetingReply, greeting.code != 220 {
            // 421: not now (temporary); 554: this server will not take mail from us (RFC 5321 §3.1, permanent).
            let meaning = greeting.isTemporary ? "is not taking mail now" : "refuses to take mail"
            return TransportError(.rejected, "the server \(server.endpoint) \(meaning): it greeted with \(greeting)", reply: greeting)
        }
        let curlText = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: ccurl_easy_strerror(code))
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
            if session.greetingReply == nil && session.socket >= 0 {
                return TransportError(
                    .timeout, "the server \(endpoint) did not greet within \(Session.seconds(server.timeouts.connect)) (\(curlText))")
            }
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
    /// The end of the message was handed to curl: the final dot may be on its way.
    var messageEnded = false
    let timeouts: SMTPTimeouts
    /// Seconds on a monotonic clock; a test passes its own.
    let now: () -> Double

    // Deadlines (see `overdue`).
    /// When the command now waiting for its reply was sent; nil when none waits.
    private var waitingSince: Double?
    private var waitingFor = ""
    /// When message bytes last moved (read by libcurl, or counted as uploaded).
    private var lastDataAt: Double?
    private var lastUploaded: Int64 = -1
    /// When the read callback reached the end of the message: the final reply is due from here.
    private(set) var dataEndedAt: Double?

    // The dialogue as seen by the debug callback.
    private var incoming: [UInt8] = []
    private var lastVerb: String?
    private var lastArgument = ""
    private var replyLines: [String] = []
    private var dataStarted = false
    var capabilities: [String] = []
    var authSent = false
    var authReply: SMTPReply?
    /// The reply that opened the session (on a new connection): 220, or a refusal (421, 554).
    var greetingReply: SMTPReply?
    var mailReply: SMTPReply?
    var recipientReplies: [(address: String, reply: SMTPReply)] = []
    var dataReply: SMTPReply?
    var finalReply: SMTPReply?

    init(
        fd: Int32, credentialsRequired: Bool, security: SMTPServer.Security = .startTLS, progress: ((Int64, Int64) -> Void)?,
        limit: Int64 = .max, timeouts: SMTPTimeouts = SMTPTimeouts(), now: @escaping () -> Double = Session.monotonicNow
    ) {
        self.fd = fd
        self.credentialsRequired = credentialsRequired
        self.security = security
        self.progress = progress
        self.limit = limit
        self.timeouts = timeouts
        self.now = now
    }

    static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The deadline that has passed at `now`, as the error to report; nil while every wait is
    /// within its limit. In order: the final reply (after the whole message was read), the data
    /// transfer (no byte moved), the reply to the last command. The connection phase is
    /// bounded by libcurl (CURLOPT_CONNECTTIMEOUT_MS).
    func overdue(now: Double) -> TransportError? {
        if let ended = dataEndedAt {
            guard finalReply == nil else { return nil }
            let limit = timeouts.finalReply(forSize: limit == .max ? bytesRead : limit)
            guard now - ended > limit else { return nil }
            return TransportError(.timeout, "no answer to the end of the message within \(Self.seconds(limit))")
        }
        if dataStarted, let last = lastDataAt {
            guard now - last > timeouts.stall else { return nil }
            return TransportError(.timeout, "the server took no part of the message for \(Self.seconds(timeouts.stall))")
        }
        if let since = waitingSince, now - since > timeouts.reply {
            return TransportError(.timeout, "no reply to \(waitingFor) within \(Self.seconds(timeouts.reply))")
        }
        return nil
    }

    /// The easy handle while its transfer runs.
    var handle: UnsafeMutableRawPointer?
    /// The socket of the connection this transfer reuses (from the submission before), or -1.
    var reusedSocket: Int32 = -1

    /// Shuts the connection's socket down: libcurl then closes it without sending QUIT and
    /// waiting for an answer a silent server will not give.
    func cutConnection() {
        // `socket` when this transfer opened the connection; on a reused one, the socket the
        // submitter noted when the transfer before ended (CURLINFO_ACTIVESOCKET is not set
        // while a transfer runs).
        let fd = socket >= 0 ? socket : reusedSocket
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Asks `proceed` whether to go on; when not, records why (stopped before the end of the
    /// message: the server cannot have it; after it: it may) and returns true.
    func stopRequested() -> Bool {
        guard let proceed, !proceed(messageEnded ? .endOfMessage : .running) else { return false }
        if abortReason == nil { abortReason = messageEnded ? Session.stoppedAfterEnd : Session.stopped }
        return true
    }

    /// Upload progress from libcurl: moving bytes push the stall deadline back.
    func uploaded(_ bytes: Int64) {
        if bytes != lastUploaded {
            lastUploaded = bytes
            if dataStarted { lastDataAt = now() }
        }
    }

    /// "60 s", "2.5 s": whole seconds, or tenths below ten seconds.
    static func seconds(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        if value >= 10 || tenths.truncatingRemainder(dividingBy: 10) == 0 { return "\(Int(value.rounded())) s" }
        return "\(tenths / 10) s"
    }

    /// The next bytes of the message into `buffer`: at most `capacity`, never past `limit`;
    /// 0 at the end, -1 on a read error.
    func readMessage(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        let left = limit - bytesRead
        guard left > 0 else {
            if dataEndedAt == nil { dataEndedAt = now() }
            return 0
        }
        let want = Int(min(Int64(capacity), left))
        while true {
            let n = read(fd, buffer, want)
            if n >= 0 {
                bytesRead += Int64(n)
                let time = now()
                lastDataAt = time
                if bytesRead >= limit || n == 0 { dataEndedAt = time }
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
        waitingSince = now()
        waitingFor = ["EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT"].contains(verb) ? verb : "AUTH"
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
        waitingSince = nil
        switch lastVerb {
        case nil: greetingReply = reply
        case "EHLO":
            capabilities = Array(lines.dropFirst()).map { $0.uppercased() }
            if reply.isPositive { checkAuthOffered() }
        case "AUTH": if code != 334 { authReply = reply }
        case "MAIL": mailReply = reply
        case "RCPT": recipientReplies.append((lastArgument, reply))
        case "DATA":
            if !dataStarted {
                dataReply = reply
                dataStarted = reply.code == 354
                if dataStarted { lastDataAt = now() }
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
        // After the data only a 4xx/5xx is a refusal; any other reply leaves the fate unknown.
        if let finalReply, finalReply.isNegative { return ("DATA", finalReply) }
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
    if !session.messageEnded && session.limit - session.bytesRead <= size * count {
        // This read hands curl the last bytes, and curl knows the size: it sends them and the
        // final dot without asking again. The last chance to stop without the dot is now, before
        // the bytes are read (so they are not counted as handed over either).
        if let proceed = session.proceed, !proceed(.endOfMessage) {
            session.abortReason = Session.stopped
            return ccurl_readfunc_abort()
        }
        session.messageEnded = true
    }
    let n = session.readMessage(into: UnsafeMutableRawPointer(buffer!), capacity: size * count)
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
    session.uploaded(Int64(uploadNow))
    session.progress?(Int64(uploadNow), Int64(uploadTotal))
    // libcurl waits for the final reply inside one call, calling this about once a second:
    // the deadlines are checked here too.
    if session.abortReason == nil, let overdue = session.overdue(now: session.now()) {
        session.abortReason = overdue
        session.cutConnection()
        return 1
    }
    if session.stopRequested() {
        return 1 // non-zero: curl stops with CURLE_ABORTED_BY_CALLBACK
    }
    return 0
}
