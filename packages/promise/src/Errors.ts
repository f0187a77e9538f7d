/**
 * What the promise API rejects with. Every rejection is a real tagged error (the core union from
 * `@connectycube-effect/core/Errors`, or one of the client's own: `NotInitialized`, `ClientDisposed`, `Aborted`),
 * so `instanceof` and `_tag` work, and every one also carries the official SDK's `code` and `info`, so code
 * written for `connectycube` (`catch (e) { if (e.code === 401) … }`) keeps working.
 *
 * @since 0.1.0
 */
import * as CoreErrors from "@connectycube-effect/core/Errors"
import type { Aborted, ClientDisposed, Compat, NotInitialized } from "./internal/errors.js"

export {
  /** @since 0.1.0 */
  isCubeError
} from "@connectycube-effect/core/Errors"

export {
  /** @since 0.1.0 */
  Aborted,
  /** @since 0.1.0 */
  ClientDisposed,
  /** @since 0.1.0 */
  compat,
  /** @since 0.1.0 */
  type Compat,
  /** @since 0.1.0 */
  NotInitialized,
  /** @since 0.1.0 */
  withCompat
} from "./internal/errors.js"

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
 * Everything a promise of this package rejects with.
 *
 * @since 0.1.0
 * @category models
 */
export type PromiseError = (CoreErrors.CubeError & Compat) | NotInitialized | ClientDisposed | Aborted
