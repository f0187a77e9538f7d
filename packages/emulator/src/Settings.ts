/**
 * The resolved, per-emulator configuration visible to route handlers (body limit, defaults for
 * new apps). Application credentials live in the `apps` table (see `store/Apps.ts`), so they are
 * part of export/import.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"

/**
 * An application the emulator accepts sessions for.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppOptions {
  readonly id: number
  readonly authKey: string
  /** When set, a `signature` sent with POST /session is checked (HMAC-SHA1, official-sdk §3.2). */
  readonly authSecret?: string | undefined
  /**
   * "Session creation without an existing user entity": `true` (default) creates unknown
   * login/email users on POST /session; `false` answers 404 `{"errors":["User not found"]}`.
   */
  readonly allowUserCreation?: boolean | undefined
  /** Custom Identity Provider verify URL (`GET <url>?token=<login>`); overrides the global one. */
  readonly cidpUrl?: string | undefined
}

/**
 * The application used when none is configured.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_APP: AppOptions = { id: 1, authKey: "emulator-auth-key" }

/**
 * The default limit for API request bodies (1 MiB).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly bodyLimit: number
  readonly apps: ReadonlyArray<AppOptions>
  /** Session lifetime after the last request (2 h). */
  readonly sessionTtlMs: number
  /** Guest session lifetime (1 day). */
  readonly guestSessionTtlMs: number
  /** Timeout for calls to a Custom Identity Provider. */
  readonly cidpTimeoutMs: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Settings extends Context.Service<Settings, Service>()("@connectycube-effect/emulator/Settings") {}
