/**
 * Serves an HttpApp on a `node:http` server with one fiber per request and nothing else around it.
 *
 * Why not `NodeHttpServer.serve`: its per-request wrapper (a request scope, the tracer middleware,
 * pre-response handlers, an error handler, and a fiber that waits for the socket write to finish) cost
 * about as much as a whole getV2 answer. The emulator's app already turns every failure into a
 * response (`Server.makeApp`), so here a finished fiber's response is written straight from its
 * observer. `NodeHttpServer.make` still listens and closes the server.
 */
import * as Cookies from "@effect/platform/Cookies"
import type * as Headers from "@effect/platform/Headers"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as NodeMultipart from "@effect/platform-node/NodeMultipart"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"

/** A request over node's IncomingMessage, with the ServerResponse for `NodeHttpServerRequest.toServerResponse`. */
class NodeRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId]: HttpServerRequest.TypeId = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  constructor(
    readonly source: Http.IncomingMessage,
    readonly response: Http.ServerResponse,
    readonly url: string,
    private readonly headersOverride?: Headers.Headers | undefined,
    private readonly remoteAddressOverride?: string | undefined
  ) {
    super()
  }
  private get onError(): (cause: unknown) => HttpServerError.RequestError {
    return (cause) => new HttpServerError.RequestError({ request: this, reason: "Decode", cause })
  }
  get originalUrl() {
    return this.source.url!
  }
  get method() {
    return this.source.method!.toUpperCase() as HttpServerRequest.HttpServerRequest["method"]
  }
  get headers(): Headers.Headers {
    return this.headersOverride ?? (this.source.headers as Headers.Headers)
  }
  get remoteAddress() {
    return Option.fromNullable(this.remoteAddressOverride ?? this.source.socket.remoteAddress)
  }
  get cookies() {
    return Cookies.parseHeader(this.headers.cookie ?? "")
  }
  private textCached: Effect.Effect<string, HttpServerError.RequestError> | undefined
  get text(): Effect.Effect<string, HttpServerError.RequestError> {
    return this.textCached ??= Effect.runSync(Effect.cached(Effect.flatMap(
      HttpIncomingMessage.MaxBodySize,
      (max) => NodeStream.toString(() => this.source, { onFailure: this.onError, maxBytes: Option.getOrUndefined(max) })
    )))
  }
  get json(): Effect.Effect<unknown, HttpServerError.RequestError> {
    return Effect.tryMap(this.text, { try: (text) => text === "" ? null : JSON.parse(text) as unknown, catch: this.onError })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpServerError.RequestError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(text)), catch: this.onError }))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.RequestError> {
    return Effect.flatMap(HttpIncomingMessage.MaxBodySize, (max) =>
      Effect.map(
        NodeStream.toUint8Array(() => this.source, { onFailure: this.onError, maxBytes: Option.getOrUndefined(max) }),
        (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      ))
  }
  get stream() {
    return NodeStream.fromReadable<HttpServerError.RequestError>(() => this.source, this.onError)
  }
  get multipart() {
    return NodeMultipart.persisted(this.source, this.source.headers)
  }
  get multipartStream() {
    return NodeMultipart.stream(this.source, this.source.headers)
  }
  get upgrade(): HttpServerRequest.HttpServerRequest["upgrade"] {
    return Effect.fail(
      new HttpServerError.RequestError({ request: this, reason: "Decode", description: "not an upgradeable ServerRequest" })
    )
  }
  modify(
    options: { readonly url?: string; readonly headers?: Headers.Headers; readonly remoteAddress?: string }
  ): HttpServerRequest.HttpServerRequest {
    return new NodeRequest(
      this.source,
      this.response,
      options.url ?? this.url,
      options.headers ?? this.headersOverride,
      options.remoteAddress ?? this.remoteAddressOverride
    )
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "@effect/platform/HttpServerRequest", method: this.method, url: this.originalUrl })
  }
}

