/**
 * What a route handler reads and answers: the request (its emulator-clock time, parsed query and body, path
 * parameters, headers, the base URL clients reached, the emulator's public URL) and the JSON responses. The rules behind them have
 * modules of their own: the error bodies in `ApiError.ts`, the Rails query parser in
 * `internal/RailsQuery.ts`, body reading in `internal/Body.ts`, date formats in `internal/Time.ts`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { type ApiError, fromParseError } from "./ApiError.js"
import * as Body from "./internal/Body.js"
import { parseQuery } from "./internal/RailsQuery.js"

// ---------------------------------------------------------------------------
// Per-request state
// ---------------------------------------------------------------------------

/**
 * What the server keeps for one request, provided per request. `now` is the emulator clock read once at
 * the start (so `Date`, timestamps and expiry agree). The rest is written while the request runs, which is
 * why it is a mutable record and not services:
 *
 * - `sessionExpiresAt`: the `CB-Token-ExpirationDate` of the answer. Authenticating slides the session, and
 *   the header goes on every answer after that, an error included, so it is kept beside the handler's result
 *   rather than in it; sign-in and sign-out routes change it (`setTokenExpiration`).
 * - `body`, `query`: the request's parsed body and query string, read once however often a handler asks.
 *
 * The caller's identity is not here: routes declared with `auth: "session" | "user"` get it as the
 * `Auth.Caller` service.
 *
 * @since 0.1.0
 * @category request state
 */
export interface RequestState {
  readonly now: number
  sessionExpiresAt: number | undefined
  body: Record<string, unknown> | undefined
  query: Record<string, unknown> | undefined
}

/**
 * @since 0.1.0
 * @category request state
 */
export const RequestState = Context.Service<RequestState>("@connectycube-effect/emulator/Http/RequestState")

/**
 * Sets (or, with `undefined`, removes) the `CB-Token-ExpirationDate` of the current answer: a route that
 * creates, upgrades, downgrades or ends the session it answers for.
 *
 * @since 0.1.0
 * @category request state
 */
export const setTokenExpiration = (expiresAt: number | undefined): Effect.Effect<void, never, RequestState> =>
  Effect.map(RequestState, (state) => {
    state.sessionExpiresAt = expiresAt
  })

/**
 * The emulator-clock time of the current request (Unix ms).
 *
 * @since 0.1.0
 * @category request state
 */
export const now: Effect.Effect<number, never, RequestState> = Effect.map(RequestState, (s) => s.now)

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/**
 * The content type of every API answer.
 *
 * @since 0.1.0
 * @category constants
 */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8"

/**
 * A JSON answer (`application/json; charset=utf-8`), 200 unless told.
 *
 * @since 0.1.0
 * @category responses
 */
export const json = (body: unknown, status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: JSON_CONTENT_TYPE })

/**
 * The empty 200 the server sends for DELETE /session, DELETE /login, DELETE /users/{id}, ...
 * (the SDKs read these as text).
 *
 * @since 0.1.0
 * @category responses
 */
export const empty = (status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text("", { status, contentType: JSON_CONTENT_TYPE })

/**
 * The answer for an `ApiError`.
 *
 * @since 0.1.0
 * @category responses
 */
export const errorResponse = (error: ApiError): HttpServerResponse.HttpServerResponse => {
  const response = json(error.body, error.status)
  return error.headers === undefined ? response : HttpServerResponse.setHeaders(response, error.headers)
}

// Time formatting lives in `internal/Time.ts` (the stores use it too); re-exported where it was always found.
export {
  /** @since 0.1.0 */
  formatExpiration,
  /** @since 0.1.0 */
  httpDate,
  /** @since 0.1.0 */
  isoMillis,
  /** @since 0.1.0 */
  isoSeconds
} from "./internal/Time.js"

// Reading list parameters is part of the Rails query rules; re-exported for route modules.
export {
  /** @since 0.1.0 */
  list
} from "./internal/RailsQuery.js"

// ---------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------

/**
 * The parsed query string of the current request (cached per request).
 *
 * @since 0.1.0
 * @category request
 */
export const query: Effect.Effect<Record<string, unknown>, never, HttpServerRequest.HttpServerRequest | RequestState> =
  Effect.flatMap(RequestState, (state) => {
    if (state.query !== undefined) return Effect.succeed(state.query)
    return Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
      const i = request.url.indexOf("?")
      state.query = i === -1 ? {} : parseQuery(request.url.slice(i + 1))
      return state.query
    })
  })

/**
 * The largest request body the API routes read, in bytes (per emulator; `bodyLimit` option).
 *
 * @since 0.1.0
 * @category request
 */
export class BodyLimit extends Context.Service<BodyLimit, number>()("@connectycube-effect/emulator/Http/BodyLimit") {}

/**
 * Reads the raw body of the current request, at most `limit` bytes: a larger `Content-Length` is
 * refused before reading, and a chunked body that grows past the limit is cut off (413 either way).
 *
 * @since 0.1.0
 * @category request
 */
export const rawBody = (limit: number): Effect.Effect<Buffer, ApiError, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => Body.raw(request, limit))

