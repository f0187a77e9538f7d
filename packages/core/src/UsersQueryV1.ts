/**
 * The deprecated `GET /users` list's query: `filter[]=<type> <field> <op> <value>` and
 * `order=<sort> <type> <field>` (`FilterV1`, `OrderV1`), and its `page` / `per_page` (`PagingV1`), with the
 * formatter the SDK uses and the parser the emulator uses. The V2 query (`GET /users/v2`) is `UsersQuery`.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { nonEmptyList, parseDate, ValidDate } from "./internal/queryValues.js"
import * as UserInput from "./UserInput.js"
import { DATE_FIELDS } from "./UsersQuery.js"

const NonBlank = UserInput.NonBlank

/**
 * Fields a V1 filter can use (all but `custom_data`, per the reference).
 *
 * @since 0.1.0
 * @category constants
 */
export const FIELDS_V1 = [
  "id",
  "login",
  "email",
  "full_name",
  "phone",
  "website",
  "external_user_id",
  "external_id",
  "facebook_id",
  "twitter_id",
  "blob_id",
  "user_tags",
  "avatar",
  "timezone",
  "created_at",
  "updated_at",
  "last_request_at"
] as const

/**
 * @since 0.1.0
 * @category models
 */
export type FieldV1 = typeof FIELDS_V1[number]

/**
 * @since 0.1.0
 * @category constants
 */
export const OPERATORS_V1 = ["gt", "lt", "ge", "le", "eq", "ne", "between", "in"] as const

/**
 * @since 0.1.0
 * @category models
 */
export type OperatorV1 = typeof OPERATORS_V1[number]

const DATE_FIELDS_V1: ReadonlyArray<string> = DATE_FIELDS
const NUMBER_FIELDS_V1: ReadonlyArray<string> = ["id", "external_user_id", "blob_id", "timezone"]

const ScalarV1 = Schema.Union([
  NonBlank,
  Schema.Number.check(Schema.makeFilter((n: number) => Number.isFinite(n) || "must be a finite number")),
  ValidDate
]).annotate({ message: "must be a string, a number or a Date" })

/**
 * One V1 filter: `{ field: "id", param: "in", value: [51941, 51946] }`. `between` takes two values,
 * `in` a list (or a comma-joined string), the others one value; a `Date` only on a date field.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FilterV1 = Schema.Struct({
  field: Schema.Literals(FIELDS_V1).annotate({ message: `must be one of ${FIELDS_V1.join(", ")}` }),
  param: Schema.Literals(OPERATORS_V1).annotate({ message: `must be one of ${OPERATORS_V1.join(", ")}` }),
  value: Schema.Union([ScalarV1, Schema.Array(ScalarV1).check(nonEmptyList)])
}).check(
  Schema.makeFilter((f) => {
    const list = Array.isArray(f.value)
    if (f.param === "between" && (!list || (f.value as ReadonlyArray<unknown>).length !== 2)) {
      return { path: ["value"], issue: "between needs exactly two values" }
    }
    if (list && f.param !== "in" && f.param !== "between") {
      return { path: ["value"], issue: `${f.param} takes one value` }
    }
    const values: ReadonlyArray<unknown> = list ? f.value as ReadonlyArray<unknown> : [f.value]
    if (!DATE_FIELDS_V1.includes(f.field) && values.some((v) => v instanceof Date)) {
      return { path: ["value"], issue: "a Date is only allowed on created_at, updated_at and last_request_at" }
    }
    return undefined
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type FilterV1 = typeof FilterV1.Type

/**
 * `order: { sort: "asc", field: "login" }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OrderV1 = Schema.Struct({
  sort: Schema.Literals(["asc", "desc"]).annotate({ message: "must be asc or desc" }),
  field: Schema.Literals(FIELDS_V1).annotate({ message: `must be one of ${FIELDS_V1.join(", ")}` })
})

/**
 * @since 0.1.0
 * @category models
 */
export type OrderV1 = typeof OrderV1.Type

/**
 * The data type a V1 filter or order names for a field: `date` for the date fields, else the value's type
 * (what the official SDK sends; `number` for numeric fields when there is no value, as in `order`).
 *
 * @since 0.1.0
 * @category V1
 */
export const typeV1 = (field: string, value?: unknown): "date" | "number" | "string" => {
  if (DATE_FIELDS_V1.includes(field)) return "date"
  const first = Array.isArray(value) ? value[0] : value
  if (first === undefined) return NUMBER_FIELDS_V1.includes(field) ? "number" : "string"
  return typeof first === "number" ? "number" : "string"
}

const scalarV1 = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v))

/**
 * `filter[]` text for one filter, exactly as the official SDK writes it: `<type> <field> <param> <value>`,
 * lists comma-joined in the given order, dates as ISO 8601.
 *
 * @example
 * ```ts
 * import { UsersQueryV1 } from "@connectycube-effect/core"
 *
 * UsersQueryV1.formatFilterV1({ field: "id", param: "in", value: [51941, 51946] }) // "number id in 51941,51946"
 * ```
 *
 * @since 0.1.0
 * @category V1
 */
