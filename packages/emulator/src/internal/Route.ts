/**
 * What a route declares besides its handler (`Common`, `AuthMode`): the description the OpenAPI document is
 * generated from. Here rather than in `Route.ts` (which re-exports both) so that the generator needs no public
 * module, and none of the services a handler runs with.
 *
 * @since 0.1.0
 */
import type * as HttpMethod from "effect/http/HttpMethod"
import type * as Schema from "effect/Schema"

/**
 * Who may call: `"none"` (the handler checks, e.g. POST /session), `"session"` (any token: READ),
 * `"user"` (a user token: WRITE; an app token gets 403). The server enforces it before the handler,
 * which reads the session with `Auth.caller`.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthMode = "none" | "session" | "user"

/**
 * What every route declares, whatever its auth.
 *
 * @since 0.1.0
 * @category models
 */
export interface Common {
  /** One method, or several for the same handler (e.g. `["PUT", "POST"]` for blob complete). */
  readonly method: HttpMethod.HttpMethod | ReadonlyArray<HttpMethod.HttpMethod>
  /** find-my-way syntax without `.json` (`/users/:id`); the `.json` form is served too. */
  readonly path: `/${string}`
  readonly summary: string
  readonly description?: string | undefined
  /** OpenAPI tag (e.g. `"sessions"`, `"users"`, `"blobs"`, `"emulator"`). */
  readonly tag?: string | undefined
  /** For the OpenAPI document: the JSON body and query the route reads. */
  readonly request?: {
    readonly body?: Schema.Top | undefined
    readonly query?: Schema.Top | undefined
  } | undefined
  /** For the OpenAPI document: the success status and body (`undefined` schema = empty body). */
  readonly response?: {
    readonly status: number
    readonly body?: Schema.Top | undefined
    readonly description?: string | undefined
  } | undefined
  /** For the OpenAPI document: the error statuses this route answers. */
  readonly errors?: ReadonlyArray<number> | undefined
  /** Leave out of the OpenAPI document. */
  readonly internal?: boolean | undefined
}