/**
 * The parsed body of the current request (cached per request), limited to the emulator's `bodyLimit`.
 *
 * @since 0.1.0
 * @category request
 */
export const body: Effect.Effect<
  Record<string, unknown>,
  ApiError,
  HttpServerRequest.HttpServerRequest | RequestState | BodyLimit
> = Effect.contextWith((context: Context.Context<HttpServerRequest.HttpServerRequest | RequestState | BodyLimit>) => {
  const state = Context.get(context, RequestState)
  if (state.body !== undefined) return Effect.succeed(state.body)
  const request = Context.get(context, HttpServerRequest.HttpServerRequest)
  const incoming = Body.incomingOf(request)
  const limit = Context.get(context, BodyLimit)
  const parse = (raw: Buffer): Effect.Effect<Record<string, unknown>, ApiError> => {
    const parsed = Body.parse(request.headers["content-type"] ?? "", raw)
    if (Result.isFailure(parsed)) return Effect.fail(parsed.failure)
    state.body = parsed.success
    return Effect.succeed(parsed.success)
  }
  // Most requests have no body (every GET): answered without an effect per step.
  const known = Body.known(incoming, limit)
  if (known === Body.NO_BODY) return parse(Body.EMPTY)
  return Effect.flatMap(known ?? Body.read(incoming, limit), parse)
})

/**
 * Query parameters merged over the body: GET routes read the query, and fall back to a body
 * (the docs' curl examples send GET params with `-d`).
 *
 * @since 0.1.0
 * @category request
 */
export const params: Effect.Effect<
  Record<string, unknown>,
  ApiError,
  HttpServerRequest.HttpServerRequest | RequestState | BodyLimit
> = Effect.map(Effect.zip(body, query), ([b, q]) => (Object.keys(b).length === 0 ? q : { ...b, ...q }))

/**
 * Decodes an unknown input with a Schema (every issue reported, unknown keys ignored), failing with
 * 422 field errors.
 *
 * @since 0.1.0
 * @category validation
 */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const run = Schema.decodeUnknownResult(schema, { errors: "all" })
  return (input: unknown): Effect.Effect<S["Type"], ApiError> => {
    const result = run(input)
    return Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(fromParseError(result.failure))
  }
}

/**
 * The body decoded with a Schema (422 with field errors when it does not match).
 *
 * @since 0.1.0
 * @category validation
 */
export const schemaBody = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const run = decode(schema)
  return Effect.flatMap(body, run)
}

/**
 * The route's path parameters (`/users/:id` → `{ id }`), with the `.json` suffix already removed.
 *
 * @since 0.1.0
 * @category request
 */
export { params as pathParams } from "effect/http/HttpRouter"

/**
 * A request header (lower-case name), `undefined` when absent.
 *
 * @since 0.1.0
 * @category request
 */
export const header = (name: string): Effect.Effect<string | undefined, never, HttpServerRequest.HttpServerRequest> =>
  Effect.map(HttpServerRequest.HttpServerRequest, (r) => r.headers[name.toLowerCase()])

/**
 * The emulator's base URL as the client reached it (`http://<Host header>`, `https://` over TLS), for URLs
 * handed back to that same client: the blob upload target (`blob_object_access.params`) and the upload's
 * `Location`. These follow the `Host` on purpose, so that a client that reaches the emulator through another
 * name (a docker port mapping, `localhost` vs `127.0.0.1`, the browser example) gets a URL it can reach; a
 * client that sends a false `Host` only misleads itself. Never use it for anything sent to someone else (a
 * mail): the `Host` is the client's word. Use `publicUrl` there.
 *
 * @since 0.1.0
 * @category request
 */
export const baseUrl: Effect.Effect<string, never, HttpServerRequest.HttpServerRequest> = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (r) =>
    `${(Body.incomingOf(r).socket as { readonly encrypted?: boolean }).encrypted === true ? "https" : "http"}://${
      r.headers.host ?? "127.0.0.1"
    }`
)

/**
 * The emulator's own address for links sent to a third party (the password-reset mail): the `publicUrl`
 * option (`--public-url`), else the URL it printed at start. Provided by the server; never the request's `Host`.
 *
 * @since 0.1.0
 * @category request
 */
export class PublicUrl extends Context.Service<PublicUrl, string>()("@connectycube-effect/emulator/Http/PublicUrl") {}

/**
 * The `PublicUrl` of the current emulator. Where no server provided one (a route run on its own), the
 * address the request's connection reached (the socket's local address and port): also never the `Host`.
 *
 * @since 0.1.0
 * @category request
 */
export const publicUrl: Effect.Effect<string, never, HttpServerRequest.HttpServerRequest> = Effect.flatMap(
  Effect.serviceOption(PublicUrl),
  (configured) =>
    Option.isSome(configured) ?
      Effect.succeed(configured.value) :
      Effect.map(HttpServerRequest.HttpServerRequest, (r) => {
        const socket = Body.incomingOf(r).socket as { readonly encrypted?: boolean; readonly localAddress?: string; readonly localPort?: number }
        const address = socket.localAddress ?? "127.0.0.1"
        return `${socket.encrypted === true ? "https" : "http"}://${address.includes(":") ? `[${address}]` : address}:${socket.localPort ?? 0}`
      })
)
