/**
 * An `HttpClient` for Node on undici's `Dispatcher.request`, lighter than `NodeHttpClient.layerUndici`.
 *
 * With a tracer installed it goes through the platform's `HttpClient.make` (the client span, trace headers);
 * without one (effect's own tracer records nothing anyone reads) it skips that wrapper. Either way responses
 * are lighter than the platform's: its undici response copies the headers on every read and memoises each body
 * read through `Effect.cached` plus a `runSync`. In test/bench the platform layer was about half of an SDK
 * call's own CPU time. Here the headers are copied once and a body read is one promise; interrupting a call
 * aborts its request, and `NodeHttpClient.UndiciOptions` in context reach undici, as with the platform's
 * client.
 *
 * Node only (it imports `@effect/platform-node`, an optional peer dependency): import it from its own path,
 * `@connectycube-effect/http/UndiciClient`, so browser bundles never see it.
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type * as Undici from "@effect/platform-node/Undici"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import type * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Transport from "./internal/transport.js"

type UndiciBody = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

interface Converted {
  readonly body: UndiciBody
  readonly headers: Headers.Headers
}

// Loaded only for a FormData body: undici 8 takes no FormData but its own (not Node's built-in one).
const loadUndici = Effect.promise(() => import("@effect/platform-node/Undici"))

const convertBody = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<Converted> => {
  const body: HttpBody.HttpBody = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed({ body: null, headers: request.headers })
    case "Uint8Array":
    case "Raw":
      return Effect.succeed({ body: body.body as Uint8Array, headers: request.headers })
    case "FormData":
      return Effect.map(loadUndici, (undici) => {
        const form = new undici.FormData()
        for (const [key, value] of body.formData) form.append(key, value)
        // undici writes the multipart content type with its boundary
        return { body: form, headers: Headers.remove(request.headers, "content-type") }
      })
    case "Stream":
      return Effect.map(NodeStream.toReadable(body.stream), (readable) => ({ body: readable, headers: request.headers }))
  }
}

/**
 * The smallest `signal` undici accepts ("an EventEmitter or EventTarget"): it registers one `abort` listener with
 * `once` and removes it with `removeListener` when the request settles. It has no `aborted` property on purpose:
 * undici 8 takes an object with one for an `AbortSignal` and hands it to Node's `addAbortListener`, which throws.
 */
class Abort {
  private done = false
  private listener: (() => void) | undefined
  on(_event: "abort", listener: () => void): this {
    this.listener = listener
    return this
  }
  once(event: "abort", listener: () => void): this {
    return this.on(event, listener)
  }
  removeListener(_event: "abort", listener: () => void): this {
    if (this.listener === listener) this.listener = undefined
    return this
  }
  abort(): void {
    if (this.done) return
    this.done = true
    const listener = this.listener
    this.listener = undefined
    listener?.()
  }
}

class Response extends Transport.Response {
  private body: Promise<unknown> | undefined

  constructor(
    request: HttpClientRequest.HttpClientRequest,
    readonly source: Undici.Dispatcher.ResponseData,
    url: string,
    release: (() => void) | undefined = undefined
  ) {
    super(request, url, Headers.fromInput(source.headers as Record<string, string | ReadonlyArray<string>>), release)
    source.body.on("error", Transport.ignore)
  }

  protected get transport(): string {
    return "UndiciClient"
  }

  get status(): number {
    return this.source.statusCode
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  /**
   * A body can be read once: the first read's promise answers every later one (as the platform's cache does).
   * Interrupting a read destroys the body, which releases the connection.
   */
  private read<A>(
    f: (body: Undici.Dispatcher.ResponseData["body"]) => Promise<A>
  ): Effect.Effect<A, HttpClientError.HttpClientError> {
    return Effect.callback<A, HttpClientError.HttpClientError>((resume) => {
      ;(this.body ??= f(this.source.body)).then(
        (value) => {
          this.release?.()
          resume(Effect.succeed(value as A))
        },
        (cause) => {
          this.release?.()
          resume(Effect.fail(this.decodeError(cause)))
        }
      )
      return Effect.sync(() => {
        this.release?.()
        this.source.body.destroy()
      })
    })
  }

  get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    return this.read((body) => body.text())
  }

  get json(): Effect.Effect<Schema.Json, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => text === "" ? null : JSON.parse(text) as Schema.Json,
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    return this.read((body) => body.arrayBuffer())
  }

  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    return this.read((body) => body.formData() as Promise<FormData>)
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> {
    return this.released(NodeStream.fromReadable({
      evaluate: () => this.source.body,
      onError: (cause) => this.decodeError(cause)
    }))
  }
}

/** The `NodeHttpClient.UndiciOptions` in the calling fiber's context (empty by default). */
const requestOptions = (fiber: Fiber.Fiber<unknown, unknown>): Partial<Undici.Dispatcher.RequestOptions> =>
  fiber.getRef(NodeHttpClient.UndiciOptions)

