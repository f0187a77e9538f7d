/**
 * The promise API's own errors (`NotInitialized`, `ClientDisposed`, `Aborted`) and the official SDK's `{code, info}`
 * on every rejection (`Compat`, `compat`, `withCompat`). Here rather than in `Errors.ts` (which re-exports them) so
 * that the client's implementation (`client.ts`) needs no public module.
 *
 * @since 0.1.0
 */
import * as CoreErrors from "@connectycube-effect/core/Errors"
import * as Data from "effect/Data"

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
