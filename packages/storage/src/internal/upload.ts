/**
 * The streamed upload of `Storage.createAndUpload` (its step 2): the file as a byte stream counted against its
 * declared size, progress as the bytes go out, and the `multipart/form-data` POST to the presigned target, as a
 * stream (`Content-Length` known up front) or one `Blob` (browsers).
 *
 * @internal
 */
import * as Errors from "@connectycube-effect/core/Errors"
import * as CubeHttpClient from "@connectycube-effect/http/CubeHttpClient"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpBody from "effect/http/HttpBody"
import type * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import { multipart, type UploadTarget } from "./multipart.js"
import { failResponse } from "./response.js"

/**
 * How much of a `Uint8Array` goes out per chunk (progress granularity).
 * @internal
 */
export const CHUNK_SIZE = 64 * 1024

/**
 * Browsers' fetch cannot stream a request body over HTTP/1.1; server runtimes can.
 * @internal
 */
export const defaultUploadBody: "stream" | "blob" =
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === "string"
    ? "stream"
    : "blob"

/**
 * A checked `createAndUpload` input: the file as the upload reads it.
 * @internal
 */
export interface Validated<E> {
  readonly name: string
  readonly type: string
  readonly size: number
  readonly isPublic: boolean
  readonly source: Stream.Stream<Uint8Array, E | Errors.TransportError>
  /** The file as a ready body part (a `Blob` or bytes); `undefined` for a stream. */
  readonly inMemory: globalThis.Blob | Uint8Array | undefined
}

/** @internal */
export const isWebBlob = (u: unknown): u is globalThis.Blob =>
  typeof globalThis.Blob === "function" && u instanceof globalThis.Blob

/**
 * A `Blob`/`File` as a byte stream; a read failure is a `TransportError` (`SourceError`).
 * @internal
 */
export const blobSource = (blob: globalThis.Blob): Stream.Stream<Uint8Array, Errors.TransportError> =>
  Stream.fromReadableStream({
    evaluate: () => blob.stream(),
    onError: (cause) =>
      new Errors.TransportError({
        reason: "SourceError",
        description: `reading the file failed: ${cause instanceof Error ? cause.message : String(cause)}`
      })
  })

// a loop rather than Effect.all, which only this would bring to the bundle
const makeBoundary = Effect.gen(function*() {
  let hex = ""
  for (let i = 0; i < 4; i++) {
    hex += (yield* Random.nextIntBetween(0, 0x10000, { halfOpen: true })).toString(16).padStart(4, "0")
  }
  return `----CubeEffectBoundary${hex}`
})

/**
 * Step 2 of `createAndUpload`, over `http` (the plain client, not the API's: no CB-* header, the target may be a
 * third party): the multipart POST of `input` to the presigned target. `layerFetch` is the `Fetch` seen when the
 * Storage layer was built.
 *
 * @internal
 */
