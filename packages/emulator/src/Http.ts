/**
 * Request/response helpers shared by every route module: the server's error shapes, JSON responses,
 * tolerant body parsing (JSON, form-urlencoded with bracket keys, a size limit) and Rails-style query
 * parsing (`id[in][]=1&id[in][]=2`, `id[in]=1,2`, `%20` and `+`).
 *
 * @since 0.1.0
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type { IncomingMessage } from "node:http"
import type { SessionRow } from "./store/Sessions.js"

// ---------------------------------------------------------------------------
// Errors in the server's shapes
// ---------------------------------------------------------------------------

/**
 * A failure that becomes an HTTP answer: `status` plus the exact JSON `body` the real server sends
 * (`{"errors":[...]}` or `{"errors":{"field":[...]}}`). Route handlers fail with this; the server
 * turns it into the response, so no handler ever builds an error response by hand.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
}> {
  /**
   * `{"errors":["msg", ...]}` (the array shape: "Token is required", "Invalid password", ...).
   *
   * @since 0.1.0
   */
  static messages(status: number, ...messages: ReadonlyArray<string>): ApiError {
    return new ApiError({ status, body: { errors: messages } })
  }
  /**
   * `{"errors":{"field":["msg"]}}` (the validation shape).
   *
   * @since 0.1.0
   */
  static fields(status: number, errors: Readonly<Record<string, ReadonlyArray<string>>>): ApiError {
    return new ApiError({ status, body: { errors } })
  }
  /**
   * `{"errors":{"base":["msg"]}}` (messages that belong to no field).
   *
   * @since 0.1.0
   */
  static base(status: number, message: string): ApiError {
    return new ApiError({ status, body: { errors: { base: [message] } } })
  }
}

/**
 * The error answers the real server is known to send (rest-api.md §7), in one place so every route
 * module uses the same text.
 *
 * @since 0.1.0
 * @category errors
 */
export const Errors = {
  /** 401 `{"errors":["Token is required"]}`: no (or an empty) `CB-Token`. */
  tokenRequired: () => ApiError.messages(401, "Token is required"),
  /** 401 `{"errors":{"base":["Required session does not exist"]}}`: unknown or expired token (the SDKs match on it). */
  sessionNotFound: () => ApiError.base(401, "Required session does not exist"),
  /** 403 `{"errors":{"base":["Forbidden. Need user."]}}`: an application session on a write route. */
  needUser: () => ApiError.base(403, "Forbidden. Need user."),
  /** 401 `{"errors":["Unauthorized"]}`: wrong application id / auth key. */
  unauthorized: () => ApiError.messages(401, "Unauthorized"),
  /** 401 `{"errors":["Invalid password"]}`. */
  invalidPassword: () => ApiError.messages(401, "Invalid password"),
  /** 404 `{"errors":["User not found"]}`. */
  userNotFound: () => ApiError.messages(404, "User not found"),
  /** 404 `{"errors":{"base":["Entity you are looking for was not found."]}}`: any missing entity. */
  notFound: () => ApiError.base(404, "Entity you are looking for was not found."),
  /** 422 `{"errors":["Unexpected signature"]}`. */
  unexpectedSignature: () => ApiError.messages(422, "Unexpected signature"),
  /** 404 `{"errors":["E_ROUTE_NOT_FOUND: Route not found GET /x"]}`. */
  routeNotFound: (method: string, path: string) =>
    ApiError.messages(404, `E_ROUTE_NOT_FOUND: Route not found ${method} ${path}`),
  /** 422 `{"errors":{"<field>":["cannot be blank"]}}`. */
  blank: (field: string) => ApiError.fields(422, { [field]: ["cannot be blank"] }),
  /** 400 for a body that is not valid JSON. */
  malformedJson: () => ApiError.messages(400, "Malformed JSON in request body"),
  /** 413 for a body over the configured limit. */
  tooLarge: (limit: number) => ApiError.messages(413, `Request body is larger than ${limit} bytes`),
  /** 400 for a body in an encoding the API does not take (the server's 4xx family, not 415). */
  unsupportedMediaType: (contentType: string) =>
    ApiError.messages(400, `Unsupported Content-Type: ${contentType}`)
} as const

