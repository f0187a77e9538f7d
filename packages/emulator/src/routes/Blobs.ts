/**
 * Storage (blobs): `POST /blobs`, `PUT|POST /blobs/{id}/complete`,
 * `GET /blobs/{id}`, `GET /blobs/{uid}.json`, downloads (`GET /blobs/{uid}`, `/blobs/{uid}/download`),
 * `GET /blobs` and `DELETE /blobs/{id}` (rest-api.md §6, official-sdk.md §6). The upload target the grants
 * point at is `Upload.ts`.
 *
 * Choices where the reference has gaps (rest-api.md §9):
 * - creating a blob needs a user session (an application session gets 403 "Forbidden. Need user.");
 * - `blob_object_access.params` points at this emulator (`http://<host>/cb-shared-s3?...`, `Upload.ts`);
 * - `complete` is strict: the size must match the bytes uploaded (422 otherwise), so an SDK that
 *   completes without uploading, or declares the wrong size, is caught here;
 * - downloads answer the bytes directly (200, the stored content type), not a redirect, on the origin of
 *   the web UI and the control API: so never sniffed and, as a document, sandboxed (no script). A public blob
 *   needs no token. A private one takes `CB-Token` or `?token=`: none → 401 `{"errors":["Token is
 *   required"]}`, unknown/expired → 401 "Required session does not exist", a session of another
 *   application → 403. Unknown uid, or a blob not completed yet → 404;
 * - `GET /blobs/{uid}.json` (the official SDK's `getFile`) answers the blob's JSON, `GET /blobs/{uid}`
 *   (no `.json`) its bytes; a numeric key is always an id (uids are never all digits);
 * - `GET /blobs/{id}` and `GET /blobs/{uid}.json` take any session of the blob's application;
 *   `complete` and `DELETE` only the owner's (someone else's blob → 403);
 * - `GET /blobs` lists the caller's blobs, completed or not, oldest first (`page` or `current_page`,
 *   `per_page` 1..100, default 10).
 *
 * @since 0.1.0
 */
import * as Blob from "@connectycube-effect/core/Blob"
import * as Paging from "@connectycube-effect/core/Paging"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Stream from "effect/Stream"
import { ApiError, Errors } from "../ApiError.js"
import * as Auth from "../Auth.js"
import * as Http from "../Http.js"
import { toInt } from "../internal/Params.js"
import * as UserContent from "../internal/UserContent.js"
import * as Route from "../Route.js"
import * as Apps from "../store/Apps.js"
import * as BlobBytes from "../store/BlobBytes.js"
import * as Blobs from "../store/Blobs.js"
import * as Grants from "../store/Grants.js"
import { UPLOAD_PATH } from "./Upload.js"

/**
 * The body of `POST /blobs` (for the OpenAPI document; the handler reads it leniently).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateBlobBody = Schema.Struct({
  blob: Schema.Struct({
    name: Schema.String,
    content_type: Schema.String,
    public: Schema.optional(Schema.Union([Schema.Boolean, Schema.String]))
  })
})

/**
 * The body of `PUT /blobs/{id}/complete`: `{"size":N}` (JS SDK) or `{"blob":{"size":N}}` (docs, Flutter).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompleteBody = Schema.Struct({
  size: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  blob: Schema.optional(Schema.Struct({ size: Schema.Union([Schema.Number, Schema.String]) }))
})

const forbidden = () =>
  ApiError.base(403, "You don't have appropriate permissions to perform this operation")

/** Ids, sizes and page numbers here are never negative: `-1` reads as not a number. */
const toNatural = (u: unknown): number | undefined => {
  const n = toInt(u)
  return n !== undefined && n >= 0 ? n : undefined
}

const toBool = (u: unknown): boolean | undefined => {
  if (u === undefined || u === null || u === "") return false
  if (typeof u === "boolean") return u
  if (u === 1 || u === "1" || u === "true") return true
  if (u === 0 || u === "0" || u === "false") return false
  return undefined
}

const idParam = Effect.map(Http.pathParams, (p) => p.id ?? "")

/** A blob of the caller's application that the caller owns (404 unknown, 403 someone else's). */
const ownBlob = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const id = toNatural(yield* idParam)
  const row = id === undefined ? undefined : yield* Blobs.findById(caller.app_id, id)
  if (row === undefined) return yield* Effect.fail(Errors.notFound())
  if (row.user_id !== caller.user_id) return yield* Effect.fail(forbidden())
  return row
})

// ---------------------------------------------------------------------------
// POST /blobs
// ---------------------------------------------------------------------------

