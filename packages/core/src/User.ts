/**
 * The ConnectyCube user as it travels on the wire, tolerant of every variant the server has sent:
 * MongoDB `_id`, `external_id`, `is_guest`, `null`s, `""` avatars, `user_tags` as a comma string or an array.
 * Unknown keys are kept when decoding (the server adds fields over time).
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { compile } from "./internal/guard.js"

const NullableString = Schema.optional(Schema.NullOr(Schema.String))
const NullableNumber = Schema.optional(Schema.NullOr(Schema.Number))
/** Ids that the server has sent both as numbers and as strings. */
const NullableId = Schema.optional(Schema.NullOr(Schema.Union(Schema.Number, Schema.String)))

const fields = {
  id: Schema.Number,
  _id: Schema.optional(Schema.String),
  login: NullableString,
  email: NullableString,
  full_name: NullableString,
  phone: NullableString,
  website: NullableString,
  created_at: NullableString,
  updated_at: NullableString,
  last_request_at: NullableString,
  external_user_id: NullableId,
  external_id: NullableId,
  facebook_id: NullableId,
  twitter_id: NullableId,
  custom_data: NullableString,
  blob_id: NullableNumber,
  avatar: NullableString,
  user_tags: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(Schema.String)))),
  timezone: NullableNumber,
  is_guest: Schema.optional(Schema.NullOr(Schema.Boolean))
}

/**
 * @since 0.1.0
 * @category schemas
 */
export class User extends Schema.Class<User>("@connectycube-effect/core/User")(fields, {
  parseOptions: { onExcessProperty: "preserve" }
}) {}

const ENCODED = "@connectycube-effect/core/User (Encoded side)"
const Wire = Schema.Struct(fields, Schema.Record({ key: Schema.String, value: Schema.Unknown })).annotations({
  identifier: ENCODED
})
// A field the guard cannot compile (a refinement, say) only loses the fast path; User.test.ts checks it compiles.
const isWire = compile(Wire.ast) ?? (() => false)
const decodeWire = ParseResult.decodeUnknown(Wire)
const encodeWire = ParseResult.encodeUnknown(Wire)

/**
 * The user's wire JSON, every key kept: a valid one passes as it is, anything else goes through `Wire` (for its
 * errors). A declaration, so that the guard runs in place of the struct's parser; for JSON Schema, pretty
 * printing and arbitraries it stands for `Wire` (its surrogate).
 */
const FastWire = Schema.declare([Wire], {
  decode: () => (input, options) => isWire(input) ? ParseResult.succeed(input) : decodeWire(input, options),
  encode: () => (input, options) => encodeWire(input, options)
}, {
  identifier: ENCODED,
  [AST.SurrogateAnnotationId]: Wire.ast
})

/**
 * `User` as decoded from a server answer: the same type, the same checks and errors, unknown keys kept, at a
 * fraction of the cost (it runs for every user of every page). A valid user is checked by a plain predicate
 * compiled from the fields and becomes a `User` at once; anything else goes through the Schema, for its errors.
 * (`User` itself keeps unknown keys with `onExcessProperty: "preserve"`, which matches each key against the 20
 * known names one by one.)
 *
 * @example
 * ```ts
 * import { User } from "@connectycube-effect/core"
 * import { Schema } from "effect"
 *
 * const user = Schema.decodeUnknownSync(User.UserFromWire)({ id: 1, login: "a", new_field: true })
 * // a User, with new_field kept
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserFromWire: Schema.Schema<User, UserJson> = Schema.transform(FastWire, Schema.typeSchema(User), {
  strict: false,
  decode: (json) => new User(json as UserJson, true),
  encode: (user) => ({ ...user })
}) as Schema.Schema<User, any> as Schema.Schema<User, UserJson>

/**
 * The plain object shape of a user (what the wire carries and what `User` encodes to).
 *
 * @since 0.1.0
 * @category models
 */
export type UserJson = typeof User.Encoded

/**
 * `{"user": {...}}`, the envelope of signup, update and the V1 single-user lookups.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserEnvelope = Schema.Struct({ user: UserFromWire })

/**
 * @since 0.1.0
 * @category models
 */
export type UserEnvelope = typeof UserEnvelope.Type

/**
 * The user's tags as a list, whichever form the server used (`"a,b"`, `["a","b"]` or `null`).
 *
 * @example
 * ```ts
 * import { User } from "@connectycube-effect/core"
 *
 * User.tags({ user_tags: "iphone,apple" }) // ["iphone", "apple"]
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const tags = (user: { readonly user_tags?: string | ReadonlyArray<string> | null | undefined }): ReadonlyArray<string> => {
  const raw = user.user_tags
  if (raw === null || raw === undefined) return []
  const list = typeof raw === "string" ? raw.split(",") : raw
  return list.map((t) => t.trim()).filter((t) => t !== "")
}

/**
 * Decodes `custom_data` (a JSON string by convention) with a Schema.
 *
 * @example
 * ```ts
 * import { User } from "@connectycube-effect/core"
 * import { Schema } from "effect"
 *
 * const Profile = Schema.Struct({ middle_name: Schema.String })
 * const profile = User.customData(Profile)({ custom_data: "{\"middle_name\":\"Bartoleo\"}" })
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const customData = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(Schema.parseJson(schema))
  return (user: { readonly custom_data?: string | null | undefined }) => decode(user.custom_data ?? "")
}
