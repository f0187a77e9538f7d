/**
 * The control endpoints behind the web UI (`/__emulator/ui/`): an overview, the users (searched with the
 * REST `GET /users/v2` code, created, edited and deleted with the REST validation), sessions, blobs and
 * their bytes, one fault removed. Like all of `/__emulator/*` they need no session and get the control
 * API's protections (`Server.controlRefusal`: no CORS, a `Host` that is an IP, localhost or an allowed name, JSON on state changes).
 *
 * What they never show: a session token (masked: its first 4 characters), an auth key unless asked for
 * it (`GET /__emulator/apps/:id/auth-key`), a password hash. Blob bytes are user content served on the
 * UI's origin: an attachment unless `?inline=1` names a type that cannot run script (images but SVG, plain
 * text), always sandboxed by their Content-Security-Policy and never sniffed.
 *
 * @since 0.1.0
 */
import * as UserInput from "@connectycube-effect/core/UserInput"
import * as UsersQuery from "@connectycube-effect/core/UsersQuery"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { ApiError, Errors } from "../ApiError.js"
import { EmulatorClock } from "../Clock.js"
import * as Faults from "../Faults.js"
import * as Http from "../Http.js"
import { toInt } from "../internal/Params.js"
import * as UserContent from "../internal/UserContent.js"
import * as Route from "../Route.js"
import { Settings } from "../Settings.js"
import * as Apps from "../store/Apps.js"
import * as BlobBytes from "../store/BlobBytes.js"
import type * as Blobs from "../store/Blobs.js"
import * as Inspect from "../store/Inspect.js"
import * as Sessions from "../store/Sessions.js"
import * as Users from "../store/Users.js"
import * as Search from "../store/UsersSearch.js"
import * as BlobRoutes from "./Blobs.js"
import * as UserRoutes from "./Users.js"

// ---------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------

/**
 * A secret shown by its first characters only (at most 4, and at most a third of it): `"emul••••"`.
 *
 * @since 0.1.0
 * @category views
 */
export const mask = (secret: string): string => `${secret.slice(0, Math.min(4, Math.floor(secret.length / 3)))}••••`

/**
 * A session as the console shows it. `id` is the console's handle for it (`DELETE
 * /__emulator/sessions/:id`); `session_id` is the id the API gives the session (a user session's is its user's).
 *
 * @since 0.1.0
 * @category views
 */
export const SessionView = Schema.Struct({
  id: Schema.Number,
  session_id: Schema.Number,
  application_id: Schema.Number,
  user_id: Schema.NullOr(Schema.Number),
  kind: Schema.Literals(["app", "user", "guest"]),
  created_at: Schema.String,
  expires_at: Schema.String,
  expiresInMs: Schema.Number,
  token: Schema.String
})

const sessionView = (now: number) => (row: Inspect.SessionEntry): typeof SessionView.Type => ({
  id: row.ref,
  session_id: row.id,
  application_id: row.app_id,
  user_id: row.user_id,
  kind: row.user_id === null ? "app" : row.is_guest === 1 ? "guest" : "user",
  created_at: new Date(row.created_at).toISOString(),
  expires_at: new Date(row.expires_at).toISOString(),
  expiresInMs: row.expires_at - now,
  token: mask(row.token)
})

/**
 * A blob as the console shows it.
 *
 * @since 0.1.0
 * @category views
 */
export const BlobView = Schema.Struct({
  id: Schema.Number,
  uid: Schema.String,
  name: Schema.String,
  size: Schema.NullOr(Schema.Number),
  content_type: Schema.String,
  public: Schema.Boolean,
  completed: Schema.Boolean,
  user_id: Schema.Number,
  app_id: Schema.Number,
  created_at: Schema.String
})

const blobView = (row: Blobs.BlobRow): typeof BlobView.Type => ({
  id: row.id,
  uid: row.uid,
  name: row.name,
  size: row.size ?? row.uploaded_size,
  content_type: row.content_type,
  public: row.public === 1,
  completed: row.blob_status === "complete",
  user_id: row.user_id,
  app_id: row.app_id,
  created_at: new Date(row.created_at).toISOString()
})