// ---------------------------------------------------------------------------
// Per-request state
// ---------------------------------------------------------------------------

/**
 * Mutable state of one request, provided by the server for each request. `now` is the emulator
 * clock read once at the start (so `Date`, timestamps and expiry agree); `Auth` records the slid
 * session expiry so the server can add `CB-Token-ExpirationDate` to whatever the handler answers.
 *
 * @since 0.1.0
 * @category request state
 */
export interface RequestState {
  readonly now: number
  /** Request path without the query and without the `.json` suffix. */
  readonly path: string
  sessionExpiresAt: number | undefined
  /** The session this request was authenticated with (set by `Auth`). */
  session: SessionRow | undefined
  body: Record<string, unknown> | undefined
  query: Record<string, unknown> | undefined
}

/**
 * @since 0.1.0
 * @category request state
 */
export const RequestState = Context.Service<RequestState>("@connectycube-effect/emulator/Http/RequestState")

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

// ---------------------------------------------------------------------------
// Query strings and bracket keys
// ---------------------------------------------------------------------------

const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"])

const decodeComponent = (s: string): string => {
  const plus = s.includes("+") ? s.replace(/\+/g, " ") : s
  if (!plus.includes("%")) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    // A stray `%` is kept literally instead of failing the whole request.
    return plus
  }
}

/**
 * Splits `a[b][]` into `["a", "b", ""]`; a key without brackets is one segment.
 *
 * @since 0.1.0
 * @category query
 */
export const splitKey = (key: string): Array<string> => {
  const open = key.indexOf("[")
  if (open <= 0 || !key.endsWith("]")) return [key]
  const out = [key.slice(0, open)]
  const re = /\[([^\]]*)\]/g
  let m: RegExpExecArray | null
  let consumed = open
  while ((m = re.exec(key)) !== null) {
    if (m.index !== consumed) return [key]
    out.push(m[1]!)
    consumed = m.index + m[0].length
  }
  return consumed === key.length ? out : [key]
}

/**
 * Sets `value` at a bracket path in `target` (`["id","in",""]` appends to `target.id.in`).
 * Unsafe keys (`__proto__`, ...) are dropped.
 *
 * @since 0.1.0
 * @category query
 */
export const assignPath = (target: Record<string, unknown>, path: ReadonlyArray<string>, value: unknown): void => {
  if (path.some((p) => UNSAFE_KEYS.has(p))) return
  let node: any = target
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!
    const last = i === path.length - 1
    if (Array.isArray(node)) {
      if (seg !== "") return
      if (last) {
        node.push(value)
        return
      }
      // `a[][x]=1&a[][y]=2`: reuse the last element unless it already has the next key.
      const nextKey = path[i + 1]!
      let tail = node[node.length - 1]
      if (tail === null || typeof tail !== "object" || Array.isArray(tail) || nextKey in tail) {
        tail = {}
        node.push(tail)
      }
      node = tail
      continue
    }
    if (last) {
      const existing = node[seg]
      // A repeated plain key (`tags=a&tags=b`) becomes a list rather than losing values.
      if (existing !== undefined && typeof existing === "string") node[seg] = [existing, value]
      else if (Array.isArray(existing) && typeof value === "string") existing.push(value)
      else node[seg] = value
      return
    }
    const wantArray = path[i + 1] === ""
    let child = node[seg]
    if (child === null || typeof child !== "object" || Array.isArray(child) !== wantArray) {
      child = wantArray ? [] : {}
      node[seg] = child
    }
    node = child
  }
}

/**
 * Parses a query string (or a form-urlencoded body) Rails-style into a nested object:
 * `user[login]=a` → `{user:{login:"a"}}`, `id[in][]=1&id[in][]=2` → `{id:{in:["1","2"]}}`.
 * `+` and `%20` both decode to a space; lower-case escapes (`%2c`) work. Values stay strings;
 * `id[in]=1,2` stays `"1,2"` (use `list` to read either form).
 *
 * @since 0.1.0
 * @category query
 */
