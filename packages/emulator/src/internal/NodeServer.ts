/**
 * Serves an HttpApp on a `node:http` server with one fiber per request and nothing else around it.
 *
 * Why not `NodeHttpServer.serve`: its per-request wrapper (a request scope, the tracer middleware,
 * pre-response handlers, an error handler, and a fiber that waits for the socket write to finish) cost
 * about as much as a whole getV2 answer. The emulator's app already turns every failure into a
 * response (`Server.makeApp`), so here a finished fiber's response is written straight from its
 * observer. `NodeHttpServer.make` still listens and closes the server.
 */
import { NodeHttpIncomingMessage } from "@effect/platform-node/NodeHttpIncomingMessage"
import * as NodeMultipart from "@effect/platform-node/NodeMultipart"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as FileSystem from "effect/FileSystem"
import * as Cookies from "effect/http/Cookies"
import type * as Headers from "effect/http/Headers"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import { ClientAbort, HttpServerError, RequestParseError } from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Multipart from "effect/http/Multipart"
import type * as Option from "effect/Option"
import type * as Path from "effect/Path"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"
import { STATUS_CODES } from "node:http"
import type { Duplex } from "node:stream"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"

/** A request over node's IncomingMessage, with the ServerResponse for `NodeHttpServerRequest.toServerResponse`. */
class NodeRequest extends NodeHttpIncomingMessage<HttpServerError> implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId]: typeof HttpServerRequest.TypeId = HttpServerRequest.TypeId
  /** `setServerHeaders`: name, value, name, value… */
  serverHeaders: ReadonlyArray<string> | undefined = undefined
  constructor(
    source: Http.IncomingMessage,
    readonly response: Http.ServerResponse,
    readonly url: string,
    private readonly headersOverride?: Headers.Headers | undefined,
    remoteAddressOverride?: Option.Option<string> | undefined,
    private readonly peerAddressOverride?: Option.Option<string> | undefined,
    readonly protocol: "http" | "https" | undefined = undefined
  ) {
    super(source, (cause) =>
      new HttpServerError({
        reason: new RequestParseError({
          request: this,
          reason: cause instanceof NodeStream.MaxBytesError ? "BodyTooLarge" : "Parse",
          cause
        })
      }), remoteAddressOverride)
  }
  get originalUrl() {
    return this.source.url!
  }
  get method() {
    return this.source.method!.toUpperCase()
  }
  // node's header record as is (lower-case names): the base class copies it on every read.
  override get headers(): Headers.Headers {
    return this.headersOverride ?? (this.source.headers as unknown as Headers.Headers)
  }
  get peerAddress(): Option.Option<string> {
    return this.peerAddressOverride ?? this.remoteAddress
  }
  get cookies() {
    return Cookies.parseHeader(this.headers.cookie ?? "")
  }
  get multipart(): Effect.Effect<Multipart.Persisted, Multipart.MultipartError, Scope.Scope | FileSystem.FileSystem | Path.Path> {
    return NodeMultipart.persisted(this.source, this.source.headers)
  }
  get multipartStream(): Stream.Stream<Multipart.Part, Multipart.MultipartError> {
    return NodeMultipart.stream(this.source, this.source.headers)
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpServerError> {
    return this.upgradeWith({})
  }
  upgradeWith(_options: { readonly headers?: Headers.Input | undefined }): Effect.Effect<Socket.Socket, HttpServerError> {
    return Effect.fail(
      new HttpServerError({ reason: new RequestParseError({ request: this, description: "not an upgradeable ServerRequest" }) })
    )
  }
  modify(
    options: {
      readonly url?: string
      readonly headers?: Headers.Headers
      readonly remoteAddress?: Option.Option<string>
      readonly peerAddress?: Option.Option<string>
      readonly protocol?: "http" | "https"
    }
  ): HttpServerRequest.HttpServerRequest {
    return new NodeRequest(
      this.source,
      this.response,
      options.url ?? this.url,
      options.headers ?? this.headersOverride,
      options.remoteAddress ?? this.remoteAddressOverride,
      options.peerAddress ?? this.peerAddressOverride,
      options.protocol ?? this.protocol
    )
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "HttpServerRequest", method: this.method, url: this.originalUrl })
  }
}

/**
 * Headers the app adds to every answer (CORS, `Date`): name, value, name, value… with lower-case names,
 * written in the one `writeHead` of the response (node stores nothing before it). A name the response sets
 * itself keeps the response's value. `false` when the request is not one of this server's (then the caller
 * sets them on the node response itself).
 */
export const setServerHeaders = (request: HttpServerRequest.HttpServerRequest, headers: ReadonlyArray<string>): boolean => {
  if (!(request instanceof NodeRequest)) return false
  request.serverHeaders = headers
  return true
}

/** The head of a response as node's flat header list: the server's headers, the response's own, its cookies. */
const headOf = (
  server: ReadonlyArray<string> | undefined,
  response: HttpServerResponse.HttpServerResponse
): Array<string> => {
  const own = response.headers
  const head: Array<string> = []
  if (server !== undefined) {
    for (let i = 0; i < server.length; i += 2) {
      if (!(server[i]! in own)) head.push(server[i]!, server[i + 1]!)
    }
  }
  for (const name in own) head.push(name, own[name]!)
  if (!Cookies.isEmpty(response.cookies)) {
    for (const cookie of Cookies.toSetCookieHeaders(response.cookies)) head.push("set-cookie", cookie)
  }
  return head
}

/**
 * Writes a response. A body already in memory is written at once; a stream body is piped by an
 * effect (`undefined` otherwise).
 */
