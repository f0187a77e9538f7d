import { Paging, User } from "@connectycube-effect/core"
import { Arbitrary, Effect, Result, Schema } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

const runs = Number(process.env.FUZZ_RUNS ?? 1000)

// What CubeHttpClient.decode does with every answer: the class keeps unknown keys itself (a struct with a rest record).
const viaClass = Schema.decodeUnknownResult(Paging.PageV2(User.User))
const viaWire = Schema.decodeUnknownResult(Paging.PageV2(User.UserFromWire))
const page = (items: ReadonlyArray<unknown>) => ({ limit: 10, skip: 0, total_entries: items.length, items })

/** Own keys and values, whatever their order (the two decoders add unknown keys in a different order). */
const entries = (u: unknown) => Object.entries(u as object).sort(([a], [b]) => a < b ? -1 : 1)

// Users drawn from the Schema by effect's own generator (v4 derives no fast-check arbitraries); fast-check
// combines them with unknown keys and broken fields.
const sample = <A>(schema: Schema.Decoder<A>, count: number, seed: string): ReadonlyArray<A> =>
  Effect.runSync(Arbitrary.sampleEffect(Arbitrary.schema(schema), { count, seed }))

describe("User.UserFromWire decodes as User, unknown keys kept", () => {
  const known = fc.constantFrom(...sample(Schema.toEncoded(User.User), 500, "core/User"))
  const extra = fc.dictionary(fc.string().filter((k) => !Object.hasOwn(User.User.fields, k)), fc.jsonValue())

  it(`valid users: the same User instances, unknown keys kept (${runs} cases)`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(known, extra).map(([user, more]) => ({ ...more, ...user })), { maxLength: 3 }), (items) => {
        const expected = Result.getOrThrow(viaClass(page(items)))
        const actual = Result.getOrThrow(viaWire(page(items)))
        expect(actual.items.length).toBe(expected.items.length)
        actual.items.forEach((user, i) => {
          expect(user).toBeInstanceOf(User.User)
          expect(entries(user)).toStrictEqual(entries(expected.items[i]))
        })
      }),
      { numRuns: runs }
    )
  })

  it(`any JSON as a user: accepted and rejected alike (${runs} cases)`, () => {
    // Known keys with values of any JSON type, so that most cases break one field's type.
    const anyUser = fc.record(
      Object.fromEntries(
        Object.keys(User.User.fields).map((k) => [k, fc.oneof(fc.jsonValue(), known.map((u) => (u as Record<string, unknown>)[k]))])
      ),
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(fc.oneof(anyUser, fc.jsonValue()), (user) => {
        const expected = viaClass(page([user]))
        const actual = viaWire(page([user]))
        expect(Result.isSuccess(actual)).toBe(Result.isSuccess(expected))
        if (Result.isSuccess(actual) && Result.isSuccess(expected)) {
          expect(entries(actual.success.items[0])).toStrictEqual(entries(expected.success.items[0]))
        }
      }),
      { numRuns: runs }
    )
  })

  it("encodes back to the wire JSON, unknown keys included", () => {
    const json = { id: 7, login: "seed", user_tags: "a,b", added_later: { x: 1 } }
    const user = Schema.decodeUnknownSync(User.UserFromWire)(json)
    expect(user).toBeInstanceOf(User.User)
    expect(Schema.encodeSync(User.UserFromWire)(user)).toStrictEqual(json)
    expect(Schema.decodeUnknownResult(User.UserFromWire)({ ...json, id: "7" })._tag).toBe("Failure")
  })
})

describe("the fast path", () => {
  const Rest = Schema.Record(Schema.String, Schema.Unknown)

  it("is taken: the wire struct compiles to a guard", async () => {
    const { compile } = await import("../src/internal/guard.js")
    const Wire = Schema.StructWithRest(Schema.Struct(User.User.fields), [Rest])
    const guard = compile(Wire.ast)
    expect(guard).toBeTypeOf("function")
    expect(guard!({ id: 1, user_tags: ["a"], extra: 1 })).toBe(true)
    expect(guard!({ id: 1, user_tags: [1] })).toBe(false)
    expect(guard!({ login: "a" })).toBe(false)
    expect(guard!([])).toBe(false)
    // no fast path where the output would differ from the input: no index signature, a refinement
    expect(compile(Schema.Struct(User.User.fields).ast)).toBeUndefined()
    expect(compile(Schema.StructWithRest(Schema.Struct({ id: Schema.Int }), [Rest]).ast)).toBeUndefined()
  })

  it("agrees with the Schema on a list with holes (input JSON cannot make): a hole is undefined, not skipped", async () => {
    const { compile } = await import("../src/internal/guard.js")
    const guard = compile(Schema.StructWithRest(Schema.Struct(User.User.fields), [Rest]).ast)!
    const holey = { id: 1, user_tags: ["a", , "b"] }
    expect(guard(holey)).toBe(false)
    expect(Schema.decodeUnknownResult(User.UserFromWire)(holey)._tag).toBe("Failure")
    expect(Schema.decodeUnknownResult(User.User)(holey)._tag).toBe("Failure")
  })

  it("Arbitrary still works on UserFromWire", () => {
    for (const user of sample(User.UserFromWire, 20, "core/UserFromWire")) expect(user).toBeInstanceOf(User.User)
  })

  it("a \"__proto__\" key from JSON stays data: the user is still a User", () => {
    for (const schema of [User.UserFromWire, User.User]) {
      const user = Schema.decodeUnknownSync(schema)(JSON.parse(`{"id":1,"__proto__":{"polluted":true}}`))
      expect(user).toBeInstanceOf(User.User)
      expect(Object.getPrototypeOf(user)).toBe(User.User.prototype)
      expect((user as unknown as Record<string, unknown>).polluted).toBeUndefined()
      // never copied at all, not even as an own data key
      expect(Object.hasOwn(user, "__proto__")).toBe(false)
    }
  })

  it("is a Schema like any other: is, JSON Schema, formatter, short errors", () => {
    expect(Schema.is(User.UserFromWire)({ id: 1 })).toBe(false)
    expect(Schema.is(User.UserFromWire)(new User.User({ id: 1 }))).toBe(true)
    expect(JSON.stringify(Schema.toJsonSchemaDocument(Schema.toEncoded(User.UserEnvelope)))).toContain("last_request_at")
    expect(Schema.toFormatter(User.UserEnvelope)({ user: new User.User({ id: 1, login: "a" }) })).toContain("login")
    // the same message as the class gives, not the 20-field struct spelled out
    for (const user of ["x", null, [], { id: "1" }]) {
      const viaWire = Schema.decodeUnknownResult(User.UserEnvelope)({ user })
      const viaClass = Schema.decodeUnknownResult(Schema.Struct({ user: User.User }))({ user })
      expect(Result.isFailure(viaWire) && viaWire.failure.message).toBe(Result.isFailure(viaClass) && viaClass.failure.message)
    }
  })
})
