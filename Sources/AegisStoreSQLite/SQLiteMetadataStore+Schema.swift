import GRDB

extension SQLiteMetadataStore {
    /// Versioned migrations. Never edit a registered migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-registry-core") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenants(
                        name TEXT PRIMARY KEY NOT NULL,
                        created_at REAL NOT NULL);
                    CREATE TABLE repositories(
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        tenant TEXT NOT NULL REFERENCES tenants(name),
                        created_at REAL NOT NULL);
                    CREATE INDEX repositories_tenant ON repositories(tenant);
                    CREATE TABLE blobs(
                        digest TEXT PRIMARY KEY NOT NULL,
                        size INTEGER NOT NULL,
                        created_at REAL NOT NULL);
                    CREATE TABLE blob_links(
                        repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
                        digest TEXT NOT NULL REFERENCES blobs(digest),
                        created_at REAL NOT NULL,
                        PRIMARY KEY(repository_id, digest)) WITHOUT ROWID;
                    CREATE INDEX blob_links_digest ON blob_links(digest);
                    CREATE TABLE manifests(
                        repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
                        digest TEXT NOT NULL,
                        media_type TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        artifact_type TEXT,
                        subject TEXT,
                        annotations TEXT,
                        content BLOB NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY(repository_id, digest));
                    CREATE INDEX manifests_subject ON manifests(repository_id, subject, digest) WHERE subject IS NOT NULL;
                    CREATE TABLE tags(
                        repository_id INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        digest TEXT NOT NULL,
                        updated_at REAL NOT NULL,
                        PRIMARY KEY(repository_id, name),
                        FOREIGN KEY(repository_id, digest) REFERENCES manifests(repository_id, digest) ON DELETE CASCADE
                    ) WITHOUT ROWID;
                    CREATE INDEX tags_digest ON tags(repository_id, digest);
                    CREATE TABLE uploads(
                        id TEXT PRIMARY KEY NOT NULL,
                        repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
                        algorithm TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL);
                    CREATE INDEX uploads_updated ON uploads(updated_at);
                    """)
        }
        migrator.registerMigration("v2-identity") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users(
                        name TEXT PRIMARY KEY NOT NULL,
                        password_hash TEXT NOT NULL,
                        system_admin INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL);
                    CREATE TABLE memberships(
                        tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
                        user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                        role TEXT NOT NULL,
                        PRIMARY KEY(tenant, user)) WITHOUT ROWID;
                    CREATE INDEX memberships_user ON memberships(user);
                    CREATE TABLE robots(
                        tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        key_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL,
                        revoked_at REAL,
                        PRIMARY KEY(tenant, name)) WITHOUT ROWID;
                    CREATE TABLE audit(
                        id INTEGER PRIMARY KEY,
                        time REAL NOT NULL,
                        request_id TEXT NOT NULL,
                        principal TEXT NOT NULL,
                        tenant TEXT,
                        action TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        allowed INTEGER NOT NULL,
                        reason TEXT NOT NULL);
                    CREATE INDEX audit_tenant ON audit(tenant, id);
                    ALTER TABLE repositories ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        migrator.registerMigration("v3-repository-grants") { db in
            try db.execute(
                sql: """
                    CREATE TABLE grants(
                        tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
                        user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                        pattern TEXT NOT NULL,
                        role TEXT NOT NULL,
                        PRIMARY KEY(user, pattern)) WITHOUT ROWID;
                    CREATE INDEX grants_tenant ON grants(tenant);
                    """)
        }
        migrator.registerMigration("v4-gas-ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE gas_ledger(
                        id INTEGER PRIMARY KEY,
                        time REAL NOT NULL,
                        tenant TEXT NOT NULL,
                        principal TEXT NOT NULL,
                        operation TEXT NOT NULL,
                        repository TEXT,
                        request_id TEXT NOT NULL,
                        gas INTEGER NOT NULL,
                        price INTEGER NOT NULL,
                        schedule TEXT NOT NULL,
                        out_of_gas INTEGER NOT NULL);
                    CREATE INDEX gas_ledger_tenant_time ON gas_ledger(tenant, time);
                    -- Append-only: rows are never changed.
                    CREATE TRIGGER gas_ledger_no_update BEFORE UPDATE ON gas_ledger
                    BEGIN SELECT RAISE(ABORT, 'the gas ledger is append-only'); END;
                    ALTER TABLE tenants ADD COLUMN gas_budget INTEGER;
                    """)
        }
        migrator.registerMigration("v5-fee-market") { db in
            try db.execute(
                sql: """
                    CREATE TABLE gas_prices(
                        time REAL PRIMARY KEY NOT NULL,
                        base_fee INTEGER NOT NULL,
                        gas_used INTEGER NOT NULL);
                    ALTER TABLE tenants ADD COLUMN max_gas_price INTEGER;
                    """)
        }
        migrator.registerMigration("v6-storage-quota") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenant_storage(
                        tenant TEXT PRIMARY KEY NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
                        bytes INTEGER NOT NULL);
                    ALTER TABLE tenants ADD COLUMN storage_quota INTEGER;
                    """)
            try db.execute(sql: "INSERT INTO tenant_storage(tenant, bytes) " + SQLiteMetadataStore.storageRecountSQL)
        }
        migrator.registerMigration("v7-wasm") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs(
                        id INTEGER PRIMARY KEY,
                        time REAL NOT NULL,
                        tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
                        principal TEXT NOT NULL,
                        request_id TEXT NOT NULL,
                        repository TEXT NOT NULL,
                        digest TEXT NOT NULL,
                        component TEXT,
                        trigger TEXT NOT NULL,
                        status TEXT NOT NULL,
                        exit_code INTEGER,
                        gas_used INTEGER NOT NULL,
                        fuel_used INTEGER NOT NULL,
                        duration_ms REAL NOT NULL);
                    CREATE INDEX runs_tenant ON runs(tenant, id);
                    CREATE TABLE apps(
                        tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        repository TEXT NOT NULL,
                        digest TEXT NOT NULL,
                        public INTEGER NOT NULL DEFAULT 0,
                        deployed_by TEXT NOT NULL,
                        deployed_at REAL NOT NULL,
                        PRIMARY KEY(tenant, name)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v8-upload-finalisation") { db in
            // The digest an upload is being committed as, recorded before its bytes move into
            // blobs/, so that a crash in between leaves a session that can still complete.
            try db.execute(
                sql: """
                    ALTER TABLE uploads ADD COLUMN final_digest TEXT;
                    ALTER TABLE uploads ADD COLUMN final_size INTEGER;
                    CREATE INDEX uploads_final_digest ON uploads(final_digest) WHERE final_digest IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v9-outbox") { db in
            // Every change's event, written in the change's transaction (see OutboxEvent).
            try db.execute(
                sql: """
                    CREATE TABLE outbox(
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        time REAL NOT NULL,
                        tenant TEXT,
                        type TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        published_at REAL);
                    CREATE INDEX outbox_unpublished ON outbox(id) WHERE published_at IS NULL;
                    """)
        }
        migrator.registerMigration("v10-object-catalog") { db in
            // An object-store blob driver's catalog (see ObjectCatalogStore): which object holds
            // each digest, and each open upload's parts and pending objects.
            try db.execute(
                sql: """
                    CREATE TABLE blob_objects(
                        digest TEXT PRIMARY KEY NOT NULL,
                        key TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        removing INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
                    CREATE INDEX blob_objects_key ON blob_objects(key);
                    CREATE TABLE object_uploads(
                        id TEXT PRIMARY KEY NOT NULL,
                        version INTEGER NOT NULL,
                        state TEXT NOT NULL) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v11-cluster") { db in
            // What nodes must agree on (see ClusterStore): the token-signing keys and, kept for
            // the shared drivers' sake, each tenant's gas balance per period.
            try db.execute(
                sql: """
                    CREATE TABLE signing_keys(
                        kid TEXT PRIMARY KEY NOT NULL,
                        created_at REAL NOT NULL,
                        private_key TEXT NOT NULL) WITHOUT ROWID;
                    CREATE TABLE gas_balances(
                        tenant TEXT NOT NULL,
                        period REAL NOT NULL,
                        used INTEGER NOT NULL,
                        reserved INTEGER NOT NULL,
                        PRIMARY KEY(tenant, period)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v13-robot-certificates") { db in
            // Mutual TLS: the certificate identity a robot authenticates with, one active holder each.
            try db.execute(
                sql: """
                    ALTER TABLE robots ADD COLUMN certificate_identity TEXT;
                    CREATE UNIQUE INDEX robots_active_certificate ON robots(certificate_identity)
                        WHERE certificate_identity IS NOT NULL AND revoked_at IS NULL;
                    """)
        }
        migrator.registerMigration("v14-webhooks") { db in
            // The event log's tenant and time indexes, and webhooks: fan-out marks each event once
            // (`dispatched_at`), a delivery per webhook and event keeps its attempts. Events from
            // before stay out of the fan-out.
            try db.execute(
                sql: """
                    CREATE INDEX outbox_tenant ON outbox(tenant, id);
                    CREATE INDEX outbox_time ON outbox(time);
                    ALTER TABLE outbox ADD COLUMN dispatched_at REAL;
                    UPDATE outbox SET dispatched_at = time;
                    CREATE INDEX outbox_undispatched ON outbox(id) WHERE dispatched_at IS NULL;
                    CREATE TABLE webhooks(
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
                        url TEXT NOT NULL,
                        types TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        enabled INTEGER NOT NULL,
                        consecutive_failures INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        disabled_at REAL);
                    CREATE INDEX webhooks_tenant ON webhooks(tenant) WHERE enabled;
                    CREATE TABLE webhook_deliveries(
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                        event_id INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt_at REAL,
                        last_attempt_at REAL,
                        status_code INTEGER,
                        error TEXT,
                        latency REAL,
                        created_at REAL NOT NULL,
                        UNIQUE(webhook_id, event_id));
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
                    CREATE INDEX webhook_deliveries_pending_event ON webhook_deliveries(event_id) WHERE state = 'pending';
                    """)
        }
        migrator.registerMigration("v15-outbox-traceparent") { db in
            // The span that made an event's change, carried to NATS and webhooks.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN traceparent TEXT")
        }
        migrator.registerMigration("v16-immutable-tags") { db in
            // A tenant's immutability rules: a JSON array of tag patterns.
            try db.execute(sql: "ALTER TABLE tenants ADD COLUMN immutable_tags TEXT")
        }
        migrator.registerMigration("v17-collection") { db in
            // Garbage collection: each link's lease, and the blobs each manifest references (read
            // back from the stored manifests once, here; written with every manifest from now on).
            try db.execute(
                sql: """
                    ALTER TABLE blob_links ADD COLUMN used_at REAL NOT NULL DEFAULT 0;
                    UPDATE blob_links SET used_at = created_at;
                    CREATE TABLE manifest_blobs(
                        repository_id INTEGER NOT NULL,
                        manifest TEXT NOT NULL,
                        digest TEXT NOT NULL,
                        PRIMARY KEY(repository_id, manifest, digest),
                        FOREIGN KEY(repository_id, manifest) REFERENCES manifests(repository_id, digest) ON DELETE CASCADE
                    ) WITHOUT ROWID;
                    CREATE INDEX manifest_blobs_digest ON manifest_blobs(repository_id, digest);
                    WITH bodies(repository_id, digest, body) AS (
                        SELECT repository_id, digest, CAST(content AS TEXT) FROM manifests WHERE json_valid(CAST(content AS TEXT)))
                    INSERT OR IGNORE INTO manifest_blobs(repository_id, manifest, digest)
                    SELECT repository_id, digest, json_extract(body, '$.config.digest') FROM bodies
                    WHERE json_type(body, '$.config.digest') = 'text'
                    UNION ALL
                    SELECT repository_id, digest, json_extract(j.value, '$.digest') FROM bodies, json_each(body, '$.layers') j
                    WHERE json_type(body, '$.layers') = 'array' AND json_type(j.value, '$.digest') = 'text'
                    UNION ALL
                    SELECT repository_id, digest, json_extract(j.value, '$.digest') FROM bodies, json_each(body, '$.blobs') j
                    WHERE json_type(body, '$.blobs') = 'array' AND json_type(j.value, '$.digest') = 'text';
                    """)
        }
        migrator.registerMigration("v18-collection-holds") { db in
            // What holds garbage collection's removal of blobs back (a backup in progress).
            try db.execute(sql: "CREATE TABLE collection_holds(name TEXT PRIMARY KEY NOT NULL, until REAL NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("v19-retention") { db in
            // Retention: a tenant's rules (JSON), and when each manifest was last pulled.
            try db.execute(sql: "ALTER TABLE tenants ADD COLUMN retention TEXT; ALTER TABLE manifests ADD COLUMN pulled_at REAL")
        }
        migrator.registerMigration("v20-carbon-ledger") { db in
            // Energy and emissions per request, run, storage interval and idle minute; append-only.
            try db.execute(
                sql: """
                    CREATE TABLE carbon_ledger(
                        id INTEGER PRIMARY KEY,
                        time REAL NOT NULL,
                        tenant TEXT NOT NULL,
                        principal TEXT NOT NULL,
                        operation TEXT NOT NULL,
                        repository TEXT,
                        request_id TEXT NOT NULL,
                        cpu_us INTEGER NOT NULL,
                        cpu_measured INTEGER NOT NULL,
                        compute_uj INTEGER NOT NULL,
                        memory_uj INTEGER NOT NULL,
                        storage_uj INTEGER NOT NULL,
                        network_uj INTEGER NOT NULL,
                        bytes_in INTEGER NOT NULL,
                        bytes_out INTEGER NOT NULL,
                        intensity REAL NOT NULL,
                        intensity_source TEXT NOT NULL,
                        energy_source TEXT NOT NULL,
                        operational_ng INTEGER NOT NULL,
                        embodied_ng INTEGER NOT NULL);
                    CREATE INDEX carbon_ledger_tenant_time ON carbon_ledger(tenant, time);
                    CREATE TRIGGER carbon_ledger_no_update BEFORE UPDATE ON carbon_ledger
                    BEGIN SELECT RAISE(ABORT, 'the carbon ledger is append-only'); END;
                    """)
        }
        migrator.registerMigration("v21-deferred-runs") { db in
            // Carbon-aware runs waiting for their slot, and what became of them.
            try db.execute(
                sql: """
                    CREATE TABLE deferred_runs(
                        id INTEGER PRIMARY KEY,
                        tenant TEXT NOT NULL,
                        principal TEXT NOT NULL,
                        request BLOB NOT NULL,
                        submitted_at REAL NOT NULL,
                        deadline REAL NOT NULL,
                        scheduled_at REAL NOT NULL,
                        region TEXT NOT NULL,
                        submit_intensity REAL NOT NULL,
                        scheduled_intensity REAL NOT NULL,
                        state TEXT NOT NULL,
                        started_at REAL,
                        finished_at REAL,
                        run_intensity REAL,
                        avoided_ng INTEGER,
                        outcome TEXT,
                        gas_used INTEGER,
                        stdout BLOB,
                        stderr BLOB);
                    CREATE INDEX deferred_runs_due ON deferred_runs(state, region, scheduled_at);
                    CREATE INDEX deferred_runs_tenant ON deferred_runs(tenant, id);
                    """)
        }
        return migrator
    }
}