const ClockView = Schema.Struct({ now: Schema.String, nowMs: Schema.Number, frozen: Schema.Boolean })

const Overview = Schema.Struct({
  apps: Schema.Array(Schema.Struct({ id: Schema.Number, authKey: Schema.String })),
  clock: ClockView,
  counts: Schema.Struct({ users: Schema.Number, sessions: Schema.Number, blobs: Schema.Number, emails: Schema.Number })
})

const Ok = Schema.Struct({ ok: Schema.Literal(true) })

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

const first = (u: unknown): unknown => (Array.isArray(u) ? u[0] : u)

/** A path id: a positive integer, else no such entity (404). */
const idParam = (name = "id") =>
  Effect.flatMap(Http.pathParams, (params) => {
    const raw = params[name] ?? ""
    return /^\d{1,15}$/.test(raw) && Number(raw) > 0 ? Effect.succeed(Number(raw)) : Effect.fail(Errors.notFound())
  })

const invalid = (field: string, message: string) => ApiError.fields(422, { [field]: [message] })

/** An optional integer query parameter within `min..max` (422 naming it otherwise). */
const intParam = (
  query: Record<string, unknown>,
  field: string,
  min: number,
  max: number
): Effect.Effect<number | undefined, ApiError> => {
  const raw = first(query[field])
  if (raw === undefined || raw === "") return Effect.succeed(undefined)
  const n = toInt(raw)
  return n !== undefined && n >= min && n <= max ?
    Effect.succeed(n) :
    Effect.fail(invalid(field, `must be an integer from ${min} to ${max}`))
}

/**
 * Paging of the console's lists (sessions, blobs): `limit` 1..`MAX_LIMIT` (default 100), `offset` ≥ 0.
 *
 * @since 0.1.0
 * @category limits
 */
export const MAX_LIMIT = 1000

const MAX_OFFSET = 1_000_000_000

const paging = (query: Record<string, unknown>) =>
  Effect.gen(function*() {
    const limit = (yield* intParam(query, "limit", 1, MAX_LIMIT)) ?? 100
    const offset = (yield* intParam(query, "offset", 0, MAX_OFFSET)) ?? 0
    return { limit, offset }
  })

const flag = (u: unknown) => {
  const v = first(u)
  return v === "true" || v === "1"
}

/** The app the users endpoints work on: `?app_id=`, else the first configured one. */
const appOf = (query: Record<string, unknown>) =>
  Effect.gen(function*() {
    const settings = yield* Settings
    const fallback = settings.apps[0]?.id ?? 1
    const id = yield* intParam(query, "app_id", 1, Number.MAX_SAFE_INTEGER)
    if (id === undefined) return fallback
    if ((yield* Apps.find(id)) === undefined) return yield* Effect.fail(invalid("app_id", "is not an application of this emulator"))
    return id
  })

const now = Http.now

// ---------------------------------------------------------------------------
// Overview and apps
// ---------------------------------------------------------------------------

const clockView = Effect.map(EmulatorClock, (clock) => {
  const ms = clock.unsafeNow()
  return { now: new Date(ms).toISOString(), nowMs: ms, frozen: clock.isFrozen() }
})

const overview = Effect.gen(function*() {
  // slides kept in memory count: a session used this second is live
  yield* Sessions.flushPending
  const apps = yield* Inspect.apps
  const counts = yield* Inspect.counts(yield* now)
  return Http.json({
    apps: apps.map((app) => ({ id: app.id, authKey: mask(app.auth_key) })),
    clock: yield* clockView,
    counts
  })
})

const authKey = Effect.gen(function*() {
  const id = yield* idParam()
  const app = yield* Apps.find(id)
  if (app === undefined) return yield* Effect.fail(Errors.notFound())
  return Http.json({ id: app.id, authKey: app.auth_key })
})

// ---------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------

/**
 * The most users a `search` text may match (their ids become the query's `id[in]` filter).
 *
 * @since 0.1.0
 * @category limits
 */
export const SEARCH_MAX_MATCHES = 10_000

/**
 * The longest `search` text.
 *
 * @since 0.1.0
 * @category limits
 */
export const SEARCH_MAX_LENGTH = 200

