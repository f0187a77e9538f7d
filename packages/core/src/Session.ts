/**
 * The session as the server returns it from `POST /session` and `GET /session`, and the
 * credential forms `createSession` and `login` accept.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Open from "./internal/open.js"
import { User } from "./User.js"
import * as UserInput from "./UserInput.js"

/**
 * A session. An application session has `user_id: null` (old servers sent `0`); a user session embeds `user`.
 * Keys the server adds are kept.
 *
 * @since 0.1.0
 * @category schemas
 */
export class Session extends Schema.Class<Session>("@connectycube-effect/core/Session")(Open.struct({
  id: Schema.Number,
  application_id: Schema.Number,
  token: Schema.String,
  user_id: Schema.optional(Schema.NullOr(Schema.Number)),
  nonce: Schema.optional(Schema.NullOr(Schema.Number)),
  ts: Schema.optional(Schema.NullOr(Schema.Number)),
  device_id: Schema.optional(Schema.NullOr(Schema.Unknown)),
  created_at: Schema.optional(Schema.String),
  updated_at: Schema.optional(Schema.String),
  user: Schema.optional(User)
})) {}

/**
 * @since 0.1.0
 * @category schemas
 */
export const SessionEnvelope = Schema.Struct({ session: Session })

/**
 * Is this a user session (rather than an application session)?
 *
 * @example
 * ```ts
 * import { Session } from "@connectycube-effect/core"
 *
 * Session.isUserSession({ user_id: 81 }) // true
 * Session.isUserSession({ user_id: null }) // false: an application session
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isUserSession = (session: { readonly user_id?: number | null | undefined }): boolean =>
  typeof session.user_id === "number" && session.user_id > 0

const NonEmpty = (field: string) => Schema.String.check(Schema.makeFilter((s) => s.length > 0 || `${field} must not be empty`))

/**
 * The `login` of a sign-in: sign-up's rules (`UserInput.Login`: well-formed text, no control characters, at least
 * 3 characters) but a longer bound, 4096 characters, because an app with a Custom Identity Provider takes its
 * external token (a JWT is often longer than 70) in `login`. A longer login names no user the server can have.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SignInLogin = UserInput.Text.check(
  Schema.makeFilter((s: string) =>
    s.length < 3
      ? "is too short (minimum is 3 characters)"
      : s.length > 4096
      ? "is too long (maximum is 4096 characters)"
      : /[\u0000-\u001F\u007F]/.test(s)
      ? "must not contain control characters"
      : undefined
  )
)

/**
 * `{ login, password }`. Also the custom identity provider form: `login` carries the external token.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LoginCredentials = Schema.Struct({ login: NonEmpty("login"), password: NonEmpty("password") })

/**
 * @since 0.1.0
 * @category schemas
 */
export const EmailCredentials = Schema.Struct({
  email: NonEmpty("email").check(Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "email is not an address" })),
  password: NonEmpty("password")
})

/**
 * `{ guest: "1", full_name? }`: a guest user is created on the fly and lives one day.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GuestCredentials = Schema.Struct({
  guest: Schema.Literals(["1", 1, true]),
  full_name: Schema.optional(Schema.String)
})

/**
 * `{ provider: "facebook" | "twitter", keys: { token, secret? } }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SocialCredentials = Schema.Struct({
  provider: Schema.Literals(["facebook", "twitter"]),
  keys: Schema.Struct({ token: NonEmpty("keys.token"), secret: Schema.optional(Schema.String) })
})

/**
 * The Firebase token pair.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FirebaseKeys = Schema.Struct({
  project_id: NonEmpty("project_id"),
  access_token: NonEmpty("access_token")
})

/**
 * `{ provider: "firebase_phone", firebase_phone: { project_id, access_token } }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FirebasePhoneCredentials = Schema.Struct({
  provider: Schema.Literal("firebase_phone"),
  firebase_phone: FirebaseKeys
})

/**
 * `{ provider: "firebase_email", firebase_email: { project_id, access_token } }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FirebaseEmailCredentials = Schema.Struct({
  provider: Schema.Literal("firebase_email"),
  firebase_email: FirebaseKeys
})

/**
 * Every credential form of `createSession(params)` and `login(params)`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Credentials = Schema.Union([
  LoginCredentials,
  EmailCredentials,
  GuestCredentials,
  SocialCredentials,
  FirebasePhoneCredentials,
  FirebaseEmailCredentials
])

/**
 * @since 0.1.0
 * @category models
 */
export type Credentials = typeof Credentials.Type

/**
 * The flat Firebase form the seed shows (`"firebase_phone[project_id]": "..."`), accepted as input and
 * normalised to the nested form (the official SDK silently drops it in `createSession`).
 *
 * @since 0.1.0
 * @category models
 */
export interface FlatFirebaseCredentials {
  readonly provider: "firebase_phone" | "firebase_email"
  readonly "firebase_phone[project_id]"?: string
  readonly "firebase_phone[access_token]"?: string
  readonly "firebase_email[project_id]"?: string
  readonly "firebase_email[access_token]"?: string
}

/**
 * What `createSession` and `login` accept: the typed union or the seed's flat Firebase form.
 *
 * @since 0.1.0
 * @category models
 */
export type CredentialsInput = Credentials | FlatFirebaseCredentials

/**
 * Turns the flat bracket Firebase keys into the nested form; leaves everything else alone.
 *
 * @example
 * ```ts
 * import { Session } from "@connectycube-effect/core"
 *
 * Session.normalizeCredentials({
 *   provider: "firebase_phone",
 *   "firebase_phone[project_id]": "my-project",
 *   "firebase_phone[access_token]": "id-token"
 * })
 * // { provider: "firebase_phone", firebase_phone: { project_id: "my-project", access_token: "id-token" } }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const normalizeCredentials = (input: unknown): unknown => {
  if (input === null || typeof input !== "object") return input
  const o = input as Record<string, unknown>
  const provider = o.provider
  if ((provider === "firebase_phone" || provider === "firebase_email") && o[provider] === undefined) {
    const project_id = o[`${provider}[project_id]`]
    const access_token = o[`${provider}[access_token]`]
    if (project_id !== undefined || access_token !== undefined) {
      return { provider, [provider]: { project_id, access_token } }
    }
  }
  return input
}

/**
 * A short, secret-free description of a credential form, for logs and events.
 *
 * @example
 * ```ts
 * import { Session } from "@connectycube-effect/core"
 *
 * Session.describeCredentials({ login: "cubeuser", password: "awesomepwd" }) // "login"
 * Session.describeCredentials({ guest: "1", full_name: "Awesome Smith" }) // "guest"
 * Session.describeCredentials(undefined) // "application"
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const describeCredentials = (credentials: Credentials | undefined): string => {
  if (credentials === undefined) return "application"
  if ("guest" in credentials) return "guest"
  if ("provider" in credentials) return credentials.provider
  if ("login" in credentials) return "login"
  return "email"
}
