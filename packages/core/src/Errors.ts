/**
 * One error union for everything the SDK can fail with. Every member is a `Schema.TaggedError`:
 * a real `Error` (so `instanceof` works in the promise adapter), yieldable in `Effect.gen`,
 * matchable with `Effect.catchTag`, and serialisable through its Schema (the emulator uses the same).
 *
 * No member ever carries a secret: bodies are redacted (`token`, `password`, `auth_key` …) before they
 * are stored, and `InvalidInput` names the field but never echoes its value.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { fieldErrors, redactBody, serverMessages } from "./internal/redact.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@connectycube-effect/core/Errors")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The request an error belongs to: method and path only (never the query, which may hold a token).
 *
 * @since 0.1.0
 * @category models
 */
export const RequestInfo = Schema.Struct({ method: Schema.String, path: Schema.String })

/**
 * @since 0.1.0
 * @category models
 */
export type RequestInfo = typeof RequestInfo.Type

const httpFields = {
  status: Schema.Number,
  body: Schema.optional(Schema.Unknown),
  request: Schema.optional(RequestInfo)
}

const where = (request: RequestInfo | undefined) => (request ? `${request.method} ${request.path}: ` : "")
const said = (body: unknown) => {
  const messages = serverMessages(body)
  return messages.length > 0 ? ` Server said: ${messages.join("; ")}.` : ""
}

/**
 * The session token expired or is unknown: the server answered 401 "Required session does not exist".
 * The http layer re-creates the session once and retries, so callers only see this when that is not
 * possible (no credentials to re-create with, or the hook gave up).
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionExpired extends Schema.TaggedError<SessionExpired>("@connectycube-effect/core/SessionExpired")(
  "SessionExpired",
  httpFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}the session token expired or does not exist (401 "Required session does not exist"). ` +
      `Suggestion: create a new session; the SDK does so automatically when it knows the credentials.`
  }
}

/**
 * 401 for any other reason: no token, wrong password, wrong application credentials.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>("@connectycube-effect/core/Unauthorized")(
  "Unauthorized",
  httpFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}unauthorized (401).${said(this.body)} ` +
      `Suggestion: check the application id, auth key and user credentials.`
  }
}

/**
 * 403: the token has no right to do this (an application session writing, a user touching another user's data).
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>("@connectycube-effect/core/Forbidden")(
  "Forbidden",
  httpFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}forbidden (403).${said(this.body)} ` +
      `Suggestion: an application session can only read; log in a user (createSession with credentials, or login) to write.`
  }
}

/**
 * 404: no such user, blob or route.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>("@connectycube-effect/core/NotFound")("NotFound", httpFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}not found (404).${said(this.body)}`
  }
}

/**
 * 422: the server rejected the input. `errors` holds the server's messages per field
 * (`{ login: ["has already been taken"] }`); messages that belong to no field are under `base`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Schema.TaggedError<ValidationError>("@connectycube-effect/core/ValidationError")(
  "ValidationError",
  {
    ...httpFields,
    errors: Schema.Record(Schema.String, Schema.Array(Schema.String))
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    const list = Object.entries(this.errors).map(([field, msgs]) =>
      field === "base" ? msgs.join("; ") : `${field} ${msgs.join(", ")}`
    )
    return `${where(this.request)}the server rejected the input (422): ${list.join("; ") || "no details"}.`
  }
}

/**
 * 429: too many requests. `retryAfterMs` comes from the `Retry-After` header when the server sent one.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@connectycube-effect/core/RateLimited")(
  "RateLimited",
  { ...httpFields, retryAfterMs: Schema.optional(Schema.Number) }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    const after = this.retryAfterMs !== undefined ? ` Retry after ${Math.ceil(this.retryAfterMs / 1000)} s.` : ""
    return `${where(this.request)}rate limited (429).${after} Suggestion: slow down; idempotent calls are retried automatically.`
  }
}

/**
 * 5xx from the server (after the transient retries for idempotent calls were used up).
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>("@connectycube-effect/core/ServerError")(
  "ServerError",
  httpFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}server error (${this.status}).${said(this.body)}`
  }
}

/**
 * Any other 4xx status (400, 405, 409, …).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>("@connectycube-effect/core/BadRequest")(
  "BadRequest",
  httpFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}request failed (${this.status}).${said(this.body)}`
  }
}

/**
 * The request never got an HTTP answer: connection refused or reset, DNS, TLS, an aborted upload.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("@connectycube-effect/core/TransportError")(
  "TransportError",
  {
    reason: Schema.String,
    description: Schema.optional(Schema.String),
    request: Schema.optional(RequestInfo)
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}transport error (${this.reason})${this.description ? `: ${this.description}` : ""}. ` +
      `Suggestion: check the network and the apiUrl.`
  }
}

/**
 * The call did not finish within its timeout (the configured one, or 408 from the server).
 *
 * @since 0.1.0
 * @category errors
 */