export const formatFilterV1 = (filter: FilterV1): string => {
  const value = Array.isArray(filter.value) ? filter.value.map(scalarV1).join(",") : scalarV1(filter.value)
  return `${typeV1(filter.field, filter.value)} ${filter.field} ${filter.param} ${value}`
}

/**
 * `order` text: `<sort> <type> <field>` (`asc string login`, `desc date created_at`).
 *
 * @since 0.1.0
 * @category V1
 */
export const formatOrderV1 = (order: OrderV1): string => `${order.sort} ${typeV1(order.field)} ${order.field}`

/**
 * A V1 filter as the server reads it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedFilterV1 {
  readonly type: "number" | "string" | "date"
  readonly field: FieldV1
  readonly op: OperatorV1
  /** One value, or several for `in` and `between`; dates already converted to `Date`. */
  readonly values: ReadonlyArray<string | number | Date>
}

const TYPES_V1: Record<string, ParsedFilterV1["type"]> = {
  number: "number",
  integer: "number",
  float: "number",
  string: "string",
  date: "date"
}

const isField = (s: string): s is FieldV1 => (FIELDS_V1 as ReadonlyArray<string>).includes(s)
const isOperator = (s: string): s is OperatorV1 => (OPERATORS_V1 as ReadonlyArray<string>).includes(s)

/** `yyyy-mm-dd` and `yyyy.mm.dd` (the docs' V1 formats) and everything `parseDate` reads. */
const parseDateV1 = (s: string): Date | undefined => {
  const dotted = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(s.trim())
  return parseDate(dotted === null ? s : `${dotted[1]}-${dotted[2]}-${dotted[3]}`)
}

/**
 * Reads one `filter[]` value (`number id in 51941,51946`; `+` and `%20` already decoded to spaces).
 *
 * @example
 * ```ts
 * import { UsersQueryV1 } from "@connectycube-effect/core"
 *
 * UsersQueryV1.parseFilterV1("number id in 51941,51946")
 * // Result.succeed({ type: "number", field: "id", op: "in", values: [51941, 51946] })
 * ```
 *
 * @since 0.1.0
 * @category V1
 */
export const parseFilterV1 = (text: string): Result.Result<ParsedFilterV1, UserInput.Issue> => {
  const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s(.*)$/s.exec(text)
  if (m === null) return Result.fail({ field: "filter", reason: "must be \"<type> <field> <operator> <value>\"" })
  const [, rawType, field, op, rawValue] = m as unknown as [string, string, string, string, string]
  const type = TYPES_V1[rawType.toLowerCase()]
  if (type === undefined) return Result.fail({ field: "filter", reason: "type must be number, string or date" })
  if (!isField(field)) return Result.fail({ field: "filter", reason: `field must be one of ${FIELDS_V1.join(", ")}` })
  if (!isOperator(op)) return Result.fail({ field: "filter", reason: `operator must be one of ${OPERATORS_V1.join(", ")}` })
  const pieces = op === "in" || op === "between" ? rawValue.split(",") : [rawValue]
  const values: Array<string | number | Date> = []
  for (const piece of pieces) {
    if (type === "number") {
      const n = Number(piece.trim())
      if (piece.trim() === "" || !Number.isFinite(n)) return Result.fail({ field: "filter", reason: "value must be a number" })
      values.push(n)
    } else if (type === "date") {
      const d = parseDateV1(piece)
      if (d === undefined) return Result.fail({ field: "filter", reason: "value must be a date (yyyy-mm-dd)" })
      values.push(d)
    } else values.push(piece)
  }
  if (op === "between" && values.length !== 2) {
    return Result.fail({ field: "filter", reason: "between needs two comma-separated values" })
  }
  return Result.succeed({ type, field, op, values })
}

/**
 * Reads `order` (`asc string login`).
 *
 * @since 0.1.0
 * @category V1
 */
export const parseOrderV1 = (text: string): Result.Result<{ readonly sort: "asc" | "desc"; readonly field: FieldV1 }, UserInput.Issue> => {
  const parts = text.trim().split(/\s+/)
  const sort = parts[0]?.toLowerCase()
  const field = parts.length === 3 ? parts[2]! : parts[1] ?? ""
  if ((sort !== "asc" && sort !== "desc") || !isField(field)) {
    return Result.fail({ field: "order", reason: "must be \"asc|desc <type> <field>\"" })
  }
  return Result.succeed({ sort, field })
}

/**
 * `page` / `per_page` of the V1 lists: page ≥ 1, per_page 1..100.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PagingV1 = Schema.Struct({
  page: Schema.optional(UserInput.integer(1, Number.MAX_SAFE_INTEGER, "must be a positive integer")),
  per_page: Schema.optional(UserInput.integer(1, 100, "must be an integer from 1 to 100"))
})
