/**
 * Storage (blobs): upload a file in one call, read blob info, list, delete, and build download URLs.
 *
 * `createAndUpload` does the three steps the official SDK does: `POST /blobs` (create, with an upload grant),
 * a `multipart/form-data` POST of the file to the presigned target the grant names (S3 in production, the
 * emulator locally), then `PUT /blobs/{id}/complete`. The file is streamed: the SDK never holds a 100 MB
 * upload in memory, and progress is reported as the bytes go out (that step is `internal/upload.ts`).
 *
 * Which `HttpClient` to upload with, on Node: `NodeHttpClient.layerUndici` or `NodeHttpClient.layerNodeHttp` keep
 * a 50 MB upload to a few MB in flight. Node 20's built-in `fetch` (so `FetchHttpClient`) does not wait for
 * the socket while it sends a request body, and held the whole 50 MB (measured in `test/bench/upload.bench.ts`).
 *
 * @example
 * ```ts
 * import { Storage } from "@connectycube-effect/storage"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const storage = yield* Storage.Storage
 *   const blob = yield* storage.createAndUpload({
 *     name: "awesome.txt",
 *     file: new TextEncoder().encode("hello world"),
 *     type: "text/plain"
 *   })
 *   return yield* storage.privateUrl(blob.uid)
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as CoreBlob from "@connectycube-effect/core/Blob"
import * as Errors from "@connectycube-effect/core/Errors"
import * as Paging from "@connectycube-effect/core/Paging"
import * as PushStream from "@connectycube-effect/core/PushStream"
import * as Span from "@connectycube-effect/core/Span"
import * as CubeHttpClient from "@connectycube-effect/http/CubeHttpClient"
import * as Session from "@connectycube-effect/http/Session"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { cleanUp } from "./internal/cleanup.js"
import { chunked, parseTarget } from "./internal/multipart.js"
import { failResponse } from "./internal/response.js"
import * as Upload from "./internal/upload.js"

/**
 * Upload progress: file bytes handed to the transport so far, and the file's size. `sent` never decreases and the
 * last event has `sent === total`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  readonly sent: number
  readonly total: number
}

/**
 * The file to upload: a `Blob`/`File`, bytes (`Uint8Array`, Node `Buffer`, `ArrayBuffer`), or a byte stream.
 * A stream needs a declared `size` (the upload's `Content-Length` is computed up front).
 *
 * @since 0.1.0
 * @category models
 */
export type FileInput<E = never> = globalThis.Blob | Uint8Array | ArrayBuffer | Stream.Stream<Uint8Array, E>

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateAndUploadParams<E = never> {
  /** The file name (1 to 100 characters). */
  readonly name: string
  readonly file: FileInput<E>
  /** The content type, `type/subtype` (`image/jpeg`). */
  readonly type: string
  /** Bytes. Required for a stream; for a `Blob` or bytes, when given, it must match. */
  readonly size?: number | undefined
  /**
   * Readable without a token? Defaults to **false** (private), as the server does. The official JS SDK (4.x+)
   * silently defaults to `true`; pass `public: true` for the same behaviour.
   */
  readonly public?: boolean | undefined
  /** Called as the file goes out; see `Progress`. */
  readonly onProgress?: ((progress: Progress) => void) | undefined
  /**
   * Delete the created blob (best effort) when the upload or the complete step fails or is interrupted, so no
   * half-made blob is left behind. Default true.
   */
  readonly cleanup?: boolean | undefined
  /**
   * How the upload body is sent. `"stream"`: a byte stream with a computed `Content-Length`, never buffered,
   * progress as the bytes go out (the default where `process.versions.node` exists: Node, Bun, Deno).
   * `"blob"`: one `Blob` of the whole multipart body, for browsers, whose `fetch` cannot stream a request
   * body over HTTP/1.1; a `File` is still read from disk by the browser, but a stream input is collected in
   * memory first, and progress is only reported at the start and the end (the default elsewhere). `"blob"`
   * needs a fetch-based `HttpClient` (`FetchHttpClient`).
   */
  readonly uploadBody?: "stream" | "blob" | undefined
  /** A limit for the upload step alone. None by default: a large file on a slow link may take minutes; interrupt to cancel. */
  readonly uploadTimeout?: Duration.Input | undefined
}