export const parseQuery = (search: string): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const s = search.startsWith("?") ? search.slice(1) : search
  if (s === "") return out
  for (const part of s.split("&")) {
    if (part === "") continue
    const eq = part.indexOf("=")
    const rawKey = eq === -1 ? part : part.slice(0, eq)
    const rawValue = eq === -1 ? "" : part.slice(eq + 1)
    const key = decodeComponent(rawKey)
    if (key === "") continue
    assignPath(out, splitKey(key), decodeComponent(rawValue))
  }
  return out
}

/**
 * Expands literal bracket keys inside a JSON object (`{"firebase_phone[project_id]":"p"}` →
 * `{"firebase_phone":{"project_id":"p"}}`), which the official SDK's `login` sends. Nested values
 * that already exist win over the flat form.
 *
 * @since 0.1.0
 * @category query
 */
export const expandBracketKeys = (input: Record<string, unknown>): Record<string, unknown> => {
  let out: Record<string, unknown> | undefined
  for (const key of Object.keys(input)) {
    if (UNSAFE_KEYS.has(key)) {
      out ??= { ...input }
      delete out[key]
      continue
    }
    if (!key.includes("[")) continue
    const path = splitKey(key)
    if (path.length === 1) continue
    out ??= { ...input }
    delete out[key]
    const existing = out[path[0]!]
    if (existing !== undefined && (typeof existing !== "object" || existing === null)) continue
    const probe: Record<string, unknown> = {}
    assignPath(probe, path, input[key])
    out[path[0]!] = mergeMissing(existing as Record<string, unknown> | undefined, probe[path[0]!])
  }
  return out ?? input
}

const mergeMissing = (existing: Record<string, unknown> | undefined, incoming: unknown): unknown => {
  if (existing === undefined) return incoming
  if (incoming === null || typeof incoming !== "object" || Array.isArray(incoming)) return existing
  const merged: Record<string, unknown> = { ...existing }
  for (const [k, v] of Object.entries(incoming)) if (!(k in merged)) merged[k] = v
  return merged
}

/**
 * Reads a list parameter in any of the forms clients send: `["1","2"]` (`k[]=1&k[]=2`), `"1,2"`
 * (`k=1,2`), a single value, or nothing.
 *
 * @since 0.1.0
 * @category query
 */
export const list = (value: unknown): Array<string> => {
  if (value === undefined || value === null) return []
  const items = Array.isArray(value) ? value : [value]
  const out: Array<string> = []
  for (const item of items) {
    if (item === null || item === undefined || typeof item === "object") continue
    for (const piece of String(item).split(",")) {
      const t = piece.trim()
      if (t !== "") out.push(t)
    }
  }
  return out
}

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

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

/**
 * The largest request body the API routes read, in bytes (per emulator; `bodyLimit` option).
 *
 * @since 0.1.0
 * @category request
 */
export class BodyLimit extends Context.Service<BodyLimit, number>()("@connectycube-effect/emulator/Http/BodyLimit") {}

const EMPTY = Buffer.alloc(0)

/**
 * Reads the raw body of the current request, at most `limit` bytes: a larger `Content-Length` is
 * refused before reading, and a chunked body that grows past the limit is cut off (413 either way).
 *
 * @since 0.1.0
 * @category request
 */
export const rawBody = (limit: number): Effect.Effect<Buffer, ApiError, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const incoming = incomingOf(request)
    const known = knownBody(incoming, limit)
    return known === undefined ? readBody(incoming, limit) : known
  })

// The emulator serves HTTP/1.1 only (`node:http`), so the source is always an IncomingMessage.
const incomingOf = (request: HttpServerRequest.HttpServerRequest): IncomingMessage =>
  NodeHttpServerRequest.toIncomingMessage(request) as IncomingMessage

