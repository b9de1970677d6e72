/// The registry's tables, constraints and change counter, written once: `RegistryStore` (SQLite)
/// and `PostgresRegistryStore` both migrate from this list, so the two schemas cannot drift.
/// Each store records a migration's name when it applies it; names never change once shipped.
enum RegistrySchema {
    /// What differs between the two databases' SQL.
    struct Dialect: Sendable {
        /// A 64-bit integer column.
        var integer: String
        var boolean: String
        var falseValue: String
        var blob: String
        /// A row id the database assigns.
        var identityKey: String
        /// Statements that make every change to a version row bump `generation.n`.
        var generationTriggers: [String]

        static let sqlite = Dialect(
            integer: "INTEGER", boolean: "INTEGER", falseValue: "0", blob: "BLOB", identityKey: "INTEGER PRIMARY KEY",
            generationTriggers: [("inserted", "INSERT"), ("updated", "UPDATE"), ("deleted", "DELETE")].map { name, event in
                "CREATE TRIGGER versions_\(name) AFTER \(event) ON versions BEGIN UPDATE generation SET n = n + 1; END"
            })
        static let postgres = Dialect(
            integer: "BIGINT", boolean: "BOOLEAN", falseValue: "false", blob: "BYTEA", identityKey: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            generationTriggers: [
                "CREATE FUNCTION titan_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE generation SET n = n + 1; RETURN NULL; END $$",
                "CREATE TRIGGER versions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON versions FOR EACH STATEMENT EXECUTE FUNCTION titan_bump_generation()",
            ])
    }

    struct Migration: Sendable {
        var name: String
        var statements: @Sendable (Dialect) -> [String]
    }

    /// The migrations, in the order they are applied.
    static let migrations: [Migration] = [
        Migration(name: "v1") { d in [
            """
            CREATE TABLE owners (
              name TEXT PRIMARY KEY,
              public_key TEXT NOT NULL,
              registered_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE versions (
              id \(d.identityKey),
              name TEXT NOT NULL REFERENCES owners(name),
              version TEXT NOT NULL,
              major \(d.integer) NOT NULL, minor \(d.integer) NOT NULL, patch \(d.integer) NOT NULL,
              digest TEXT NOT NULL,
              status TEXT NOT NULL CHECK (status IN ('verified', 'unverified')),
              reasons TEXT NOT NULL,
              checked_with TEXT NOT NULL,
              published_at TEXT NOT NULL,
              yanked \(d.boolean) NOT NULL DEFAULT \(d.falseValue),
              price \(d.integer) CHECK (price IS NULL OR price > 0),
              dependencies TEXT NOT NULL,
              targets TEXT NOT NULL,
              report \(d.blob) NOT NULL,
              bundle \(d.blob) NOT NULL,
              UNIQUE (name, version))
            """,
            """
            CREATE TABLE verdicts (
              version_id \(d.integer) NOT NULL REFERENCES versions(id),
              property TEXT NOT NULL,
              spec TEXT NOT NULL,
              kind TEXT NOT NULL,
              claimed \(d.boolean) NOT NULL,
              status TEXT NOT NULL,
              method TEXT NOT NULL,
              reason TEXT,
              counterexample TEXT,
              position \(d.integer) NOT NULL,
              PRIMARY KEY (version_id, property))
            """,
            """
            CREATE TABLE purchases (
              id \(d.identityKey),
              version_id \(d.integer) NOT NULL REFERENCES versions(id),
              buyer TEXT NOT NULL,
              price \(d.integer) NOT NULL,
              fee \(d.integer) NOT NULL,
              seller_proceeds \(d.integer) NOT NULL,
              purchased_at TEXT NOT NULL,
              CHECK (fee + seller_proceeds = price AND fee = price / 10))
            """,
        ] },
        // Build metadata is kept in `version`; `precedence` is the version without it, unique per
        // name, so 1.0.0+a and 1.0.0+b cannot both be published. Signed requests (yank, list,
        // buy) carry a sequence number above the last one their key used.
        Migration(name: "v2") { d in [
            "ALTER TABLE versions ADD COLUMN precedence TEXT NOT NULL DEFAULT ''",
            "UPDATE versions SET precedence = version",
            "CREATE UNIQUE INDEX versions_precedence ON versions(name, precedence)",
            "CREATE TABLE request_sequences (public_key TEXT PRIMARY KEY, last_sequence \(d.integer) NOT NULL)",
        ] },
        // A counter every change to a version row bumps (by trigger, so every writer does,
        // whichever process it is): `tpm serve` reuses an answer while the counter is unchanged.
        Migration(name: "v3") { d in [
            "CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), n \(d.integer) NOT NULL)",
            "INSERT INTO generation VALUES (1, 0)",
        ] + d.generationTriggers },
    ]
}
