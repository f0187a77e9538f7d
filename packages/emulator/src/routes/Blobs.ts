/**
 * Storage (blobs): `POST /blobs`, the S3-style upload target, `PUT|POST /blobs/{id}/complete`,
 * `GET /blobs/{id}`, `GET /blobs/{uid}.json`, downloads (`GET /blobs/{uid}`, `/blobs/{uid}/download`),
 * `GET /blobs` and `DELETE /blobs/{id}` (rest-api.md §6, official-sdk.md §6).
 *
 * Choices where the reference has gaps (rest-api.md §9):
 * - creating a blob needs a user session (an application session gets 403 "Forbidden. Need user.");
 * - `blob_object_access.params` points at this emulator (`http://<host>/cb-shared-s3?...`); the upload
 *   target checks the policy and signature it issued, takes the request with or without `CB-Token`,
 *   streams the file to storage (at most 100 MB) and answers S3's `201 <PostResponse>`; its errors are
 *   S3's XML `<Error>` bodies (403 `AccessDenied`/`SignatureDoesNotMatch`, 400 `EntityTooLarge`, ...);
 * - `complete` is strict: the size must match the bytes uploaded (422 otherwise), so an SDK that
 *   completes without uploading, or declares the wrong size, is caught here;
 * - downloads answer the bytes directly (200, the stored content type), not a redirect. A public blob
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
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Multipart from "effect/http/Multipart"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import * as Auth from "../Auth.js"
import * as Http from "../Http.js"
import { toInt } from "../internal/Params.js"
import * as Route from "../Route.js"
import * as Apps from "../store/Apps.js"
import * as Blobs from "../store/Blobs.js"

/**
 * The path of the upload target (`blob_object_access.params` points here).
 *
 * @since 0.1.0
 * @category constants
 */
export const UPLOAD_PATH = `/${Blobs.BUCKET}` as const

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
  Http.ApiError.base(403, "You don't have appropriate permissions to perform this operation")

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
  if (row === undefined) return yield* Effect.fail(Http.Errors.notFound())
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
  if (name === undefined || name.trim() === "") return yield* Effect.fail(Http.Errors.blank("name"))
  if ([...name].length > 100) {
    return yield* Effect.fail(Http.ApiError.fields(422, { name: ["is too long (maximum is 100 characters)"] }))
  }
  if (contentType === undefined || contentType === "") return yield* Effect.fail(Http.Errors.blank("content_type"))
  if (!Blob.CONTENT_TYPE.test(contentType)) {
    return yield* Effect.fail(Http.ApiError.fields(422, { content_type: ["is invalid"] }))
  }
  const isPublic = toBool(input.public)
  if (isPublic === undefined) return yield* Effect.fail(Http.ApiError.fields(422, { public: ["is invalid"] }))
  const app = yield* Apps.find(caller.app_id)
  if (app === undefined) return yield* Effect.fail(Http.Errors.unauthorized())
  const secret = yield* Blobs.grantSecret
  const row = yield* Blobs.create({
    appId: caller.app_id,
    userId: caller.user_id!,
    name,
    contentType,
    isPublic,
    now
  })
  const fields = Blobs.grantFields(row, secret, now)
  const params = `${yield* Http.baseUrl}${UPLOAD_PATH}?` +
    fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")
  return Http.json({
    blob: Blobs.toJson(row, {
      id: row.id,
      blob_id: row.id,
      expires: Http.isoSeconds(now + Blobs.GRANT_TTL_MS),
      object_access_type: "Write",
      params
    })
  }, 201)
})

