import { assert, describe, it } from "@effect/vitest"
import { Session as CoreSession } from "@connectycube-effect/core"
import { Session } from "@connectycube-effect/http"
import { Arbitrary, Effect, Result } from "effect"
import * as fc from "fast-check"
import { appSessionBody, cubeLayer, fakeHttp } from "./fake.js"

const runs = Number(process.env.FUZZ_RUNS ?? 1000)

/**
 * The credential forms of the reference, written out apart from `CoreSession.Credentials`: an oracle built on
 * the Schema under test would agree with any loosening of it (an empty password accepted passed both tests).
 */
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null
const nonEmpty = (u: unknown) => typeof u === "string" && u.length > 0
const stringOrAbsent = (u: unknown) => u === undefined || typeof u === "string"
const firebaseKeys = (u: unknown) => isObject(u) && nonEmpty(u.project_id) && nonEmpty(u.access_token)
/** Sign-up's rules for what a sign-in sends (issue 17): well-formed text, no control characters in login/email. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const wellFormed = (u: unknown) => typeof u === "string" && !loneSurrogate.test(u)
const control = /[\u0000-\u001F\u007F]/
const signInLogin = (u: unknown) =>
  wellFormed(u) && (u as string).length >= 3 && (u as string).length <= 4096 && !control.test(u as string)
const signUpEmail = (u: unknown) =>
  wellFormed(u) && /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(u as string) && (u as string).length <= 254 &&
  !control.test(u as string)
const isCredentialForm = (input: unknown): boolean => {
  if (!isObject(input)) return false
  const provider = input.provider
  return (signInLogin(input.login) && nonEmpty(input.password) && wellFormed(input.password)) ||
    (nonEmpty(input.email) && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email as string) && signUpEmail(input.email) &&
      nonEmpty(input.password) && wellFormed(input.password)) ||
    (["1", 1, true].includes(input.guest as string) && (input.full_name === undefined || wellFormed(input.full_name))) ||
    ((provider === "facebook" || provider === "twitter") && isObject(input.keys) && nonEmpty(input.keys.token) &&
      stringOrAbsent(input.keys.secret)) ||
    ((provider === "firebase_phone" || provider === "firebase_email") &&
      firebaseKeys(
        input[provider] ?? { project_id: input[`${provider}[project_id]`], access_token: input[`${provider}[access_token]`] }
      ))
}

describe("fuzz: session credentials", () => {
  it.effect(`valid credentials (Schema Arbitrary, ${runs} cases) are accepted and sent once`, () => {
    const http = fakeHttp(() => ({ status: 201, body: appSessionBody("T") }))
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const samples = yield* Arbitrary.sampleEffect(Arbitrary.schema(CoreSession.Credentials), { count: runs })
      let accepted = 0
      for (const credentials of samples) {
        const before = http.requests.length
        const result = yield* Effect.result(session.create(credentials))
        // the Schema's forms, less what sign-up's rules refuse (a 2-character login, a control character)
        if (isCredentialForm(credentials)) {
          accepted++
          assert.isTrue(Result.isSuccess(result), JSON.stringify(credentials))
          assert.strictEqual(http.requests.length, before + 1)
        } else {
          assert.isTrue(Result.isFailure(result) && result.failure._tag === "InvalidInput", JSON.stringify(credentials))
          assert.strictEqual(http.requests.length, before)
        }
      }
      assert.isAbove(accepted, runs / 2)
    }).pipe(Effect.provide(cubeLayer(http.layer)))
  })

  it.effect(`arbitrary input (${runs} cases): anything that is not a credential form is InvalidInput, nothing sent`, () => {
    const http = fakeHttp(() => ({ status: 201, body: appSessionBody("T") }))
    const junk = fc.oneof(
      fc.object({ maxDepth: 2 }),
      fc.record({ login: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), password: fc.oneof(fc.string(), fc.constant(undefined)) }),
      // strings only, empty ones included: valid unless one is empty
      fc.record({ login: fc.string(), password: fc.string() }),
      fc.record({ email: fc.string(), password: fc.string() }),
      fc.record({ provider: fc.string(), keys: fc.object({ maxDepth: 1 }) }),
      fc.record({ provider: fc.constantFrom("firebase_phone", "firebase_email"), firebase_phone: fc.anything() }),
      fc.record({ guest: fc.anything(), full_name: fc.anything() })
    )
    return Effect.gen(function*() {
      const session = yield* Session.Session
      let rejected = 0
      let accepted = 0
      for (const input of fc.sample(junk, runs)) {
        if (typeof input === "object" && input !== null && Object.keys(input).length === 0) continue
        const before = http.requests.length
        const result = yield* Effect.result(session.create(input as any))
        if (isCredentialForm(input)) {
          accepted++
          assert.isTrue(Result.isSuccess(result), JSON.stringify(input))
        } else {
          rejected++
          assert.isTrue(Result.isFailure(result) && result.failure._tag === "InvalidInput", JSON.stringify(input))
          assert.strictEqual(http.requests.length, before, `sent for ${JSON.stringify(input)}`)
        }
      }
      assert.isAbove(rejected, runs / 2)
      assert.isAbove(accepted, runs / 50)
    }).pipe(Effect.provide(cubeLayer(http.layer)))
  })
})
