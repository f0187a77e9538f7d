/**
 * Users: sign up, update, delete, password reset, the V2 search and the deprecated V1 list and lookups
 * (rest-api.md §3–4, official-sdk.md §5).
 *
 * Bodies and queries are decoded with the Schemas the SDK validates with (`UserInput`, `UsersQuery`
 * from core), so both sides agree on every rule; a violation is 422 `{"errors":{"<field>":["<why>"]}}`.
 *
 * Choices where the reference has gaps (rest-api.md §9):
 * - duplicate login/email → 422 `{"errors":{"login":["has already been taken"]}}` (per app,
 *   case-insensitive);
 * - updating or deleting another user → 403 `{"errors":{"base":["Forbidden. You can only change your own account."]}}`;
 *   a wrong `old_password` → 422 `{"errors":{"old_password":["is incorrect"]}}`;
 * - `website` without a scheme is stored with `http://` (the docs' update example);
 * - password reset answers 200 with an empty body whether or not the email belongs to a user (so it
 *   cannot be used to probe for addresses); only a known address gets a mail (`GET /__emulator/emails`);
 * - an invalid V2 query → 422 with the field's path (`{"errors":{"full_name.start_with":[...]}}`);
 *   parameters that are not V2 fields are ignored; `ge`/`le` are read as `gte`/`lte`; `id[]=1&id[]=2`
 *   as `id[in]`;
 * - `by_full_name` matches names containing the text (case-insensitive); `by_tags` any of the tags;
 * - the V1 `page`/`per_page` are clamped (page ≥ 1, per_page 1..100, default 10);
 * - unknown users → 404 `{"errors":{"base":["Entity you are looking for was not found."]}}`.
 *
 * @since 0.1.0
 */
import * as Paging from "@connectycube-effect/core/Paging"
import * as User from "@connectycube-effect/core/User"
import * as UserInput from "@connectycube-effect/core/UserInput"
import * as UsersQuery from "@connectycube-effect/core/UsersQuery"
import * as UsersQueryV1 from "@connectycube-effect/core/UsersQueryV1"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Crypto from "node:crypto"
import { ApiError, Errors } from "../ApiError.js"
import * as Auth from "../Auth.js"
import * as Http from "../Http.js"
import { toInt } from "../internal/Params.js"
import * as Route from "../Route.js"
import * as Emails from "../store/Emails.js"
import * as Users from "../store/Users.js"
import * as Search from "../store/UsersSearch.js"

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

const unprocessable = (issues: ReadonlyArray<UserInput.Issue>) => ApiError.fields(422, UserInput.toFieldErrors(issues))

const decodeWith = <A, I>(schema: Schema.Codec<A, I>, strictness: UserInput.Strictness) => {
  const run = UserInput.decode(schema, strictness)
  return (input: unknown): Effect.Effect<A, ApiError> =>
    Result.match(run(input), { onFailure: (issues) => Effect.fail(unprocessable(issues)), onSuccess: Effect.succeed })
}

const NUMERIC_FIELDS = ["timezone", "blob_id", "external_user_id"] as const

/** Form-encoded bodies (`user[timezone]=180`) carry numbers as strings. */
const coerce = (user: unknown): unknown => {
  if (user === null || typeof user !== "object" || Array.isArray(user)) return user
  const out: Record<string, unknown> = { ...(user as Record<string, unknown>) }
  for (const field of NUMERIC_FIELDS) {
    const v = out[field]
    if (typeof v === "string" && /^-?\d{1,15}$/.test(v.trim())) out[field] = Number(v)
  }
  return out
}

/**
 * The sign-up validation of `POST /users` (422 field errors); the control API's user create uses it too.
 *
 * @since 0.1.0
 * @category input
 */
export const decodeSignup = decodeWith(UserInput.Signup, "lenient")
/**
 * The update validation of `PUT /users/{id}` (422 field errors); the control API's user update uses it too.
 *
 * @since 0.1.0
 * @category input
 */
