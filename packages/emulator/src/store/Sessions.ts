/**
 * Sessions data access. A token is 36 upper-case hex characters (the current server's format); a
 * session expires `ttl_ms` after its last request (2 h, guests 1 day), on the emulator clock.
 *
 * @since 0.1.0
 */
import type * as Session from "@connectycube-effect/core/Session"
import type * as User from "@connectycube-effect/core/User"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Crypto from "node:crypto"
import { isoMillis } from "../internal/Time.js"
import * as Sqlite from "../internal/Sqlite.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface SessionRow {
  readonly token: string
  readonly id: number
  readonly app_id: number
  readonly user_id: number | null
  readonly kind: "app" | "user"
  readonly nonce: number | null
  readonly ts: number | null
  readonly ttl_ms: number
  readonly created_at: number
  readonly updated_at: number
  readonly last_request_at: number
  readonly expires_at: number
}

/**
 * A fresh token: 18 random bytes as 36 upper-case hex characters.
 *
 * @since 0.1.0
 * @category constructors
 */
export const newToken = (): string => Crypto.randomBytes(18).toString("hex").toUpperCase()

/**
 * The session as the server sends it (key order of the current server); `user` for user sessions.
 * `nonce` only when the request sent one, like the docs' examples.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toJson = (row: SessionRow, user?: User.UserJson): typeof Session.Session.Encoded => {
  const out: Record<string, unknown> = {
    created_at: isoMillis(row.created_at),
    updated_at: isoMillis(row.updated_at),
    application_id: row.app_id,
    token: row.token
  }
  if (row.nonce !== null) out.nonce = row.nonce
  out.ts = row.ts
  out.user_id = row.user_id
  out.id = row.id
  if (user !== undefined) out.user = user
  return out as typeof Session.Session.Encoded
}

const nextAppSessionId = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql<{ value: number }>`UPDATE meta SET value = value + 1 WHERE key = 'app_session_seq' RETURNING value`,
    // App session ids start high so they are never mistaken for user ids in logs.
    (rows) => 100_000_000 + (rows[0]?.value ?? 1)
  )

/**
 * Creates a session. A user session's `id` is the user's id (as on the current server).
 *
 * @since 0.1.0
 * @category commands
 */
export const create = (input: {
  readonly appId: number
  readonly userId: number | null
  readonly nonce?: number | null | undefined
  readonly ts?: number | null | undefined
  readonly ttlMs: number
  readonly now: number
}): Effect.Effect<SessionRow, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = input.userId ?? (yield* nextAppSessionId(sql))
    const row: SessionRow = {
      token: newToken(),
      id,
      app_id: input.appId,
      user_id: input.userId,
      kind: input.userId === null ? "app" : "user",
      nonce: input.nonce ?? null,
      ts: input.ts ?? Math.floor(input.now / 1000),
      ttl_ms: input.ttlMs,
      created_at: input.now,
      updated_at: input.now,
      last_request_at: input.now,
      expires_at: input.now + input.ttlMs
    }
    yield* sql`INSERT INTO sessions ${sql.insert(row as unknown as Record<string, unknown>)}`
    if (row.user_id !== null) {
      yield* sql`UPDATE users SET last_request_at = ${input.now} WHERE id = ${row.user_id}`
    }
    return row
  })

/**
 * Slides that landed in the same second as the session's stored slide, kept in memory instead of
 * written (the `PendingSlides` service: one map per database, `layerPendingSlides`, so
 * emulators in one process stay apart).
 *
 * Why: a burst of requests with one token would otherwise be a write transaction per request (the
 * `UPDATE ... RETURNING` was the largest single cost of a read request). What is shown of a slide is
 * whole seconds (`CB-Token-ExpirationDate`, the user's `last_request_at`), and the first request of
 * every second is still written, so the stored row is at most 999 ms behind the last request.
 *
 * Correctness: the expiry check and the answer use the pending slide, so a session expires exactly
 * `ttl_ms` after its last request, as before. Every other writer of a session row drops the token's
 * pending slide (`attachUser`, `detachUser`, `remove`, `removeForUser`); reset and import drop them all
 * (`forgetPending`); export and shutdown write them first (`flushPending`). The trade-off: after a
 * `kill -9`, a session can expire up to 999 ms earlier than its last `CB-Token-ExpirationDate` said.
 */