export class Timeout extends Schema.TaggedError<Timeout>("@connectycube-effect/core/Timeout")("Timeout", {
  timeoutMs: Schema.optional(Schema.Number),
  status: Schema.optional(Schema.Number),
  request: Schema.optional(RequestInfo)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return this.status === 408
      ? `${where(this.request)}the server timed out reading the request (408).`
      : `${where(this.request)}no answer within ${this.timeoutMs ?? "?"} ms. Suggestion: raise the timeout option.`
  }
}

/**
 * The SDK refused the input before sending anything. `field` names the offending input (a dotted path),
 * `reason` says why. The value itself is never included: it may be a password.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>("@connectycube-effect/core/InvalidInput")(
  "InvalidInput",
  { field: Schema.String, reason: Schema.String }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `invalid input: ${this.field === "" ? "" : `${this.field}: `}${this.reason}. Nothing was sent.`
  }
}

/**
 * A 2xx answer whose body did not match the expected shape (or was not JSON).
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("@connectycube-effect/core/DecodeError")(
  "DecodeError",
  {
    status: Schema.optional(Schema.Number),
    description: Schema.String,
    request: Schema.optional(RequestInfo)
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  /** @since 0.1.0 */
  override get message(): string {
    return `${where(this.request)}unexpected response${this.status !== undefined ? ` (${this.status})` : ""}: ${this.description}`
  }
}

/**
 * Every error the SDK fails with.
 *
 * @since 0.1.0
 * @category models
 */
export type CubeError =
  | SessionExpired
  | Unauthorized
  | Forbidden
  | NotFound
  | ValidationError
  | RateLimited
  | ServerError
  | BadRequest
  | TransportError
  | Timeout
  | InvalidInput
  | DecodeError

/**
 * The Schema of the whole union, to encode an error to JSON and back (it keeps `_tag`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CubeError: Schema.Union<
  readonly [
    typeof SessionExpired,
    typeof Unauthorized,
    typeof Forbidden,
    typeof NotFound,
    typeof ValidationError,
    typeof RateLimited,
    typeof ServerError,
    typeof BadRequest,
    typeof TransportError,
    typeof Timeout,
    typeof InvalidInput,
    typeof DecodeError
  ]
> = /* @__PURE__ */ Schema.Union([
  SessionExpired,
  Unauthorized,
  Forbidden,
  NotFound,
  ValidationError,
  RateLimited,
  ServerError,
  BadRequest,
  TransportError,
  Timeout,
  InvalidInput,
  DecodeError
])

/**
 * @example
 * ```ts
 * import { Errors } from "@connectycube-effect/core"
 *
 * const describe = (e: unknown): string => Errors.isCubeError(e) ? `${e._tag}: ${e.message}` : String(e)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isCubeError = (u: unknown): u is CubeError => Predicate.hasProperty(u, TypeId)

/**
 * The message the server sends for an expired or unknown token (the official SDK matches on it too).
 *
 * @since 0.1.0
 * @category constants
 */