/**
 * The events of `createAndUploadWithProgress`: progress, then one `Done` with the blob.
 *
 * @since 0.1.0
 * @category models
 */
export type UploadEvent = Data.TaggedEnum<{
  Progress: { readonly sent: number; readonly total: number }
  Done: { readonly blob: CoreBlob.Blob }
}>

/**
 * @since 0.1.0
 * @category constructors
 */
export const UploadEvent = Data.taggedEnum<UploadEvent>()

/**
 * @since 0.1.0
 * @category models
 */
export interface ListParams {
  /** 1-based page (default 1). */
  readonly page?: number | undefined
  /** 1 to 100 (default 10). */
  readonly per_page?: number | undefined
}

/**
 * `{ current_page, per_page, total_entries, items: [{ blob }] }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BlobPage = Paging.PageV1("blob", CoreBlob.Blob)

/**
 * @since 0.1.0
 * @category models
 */
export type BlobPage = Paging.PageV1<"blob", CoreBlob.Blob>

/**
 * @example
 * ```ts
 * import { Cube } from "@connectycube-effect/http"
 * import { Storage } from "@connectycube-effect/storage"
 * import { FetchHttpClient } from "effect/http"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const storage = yield* Storage.Storage
 *   const blob = yield* storage.createAndUpload({
 *     name: "awesome.txt",
 *     file: new TextEncoder().encode("hello world"),
 *     type: "text/plain" // private unless public: true
 *   })
 *   return yield* storage.privateUrl(blob.uid)
 * })
 *
 * const StorageLive = Storage.layer.pipe(
 *   Layer.provideMerge(Cube.layer({ appId: 1, authKey: "key", apiUrl: "http://127.0.0.1:8090" })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * Effect.runPromise(Effect.provide(program, StorageLive))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Storage extends Context.Service<Storage, Storage.Service>()("@connectycube-effect/storage/Storage") {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Storage {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /**
     * Creates the blob, uploads the file to the target the server grants, and declares it complete. Resolves to
     * the created blob with its `size` set (as the official SDK does). Interrupting aborts the upload; the
     * complete step is then never sent.
     */
    readonly createAndUpload: <E = never>(
      params: CreateAndUploadParams<E>
    ) => Effect.Effect<CoreBlob.Blob, Errors.CubeError | E>
    /** `createAndUpload` as a stream of `Progress` events ending with `Done`. Stopping the stream aborts the upload. */
    readonly createAndUploadWithProgress: <E = never>(
      params: CreateAndUploadParams<E>
    ) => Stream.Stream<UploadEvent, Errors.CubeError | E>
    /** `GET /blobs/{id}`. */
    readonly get: (id: number) => Effect.Effect<CoreBlob.Blob, Errors.CubeError>
    /** `GET /blobs/{uid}.json` (the official SDK's `getFile`). */
    readonly getByUid: (uid: string) => Effect.Effect<CoreBlob.Blob, Errors.CubeError>
    /** `GET /blobs`: the current user's blobs, one page. */
    readonly list: (params?: ListParams) => Effect.Effect<BlobPage, Errors.CubeError>
    /** Every blob of the current user, page after page. */
    readonly listAll: (perPage?: number) => Stream.Stream<CoreBlob.Blob, Errors.CubeError>
    /** `DELETE /blobs/{id}`. */
    readonly delete: (id: number) => Effect.Effect<void, Errors.CubeError>
    /**
     * `${apiUrl}/blobs/${uid}?token=${token}`, usable as `<img src>`. Fails with `InvalidInput` (field
     * `session`) when no session is held (the official SDK writes `token=undefined`).
     */
    readonly privateUrl: (uid: string) => Effect.Effect<string, Errors.InvalidInput>
    /** `${apiUrl}/blobs/${uid}`, for public blobs. */
    readonly publicUrl: (uid: string) => Effect.Effect<string, Errors.InvalidInput>
    /** The file's bytes (`GET /blobs/{uid}`, with the session token when one is held). */
    readonly download: (uid: string) => Effect.Effect<Uint8Array, Errors.CubeError>
    /** The file's bytes as a stream, for large files. */
    readonly downloadStream: (uid: string) => Stream.Stream<Uint8Array, Errors.CubeError>
  }
}

