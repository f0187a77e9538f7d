/**
 * The emulator's SQLite database (`effect/sql` on `node:sqlite`, see `internal/Sqlite.ts`): the client layer, pragmas and
 * the one migration list. Route modules that need tables append a migration to `migrations` (never
 * edit an applied one: file databases remember what ran, by name).
 *
 * Durability: WAL with `synchronous = NORMAL`. A committed transaction is written to the WAL file
 * before the statement returns, so it survives the process being killed (`kill -9`); only an OS
 * crash or power loss can lose the last transactions, which `synchronous: "FULL"` also covers at
 * the cost of an fsync per write.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlError from "effect/sql/SqlError"
import type { Migration } from "./internal/Migration.js"
import * as Sqlite from "./internal/Sqlite.js"
import * as BlobStore from "./store/Blobs.js"
import * as Sessions from "./store/Sessions.js"
import * as UsersStore from "./store/Users.js"
import * as UsersSearch from "./store/UsersSearch.js"

/**
 * A named list of SQL statements (declared in `internal/Migration.ts`, which the stores import).
 *
 * @since 0.1.0
 */
export type { Migration } from "./internal/Migration.js"

/**
 * Times are stored as INTEGER Unix milliseconds on the emulator clock and formatted on the way out.
 */
const core: Migration = {
  name: "0001_core",
  statements: [
    `CREATE TABLE apps (
      id INTEGER PRIMARY KEY,
      auth_key TEXT NOT NULL,
      auth_secret TEXT,
      allow_user_creation INTEGER NOT NULL DEFAULT 1,
      cidp_url TEXT
    )`,
    `CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
    `INSERT INTO meta (key, value) VALUES ('app_session_seq', 0)`,
    `CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      _id TEXT NOT NULL,
      app_id INTEGER NOT NULL,
      login TEXT COLLATE NOCASE,
      email TEXT COLLATE NOCASE,
      password_hash TEXT,
      full_name TEXT,
      phone TEXT,
      website TEXT,
      external_user_id INTEGER,
      external_id TEXT,
      facebook_id TEXT,
      twitter_id TEXT,
      custom_data TEXT,
      blob_id INTEGER,
      avatar TEXT,
      user_tags TEXT,
      timezone INTEGER,
      is_guest INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_request_at INTEGER
    )`,
    `CREATE UNIQUE INDEX users_login ON users (app_id, login)`,
    `CREATE UNIQUE INDEX users_email ON users (app_id, email)`,
    `CREATE INDEX users_full_name ON users (app_id, full_name)`,
    `CREATE INDEX users_phone ON users (app_id, phone)`,
    `CREATE INDEX users_external_user_id ON users (app_id, external_user_id)`,
    `CREATE INDEX users_external_id ON users (app_id, external_id)`,
    `CREATE INDEX users_facebook_id ON users (app_id, facebook_id)`,
    `CREATE INDEX users_twitter_id ON users (app_id, twitter_id)`,
    `CREATE INDEX users_created_at ON users (app_id, created_at)`,
    `CREATE INDEX users_updated_at ON users (app_id, updated_at)`,
    `CREATE INDEX users_last_request_at ON users (app_id, last_request_at)`,
    // One row per tag, so V2 `user_tags[in]`/`[nin]` and V1 `by_tags` are index lookups.
    `CREATE TABLE user_tags (
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      app_id INTEGER NOT NULL,
      tag TEXT NOT NULL COLLATE NOCASE,
      PRIMARY KEY (user_id, tag)
    )`,
    `CREATE INDEX user_tags_tag ON user_tags (app_id, tag)`,
    `CREATE TABLE sessions (
      token TEXT PRIMARY KEY,
      id INTEGER NOT NULL,
      app_id INTEGER NOT NULL,
      user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('app', 'user')),
      nonce INTEGER,
      ts INTEGER,
      ttl_ms INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_request_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
    `CREATE INDEX sessions_user ON sessions (user_id)`,
    // A request made with a user token is the user's last request: one statement from JS slides the
    // session, the trigger stamps the user.
    `CREATE TRIGGER sessions_touch_user AFTER UPDATE OF last_request_at ON sessions
      WHEN NEW.user_id IS NOT NULL
      BEGIN UPDATE users SET last_request_at = NEW.last_request_at WHERE id = NEW.user_id; END`,
    `CREATE TABLE emails (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      app_id INTEGER,
      user_id INTEGER,
      kind TEXT NOT NULL,
      to_address TEXT NOT NULL,
      subject TEXT NOT NULL,
      body TEXT NOT NULL,
      data TEXT,
      created_at INTEGER NOT NULL
    )`
  ]
}

/**
 * The user's `last_request_at` is shown (and searched) at whole seconds, so the trigger stamps it
 * at most once a second: a burst of requests then writes the sessions row only, not the users row
 * and its index as well.
 */
