import { describe, expect, it } from "@effect/vitest"
import { Errors, UserInput, UsersQuery } from "@connectycube-effect/core"
import { QueryString } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import { ValidQuery } from "./arbitraries.js"
import { fakeCube, runs, userJson } from "./fake.js"

// 10k runs (FUZZ_RUNS=10000) take tens of seconds per property.
const timeout = Math.max(30_000, runs * 30)

/** Values that break each profile field's rule (rest-api.md §4.1, the seed's "login or email + password"). */
const breakers: Record<string, ReadonlyArray<unknown>> = {
  login: ["", "ab", "a".repeat(71), 12345, null, ["abc"]],
  email: ["", "plain", "a@b", "a b@c.de", "@x.io", 7, null],
  password: ["", 0, null, undefined],
  website: ["not a url", "ftp://x.com", "http://", "a b.com", 1],
  tag_list: [[1], ["a,b"], [""], [null], 5, [["nested"]]],
  timezone: [1.5, 10_000, -10_000, "60", null],
  blob_id: [0, -1, 1.5, "1", null],
  custom_data: [{ a: 1 }, 1, null, ["x"]],
  full_name: [1, null, {}],
  phone: [123, null],
  avatar: [1, null],
  external_id: [-1, "", null, {}],
  facebook_id: [0, "", {}],
  twitter_id: [1.5, "", []]
}

// Valid inputs, drawn with fast-check. effect 4 derives arbitraries with its own generator (effect/Arbitrary),
// which cannot draw values that pass predicate checks such as Email or Website; these are written per field
// and every value is checked against the Schema it stands for, so the rules stay the Schemas'.
const text = fc.string({ unit: "grapheme", maxLength: 20 })
const nonBlank = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 })
const positiveId = fc.integer({ min: 1, max: 0x7fffffff })
const externalId = fc.oneof(positiveId, nonBlank)
const tag = nonBlank.filter(Schema.is(UserInput.Tag))
const profileFields = {
  login: fc.string({ unit: "grapheme", minLength: 3, maxLength: 70 }).filter(Schema.is(UserInput.Login)),
  email: fc.emailAddress().filter(Schema.is(UserInput.Email)),
  full_name: text,
  phone: text,
  website: fc.webUrl().filter(Schema.is(UserInput.Website)),
  tag_list: fc.oneof(fc.array(tag, { maxLength: 4 }), text),
  custom_data: text,
  external_user_id: fc.oneof(positiveId, fc.integer({ min: 1, max: 0x7fffffff }).map(String)),
  external_id: externalId,
  facebook_id: externalId,
  twitter_id: externalId,
  timezone: fc.integer({ min: -720, max: 840 }),
  avatar: text,
  blob_id: positiveId
}

const ValidSignup: fc.Arbitrary<UserInput.Signup> = fc.oneof(
  fc.record({ ...profileFields, password: nonBlank }, { requiredKeys: ["password", "login"] }),
  fc.record({ ...profileFields, password: nonBlank }, { requiredKeys: ["password", "email"] })
).filter(Schema.is(UserInput.Signup))

const ValidUpdate: fc.Arbitrary<UserInput.Update> = fc.record({
  ...Object.fromEntries(
    Object.entries(profileFields).map(([key, arb]) => [key, key === "login" ? arb : fc.option(arb as fc.Arbitrary<unknown>, { nil: null })])
  ),
  password: nonBlank,
  old_password: nonBlank
}, { requiredKeys: [] }).filter(Schema.is(UserInput.Update))

/** A valid profile with exactly one rule broken (or login and email both removed). */
const InvalidSignup = fc.oneof(
  fc.tuple(ValidSignup, fc.constantFrom(...Object.keys(breakers))).chain(([profile, field]) =>
    fc.constantFrom(...breakers[field]!).map((value) => ({ ...profile, [field]: value }))
  ),
  ValidSignup.map(({ email: _e, login: _l, ...rest }) => rest),
  fc.tuple(ValidSignup, fc.string({ minLength: 1 }).filter((k) => !(k in UserInput.Signup.fields))).map(
    ([profile, key]) => ({ ...profile, [key]: "typo" })
  )
)

const InvalidUpdate = fc.oneof(
  fc.tuple(ValidUpdate, fc.constantFrom(...Object.keys(breakers).filter((k) => k !== "password")))
    .chain(([changes, field]) =>
      fc.constantFrom(...breakers[field]!.filter((v) => v !== null && v !== undefined)).map((value) => ({ ...changes, [field]: value }))
    ),
  nonBlank.map((password) => ({ password }))
)

