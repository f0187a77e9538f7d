/**
 * Turns the credential forms of `POST /session` and `POST /login` into a user: login/email +
 * password (created on the fly unless the app denies it), guest, Facebook/Twitter tokens, Firebase
 * phone/email ID tokens, and a Custom Identity Provider (rest-api.md §2.1, §2.5; D-cidp). A handler helper on
 * the users store, beside `Auth.ts`; used by `routes/Sessions.ts`.
 *
 * @since 0.1.0
 */
import * as UserInput from "@connectycube-effect/core/UserInput"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Crypto from "node:crypto"
import { ApiError, Errors } from "./ApiError.js"
import type { AppRow } from "./store/Apps.js"
import type { StoreError } from "./store/Errors.js"
import * as Users from "./store/Users.js"
import type { Service as SettingsService } from "./Settings.js"

/**
 * The credentials found in a request body, normalised.
 *
 * @since 0.1.0
 * @category models
 */
export type Credentials =
  | { readonly _tag: "None" }
  | { readonly _tag: "Password"; readonly login?: string | undefined; readonly email?: string | undefined; readonly password: string | undefined }
  | { readonly _tag: "Guest"; readonly fullName?: string | undefined }
  | { readonly _tag: "Social"; readonly provider: "facebook" | "twitter"; readonly token: string | undefined }
  | {
    readonly _tag: "Firebase"
    readonly provider: "firebase_phone" | "firebase_email"
    readonly projectId: string | undefined
    readonly accessToken: string | undefined
  }
  | { readonly _tag: "UnknownProvider"; readonly provider: string }

const str = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" || typeof u === "boolean" ? String(u) : undefined

const obj = (u: unknown): Record<string, unknown> | undefined =>
  u !== null && typeof u === "object" && !Array.isArray(u) ? u as Record<string, unknown> : undefined

const truthy = (u: unknown) => u === true || u === 1 || u === "1" || u === "true"

/**
 * Reads the credential form out of a body. `nested` is where login/email/password sit: under `user`
 * for POST /session, flat (or under `user`) for POST /login. Bracket keys were already expanded.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromBody = (body: Readonly<Record<string, unknown>>, flat: boolean): Credentials => {
  const provider = str(body.provider)
  if (provider !== undefined && provider !== "") {
    if (provider === "facebook" || provider === "twitter") {
      return { _tag: "Social", provider, token: str(obj(body.keys)?.token) }
    }
    if (provider === "firebase_phone" || provider === "firebase_email") {
      const keys = obj(body[provider])
      return {
        _tag: "Firebase",
        provider,
        projectId: str(keys?.project_id),
        accessToken: str(keys?.access_token)
      }
    }
    return { _tag: "UnknownProvider", provider }
  }
  const user = obj(body.user) ?? (flat ? body : undefined)
  if (user === undefined) return { _tag: "None" }
  if (truthy(user.guest)) return { _tag: "Guest", fullName: str(user.full_name) }
  const login = str(user.login)
  const email = str(user.email)
  const password = str(user.password)
  if (login === undefined && email === undefined && password === undefined) return { _tag: "None" }
  return { _tag: "Password", login, email, password }
}

/**
 * A short, secret-free name of the form (for logs).
 *
 * @since 0.1.0
 * @category parsing
 */
export const describe = (c: Credentials): string =>
  c._tag === "Password" ? (c.login !== undefined ? "login" : "email") :
  c._tag === "Social" || c._tag === "Firebase" ? c.provider :
  c._tag === "UnknownProvider" ? `provider:${c.provider}` :
  c._tag.toLowerCase()

type Env = SqlClient.SqlClient

/**
 * The result: which user the credentials name (and whether it is a guest, whose session lives a day).
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  /** The user as it was before this request (a user created by it has never made a request). */
  readonly user: Users.UserRow
  readonly guest: boolean
}

/**
 * Sign-in takes what sign-up takes (issue 17): the fields of a user created on sign-in, and the login/email/password
 * of a password sign-in, are checked with the Schemas of `POST /users` (from core); a value sign-up refuses is 422
 * here too. Only the fields present are checked.
 */
const SignInFields = Schema.Struct({
  login: Schema.optional(UserInput.Login),
  email: Schema.optional(UserInput.Email),
  password: Schema.optional(UserInput.Password),
  full_name: Schema.optional(UserInput.Text),
  phone: Schema.optional(UserInput.Text),
  external_id: Schema.optional(UserInput.ExternalId)
})

/** The token a Custom Identity Provider app takes in `login`: not a login (no length rule), but still text. */
const ExternalToken = UserInput.NonBlank.check(
  Schema.makeFilter((s: string) => !/[\u0000-\u001F\u007F]/.test(s), { message: "must not contain control characters" })
)

