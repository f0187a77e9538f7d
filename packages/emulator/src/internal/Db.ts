/**
 * The emulator's SQLite database (`effect/sql` on `node:sqlite`, see `internal/Sqlite.ts`): the client layer, pragmas and
 * applying the migrations (the tables themselves are in `internal/Migrations.ts`). The bottom layer: it
 * imports no store.
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
import { type Migration, migrations } from "./Migrations.js"
import * as Sqlite from "./Sqlite.js"

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
 * The SQLite client with pragmas set and migrations applied.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> => {
  const filename = options.filename ?? ":memory:"
  const setup = Layer.effectDiscard(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`)
    yield* sql`PRAGMA foreign_keys = ON`
    yield* sql`PRAGMA busy_timeout = 5000`
    yield* migrate()
  }))
  return Layer.provideMerge(setup, Sqlite.layer({ filename, disableWAL: filename === ":memory:" }))
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
