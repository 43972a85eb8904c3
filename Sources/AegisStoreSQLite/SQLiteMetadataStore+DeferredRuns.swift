import AegisCore
import AegisStore
import Foundation
import GRDB

extension SQLiteMetadataStore {
    public func insertDeferredRun(_ run: DeferredRunRecord) async throws -> DeferredRunRecord {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deferred_runs(tenant, principal, request, submitted_at, deadline, scheduled_at, region, submit_intensity,
                        scheduled_intensity, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued')
                    """,
                arguments: [
                    run.tenant, run.principal, run.request, run.submittedAt.timeIntervalSince1970, run.deadline.timeIntervalSince1970,
                    run.scheduledAt.timeIntervalSince1970, run.region, run.submitIntensity, run.scheduledIntensity,
                ])
            var stored = run
            stored.id = db.lastInsertedRowID
            stored.state = .queued
            return stored
        }
    }

    public func deferredRun(_ id: Int64, of tenant: TenantID) async throws -> DeferredRunRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM deferred_runs WHERE id = ? AND tenant = ?", arguments: [id, tenant.value])
                .map(Self.deferredRun(from:))
        }
    }

    public func queuedDeferredRuns(of tenant: TenantID) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM deferred_runs WHERE tenant = ? AND state = 'queued'", arguments: [tenant.value]) ?? 0
        }
    }

    public func deferredRuns(of tenant: TenantID, before: Int64?, limit: Int) async throws -> [DeferredRunRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM deferred_runs WHERE tenant = ? AND id < ? ORDER BY id DESC LIMIT ?",
                arguments: [tenant.value, before ?? Int64.max, limit]
            ).map(Self.deferredRun(from:))
        }
    }

    public func claimDueRuns(region: String, now: Date, limit: Int) async throws -> [DeferredRunRecord] {
        try await pool.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE deferred_runs SET state = 'running', started_at = ?
                    WHERE id IN (SELECT id FROM deferred_runs WHERE state = 'queued' AND region = ? AND scheduled_at <= ?
                                 ORDER BY scheduled_at, id LIMIT ?)
                    RETURNING *
                    """,
                arguments: [now.timeIntervalSince1970, region, now.timeIntervalSince1970, limit]
            ).map(Self.deferredRun(from:)).sorted { ($0.scheduledAt, $0.id) < ($1.scheduledAt, $1.id) }
        }
    }

    public func finishDeferredRun(_ id: Int64, _ end: DeferredRunEnd) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deferred_runs SET state = ?, finished_at = ?, run_intensity = ?, avoided_ng = ?, outcome = ?, gas_used = ?,
                        stdout = ?, stderr = ?
                    WHERE id = ? AND state = 'running'
                    """,
                arguments: [
                    end.state.rawValue, end.finishedAt.timeIntervalSince1970, end.runIntensity, end.avoidedNanograms, end.outcome, end.gasUsed,
                    end.stdout, end.stderr, id,
                ])
        }
    }

    public func cancelDeferredRun(_ id: Int64, of tenant: TenantID, at date: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deferred_runs SET state = 'cancelled', finished_at = ?, outcome = 'cancelled'
                    WHERE id = ? AND tenant = ? AND state = 'queued'
                    """,
                arguments: [date.timeIntervalSince1970, id, tenant.value])
            return db.changesCount > 0
        }
    }

    public func interruptDeferredRuns(region: String, startedBefore date: Date, at now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deferred_runs SET state = 'interrupted', finished_at = ?, outcome = 'its node stopped while it ran'
                    WHERE state = 'running' AND region = ? AND started_at < ?
                    """,
                arguments: [now.timeIntervalSince1970, region, date.timeIntervalSince1970])
            return db.changesCount
        }
    }

    private static func deferredRun(from row: Row) -> DeferredRunRecord {
        let date = { (column: String) -> Date? in (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        return DeferredRunRecord(
            id: row["id"], tenant: row["tenant"], principal: row["principal"], request: row["request"],
            submittedAt: Date(timeIntervalSince1970: row["submitted_at"]), deadline: Date(timeIntervalSince1970: row["deadline"]),
            scheduledAt: Date(timeIntervalSince1970: row["scheduled_at"]), region: row["region"], submitIntensity: row["submit_intensity"],
            scheduledIntensity: row["scheduled_intensity"], state: DeferredRunRecord.State(rawValue: row["state"]) ?? .failed,
            startedAt: date("started_at"), finishedAt: date("finished_at"), runIntensity: row["run_intensity"], avoidedNanograms: row["avoided_ng"],
            outcome: row["outcome"], gasUsed: row["gas_used"], stdout: row["stdout"], stderr: row["stderr"])
    }
}