export const decodeUpdate = decodeWith(UserInput.Update, "lenient")
const decodeReset = decodeWith(UserInput.PasswordReset, "lenient")

/**
 * The `user` of a body, numbers sent as strings (form bodies) made numbers.
 *
 * @since 0.1.0
 * @category input
 */
export const userOf = (body: Record<string, unknown>): unknown => coerce(body.user ?? {})

const websiteOf = (w: string | null | undefined) =>
  w === null || w === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(w) ? w : `http://${w}`

const idText = (v: string | number | null | undefined) => (v === null || v === undefined ? v : String(v))

const tagsOf = (t: string | ReadonlyArray<string> | null | undefined) =>
  t === null || t === undefined ? t : typeof t === "string" ? t.split(",") : t

/**
 * A decoded signup or update as the store's input (ids of other systems are text, tags a list).
 *
 * @since 0.1.0
 * @category input
 */
export const toStore = (u: UserInput.Signup | UserInput.Update): Users.UserInput => ({
  login: u.login,
  email: u.email,
  password: u.password,
  full_name: u.full_name,
  phone: u.phone,
  website: websiteOf(u.website),
  external_user_id: u.external_user_id === null || u.external_user_id === undefined
    ? u.external_user_id
    : Number(u.external_user_id),
  external_id: idText(u.external_id),
  facebook_id: idText(u.facebook_id),
  twitter_id: idText(u.twitter_id),
  custom_data: u.custom_data,
  blob_id: u.blob_id,
  avatar: u.avatar,
  tags: tagsOf(u.tag_list),
  timezone: u.timezone
})

/** A repeated parameter (`page=1&page=2`) counts by its first value. */
const firstInt = (u: unknown): number | undefined => toInt(Array.isArray(u) ? u[0] : u)

const text = (u: unknown): string | undefined => {
  const s = Array.isArray(u) ? u[0] : u
  return typeof s === "string" && s !== "" ? s : typeof s === "number" ? String(s) : undefined
}

/**
 * Limits where the reference is silent (README "Limits"): past them, 422 `{"errors":{"<field>":[...]}}`.
 *
 * @since 0.1.0
 * @category limits
 */
export const LIMITS = {
  /** The largest V1 `page` (so `(page - 1) * per_page` stays a small integer). */
  page: 1_000_000,
  /** The most `filter[]` conditions in one V1 list. */
  filters: 20,
  /** The most values in one list: `id[in]`, `user_tags[in]`, V1 `... in a,b,c`, `by_tags` tags. */
  listItems: 1_000
} as const

const tooMany = (field: string, what: string, max: number) =>
  ApiError.fields(422, { [field]: [`has too many ${what} (maximum is ${max})`] })

/** V1 paging: page 1..`LIMITS.page`, per_page 1..100 (default 10). */
const pagingV1 = (params: Record<string, unknown>): Effect.Effect<{ page: number; perPage: number }, ApiError> => {
  const page = Math.max(1, firstInt(params.page) ?? 1)
  const perPage = Math.min(100, Math.max(1, firstInt(params.per_page) ?? 10))
  if (page > LIMITS.page) {
    return Effect.fail(ApiError.fields(422, { page: [`must be less than or equal to ${LIMITS.page}`] }))
  }
  return Effect.succeed({ page, perPage })
}

/** The V2 lists (`k[in]`, `k[nin]`, `k[]`, `k=a,b`) within `LIMITS.listItems`. */
const checkListsV2 = (normalized: Record<string, unknown>): ApiError | undefined => {
  for (const [key, value] of Object.entries(normalized)) {
    const ops = value !== null && typeof value === "object" && !Array.isArray(value) ? Object.values(value) : [value]
    for (const op of ops) {
      if (Http.list(op).length > LIMITS.listItems) return tooMany(key, "values", LIMITS.listItems)
    }
  }
  return undefined
}

