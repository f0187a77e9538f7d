/**
 * Whole-state operations shared by the admin endpoints, the in-process handle and the CLI:
 * reset (keep apps), export to JSON, import (replace, atomically), seed files.
 *
 * @since 0.1.0
 */
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Db from "./internal/Db.js"
import * as Apps from "./store/Apps.js"
import { Invalid, type StoreError } from "./store/Errors.js"
import * as Sessions from "./store/Sessions.js"
import * as Users from "./store/Users.js"

/**
 * The export format (`GET /__emulator/export`, `POST /__emulator/import`, `--seed`). Rows are
 * the raw table rows (times in Unix ms; users carry their scrypt password hashes, never passwords).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Snapshot = Schema.Struct({
  format: Schema.optional(Schema.Literal("connectycube-emulator")),
  version: Schema.optional(Schema.Literal(1)),
  exportedAt: Schema.optional(Schema.String),
  tables: Schema.Record(Schema.String, Schema.Array(Schema.Record(Schema.String, Schema.Unknown)))
})

/**
 * @since 0.1.0
 * @category models
 */
export type Snapshot = typeof Snapshot.Type

/**
 * A friendlier seed: users with plain passwords (hashed on import), optionally per app.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SimpleSeed = Schema.Struct({
  users: Schema.Array(Schema.Struct({
    app_id: Schema.optional(Schema.Int),
    login: Schema.optional(Schema.String),
    email: Schema.optional(Schema.String),
    password: Schema.optional(Schema.String),
    full_name: Schema.optional(Schema.String),
    phone: Schema.optional(Schema.String),
    website: Schema.optional(Schema.String),
    external_id: Schema.optional(Schema.String),
    facebook_id: Schema.optional(Schema.String),
    twitter_id: Schema.optional(Schema.String),
    custom_data: Schema.optional(Schema.String),
    avatar: Schema.optional(Schema.String),
    tag_list: Schema.optional(Schema.Union([Schema.String, Schema.Array(Schema.String)])),
    timezone: Schema.optional(Schema.Int)
  }))
})

const KEEP_ON_RESET = new Set(["apps"])

/**
 * Deletes all data but the apps (ids restart).
 *
 * @since 0.1.0
 * @category state
 */
export const reset: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient | Sessions.PendingSlides> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* Db.stateTables
  yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql`PRAGMA defer_foreign_keys = ON`
    for (const table of [...tables].reverse()) {
      if (KEEP_ON_RESET.has(table)) continue
      if (table === "meta") yield* sql`UPDATE meta SET value = 0`
      else yield* sql`DELETE FROM ${sql(table)}`
    }
    const hasSequence = yield* sql`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`
    if (hasSequence.length > 0) yield* sql`DELETE FROM sqlite_sequence WHERE name != 'apps'`
    // The sessions are gone: so are their in-memory slides.
    yield* Sessions.forgetPending
  }))
})

/**
 * Every state table's rows.
 *
 * @since 0.1.0
 * @category state
 */
export const exportState = (now: number): Effect.Effect<Snapshot, SqlError.SqlError, SqlClient.SqlClient | Sessions.PendingSlides> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tables: Record<string, ReadonlyArray<Record<string, unknown>>> = {}
    // Sessions slid in memory (same second as their stored slide) are written first.
    yield* Sessions.flushPending
    for (const table of yield* Db.stateTables) {
      tables[table] = yield* sql<Record<string, unknown>>`SELECT * FROM ${sql(table)} ORDER BY rowid`
    }
    return { format: "connectycube-emulator", version: 1, exportedAt: new Date(now).toISOString(), tables } as const
  })

