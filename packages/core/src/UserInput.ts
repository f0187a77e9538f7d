/**
 * What a client may send to create or change a user (`POST /users`, `PUT /users/{id}`), as Schemas.
 * The SDK validates with them before anything is sent; the emulator decodes request bodies with the
 * same Schemas, so both sides agree on every rule and every message.
 *
 * Messages follow the server's style (`"cannot be blank"`, `"is invalid"`) and never contain the
 * offending value: it may be a password.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaIssue from "effect/SchemaIssue"
import { InvalidInput } from "./Errors.js"
import * as Issues from "./internal/issues.js"

// ---------------------------------------------------------------------------
// Issues: one readable message per field, never the value (the rules: internal/issues.ts)
// ---------------------------------------------------------------------------

/**
 * One problem with an input: a dotted path (`"tag_list.1"`, `""` for the whole input) and why.
 *
 * @since 0.1.0
 * @category models
 */
export type Issue = Issues.Issue

/**
 * The issues of a Schema failure, at most one per top-level field: the most telling one (a union reports
 * every member's failure; the deepest broken rule is the one a person can act on), in the order the
 * fields were found.
 *
 * @example
 * ```ts
 * import { UserInput } from "@connectycube-effect/core"
 * import { Result, Schema } from "effect"
 *
 * const result = Schema.decodeUnknownResult(UserInput.Signup)({ login: "ab", password: "" }, { errors: "all" })
 * if (Result.isFailure(result)) console.log(UserInput.issues(result.failure))
 * // [{ field: "login", reason: "is too short (minimum is 3 characters)" }, { field: "password", reason: "cannot be blank" }]
 * ```
 *
 * @since 0.1.0
 * @category issues
 */
export const issues: (error: Schema.SchemaError | SchemaIssue.Issue) => ReadonlyArray<Issue> = Issues.issues

/**
 * The first issue of a Schema failure as the SDK's `InvalidInput`, with `prefix` prepended to the field.
 *
 * @since 0.1.0
 * @category issues
 */
export const toInvalidInput = (error: Schema.SchemaError | SchemaIssue.Issue, prefix?: string): InvalidInput =>
  new InvalidInput(Issues.firstIssue(error, prefix))

/**
 * The issues grouped as the server's 422 body wants them: `{ login: ["is too short …"], "tag_list.1": [...] }`
 * (issues about no single field go under `base`).
 *
 * @since 0.1.0
 * @category issues
 */
export const toFieldErrors: (list: ReadonlyArray<Issue>) => Record<string, Array<string>> = Issues.toFieldErrors

// ---------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------

/** Lone surrogates cannot be percent-encoded (`encodeURIComponent` throws) nor stored as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Any string that is well-formed UTF-16 (no lone surrogates).
 *
 * @since 0.1.0
 * @category fields
 */
export const Text = Schema.String.check(
  Schema.makeFilter((s: string) => !LONE_SURROGATE.test(s), { message: "is not valid text" })
)

/**
 * An integer from `min` to `max`. `outOfRange` is the message for a number outside; `notInteger` (default
 * `outOfRange`) for a fraction; `tooLarge` (default `outOfRange`) for a number above `max`. One filter rather
 * than `Schema.isInt` + `Schema.isBetween`, so that each case has its own message; arbitraries draw in range.
 *
 * @example
 * ```ts
 * import { UserInput } from "@connectycube-effect/core"
 * import { Schema } from "effect"
 *
 * const Percent = UserInput.integer(0, 100, "must be an integer from 0 to 100")
 * Schema.decodeUnknownSync(Percent)(42) // 42
 * ```
 *
 * @since 0.1.0
 * @category fields
 */
export const integer = (
  min: number,
  max: number,
  outOfRange: string,
  messages: { readonly notInteger?: string | undefined; readonly tooLarge?: string | undefined } = {}
): Schema.Number =>
  Schema.Number.check(Schema.makeFilter(
    (n: number) =>
      !Number.isInteger(n)
        ? messages.notInteger ?? outOfRange
        : n > max
        ? messages.tooLarge ?? outOfRange
        : n < min
        ? outOfRange
        : undefined,
    {
      arbitraryConstraint: {
        number: "integer",
        minimum: Math.max(min, -0x80000000),
        maximum: Math.min(max, 0x7fffffff)
      }
    }
  ))