const decodeV2 = (params: Record<string, unknown>) => {
  const normalized = normalizeV2(params)
  const refused = checkListsV2(normalized)
  return refused === undefined ? decodeQuery(normalized) : Effect.fail(refused)
}

const pageV1 = (page: Search.Page, paging: { readonly page: number; readonly perPage: number }) =>
  Http.json({
    current_page: paging.page,
    per_page: paging.perPage,
    total_entries: page.total,
    items: page.rows.map((row) => ({ user: Users.toJson(row) }))
  })

const V2_KEYS: ReadonlySet<string> = new Set(Object.keys(UsersQuery.UsersQuery.fields))
const FILTER_KEYS: ReadonlySet<string> = new Set([...UsersQuery.STANDALONE_FIELDS, ...UsersQuery.DATE_FIELDS])
const OPERATOR_ALIASES: Readonly<Record<string, string>> = { ge: "gte", le: "lte" }

/**
 * The parsed query string as the V2 Schema reads it: other parameters dropped, `k[]=…` read as `k[in]`,
 * `ge`/`le` as `gte`/`lte`, empty `limit=`/`offset=`/`sort_*=` as absent.
 *
 * @since 0.1.0
 * @category V2
 */
export const normalizeV2 = (raw: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (!V2_KEYS.has(key)) continue
    if (!FILTER_KEYS.has(key)) {
      const v = Array.isArray(value) ? value[value.length - 1] : value
      if (v !== "") out[key] = v
      continue
    }
    if (Array.isArray(value)) out[key] = { in: value }
    else if (value !== null && typeof value === "object") {
      out[key] = Object.fromEntries(Object.entries(value).map(([op, v]) => [OPERATOR_ALIASES[op] ?? op, v]))
    } else out[key] = value
  }
  return out
}

const decodeQuery = decodeWith(UsersQuery.UsersQuery, "strict")

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

const notOwn = () => ApiError.base(403, "Forbidden. You can only change your own account.")

const signup = Effect.gen(function*() {
  const { appId } = yield* Auth.requireSessionOrAuthKey
  const now = yield* Http.now
  const input = yield* decodeSignup(userOf(yield* Http.body))
  const row = yield* Users.create(appId, toStore(input), now)
  return Http.json({ user: Users.toJson(row) }, 201)
})

const ownId = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const { id } = yield* Http.pathParams
  if (String(caller.user_id) !== id) return yield* Effect.fail(notOwn())
  return { appId: caller.app_id, userId: caller.user_id! }
})

const update = Effect.gen(function*() {
  const { appId, userId } = yield* ownId
  const now = yield* Http.now
  const input = yield* decodeUpdate(userOf(yield* Http.body))
  const current = yield* Users.findById(appId, userId)
  if (current === undefined) return yield* Effect.fail(Errors.notFound())
  if (input.password !== undefined) {
    const ok = yield* Users.verifyPassword(input.old_password ?? "", current.password_hash)
    if (!ok) return yield* Effect.fail(ApiError.fields(422, { old_password: ["is incorrect"] }))
  }
  const login = input.login === undefined ? current.login : input.login
  const email = input.email === undefined ? current.email : input.email
  if (login === null && email === null) {
    return yield* Effect.fail(ApiError.fields(422, { email: ["cannot be blank without a login"] }))
  }
  const row = yield* Users.update(appId, userId, toStore(input), now)
  if (row === undefined) return yield* Effect.fail(Errors.notFound())
  return Http.json({ user: Users.toJson(row) })
})

const deleteById = Effect.gen(function*() {
  const { appId, userId } = yield* ownId
  // The user's sessions (the caller's included) go with it (foreign key cascade).
  yield* Users.remove(appId, userId)
  return Http.empty()
})