const columnsOf = (sql: SqlClient.SqlClient, table: string) =>
  Effect.map(sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`, (rows) => new Set(rows.map((r) => r.name)))

/**
 * Replaces the whole state with a snapshot, in one transaction (all or nothing). Tables missing
 * from the snapshot end up empty; unknown tables or columns → `Invalid` (field `tables`). The configured apps are
 * re-added afterwards so the emulator stays usable.
 *
 * @since 0.1.0
 * @category state
 */
export const importState = (
  snapshot: Snapshot,
  apps: Parameters<typeof Apps.upsert>[0]
): Effect.Effect<Record<string, number>, StoreError | SqlError.SqlError, SqlClient.SqlClient | Sessions.PendingSlides> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tables = yield* Db.stateTables
    const known = new Set(tables)
    for (const name of Object.keys(snapshot.tables)) {
      if (!known.has(name)) return yield* Effect.fail(new Invalid({ field: "tables", reason: `unknown table: ${name}` }))
    }
    const counts: Record<string, number> = {}
    // Slides kept in memory are written first (they stay right if the import is rolled back) and
    // forgotten with the sessions they belonged to.
    yield* Sessions.flushPending
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`PRAGMA defer_foreign_keys = ON`
      for (const table of [...tables].reverse()) yield* sql`DELETE FROM ${sql(table)}`
      const hasSequence = yield* sql`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`
      if (hasSequence.length > 0) yield* sql`DELETE FROM sqlite_sequence`
      for (const table of tables) {
        const rows = snapshot.tables[table]
        if (rows === undefined) continue
        const columns = yield* columnsOf(sql, table)
        for (const row of rows) {
          for (const key of Object.keys(row)) {
            if (!columns.has(key)) {
              return yield* Effect.fail(new Invalid({ field: "tables", reason: `unknown column ${table}.${key}` }))
            }
          }
          if (Object.keys(row).length > 0) yield* sql`INSERT INTO ${sql(table)} ${sql.insert(row)}`
        }
        counts[table] = rows.length
      }
      if (snapshot.tables.meta === undefined) {
        yield* sql`INSERT OR IGNORE INTO meta (key, value) VALUES ('app_session_seq', 0)`
      }
      yield* Apps.upsert(apps)
      yield* Sessions.forgetPending
    }))
    return counts
  })

/**
 * Creates the users of a simple seed, in one transaction.
 *
 * @since 0.1.0
 * @category state
 */
export const importSimple = (
  seed: typeof SimpleSeed.Type,
  defaultAppId: number,
  now: number
): Effect.Effect<Record<string, number>, StoreError | SqlError.SqlError, SqlClient.SqlClient | Sessions.PendingSlides> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.forEach(seed.users, (u) => {
      const { app_id, tag_list, ...rest } = u
      const tags = tag_list === undefined ? undefined : typeof tag_list === "string" ? tag_list.split(",") : tag_list
      return Users.create(app_id ?? defaultAppId, { ...rest, tags }, now)
    }, { discard: true }))
    return { users: seed.users.length }
  })

/**
 * Parses a seed or import document: a snapshot (`{"tables":{...}}`) or a simple seed (`{"users":[...]}`).
 * Answers a `Result`: the document, or a `Schema.SchemaError` with every issue.
 *
 * @since 0.1.0
 * @category state
 */
export const decodeSeed = Schema.decodeUnknownResult(Schema.Union([Snapshot, SimpleSeed]), { errors: "all" })

/**
 * Writes a file atomically: a temp file in the same directory, fsync, then rename over the target.
 *
 * @since 0.1.0
 * @category files
 */
export const writeFileAtomic = (file: string, content: string): Effect.Effect<void, Error> =>
  Effect.try({
    try: () => {
      const dir = Path.dirname(Path.resolve(file))
      const temp = Path.join(dir, `.${Path.basename(file)}.${Crypto.randomBytes(6).toString("hex")}.tmp`)
      const fd = Fs.openSync(temp, "w", 0o600)
      try {
        Fs.writeFileSync(fd, content)
        Fs.fsyncSync(fd)
      } finally {
        Fs.closeSync(fd)
      }
      try {
        Fs.renameSync(temp, file)
      } catch (error) {
        Fs.rmSync(temp, { force: true })
        throw error
      }
    },
    catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
  })