const checkWith = <A>(schema: Schema.Codec<A, unknown>) => {
  const run = UserInput.decode(schema, "lenient")
  return (input: unknown): Effect.Effect<A, ApiError> =>
    Result.match(run(input), {
      onFailure: (issues) => Effect.fail(ApiError.fields(422, UserInput.toFieldErrors(issues))),
      onSuccess: Effect.succeed
    })
}

const checkFields = checkWith(SignInFields as Schema.Codec<typeof SignInFields.Type, unknown>)
const checkToken = checkWith(Schema.Struct({ login: ExternalToken }) as Schema.Codec<{ readonly login: string }, unknown>)

/** Checks the fields of `input` that are set (`null` and `undefined` are absent). */
const valid = (input: Users.UserInput): Effect.Effect<Users.UserInput, ApiError> =>
  Effect.as(
    checkFields(Object.fromEntries(
      Object.entries({
        login: input.login,
        email: input.email,
        password: input.password,
        full_name: input.full_name,
        phone: input.phone,
        external_id: input.external_id
      }).filter(([, v]) => v != null)
    )),
    input
  )

const byIdentity = (
  app: AppRow,
  provider: Users.Provider,
  subject: string,
  input: Users.UserInput,
  now: number
): Effect.Effect<Users.UserRow, ApiError | StoreError | SqlError.SqlError, Env> =>
  Effect.flatMap(
    Users.findByIdentity(app.id, provider, subject),
    (existing) =>
      existing !== undefined ?
        Effect.succeed(existing) :
        Effect.flatMap(valid(input), (checked) =>
          Effect.map(Users.findOrCreateByIdentity(app.id, provider, subject, checked, now), (r) => r.user))
  )

const digits = (token: string, prefix: string): string => {
  // Deterministic per token: the same Facebook/Twitter token is always the same user.
  const hex = Crypto.createHash("sha256").update(`${prefix}:${token}`).digest("hex").slice(0, 13)
  return BigInt(`0x${hex}`).toString(10)
}

const base64UrlJson = (part: string): unknown => {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"))
  } catch {
    return undefined
  }
}

const firebase = (
  app: AppRow,
  c: Extract<Credentials, { _tag: "Firebase" }>,
  now: number
): Effect.Effect<Users.UserRow, ApiError | StoreError | SqlError.SqlError, Env> =>
  Effect.gen(function*() {
    if (c.projectId === undefined || c.projectId === "" || c.accessToken === undefined || c.accessToken === "") {
      return yield* Effect.fail(ApiError.fields(422, {
        base: [`${c.provider}[project_id] and ${c.provider}[access_token] are required`]
      }))
    }
    // The emulator accepts unsigned ID tokens: header.payload.signature with a base64url JSON payload.
    const parts = c.accessToken.split(".")
    const payload = parts.length === 3 ? obj(base64UrlJson(parts[1]!)) : undefined
    if (payload === undefined) return yield* Effect.fail(ApiError.base(422, "Invalid Firebase access token"))
    const audience = str(payload.aud) ?? str(payload.project_id)
    if (audience !== c.projectId) {
      return yield* Effect.fail(ApiError.base(422, "Firebase access token was issued for another project"))
    }
    const exp = typeof payload.exp === "number" ? payload.exp : Number(str(payload.exp))
    if (!Number.isFinite(exp) || exp * 1000 <= now) {
      return yield* Effect.fail(ApiError.base(422, "Firebase access token has expired"))
    }
    if (c.provider === "firebase_phone") {
      const phone = str(payload.phone_number)
      if (phone === undefined || phone === "") {
        return yield* Effect.fail(ApiError.base(422, "Firebase access token has no phone_number"))
      }
      return yield* byIdentity(app, "firebase_phone", phone, { phone }, now)
    }
    const email = str(payload.email)
    if (email === undefined || email === "") {
      return yield* Effect.fail(ApiError.base(422, "Firebase access token has no email"))
    }
    return yield* byIdentity(app, "firebase_email", email, { email }, now)
  })

const cidpError = (message: string, status: number) =>
  ApiError.base(422, `Custom Identity Provider responded with an error = ${JSON.stringify(message)}. Status code = ${status}`)

const messageOf = (text: string): string => {
  try {
    const parsed = JSON.parse(text) as unknown
    const o = obj(parsed)
    const candidate = o?.error ?? o?.message ?? o?.errors
    if (typeof candidate === "string") return candidate
    if (Array.isArray(candidate) && typeof candidate[0] === "string") return candidate[0]
    if (typeof parsed === "string") return parsed
  } catch {
    // not JSON: the text itself is the message
  }
  return text.trim()
}

