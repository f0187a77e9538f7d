/**
 * The ConnectyCube user as it travels on the wire, tolerant of every variant the server has sent:
 * MongoDB `_id`, `external_id`, `is_guest`, `null`s, `""` avatars, `user_tags` as a comma string or an array.
 * Unknown keys are kept when decoding (the server adds fields over time).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaParser from "effect/SchemaParser"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { compile } from "./internal/guard.js"
import * as Open from "./internal/open.js"

const NullableString = Schema.optional(Schema.NullOr(Schema.String))
const NullableNumber = Schema.optional(Schema.NullOr(Schema.Number))
/** Ids that the server has sent both as numbers and as strings. */
const NullableId = Schema.optional(Schema.NullOr(Schema.Union([Schema.Number, Schema.String])))

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
  user_tags: Schema.optional(Schema.NullOr(Schema.Union([Schema.String, Schema.Array(Schema.String)]))),
  timezone: NullableNumber,
  is_guest: Schema.optional(Schema.NullOr(Schema.Boolean))
}

/**
 * A user. Keys the server adds are kept when decoding.
 *
 * @since 0.1.0
 * @category schemas
 */
export class User extends Schema.Class<User>("@connectycube-effect/core/User")(Open.struct(fields)) {}

const ENCODED = "@connectycube-effect/core/User (Encoded side)"
// No identifier on the struct itself: its errors read as the class's ("Expected object").
const Wire = Schema.StructWithRest(Schema.Struct(fields), [Open.Rest])
// A field the guard cannot compile (a refinement, say) only loses the fast path; User.test.ts checks it compiles.
const isWire = compile(Wire.ast) ?? (() => false)

/**
 * The user's wire JSON, every key kept: a valid one passes as it is, anything else goes through `Wire` (for its
 * errors). A declaration, so that the guard runs in place of the struct's parser; its codecs (JSON Schema,
 * arbitraries) are `Wire`'s.
 */
const FastWire = Schema.declareConstructor<UserJson, UserJson>()(
  [Wire],
  ([wire]) => {
    const decode = SchemaParser.decodeUnknownEffect(wire)
    return (input, _ast, options) => isWire(input) ? Effect.succeed(input as UserJson) : decode(input, options)
  },
  {
    identifier: ENCODED,
    toCodec: ([wire]) => new SchemaAST.Link(wire.ast, SchemaTransformation.passthrough()),
    toCodecJson: ([wire]) => new SchemaAST.Link(wire.ast, SchemaTransformation.passthrough()),
    toCodecArbitrary: ({ typeParameters: [wire] }) => new SchemaAST.Link(wire.ast, SchemaTransformation.passthrough()),
    toFormatter: ([wire]) => wire,
    toEquivalence: ([wire]) => wire
  }
)

/**
 * A `User` from JSON the guard accepted or `Wire` decoded (own keys, never `__proto__`): what the class's
 * constructor makes (it only copies the fields onto the instance), without parsing the fields a second time.
 */
const trusted = (json: UserJson): User => Object.assign(Object.create(User.prototype) as User, json)

/**
 * `User` as decoded from a server answer: the same type, the same checks and errors, unknown keys kept, at a
 * fraction of the cost (it runs for every user of every page). A valid user is checked by a plain predicate
 * compiled from the fields and becomes a `User` at once; anything else goes through the Schema, for its errors.
 * (`User` itself keeps unknown keys too, through a struct with a rest record, which its parser walks key by key.)
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
export const UserFromWire: Schema.Codec<User, UserJson> = FastWire.pipe(Schema.decodeTo(
  Schema.toType(User),
  SchemaTransformation.transform<User, UserJson>({
    decode: trusted,
    encode: (user) => ({ ...user })
  })
))

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
export const customData = <A, I>(schema: Schema.Codec<A, I>) => {
  const decode = Schema.decodeUnknownResult(Schema.fromJsonString(schema))
  return (user: { readonly custom_data?: string | null | undefined }) => decode(user.custom_data ?? "")
}
