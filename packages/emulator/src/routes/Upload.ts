/**
 * The upload target: the S3 browser-POST endpoint (`POST /cb-shared-s3`) that `blob_object_access.params`
 * points at (rest-api.md §6.1, official-sdk.md §6).
 *
 * Choices where the reference has gaps (rest-api.md §9): it checks the policy and signature the emulator
 * issued (`store/Grants.ts`), takes the request with or without `CB-Token`, streams the file to storage (at
 * most 100 MB) and answers S3's `201 <PostResponse>`; its errors are S3's XML `<Error>` bodies (403
 * `AccessDenied`/`SignatureDoesNotMatch`, 400 `EntityTooLarge`, `MalformedPOSTRequest`, ...), never the
 * API's JSON.
 *
 * @since 0.1.0
 */
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Multipart from "effect/http/Multipart"
import * as Pull from "effect/Pull"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import * as Http from "../Http.js"
import * as Route from "../Route.js"
import * as Apps from "../store/Apps.js"
import * as BlobBytes from "../store/BlobBytes.js"
import * as Blobs from "../store/Blobs.js"
import * as Grants from "../store/Grants.js"

/**
 * The path of the upload target (`blob_object_access.params` points here).
 *
 * @since 0.1.0
 * @category constants
 */
export const UPLOAD_PATH = `/${Grants.BUCKET}` as const

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
    const verdict = Grants.verifyPolicy(fields, yield* Grants.grantSecret, now)
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
      yield* BlobBytes.writeBytes(row, Stream.tap(content, (chunk) => Effect.sync(() => md5.update(chunk))), now, grant).pipe(
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
    // the uploader's own Host, as for the upload target in `POST /blobs`: an answer to it, not sent elsewhere
    const location = `${yield* Http.baseUrl}${UPLOAD_PATH}/${result.row.uid}`
    return HttpServerResponse.text(
      `${XML_HEAD}<PostResponse><Location>${xmlEscape(location)}</Location><Bucket>${Grants.BUCKET}</Bucket>` +
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

/**
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route.Route> = [
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
  })
]