describe("property: invalid input never reaches the network", () => {
  it.effect(`signup: ${runs} invalid profiles, zero requests, InvalidInput naming a field`, () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      const users = yield* Users.Users
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(InvalidSignup, async (profile) => {
            const error = await Effect.runPromise(Effect.flip(users.signup(profile as Users.SignupProfile)))
            expect(error).toBeInstanceOf(Errors.InvalidInput)
            expect((error as Errors.InvalidInput).field).not.toBe("")
            // An echoed password would carry its own characters: checked for passwords with a character no message
            // text has, in the message less the field it names (a generated unknown field "% " holds a password "%";
            // a password "name" is inside "full_name").
            if (typeof profile.password === "string" && /[^A-Za-z0-9 _.:,'"()-]/.test(profile.password)) {
              const field = (error as Errors.InvalidInput).field
              expect(error.message.replace(field, "")).not.toContain(profile.password)
            }
            expect(cube.requests).toHaveLength(0)
          }),
          { numRuns: runs }
        )
      )
    }).pipe(Effect.provide(cube.layer))
  }, timeout)

  it.effect(`update: ${runs} invalid changes, zero requests`, () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      const users = yield* Users.Users
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(InvalidUpdate, async (changes) => {
            const error = await Effect.runPromise(Effect.flip(users.update(changes as Users.ProfileChanges)))
            expect(error).toBeInstanceOf(Errors.InvalidInput)
            expect(cube.requests).toHaveLength(0)
          }),
          { numRuns: runs }
        )
      )
    }).pipe(Effect.provide(cube.layer))
  }, timeout)

  it.effect(`getV2: ${runs} queries with a rule broken, zero requests`, () => {
    const cube = fakeCube()
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const broken = fc.tuple(ValidQuery, fc.integer({ min: 0, max: 5 })).map(([q, n]): unknown => {
        switch (n) {
          case 0:
            return { ...q, limit: 101 }
          case 1:
            return { ...q, id: { gt: 1 } }
          case 2:
            return { ...q, full_name: { start_with: "abc" } }
          case 3:
            return { ...q, sort_asc: "id", sort_desc: "id" }
          case 4:
            return { created_at: new Date(0), limit: q.limit }
          default:
            return { ...q, offset: -1 }
        }
      })
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(broken, async (query) => {
            const error = await Effect.runPromise(Effect.flip(users.getV2(query as Users.Query)))
            expect(error._tag).toBe("InvalidInput")
            expect(cube.requests).toHaveLength(0)
          }),
          { numRuns: runs }
        )
      )
    }).pipe(Effect.provide(cube.layer))
  }, timeout)
})

describe("property: valid input is sent as given", () => {
  it.effect(`signup: ${runs} valid profiles, one POST each, body = {user: profile}`, () => {
    const cube = fakeCube(() => ({ status: 201, body: { user: userJson(1) } }))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(ValidSignup, async (profile) => {
            const before = cube.requests.length
            await Effect.runPromise(users.signup(profile))
            expect(cube.requests.length).toBe(before + 1)
            const req = cube.requests[before]!
            expect(req.target).toBe("/users.json")
            expect(JSON.parse(req.body!)).toEqual({ user: profile })
          }),
          { numRuns: runs }
        )
      )
    }).pipe(Effect.provide(cube.layer))
  }, timeout)

  it.effect(`getV2: ${runs} valid queries, one GET each, query = the bracket encoding of the wire form`, () => {
    const cube = fakeCube(() => ({ status: 200, body: { limit: 100, skip: 0, total_entries: 0, items: [] } }))
    return Effect.gen(function*() {
      const users = yield* Users.Users
      const encode = Schema.encodeSync(UsersQuery.UsersQuery)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(ValidQuery, async (query) => {
            const before = cube.requests.length
            await Effect.runPromise(users.getV2(query))
            const sent = cube.requests.slice(before).filter((r) => r.path === "/users/v2.json")
            expect(sent).toHaveLength(1)
            // `URL` (which every HttpClient goes through) also escapes `'` as %27; nothing else changes.
            const expected = new URL(`http://x/?${QueryString.encode(encode(query) as QueryString.Input)}`).search.slice(1)
            expect(sent[0]!.query).toBe(expected)
            expect(sent[0]!.query).not.toMatch(/=(undefined|null)(&|$)/)
          }),
          { numRuns: runs }
        )
      )
    }).pipe(Effect.provide(cube.layer))
  }, timeout)
})