interface PendingSlide {
  readonly lastRequestAt: number
  readonly expiresAt: number
}

/**
 * The slides not yet written, by token (see above): one per database (`layerPendingSlides`).
 *
 * @since 0.1.0
 * @category tags
 */
export class PendingSlides extends Context.Service<PendingSlides, Map<string, PendingSlide>>()(
  "@connectycube-effect/emulator/store/Sessions/PendingSlides"
) {}

/**
 * An empty `PendingSlides` for the database of the `SqlClient`; the slides still pending are written to
 * it when the layer closes (before the database does).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPendingSlides: Layer.Layer<PendingSlides, never, SqlClient.SqlClient> = Layer.effect(
  PendingSlides,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pending = new Map<string, PendingSlide>()
    yield* Effect.addFinalizer(() =>
      Effect.ignore(flushPending.pipe(
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.provideService(PendingSlides, pending)
      ))
    )
    return pending
  })
)

/** Beyond this many pending slides, they are written out (a bound on memory, never reached in tests). */
const MAX_PENDING = 10_000

const second = (ms: number) => Math.floor(ms / 1000)

/**
 * Writes the pending slides (the stored rows then equal what clients were told). Run before an export
 * and on shutdown.
 *
 * @since 0.1.0
 * @category commands
 */
export const flushPending: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient | PendingSlides> = Effect.contextWith(
  (context: Context.Context<SqlClient.SqlClient | PendingSlides>) => {
    const pending = Context.get(context, PendingSlides)
    if (pending.size === 0) return Effect.void
    const sql = Context.get(context, SqlClient.SqlClient)
    const entries = [...pending]
    pending.clear()
    return sql.withTransaction(Effect.forEach(entries, ([token, slide]) =>
      sql`UPDATE sessions SET last_request_at = ${slide.lastRequestAt}, expires_at = ${slide.expiresAt}
          WHERE token = ${token}`, { discard: true }))
  }
)

/**
 * Drops every pending slide (after the sessions table was replaced: reset, import).
 *
 * @since 0.1.0
 * @category commands
 */
export const forgetPending: Effect.Effect<void, never, PendingSlides> = Effect.map(PendingSlides, (pending) => {
  pending.clear()
})

/** Runs `f` with the database client and the pending slides. */
const withPending = <A, E>(
  f: (sql: SqlClient.SqlClient, pending: Map<string, PendingSlide>) => Effect.Effect<A, E>
): Effect.Effect<A, E, SqlClient.SqlClient | PendingSlides> =>
  Effect.contextWith((context: Context.Context<SqlClient.SqlClient | PendingSlides>) =>
    f(Context.get(context, SqlClient.SqlClient), Context.get(context, PendingSlides))
  )

/**
 * Looks a token up and slides its expiry: an expired or unknown token gives `undefined`. The first
 * request of each second writes the slide (`UPDATE ... RETURNING`; the `sessions_touch_user` trigger
 * stamps the user's `last_request_at`); later ones in the same second only read the row and keep the
 * slide in memory (see `PendingSlide` above), with the same answer.
 *
 * @since 0.1.0
 * @category commands
 */
export const touch = (
  token: string,
  now: number
): Effect.Effect<SessionRow | undefined, SqlError.SqlError, SqlClient.SqlClient | PendingSlides> =>
  withPending((sql, pending) => touchWith(sql, pending, token, now))

/**
 * `touch` with the client and the pending slides at hand (the authentication of every request: the read runs synchronously
 * when it can, without an effect around it).
 *
 * @since 0.1.0
 * @category commands
 */
export const touchWith = (
  sql: SqlClient.SqlClient,
  pending: Map<string, PendingSlide>,
  token: string,
  now: number
): Effect.Effect<SessionRow | undefined, SqlError.SqlError> => {
  const text = "SELECT * FROM sessions WHERE token = ?"
  // kept while the database is unchanged (a client polls with one token); the row itself never leaves here
  const rows = Sqlite.unsafeCachedRead<SessionRow>(sql, text, [token])
  return rows === undefined ?
    Effect.flatMap(sql.unsafe<SessionRow>(text, [token]), (rows) => slideRow(sql, pending, rows[0], token, now)) :
    slideRow(sql, pending, rows[0], token, now)
}

