import AegisCore
import AegisStore
import Foundation
import PostgresNIO

extension PostgresMetadataStore {
    static let deferredRunColumns = """
        id, tenant, principal, request, submitted_at, deadline, scheduled_at, region, submit_intensity, scheduled_intensity, state,
        started_at, finished_at, run_intensity, avoided_ng, outcome, gas_used, stdout, stderr
        """

    public func insertDeferredRun(_ run: DeferredRunRecord) async throws -> DeferredRunRecord {
        let id = try await value(
            """
            INSERT INTO deferred_runs(tenant, principal, request, submitted_at, deadline, scheduled_at, region, submit_intensity,
                scheduled_intensity, state)
            VALUES (\(run.tenant), \(run.principal), \(run.request), \(run.submittedAt.timeIntervalSince1970),
                    \(run.deadline.timeIntervalSince1970), \(run.scheduledAt.timeIntervalSince1970), \(run.region), \(run.submitIntensity),
                    \(run.scheduledIntensity), 'queued')
            RETURNING id
            """, as: Int64.self)
        var stored = run
        stored.id = id ?? 0
        stored.state = .queued
        return stored
    }

    public func deferredRun(_ id: Int64, of tenant: TenantID) async throws -> DeferredRunRecord? {
        try await rows(
            "SELECT \(unescaped: Self.deferredRunColumns) FROM deferred_runs WHERE id = \(id) AND tenant = \(tenant.value)"
        ).first.map(Self.deferredRun(from:))
    }

    public func queuedDeferredRuns(of tenant: TenantID) async throws -> Int {
        Int(try await value("SELECT count(*) FROM deferred_runs WHERE tenant = \(tenant.value) AND state = 'queued'", as: Int64.self) ?? 0)
    }

    public func deferredRuns(of tenant: TenantID, before: Int64?, limit: Int) async throws -> [DeferredRunRecord] {
        try await rows(
            """
            SELECT \(unescaped: Self.deferredRunColumns) FROM deferred_runs
            WHERE tenant = \(tenant.value) AND id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)
            """
        ).map(Self.deferredRun(from:))
    }

    /// `SKIP LOCKED` lets nodes of one region claim at once without waiting for each other; the
    /// state check on the updated row makes the claim a compare-and-set.
    public func claimDueRuns(region: String, now: Date, limit: Int) async throws -> [DeferredRunRecord] {
        try await rows(
            """
            UPDATE deferred_runs SET state = 'running', started_at = \(now.timeIntervalSince1970)
            WHERE state = 'queued' AND id IN (
                SELECT id FROM deferred_runs WHERE state = 'queued' AND region = \(region) AND scheduled_at <= \(now.timeIntervalSince1970)
                ORDER BY scheduled_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.deferredRunColumns)
            """
        ).map(Self.deferredRun(from:)).sorted { ($0.scheduledAt, $0.id) < ($1.scheduledAt, $1.id) }
    }

    public func finishDeferredRun(_ id: Int64, _ end: DeferredRunEnd) async throws {
        try await execute(
            """
            UPDATE deferred_runs SET state = \(end.state.rawValue), finished_at = \(end.finishedAt.timeIntervalSince1970),
                run_intensity = \(end.runIntensity), avoided_ng = \(end.avoidedNanograms), outcome = \(end.outcome), gas_used = \(end.gasUsed),
                stdout = \(end.stdout), stderr = \(end.stderr)
            WHERE id = \(id) AND state = 'running'
            """)
    }

    public func cancelDeferredRun(_ id: Int64, of tenant: TenantID, at date: Date) async throws -> Bool {
        try await !rows(
            """
            UPDATE deferred_runs SET state = 'cancelled', finished_at = \(date.timeIntervalSince1970), outcome = 'cancelled'
            WHERE id = \(id) AND tenant = \(tenant.value) AND state = 'queued' RETURNING id
            """
        ).isEmpty
    }

    public func interruptDeferredRuns(region: String, startedBefore date: Date, at now: Date) async throws -> Int {
        try await rows(
            """
            UPDATE deferred_runs SET state = 'interrupted', finished_at = \(now.timeIntervalSince1970), outcome = 'its node stopped while it ran'
            WHERE state = 'running' AND region = \(region) AND started_at < \(date.timeIntervalSince1970) RETURNING id
            """
        ).count
    }

    private static func deferredRun(from row: PostgresRow) throws -> DeferredRunRecord {
        let c = try row.decode(
            (
                Int64, String, String, Data, Double, Double, Double, String, Double, Double, String, Double?, Double?, Double?, Int64?, String?,
                Int64?, Data?, Data?
            ).self)
        return DeferredRunRecord(
            id: c.0, tenant: c.1, principal: c.2, request: c.3, submittedAt: Date(timeIntervalSince1970: c.4),
            deadline: Date(timeIntervalSince1970: c.5), scheduledAt: Date(timeIntervalSince1970: c.6), region: c.7, submitIntensity: c.8,
            scheduledIntensity: c.9, state: DeferredRunRecord.State(rawValue: c.10) ?? .failed,
            startedAt: c.11.map(Date.init(timeIntervalSince1970:)), finishedAt: c.12.map(Date.init(timeIntervalSince1970:)), runIntensity: c.13,
            avoidedNanograms: c.14, outcome: c.15, gasUsed: c.16, stdout: c.17, stderr: c.18)
    }
}