const decodeQuery = (() => {
  const run = UserInput.decode(UsersQuery.UsersQuery, "strict")
  return (input: unknown): Effect.Effect<UsersQuery.UsersQuery, ApiError> =>
    Result.match(run(input), {
      onFailure: (issues) => Effect.fail(ApiError.fields(422, UserInput.toFieldErrors(issues))),
      onSuccess: Effect.succeed
    })
})()

const FILTER_FIELDS: ReadonlyArray<string> = [...UsersQuery.STANDALONE_FIELDS, ...UsersQuery.DATE_FIELDS]

/** Every user: the V2 query needs a filter, and every user was created after the epoch. */
const ALL_USERS = { gte: "1970-01-01T00:00:00Z" }

const listUsers = Effect.gen(function*() {
  const raw = yield* Http.query
  const appId = yield* appOf(raw)
  const params: Record<string, unknown> = { ...raw }
  // `page`/`per_page` as another spelling of `offset`/`limit`
  const perPage = yield* intParam(raw, "per_page", 1, 100)
  const page = yield* intParam(raw, "page", 1, 1_000_000)
  if (params.limit === undefined && perPage !== undefined) params.limit = String(perPage)
  if (params.offset === undefined && page !== undefined) params.offset = String((page - 1) * (perPage ?? 100))
  const normalized = UserRoutes.normalizeV2(params)
  for (const [key, value] of Object.entries(normalized)) {
    const ops = value !== null && typeof value === "object" && !Array.isArray(value) ? Object.values(value) : [value]
    if (ops.some((op) => Http.list(op).length > UserRoutes.LIMITS.listItems)) {
      return yield* Effect.fail(invalid(key, `has too many values (maximum is ${UserRoutes.LIMITS.listItems})`))
    }
  }
  const rawSearch = first(raw.search)
  const search = typeof rawSearch === "string" ? rawSearch.trim() : ""
  let matches: ReadonlyArray<number> | undefined
  if (search !== "") {
    if (search.length > SEARCH_MAX_LENGTH) {
      return yield* Effect.fail(invalid("search", `must be at most ${SEARCH_MAX_LENGTH} characters`))
    }
    if (normalized.id !== undefined) return yield* Effect.fail(invalid("search", "cannot be combined with id"))
    matches = yield* Inspect.userIdsMatching(appId, search, SEARCH_MAX_MATCHES + 1)
    if (matches.length > SEARCH_MAX_MATCHES) {
      return yield* Effect.fail(invalid("search", `matches more than ${SEARCH_MAX_MATCHES} users: narrow it down`))
    }
    if (matches.length > 0) normalized.id = { in: matches.map(String) }
  }
  if (!FILTER_FIELDS.some((field) => normalized[field] !== undefined)) normalized.created_at = ALL_USERS
  const query = yield* decodeQuery(normalized)
  const result = matches !== undefined && matches.length === 0 ?
    { rows: [], total: 0, limit: query.limit ?? 100, skip: query.offset ?? 0 } :
    yield* Search.searchV2(appId, query)
  return Http.json({
    current_page: Math.floor(result.skip / result.limit) + 1,
    per_page: result.limit,
    limit: result.limit,
    skip: result.skip,
    total_entries: result.total,
    items: result.rows.map(Users.toJson)
  })
})

const userOrNotFound = Effect.flatMap(idParam(), (id) =>
  Effect.flatMap(Inspect.user(id), (row) => row === undefined ? Effect.fail(Errors.notFound()) : Effect.succeed(row)))

const userDetail = Effect.gen(function*() {
  const row = yield* userOrNotFound
  const at = yield* now
  yield* Sessions.flushPending
  const sessions = yield* Inspect.sessions({ now: at, all: false, userId: row.id, limit: MAX_LIMIT, offset: 0 })
  const blobs = yield* Inspect.blobs({ userId: row.id, limit: MAX_LIMIT, offset: 0 })
  return Http.json({
    user: Users.toJson(row),
    sessions: sessions.rows.map(sessionView(at)),
    blobs: blobs.rows.map(blobView)
  })
})

