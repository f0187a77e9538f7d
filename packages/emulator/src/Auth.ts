/**
 * "Who is calling": the `CB-Token` rules every authenticated route shares, with the server's exact
 * error bodies (rest-api.md §3, §5):
 *
 * - no or empty `CB-Token` → 401 `{"errors":["Token is required"]}`
 * - unknown or expired token → 401 `{"errors":{"base":["Required session does not exist"]}}`
 * - application session where a user is needed → 403 `{"errors":{"base":["Forbidden. Need user."]}}`
 *
 * Every successful lookup slides the session (2 h after this request, guests 1 day) and records the
 * new expiry, which the server sends back as `CB-Token-ExpirationDate`. For a route declared with
 * `auth: "session" | "user"` the server runs the check and hands the handler the session as the
 * `Caller` service.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { ApiError, Errors } from "./ApiError.js"
import { header, RequestState } from "./Http.js"
import * as Apps from "./store/Apps.js"
import * as Sessions from "./store/Sessions.js"

/**
 * A session row: who a request's token belongs to (`app_id`, `user_id`, `token`, ...).
 *
 * @since 0.1.0
 * @category models
 */
export type Session = Sessions.SessionRow

/**
 * The session the server authenticated for the current request: provided to the handlers of routes
 * declared with `auth: "session"` or `"user"` (for `"user"`, `user_id` is set), and to no other. A handler
 * of an `auth: "none"` route that reads it does not compile (`Route.make`); it calls `requireSession` instead.
 *
 * @since 0.1.0
 * @category tags
 */
export class Caller extends Context.Service<Caller, Session>()("@connectycube-effect/emulator/Auth/Caller") {}

/**
 * The `CB-Token` header, `undefined` when absent or blank (Flutter sends `CB-Token: ` before it has a session).
 *
 * @since 0.1.0
 * @category tokens
 */
export const token: Effect.Effect<string | undefined, never, HttpServerRequest.HttpServerRequest> = Effect.map(
  header("cb-token"),
  (value) => {
    const t = value?.trim()
    return t === undefined || t === "" ? undefined : t
  }
)

/**
 * Authenticates a given token (e.g. the `?token=` of a private blob URL) and slides it.
 *
 * @since 0.1.0
 * @category authentication
 */
export const authenticate = (
  value: string | undefined
): Effect.Effect<Session, ApiError | SqlError.SqlError, RequestState | SqlClient.SqlClient | Sessions.PendingSlides> =>
  Effect.contextWith((context: Context.Context<RequestState | SqlClient.SqlClient | Sessions.PendingSlides>) => authenticateWith(context, value))

// Plain combinators and services read from the context at once: this runs on every authenticated request.
const authenticateWith = (
  context: Context.Context<RequestState | SqlClient.SqlClient | Sessions.PendingSlides>,
  value: string | undefined
): Effect.Effect<Session, ApiError | SqlError.SqlError> => {
  const t = value?.trim()
  if (t === undefined || t === "") return Effect.fail(Errors.tokenRequired())
  const state = Context.get(context, RequestState)
  return Effect.flatMap(Sessions.touchWith(
    Context.get(context, SqlClient.SqlClient),
    Context.get(context, Sessions.PendingSlides),
    t,
    state.now
  ), (session) => {
    if (session === undefined) return Effect.fail(Errors.sessionNotFound())
    state.sessionExpiresAt = session.expires_at
    return Effect.succeed(session)
  })
}

/**
 * The session of the request's `CB-Token`, any kind (application or user): the READ right. The server runs
 * it for `auth: "session"` routes; an `auth: "none"` route that takes a session calls it itself.
 *
 * @since 0.1.0
 * @category authentication
 */
export const requireSession: Effect.Effect<
  Session,
  ApiError | SqlError.SqlError,
  HttpServerRequest.HttpServerRequest | RequestState | SqlClient.SqlClient | Sessions.PendingSlides
> = Effect.contextWith(
  (context: Context.Context<HttpServerRequest.HttpServerRequest | RequestState | SqlClient.SqlClient | Sessions.PendingSlides>) =>
    authenticateWith(context, Context.get(context, HttpServerRequest.HttpServerRequest).headers["cb-token"])
)

/**
 * A user session: the WRITE right. An application session gets 403 "Forbidden. Need user.".
 *
 * @since 0.1.0
 * @category authentication
 */
export const requireUser: Effect.Effect<
  Session & { readonly user_id: number },
  ApiError | SqlError.SqlError,
  HttpServerRequest.HttpServerRequest | RequestState | SqlClient.SqlClient | Sessions.PendingSlides
> = Effect.flatMap(requireSession, (session) =>
  session.user_id === null ?
    Effect.fail(Errors.needUser()) :
    Effect.succeed(session as Session & { readonly user_id: number }))

/**
 * The `Caller` service: the session the server authenticated for a route declared with `auth: "session"`
 * or `"user"`.
 *
 * @since 0.1.0
 * @category authentication
 */
export const caller: Effect.Effect<Session, never, Caller> = Effect.service(Caller)

/**
 * The application of a `CB-AuthKey` header (sign-up without a session, rest-api.md §4.2):
 * an unknown key → 401 `{"errors":["Unauthorized"]}`.
 *
 * @since 0.1.0
 * @category authentication
 */
export const requireAuthKey: Effect.Effect<
  Apps.AppRow,
  ApiError | SqlError.SqlError,
  HttpServerRequest.HttpServerRequest | SqlClient.SqlClient
> = Effect.gen(function*() {
  const key = (yield* header("cb-authkey"))?.trim()
  if (key === undefined || key === "") return yield* Effect.fail(Errors.tokenRequired())
  const app = yield* Apps.findByAuthKey(key)
  if (app === undefined) return yield* Effect.fail(Errors.unauthorized())
  return app
})

/**
 * Either a session (`CB-Token`) or, without a token, the app of `CB-AuthKey`: what POST /users takes.
 *
 * @since 0.1.0
 * @category authentication
 */
export const requireSessionOrAuthKey: Effect.Effect<
  { readonly appId: number; readonly session: Session | undefined },
  ApiError | SqlError.SqlError,
  HttpServerRequest.HttpServerRequest | RequestState | SqlClient.SqlClient | Sessions.PendingSlides
> = Effect.flatMap(token, (t): Effect.Effect<
  { readonly appId: number; readonly session: Session | undefined },
  ApiError | SqlError.SqlError,
  HttpServerRequest.HttpServerRequest | RequestState | SqlClient.SqlClient | Sessions.PendingSlides
> =>
  t !== undefined ?
    Effect.map(authenticate(t), (session): { readonly appId: number; readonly session: Session | undefined } => ({
      appId: session.app_id,
      session
    })) :
    Effect.map(requireAuthKey, (app) => ({ appId: app.id, session: undefined })))

/**
 * Is `error` one of the token errors (so a route can try another way to authenticate)?
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTokenError = (error: unknown): boolean => error instanceof ApiError && error.status === 401