const deleteByExternal = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const { id } = yield* Http.pathParams
  const row = yield* Search.byExternalId(caller.app_id, id ?? "")
  if (row === undefined) return yield* Effect.fail(Errors.notFound())
  if (row.id !== caller.user_id) return yield* Effect.fail(notOwn())
  yield* Users.remove(caller.app_id, row.id)
  return Http.empty()
})

const resetPassword = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const now = yield* Http.now
  const { email } = yield* decodeReset({ email: text((yield* Http.params).email) })
  const user = yield* Users.findByEmail(caller.app_id, email)
  if (user !== undefined && user.email !== null) {
    const token = Crypto.randomBytes(16).toString("hex")
    // The emulator's own address, never the request's Host: the mail goes to the user, and `Host: evil.example`
    // would hand them a link that gives the token to evil.example.
    const link = `${yield* Http.publicUrl}/users/password/edit?reset_password_token=${token}`
    yield* Emails.send({
      appId: caller.app_id,
      userId: user.id,
      kind: "password_reset",
      to: user.email,
      subject: "Reset password instructions",
      body: `Hello ${user.full_name ?? user.login ?? user.email},\n\n` +
        `Someone has requested a link to change your password. You can do this through the link below.\n\n${link}\n\n` +
        `If you didn't request this, please ignore this email.`,
      data: { reset_password_token: token, link }
    }, now)
  }
  return Http.empty()
})

type V2Env = Http.RequestState | HttpServerRequest.HttpServerRequest | Http.BodyLimit | Search.SearchCache | Auth.Caller

// Plain combinators (no generator): the V2 search is the most frequent call.
const v2Query = (context: Context.Context<V2Env>): Effect.Effect<UsersQuery.UsersQuery, ApiError, V2Env> =>
  Effect.flatMap(Http.body, (body): Effect.Effect<UsersQuery.UsersQuery, ApiError, V2Env> => {
    if (Object.keys(body).length > 0) return Effect.flatMap(Http.params, decodeV2)
    const url = Context.get(context, HttpServerRequest.HttpServerRequest).url
    const i = url.indexOf("?")
    const search = i === -1 ? "" : url.slice(i + 1)
    // decoded once per query string and emulator (see `Search.SearchCache`)
    const decoded = Context.get(context, Search.SearchCache).decoded
    const cached = decoded.get(search)
    if (cached !== undefined) return Effect.succeed(cached)
    return Effect.map(Effect.flatMap(Http.query, decodeV2), (query) => {
      if (decoded.size >= Search.DECODED_MAX) decoded.clear()
      decoded.set(search, query)
      return query
    })
  })

const searchV2 = Effect.contextWith((context: Context.Context<V2Env>) => {
  const cache = Context.get(context, Search.SearchCache)
  return Effect.flatMap(v2Query(context), (query) =>
    Effect.map(Search.searchV2With(cache, Context.get(context, Auth.Caller).app_id, query), (page) => {
      // the same page object while the database is unchanged: its answer is made once (`SearchCache.answers`)
      let answer = cache.answers.get(page)
      if (answer === undefined) {
        answer = Http.json({ limit: page.limit, skip: page.skip, total_entries: page.total, items: page.rows.map(Users.toJson) })
        cache.answers.set(page, answer)
      }
      return answer
    }))
})

const listV1 = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const params = yield* Http.params
  const rawFilters = params.filter === undefined ? [] : Array.isArray(params.filter) ? params.filter : [params.filter]
  if (rawFilters.length > LIMITS.filters) return yield* Effect.fail(tooMany("filter", "conditions", LIMITS.filters))
  const filters: Array<UsersQueryV1.ParsedFilterV1> = []
  for (const raw of rawFilters) {
    const parsed = UsersQueryV1.parseFilterV1(String(raw))
    if (Result.isFailure(parsed)) return yield* Effect.fail(unprocessable([parsed.failure]))
    if (parsed.success.values.length > LIMITS.listItems) return yield* Effect.fail(tooMany("filter", "values", LIMITS.listItems))
    filters.push(parsed.success)
  }
  let order: { readonly sort: "asc" | "desc"; readonly field: string } | undefined
  const rawOrder = text(params.order)
  if (rawOrder !== undefined) {
    const parsed = UsersQueryV1.parseOrderV1(rawOrder)
    if (Result.isFailure(parsed)) return yield* Effect.fail(unprocessable([parsed.failure]))
    order = parsed.success
  }
  const paging = yield* pagingV1(params)
  return pageV1(yield* Search.listV1(caller.app_id, { filters, order, ...paging }), paging)
})

