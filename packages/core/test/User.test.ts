import { Paging, User } from "@connectycube-effect/core"
import { Arbitrary, Either, FastCheck as fc, JSONSchema, Pretty, Schema } from "effect"
import { describe, expect, it } from "vitest"

const preserve = { onExcessProperty: "preserve" } as const
const runs = Number(process.env.FUZZ_RUNS ?? 1000)

// What CubeHttpClient.decode does with every answer: decode with "preserve".
const viaClass = Schema.decodeUnknownEither(Paging.PageV2(User.User), preserve)
const viaWire = Schema.decodeUnknownEither(Paging.PageV2(User.UserFromWire), preserve)
const page = (items: ReadonlyArray<unknown>) => ({ limit: 10, skip: 0, total_entries: items.length, items })

/** Own keys and values, whatever their order (the two decoders add unknown keys in a different order). */
const entries = (u: unknown) => Object.entries(u as object).sort(([a], [b]) => a < b ? -1 : 1)

describe("User.UserFromWire decodes as User with onExcessProperty preserve", () => {
  const known = Arbitrary.make(Schema.encodedSchema(User.User))
  const extra = fc.dictionary(fc.string().filter((k) => !Object.hasOwn(User.User.fields, k)), fc.jsonValue())

  it(`valid users: the same User instances, unknown keys kept (${runs} cases)`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(known, extra).map(([user, more]) => ({ ...more, ...user })), { maxLength: 3 }), (items) => {
        const expected = Either.getOrThrow(viaClass(page(items)))
        const actual = Either.getOrThrow(viaWire(page(items)))
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
      Object.fromEntries(Object.keys(User.User.fields).map((k) => [k, fc.oneof(fc.jsonValue(), known.map((u) => (u as any)[k]))])),
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(fc.oneof(anyUser, fc.jsonValue()), (user) => {
        const expected = viaClass(page([user]))
        const actual = viaWire(page([user]))
        expect(Either.isRight(actual)).toBe(Either.isRight(expected))
        if (Either.isRight(actual) && Either.isRight(expected)) {
          expect(entries(actual.right.items[0])).toStrictEqual(entries(expected.right.items[0]))
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
    expect(Schema.decodeUnknownEither(User.UserFromWire)({ ...json, id: "7" })._tag).toBe("Left")
  })
})

describe("the fast path", () => {
  it("is taken: the wire struct compiles to a guard", async () => {
    const { compile } = await import("../src/internal/guard.js")
    const Wire = Schema.Struct(User.User.fields, Schema.Record({ key: Schema.String, value: Schema.Unknown }))
    const guard = compile(Wire.ast)
    expect(guard).toBeTypeOf("function")
    expect(guard!({ id: 1, user_tags: ["a"], extra: 1 })).toBe(true)
    expect(guard!({ id: 1, user_tags: [1] })).toBe(false)
    expect(guard!({ login: "a" })).toBe(false)
    expect(guard!([])).toBe(false)
    // no fast path where the output would differ from the input: no index signature, a refinement
    expect(compile(Schema.Struct(User.User.fields).ast)).toBeUndefined()
    expect(compile(Schema.Struct({ id: Schema.Int }, Schema.Record({ key: Schema.String, value: Schema.Unknown })).ast))
      .toBeUndefined()
  })

  it("agrees with the Schema on a list with holes (input JSON cannot make): a hole is undefined, not skipped", async () => {
    const { compile } = await import("../src/internal/guard.js")
    const guard = compile(Schema.Struct(User.User.fields, Schema.Record({ key: Schema.String, value: Schema.Unknown })).ast)!
    const holey = { id: 1, user_tags: ["a", , "b"] }
    expect(guard(holey)).toBe(false)
    expect(Schema.decodeUnknownEither(User.UserFromWire)(holey)._tag).toBe("Left")
    expect(Schema.decodeUnknownEither(User.User)(holey)._tag).toBe("Left")
  })

  it("Arbitrary still works on UserFromWire", () => {
    for (const user of fc.sample(Arbitrary.make(User.UserFromWire), 20)) expect(user).toBeInstanceOf(User.User)
  })

  it("a \"__proto__\" key from JSON stays data: the user is still a User", () => {
    const user = Schema.decodeUnknownSync(User.UserFromWire)(JSON.parse(`{"id":1,"__proto__":{"polluted":true}}`))
    expect(user).toBeInstanceOf(User.User)
    expect(Object.getPrototypeOf(user)).toBe(User.User.prototype)
    expect((user as unknown as Record<string, unknown>).polluted).toBeUndefined()
  })

  it("is a Schema like any other: is, JSON Schema, pretty, short errors", () => {
    expect(Schema.is(User.UserFromWire)({ id: 1 })).toBe(false)
    expect(Schema.is(User.UserFromWire)(new User.User({ id: 1 }))).toBe(true)
    expect(JSON.stringify(JSONSchema.make(Schema.encodedSchema(User.UserEnvelope)))).toContain("last_request_at")
    expect(Pretty.make(User.UserEnvelope)({ user: new User.User({ id: 1, login: "a" }) })).toContain("login")
    // the same message as the class gives, not the 20-field struct spelled out
    for (const user of ["x", null, [], { id: "1" }]) {
      const viaWire = Schema.decodeUnknownEither(User.UserEnvelope)({ user })
      const viaClass = Schema.decodeUnknownEither(Schema.Struct({ user: User.User }))({ user })
      expect(Either.isLeft(viaWire) && viaWire.left.message).toBe(Either.isLeft(viaClass) && viaClass.left.message)
    }
  })
})
