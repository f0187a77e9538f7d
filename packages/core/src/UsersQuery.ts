/**
 * The users search queries, as Schemas shared by the SDK and the emulator.
 *
 * `UsersQuery` is `GET /users/v2`: its `Type` is what a program writes (`{ id: { in: [1, 2] } }`, dates as
 * `Date`), its `Encoded` form is the query string parsed Rails-style (`{ id: { in: ["1", "2"] } }`). The SDK
 * encodes with it before `QueryString.encode`; the emulator decodes the parsed query with it, so a query
 * that one side accepts the other reads back unchanged. The rules of the reference (rest-api.md §4.8) are
 * part of the Schema: at least one stand-alone field with a primary operator (or, as the seed's guide does, a
 * date range such as `last_request_at[gt]`), no compare operators on
 * stand-alone fields, `start_with` of at least 4 characters, `limit` 1..100.
 *
 * The deprecated `GET /users` list's `filter[]` and `order` are in `UsersQueryV1`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { nonEmptyList, parseDate as parseQueryDate, ValidDate } from "./internal/queryValues.js"
import * as UserInput from "./UserInput.js"

// ---------------------------------------------------------------------------
// Wire scalars
// ---------------------------------------------------------------------------

const NonBlank = UserInput.NonBlank

/** A decimal string on the wire, the number in a program; `message` when the string is no integer. */
const intFromWire = (to: Schema.Number, digits: RegExp, message: string) =>
  Schema.String.pipe(Schema.decodeTo(
    to,
    SchemaTransformation.transformEffect<number, string>({
      decode: (s, options) =>
        digits.test(s)
          ? Effect.succeed(Number(s))
          : Effect.fail(new SchemaIssue.InvalidValue({ message }, s, options)),
      encode: (n) => Effect.succeed(String(n))
    })
  ))

/** A positive integer id on the wire (a decimal string). */
const IdFromWire = intFromWire(UserInput.PositiveId, /^\s*\d+\s*$/, "must be a positive integer")

const integerFromWire = (min: number, max: number, message: string) =>
  intFromWire(UserInput.integer(min, max, message), /^\s*-?\d+\s*$/, message)

/**
 * Reads a date the way every client sends one: ISO 8601 (this SDK), Unix seconds (the docs), or
 * `Date.prototype.toString()` (the official JS SDK's `getV2`). Returns `undefined` when it is none of them.
 *
 * @example
 * ```ts
 * import { UsersQuery } from "@connectycube-effect/core"
 *
 * UsersQuery.parseDate("1690886495")?.toISOString() // "2023-08-01T10:41:35.000Z"
 * UsersQuery.parseDate("Thu Jan 02 2025 03:04:05 GMT+0000 (Coordinated Universal Time)")?.toISOString()
 * // "2025-01-02T03:04:05.000Z"
 * ```
 *
 * @since 0.1.0
 * @category dates
 */
export const parseDate: (raw: string) => Date | undefined = parseQueryDate

const ISO_DATE = /^[+-]?\d{4,6}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i

/** A date on the wire: ISO 8601 out; ISO 8601, Unix seconds or `Date.toString()` in. */
const DateFromWire = Schema.String.pipe(Schema.decodeTo(
  ValidDate,
  SchemaTransformation.transformEffect<Date, string>({
    decode: (s, options) => {
      const date = parseDate(s)
      return date === undefined
        ? Effect.fail(
          new SchemaIssue.InvalidValue({ message: "is not a date (ISO 8601, Unix seconds or Date.toString())" }, s, options)
        )
        : Effect.succeed(date)
    },
    encode: (d) => Effect.succeed(d.toISOString())
  })
))

/** A list on the wire: `k[]=a&k[]=b` (an array) or `k=a,b` (one comma-joined string). */
const listFromWire = <A>(item: Schema.Codec<A, string>) =>
  Schema.Union([Schema.Array(Schema.String), Schema.String]).pipe(Schema.decodeTo(
    Schema.Array(item).check(nonEmptyList),
    SchemaTransformation.transform<ReadonlyArray<string>, string | ReadonlyArray<string>>({
      decode: (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()) : v),
      encode: (a) => a
    })
  ))

const StartWith = UserInput.Text.pipe(UserInput.minLength(4, "must be at least 4 characters (start_with)"))

