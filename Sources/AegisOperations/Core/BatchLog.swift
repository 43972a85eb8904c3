import AegisStore
import Foundation
import Synchronization

/// Records waiting to be written in batches (audit records, gas charges). Requests only append to
/// memory; a background service writes them, so recording costs no transaction per request.
public final class BatchLog<Element: Sendable>: Sendable {
    private let pending = Mutex<[Element]>([])
    /// Beyond this many unwritten records the oldest are dropped (and counted) rather than letting
    /// memory grow without bound while the store is unavailable.
    private let capacity: Int
    private let dropped = Mutex<Int>(0)

    public init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    public func record(_ element: Element) {
        let overflow = pending.withLock { pending -> Bool in
            pending.append(element)
            guard pending.count > capacity else { return false }
            pending.removeFirst(pending.count - capacity)
            return true
        }
        if overflow { dropped.withLock { $0 += 1 } }
    }

    public func drain() -> [Element] {
        pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }

    /// Puts back records a failed write took, ahead of newer ones, so a retry writes them.
    public func restore(_ elements: [Element]) {
        guard !elements.isEmpty else { return }
        pending.withLock { pending in pending.insert(contentsOf: elements, at: 0) }
    }

    /// Records dropped since the last call.
    public func takeDropped() -> Int {
        dropped.withLock { count in
            defer { count = 0 }
            return count
        }
    }
}

/// Authorization decisions waiting to be written.
public typealias AuditLog = BatchLog<AuditRecord>

/// Gas charges waiting to be appended to the ledger.
public typealias GasLedgerLog = BatchLog<GasCharge>

/// Carbon rows waiting to be appended to the carbon ledger.
public typealias CarbonLedgerLog = BatchLog<CarbonCharge>

/// Finished WASM runs waiting to be recorded.
public typealias RunLog = BatchLog<RunRecord>