/**
 * A string of at least `min` characters (UTF-16 code units, as `String.length`), `message` otherwise.
 *
 * @example
 * ```ts
 * import { UserInput } from "@connectycube-effect/core"
 * import { Schema } from "effect"
 *
 * const Pin = Schema.String.pipe(UserInput.minLength(4, "is too short"))
 * Schema.decodeUnknownSync(Pin)("1234") // "1234"
 * ```
 *
 * @since 0.1.0
 * @category fields
 */
export const minLength = (min: number, message: string) => <S extends Schema.Top & { readonly Type: string }>(self: S): S["Rebuild"] =>
  self.check(Schema.makeFilter((s: string) => s.length >= min || message, { arbitraryConstraint: { minLength: min } }))

/**
 * C0 control characters and DEL. Refused in logins and email addresses: SQLite's `COLLATE NOCASE` stops comparing
 * at a NUL, so `"victim\u0000x"` would match `"victim"`, and no person types a tab into a login.
 */
const CONTROL = /[\u0000-\u001F\u007F]/

const noControl = Schema.makeFilter((s: string) => !CONTROL.test(s), { message: "must not contain control characters" })

/**
 * A login: 3 to 70 characters (the server's documented rule), no control characters.
 *
 * @since 0.1.0
 * @category fields
 */
export const Login = Text.check(noControl).pipe(
  minLength(3, "is too short (minimum is 3 characters)"),
  Schema.check(Schema.makeFilter((s: string) => s.length <= 70 || "is too long (maximum is 70 characters)", {
    arbitraryConstraint: { maxLength: 70 }
  }))
)

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/

/**
 * An email address: `local@domain.tld`, no spaces, no control characters.
 *
 * @since 0.1.0
 * @category fields
 */
export const Email = Text.check(
  Schema.makeFilter((s: string) => EMAIL.test(s) && s.length <= 254 && !CONTROL.test(s), {
    message: "is invalid",
    arbitraryConstraint: { patterns: [{ source: "^[a-z0-9._-]{1,20}@[a-z0-9-]{1,20}(\\.[a-z]{2,6}){1,2}$", flags: "" }] }
  })
)

/**
 * Is this a website address the server accepts: an `http(s)` URL, or a bare host name
 * (`pavalli.com.au`, which the server stores as `http://pavalli.com.au`)?
 *
 * @since 0.1.0
 * @category fields
 */
export const isWebsite = (s: string): boolean => {
  if (s.length > 2048 || /\s/.test(s)) return false
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `http://${s}`)
    return (url.protocol === "http:" || url.protocol === "https:") &&
      (url.hostname === "localhost" || /^[^.]+(\.[^.]+)+$/.test(url.hostname))
  } catch {
    return false
  }
}

/**
 * A website address, see `isWebsite`.
 *
 * @since 0.1.0
 * @category fields
 */
export const Website = Text.check(
  Schema.makeFilter(isWebsite, {
    message: "is invalid",
    arbitraryConstraint: { patterns: [{ source: "^https?://[a-z0-9-]{1,20}(\\.[a-z]{2,6}){1,2}(/[a-z0-9]{0,10})?$", flags: "" }] }
  })
)

/**
 * Text that is not empty ("cannot be blank").
 *
 * @since 0.1.0
 * @category fields
 */
export const NonBlank = Text.pipe(minLength(1, "cannot be blank"))

/**
 * A password: not empty.
 *
 * @since 0.1.0
 * @category fields
 */
export const Password = NonBlank

/**
 * One user tag: not empty and without a comma (the server stores tags comma-joined).
 *
 * @since 0.1.0
 * @category fields
 */
export const Tag = Text.check(
  Schema.makeFilter((s: string) => s.trim() !== "" && !s.includes(","), {
    message: "must be a non-empty tag without commas",
    arbitraryConstraint: { patterns: [{ source: "^[^,\\s]{1,20}$", flags: "" }] }
  })
)

/**
 * `tag_list`: a list of tags (what the official JS SDK sends), or the documented comma-joined string.
 *
 * @since 0.1.0
 * @category fields
 */
export const TagList = Schema.Union([Schema.Array(Tag), Text])

/**
 * `timezone`: minutes offset from UTC, -720 (UTC-12) to 840 (UTC+14).
 *
 * @since 0.1.0
 * @category fields
 */
export const Timezone = integer(-720, 840, "must be between -720 and 840 minutes", {
  notInteger: "must be a whole number of minutes"
})

/**
 * A positive integer id (`blob_id`, `external_user_id`).
 *
 * @since 0.1.0
 * @category fields
 */
export const PositiveId = integer(1, Number.MAX_SAFE_INTEGER, "must be a positive integer", { tooLarge: "is too large" })