/**
 * Verifies an external token with the app's Custom Identity Provider, as the real server does:
 * `GET <cidpUrl>?token=<token>`, expecting `{ uid, login?, email?, full_name? }`. The user is
 * the one linked to the uid, or created and linked (login = returned login or `custom_<uid>`, `external_id` = uid;
 * a later change of `external_id` does not move the link).
 *
 * @since 0.1.0
 * @category providers
 */
export const customIdentity = (
  app: AppRow & { readonly cidp_url: string },
  externalToken: string,
  now: number,
  timeoutMs: number
): Effect.Effect<Users.UserRow, ApiError | StoreError | SqlError.SqlError, Env> =>
  Effect.gen(function*() {
    const url = new URL(app.cidp_url)
    url.searchParams.set("token", externalToken)
    const answer = yield* Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) })
        return { status: response.status, text: await response.text() }
      },
      catch: () => cidpError("Custom Identity Provider is not reachable", 0)
    })
    if (answer.status < 200 || answer.status > 299) {
      return yield* Effect.fail(cidpError(messageOf(answer.text) || "error", answer.status))
    }
    let parsed: Record<string, unknown> | undefined
    try {
      parsed = obj(JSON.parse(answer.text))
    } catch {
      parsed = undefined
    }
    const uid = str(parsed?.uid)
    if (parsed === undefined || uid === undefined || uid === "") {
      return yield* Effect.fail(cidpError("uid is missing in the response", answer.status))
    }
    const login = str(parsed.login)
    const email = str(parsed.email)
    const fullName = str(parsed.full_name)
    return yield* byIdentity(app, "cidp", uid, {
      login: login ?? `custom_${uid}`,
      email: email ?? null,
      full_name: fullName ?? null,
      external_id: uid
    }, now)
  })

/**
 * Resolves credentials to a user; `undefined` for `None` (an application session).
 *
 * @since 0.1.0
 * @category resolving
 */
export const resolve = (
  app: AppRow,
  c: Credentials,
  now: number,
  settings: SettingsService
): Effect.Effect<Resolved | undefined, ApiError | StoreError | SqlError.SqlError, Env> =>
  Effect.gen(function*() {
    switch (c._tag) {
      case "None":
        return undefined
      case "UnknownProvider":
        return yield* Effect.fail(ApiError.fields(422, { provider: [`is not supported: ${c.provider}`] }))
      case "Guest": {
        const login = `guest_login_${Crypto.randomBytes(8).toString("hex").toUpperCase()}`
        const input = yield* valid({ login, full_name: c.fullName ?? null, is_guest: true })
        const user = yield* Users.create(app.id, input, now)
        return { user, guest: true }
      }
      case "Social": {
        if (c.token === undefined || c.token === "") {
          return yield* Effect.fail(ApiError.fields(422, { "keys[token]": ["cannot be blank"] }))
        }
        const field = c.provider === "facebook" ? "facebook_id" : "twitter_id"
        const id = digits(c.token, c.provider)
        const user = yield* byIdentity(app, c.provider, id, {
          [field]: id,
          full_name: `${c.provider === "facebook" ? "Facebook" : "Twitter"} user ${id.slice(-6)}`
        }, now)
        return { user, guest: false }
      }
      case "Firebase":
        return { user: yield* firebase(app, c, now), guest: false }
      case "Password": {
        const hasLogin = c.login !== undefined && c.login !== ""
        const hasEmail = c.email !== undefined && c.email !== ""
        if (!hasLogin && !hasEmail) return yield* Effect.fail(Errors.blank("login"))
        if (c.password === undefined || c.password === "") return yield* Effect.fail(Errors.blank("password"))
        if (app.cidp_url !== null && hasLogin) {
          yield* checkToken({ login: c.login })
          yield* checkFields({ password: c.password })
          const user = yield* customIdentity({ ...app, cidp_url: app.cidp_url }, c.login!, now, settings.cidpTimeoutMs)
          return { user, guest: false }
        }
        const input: Users.UserInput = hasLogin ? { login: c.login!, password: c.password } : { email: c.email!, password: c.password }
        yield* valid(input)
        const find = hasLogin ? Users.findByLogin(app.id, c.login!) : Users.findByEmail(app.id, c.email!)
        let existing = yield* find
        if (existing === undefined) {
          if (app.allow_user_creation === 0) return yield* Effect.fail(Errors.userNotFound())
          // parallel first sign-ins of one login: one creates the user, the others find it and check the password
          const user = yield* Users.createUnlessTaken(app.id, input, now)
          if (user !== undefined) return { user, guest: false }
          existing = yield* find
          if (existing === undefined) return yield* Effect.fail(Errors.userNotFound())
        }
        if (!(yield* Users.verifyPassword(c.password, existing.password_hash))) {
          return yield* Effect.fail(Errors.invalidPassword())
        }
        return { user: existing, guest: existing.is_guest === 1 }
      }
    }
  })
