/**
 * What the promise API rejects with. Every rejection is a real tagged error (the core union from
 * `@connectycube-effect/core/Errors`, or one of the three client errors below), so `instanceof` and `_tag`
 * work, and every one also carries the official SDK's `code` and `info`, so code written for
 * `connectycube` (`catch (e) { if (e.code === 401) … }`) keeps working.
 *
 * @since 0.1.0
 */
import * as CoreErrors from "@connectycube-effect/core/Errors"
import * as Data from "effect/Data"

export {
  /** @since 0.1.0 */
  isCubeError
} from "@connectycube-effect/core/Errors"

/**
 * The official SDK's error shape: `code` is the HTTP status (a number), or a string for failures without
 * one (`"ECONNREFUSED"`, `"ETIMEDOUT"`, `"ABORT_ERR"`, …); `info` is the parsed JSON body of the answer, or
 * `" "` (a single space, as the official SDK sends) when there was no JSON body. Input the SDK refuses before
 * sending (`InvalidInput`) has code 422 and `info` `{errors: {<field>: [<reason>]}}`, as the server would answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Compat {
  readonly code: number | string
  readonly info: unknown
}

/**
 * A core error class as this package hands it out: every rejection carries `code` and `info` (`withCompat`), so
 * `instanceof` narrows to the error with them.
 *
 * @example
 * ```ts
 * import ConnectyCube, { NotFound } from "@connectycube-effect/promise"
 *
 * ConnectyCube.users.get(42).catch((e) => {
 *   if (e instanceof NotFound) console.log(e.code, e.info) // 404, the server's body
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type CompatClass<C extends abstract new(...args: any) => CoreErrors.CubeError> = C & {
  // a claim true of the instances this package rejects with (withCompat adds the two properties)
  readonly prototype: InstanceType<C> & Compat
}

/**
 * @since 0.1.0
 * @category errors
 */
export const BadRequest = CoreErrors.BadRequest as CompatClass<typeof CoreErrors.BadRequest>
/**
 * @since 0.1.0
 * @category errors
 */
export type BadRequest = CoreErrors.BadRequest & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const DecodeError = CoreErrors.DecodeError as CompatClass<typeof CoreErrors.DecodeError>
/**
 * @since 0.1.0
 * @category errors
 */
export type DecodeError = CoreErrors.DecodeError & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const Forbidden = CoreErrors.Forbidden as CompatClass<typeof CoreErrors.Forbidden>
/**
 * @since 0.1.0
 * @category errors
 */
export type Forbidden = CoreErrors.Forbidden & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const InvalidInput = CoreErrors.InvalidInput as CompatClass<typeof CoreErrors.InvalidInput>
/**
 * @since 0.1.0
 * @category errors
 */
export type InvalidInput = CoreErrors.InvalidInput & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const NotFound = CoreErrors.NotFound as CompatClass<typeof CoreErrors.NotFound>
/**
 * @since 0.1.0
 * @category errors
 */
export type NotFound = CoreErrors.NotFound & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const RateLimited = CoreErrors.RateLimited as CompatClass<typeof CoreErrors.RateLimited>
/**
 * @since 0.1.0
 * @category errors
 */
export type RateLimited = CoreErrors.RateLimited & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const ServerError = CoreErrors.ServerError as CompatClass<typeof CoreErrors.ServerError>
/**
 * @since 0.1.0
 * @category errors
 */
export type ServerError = CoreErrors.ServerError & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const SessionExpired = CoreErrors.SessionExpired as CompatClass<typeof CoreErrors.SessionExpired>
/**
 * @since 0.1.0
 * @category errors
 */
export type SessionExpired = CoreErrors.SessionExpired & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const Timeout = CoreErrors.Timeout as CompatClass<typeof CoreErrors.Timeout>
/**
 * @since 0.1.0
 * @category errors
 */
export type Timeout = CoreErrors.Timeout & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const TransportError = CoreErrors.TransportError as CompatClass<typeof CoreErrors.TransportError>
/**
 * @since 0.1.0
 * @category errors
 */
export type TransportError = CoreErrors.TransportError & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const Unauthorized = CoreErrors.Unauthorized as CompatClass<typeof CoreErrors.Unauthorized>
/**
 * @since 0.1.0
 * @category errors
 */
export type Unauthorized = CoreErrors.Unauthorized & Compat
/**
 * @since 0.1.0
 * @category errors
 */
export const ValidationError = CoreErrors.ValidationError as CompatClass<typeof CoreErrors.ValidationError>
/**
 * @since 0.1.0
 * @category errors
 */
export type ValidationError = CoreErrors.ValidationError & Compat

/**
 * The call was made before `init` (or `createClient` without credentials).
 *
 * @example
 * ```ts
 * import { createClient, NotInitialized } from "@connectycube-effect/promise"
 *
 * createClient().getSession().catch((e) => e instanceof NotInitialized) // true
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class NotInitialized extends Data.TaggedError("NotInitialized")<{}> implements Compat {
  /** @since 0.1.0 */
  get code(): string {
    return "ERR_NOT_INITIALIZED"
  }
  /** @since 0.1.0 */
  get info(): unknown {
    return " "
  }
  /** @since 0.1.0 */
  override get message(): string {
    return "the client is not initialised. Suggestion: call init({ appId, authKey }, config) first."
  }
}

