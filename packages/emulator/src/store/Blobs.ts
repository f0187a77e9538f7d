/**
 * Blob rows: the `blobs` table (one row per file: owner, name, content type, public flag, sizes, status) and
 * its wire JSON. Upload grants are in `Grants.ts`, the file bytes in `BlobBytes.ts`.
 *
 * @since 0.1.0
 */
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Crypto from "node:crypto"
import { isoSeconds } from "../internal/Time.js"

/**
 * The largest file an upload may carry (100 MB, rest-api.md §6.1).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_SIZE = 100 * 1024 * 1024

/**
 * A `blobs` row (times in Unix ms on the emulator clock).
 *
 * @since 0.1.0
 * @category models
 */
export interface BlobRow {
  readonly id: number
  readonly uid: string
  readonly app_id: number
  readonly user_id: number
  readonly name: string
  readonly content_type: string
  readonly public: number
  readonly size: number | null
  readonly uploaded_size: number | null
  readonly upload_id: string | null
  readonly blob_status: string | null
  readonly set_completed_at: number | null
  readonly created_at: number
  readonly updated_at: number
}

/**
 * The blob as the server sends it, in its key order (rest-api.md §6.2). `account_id` is the app id
 * (the emulator has no accounts).
 *
 * @since 0.1.0
 * @category conversions
 */
export const toJson = (row: BlobRow, access?: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {
    id: row.id,
    uid: row.uid,
    content_type: row.content_type,
    name: row.name,
    size: row.size,
    created_at: isoSeconds(row.created_at),
    updated_at: isoSeconds(row.updated_at),
    blob_status: row.blob_status,
    set_completed_at: row.set_completed_at === null ? null : isoSeconds(row.set_completed_at),
    public: row.public === 1,
    account_id: row.app_id,
    app_id: row.app_id
  }
  if (access !== undefined) out.blob_object_access = access
  return out
}

/** 36 upper-case hex characters, never all digits (so `/blobs/{key}` tells an id from a uid). */
const newUid = (): string => {
  for (;;) {
    const uid = Crypto.randomBytes(18).toString("hex").toUpperCase()
    if (!/^\d+$/.test(uid)) return uid
  }
}

/**
 * @since 0.1.0
 * @category commands
 */
export const create = (input: {
  readonly appId: number
  readonly userId: number
  readonly name: string
  readonly contentType: string
  readonly isPublic: boolean
  readonly now: number
}): Effect.Effect<BlobRow, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<BlobRow>`INSERT INTO blobs (uid, app_id, user_id, name, content_type, public, created_at, updated_at)
        VALUES (${newUid()}, ${input.appId}, ${input.userId}, ${input.name}, ${input.contentType},
                ${input.isPublic ? 1 : 0}, ${input.now}, ${input.now})
        RETURNING *`,
      (rows) => rows[0]!
    ))

/**
 * @since 0.1.0
 * @category queries
 */
export const findById = (appId: number, id: number): Effect.Effect<BlobRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<BlobRow>`SELECT * FROM blobs WHERE id = ${id} AND app_id = ${appId}`, (rows) => rows[0]))

/**
 * By uid, in any app (the upload target and public downloads carry no app).
 *
 * @since 0.1.0
 * @category queries
 */
export const findByUid = (uid: string): Effect.Effect<BlobRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<BlobRow>`SELECT * FROM blobs WHERE uid = ${uid}`, (rows) => rows[0]))

/**
 * One page of a user's blobs, oldest first, with the total.
 *
 * @since 0.1.0
 * @category queries
 */
export const listByUser = (
  appId: number,
  userId: number,
  page: number,
  perPage: number
): Effect.Effect<{ readonly rows: ReadonlyArray<BlobRow>; readonly total: number }, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const offset = (page - 1) * perPage
    // The page bounds in the SQL text, not bound: SQLite re-plans a statement whose LIMIT/OFFSET are
    // parameters on every run (see UsersSearch). Only integers are written in.
    const bounds = Number.isSafeInteger(perPage) && Number.isSafeInteger(offset) && perPage >= 0 && offset >= 0 ?
      sql.literal(`LIMIT ${perPage} OFFSET ${offset}`) :
      sql`LIMIT ${perPage} OFFSET ${offset}`
    return Effect.zipWith(
      sql<BlobRow>`SELECT * FROM blobs WHERE app_id = ${appId} AND user_id = ${userId}
        ORDER BY id ${bounds}`,
      sql<{ n: number }>`SELECT COUNT(*) AS n FROM blobs WHERE app_id = ${appId} AND user_id = ${userId}`,
      (rows, count) => ({ rows, total: count[0]?.n ?? 0 })
    )
  })

/**
 * Marks the blob complete with its size (`set_completed_at` = now).
 *
 * @since 0.1.0
 * @category commands
 */
export const complete = (id: number, size: number, now: number): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.asVoid(sql`UPDATE blobs SET size = ${size}, blob_status = 'complete', set_completed_at = ${now},
      updated_at = ${now} WHERE id = ${id}`))

/**
 * Deletes a blob's row; its bytes in the chunk table go with it (foreign key). A file in a directory is
 * `BlobBytes.remove`'s to delete.
 *
 * @since 0.1.0
 * @category commands
 */
export const remove = (row: BlobRow): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.asVoid(sql`DELETE FROM blobs WHERE id = ${row.id}`))