/**
 * The client over a dispatcher (an undici `Agent`, `Pool` or `MockAgent`).
 *
 * @example
 * ```ts
 * import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
 * import { Agent } from "@effect/platform-node/Undici"
 * import { Effect } from "effect"
 *
 * const client = UndiciClient.make(new Agent({ connections: 8 }))
 * const status = Effect.map(client.get("http://127.0.0.1:8090/session.json"), (response) => response.status)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient => {
  const options = (
    request: HttpClientRequest.HttpClientRequest,
    url: URL,
    signal: unknown,
    converted: Converted,
    extra: Partial<Undici.Dispatcher.RequestOptions>
  ): Undici.Dispatcher.RequestOptions => ({
    // the caller's `NodeHttpClient.UndiciOptions`, as NodeHttpClient.layerUndici takes them
    ...extra,
    signal: signal as Exclude<Undici.Dispatcher.RequestOptions["signal"], undefined>,
    method: request.method,
    headers: converted.headers,
    origin: url.origin,
    path: url.pathname + url.search + url.hash,
    body: converted.body,
    // the call's deadline is Effect's (CubeHttpClient), not undici's
    headersTimeout: 60 * 60 * 1000,
    bodyTimeout: 0
  })
  // With a tracer installed: the platform's `HttpClient.make` (the client span, trace headers, abort on interrupt).
  const traced = HttpClient.make((request, url, signal, fiber) =>
    Effect.flatMap(convertBody(request), (converted) =>
      Effect.tryPromise({
        try: () => dispatcher.request(options(request, url, signal, converted, requestOptions(fiber))),
        catch: (cause) => Transport.transportError(request, cause)
      })).pipe(Effect.map((source) => new Response(request, source, url.href.split("#")[0]!)))
  )

  // Without one, the same call without what only a span needs. Interruption aborts the request through an
  // `Abort` (an AbortController per call cost more than the rest of this function in test/bench).
  // With a deadline (CubeHttpClient's calls), a timer aborts the request at `deadline.at`, headers or body alike;
  // the response clears it once its body is read.
  const send: Transport.Send = (request, target, deadline) =>
    Effect.withFiber((fiber) =>
      Effect.flatMap(convertBody(request), (converted) =>
        Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
          const abort = new Abort()
          let settled = false
          let timer: ReturnType<typeof setTimeout> | undefined
          const release = () => {
            if (timer !== undefined) clearTimeout(timer)
            timer = undefined
          }
          const fail = (cause: unknown) => {
            if (settled) return
            settled = true
            resume(Effect.fail(Transport.transportError(request, cause)))
          }
          if (deadline !== undefined) {
            timer = Transport.armDeadline(deadline, () => {
              timer = undefined
              deadline.expired = true
              abort.abort()
              // undici aborts a request still queued or connecting only once it reaches a socket: answer now
              fail(new Error("the call's deadline passed"))
            })
          }
          try {
            dispatcher.request(options(request, target, abort, converted, requestOptions(fiber))).then(
              (source) => {
                if (settled) return source.body.destroy()
                settled = true
                resume(Effect.succeed(new Response(request, source, target.href.split("#")[0]!, deadline && release)))
              },
              (cause) => {
                release()
                fail(cause)
              }
            )
          } catch (cause) {
            release()
            fail(cause)
          }
          return Effect.sync(() => {
            release()
            abort.abort()
          })
        })
      )
    )

  return Transport.makeClient(traced, send)
}

/**
 * The client on the `NodeHttpClient.Dispatcher` in context.
 *
 * @example
 * ```ts
 * import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Layer } from "effect"
 *
 * // share the process-wide undici dispatcher instead of a new Agent
 * const HttpLive = UndiciClient.layerWithoutDispatcher.pipe(Layer.provide(NodeHttpClient.dispatcherLayerGlobal))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutDispatcher: Layer.Layer<HttpClient.HttpClient, never, NodeHttpClient.Dispatcher> = Layer
  .effect(HttpClient.HttpClient, Effect.map(Effect.service(NodeHttpClient.Dispatcher), make))

/**
 * The client on its own undici `Agent` (closed with the layer): a drop-in for `NodeHttpClient.layerUndici`.
 *
 * @example
 * ```ts
 * import { Cube } from "@connectycube-effect/http"
 * import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
 * import { Users } from "@connectycube-effect/users"
 * import { Layer } from "effect"
 *
 * const CubeLive = Users.layer.pipe(
 *   Layer.provideMerge(Cube.layer({ appId: 1, authKey: "key" })),
 *   Layer.provide(UndiciClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.provide(layerWithoutDispatcher, NodeHttpClient.layerDispatcher)