const operators = <Fields extends Schema.Struct.Fields>(fields: Fields) => {
  const names = Object.keys(fields).join(", ")
  return Schema.Struct(fields).check(
    Schema.makeFilter((o: object) =>
      Object.values(o).some((v) => v !== undefined) ? undefined : `needs one of the operators ${names}`
    )
  )
}

// ---------------------------------------------------------------------------
// V2 fields
// ---------------------------------------------------------------------------

/** `eq`, `in` and `nin` over one item Schema: the operators every non-date field takes. */
const membership = <A>(item: Schema.Codec<A, string>) => ({
  eq: Schema.optional(item),
  in: Schema.optional(listFromWire(item)),
  nin: Schema.optional(listFromWire(item))
})

const IdField = Schema.Union([IdFromWire, operators(membership(IdFromWire))])

const StringField = Schema.Union([NonBlank, operators({ ...membership(NonBlank), start_with: Schema.optional(StartWith) })])

const TagsField = Schema.Union([NonBlank, operators(membership(NonBlank))])

const DateField = Schema.Union([
  DateFromWire,
  operators({
    eq: Schema.optional(DateFromWire),
    gt: Schema.optional(DateFromWire),
    lt: Schema.optional(DateFromWire),
    gte: Schema.optional(DateFromWire),
    lte: Schema.optional(DateFromWire)
  })
])

/**
 * Fields that may stand alone in a query (the query needs one of them with `eq`, `in` or `start_with`).
 *
 * @since 0.1.0
 * @category constants
 */
export const STANDALONE_FIELDS = [
  "id",
  "login",
  "email",
  "full_name",
  "phone",
  "external_id",
  "facebook_id",
  "twitter_id",
  "user_tags"
] as const

/**
 * Date fields: only in addition to a stand-alone field, with `eq`, `gt`, `lt`, `gte`, `lte`.
 *
 * @since 0.1.0
 * @category constants
 */
export const DATE_FIELDS = ["last_request_at", "created_at", "updated_at"] as const

/**
 * Fields a V2 query can sort by (`sort_asc` / `sort_desc`).
 *
 * @since 0.1.0
 * @category constants
 */
export const SORT_FIELDS = [
  "id",
  "login",
  "email",
  "full_name",
  "phone",
  "external_id",
  "facebook_id",
  "twitter_id",
  "created_at",
  "updated_at",
  "last_request_at"
] as const

/**
 * @since 0.1.0
 * @category models
 */
export type SortField = typeof SORT_FIELDS[number]

const SortFieldSchema = Schema.Literals(SORT_FIELDS).annotate({
  message: `must be one of ${SORT_FIELDS.join(", ")}`
})

const PRIMARY = ["eq", "in", "start_with"] as const

const hasPrimary = (value: unknown): boolean =>
  value !== undefined &&
  (typeof value !== "object" || value === null ||
    PRIMARY.some((op) => (value as Record<string, unknown>)[op] !== undefined))

const COMPARE = ["gt", "lt", "gte", "lte", "ge", "le"] as const

const hasCompare = (value: unknown): boolean =>
  value !== null && typeof value === "object" && !(value instanceof Date) &&
  COMPARE.some((op) => (value as Record<string, unknown>)[op] !== undefined)

const rules = (q: Record<string, unknown>): Array<Schema.FilterIssue> => {
  const out: Array<Schema.FilterIssue> = []
  // The seed's guide searches by `last_request_at: { gt: date }` alone, although the server docs list a date
  // comparison alone as invalid; the guide is the product spec, so a date range is enough on both sides.
  if (!STANDALONE_FIELDS.some((f) => hasPrimary(q[f])) && !DATE_FIELDS.some((f) => hasCompare(q[f]))) {
    const present = [...STANDALONE_FIELDS, ...DATE_FIELDS].find((f) => q[f] !== undefined)
    out.push({
      path: present === undefined ? [] : [present],
      issue: `the query needs a stand-alone field (${STANDALONE_FIELDS.join(", ")}) with eq, in or start_with, or a date range`
    })
  }
  if (q.sort_asc !== undefined && q.sort_desc !== undefined) {
    out.push({ path: ["sort_desc"], issue: "cannot be combined with sort_asc" })
  }
  return out
}

