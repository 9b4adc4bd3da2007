// TransactionOutcomeConversion.swift — the transport's results as Workflow's `TransactionOutcome`.
//
// The meaning of an outcome is decided once, in `TransactionVerdict.judge` (Workflow, pure);
// this file only restates what Transport reported in that module's terms, so that the
// dispatcher (`send`, the composer) and `BulkRunner` judge the same value.

import Transport
import Workflow

extension RecipientReply {
    public init(_ result: RecipientResult) { self.init(address: result.address, reply: result.reply) }
}

extension TransactionFailure.Kind {
    public init(_ kind: TransportError.Kind) {
        switch kind {
        case .timeout: self = .timeout
        case .connectionLost: self = .connectionLost
        case .connectionRefused, .cannotConnect, .cannotResolve: self = .unreachable
        case .rejected: self = .rejected
        case .loginDenied: self = .loginDenied
        case .badURL: self = .badURL
        case .messageUnreadable: self = .messageUnreadable
        case .certificateUntrusted, .hostnameMismatch, .caFileUnreadable, .tlsFailed, .startTLSNotOffered, .authNotOffered,
            .stopped, .other:
            self = .other
        }
    }
}

extension TransactionFailure {
    public init(_ error: TransportError) {
        self.init(
            kind: Kind(error.kind), message: error.message, reply: error.reply,
            recipients: error.recipients.map(RecipientReply.init), afterData: error.afterData)
    }
}

extension TransactionOutcome {
    /// What the transport said of a transaction for `envelope`.
    public init(_ result: Result<SubmissionResult, TransportError>, envelope: [String]) {
        switch result {
        case .success(let taken): self.init(envelope: envelope, ending: .taken(recipients: taken.recipients.map(RecipientReply.init)))
        case .failure(let error): self.init(envelope: envelope, ending: .failed(TransactionFailure(error)))
        }
    }

    /// What came of a dispatcher's submission for `envelope`.
    public init(_ outcome: SubmissionOutcome, envelope: [String]) {
        switch outcome {
        case .submitted(let result): self.init(.success(result), envelope: envelope)
        case .failed(let error): self.init(.failure(error), envelope: envelope)
        case .notStarted(let error):
            self.init(envelope: envelope, ending: .notStarted(configuration: error.kind == .config, message: error.message))
        }
    }
}
