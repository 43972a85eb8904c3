import AegisAuth
import AegisGas
import Foundation

/// Who asks for an operation, and what their request carries through every layer: the request id
/// (for the audit log and the ledger) and, on metered surfaces, the request's gas meter.
public struct Caller: Sendable {
    /// The authenticated principal (anonymous when none).
    public var principal: Principal
    /// Joins the operation's audit records and ledger rows to the request.
    public var requestID: String
    /// The request's meter; nil where nothing is metered (the CLI, gas metering off).
    public var meter: GasMeter?

    public init(principal: Principal, requestID: String, meter: GasMeter? = nil) {
        self.principal = principal
        self.requestID = requestID
        self.meter = meter
    }

    /// The operator running a command on the machine (`aegisguard user create …`).
    public static func localOperator() -> Caller {
        let account = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? ""
        return Caller(principal: .localOperator(account), requestID: "cli-\(UUID().uuidString.lowercased().prefix(8))")
    }
}
