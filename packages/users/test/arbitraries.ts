/**
 * Valid V2 queries, drawn with fast-check, shared by the users property tests and the end-to-end round trip
 * (test/users.query.property.test.ts). Effect 4 no longer derives fast-check arbitraries from a Schema, and its own
 * generator (effect/Arbitrary) cannot draw values that pass the query's cross-field rules; so each field is written
 * here and every query is kept only if the Schema accepts it: the rules stay the Schema's.
 */
import { UsersQuery } from "@connectycube-effect/core"
import { Schema } from "effect"
import * as fc from "fast-check"

const nonBlank = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 })
const positiveId = fc.integer({ min: 1, max: 0x7fffffff })
const date = fc.date({ min: new Date(0), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
const list = <A>(item: fc.Arbitrary<A>) => fc.array(item, { minLength: 1, maxLength: 3 })
/** An operator object with at least one operator set. */
const operators = <R extends Record<string, fc.Arbitrary<unknown>>>(ops: R) =>
  fc.record(ops, { requiredKeys: [] }).filter((o) => Object.keys(o).length > 0)
const idField = fc.oneof(positiveId, operators({ eq: positiveId, in: list(positiveId), nin: list(positiveId) }))
const stringField = fc.oneof(
  nonBlank,
  operators({
    eq: nonBlank,
    in: list(nonBlank),
    nin: list(nonBlank),
    start_with: fc.string({ unit: "grapheme", minLength: 4, maxLength: 20 })
  })
)
const tagsField = fc.oneof(nonBlank, operators({ eq: nonBlank, in: list(nonBlank), nin: list(nonBlank) }))
const dateField = fc.oneof(date, operators({ eq: date, gt: date, lt: date, gte: date, lte: date }))
const sortField = fc.constantFrom(...UsersQuery.SORT_FIELDS)

export const ValidQuery: fc.Arbitrary<UsersQuery.UsersQuery> = fc.record({
  id: idField,
  login: stringField,
  email: stringField,
  full_name: stringField,
  phone: stringField,
  external_id: stringField,
  facebook_id: stringField,
  twitter_id: stringField,
  user_tags: tagsField,
  last_request_at: dateField,
  created_at: dateField,
  updated_at: dateField,
  limit: fc.integer({ min: 1, max: 100 }),
  offset: fc.integer({ min: 0, max: 1_000_000_000 }),
  sort_asc: sortField,
  sort_desc: sortField
}, { requiredKeys: [] }).filter(Schema.is(UsersQuery.UsersQuery))