/**
 * An id of another system (`external_id`, `facebook_id`, `twitter_id`, `external_user_id`): a number or a string.
 *
 * @since 0.1.0
 * @category fields
 */
export const ExternalId = Schema.Union([PositiveId, NonBlank]).annotate({
  message: "must be a positive integer or a non-empty string"
})

/**
 * `external_user_id` (deprecated): an integer, also accepted as its decimal string.
 *
 * @since 0.1.0
 * @category fields
 */
export const ExternalUserId = Schema.Union([
  PositiveId,
  Text.check(Schema.isPattern(/^[1-9]\d{0,14}$/, { message: "must be a positive integer" }))
]).annotate({ message: "must be a positive integer" })

// ---------------------------------------------------------------------------
// Signup and update
// ---------------------------------------------------------------------------

const profileFields = {
  login: Schema.optional(Login),
  email: Schema.optional(Email),
  full_name: Schema.optional(Text),
  phone: Schema.optional(Text),
  website: Schema.optional(Website),
  tag_list: Schema.optional(TagList),
  custom_data: Schema.optional(Text),
  external_user_id: Schema.optional(ExternalUserId),
  external_id: Schema.optional(ExternalId),
  facebook_id: Schema.optional(ExternalId),
  twitter_id: Schema.optional(ExternalId),
  timezone: Schema.optional(Timezone),
  avatar: Schema.optional(Text),
  blob_id: Schema.optional(PositiveId)
}

/**
 * The body of `POST /users` (under `user`): `login` or `email`, a `password`, and any profile field.
 *
 * @example
 * ```ts
 * import { UserInput } from "@connectycube-effect/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(UserInput.Signup)({ login: "marvin18", password: "supersecurepwd", tag_list: ["iphone"] })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Signup = Schema.Struct({
  ...profileFields,
  password: Password
}).check(
  Schema.makeFilter((p) =>
    p.login !== undefined || p.email !== undefined
      ? undefined
      : { path: ["login"], issue: "login or email is required" }
  )
)

/**
 * @since 0.1.0
 * @category models
 */
export type Signup = typeof Signup.Type

/** Profile fields that can be cleared with `null`. */
const nullable = <S extends Schema.Top>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * The body of `PUT /users/{id}` (under `user`): any profile field (`null` clears it); a new `password`
 * needs the `old_password`.
 *
 * @example
 * ```ts
 * import { UserInput } from "@connectycube-effect/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(UserInput.Update)({ password: "newpwd", old_password: "awesomepwd" })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Update = Schema.Struct({
  login: Schema.optional(Login),
  email: nullable(Email),
  full_name: nullable(Text),
  phone: nullable(Text),
  website: nullable(Website),
  tag_list: nullable(TagList),
  custom_data: nullable(Text),
  external_user_id: nullable(ExternalUserId),
  external_id: nullable(ExternalId),
  facebook_id: nullable(ExternalId),
  twitter_id: nullable(ExternalId),
  timezone: nullable(Timezone),
  avatar: nullable(Text),
  blob_id: nullable(PositiveId),
  password: Schema.optional(Password),
  old_password: Schema.optional(Password)
}).check(
  Schema.makeFilter((p) =>
    p.password !== undefined && p.old_password === undefined
      ? { path: ["old_password"], issue: "is required to change the password" }
      : undefined
  )
)

/**
 * @since 0.1.0
 * @category models
 */
export type Update = typeof Update.Type

/**
 * `{"email": …}`, the body of a password reset.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PasswordReset = Schema.Struct({ email: Email })

/**
 * How strictly unknown keys are treated: the SDK refuses them (a typo would otherwise be dropped in
 * silence); the emulator ignores them, like a server that meets a newer client.
 *
 * @since 0.1.0
 * @category decoding
 */
export type Strictness = "strict" | "lenient"

/**
 * Decodes an input with one of this module's Schemas, collecting every issue.
 *
 * @example
 * ```ts
 * import { UserInput } from "@connectycube-effect/core"
 *
 * const result = UserInput.decode(UserInput.Signup, "strict")({ password: "x" })
 * // Result.fail([{ field: "login", reason: "login or email is required" }])
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = <A, I>(schema: Schema.Codec<A, I>, strictness: Strictness) => {
  const run = Schema.decodeUnknownResult(schema, {
    errors: "all",
    onExcessProperty: strictness === "strict" ? "error" : "ignore"
  })
  return (input: unknown): Result.Result<A, ReadonlyArray<Issue>> => Result.mapError(run(input), issues)
}