const slideRow = (
  sql: SqlClient.SqlClient,
  pending: Map<string, PendingSlide>,
  row: SessionRow | undefined,
  token: string,
  now: number
): Effect.Effect<SessionRow | undefined, SqlError.SqlError> => {
  if (row === undefined) return Effect.succeed(undefined)
  const slide = pending.get(token)
  const expiresAt = slide === undefined ? row.expires_at : slide.expiresAt
  if (expiresAt <= now) return Effect.succeed(undefined)
  if (second(now) === second(row.last_request_at) && pending.size < MAX_PENDING) {
    pending.set(token, { lastRequestAt: now, expiresAt: now + row.ttl_ms })
    return Effect.succeed({ ...row, last_request_at: now, expires_at: now + row.ttl_ms })
  }
  pending.delete(token)
  return Effect.map(
    sql<SessionRow>`UPDATE sessions SET last_request_at = ${now}, expires_at = ${now} + ttl_ms
                    WHERE token = ${token} RETURNING *`,
    (updated) => updated[0]
  )
}

/**
 * Reads a session without sliding it.
 *
 * @since 0.1.0
 * @category queries
 */
export const find = (token: string): Effect.Effect<SessionRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<SessionRow>`SELECT * FROM sessions WHERE token = ${token}`, (rows) => rows[0]))

/**
 * @since 0.1.0
 * @category commands
 */
export const remove = (token: string): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient | PendingSlides> =>
  withPending((sql, pending) => {
    pending.delete(token)
    return Effect.asVoid(sql`DELETE FROM sessions WHERE token = ${token}`)
  })

/**
 * Upgrades a token to a user session (POST /login): same token, `id` and `user_id` become the user's.
 *
 * @since 0.1.0
 * @category commands
 */
export const attachUser = (
  token: string,
  userId: number,
  ttlMs: number,
  now: number
): Effect.Effect<SessionRow | undefined, SqlError.SqlError, SqlClient.SqlClient | PendingSlides> =>
  withPending((sql, pending) => {
    pending.delete(token)
    return sql.withTransaction(Effect.tap(
      Effect.map(
        sql<SessionRow>`UPDATE sessions SET user_id = ${userId}, id = ${userId}, kind = 'user', ttl_ms = ${ttlMs},
                          updated_at = ${now}, last_request_at = ${now}, expires_at = ${now + ttlMs}
                        WHERE token = ${token} RETURNING *`,
        (rows) => rows[0]
      ),
      // signing in is a request of the user's: later requests in the same second skip the stamp
      () => sql`UPDATE users SET last_request_at = ${now} WHERE id = ${userId}`
    ))
  })

/**
 * Downgrades a token to an application session (DELETE /login): the token stays valid.
 *
 * @since 0.1.0
 * @category commands
 */
export const detachUser = (
  token: string,
  ttlMs: number,
  now: number
): Effect.Effect<SessionRow | undefined, SqlError.SqlError, SqlClient.SqlClient | PendingSlides> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = yield* nextAppSessionId(sql)
    ;(yield* PendingSlides).delete(token)
    const rows = yield* sql<SessionRow>`UPDATE sessions SET user_id = NULL, id = ${id}, kind = 'app', ttl_ms = ${ttlMs},
                                          updated_at = ${now}, expires_at = ${now + ttlMs}
                                        WHERE token = ${token} RETURNING *`
    return rows[0]
  })

/**
 * Ends every session of a user (used when a user is deleted or a guest expires).
 *
 * @since 0.1.0
 * @category commands
 */
export const removeForUser = (userId: number): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient | PendingSlides> =>
  withPending((sql, pending) =>
    Effect.flatMap(
      sql<{ token: string }>`DELETE FROM sessions WHERE user_id = ${userId} RETURNING token`,
      (rows) => Effect.sync(() => rows.forEach((row) => pending.delete(row.token)))
    ))