/** The answer of `rawBody` when it needs no reading (refused, or no body), else `undefined`. */
const knownBody = (incoming: IncomingMessage, limit: number): Effect.Effect<Buffer, ApiError> | undefined => {
  const declared = Number(incoming.headers["content-length"] ?? "NaN")
  if (Number.isFinite(declared) && declared > limit) {
    // Refused before reading; the rest is read and dropped so that the client gets the answer.
    return Effect.suspend(() => {
      discardRest(incoming)
      return Effect.fail(Errors.tooLarge(limit))
    })
  }
  // A request has a body only with Content-Length or Transfer-Encoding (RFC 9112 §6.3): GETs
  // answer at once instead of waiting for an `end` event.
  if (incoming.readableEnded || declared === 0 || (!Number.isFinite(declared) && incoming.headers["transfer-encoding"] === undefined)) {
    return NO_BODY
  }
  return undefined
}

const NO_BODY = Effect.succeed(EMPTY)

/** How much of a refused body is read and dropped before the connection is closed instead. */
const DISCARD_LIMIT = 64 * 1024 * 1024

/**
 * Reads and drops the rest of a body refused as too large, so that the 413 reaches the client: closing
 * the socket while the client still sends makes its next write fail (EPIPE/ECONNRESET), and the answer
 * may be lost with it. The connection stays usable once the body has ended. A body that goes on past
 * `DISCARD_LIMIT` bytes (counting `read`, those already read) is cut off by closing the connection; one
 * that stalls is the server's request timeout's to end.
 */
const discardRest = (incoming: IncomingMessage, read = 0) => {
  if (incoming.readableEnded) return
  let size = read
  incoming.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size > DISCARD_LIMIT) incoming.socket.destroy()
  })
  incoming.resume()
}

const readBody = (incoming: IncomingMessage, limit: number): Effect.Effect<Buffer, ApiError> =>
  Effect.callback<Buffer, ApiError>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const cleanup = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        discardRest(incoming, size)
        resume(Effect.fail(Errors.tooLarge(limit)))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    }
    const onError = () => {
      cleanup()
      resume(Effect.fail(ApiError.messages(400, "Could not read the request body")))
    }
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("error", onError)
    return Effect.sync(cleanup)
  })

/**
 * Parses a body by its content type: JSON (an object; bracket keys expanded), form-urlencoded
 * (bracket keys → nested), empty → `{}`. A body without a content type that looks like JSON is read
 * as JSON, as lenient clients send it that way.
 *
 * @since 0.1.0
 * @category request
 */