/**
 * The client was disposed (`dispose()` or `await using`): the call was refused, or it was in flight
 * when the client was disposed or re-initialised.
 *
 * @example
 * ```ts
 * import { ClientDisposed, createClient } from "@connectycube-effect/promise"
 *
 * const client = createClient({ credentials: { appId: 1, authKey: "key" } })
 * await client.dispose()
 * await client.getSession().catch((e) => e instanceof ClientDisposed) // true
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientDisposed extends Data.TaggedError("ClientDisposed")<{ readonly inFlight: boolean }> implements Compat {
  /** @since 0.1.0 */
  get code(): string {
    return "ERR_CLIENT_DISPOSED"
  }
  /** @since 0.1.0 */
  get info(): unknown {
    return " "
  }
  /** @since 0.1.0 */
  override get message(): string {
    return this.inFlight
      ? "the client was disposed or re-initialised while this call was in flight; it was cancelled."
      : "the client is disposed. Suggestion: create a new client (or call init again)."
  }
}

/**
 * The caller's `AbortSignal` fired: the call was interrupted and its request aborted. `name` is
 * `"AbortError"`, as for an aborted `fetch`, so the usual `e.name === "AbortError"` checks work.
 *
 * @example
 * ```ts
 * import ConnectyCube, { Aborted } from "@connectycube-effect/promise"
 *
 * const controller = new AbortController()
 * const users = ConnectyCube.users.getV2({ login: "x" }, { signal: controller.signal })
 * controller.abort()
 * await users.catch((e) => e instanceof Aborted) // true
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class Aborted extends Data.TaggedError("Aborted")<{ readonly reason: unknown }> implements Compat {
  /** @since 0.1.0 */
  override get name(): string {
    return "AbortError"
  }
  /** @since 0.1.0 */
  get code(): string {
    return "ABORT_ERR"
  }
  /** @since 0.1.0 */
  get info(): unknown {
    return " "
  }
  /** @since 0.1.0 */
  override get message(): string {
    return "the call was aborted by its AbortSignal."
  }
}

/**
 * Everything a promise of this package rejects with.
 *
 * @since 0.1.0
 * @category models
 */
export type PromiseError = (CoreErrors.CubeError & Compat) | NotInitialized | ClientDisposed | Aborted

const NO_BODY = " "

/** `connect ECONNREFUSED 127.0.0.1:1` → `ECONNREFUSED`. */
const errno = (text: string | undefined): string | undefined => /\b(E[A-Z][A-Z0-9_]{2,})\b/.exec(text ?? "")?.[1]

const jsonInfo = (body: unknown): unknown => (body !== null && typeof body === "object" ? body : NO_BODY)

/**
 * The official SDK's `{ code, info }` for an SDK error.
 *
 * @example
 * ```ts
 * import { compat, NotFound } from "@connectycube-effect/promise/Errors"
 *
 * compat(new NotFound({ status: 404, body: { errors: { base: ["Not found"] } } }))
 * // { code: 404, info: { errors: { base: ["Not found"] } } }
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const compat = (error: CoreErrors.CubeError): Compat => {
  switch (error._tag) {
    case "TransportError":
      return { code: errno(error.description) ?? errno(error.reason) ?? "ERR_NETWORK", info: NO_BODY }
    case "Timeout":
      return { code: error.status ?? "ETIMEDOUT", info: NO_BODY }
    case "DecodeError":
      return { code: error.status ?? "ERR_DECODE", info: NO_BODY }
    case "InvalidInput":
      // Nothing was sent, but the server would have refused it the same way: 422 with a field → messages body
      // (the emulator shares these validations), so `e.code === 422` checks keep working.
      return { code: 422, info: { errors: { [error.field === "" ? "base" : error.field]: [error.reason] } } }
    default:
      return { code: error.status, info: jsonInfo(error.body) }
  }
}

/**
 * Adds `code` and `info` to an SDK error, in place (the instance, its class and `instanceof` are unchanged),
 * and returns it typed with them. Anything else is returned as is.
 *
 * @example
 * ```ts
 * import { NotFound, withCompat } from "@connectycube-effect/promise/Errors"
 *
 * const error = withCompat(new NotFound({ status: 404, body: undefined }))
 * error.code // 404
 * error instanceof NotFound // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const withCompat: {
  <E extends CoreErrors.CubeError>(error: E): E & Compat
  (error: unknown): unknown
} = (error: unknown): any => {
  if (!CoreErrors.isCubeError(error) || Object.prototype.hasOwnProperty.call(error, "code")) return error
  const { code, info } = compat(error)
  // Own enumerable properties: they show up in logs and in `JSON.stringify`, like the official `{code, info}`.
  Object.defineProperty(error, "code", { value: code, enumerable: true, configurable: true, writable: true })
  Object.defineProperty(error, "info", { value: info, enumerable: true, configurable: true, writable: true })
  return error
}
