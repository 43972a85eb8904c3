import AegisAuth
import AegisCore
import AegisGas
import AegisStore
import Foundation
import Logging
import Synchronization

/// Follows the outbox so that a running server sees changes it did not make itself — the CLI's
/// management commands, and (scaled out) the other nodes: each new event resets the caches it
/// concerns (credentials and roles, public repositories, gas budgets and prices). Changes made
/// through this process's own operations reset their caches at once; this catches the rest within
/// one poll (a second).
public final class ChangeFeed: Sendable {
    let store: any OutboxStore
    let identity: IdentityService
    let publicRepositories: PublicRepositoryCache
    let accounts: GasAccounts
    let logger: Logger
    /// The newest event applied; nil until the first poll, which starts at the newest event.
    private let position = Mutex<Int64?>(nil)

    public init(operations: Operations, logger: Logger) {
        self.store = operations.store
        self.identity = operations.identity
        self.publicRepositories = operations.publicRepositories
        self.accounts = operations.metering.accounts
        self.logger = logger
    }

    /// Applies the events committed since the last poll.
    public func poll() async {
        do {
            guard let after = position.withLock({ $0 }) else {
                let latest = try await store.latestEventID() ?? 0
                position.withLock { $0 = latest }
                return
            }
            var cursor = after
            while true {
                let events = try await store.events(after: cursor, limit: 500)
                for event in events { apply(event) }
                guard let last = events.last?.id else { break }
                cursor = last
                if events.count < 500 { break }
            }
            position.withLock { $0 = cursor }
        } catch {
            logger.error("the change feed could not read the outbox", metadata: ["error": "\(error)"])
        }
    }

    private func apply(_ event: OutboxEvent) {
        switch event.type {
        case .userCreated, .userDeleted, .userPasswordChanged, .memberSet, .memberRemoved, .grantSet, .grantRemoved, .robotCreated,
            .robotRevoked:
            identity.forgetCachedCredentials()
        case .visibilityChanged:
            if let name = try? RepositoryName(event.subject) { publicRepositories.forget(name) } else { publicRepositories.forgetAll() }
        case .budgetChanged, .maxPriceChanged:
            if let tenant = event.tenant { accounts.forget(tenant) }
        default:
            break
        }
    }
}
