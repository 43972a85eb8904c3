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
        return migrator
    }
}
