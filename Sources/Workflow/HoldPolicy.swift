/// How long a frozen message waits in the outbox before it goes: long enough to press `u`.
///
/// Defaults: 10 s when every recipient is internal, 60 s when any is external. The user's policy
/// may change both; an organisation minimum raises either to at least that many seconds.
public struct HoldPolicy: Hashable, Sendable {
    public let internalSeconds: Int
    public let externalSeconds: Int
    public let organisationMinimum: Int

    public static let standard = HoldPolicy(checked: 10, 60, 0)

    /// The values come from configuration files: a negative one is an error naming the setting.
    public init(internalSeconds: Int = 10, externalSeconds: Int = 60, organisationMinimum: Int = 0) throws(HoldPolicyError) {
        for (setting, value) in [("internal_seconds", internalSeconds), ("external_seconds", externalSeconds),
                                 ("organisation_minimum", organisationMinimum)] where value < 0 {
            throw HoldPolicyError.negative(setting: setting, seconds: value)
        }
        self.init(checked: internalSeconds, externalSeconds, organisationMinimum)
    }

    private init(checked internalSeconds: Int, _ externalSeconds: Int, _ organisationMinimum: Int) {
        self.internalSeconds = internalSeconds
        self.externalSeconds = externalSeconds
        self.organisationMinimum = organisationMinimum
    }

    /// The hold for a message, in seconds: never below the organisation minimum.
    public func seconds(hasExternalRecipients: Bool) -> Int {
        max(hasExternalRecipients ? externalSeconds : internalSeconds, organisationMinimum)
    }
}

public enum HoldPolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    case negative(setting: String, seconds: Int)

    public var description: String {
        switch self {
        case let .negative(setting, seconds): "hold \(setting) must be 0 or more seconds, got \(seconds)"
        }
    }
}
