import { assert, describe, it } from "@effect/vitest"
import { Session as CoreSession } from "@connectycube-effect/core"
import { Session } from "@connectycube-effect/http"
import { Arbitrary, Effect, Either, FastCheck as fc, Schema } from "effect"
import { appSessionBody, cubeLayer, fakeHttp } from "./fake.js"

const runs = Number(process.env.FUZZ_RUNS ?? 1000)
const isCredentials = Schema.is(CoreSession.Credentials)

describe("fuzz: session credentials", () => {
  it.effect(`valid credentials (Schema Arbitrary, ${runs} cases) are accepted and sent once`, () => {
    const http = fakeHttp(() => ({ status: 201, body: appSessionBody("T") }))
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const samples = fc.sample(Arbitrary.make(CoreSession.Credentials), runs)
      for (const credentials of samples) {
        const before = http.requests.length
        const result = yield* Effect.either(session.create(credentials))
        assert.isTrue(Either.isRight(result), JSON.stringify(credentials))
        assert.strictEqual(http.requests.length, before + 1)
      }
    }).pipe(Effect.provide(cubeLayer(http.layer)))
  })

  it.effect(`arbitrary input (${runs} cases): anything that is not a credential form is InvalidInput, nothing sent`, () => {
    const http = fakeHttp(() => ({ status: 201, body: appSessionBody("T") }))
    const junk = fc.oneof(
      fc.object({ maxDepth: 2 }),
      fc.record({ login: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), password: fc.oneof(fc.string(), fc.constant(undefined)) }),
      fc.record({ email: fc.string(), password: fc.string() }),
      fc.record({ provider: fc.string(), keys: fc.object({ maxDepth: 1 }) }),
      fc.record({ provider: fc.constantFrom("firebase_phone", "firebase_email"), firebase_phone: fc.anything() }),
      fc.record({ guest: fc.anything(), full_name: fc.anything() })
    )
    return Effect.gen(function*() {
      const session = yield* Session.Session
      let rejected = 0
      for (const input of fc.sample(junk, runs)) {
        if (typeof input === "object" && input !== null && Object.keys(input).length === 0) continue
        const before = http.requests.length
        const result = yield* Effect.either(session.create(input as any))
        const valid = isCredentials(CoreSession.normalizeCredentials(input))
        if (valid) {
          assert.isTrue(Either.isRight(result))
        } else {
          rejected++
          assert.isTrue(Either.isLeft(result) && result.left._tag === "InvalidInput", JSON.stringify(input))
          assert.strictEqual(http.requests.length, before, `sent for ${JSON.stringify(input)}`)
        }
      }
      assert.isAbove(rejected, runs / 2)
    }).pipe(Effect.provide(cubeLayer(http.layer)))
  })
})