const write = (
  request: Http.IncomingMessage,
  out: Http.ServerResponse,
  server: ReadonlyArray<string> | undefined,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<void> | undefined => {
  if (out.writableEnded) return undefined
  // one writeHead with the whole head: node validates and serializes it once and keeps no header map
  if (response.statusText === undefined) out.writeHead(response.status, headOf(server, response))
  else out.writeHead(response.status, response.statusText, headOf(server, response))
  const body = response.body
  if (request.method === "HEAD" || body._tag === "Empty") {
    out.end()
    return undefined
  }
  switch (body._tag) {
    case "Uint8Array":
      // text as is: node writes the headers and a string body in one go
      out.end(body.text ?? body.body)
      return undefined
    case "Raw": {
      const raw = body.body
      if (raw instanceof Readable) {
        return Effect.catchCause(
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
          out.write(chunk) ? Effect.void : Effect.callback<void>((resume) => {
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

const INTERNAL_ERROR_BODY = JSON.stringify({ errors: ["Internal Server Error"] })

/**
 * The emulator's 500 (`{"errors":["Internal Server Error"]}`) in place of a response that could not be written;
 * the connection is destroyed when a head is already out. The server's headers (CORS, `Date`) stay; nothing of
 * the failed response's head is sent (a refused `writeHead` with a header list stores none of it).
 */
const writeInternalError = (
  request: Http.IncomingMessage,
  out: Http.ServerResponse,
  server: ReadonlyArray<string> | undefined
) => {
  if (out.writableEnded) return
  if (out.headersSent) {
    out.destroy()
    return
  }
  try {
    // none is stored unless something set headers on `out` before (a refused header list can leave those it took)
    for (const name of out.getHeaderNames()) out.removeHeader(name)
    out.writeHead(500, "Internal Server Error", [
      ...(server ?? []),
      "content-type",
      "application/json; charset=utf-8",
      "content-length",
      String(Buffer.byteLength(INTERNAL_ERROR_BODY))
    ])
    if (request.method === "HEAD") out.end()
    else out.end(INTERNAL_ERROR_BODY)
  } catch {
    out.destroy()
  }
}

/** What node's parser refused, as the emulator's JSON error (node's own answer has no body). */
const clientErrorAnswer = (code: string | undefined): readonly [number, string] => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return [431, "Request header fields too large: the request line and headers are limited to 16 KB"]
    case "HPE_REQUEST_TIMEOUT":
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [408, "Request timeout: the request was not received in time"]
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return [400, "Bad request: invalid Content-Length"]
    default:
      return [400, `Bad request: malformed HTTP (${code ?? "parse error"})`]
  }
}

/** The socket's response in progress, when node has one (its `_httpMessage`). */
interface ParserSocket extends Duplex {
  readonly _httpMessage?: { readonly headersSent?: boolean } | null
}

/**
 * Node's parser refused the bytes (a URL or header over its limits, a bad Content-Length, a timeout):
 * answer a JSON error as every other error, then close. Nothing is written over a response already
 * started on the socket.
 */
const onClientError = (error: Error & { readonly code?: string }, socket: ParserSocket) => {
  if (error.code === "ECONNRESET" || !socket.writable || socket._httpMessage?.headersSent === true) {
    socket.destroy()
    return
  }
  const [status, message] = clientErrorAnswer(error.code)
  const body = JSON.stringify({ errors: [message] })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Bad Request"}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}

/**
 * Serves `handle` on `server` until the scope closes. Each request's fiber starts with the context
 * `handle` built for it (no `Effect.provideService` around it); the effect must not fail (the app
 * answers its own errors). A fiber interrupted because the client went away writes nothing; `aborted`
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
    const context = yield* Effect.context<R>()
    const logError = (message: string, error: unknown) => {
      Effect.runForkWith(context)(Effect.logError(message, error))
    }
    const handler = (source: Http.IncomingMessage, out: Http.ServerResponse) => {
      let prepared: ReturnType<typeof handle>
      const request = new NodeRequest(source, out, source.url!)
      try {
        prepared = handle(request, context)
      } catch (error) {
        // the per-request preparation runs outside any fiber: a throw there is a 500, not a crashed process
        logError("emulator: preparing a request failed", error)
        return writeInternalError(source, out, undefined)
      }
      const fiber = Effect.runForkWith(prepared.context)(prepared.effect)
      const respond = (exit: Exit.Exit<HttpServerResponse.HttpServerResponse>) => {
        if (Exit.isSuccess(exit)) {
          // Node throws on a head it cannot send (a header value outside Latin-1 or with CR/LF, a bad name,
          // status or status text). Here, outside any fiber, that throw would end the process: a 500 instead.
          try {
            const streaming = write(source, out, request.serverHeaders, exit.value)
            if (streaming !== undefined) Effect.runForkWith(context)(streaming)
          } catch (error) {
            logError("emulator: the response could not be written", error)
            writeInternalError(source, out, request.serverHeaders)
          }
        } else if (!Cause.hasInterruptsOnly(exit.cause)) {
          writeInternalError(source, out, request.serverHeaders)
        } else {
          out.destroy()
        }
      }
      // Most answers are ready before runFork returns: then there is no fiber left to interrupt.
      const done = fiber.pollUnsafe()
      if (done !== undefined) return respond(done)
      fiber.addObserver(respond)
      out.on("close", () => {
        if (out.writableEnded) return
        prepared.aborted?.()
        fiber.interruptUnsafe(undefined, ClientAbort.annotation)
      })
    }
    server.on("request", handler)
    server.on("clientError", onClientError)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        server.off("request", handler)
        server.off("clientError", onClientError)
      })
    )
  })