const createBlob = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const now = yield* Http.now
  const body = yield* Http.body
  const input = (body.blob !== null && typeof body.blob === "object" ? body.blob : {}) as Record<string, unknown>
  const name = typeof input.name === "string" ? input.name : undefined
  const contentType = typeof input.content_type === "string" ? input.content_type.trim() : undefined
  if (name === undefined || name.trim() === "") return yield* Effect.fail(Errors.blank("name"))
  if ([...name].length > 100) {
    return yield* Effect.fail(ApiError.fields(422, { name: ["is too long (maximum is 100 characters)"] }))
  }
  if (contentType === undefined || contentType === "") return yield* Effect.fail(Errors.blank("content_type"))
  if (!Blob.CONTENT_TYPE.test(contentType)) {
    return yield* Effect.fail(ApiError.fields(422, { content_type: ["is invalid"] }))
  }
  const isPublic = toBool(input.public)
  if (isPublic === undefined) return yield* Effect.fail(ApiError.fields(422, { public: ["is invalid"] }))
  const app = yield* Apps.find(caller.app_id)
  if (app === undefined) return yield* Effect.fail(Errors.unauthorized())
  const secret = yield* Grants.grantSecret
  const row = yield* Blobs.create({
    appId: caller.app_id,
    userId: caller.user_id!,
    name,
    contentType,
    isPublic,
    now
  })
  const fields = Grants.grantFields(row, secret, now)
  // From the Host the caller used (not `Http.publicUrl`): the target is for this caller, who may reach the
  // emulator by another name (a docker port mapping, the browser example); a false Host only misleads itself.
  const params = `${yield* Http.baseUrl}${UPLOAD_PATH}?` +
    fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")
  return Http.json({
    blob: Blobs.toJson(row, {
      id: row.id,
      blob_id: row.id,
      expires: Http.isoSeconds(now + Grants.GRANT_TTL_MS),
      object_access_type: "Write",
      params
    })
  }, 201)
})

// ---------------------------------------------------------------------------
// Complete, info, list, delete
// ---------------------------------------------------------------------------

const completeBlob = Effect.gen(function*() {
  const row = yield* ownBlob
  const now = yield* Http.now
  const body = yield* Http.body
  const nested = body.blob !== null && typeof body.blob === "object" ? (body.blob as Record<string, unknown>).size : undefined
  const raw = body.size ?? nested
  if (raw === undefined || raw === null || raw === "") return yield* Effect.fail(Errors.blank("size"))
  const size = toNatural(raw)
  if (size === undefined) return yield* Effect.fail(ApiError.fields(422, { size: ["is not a number"] }))
  if (row.uploaded_size === null) {
    return yield* Effect.fail(ApiError.base(422, "The file was not uploaded"))
  }
  if (size !== row.uploaded_size) {
    return yield* Effect.fail(
      ApiError.fields(422, { size: [`does not match the uploaded file (${row.uploaded_size} bytes)`] })
    )
  }
  yield* Blobs.complete(row.id, size, now)
  return Http.empty()
})

const listBlobs = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const params = yield* Http.params
  const page = Math.max(1, toNatural(params.page ?? params.current_page) ?? 1)
  const perPage = Math.min(100, Math.max(1, toNatural(params.per_page) ?? 10))
  const { rows, total } = yield* Blobs.listByUser(caller.app_id, caller.user_id!, page, perPage)
  return Http.json({
    current_page: page,
    per_page: perPage,
    total_entries: total,
    items: rows.map((row) => ({ blob: Blobs.toJson(row) }))
  })
})

const deleteBlob = Effect.gen(function*() {
  const row = yield* ownBlob
  yield* Blobs.remove(row)
  yield* BlobBytes.remove(row)
  return Http.empty()
})

// ---------------------------------------------------------------------------
// GET /blobs/{key}: info by id, info by uid (.json), or the bytes
// ---------------------------------------------------------------------------

const info = (
  find: (appId: number) => Effect.Effect<Blobs.BlobRow | undefined, SqlError.SqlError, SqlClient.SqlClient>
) =>
  Effect.gen(function*() {
    const caller = yield* Auth.requireSession
    const row = yield* find(caller.app_id)
    if (row === undefined) return yield* Effect.fail(Errors.notFound())
    return Http.json({ blob: Blobs.toJson(row) })
  })

/**
 * A blob's stored bytes as the response: the file streamed from disk, or the chunks from SQLite (with the uploaded
 * size as `Content-Length`). Used by the REST download and the console's blob content.
 *
 * @since 0.1.0
 * @category blobs
 */