const touchUserPerSecond: Migration = {
  name: "0004_sessions_touch_user_per_second",
  statements: [
    `DROP TRIGGER sessions_touch_user`,
    `CREATE TRIGGER sessions_touch_user AFTER UPDATE OF last_request_at ON sessions
      WHEN NEW.user_id IS NOT NULL AND NEW.last_request_at / 1000 != OLD.last_request_at / 1000
      BEGIN UPDATE users SET last_request_at = NEW.last_request_at WHERE id = NEW.user_id; END`
  ]
}

/** The guests are found by an index of their own: the sweep of expired guests runs once a minute. */
const guestIndex: Migration = {
  name: "0005_users_guests",
  statements: [`CREATE INDEX users_guests ON users (last_request_at) WHERE is_guest = 1`]
}

/**
 * Every migration, in order. **Extension point**: a route module that needs tables appends its
 * migration here (a new `name`, e.g. `"0002_blobs"`).
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrations: ReadonlyArray<Migration> = [
  core,
  BlobStore.migration,
  UsersSearch.migration,
  touchUserPerSecond,
  guestIndex,
  BlobStore.secretsMigration,
  UsersStore.identitiesMigration
]

/**
 * The migration log as this module wrote it before `effect/sql`'s Migrator: `_migrations (name, applied_at)`.
 * Rewritten once into the Migrator's table (same name), so an older database file keeps its data and is not
 * migrated twice.
 */
const adoptLegacyLog = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const legacy = yield* sql`SELECT 1 FROM pragma_table_info('_migrations') WHERE name = 'applied_at'`
  if (legacy.length === 0) return
  yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql`ALTER TABLE _migrations RENAME TO _migrations_legacy`
    yield* sql`CREATE TABLE _migrations (
      migration_id integer PRIMARY KEY NOT NULL,
      created_at datetime NOT NULL DEFAULT current_timestamp,
      name VARCHAR(255) NOT NULL
    )`
    yield* sql`INSERT INTO _migrations (migration_id, created_at, name)
      SELECT CAST(substr(name, 1, instr(name, '_') - 1) AS INTEGER), datetime(applied_at / 1000, 'unixepoch'),
        substr(name, instr(name, '_') + 1)
      FROM _migrations_legacy`
    yield* sql`DROP TABLE _migrations_legacy`
  }))
})

/**
 * Applies the migrations that have not run yet (`effect/sql`'s Migrator: the pending ones in one
 * transaction, recorded in `_migrations` by the number that starts their name).
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrate = (
  list: ReadonlyArray<Migration> = migrations
): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const record: Record<string, Effect.Effect<void, SqlError.SqlError>> = {}
    for (const migration of list) {
      // the Migrator skips a name without its number: that would be a migration that never runs
      if (!/^\d+_./.test(migration.name)) return yield* Effect.die(`migration name without its number: ${migration.name}`)
      record[migration.name] = Effect.forEach(migration.statements, (statement) => sql.unsafe(statement), { discard: true })
    }
    yield* adoptLegacyLog
    yield* Migrator.make({})({ table: "_migrations", loader: Migrator.fromRecord(record) }).pipe(
      // a failed statement is reported as itself; the Migrator's own errors (duplicate numbers) as unknown
      Effect.catchTag("MigrationError", (error) =>
        Effect.fail(
          error.cause instanceof SqlError.SqlError ?
            error.cause :
            new SqlError.SqlError({ reason: new SqlError.UnknownError({ cause: error, message: error.message }) })
        ))
    )
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `:memory:` (default) or a file path. */
  readonly filename?: string | undefined
  /** `NORMAL` (default, survives a killed process) or `FULL` (also survives power loss). */
  readonly synchronous?: "NORMAL" | "FULL" | undefined
}

/**
 * The SQLite client with pragmas set and migrations applied, and the session slides not yet written
 * to it (`Sessions.PendingSlides`, one per database).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<SqlClient.SqlClient | Sessions.PendingSlides, SqlError.SqlError> => {
  const filename = options.filename ?? ":memory:"
  const setup = Layer.effectDiscard(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pending = yield* Sessions.PendingSlides
    yield* sql.unsafe(`PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`)
    yield* sql`PRAGMA foreign_keys = ON`
    yield* sql`PRAGMA busy_timeout = 5000`
    yield* migrate()
    // Session slides kept in memory (see `Sessions.touch`) are written before the database closes.
    yield* Effect.addFinalizer(() => Effect.ignore(Sessions.flushPending.pipe(
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.provideService(Sessions.PendingSlides, pending)
      ))
    )
  }))
  return Layer.provideMerge(
    setup,
    Layer.merge(Sqlite.layer({ filename, disableWAL: filename === ":memory:" }), Sessions.layerPendingSlides)
  )
}

/**
 * Names of the tables that hold emulator state (everything but SQLite's and the migration log),
 * in creation order.
 *
 * @since 0.1.0
 * @category state
 */
export const stateTables: Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ name: string }>`
      SELECT name FROM sqlite_master
      WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'
      ORDER BY rowid`
    return rows.map((r) => r.name)
  }
)
