/**
 * The outbox: mails the emulator "sends" (password resets, ...). Nothing leaves the machine;
 * tests read them with `GET /__emulator/emails`.
 *
 * @since 0.1.0
 */
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import { isoMillis } from "../internal/Time.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface EmailRow {
  readonly id: number
  readonly app_id: number | null
  readonly user_id: number | null
  readonly kind: string
  readonly to_address: string
  readonly subject: string
  readonly body: string
  /** JSON text (e.g. `{"reset_token":"..."}`). */
  readonly data: string | null
  readonly created_at: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface EmailInput {
  readonly appId?: number | null | undefined
  readonly userId?: number | null | undefined
  /** What the mail is, e.g. `"password_reset"`. */
  readonly kind: string
  readonly to: string
  readonly subject: string
  readonly body: string
  /** Machine-readable extras for tests (a reset token, a link). */
  readonly data?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Stores a mail.
 *
 * @since 0.1.0
 * @category commands
 */
export const send = (input: EmailInput, now: number): Effect.Effect<EmailRow, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<EmailRow>`INSERT INTO emails (app_id, user_id, kind, to_address, subject, body, data, created_at)
        VALUES (${input.appId ?? null}, ${input.userId ?? null}, ${input.kind}, ${input.to}, ${input.subject},
                ${input.body}, ${input.data === undefined ? null : JSON.stringify(input.data)}, ${now})
        RETURNING *`,
      (rows) => rows[0]!
    ))

/**
 * Stored mails, oldest first; optionally only those to one address.
 *
 * @since 0.1.0
 * @category queries
 */
export const list = (to?: string): Effect.Effect<ReadonlyArray<EmailRow>, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    to === undefined ?
      sql<EmailRow>`SELECT * FROM emails ORDER BY id` :
      sql<EmailRow>`SELECT * FROM emails WHERE to_address = ${to} COLLATE NOCASE ORDER BY id`)

/**
 * @since 0.1.0
 * @category commands
 */
export const clear: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => Effect.asVoid(sql`DELETE FROM emails`)
)

/**
 * @since 0.1.0
 * @category conversions
 */
export const toJson = (row: EmailRow): Record<string, unknown> => {
  let data: unknown = null
  if (row.data !== null) {
    try {
      data = JSON.parse(row.data)
    } catch {
      data = row.data
    }
  }
  return {
    id: row.id,
    app_id: row.app_id,
    user_id: row.user_id,
    kind: row.kind,
    to: row.to_address,
    subject: row.subject,
    body: row.body,
    data,
    created_at: isoMillis(row.created_at)
  }
}