export const bytesResponse = (
  bytes: BlobBytes.Bytes,
  row: Blobs.BlobRow,
  options: { readonly contentType: string; readonly headers: Readonly<Record<string, string>> }
) =>
  Effect.gen(function*() {
    if (bytes._tag === "File") {
      return yield* HttpServerResponse.file(bytes.path, options).pipe(Effect.mapError(() => Errors.notFound()))
    }
    const sql = yield* SqlClient.SqlClient
    return HttpServerResponse.stream(Stream.provideService(bytes.stream, SqlClient.SqlClient, sql), {
      ...options,
      ...(row.uploaded_size !== null ? { contentLength: row.uploaded_size } : {})
    })
  })

const download = (uid: string) =>
  Effect.gen(function*() {
    const row = yield* Blobs.findByUid(uid)
    if (row === undefined) return yield* Effect.fail(Errors.notFound())
    if (row.public !== 1) {
      const header = yield* Auth.token
      const query = yield* Http.query
      const token = header ?? (typeof query.token === "string" && query.token.trim() !== "" ? query.token : undefined)
      const session = yield* Auth.authenticate(token)
      if (session.app_id !== row.app_id) return yield* Effect.fail(forbidden())
    }
    if (row.blob_status !== "complete") return yield* Effect.fail(Errors.notFound())
    const bytes = yield* BlobBytes.readBytes(row)
    if (Option.isNone(bytes)) return yield* Effect.fail(Errors.notFound())
    // The bytes are served on the origin of the web UI and the control API: never a live document there
    // (UserContent.INERT), and only header values Node can send (a name or type it cannot ended the process).
    const contentType = UserContent.contentType(row.content_type)
    const headers = {
      ...UserContent.INERT,
      "content-disposition": `inline; ${UserContent.filenameParams(row.name)}`,
      "cache-control": row.public === 1 ? "public, max-age=3600" : "private, max-age=0"
    }
    return yield* bytesResponse(bytes.value, row, { contentType, headers })
  })

const getBlob = Effect.gen(function*() {
  const key = yield* idParam
  if (/^\d+$/.test(key)) return yield* info((appId) => Blobs.findById(appId, Number(key)))
  const request = yield* HttpServerRequest.HttpServerRequest
  const original = request.originalUrl.split("?")[0]!
  if (original.endsWith(".json")) {
    return yield* info((appId) =>
      Effect.map(Blobs.findByUid(key), (row) => (row !== undefined && row.app_id === appId ? row : undefined))
    )
  }
  return yield* download(key)
})

const getDownload = Effect.flatMap(idParam, download)

const BlobPage = Paging.PageV1("blob", Blob.Blob)

/**
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route.Route> = [
  Route.make({
    method: "POST",
    path: "/blobs",
    tag: "blobs",
    summary: "Create a blob and get its upload grant",
    description: "`blob_object_access.params` is the upload URL with every form field in its query.",
    auth: "user",
    request: { body: CreateBlobBody },
    response: { status: 201, body: Blob.BlobEnvelope },
    errors: [401, 403, 422],
    handler: createBlob
  }),
  Route.make({
    method: ["PUT", "POST"],
    path: "/blobs/:id/complete",
    tag: "blobs",
    summary: "Declare the upload complete: `{\"size\":N}` or `{\"blob\":{\"size\":N}}`",
    auth: "user",
    request: { body: CompleteBody },
    response: { status: 200, description: "empty body" },
    errors: [401, 403, 404, 422],
    handler: completeBlob
  }),
  Route.make({
    method: "GET",
    path: "/blobs",
    tag: "blobs",
    summary: "The current user's blobs, one page",
    auth: "user",
    request: {
      query: Schema.Struct({
        page: Schema.optional(Schema.String),
        current_page: Schema.optional(Schema.String),
        per_page: Schema.optional(Schema.String)
      })
    },
    response: { status: 200, body: BlobPage },
    errors: [401, 403],
    handler: listBlobs
  }),
  Route.make({
    method: "GET",
    path: "/blobs/:id",
    tag: "blobs",
    summary: "A numeric id or `{uid}.json`: the blob's JSON; `{uid}`: the file's bytes",
    description: "Private files take `CB-Token` or `?token=`; public files need none.",
    auth: "none",
    response: { status: 200, body: Blob.BlobEnvelope },
    errors: [401, 403, 404],
    handler: getBlob
  }),
  Route.make({
    method: "GET",
    path: "/blobs/:id/download",
    tag: "blobs",
    summary: "The file's bytes (by uid)",
    auth: "none",
    response: { status: 200, description: "the file, with its content type" },
    errors: [401, 403, 404],
    handler: getDownload
  }),
  Route.make({
    method: "DELETE",
    path: "/blobs/:id",
    tag: "blobs",
    summary: "Delete one of the current user's blobs",
    auth: "user",
    response: { status: 200, description: "empty body" },
    errors: [401, 403, 404],
    handler: deleteBlob
  })
]