export const make = (http: HttpClient.HttpClient, layerFetch: typeof globalThis.fetch | undefined) =>
<E>(
  target: UploadTarget,
  input: Validated<E>,
  onProgress: ((progress: { readonly sent: number; readonly total: number }) => void) | undefined,
  timeout: Duration.Input | undefined,
  mode: "stream" | "blob"
): Effect.Effect<void, Errors.CubeError | E> =>
  Effect.gen(function*() {
    const info: Errors.RequestInfo = { method: "POST", path: new URL(target.url).pathname }
    const total = input.size
    const body = multipart({
      boundary: yield* makeBoundary,
      fields: target.fields,
      fileName: input.name,
      fileType: input.type,
      fileSize: total
    })
    // The transport turns a failing body into an opaque transport error; keep the real reason here.
    let sourceFailure: Option.Option<E | Errors.CubeError> = Option.none()
    const report = (sent: number) => onProgress === undefined ? Effect.void : Effect.sync(() => onProgress({ sent, total }))
    let sent = 0
    const mismatch = () => {
      const error = new Errors.InvalidInput({
        field: "size",
        reason: `declared ${total} bytes but the stream produced ${sent > total ? "more" : sent}`
      })
      sourceFailure = Option.some(error)
      return Effect.fail(error)
    }
    /**
     * The source, counted against the declared size; reports progress when `progress`. One pull per chunk:
     * `Stream.mapArrayEffect` and `Stream.concat` would bring Channel's concurrent merging (~3 KB gz) to every
     * program that uploads.
     */
    const counted = (progress: boolean) =>
      Stream.transformPull(input.source, (pull) =>
        Effect.succeed(Effect.flatMap(
          Effect.mapError(pull, (error) => {
            if (!Cause.isDone(error)) sourceFailure = Option.some(error)
            return error
          }),
          (chunk) => {
            for (const bytes of chunk) sent += bytes.byteLength
            if (sent > total) return mismatch()
            return progress ? Effect.as(report(sent), chunk) : Effect.succeed(chunk)
          }
        )))
    const complete = Effect.suspend(() => sent === total ? Effect.void : mismatch())

    let request = HttpClientRequest.post(target.url)
    let execute: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
    if (mode === "blob") {
      let file = input.inMemory
      if (file === undefined) {
        const parts: Array<BlobPart> = []
        sent = 0
        yield* Stream.runForEach(counted(false), (bytes) => Effect.sync(() => parts.push(bytes as BlobPart)))
        yield* complete
        file = new globalThis.Blob(parts)
      }
      const whole = new globalThis.Blob([body.preamble, file, body.epilogue] as Array<BlobPart>)
      request = HttpClientRequest.setBody(
        request,
        HttpBody.raw(whole, { contentType: body.contentType, contentLength: body.contentLength })
      )
      execute = Effect.andThen(report(0), http.execute(request))
    } else {
      // preamble, the counted file, epilogue; `sent` starts over each time the body is read
      const stream = Stream.transformPull(counted(true), (pull) =>
        Effect.sync(() => {
          sent = 0
          let stage: "preamble" | "file" | "done" = "preamble"
          return Effect.suspend((): Pull.Pull<readonly [Uint8Array, ...Array<Uint8Array>], E | Errors.CubeError> => {
            if (stage === "preamble") {
              stage = "file"
              return Effect.as(report(0), [body.preamble] as const)
            }
            if (stage === "done") return Cause.done()
            return Pull.catchDone(pull, () => {
              stage = "done"
              return Effect.as(complete, [body.epilogue] as const)
            })
          })
        }))
      request = HttpClientRequest.bodyStream(request, stream, {
        contentType: body.contentType,
        contentLength: body.contentLength
      })
      // FetchHttpClient drops Content-Length, so fetch sends the stream chunked, which S3 refuses (411 for a
      // POST without a length). Put the header back for this request by wrapping the fetch it will use (the
      // caller's, else the one seen when the layer was built, else the global); other clients ignore this.
      const fetch = Context.getOrUndefined(yield* Effect.context(), FetchHttpClient.Fetch) ?? layerFetch ??
        globalThis.fetch
      const withLength: typeof globalThis.fetch = (url, init) =>
        fetch(url, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), "content-length": String(body.contentLength) }
        })
      execute = Effect.provideService(http.execute(request), FetchHttpClient.Fetch, withLength)
    }
    const send = execute.pipe(
      Effect.catch((error) =>
        Effect.fail<E | Errors.CubeError>(Option.getOrElse(sourceFailure, () => CubeHttpClient.transportError(error, info)))
      ),
      Effect.flatMap((response) =>
        response.status >= 200 && response.status < 300
          ? Effect.catch(Effect.asVoid(response.text), () => Effect.void)
          : failResponse(response, info)
      ),
      Effect.tap(mode === "blob" ? report(total) : Effect.void)
    )
    if (timeout === undefined) return yield* send
    return yield* Effect.timeoutOrElse(send, {
      duration: timeout,
      orElse: () => Effect.fail(new Errors.Timeout({ timeoutMs: Duration.toMillis(timeout), request: info }))
    })
  })
