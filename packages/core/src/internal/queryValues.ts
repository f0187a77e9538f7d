/**
 * Values both users queries read (`UsersQuery`, V2, and `UsersQueryV1`): dates as every client sends them, and
 * lists that name at least one value.
 */
import * as Schema from "effect/Schema"

/**
 * Reads a date the way every client sends one: ISO 8601 (this SDK), Unix seconds (the docs), or
 * `Date.prototype.toString()` (the official JS SDK's `getV2`). `undefined` when it is none of them.
 * @internal
 */
export const parseDate = (raw: string): Date | undefined => {
  const s = raw.trim()
  if (s === "") return undefined
  const ms = /^-?\d+(?:\.\d+)?$/.test(s) ? Number(s) * 1000 : Date.parse(s)
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date
}

const DATE_MESSAGE = "must be a Date or an ISO 8601 date"

/**
 * A `Date` that is a date (not `new Date("x")`).
 * @internal
 */
export const ValidDate = Schema.Date.annotate({ message: DATE_MESSAGE }).check(
  Schema.makeFilter((d: Date) => !Number.isNaN(d.getTime()), { message: DATE_MESSAGE })
)

/**
 * A list must name at least one value (`in`, `nin`, a V1 filter's list).
 * @internal
 */
export const nonEmptyList = Schema.makeFilter((a: ReadonlyArray<unknown>) => a.length > 0 || "must list at least one value", {
  arbitraryConstraint: { minLength: 1 }
})
