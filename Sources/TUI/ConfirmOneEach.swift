import MailCore
import Policy

/// "Send one message to each recipient" (`I` on the confirmation screen): the messages it sends
/// and what the policy looks at before they may go. Pure, so the screen's session and the tests
/// use the same definition.
public enum OneMessageEach {
    /// One message per envelope recipient (each address once, as the envelope has them): that
    /// recipient alone in To, no Cc, no Bcc; everything else as written.
    public static func messages(_ message: OutgoingMessage) -> [OutgoingMessage] {
        message.envelope.recipients.map { recipient in
            var single = message
            single.to = [.mailbox(recipient.mailbox)]
            single.cc = []
            single.bcc = []
            return single
        }
    }

    /// The policy input for the one-each messages of `input`: one of them as it is sent (its
    /// recipient in To — an external one when there is any, the riskiest) with every other
    /// recipient added as Bcc, as `guardmail bulk` does for its individual mode. So the rules
    /// about the whole list (look-alike and new domains, namesakes, attachments going out) see
    /// every recipient, the content rules see the real text, and the rules about recipients
    /// seeing each other see what each message shows: one recipient.
    public static func policyInput(_ input: PolicyInput, isInternal: (Mailbox) -> Bool) -> PolicyInput {
        let everyone = input.allRecipients.uniqueRecipients
        guard let shown = everyone.first(where: { !isInternal($0) }) ?? everyone.first else { return input }
        var one = input
        one.to = [shown]
        one.cc = []
        one.bcc = everyone.filter { !$0.isSameRecipient(as: shown) }
        return one
    }
}
