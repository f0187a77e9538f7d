/**
 * Sessions: `POST /session`, `GET /session`, `DELETE /session`, `POST /login`, `DELETE /login`
 * (rest-api.md §2, official-sdk.md §4).
 *
 * Choices where the reference has gaps: wrong application credentials → 401 `{"errors":["Unauthorized"]}`
 * (the older server's answer, the only one seen for this case); a missing `application_id`/`auth_key`
 * → 422 `{"errors":{"application_id":["cannot be blank"]}}`; `POST /login` → 200 `{"user":{...}}`.
 *
 * @since 0.1.0
 */
import * as Session from "@connectycube-effect/core/Session"
import * as User from "@connectycube-effect/core/User"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Errors } from "../ApiError.js"
import * as Auth from "../Auth.js"
import * as Http from "../Http.js"
import * as Identity from "../Identity.js"
import { toInt } from "../internal/Params.js"
import * as Signature from "../internal/Signature.js"
import * as Route from "../Route.js"
import { Settings } from "../Settings.js"
import * as Apps from "../store/Apps.js"
import * as Sessions from "../store/Sessions.js"
import * as Users from "../store/Users.js"

/**
 * The body of `POST /session` (for the OpenAPI document; the handler reads it leniently).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateSessionBody = Schema.Struct({
  application_id: Schema.Union([Schema.Number, Schema.String]),
  auth_key: Schema.String,
  nonce: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  timestamp: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  signature: Schema.optional(Schema.String),
  user: Schema.optional(Schema.Struct({
    login: Schema.optional(Schema.String),
    email: Schema.optional(Schema.String),
    password: Schema.optional(Schema.String),
    guest: Schema.optional(Schema.Union([Schema.String, Schema.Number, Schema.Boolean])),
    full_name: Schema.optional(Schema.String)
  })),
  provider: Schema.optional(Schema.Literals(["facebook", "twitter", "firebase_phone", "firebase_email"])),
  keys: Schema.optional(Schema.Struct({ token: Schema.String, secret: Schema.optional(Schema.String) })),
  firebase_phone: Schema.optional(Session.FirebaseKeys),
  firebase_email: Schema.optional(Session.FirebaseKeys)
})

/**
 * The body of `POST /login`: flat credentials or a provider form.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LoginBody = Schema.Struct({
  login: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  password: Schema.optional(Schema.String),
  provider: Schema.optional(Schema.Literals(["facebook", "twitter", "firebase_phone", "firebase_email"])),
  keys: Schema.optional(Schema.Struct({ token: Schema.String, secret: Schema.optional(Schema.String) })),
  firebase_phone: Schema.optional(Session.FirebaseKeys),
  firebase_email: Schema.optional(Session.FirebaseKeys)
})

const sessionBody = (session: Sessions.SessionRow) =>
  Effect.gen(function*() {
    if (session.user_id === null) return { session: Sessions.toJson(session) }
    const user = yield* Users.findById(session.app_id, session.user_id)
    return { session: Sessions.toJson(session, user === undefined ? undefined : Users.toJson(user)) }
  })

const createSession = Effect.gen(function*() {
  const settings = yield* Settings
  const now = yield* Http.now
  // CB-Token is deliberately ignored here: the official SDK forwards stale tokens on this call.
  const body = yield* Http.body
  const appId = toInt(body.application_id)
  const authKey = typeof body.auth_key === "string" ? body.auth_key : undefined
  if (body.application_id === undefined || body.application_id === "") {
    return yield* Effect.fail(Errors.blank("application_id"))
  }
  if (authKey === undefined || authKey === "") return yield* Effect.fail(Errors.blank("auth_key"))
  const app = appId === undefined ? undefined : yield* Apps.find(appId)
  if (app === undefined || app.auth_key !== authKey) return yield* Effect.fail(Errors.unauthorized())

  // Signed requests (SDK 3.x, Flutter) are checked when the app has a secret; unsigned ones pass.
  const signature = typeof body.signature === "string" ? body.signature : undefined
  if (signature !== undefined && signature !== "" && app.auth_secret !== null) {
    if (!Signature.verify(body, app.auth_secret, signature)) return yield* Effect.fail(Errors.unexpectedSignature())
  }

  const resolved = yield* Identity.resolve(app, Identity.fromBody(body, false), now, settings)
  const session = yield* Sessions.create({
    appId: app.id,
    userId: resolved?.user.id ?? null,
    nonce: toInt(body.nonce) ?? null,
    ts: toInt(body.timestamp) ?? null,
    ttlMs: resolved?.guest === true ? settings.guestSessionTtlMs : settings.sessionTtlMs,
    now
  })
  yield* Http.setTokenExpiration(session.expires_at)
  // The user as it was before this request (issue 17, 7a): `last_request_at` is the previous request's time,
  // `null` for a user this sign-in created, as in the seed's guest example. GET /session shows this one.
  return Http.json({ session: Sessions.toJson(session, resolved === undefined ? undefined : Users.toJson(resolved.user)) }, 201)
})

const login = Effect.gen(function*() {
  const settings = yield* Settings
  const now = yield* Http.now
  const caller = yield* Auth.caller
  const body = yield* Http.body
  const credentials = Identity.fromBody(body, true)
  if (credentials._tag === "None") return yield* Effect.fail(Errors.blank("password"))
  if (credentials._tag === "Password" && (credentials.password === undefined || credentials.password === "")) {
    return yield* Effect.fail(Errors.blank("password"))
  }
  const app = yield* Apps.find(caller.app_id)
  if (app === undefined) return yield* Effect.fail(Errors.sessionNotFound())
  const resolved = yield* Identity.resolve(app, credentials, now, settings)
  if (resolved === undefined) return yield* Effect.fail(Errors.blank("password"))
  const ttl = resolved.guest ? settings.guestSessionTtlMs : settings.sessionTtlMs
  const session = yield* Sessions.attachUser(caller.token, resolved.user.id, ttl, now)
  if (session !== undefined) yield* Http.setTokenExpiration(session.expires_at)
  const user = yield* Users.findById(app.id, resolved.user.id)
  return Http.json({ user: Users.toJson(user ?? resolved.user) })
})

const SessionResponse = Schema.Struct({ session: Session.Session })
// the class, for the OpenAPI document (`User.UserEnvelope` decodes through an opaque declaration)
const UserResponse = Schema.Struct({ user: User.User })

/**
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route.Route> = [
  Route.make({
    method: "POST",
    path: "/session",
    tag: "sessions",
    summary: "Create a session (application, user, guest, social, Firebase or Custom Identity Provider)",
    auth: "none",
    request: { body: CreateSessionBody },
    response: { status: 201, body: SessionResponse },
    errors: [401, 404, 413, 422],
    handler: createSession
  }),
  Route.make({
    method: "GET",
    path: "/session",
    tag: "sessions",
    summary: "The current session (with its user for a user session)",
    auth: "session",
    response: { status: 200, body: SessionResponse },
    errors: [401],
    handler: Effect.flatMap(Auth.caller, (session) => Effect.map(sessionBody(session), (b) => Http.json(b)))
  }),
  Route.make({
    method: "DELETE",
    path: "/session",
    tag: "sessions",
    summary: "Destroy the current session (the token stops working)",
    auth: "session",
    response: { status: 200, description: "empty body" },
    errors: [401],
    handler: Effect.gen(function*() {
      const caller = yield* Auth.caller
      yield* Sessions.remove(caller.token)
      yield* Http.setTokenExpiration(undefined)
      return Http.empty()
    })
  }),
  Route.make({
    method: "POST",
    path: "/login",
    tag: "sessions",
    summary: "Log a user in on the current token (upgrades it to a user session)",
    auth: "session",
    request: { body: LoginBody },
    response: { status: 200, body: UserResponse },
    errors: [401, 404, 422],
    handler: login
  }),
  Route.make({
    method: "DELETE",
    path: "/login",
    tag: "sessions",
    summary: "Log the user out (the token becomes an application session)",
    auth: "session",
    response: { status: 200, description: "empty body" },
    errors: [401],
    handler: Effect.gen(function*() {
      const caller = yield* Auth.caller
      const settings = yield* Settings
      const now = yield* Http.now
      if (caller.user_id !== null) {
        const session = yield* Sessions.detachUser(caller.token, settings.sessionTtlMs, now)
        if (session !== undefined) yield* Http.setTokenExpiration(session.expires_at)
      }
      return Http.empty()
    })
  })
]