const found = (row: Users.UserRow | undefined) =>
  row === undefined ? Effect.fail(Errors.notFound()) : Effect.succeed(Http.json({ user: Users.toJson(row) }))

/** A V1 lookup by one query parameter. */
const lookup = (
  param: string,
  find: (appId: number, value: string) => Effect.Effect<Users.UserRow | undefined, SqlError.SqlError, SqlClient.SqlClient>
): Route.Handler<Auth.Caller> =>
  Effect.gen(function*() {
    const caller = yield* Auth.caller
    const value = text((yield* Http.params)[param])
    if (value === undefined) return yield* Effect.fail(Errors.blank(param))
    return yield* found(yield* find(caller.app_id, value))
  })

const byId = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const { id } = yield* Http.pathParams
  const n = firstInt(id)
  return yield* found(n === undefined ? undefined : yield* Users.findById(caller.app_id, n))
})

const byExternal = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const { id } = yield* Http.pathParams
  return yield* found(yield* Search.byExternalId(caller.app_id, id ?? ""))
})

const byFullName = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const params = yield* Http.params
  const name = text(params.full_name)
  if (name === undefined) return yield* Effect.fail(Errors.blank("full_name"))
  const paging = yield* pagingV1(params)
  return pageV1(yield* Search.byFullName(caller.app_id, name, paging.page, paging.perPage), paging)
})

const byTags = Effect.gen(function*() {
  const caller = yield* Auth.caller
  const params = yield* Http.params
  const tags = Http.list(params.tags)
  if (tags.length === 0) return yield* Effect.fail(Errors.blank("tags"))
  if (tags.length > LIMITS.listItems) return yield* Effect.fail(tooMany("tags", "values", LIMITS.listItems))
  const paging = yield* pagingV1(params)
  return pageV1(yield* Search.byTags(caller.app_id, tags, paging.page, paging.perPage), paging)
})

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

const SignupBody = Schema.Struct({ user: UserInput.Signup })
const UpdateBody = Schema.Struct({ user: UserInput.Update })
const PageV1 = Paging.PageV1("user", User.User)
const PageV2 = Paging.PageV2(User.User)
/** `{ user }` with the class, whose wire struct the OpenAPI document spells out (`User.UserEnvelope` is opaque there). */
const UserEnvelope = Schema.Struct({ user: User.User })
const EMPTY = { status: 200, description: "empty body" } as const

const lookupRoute = (path: `/${string}`, param: string, summary: string, find: Parameters<typeof lookup>[1]) =>
  Route.make({
    method: "GET",
    path,
    tag: "users",
    summary,
    description: "Deprecated (V1).",
    auth: "session",
    request: { query: Schema.Struct({ [param]: Schema.String }) },
    response: { status: 200, body: UserEnvelope },
    errors: [401, 404, 422],
    handler: lookup(param, find)
  })

