/**
 * Sessions data access. A token is 36 upper-case hex characters (the current server's format); a
 * session expires `ttl_ms` after its last request (2 h, guests 1 day), on the emulator clock.
 *
 * @since 0.1.0
 */
import type { Session, User } from "@connectycube-effect/core"
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlError from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Crypto from "node:crypto"
import { isoMillis } from "../Http.js"

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
 * Looks a token up and slides its expiry, in one statement: an expired or unknown token gives
 * `undefined`. The `sessions_touch_user` trigger stamps the user's `last_request_at`.
 *
 * @since 0.1.0
 * @category commands
 */
export const touch = (token: string, now: number): Effect.Effect<SessionRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<SessionRow>`UPDATE sessions SET last_request_at = ${now}, expires_at = ${now} + ttl_ms
                      WHERE token = ${token} AND expires_at > ${now} RETURNING *`,
      (rows) => rows[0]
    ))

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
export const remove = (token: string): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.asVoid(sql`DELETE FROM sessions WHERE token = ${token}`))

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
): Effect.Effect<SessionRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<SessionRow>`UPDATE sessions SET user_id = ${userId}, id = ${userId}, kind = 'user', ttl_ms = ${ttlMs},
                        updated_at = ${now}, last_request_at = ${now}, expires_at = ${now + ttlMs}
                      WHERE token = ${token} RETURNING *`,
      (rows) => rows[0]
    ))

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
): Effect.Effect<SessionRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = yield* nextAppSessionId(sql)
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
export const removeForUser = (userId: number): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.asVoid(sql`DELETE FROM sessions WHERE user_id = ${userId}`))
