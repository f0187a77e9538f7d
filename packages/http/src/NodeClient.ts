/**
 * An `HttpClient` for Node on its built-in `node:http` / `node:https` (a keep-alive `Agent` each): nothing to
 * load but Node's own modules, and it works unchanged in any bundle (ES module or CommonJS), since Node's
 * built-ins are reached through `process.getBuiltinModule` (no `import`, no `require`).
 *
 * Built as `UndiciClient` is: without a tracer it skips the platform's `HttpClient.make` wrapper (the client
 * span, trace headers); the response headers are copied once, a body read is one promise, interrupting a call
 * destroys its request, and a call's deadline (`CubeHttpClient`'s timeout) is enforced by a timer rather than a
 * fiber. Request bodies: bytes, text, `Blob`, web or Node streams, `FormData` (encoded by Node's `Response`)
 * and Effect streams, the last ones piped with backpressure (an upload is never buffered whole).
 *
 * Node only, but it imports no Node module at load (importing it elsewhere is harmless), and it needs no
 * `@effect/platform-node`. It is the promise adapter's default transport in Node.
 *
 * @since 0.1.0
 */
import type * as NodeHttp from "node:http"
import type * as NodeHttps from "node:https"
import type * as NodeStream from "node:stream"
import type * as Fiber from "effect/Fiber"
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Transport from "./internal/transport.js"
import type { Deadline } from "./internal/untraced.js"

/**
 * Node's built-ins, reached without a module import: an ES module `import` of `node:http` evaluates its lazy
 * `WebSocket` exports (which load Node's internal undici), and a bundle may have no `require`.
 */
const builtin = <A>(name: string): () => A => {
  let module: A | undefined
  return () => module ??= (globalThis.process as unknown as { getBuiltinModule(id: string): A }).getBuiltinModule(name)
}
const nodeHttp = /* @__PURE__ */ builtin<typeof NodeHttp>("node:http")
const nodeHttps = /* @__PURE__ */ builtin<typeof NodeHttps>("node:https")
const nodeStream = /* @__PURE__ */ builtin<typeof NodeStream>("node:stream")

/**
 * The `http` and `https` agents a client sends through.
 *
 * @since 0.1.0
 * @category models
 */
export interface Agents {
  readonly http: NodeHttp.Agent
  readonly https: NodeHttps.Agent
}

const decoder = /* @__PURE__ */ new TextDecoder()

const HeadersProto: object = /* @__PURE__ */ Object.getPrototypeOf(Headers.empty)

/**
 * The headers, read once from Node's raw list as `Headers.fromInput` reads a list (names lowercased, repeated
 * ones joined with ", "), without Node's own `headers` object, which it builds on first read.
 */
const fromRaw = (raw: ReadonlyArray<string>): Headers.Headers => {
  const out: Record<string, string> = Object.create(HeadersProto)
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    out[key] = key in out ? `${out[key]}, ${value}` : value
  }
  return out as Headers.Headers
}

class Response extends Transport.Response {
  private body: Promise<Uint8Array> | undefined

  constructor(
    request: HttpClientRequest.HttpClientRequest,
    readonly source: NodeHttp.IncomingMessage,
    url: string,
    release: (() => void) | undefined = undefined
  ) {
    super(request, url, fromRaw(source.rawHeaders), release)
    source.on("error", Transport.ignore)
  }

  protected get transport(): string {
    return "NodeClient"
  }

  get status(): number {
    return this.source.statusCode!
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }

  get remoteAddress(): Option.Option<string> {
    return Option.fromNullishOr(this.source.socket?.remoteAddress)
  }