const createUser = Effect.gen(function*() {
  const appId = yield* appOf(yield* Http.query)
  const input = yield* UserRoutes.decodeSignup(UserRoutes.userOf(yield* Http.body))
  const row = yield* Users.create(appId, UserRoutes.toStore(input), yield* now)
  return Http.json({ user: Users.toJson(row) }, 201)
})

const updateUser = Effect.gen(function*() {
  const current = yield* userOrNotFound
  const user = UserRoutes.userOf(yield* Http.body)
  // The operator is not the user: a new password needs no old one here (REST asks for it).
  const withOld = user !== null && typeof user === "object" && !Array.isArray(user) &&
    "password" in user && !("old_password" in user)
  const input = yield* UserRoutes.decodeUpdate(withOld ? { ...user, old_password: "-" } : user)
  const login = input.login === undefined ? current.login : input.login
  const email = input.email === undefined ? current.email : input.email
  if (login === null && email === null) return yield* Effect.fail(invalid("email", "cannot be blank without a login"))
  const row = yield* Users.update(current.app_id, current.id, UserRoutes.toStore(input), yield* now)
  if (row === undefined) return yield* Effect.fail(Errors.notFound())
  return Http.json({ user: Users.toJson(row) })
})

const deleteUser = Effect.gen(function*() {
  const row = yield* userOrNotFound
  // its sessions first, through the store (drops their pending slides), then the user (tags and blobs cascade)
  yield* Sessions.removeForUser(row.id)
  yield* Users.remove(row.app_id, row.id)
  return Http.json({ ok: true })
})

// ---------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------

const listSessions = Effect.gen(function*() {
  const query = yield* Http.query
  const { limit, offset } = yield* paging(query)
  const userId = yield* intParam(query, "user_id", 1, Number.MAX_SAFE_INTEGER)
  const at = yield* now
  yield* Sessions.flushPending
  const page = yield* Inspect.sessions({ now: at, all: flag(query.all), userId, limit, offset })
  return Http.json({ sessions: page.rows.map(sessionView(at)), total: page.total })
})

const deleteSession = Effect.gen(function*() {
  const token = yield* Inspect.sessionToken(yield* idParam())
  if (token === undefined) return yield* Effect.fail(Errors.notFound())
  yield* Sessions.remove(token)
  return Http.json({ ok: true })
})

// ---------------------------------------------------------------------------
// Blobs
// ---------------------------------------------------------------------------

const listBlobs = Effect.gen(function*() {
  const query = yield* Http.query
  const { limit, offset } = yield* paging(query)
  const userId = yield* intParam(query, "user_id", 1, Number.MAX_SAFE_INTEGER)
  const page = yield* Inspect.blobs({ userId, limit, offset })
  return Http.json({ blobs: page.rows.map(blobView), total: page.total })
})

/** Image types a browser renders without running anything (SVG can hold script). */
const INLINE_IMAGES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/bmp",
  "image/x-icon",
  "image/vnd.microsoft.icon"
])

/**
 * How a blob's bytes are answered on the console: the content type and whether inline. Inline only when
 * asked and safe (images but SVG as they are; any `text/*` as `text/plain`); else an attachment of
 * `application/octet-stream`, so that no stored type (HTML, SVG, XML) is ever one the browser renders
 * on the UI's origin.
 *
 * @since 0.1.0
 * @category blobs
 */
export const contentDisposition = (
  storedType: string,
  inlineWanted: boolean
): { readonly inline: boolean; readonly contentType: string } => {
  const base = storedType.split(";")[0]!.trim().toLowerCase()
  if (inlineWanted && INLINE_IMAGES.has(base)) return { inline: true, contentType: base }
  if (inlineWanted && base.startsWith("text/")) return { inline: true, contentType: "text/plain; charset=utf-8" }
  return { inline: false, contentType: "application/octet-stream" }
}

const blobContent = Effect.gen(function*() {
  const row = yield* Inspect.blob(yield* idParam())
  if (row === undefined) return yield* Effect.fail(Errors.notFound())
  const bytes = yield* BlobBytes.readBytes(row)
  if (Option.isNone(bytes)) return yield* Effect.fail(ApiError.messages(404, "The blob has no uploaded bytes"))
  const { contentType, inline } = contentDisposition(row.content_type, flag((yield* Http.query).inline))
  const headers = {
    "content-disposition": `${inline ? "inline" : "attachment"}; ${UserContent.filenameParams(row.name)}`,
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store"
  }
  return yield* BlobRoutes.bytesResponse(bytes.value, row, { contentType, headers })
})

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