const headersOf = (response: HttpServerResponse.HttpServerResponse): Record<string, string | Array<string>> => {
  if (Cookies.isEmpty(response.cookies)) return response.headers
  const headers: Record<string, string | Array<string>> = { ...response.headers }
  const cookies = Cookies.toSetCookieHeaders(response.cookies)
  if (headers["set-cookie"] !== undefined) cookies.push(headers["set-cookie"] as string)
  headers["set-cookie"] = cookies
  return headers
}

/**
 * Writes a response. A body already in memory is written at once; a stream body is piped by an
 * effect (`undefined` otherwise).
 */
const write = (
  request: Http.IncomingMessage,
  out: Http.ServerResponse,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<void> | undefined => {
  if (out.writableEnded) return undefined
  if (response.statusText === undefined) out.writeHead(response.status, headersOf(response))
  else out.writeHead(response.status, response.statusText, headersOf(response))
  const body = response.body
  if (request.method === "HEAD" || body._tag === "Empty") {
    out.end()
    return undefined
  }
  switch (body._tag) {
    case "Uint8Array":
      out.end(body.body)
      return undefined
    case "Raw": {
      const raw = body.body as unknown
      if (raw instanceof Readable) {
        return Effect.catchAllCause(
          Effect.tryPromise((signal) => pipeline(raw, out, { signal, end: true })),
          () => Effect.sync(() => out.destroy())
        )
      }
      out.end(raw as string | Uint8Array)
      return undefined
    }
    case "Stream":
      return body.stream.pipe(
        Stream.runForEach((chunk) =>
          out.write(chunk) ? Effect.void : Effect.async<void>((resume) => {
            out.once("drain", () => resume(Effect.void))
          })
        ),
        Effect.matchCauseEffect({
          onSuccess: () => Effect.sync(() => out.end()),
          onFailure: () => Effect.sync(() => out.destroy())
        })
      )
    case "FormData":
      // No emulator route answers form data.
      out.destroy()
      return undefined
  }
}

/**
 * Serves `handle` on `server` until the scope closes. Each request's fiber starts with the context
 * `handle` built for it (no `Effect.provideService`/`locally` around it); the effect must not fail
 * (the app answers its own errors). A fiber interrupted because the client went away writes nothing; `aborted`
 * is told first.
 */
export const serve = <R>(
  server: Http.Server,
  handle: (
    request: HttpServerRequest.HttpServerRequest,
    context: Context.Context<R>
  ) => {
    readonly context: Context.Context<never>
    readonly effect: Effect.Effect<HttpServerResponse.HttpServerResponse>
    readonly aborted?: (() => void) | undefined
  }
): Effect.Effect<void, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<R>()
    const handler = (source: Http.IncomingMessage, out: Http.ServerResponse) => {
      let prepared: ReturnType<typeof handle>
      try {
        prepared = handle(new NodeRequest(source, out, source.url!), runtime.context)
      } catch {
        // the per-request preparation runs outside any fiber: a throw there is a 500, not a crashed process
        out.writeHead(500)
        return out.end()
      }
      const fiber = Runtime.runFork(
        Runtime.make({ context: prepared.context, fiberRefs: runtime.fiberRefs, runtimeFlags: runtime.runtimeFlags }),
        prepared.effect
      )
      const respond = (exit: Exit.Exit<HttpServerResponse.HttpServerResponse>) => {
        if (Exit.isSuccess(exit)) {
          const streaming = write(source, out, exit.value)
          if (streaming !== undefined) Runtime.runFork(runtime, streaming)
        } else if (!Cause.isInterruptedOnly(exit.cause) && !out.headersSent) {
          out.writeHead(500)
          out.end()
        } else {
          out.destroy()
        }
      }
      // Most answers are ready before runFork returns: then there is no fiber left to interrupt.
      const done = fiber.unsafePoll()
      if (done !== null) return respond(done)
      fiber.addObserver(respond)
      out.on("close", () => {
        if (out.writableEnded) return
        prepared.aborted?.()
        fiber.unsafeInterruptAsFork(HttpServerError.clientAbortFiberId)
      })
    }
    server.on("request", handler)
    yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", handler)))
  })
