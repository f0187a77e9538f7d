/**
 * Blobs data access: the `blobs` table (its migration), the wire JSON, the S3-style upload grant
 * (policy + HMAC signature the upload route verifies), and the file bytes.
 *
 * Bytes live in a directory next to the SQLite file (`<db>.blobs/<uid>`), written to a temp file and
 * renamed into place, so a reader never sees half a file. With `:memory:` there is no directory to
 * use: the bytes go to the `_blob_chunks` table instead (in SQLite's own memory, not the JS heap),
 * under a fresh upload id that replaces the previous one in one transaction. Either way the upload is
 * streamed; a 100 MB file is never held in one buffer. (Reset and import empty the table; files of a
 * directory are not swept then, and a later download of a vanished row is simply 404.)
 *
 * @since 0.1.0
 */
import * as FileSystem from "effect/FileSystem"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import type { Migration } from "../internal/Migration.js"
import { isoSeconds } from "../internal/Time.js"

/**
 * The `blobs` table and, for in-memory databases, the chunk table (its `_` prefix keeps it out of
 * export/import; rows go with their blob through the foreign key).
 *
 * @since 0.1.0
 * @category migrations
 */
export const migration: Migration = {
  name: "0002_blobs",
  statements: [
    `CREATE TABLE blobs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      uid TEXT NOT NULL UNIQUE,
      app_id INTEGER NOT NULL,
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      content_type TEXT NOT NULL,
      public INTEGER NOT NULL DEFAULT 0,
      size INTEGER,
      uploaded_size INTEGER,
      upload_id TEXT,
      blob_status TEXT,
      set_completed_at INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    `CREATE INDEX blobs_user ON blobs (app_id, user_id, id)`,
    `CREATE TABLE _blob_chunks (
      blob_id INTEGER NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
      upload_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (upload_id, seq)
    )`,
    `CREATE INDEX _blob_chunks_blob ON _blob_chunks (blob_id)`
  ]
}

/**
 * The largest file an upload may carry (100 MB, rest-api.md §6.1).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_SIZE = 100 * 1024 * 1024

/**
 * The bucket name in upload URLs and answers (as the real server's `cb-shared-s3`).
 *
 * @since 0.1.0
 * @category constants
 */
export const BUCKET = "cb-shared-s3"

/**
 * How long an upload grant is valid (1 hour, as `blob_object_access.expires`).
 *
 * @since 0.1.0
 * @category constants
 */
export const GRANT_TTL_MS = 60 * 60 * 1000

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

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Upload grants
// ---------------------------------------------------------------------------

/**
 * The grant secret's table (`_` keeps it out of export, import and reset): one random key per
 * emulator database, made on first use, so grants survive a restart and no client can compute one.
 *
 * @since 0.1.0
 * @category migrations
 */
export const secretsMigration: Migration = {
  name: "0006_emulator_secrets",
  statements: [
    `CREATE TABLE _emulator_secrets (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`
  ]
}

/**
 * The key upload grants are signed with: 32 random bytes kept in the database (made on first use).
 * It never leaves the emulator: not in an answer, an export or a log.
 *
 * @since 0.1.0
 * @category grants
 */
export const grantSecret: Effect.Effect<string, SqlError.SqlError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    Effect.gen(function*() {
      const found = yield* sql<{ value: string }>`SELECT value FROM _emulator_secrets WHERE name = 's3_grant'`
      if (found[0] !== undefined) return found[0].value
      const fresh = Crypto.randomBytes(32).toString("hex")
      yield* sql`INSERT OR IGNORE INTO _emulator_secrets (name, value) VALUES ('s3_grant', ${fresh})`
      const rows = yield* sql<{ value: string }>`SELECT value FROM _emulator_secrets WHERE name = 's3_grant'`
      return rows[0]?.value ?? fresh
    })
)

const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

/**
 * The S3 browser-POST form fields of an upload grant, in the order the real server lists them:
 * `Content-Type`, `Expires`, `acl`, `key`, `policy`, `success_action_status`, `x-amz-*`. The policy
 * (base64 JSON) pins every field and the size range; the signature is an HMAC-SHA256 of the policy
 * with the emulator's grant secret (`grantSecret`), so only this emulator can issue one.
 *
 * @since 0.1.0
 * @category grants
 */
export const grantFields = (
  row: BlobRow,
  secret: string,
  now: number
): ReadonlyArray<readonly [string, string]> => {
  const expires = now + GRANT_TTL_MS
  const date = amzDate(now)
  const credential = `EMULATORACCESSKEY/${date.slice(0, 8)}/us-east-1/s3/aws4_request`
  const acl = row.public === 1 ? "public-read" : "authenticated-read"
  const policy = Buffer.from(JSON.stringify({
    expiration: new Date(expires).toISOString(),
    conditions: [
      { bucket: BUCKET },
      { key: row.uid },
      { acl },
      { success_action_status: "201" },
      { "Content-Type": row.content_type },
      ["content-length-range", 0, MAX_SIZE],
      { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
      { "x-amz-credential": credential },
      { "x-amz-date": date }
    ]
  })).toString("base64")
  return [
    ["Content-Type", row.content_type],
    ["Expires", new Date(expires).toUTCString()],
    ["acl", acl],
    ["key", row.uid],
    ["policy", policy],
    ["success_action_status", "201"],
    ["x-amz-algorithm", "AWS4-HMAC-SHA256"],
    ["x-amz-credential", credential],
    ["x-amz-date", date],
    ["x-amz-signature", sign(policy, secret)]
  ]
}

/**
 * The policy signature (lower-case hex).
 *
 * @since 0.1.0
 * @category grants
 */
export const sign = (policy: string, secret: string): string =>
  Crypto.createHmac("sha256", secret).update(policy).digest("hex")

/**
 * Why a posted form does not match its grant (an S3 error code and message).
 *
 * @since 0.1.0
 * @category grants
 */
export interface PolicyDenial {
  readonly code: string
  readonly message: string
}

/**
 * What a grant allows, once its form checked out: the file's size range (bytes, inclusive).
 *
 * @since 0.1.0
 * @category grants
 */
export interface PolicyGrant {
  readonly minSize: number
  readonly maxSize: number
}

const conditionFailed = (condition: unknown): PolicyDenial => ({
  code: "AccessDenied",
  message: `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`
})

/**
 * Checks a posted form against its policy: the signature (with the emulator's secret), the expiry
 * (on the emulator clock), and every condition. The policy must carry `key` (the form's key),
 * `success_action_status` and a `content-length-range` within the 100 MB limit; every `eq` /
 * `starts-with` condition must match the form. Returns the allowed size range, or the S3 error.
 *
 * @since 0.1.0
 * @category grants
 */
export const verifyPolicy = (
  fields: ReadonlyMap<string, string>,
  secret: string,
  now: number
): { readonly _tag: "Denied"; readonly denial: PolicyDenial } | { readonly _tag: "Granted"; readonly grant: PolicyGrant } => {
  const deny = (denial: PolicyDenial) => ({ _tag: "Denied" as const, denial })
  const policy = fields.get("policy") ?? ""
  const signature = (fields.get("x-amz-signature") ?? fields.get("signature") ?? "").toLowerCase()
  const expected = sign(policy, secret)
  if (
    policy === "" ||
    signature.length !== expected.length ||
    !Crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  ) {
    return deny({
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided."
    })
  }
  let parsed: { expiration?: unknown; conditions?: unknown }
  try {
    parsed = JSON.parse(Buffer.from(policy, "base64").toString("utf8"))
  } catch {
    return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid JSON." })
  }
  if (parsed === null || typeof parsed !== "object") {
    return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid JSON." })
  }
  const expiration = typeof parsed.expiration === "string" ? Date.parse(parsed.expiration) : NaN
  if (Number.isNaN(expiration)) {
    return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Policy missing expiration." })
  }
  if (now > expiration) return deny({ code: "AccessDenied", message: "Invalid according to Policy: Policy expired." })
  const conditions = Array.isArray(parsed.conditions) ? (parsed.conditions as ReadonlyArray<unknown>) : []
  const pinned = new Set<string>()
  let range: PolicyGrant | undefined
  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition as ReadonlyArray<unknown>
      if (op === "content-length-range" && typeof a === "number" && typeof b === "number") {
        range = { minSize: Math.max(0, a), maxSize: Math.min(MAX_SIZE, b) }
        continue
      }
      if ((op === "eq" || op === "starts-with") && typeof a === "string" && a.startsWith("$") && typeof b === "string") {
        const name = a.slice(1)
        const value = fields.get(name)
        if (value === undefined || (op === "eq" ? value !== b : !value.startsWith(b))) return deny(conditionFailed(condition))
        if (op === "eq") pinned.add(name)
        continue
      }
      return deny({ code: "InvalidPolicyDocument", message: `Invalid Policy: Invalid condition ${JSON.stringify(condition)}.` })
    }
    if (condition === null || typeof condition !== "object") {
      return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid condition." })
    }
    for (const [name, value] of Object.entries(condition as Record<string, unknown>)) {
      if (name === "bucket") continue
      if (fields.get(name) !== value) return deny(conditionFailed(["eq", `$${name}`, value]))
      pinned.add(name)
    }
  }
  for (const required of ["key", "success_action_status"]) {
    if (!pinned.has(required)) {
      return deny({ code: "AccessDenied", message: `Invalid according to Policy: the policy must pin '${required}'.` })
    }
  }
  if (range === undefined || range.minSize > range.maxSize) {
    return deny({ code: "AccessDenied", message: "Invalid according to Policy: the policy must carry content-length-range." })
  }
  return { _tag: "Granted", grant: range }
}

// ---------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------

/**
 * Where the bytes go: a directory next to a file database, or the chunk table for `:memory:`.
 *
 * @since 0.1.0
 * @category bytes
 */
export type Storage = { readonly _tag: "Directory"; readonly dir: string } | { readonly _tag: "Memory" }

/**
 * The storage of the current database (asked from SQLite, so the emulator needs no extra setting).
 *
 * @since 0.1.0
 * @category bytes
 */
export const storage: Effect.Effect<Storage, SqlError.SqlError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    Effect.map(sql<{ file: string }>`SELECT file FROM pragma_database_list WHERE name = 'main'`, (rows) => {
      const file = rows[0]?.file ?? ""
      return file === "" ? { _tag: "Memory" as const } : { _tag: "Directory" as const, dir: `${file}.blobs` }
    })
)

/** Chunk rows are coalesced to this size: fewer rows, and still no large buffer. */
const ROW_BYTES = 256 * 1024

/**
 * Why writing the bytes stopped.
 *
 * @since 0.1.0
 * @category bytes
 */
export type WriteFailure<E> =
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "TooSmall" }
  | { readonly _tag: "Source"; readonly error: E }
  | { readonly _tag: "Storage"; readonly cause: unknown }

/**
 * Streams `content` into the blob's storage, within the grant's size `range` (at most `MAX_SIZE`
 * bytes), replacing earlier bytes only once the new ones are complete. Resolves to the byte count and records it (`uploaded_size`).
 *
 * @since 0.1.0
 * @category bytes
 */
export const writeBytes = <E>(
  row: BlobRow,
  content: Stream.Stream<Uint8Array, E>,
  now: number,
  range: { readonly minSize: number; readonly maxSize: number } = { minSize: 0, maxSize: MAX_SIZE }
): Effect.Effect<number, WriteFailure<E>, SqlClient.SqlClient | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const where = yield* Effect.mapError(storage, (cause): WriteFailure<E> => ({ _tag: "Storage", cause }))
    const counted = Stream.suspend(() => {
      let size = 0
      const max = Math.min(MAX_SIZE, range.maxSize)
      return content.pipe(
        Stream.mapError((error): WriteFailure<E> => ({ _tag: "Source", error })),
        Stream.mapEffect((chunk) => {
          size += chunk.byteLength
          return size > max ? Effect.fail<WriteFailure<E>>({ _tag: "TooLarge" }) : Effect.succeed(chunk)
        }),
        // the grant's lower bound, checked before the bytes replace the old ones
        Stream.concat(Stream.fromEffectDrain(Effect.suspend(() =>
          size < range.minSize ? Effect.fail<WriteFailure<E>>({ _tag: "TooSmall" }) : Effect.void
        )))
      )
    })
    const storageFailure = (cause: unknown): WriteFailure<E> => ({ _tag: "Storage", cause })
    let size: number
    if (where._tag === "Directory") {
      const fs = yield* FileSystem.FileSystem
      yield* Effect.mapError(fs.makeDirectory(where.dir, { recursive: true }), storageFailure)
      const temp = `${where.dir}/.${row.uid}.${Crypto.randomBytes(6).toString("hex")}.tmp`
      size = yield* Effect.gen(function*() {
        let written = 0
        yield* Stream.run(
          Stream.tap(counted, (chunk) => Effect.sync(() => (written += chunk.byteLength))),
          Sink.mapError(fs.sink(temp), storageFailure)
        )
        yield* Effect.mapError(fs.rename(temp, `${where.dir}/${row.uid}`), storageFailure)
        return written
      }).pipe(Effect.onError(() => Effect.ignore(fs.remove(temp, { force: true }))))
    } else {
      const uploadId = Crypto.randomBytes(12).toString("hex")
      const insert = (seq: number, data: Uint8Array) =>
        Effect.mapError(
          sql`INSERT INTO _blob_chunks (blob_id, upload_id, seq, data) VALUES (${row.id}, ${uploadId}, ${seq}, ${data})`,
          storageFailure
        )
      size = yield* Effect.gen(function*() {
        let pending: Array<Uint8Array> = []
        let pendingBytes = 0
        let seq = 0
        let total = 0
        const flush = Effect.suspend(() => {
          if (pendingBytes === 0) return Effect.void
          const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending)
          pending = []
          pendingBytes = 0
          return insert(seq++, data)
        })
        yield* Stream.runForEach(counted, (chunk) => {
          pending.push(chunk)
          pendingBytes += chunk.byteLength
          total += chunk.byteLength
          return pendingBytes >= ROW_BYTES ? flush : Effect.void
        })
        yield* flush
        // The new bytes replace the old ones in one step: a reader sees either, never a mix.
        yield* Effect.mapError(
          sql.withTransaction(Effect.gen(function*() {
            const current = yield* sql<{ upload_id: string | null }>`SELECT upload_id FROM blobs WHERE id = ${row.id}`
            const previous = current[0]?.upload_id
            if (previous !== null && previous !== undefined) yield* sql`DELETE FROM _blob_chunks WHERE upload_id = ${previous}`
            yield* sql`UPDATE blobs SET upload_id = ${uploadId} WHERE id = ${row.id}`
          })),
          storageFailure
        )
        return total
      }).pipe(Effect.onError(() => Effect.ignore(sql`DELETE FROM _blob_chunks WHERE upload_id = ${uploadId}`)))
    }
    yield* Effect.mapError(
      sql`UPDATE blobs SET uploaded_size = ${size}, updated_at = ${now} WHERE id = ${row.id}`,
      storageFailure
    )
    return size
  })

/**
 * The stored bytes of a blob, or `None` when nothing was uploaded (or the file is gone).
 *
 * @since 0.1.0
 * @category bytes
 */
export const readBytes = (
  row: BlobRow
): Effect.Effect<
  Option.Option<{ readonly _tag: "File"; readonly path: string } | { readonly _tag: "Stream"; readonly stream: Stream.Stream<Uint8Array, SqlError.SqlError, SqlClient.SqlClient> }>,
  SqlError.SqlError,
  SqlClient.SqlClient | FileSystem.FileSystem
> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const where = yield* storage
    if (where._tag === "Directory") {
      const path = `${where.dir}/${row.uid}`
      const exists = yield* Effect.orElseSucceed((yield* FileSystem.FileSystem).exists(path), () => false)
      return exists ? Option.some({ _tag: "File" as const, path }) : Option.none()
    }
    const current = yield* sql<{ upload_id: string | null }>`SELECT upload_id FROM blobs WHERE id = ${row.id}`
    const uploadId = current[0]?.upload_id
    if (uploadId === null || uploadId === undefined) return Option.none()
    // One row per pull: the response streams at the client's pace.
    const stream = Stream.paginate(0, (seq: number) =>
      Effect.map(
        sql<{ data: Uint8Array }>`SELECT data FROM _blob_chunks WHERE upload_id = ${uploadId} AND seq = ${seq}`,
        (rows) => [rows.map((r) => r.data), rows.length === 0 ? Option.none<number>() : Option.some(seq + 1)] as const
      ))
    return Option.some({ _tag: "Stream" as const, stream })
  })

/**
 * Deletes a blob and its bytes.
 *
 * @since 0.1.0
 * @category commands
 */
export const remove = (
  row: BlobRow
): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const where = yield* storage
    yield* sql`DELETE FROM blobs WHERE id = ${row.id}`
    if (where._tag === "Directory") {
      yield* Effect.ignore((yield* FileSystem.FileSystem).remove(`${where.dir}/${row.uid}`, { force: true }))
    }
  })