/**
 * `GET /users/v2` parameters. See the module description for the two sides.
 *
 * @example
 * ```ts
 * import { UsersQuery } from "@connectycube-effect/core"
 * import { Schema } from "effect"
 *
 * Schema.encodeSync(UsersQuery.UsersQuery)({ limit: 10, offset: 50, id: { in: [51941, 51946] } })
 * // { id: { in: ["51941", "51946"] }, limit: "10", offset: "50" }
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const UsersQuery = Schema.Struct({
  id: Schema.optional(IdField),
  login: Schema.optional(StringField),
  email: Schema.optional(StringField),
  full_name: Schema.optional(StringField),
  phone: Schema.optional(StringField),
  external_id: Schema.optional(StringField),
  facebook_id: Schema.optional(StringField),
  twitter_id: Schema.optional(StringField),
  user_tags: Schema.optional(TagsField),
  last_request_at: Schema.optional(DateField),
  created_at: Schema.optional(DateField),
  updated_at: Schema.optional(DateField),
  limit: Schema.optional(integerFromWire(1, 100, "must be an integer from 1 to 100")),
  offset: Schema.optional(integerFromWire(0, Number.MAX_SAFE_INTEGER, "must be a non-negative integer")),
  sort_asc: Schema.optional(SortFieldSchema),
  sort_desc: Schema.optional(SortFieldSchema)
}).check(Schema.makeFilter((q) => rules(q)))

/**
 * A V2 query as a program writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type UsersQuery = typeof UsersQuery.Type

/**
 * A V2 query as it travels (the query string parsed Rails-style).
 *
 * @since 0.1.0
 * @category models
 */
export type UsersQueryEncoded = typeof UsersQuery.Encoded

/**
 * A date in a query: a `Date`, or an ISO 8601 string.
 *
 * @since 0.1.0
 * @category models
 */
export type DateInput = Date | string

/**
 * A date field's filter: one date (`eq`), or compare operators.
 *
 * @since 0.1.0
 * @category models
 */
export type DateFilterInput = DateInput | {
  readonly eq?: DateInput | undefined
  readonly gt?: DateInput | undefined
  readonly lt?: DateInput | undefined
  readonly gte?: DateInput | undefined
  readonly lte?: DateInput | undefined
  /** The V1 spelling of `gte`, sent as `gte`. */
  readonly ge?: DateInput | undefined
  /** The V1 spelling of `lte`, sent as `lte`. */
  readonly le?: DateInput | undefined
}

/**
 * What `Users.getV2` accepts: a `UsersQuery` whose dates may also be ISO 8601 strings.
 *
 * @since 0.1.0
 * @category models
 */
export type Input = Omit<UsersQuery, typeof DATE_FIELDS[number]> & {
  readonly [K in typeof DATE_FIELDS[number]]?: DateFilterInput | undefined
}

const OPERATOR_ALIASES: Readonly<Record<string, string>> = { ge: "gte", le: "lte" }

const toDate = (value: unknown): unknown =>
  typeof value === "string" && ISO_DATE.test(value.trim()) ? parseDate(value) ?? value : value

/**
 * Turns the ISO 8601 strings of an `Input`'s date fields into `Date`s and the V1 spellings `ge`/`le` into
 * `gte`/`lte` (anything else is left for the Schema to reject).
 *
 * @example
 * ```ts
 * import { UsersQuery } from "@connectycube-effect/core"
 *
 * UsersQuery.fromInput({ login: "x", created_at: { gt: "2019-11-06T09:21:41Z" } })
 * // { login: "x", created_at: { gt: new Date("2019-11-06T09:21:41Z") } }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromInput = (input: Input): unknown => {
  if (input === null || typeof input !== "object") return input
  let out: Record<string, unknown> | undefined
  for (const field of DATE_FIELDS) {
    const value = (input as Record<string, unknown>)[field]
    if (value === undefined) continue
    out ??= { ...input }
    out[field] = value !== null && typeof value === "object" && !(value instanceof Date)
      ? Object.fromEntries(Object.entries(value).map(([op, v]) => [OPERATOR_ALIASES[op] ?? op, toDate(v)]))
      : toDate(value)
  }
  return out ?? input
}