export const SESSION_EXPIRED_MESSAGE = "Required session does not exist"

/**
 * Is this parsed body the server's "session expired" answer (`{"errors":{"base":["Required session does not exist"]}}`)?
 *
 * @example
 * ```ts
 * import { Errors } from "@connectycube-effect/core"
 *
 * Errors.isSessionExpiredBody({ errors: { base: ["Required session does not exist"] } }) // true
 * Errors.isSessionExpiredBody({ errors: { base: ["Unauthorized"] } }) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isSessionExpiredBody = (body: unknown): boolean => {
  if (body === null || typeof body !== "object") return false
  const errors = (body as { errors?: unknown }).errors
  if (errors === null || typeof errors !== "object") return false
  const base = Array.isArray(errors) ? errors : (errors as { base?: unknown }).base
  return Array.isArray(base) && base[0] === SESSION_EXPIRED_MESSAGE
}

/**
 * Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`.
 *
 * @example
 * ```ts
 * import { Errors } from "@connectycube-effect/core"
 *
 * Errors.parseRetryAfter("2", Date.now()) // 2000
 * Errors.parseRetryAfter("Wed, 21 Oct 2037 07:28:00 GMT", Date.now()) // ms until then
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * Maps a non-2xx answer to its error. `body` is the parsed JSON body (or the raw text when it was not JSON).
 *
 * @example
 * ```ts
 * import { Errors } from "@connectycube-effect/core"
 *
 * const error = Errors.fromResponse({ status: 401, body: { errors: { base: ["Required session does not exist"] } } })
 * console.log(error._tag) // "SessionExpired"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse = (options: {
  readonly status: number
  readonly body: unknown
  readonly retryAfter?: string | undefined
  readonly request?: RequestInfo | undefined
  readonly now?: number | undefined
}): CubeError => {
  const { request, status } = options
  const body = redactBody(options.body)
  const common = request === undefined ? { status, body } : { status, body, request }
  switch (status) {
    case 401:
      return isSessionExpiredBody(options.body) ? new SessionExpired(common) : new Unauthorized(common)
    case 403:
      return new Forbidden(common)
    case 404:
      return new NotFound(common)
    case 408:
      return new Timeout(request === undefined ? { status } : { status, request })
    case 422:
      return new ValidationError({ ...common, errors: fieldErrors(options.body) })
    case 429: {
      const retryAfterMs = parseRetryAfter(options.retryAfter, options.now ?? Date.now())
      return new RateLimited(retryAfterMs === undefined ? common : { ...common, retryAfterMs })
    }
    default:
      return status >= 500 ? new ServerError(common) : new BadRequest(common)
  }
}

/**
 * Statuses worth retrying for an idempotent call.
 *
 * @example
 * ```ts
 * import { Errors } from "@connectycube-effect/core"
 *
 * Errors.isTransient(new Errors.ServerError({ status: 503 })) // true
 * Errors.isTransient(new Errors.ValidationError({ status: 422, errors: { login: ["has already been taken"] } })) // false
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransient = (error: CubeError): boolean => {
  switch (error._tag) {
    case "RateLimited":
    case "TransportError":
      return error._tag !== "TransportError" || error.reason === "Transport"
    case "ServerError":
      return [500, 502, 503, 504].includes(error.status)
    case "Timeout":
      return error.status === 408
    default:
      return false
  }
}

/**
 * The HTTP status of an error, when it has one.
 *
 * @example
 * ```ts
 * import { Errors } from "@connectycube-effect/core"
 *
 * Errors.statusOf(new Errors.NotFound({ status: 404 })) // 404
 * Errors.statusOf(new Errors.InvalidInput({ field: "login", reason: "cannot be blank" })) // undefined
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const statusOf = (error: CubeError): number | undefined => ("status" in error ? error.status : undefined)