// ---------------------------------------------------------------------------
// The upload target (S3 browser POST)
// ---------------------------------------------------------------------------

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const XML_HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n`

interface S3Failure {
  readonly status: number
  readonly code: string
  readonly message: string
  /** Answer at once and close the connection instead of reading the rest of the body. */
  readonly close?: boolean
}

const s3Error = (failure: S3Failure, requestId: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(
    `${XML_HEAD}<Error><Code>${failure.code}</Code><Message>${xmlEscape(failure.message)}</Message>` +
      `<RequestId>${requestId}</RequestId></Error>`,
    {
      status: failure.status,
      contentType: "application/xml",
      ...(failure.close === true ? { headers: { connection: "close" } } : {})
    }
  )

const tooLarge: S3Failure = {
  status: 400,
  code: "EntityTooLarge",
  message: `Your proposed upload exceeds the maximum allowed size (${Blobs.MAX_SIZE} bytes).`,
  close: true
}

const internalFailure: S3Failure = {
  status: 500,
  code: "InternalError",
  message: "The emulator could not store the file."
}

/** Room for the form fields around the file. */
const FORM_OVERHEAD = 1024 * 1024

const malformed: S3Failure = {
  status: 400,
  code: "MalformedPOSTRequest",
  message: "The body of your POST request is not well-formed multipart/form-data.",
  close: true
}

const incompleteBody: S3Failure = {
  status: 400,
  code: "IncompleteBody",
  message: "The request body ended before the file did.",
  close: true
}

const isSizeLimit = (error: Multipart.MultipartError) =>
  error.reason._tag === "FileTooLarge" || error.reason._tag === "BodyTooLarge"

type Outcome =
  | { readonly _tag: "Failed"; readonly failure: S3Failure }
  | { readonly _tag: "Stored"; readonly row: Blobs.BlobRow; readonly etag: string }

const upload = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const now = yield* Http.now
  const requestId = Crypto.randomBytes(8).toString("hex").toUpperCase()
  const declared = Number(request.headers["content-length"] ?? "NaN")
  if (Number.isFinite(declared) && declared > Blobs.MAX_SIZE + FORM_OVERHEAD) return s3Error(tooLarge, requestId)
  if (!(request.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data")) {
    return s3Error({
      status: 412,
      code: "PreconditionFailed",
      message: "Bucket POST must be of the enclosure-type multipart/form-data"
    }, requestId)
  }

  const fields = new Map<string, string>()

  /** Checks the form collected so far against the grant; the blob to write to, or why not. */
  const authorize = Effect.gen(function*() {
    const key = fields.get("key")
    if (key === undefined || fields.get("policy") === undefined) {
      return yield* Effect.fail<S3Failure>({
        status: 400,
        code: "InvalidArgument",
        message: "Bucket POST must contain the fields 'key', 'policy' and 'x-amz-signature' before the file."
      })
    }
    // the signature first: without the emulator's secret nothing is learnt about the key
    const verdict = Blobs.verifyPolicy(fields, yield* Blobs.grantSecret, now)
    if (verdict._tag === "Denied") return yield* Effect.fail<S3Failure>({ status: 403, ...verdict.denial })
    const row = yield* Blobs.findByUid(key)
    const app = row === undefined ? undefined : yield* Apps.find(row.app_id)
    if (row === undefined || app === undefined) {
      return yield* Effect.fail<S3Failure>({ status: 403, code: "AccessDenied", message: "No upload grant for this key." })
    }
    if (row.blob_status === "complete") {
      return yield* Effect.fail<S3Failure>({ status: 403, code: "AccessDenied", message: "The blob is already complete." })
    }
    return { row, grant: verdict.grant }
  })

  const store = (
    content: Stream.Stream<Uint8Array, Multipart.MultipartError>
  ): Effect.Effect<Outcome, never, SqlClient.SqlClient | FileSystem.FileSystem> =>
    Effect.gen(function*() {
      const { grant, row } = yield* authorize
      const md5 = Crypto.createHash("md5")
      yield* Blobs.writeBytes(row, Stream.tap(content, (chunk) => Effect.sync(() => md5.update(chunk))), now, grant).pipe(
        Effect.mapError((failure): S3Failure =>
          failure._tag === "TooLarge"
            ? (grant.maxSize < Blobs.MAX_SIZE ? { ...tooLarge, message: `Your proposed upload exceeds the maximum allowed size (${grant.maxSize} bytes).` } : tooLarge)
            : failure._tag === "TooSmall"
            ? {
              status: 400,
              code: "EntityTooSmall",
              message: `Your proposed upload is smaller than the minimum allowed size (${grant.minSize} bytes).`
            }
            : failure._tag === "Source"
            ? (isSizeLimit(failure.error) ? tooLarge : incompleteBody)
            : internalFailure
        )
      )
      return { _tag: "Stored" as const, row, etag: md5.digest("hex") }
    }).pipe(
      Effect.mapError((error): S3Failure => ("status" in error ? error : internalFailure)),
      Effect.catch((failure) =>
        // Read and drop the rest of the file, so the client gets the answer rather than a reset.
        Effect.as(
          failure.close === true ? Effect.void : Effect.ignore(Stream.runDrain(content)),
          { _tag: "Failed" as const, failure }
        )
      )
    )

  // The parts one at a time, with one part of look-ahead (`confirmed`).
  const pull = yield* Stream.toPull(request.multipartStream)
  let ahead: Array<Multipart.Part> = []
  const next: Effect.Effect<Multipart.Part | undefined, Multipart.MultipartError> = Effect.suspend(() =>
    ahead.length > 0 ?
      Effect.succeed(ahead.shift()) :
      pull.pipe(
        Effect.map((parts) => {
          ahead = parts.slice(1)
          return parts[0]
        }),
        Pull.catchDone(() => Effect.succeed(undefined))
      )
  )
  // The parser ends a file part that it stops in (at a size limit, or a body cut short) as if it were
  // complete, and reports why only with the next part: the file's bytes count once that next part (or
  // the end of the form) has been read without error.
  const confirmed = Effect.flatMap(next, (part) =>
    Effect.sync(() => {
      if (part !== undefined) ahead.unshift(part)
    }))

  const readFile: Effect.Effect<Outcome | undefined, Multipart.MultipartError, SqlClient.SqlClient | FileSystem.FileSystem> = Effect.gen(function*() {
    for (;;) {
      const part = yield* next
      if (part === undefined) return undefined
      if (part._tag === "Field") {
        if (part.key !== "file") {
          fields.set(part.key, part.value)
          continue
        }
        // A file part that the parser took for a field (no filename, a text content type).
        return yield* store(Stream.make(new TextEncoder().encode(part.value)))
      }
      if (part.key !== "file") {
        yield* Stream.runDrain(part.content)
        continue
      }
      return yield* store(Stream.concat(part.content, Stream.fromEffectDrain(confirmed)))
    }
  })

  // S3 ignores everything after the file (but the form must still be well-formed and within the limits).
  const readRest: Effect.Effect<void, Multipart.MultipartError> = Effect.gen(function*() {
    for (;;) {
      const part = yield* next
      if (part === undefined) return
      if (part._tag === "File") yield* Stream.runDrain(part.content)
    }
  })

  const result = yield* readFile.pipe(
    Effect.catch((error) => Effect.succeed<Outcome>({ _tag: "Failed", failure: isSizeLimit(error) ? tooLarge : malformed })),
    Effect.flatMap((outcome) =>
      outcome === undefined || (outcome._tag === "Failed" && outcome.failure.close === true) ?
        Effect.succeed(outcome) :
        readRest.pipe(
          Effect.as(outcome),
          // A failure of the file itself is the answer; a stored file is not, when the form goes wrong after it.
          Effect.catch((error) =>
            Effect.succeed<Outcome>(
              outcome._tag === "Failed" ? outcome : { _tag: "Failed", failure: isSizeLimit(error) ? tooLarge : malformed }
            )
          )
        )
    )
  )
  if (result === undefined) {
    return s3Error(
      { status: 400, code: "InvalidArgument", message: "POST requires exactly one file upload per request." },
      requestId
    )
  }
  if (result._tag === "Failed") return s3Error(result.failure, requestId)
  const status = fields.get("success_action_status")
  if (status === "201") {
    const location = `${yield* Http.baseUrl}${UPLOAD_PATH}/${result.row.uid}`
    return HttpServerResponse.text(
      `${XML_HEAD}<PostResponse><Location>${xmlEscape(location)}</Location><Bucket>${Blobs.BUCKET}</Bucket>` +
        `<Key>${result.row.uid}</Key><ETag>"${result.etag}"</ETag></PostResponse>`,
      { status: 201, contentType: "application/xml", headers: { etag: `"${result.etag}"` } }
    )
  }
  return HttpServerResponse.empty({ status: status === "200" ? 200 : 204, headers: { etag: `"${result.etag}"` } })
}).pipe(
  // the parser reads its limits when the form stream starts
  Effect.provideService(Multipart.MaxFileSize, ByteSize.bytes(Blobs.MAX_SIZE)),
  Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(Blobs.MAX_SIZE + FORM_OVERHEAD)),
  Effect.scoped
)

// ---------------------------------------------------------------------------
// Complete, info, list, delete
// ---------------------------------------------------------------------------

const completeBlob = Effect.gen(function*() {
  const row = yield* ownBlob
  const now = yield* Http.now
  const body = yield* Http.body
  const nested = body.blob !== null && typeof body.blob === "object" ? (body.blob as Record<string, unknown>).size : undefined
  const raw = body.size ?? nested
  if (raw === undefined || raw === null || raw === "") return yield* Effect.fail(Http.Errors.blank("size"))
  const size = toNatural(raw)
  if (size === undefined) return yield* Effect.fail(Http.ApiError.fields(422, { size: ["is not a number"] }))
  if (row.uploaded_size === null) {
    return yield* Effect.fail(Http.ApiError.base(422, "The file was not uploaded"))
  }
  if (size !== row.uploaded_size) {
    return yield* Effect.fail(
      Http.ApiError.fields(422, { size: [`does not match the uploaded file (${row.uploaded_size} bytes)`] })
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
    if (row === undefined) return yield* Effect.fail(Http.Errors.notFound())
    return Http.json({ blob: Blobs.toJson(row) })
  })

const download = (uid: string) =>
  Effect.gen(function*() {
    const row = yield* Blobs.findByUid(uid)
    if (row === undefined) return yield* Effect.fail(Http.Errors.notFound())
    if (row.public !== 1) {
      const header = yield* Auth.token
      const query = yield* Http.query
      const token = header ?? (typeof query.token === "string" && query.token.trim() !== "" ? query.token : undefined)
      const session = yield* Auth.authenticate(token)
      if (session.app_id !== row.app_id) return yield* Effect.fail(forbidden())
    }
    if (row.blob_status !== "complete") return yield* Effect.fail(Http.Errors.notFound())
    const bytes = yield* Blobs.readBytes(row)
    if (Option.isNone(bytes)) return yield* Effect.fail(Http.Errors.notFound())
    const headers = {
      "content-disposition": `inline; filename="${row.name.replace(/["\r\n\\]/g, "_")}"`,
      "cache-control": row.public === 1 ? "public, max-age=3600" : "private, max-age=0"
    }
    if (bytes.value._tag === "File") {
      return yield* HttpServerResponse.file(bytes.value.path, { contentType: row.content_type, headers }).pipe(
        Effect.mapError(() => Http.Errors.notFound())
      )
    }
    const sql = yield* SqlClient.SqlClient
    return HttpServerResponse.stream(Stream.provideService(bytes.value.stream, SqlClient.SqlClient, sql), {
      contentType: row.content_type,
      ...(row.uploaded_size !== null ? { contentLength: row.uploaded_size } : {}),
      headers
    })
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
    method: "POST",
    path: UPLOAD_PATH,
    tag: "blobs",
    summary: "Upload target (S3 browser POST): the grant's fields, then the file in field `file`",
    description: "multipart/form-data; answers S3's XML (`201 <PostResponse>` or `<Error>`). At most 100 MB.",
    auth: "none",
    response: { status: 201, description: "S3 `<PostResponse>` XML" },
    errors: [400, 403, 412],
    handler: upload
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