const deleteFault = Effect.gen(function*() {
  const id = yield* idParam()
  const removed = yield* (yield* Faults.Faults).remove(id)
  if (!removed) return yield* Effect.fail(Errors.notFound())
  return Http.json({ ok: true })
})

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

const tag = "emulator"

const Paging = Schema.Struct({ limit: Schema.optional(Schema.String), offset: Schema.optional(Schema.String) })

/**
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route.Route> = [
  Route.make({
    method: "GET",
    path: "/__emulator/overview",
    tag,
    summary: "Apps (auth keys masked), the clock, and counts of users, live sessions, blobs and mails",
    auth: "none",
    response: { status: 200, body: Overview },
    handler: overview
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/apps/:id/auth-key",
    tag,
    summary: "An application's auth key, unmasked",
    auth: "none",
    response: { status: 200, body: Schema.Struct({ id: Schema.Number, authKey: Schema.String }) },
    errors: [404],
    handler: authKey
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/users",
    tag,
    summary: "Users of an app (`app_id`, default the first), with the V2 search's parameters, `search` and `page`/`per_page`",
    description: "Runs the `GET /users/v2` query code without a session; no filter lists every user. `search` matches " +
      "login, email, full name or a tag containing the text (case-insensitive).",
    auth: "none",
    errors: [422],
    handler: listUsers
  }),
  Route.make({
    method: "POST",
    path: "/__emulator/users",
    tag,
    summary: "Create a user (`{ user }`, the sign-up validation)",
    auth: "none",
    request: { body: Schema.Struct({ user: UserInput.Signup }) },
    response: { status: 201 },
    errors: [415, 422],
    handler: createUser
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/users/:id",
    tag,
    summary: "A user with their live sessions (tokens masked) and blobs",
    auth: "none",
    errors: [404],
    handler: userDetail
  }),
  Route.make({
    method: "PUT",
    path: "/__emulator/users/:id",
    tag,
    summary: "Update a user (`{ user }`, the update validation; a new password needs no old one)",
    auth: "none",
    request: { body: Schema.Struct({ user: UserInput.Update }) },
    errors: [404, 415, 422],
    handler: updateUser
  }),
  Route.make({
    method: "DELETE",
    path: "/__emulator/users/:id",
    tag,
    summary: "Delete a user with their sessions, tags and blobs",
    auth: "none",
    response: { status: 200, body: Ok },
    errors: [404, 415],
    handler: deleteUser
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/sessions",
    tag,
    summary: "Sessions, newest first: live ones (`all=true`: expired too), of one user with `user_id`; tokens masked",
    auth: "none",
    request: { query: Paging },
    response: { status: 200, body: Schema.Struct({ sessions: Schema.Array(SessionView), total: Schema.Number }) },
    errors: [422],
    handler: listSessions
  }),
  Route.make({
    method: "DELETE",
    path: "/__emulator/sessions/:id",
    tag,
    summary: "End a session (`id` of the session view)",
    auth: "none",
    response: { status: 200, body: Ok },
    errors: [404, 415],
    handler: deleteSession
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/blobs",
    tag,
    summary: "Blobs, newest first (`user_id` for one user's)",
    auth: "none",
    request: { query: Paging },
    response: { status: 200, body: Schema.Struct({ blobs: Schema.Array(BlobView), total: Schema.Number }) },
    errors: [422],
    handler: listBlobs
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/blobs/:id/content",
    tag,
    summary: "A blob's bytes: an attachment; `inline=1` shows images (not SVG) and text (as text/plain)",
    auth: "none",
    errors: [404],
    handler: blobContent
  }),
  Route.make({
    method: "DELETE",
    path: "/__emulator/faults/:id",
    tag,
    summary: "Remove one pending fault",
    auth: "none",
    response: { status: 200, body: Ok },
    errors: [404, 415],
    handler: deleteFault
  })
]