const invalid = (field: string, reason: string) => Effect.fail(new Errors.InvalidInput({ field, reason }))

/** Checks everything the server would reject (and what would make the upload lie about its length), sending nothing. */
const validate = <E>(params: CreateAndUploadParams<E>): Effect.Effect<Upload.Validated<E>, Errors.InvalidInput> =>
  Effect.suspend(() => {
    if (params === null || typeof params !== "object") return invalid("", "expected {name, file, type}")
    const { file, name, size, type } = params
    if (typeof name !== "string" || name.trim() === "") return invalid("name", "must be a non-empty string")
    if ([...name].length > 100) return invalid("name", "must be at most 100 characters")
    if (typeof type !== "string" || type.trim() === "") return invalid("type", "the content type is required")
    if (!CoreBlob.CONTENT_TYPE.test(type) || /[\r\n]/.test(type)) {
      return invalid("type", "must be a content type like image/jpeg")
    }
    if (params.public !== undefined && typeof params.public !== "boolean") return invalid("public", "must be a boolean")
    if (size !== undefined && (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)) {
      return invalid("size", "must be a non-negative integer number of bytes")
    }
    let actual: number
    let source: Stream.Stream<Uint8Array, E | Errors.TransportError>
    let inMemory: globalThis.Blob | Uint8Array | undefined
    if (Upload.isWebBlob(file)) {
      actual = file.size
      source = Upload.blobSource(file)
      inMemory = file
    } else if (file instanceof Uint8Array || file instanceof ArrayBuffer) {
      const bytes = file instanceof Uint8Array ? file : new Uint8Array(file)
      actual = bytes.byteLength
      source = chunked(bytes, Upload.CHUNK_SIZE)
      inMemory = bytes
    } else if (Stream.isStream(file)) {
      if (size === undefined) return invalid("size", "is required when the file is a stream")
      actual = size
      source = file as Stream.Stream<Uint8Array, E>
    } else {
      return invalid("file", "must be a Blob, a File, a Uint8Array, an ArrayBuffer or a byte Stream")
    }
    if (size !== undefined && size !== actual) return invalid("size", `declared ${size} bytes but the file has ${actual}`)
    if (actual > CoreBlob.MAX_SIZE) return invalid("size", `the file has ${actual} bytes; the limit is ${CoreBlob.MAX_SIZE} (100 MB)`)
    if (params.uploadBody !== undefined && params.uploadBody !== "stream" && params.uploadBody !== "blob") {
      return invalid("uploadBody", "must be \"stream\" or \"blob\"")
    }
    return Effect.succeed({ name, type, size: actual, isPublic: params.public ?? false, source, inMemory })
  })

const checkId = (id: number) =>
  typeof id === "number" && Number.isSafeInteger(id) && id > 0
    ? Effect.void
    : invalid("id", "must be a positive integer")

const checkUid = (uid: string) =>
  CoreBlob.isUid(uid) ? Effect.succeed(encodeURIComponent(uid)) : invalid("uid", CoreBlob.UID_REASON)

const transportError = CubeHttpClient.transportError