export const parseBody = (contentType: string, raw: Buffer): Result.Result<Record<string, unknown>, ApiError> => {
  if (raw.length === 0) return Result.succeed({})
  const ct = contentType.toLowerCase()
  const text = raw.toString("utf8")
  const looksJson = /^\s*[{[]/.test(text)
  if (ct.includes("json") || (ct === "" && looksJson) || (ct.startsWith("text/plain") && looksJson)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return Result.fail(Errors.malformedJson())
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return Result.fail(ApiError.base(422, "Request body must be a JSON object"))
    }
    return withinDepth(expandBracketKeys(parsed as Record<string, unknown>))
  }
  if (ct.includes("application/x-www-form-urlencoded") || ct === "") {
    return withinDepth(parseQuery(text))
  }
  return Result.fail(Errors.unsupportedMediaType(ct.split(";")[0]!.trim()))
}

/**
 * How deep a body or a query may nest objects and lists (`a[b][c]` is 3 levels). The reference is
 * silent; the API's own shapes nest 3 deep at most. Past it: 422 `{"errors":{"<field>":["is nested
 * too deeply (maximum is 32 levels)"]}}`.
 *
 * @since 0.1.0
 * @category limits
 */
export const MAX_DEPTH = 32

/** Wrappers whose first key names the field (`{"user":{"custom_data":…}}` → `custom_data`). */
const ENVELOPES: ReadonlySet<string> = new Set(["user", "blob", "session"])

const fieldOf = (path: ReadonlyArray<string>): string =>
  path.length > 1 && ENVELOPES.has(path[0]!) ? path[1]! : path[0] ?? "base"

/**
 * The field of a value nested deeper than `MAX_DEPTH` (an iterative walk: a deep value cannot overflow
 * the stack here), or `undefined`.
 *
 * @since 0.1.0
 * @category limits
 */
export const tooDeep = (value: unknown, max = MAX_DEPTH): string | undefined => {
  const stack: Array<{ readonly value: unknown; readonly path: ReadonlyArray<string> }> = [{ value, path: [] }]
  while (stack.length > 0) {
    const item = stack.pop()!
    if (item.value === null || typeof item.value !== "object") continue
    if (item.path.length >= max) return fieldOf(item.path)
    for (const [key, child] of Object.entries(item.value)) {
      if (child !== null && typeof child === "object") stack.push({ value: child, path: [...item.path, key] })
    }
  }
  return undefined
}

/**
 * The 422 answer for a value nested past `MAX_DEPTH`.
 *
 * @since 0.1.0
 * @category limits
 */
export const nestedTooDeeply = (field: string): ApiError =>
  ApiError.fields(422, { [field]: [`is nested too deeply (maximum is ${MAX_DEPTH} levels)`] })

const withinDepth = (parsed: Record<string, unknown>): Result.Result<Record<string, unknown>, ApiError> => {
  const field = tooDeep(parsed)
  return field === undefined ? Result.succeed(parsed) : Result.fail(nestedTooDeeply(field))
}

/**
 * The field of a query string key nested past `MAX_DEPTH` (`a[b][c]=` is 3 levels), or `undefined`.
 * Cheap: only keys with brackets are looked at.
 *
 * @since 0.1.0
 * @category limits
 */
export const queryTooDeep = (search: string): string | undefined => {
  if (!search.includes("[") && !/%5b/i.test(search)) return undefined
  for (const part of search.split("&")) {
    const eq = part.indexOf("=")
    const key = decodeComponent(eq === -1 ? part : part.slice(0, eq))
    let depth = 0
    for (let i = key.indexOf("["); i !== -1; i = key.indexOf("[", i + 1)) depth++
    if (depth < MAX_DEPTH) continue
    const base = key.slice(0, key.indexOf("["))
    const inner = /^\[([^\]]*)\]/.exec(key.slice(base.length))?.[1]
    return fieldOf(inner === undefined ? [base] : [base, inner])
  }
  return undefined
}

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
  const incoming = incomingOf(request)
  const limit = Context.get(context, BodyLimit)
  const parse = (raw: Buffer): Effect.Effect<Record<string, unknown>, ApiError> => {
    const parsed = parseBody(request.headers["content-type"] ?? "", raw)
    if (Result.isFailure(parsed)) return Effect.fail(parsed.failure)
    state.body = parsed.success
    return Effect.succeed(parsed.success)
  }
  // Most requests have no body (every GET): answered without an effect per step.
  const known = knownBody(incoming, limit)
  if (known === NO_BODY) return parse(EMPTY)
  return Effect.flatMap(known ?? readBody(incoming, limit), parse)
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

const issueFormatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * Turns a Schema decode failure (a `SchemaError`, or its issue) into 422
 * `{"errors":{"<dotted.path>":["<message>"]}}` (`base` for the value itself).
 *
 * @since 0.1.0
 * @category validation
 */
export const fromParseError = (error: Schema.SchemaError | SchemaIssue.Issue): ApiError => {
  const errors: Record<string, Array<string>> = {}
  const issue = Schema.isSchemaError(error) ? error.issue : error
  for (const { message, path } of issueFormatter(issue).issues) {
    const segments = path ?? []
    const field = segments.length === 0 ?
      "base" :
      segments.map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".")
    ;(errors[field] ??= []).push(message)
  }
  return ApiError.fields(422, errors)
}

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
 * The emulator's base URL as the client reached it (`http://<Host header>`, `https://` over TLS), for
 * URLs handed back to clients (e.g. blob upload targets).
 *
 * @since 0.1.0
 * @category request
 */
export const baseUrl: Effect.Effect<string, never, HttpServerRequest.HttpServerRequest> = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (r) =>
    `${(incomingOf(r).socket as { readonly encrypted?: boolean }).encrypted === true ? "https" : "http"}://${
      r.headers.host ?? "127.0.0.1"
    }`
)
