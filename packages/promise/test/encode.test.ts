import { Paging, User } from "@connectycube-effect/core"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeUsersV1, encodeUsersV2 } from "../src/internal/client.js"

const runs = Number(process.env.FUZZ_RUNS ?? 300)

describe("the adapter's user JSON (a copy of the instance) equals the Schema encoding", () => {
  // Users as the server sends them, generated from the Schema's encoded side by effect's own generator (a fixed
  // seed, so a failure replays); fast-check picks among them and adds keys the Schema does not declare.
  const sent = Effect.runSync(
    Arbitrary.sampleEffect(Arbitrary.schema(Schema.toEncoded(User.User)), { count: runs, seed: "promise/encode" })
  )
  // Users as the SDK holds them: decoded from the wire, unknown keys kept.
  const wireUser = fc.tuple(fc.constantFrom(...sent), fc.dictionary(fc.string().map((k) => `x_${k}`), fc.jsonValue()))
    .map(([user, extra]) => Schema.decodeUnknownSync(User.User)({ ...extra, ...user }))

  it(`V2 pages (${runs} cases)`, () => {
    const schema = Paging.PageV2(User.User)
    fc.assert(fc.property(fc.array(wireUser, { maxLength: 4 }), (items) => {
      const page = { limit: 10, skip: 0, total_entries: items.length, items }
      const copy = encodeUsersV2(page)
      expect(copy).toStrictEqual(Schema.encodeSync(schema)(page))
      for (const item of copy.items) expect(Object.getPrototypeOf(item)).toBe(Object.prototype)
    }), { numRuns: runs })
  })

  it(`V1 pages (${runs} cases)`, () => {
    const schema = Paging.PageV1("user", User.User)
    fc.assert(fc.property(fc.array(wireUser, { maxLength: 4 }), (users) => {
      const page = { current_page: 1, per_page: 10, total_entries: users.length, items: users.map((user) => ({ user })) }
      expect(encodeUsersV1(page)).toStrictEqual(Schema.encodeSync(schema)(page))
    }), { numRuns: runs })
  })
})
