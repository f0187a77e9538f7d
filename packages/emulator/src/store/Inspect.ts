/**
 * Read-only queries for the emulator's console (`/__emulator/overview`, `/__emulator/sessions`,
 * `/__emulator/blobs`, the users search text): what the REST API never lists, across users and apps.
 * Writes go through the stores the REST API uses (`store/Users.ts`, `store/Sessions.ts`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import type { BlobRow } from "./Blobs.js"
import type { SessionRow } from "./Sessions.js"
import type { UserRow } from "./Users.js"

type Query<A> = Effect.Effect<A, SqlError.SqlError, SqlClient.SqlClient>

/**
 * An application's id and auth key.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppKey {
  readonly id: number
  readonly auth_key: string
}

/**
 * The applications, by id.
 *
 * @since 0.1.0
 * @category queries
 */
export const apps: Query<ReadonlyArray<AppKey>> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql<AppKey>`SELECT id, auth_key FROM apps ORDER BY id`
)

/**
 * How many users, live sessions (expiring after `now`), blobs and mails there are, over every app.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counts {
  readonly users: number
  readonly sessions: number
  readonly blobs: number
  readonly emails: number
}

/**
 * @since 0.1.0
 * @category queries
 */
export const counts = (now: number): Query<Counts> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<Counts>`SELECT
        (SELECT COUNT(*) FROM users) AS users,
        (SELECT COUNT(*) FROM sessions WHERE expires_at > ${now}) AS sessions,
        (SELECT COUNT(*) FROM blobs) AS blobs,
        (SELECT COUNT(*) FROM emails) AS emails`,
      (rows) => rows[0] ?? { users: 0, sessions: 0, blobs: 0, emails: 0 }
    ))

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * The ids of an app's users whose login, email, full name or a tag contains `text` (ASCII case-insensitively:
 * SQLite's `LIKE`), by id, at most `max`. The console turns them into an `id[in]` filter of a V2 query, so
 * the page itself comes from the REST search code.
 *
 * @since 0.1.0
 * @category queries
 */
export const userIdsMatching = (appId: number, text: string, max: number): Query<ReadonlyArray<number>> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const pattern = likePattern(text)
    return Effect.map(
      sql<{ id: number }>`SELECT u.id FROM users u WHERE u.app_id = ${appId} AND (
          u.login LIKE ${pattern} ESCAPE '\\' OR u.email LIKE ${pattern} ESCAPE '\\'
          OR u.full_name LIKE ${pattern} ESCAPE '\\'
          OR EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.tag LIKE ${pattern} ESCAPE '\\'))
        ORDER BY u.id LIMIT ${max}`,
      (rows) => rows.map((r) => r.id)
    )
  })

/**
 * A user by id, in any app.
 *
 * @since 0.1.0
 * @category queries
 */
export const user = (id: number): Query<UserRow | undefined> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<UserRow>`SELECT * FROM users WHERE id = ${id}`, (rows) => rows[0]))

/**
 * A session row with its handle (`ref`: the row id, as a session's own `id` is its user's and not unique)
 * and whether its user is a guest.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionEntry extends SessionRow {
  readonly ref: number
  readonly is_guest: number | null
}

/**
 * A page of rows and how many there are in all.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly rows: ReadonlyArray<A>
  readonly total: number
}

/**
 * Sessions, newest first: the live ones (expiring after `now`) unless `all`, of one user when `userId`.
 *
 * @since 0.1.0
 * @category queries
 */
export const sessions = (options: {
  readonly now: number
  readonly all: boolean
  readonly userId?: number | undefined
  readonly limit: number
  readonly offset: number
}): Query<Page<SessionEntry>> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const live = options.all ? sql`1` : sql`s.expires_at > ${options.now}`
    const owner = options.userId === undefined ? sql`1` : sql`s.user_id = ${options.userId}`
    return Effect.zipWith(
      sql<SessionEntry>`SELECT s.rowid AS ref, s.*, u.is_guest AS is_guest
        FROM sessions s LEFT JOIN users u ON u.id = s.user_id
        WHERE ${live} AND ${owner}
        ORDER BY s.created_at DESC, s.rowid DESC LIMIT ${options.limit} OFFSET ${options.offset}`,
      sql<{ n: number }>`SELECT COUNT(*) AS n FROM sessions s WHERE ${live} AND ${owner}`,
      (rows, count) => ({ rows, total: count[0]?.n ?? 0 })
    )
  })

/**
 * The token of the session with this handle (`SessionEntry.ref`).
 *
 * @since 0.1.0
 * @category queries
 */
export const sessionToken = (ref: number): Query<string | undefined> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<{ token: string }>`SELECT token FROM sessions WHERE rowid = ${ref}`, (rows) => rows[0]?.token))

/**
 * Blobs, newest first, of one user when `userId`.
 *
 * @since 0.1.0
 * @category queries
 */
export const blobs = (options: {
  readonly userId?: number | undefined
  readonly limit: number
  readonly offset: number
}): Query<Page<BlobRow>> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const owner = options.userId === undefined ? sql`1` : sql`user_id = ${options.userId}`
    return Effect.zipWith(
      sql<BlobRow>`SELECT * FROM blobs WHERE ${owner} ORDER BY id DESC LIMIT ${options.limit} OFFSET ${options.offset}`,
      sql<{ n: number }>`SELECT COUNT(*) AS n FROM blobs WHERE ${owner}`,
      (rows, count) => ({ rows, total: count[0]?.n ?? 0 })
    )
  })

/**
 * A blob by id, in any app.
 *
 * @since 0.1.0
 * @category queries
 */
export const blob = (id: number): Query<BlobRow | undefined> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<BlobRow>`SELECT * FROM blobs WHERE id = ${id}`, (rows) => rows[0]))