/**
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route.Route> = [
  Route.make({
    method: "POST",
    path: "/users",
    tag: "users",
    summary: "Sign up a user (`CB-Token`, or `CB-AuthKey` without a session)",
    auth: "none",
    request: { body: SignupBody },
    response: { status: 201, body: UserEnvelope },
    errors: [401, 422],
    handler: signup
  }),
  Route.make({
    method: "GET",
    path: "/users/v2",
    tag: "users",
    summary: "Search users (V2): stand-alone fields with eq/in/start_with, nin, date compare, sort, limit/offset",
    auth: "session",
    request: { query: UsersQuery.UsersQuery },
    response: { status: 200, body: PageV2 },
    errors: [401, 422],
    handler: searchV2
  }),
  Route.make({
    method: "GET",
    path: "/users",
    tag: "users",
    summary: "List users (V1): `filter[]=<type> <field> <op> <value>`, `order`, `page`/`per_page`",
    description: "Deprecated (V1).",
    auth: "session",
    response: { status: 200, body: PageV1 },
    errors: [401, 422],
    handler: listV1
  }),
  Route.make({
    method: ["POST", "GET"],
    path: "/users/password/reset",
    tag: "users",
    summary: "Send a password reset mail (`POST {\"email\"}` or `GET ?email=`)",
    auth: "session",
    request: { body: UserInput.PasswordReset },
    response: EMPTY,
    errors: [401, 422],
    handler: resetPassword
  }),
  lookupRoute("/users/by_login", "login", "A user by login", Users.findByLogin),
  lookupRoute("/users/by_email", "email", "A user by email", Users.findByEmail),
  lookupRoute("/users/by_facebook_id", "facebook_id", "A user by Facebook id", (app, v) => Users.findByField(app, "facebook_id", v)),
  lookupRoute("/users/by_twitter_id", "twitter_id", "A user by Twitter id", (app, v) => Users.findByField(app, "twitter_id", v)),
  lookupRoute("/users/phone", "phone", "A user by phone (the JS SDK's path)", (app, v) => Users.findByField(app, "phone", v)),
  lookupRoute("/users/by_phone", "phone", "A user by phone (the Flutter SDK's path)", (app, v) => Users.findByField(app, "phone", v)),
  Route.make({
    method: "GET",
    path: "/users/by_full_name",
    tag: "users",
    summary: "Users whose full name contains the text, one page",
    description: "Deprecated (V1).",
    auth: "session",
    response: { status: 200, body: PageV1 },
    errors: [401, 422],
    handler: byFullName
  }),
  Route.make({
    method: "GET",
    path: "/users/by_tags",
    tag: "users",
    summary: "Users with any of the tags (`tags=a,b` or `tags[]=a&tags[]=b`), one page",
    description: "Deprecated (V1).",
    auth: "session",
    response: { status: 200, body: PageV1 },
    errors: [401, 422],
    handler: byTags
  }),
  Route.make({
    method: "GET",
    path: "/users/external/:id",
    tag: "users",
    summary: "A user by external id (`external_user_id` or `external_id`)",
    description: "Deprecated (V1).",
    auth: "session",
    response: { status: 200, body: UserEnvelope },
    errors: [401, 404],
    handler: byExternal
  }),
  Route.make({
    method: "DELETE",
    path: "/users/external/:id",
    tag: "users",
    summary: "Delete the current user by its external id (own account only)",
    auth: "user",
    response: EMPTY,
    errors: [401, 403, 404],
    handler: deleteByExternal
  }),
  Route.make({
    method: "GET",
    path: "/users/:id",
    tag: "users",
    summary: "A user by id",
    description: "Deprecated (V1).",
    auth: "session",
    response: { status: 200, body: UserEnvelope },
    errors: [401, 404],
    handler: byId
  }),
  Route.make({
    method: "PUT",
    path: "/users/:id",
    tag: "users",
    summary: "Update the current user (own account only; a new password needs old_password)",
    auth: "user",
    request: { body: UpdateBody },
    response: { status: 200, body: UserEnvelope },
    errors: [401, 403, 404, 422],
    handler: update
  }),
  Route.make({
    method: "DELETE",
    path: "/users/:id",
    tag: "users",
    summary: "Delete the current user (own account only)",
    auth: "user",
    response: EMPTY,
    errors: [401, 403],
    handler: deleteById
  })
]