  /** The whole body, read once: the first read's promise answers every later one. */
  private bytes(): Promise<Uint8Array> {
    return this.body ??= new Promise<Uint8Array>((resolve, reject) => {
      const source = this.source
      const chunks: Array<Buffer> = []
      let length = 0
      source.on("data", (chunk: Buffer) => {
        chunks.push(chunk)
        length += chunk.length
      })
      source.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)))
      // a connection lost mid-body (a reset, the request destroyed by the deadline) destroys the body with an error
      source.on("error", reject)
    })
  }

  /** Interrupting a read destroys the body, which releases the connection. */
  private read<A>(f: (bytes: Uint8Array) => A): Effect.Effect<A, HttpClientError.HttpClientError> {
    return Effect.callback<A, HttpClientError.HttpClientError>((resume) => {
      this.bytes().then(
        (bytes) => {
          this.release?.()
          try {
            resume(Effect.succeed(f(bytes)))
          } catch (cause) {
            resume(Effect.fail(this.decodeError(cause)))
          }
        },
        (cause) => {
          this.release?.()
          resume(Effect.fail(this.decodeError(cause)))
        }
      )
      return Effect.sync(() => {
        this.release?.()
        this.source.destroy()
      })
    })
  }

  get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    return this.read((bytes) => decoder.decode(bytes))
  }

  get json(): Effect.Effect<Schema.Json, HttpClientError.HttpClientError> {
    return this.read((bytes) => {
      const text = decoder.decode(bytes)
      return text === "" ? null : JSON.parse(text) as Schema.Json
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    return this.read((bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  }

  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.arrayBuffer, (body) =>
      Effect.tryPromise({
        try: () => new globalThis.Response(body, { headers: this.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.HttpClientError> {
    return this.read((bytes) => UrlParams.fromInput(new URLSearchParams(decoder.decode(bytes))))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> {
    return this.released(
      Stream.fromAsyncIterable(this.source as AsyncIterable<Uint8Array>, (cause) => this.decodeError(cause))
    )
  }
}

const isNodeReadable = (body: unknown): body is NodeStream.Readable =>
  typeof body === "object" && body !== null && typeof (body as { pipe?: unknown }).pipe === "function"

/**
 * Sends the body; `fail` is called when sending it fails (the request is destroyed then).
 * `context` is the calling fiber's, for an Effect stream body.
 */
const sendBody = (
  req: NodeHttp.ClientRequest,
  body: HttpClientRequest.HttpClientRequest["body"],
  fiber: Fiber.Fiber<unknown, unknown> | undefined
): void => {
  const pipe = (source: NodeStream.Readable) => nodeStream().pipeline(source, req, Transport.ignore)
  switch (body._tag) {
    case "Empty":
      req.end()
      return
    case "Uint8Array":
      req.end(body.body)
      return
    case "Raw": {
      const raw: unknown = body.body
      if (typeof raw === "string" || raw instanceof Uint8Array) req.end(raw)
      else if (raw instanceof ArrayBuffer) req.end(new Uint8Array(raw))
      else if (raw instanceof globalThis.Blob) pipe(nodeStream().Readable.fromWeb(raw.stream() as never))
      else if (raw instanceof globalThis.ReadableStream) pipe(nodeStream().Readable.fromWeb(raw as never))
      else if (isNodeReadable(raw)) pipe(raw)
      else req.destroy(new TypeError("NodeClient cannot send a raw body of this type"))
      return
    }
    case "FormData": {
      // Node's `Response` writes the multipart body and its boundary, as a stream
      const encoded = new globalThis.Response(body.formData)
      req.setHeader("content-type", encoded.headers.get("content-type")!)
      req.removeHeader("content-length")
      pipe(nodeStream().Readable.fromWeb(encoded.body! as never))
      return
    }
    case "Stream": {
      // one chunk in flight at a time (a byte high-water mark): the upload is never buffered
      const iterable = Stream.toAsyncIterableWith(body.stream, fiber!.context)
      pipe(nodeStream().Readable.from(iterable, { objectMode: false, highWaterMark: 16 * 1024 }))
      return
    }
  }
}

/**
 * The client over a pair of agents.
 *
 * @example
 * ```ts
 * import * as NodeClient from "@connectycube-effect/http/NodeClient"
 * import { Effect } from "effect"
 * import * as Http from "node:http"
 * import * as Https from "node:https"
 *
 * const client = NodeClient.make({ http: new Http.Agent({ keepAlive: true }), https: new Https.Agent({ keepAlive: true }) })
 * const status = Effect.map(client.get("http://127.0.0.1:8090/session.json"), (response) => response.status)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (agents: Agents): HttpClient.HttpClient => {
  /** `fiber` is the caller's: an Effect stream body runs with its context. */
  const sendWith = (
    request: HttpClientRequest.HttpClientRequest,
    url: URL,
    deadline: Deadline | undefined,
    fiber: Fiber.Fiber<unknown, unknown> | undefined
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
    Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const release = () => {
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
      }
      const fail = (cause: unknown) => {
        if (settled) return
        settled = true
        release()
        resume(Effect.fail(Transport.transportError(request, cause)))
      }
      const https = url.protocol === "https:"
      const host = url.hostname
      let req: NodeHttp.ClientRequest
      try {
        req = (https ? nodeHttps() : nodeHttp()).request({
          agent: https ? agents.https : agents.http,
          protocol: url.protocol,
          hostname: host.startsWith("[") ? host.slice(1, -1) : host,
          port: url.port,
          path: url.pathname + url.search,
          method: request.method,
          headers: request.headers,
          auth: url.username !== "" || url.password !== ""
            ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
            : null
        })
      } catch (cause) {
        fail(cause)
        return
      }
      req.on("error", fail)
      req.on("response", (source: NodeHttp.IncomingMessage) => {
        if (settled) return source.destroy()
        settled = true
        resume(Effect.succeed(new Response(request, source, url.href.split("#")[0]!, deadline && release)))
      })
      if (deadline !== undefined) {
        timer = Transport.armDeadline(deadline, () => {
          timer = undefined
          deadline.expired = true
          const cause = new Error("the call's deadline passed")
          fail(cause)
          req.destroy(cause)
        })
      }
      sendBody(req, request.body, fiber)
      return Effect.sync(() => {
        release()
        settled = true
        req.destroy()
      })
    })

  const send: Transport.Send = (request, url, deadline) =>
    request.body._tag === "Stream"
      ? Effect.withFiber((fiber) => sendWith(request, url, deadline, fiber))
      : sendWith(request, url, deadline, undefined)

  // With a tracer installed: the platform's `HttpClient.make` (the client span, trace headers).
  const traced = HttpClient.make((request, url) => send(request, url, undefined))

  // Without one, the same call without what only a span needs.
  return Transport.makeClient(traced, send)
}

/**
 * Keep-alive `http` and `https` agents, destroyed (their sockets closed) with the scope.
 *
 * @example
 * ```ts
 * import * as NodeClient from "@connectycube-effect/http/NodeClient"
 * import { Effect } from "effect"
 *
 * const program = Effect.scoped(Effect.map(NodeClient.makeAgents({ maxSockets: 16 }), NodeClient.make))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAgents = (options?: NodeHttp.AgentOptions): Effect.Effect<Agents, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): Agents => ({
      http: new (nodeHttp().Agent)({ keepAlive: true, ...options }),
      https: new (nodeHttps().Agent)({ keepAlive: true, ...options })
    })),
    (agents) =>
      Effect.sync(() => {
        agents.http.destroy()
        agents.https.destroy()
      })
  )

/**
 * The client on its own keep-alive agents, given options (closed with the layer).
 *
 * @example
 * ```ts
 * import * as NodeClient from "@connectycube-effect/http/NodeClient"
 *
 * const HttpLive = NodeClient.layerOptions({ maxSockets: 16 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOptions = (options?: NodeHttp.AgentOptions): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(HttpClient.HttpClient, Effect.map(makeAgents(options), make))

/**
 * The client on its own keep-alive agents (closed with the layer): a drop-in for `UndiciClient.layer` that loads
 * nothing but Node's built-ins.
 *
 * @example
 * ```ts
 * import { Cube } from "@connectycube-effect/http"
 * import * as NodeClient from "@connectycube-effect/http/NodeClient"
 * import { Users } from "@connectycube-effect/users"
 * import { Layer } from "effect"
 *
 * const CubeLive = Users.layer.pipe(
 *   Layer.provideMerge(Cube.layer({ appId: 1, authKey: "key" })),
 *   Layer.provide(NodeClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = /* @__PURE__ */ layerOptions()