/**
 * Builds the service from the `Session` (API calls) and the `CubeHttpClient` (URLs, and the plain client the
 * upload goes through).
 *
 * @example
 * ```ts
 * import { Storage } from "@connectycube-effect/storage"
 * import { Layer } from "effect"
 *
 * // Storage.layer is this; build it yourself to wrap the service
 * const StorageLive = Layer.effect(Storage.Storage, Storage.make)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Storage.Service, never, Session.Session | CubeHttpClient.CubeHttpClient> = Effect.gen(
  function*() {
    const session = yield* Session.Session
    const cube = yield* CubeHttpClient.CubeHttpClient
    const apiUrl = cube.config.apiUrl
    const http = cube.httpClient
    // `Fetch` is a Reference (it always has a value): read what is actually stored, not its default
    const layerFetch = Context.getOrUndefined(yield* Effect.context(), FetchHttpClient.Fetch)

    const deleteBlob = (id: number) => Effect.asVoid(session.execute({ method: "DELETE", path: `blobs/${id}` }))

    /** Step 2: the multipart POST to the presigned target. */
    const upload = Upload.make(http, layerFetch)

    const createAndUpload = Span.fn("Storage.createAndUpload")(function*<E>(params: CreateAndUploadParams<E>) {
      const input = yield* validate(params)
      const { blob } = yield* session.request({
        method: "POST",
        path: "blobs",
        body: { blob: { name: input.name, content_type: input.type, public: input.isPublic } },
        retry: false
      }, CoreBlob.BlobEnvelope)
      const grant = blob.blob_object_access?.params
      const target = grant === undefined ? "the blob has no blob_object_access.params" : parseTarget(grant)
      const afterCreate = Effect.gen(function*() {
        if (typeof target === "string") {
          return yield* new Errors.DecodeError({
            status: 201,
            description: target,
            request: { method: "POST", path: "/blobs.json" }
          })
        }
        yield* upload(target, input, params.onProgress, params.uploadTimeout, params.uploadBody ?? Upload.defaultUploadBody)
        yield* session.execute({ method: "PUT", path: `blobs/${blob.id}/complete`, body: { size: input.size } })
      })
      yield* afterCreate.pipe(
        Effect.onExit((exit) =>
          Exit.isFailure(exit) && (params.cleanup ?? true)
            ? cleanUp(deleteBlob(blob.id))
            : Effect.void
        )
      )
      return new CoreBlob.Blob({ ...blob, size: input.size })
    }) as Storage.Service["createAndUpload"]

    const createAndUploadWithProgress = <E>(params: CreateAndUploadParams<E>) =>
      // PushStream: the callbacks of the transport become the stream of progress events.
      PushStream.make<UploadEvent, Errors.CubeError | E>((emit) =>
        Effect.map(
          // interruptible: registration runs uninterruptibly, so stopping the stream must not wait for the whole
          // upload instead of aborting it (a v4 fork is interruptible by default; this says so where it matters)
          Effect.forkDetach(Effect.interruptible(Effect.onExit(
            createAndUpload({
              ...params,
              onProgress: (progress) => {
                params.onProgress?.(progress)
                emit.single(UploadEvent.Progress(progress))
              }
            }),
            (exit) =>
              Effect.sync(() => {
                if (Exit.isSuccess(exit)) {
                  emit.single(UploadEvent.Done({ blob: exit.value }))
                  emit.end()
                } else emit.halt(exit.cause)
              })
          ))),
          (fiber) => Effect.asVoid(Fiber.interrupt(fiber))
        )
      )

    const get = Span.fn("Storage.get")(function*(id: number) {
      yield* checkId(id)
      return (yield* session.request({ method: "GET", path: `blobs/${id}` }, CoreBlob.BlobEnvelope)).blob
    })

    const getByUid = Span.fn("Storage.getByUid")(function*(uid: string) {
      const path = yield* checkUid(uid)
      return (yield* session.request({ method: "GET", path: `blobs/${path}` }, CoreBlob.BlobEnvelope)).blob
    })

    const list = Span.fn("Storage.list")(function*(params: ListParams = {}) {
      const page = params.page ?? 1
      const perPage = params.per_page ?? 10
      if (!Number.isSafeInteger(page) || page < 1) return yield* invalid("page", "must be a positive integer")
      if (!Number.isSafeInteger(perPage) || perPage < 1 || perPage > 100) {
        return yield* invalid("per_page", "must be an integer from 1 to 100")
      }
      return yield* session.request({ method: "GET", path: "blobs", query: { page, per_page: perPage } }, BlobPage)
    })

    const listAll = (perPage = 100) =>
      Paging.stream(1, (page: number) =>
        Effect.map(list({ page, per_page: perPage }), (result) => [
          result.items.map((item) => item.blob),
          result.items.length > 0 && page * result.per_page < result.total_entries ? page + 1 : undefined
        ] as const))

    const remove = Span.fn("Storage.delete")(function*(id: number) {
      yield* checkId(id)
      yield* deleteBlob(id)
    })

    const publicUrl = Span.fn("Storage.publicUrl")(function*(uid: string) {
      return `${apiUrl}/blobs/${yield* checkUid(uid)}`
    })

    const privateUrl = Span.fn("Storage.privateUrl")(function*(uid: string) {
      const path = yield* checkUid(uid)
      const token = yield* session.token
      if (Option.isNone(token)) return yield* invalid("session", "no session token is held; create a session first")
      return `${apiUrl}/blobs/${path}?token=${encodeURIComponent(Redacted.value(token.value))}`
    })

    /**
     * The download URL with the token in the query, not in a header: the server answers with a redirect to the
     * file's host, and a `CB-Token` header would follow the redirect there.
     */
    const fetchFile = (uid: string) =>
      Effect.gen(function*() {
        const path = yield* checkUid(uid)
        const token = yield* session.token
        const url = Option.match(token, {
          onNone: () => `${apiUrl}/blobs/${path}`,
          onSome: (t) => `${apiUrl}/blobs/${path}?token=${encodeURIComponent(Redacted.value(t))}`
        })
        const info: Errors.RequestInfo = { method: "GET", path: `/blobs/${path}` }
        const response = yield* http.execute(HttpClientRequest.get(url)).pipe(
          Effect.mapError((error) => transportError(error, info))
        )
        if (response.status < 200 || response.status >= 300) return yield* failResponse(response, info)
        return { response, info }
      })

    const download = Span.fn("Storage.download")(function*(uid: string) {
      const { info, response } = yield* fetchFile(uid)
      const buffer = yield* response.arrayBuffer.pipe(Effect.mapError((error) => transportError(error, info)))
      return new Uint8Array(buffer)
    })

    const downloadStream = (uid: string) =>
      Stream.unwrap(
        Effect.map(fetchFile(uid).pipe(Effect.withSpan("Storage.downloadStream")), ({ info, response }) =>
          Stream.mapError(response.stream, (error) => transportError(error, info)))
      )

    return Storage.of({
      createAndUpload,
      createAndUploadWithProgress,
      get,
      getByUid,
      list,
      listAll,
      delete: remove,
      privateUrl,
      publicUrl,
      download,
      downloadStream
    })
  }
)

/**
 * The layer. Needs `Session` and `CubeHttpClient`, which `Cube.layer` provides.
 *
 * @example
 * ```ts
 * import { Cube } from "@connectycube-effect/http"
 * import { Storage } from "@connectycube-effect/storage"
 * import { FetchHttpClient } from "effect/http"
 * import { Layer } from "effect"
 *
 * const StorageLive = Storage.layer.pipe(
 *   Layer.provideMerge(Cube.layer({ appId: 1, authKey: "key", apiUrl: "http://127.0.0.1:8090" })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Storage, never, Session.Session | CubeHttpClient.CubeHttpClient> = Layer.effect(
  Storage,
  make
)
