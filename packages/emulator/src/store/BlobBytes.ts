/**
 * The bytes of blobs. They live in a directory next to the SQLite file (`<db>.blobs/<uid>`), written to a
 * temp file and renamed into place, so a reader never sees half a file. With `:memory:` there is no
 * directory to use: the bytes go to the `_blob_chunks` table instead (in SQLite's own memory, not the JS
 * heap), under a fresh upload id that replaces the previous one in one transaction. Either way the upload is
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
import { type BlobRow, MAX_SIZE } from "./Blobs.js"

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
 * A blob's stored bytes: a file of the blob directory, or its chunks streamed from SQLite.
 *
 * @since 0.1.0
 * @category models
 */
export type Bytes =
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "Stream"; readonly stream: Stream.Stream<Uint8Array, SqlError.SqlError, SqlClient.SqlClient> }

/**
 * The stored bytes of a blob, or `None` when nothing was uploaded (or the file is gone).
 *
 * @since 0.1.0
 * @category bytes
 */
export const readBytes = (
  row: BlobRow
): Effect.Effect<
  Option.Option<Bytes>,
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
 * Deletes the file of a blob stored in a directory (a blob in the chunk table lost its bytes with its row).
 *
 * @since 0.1.0
 * @category bytes
 */
export const remove = (row: BlobRow): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const where = yield* storage
    if (where._tag === "Directory") {
      yield* Effect.ignore((yield* FileSystem.FileSystem).remove(`${where.dir}/${row.uid}`, { force: true }))
    }
  })
