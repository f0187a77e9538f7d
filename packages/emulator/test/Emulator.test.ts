import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Emulator from "../src/Emulator.js"
import { appSession, call } from "./helpers.js"

describe("startEmulator (promise API)", () => {
  it.live("starts on a free loopback port, controls the clock, resets and closes", () =>
    Effect.gen(function*() {
      const emu = yield* Effect.promise(() => Emulator.startEmulator())
      assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.isAbove(emu.port, 0)
      const token = (yield* call(emu.url, "POST", "/session", { body: appSession() })).body.session.token
      yield* Effect.promise(() => emu.advanceClock(2 * 60 * 60 * 1000 + 1))
      assert.strictEqual((yield* call(emu.url, "GET", "/session", { token })).status, 401)
      const requests = yield* Effect.promise(() => emu.requests())
      assert.deepStrictEqual(requests.map((r) => r.status), [201, 401])
      yield* Effect.promise(() => emu.reset())
      assert.deepStrictEqual((yield* emu.emulator.exportState).tables.sessions, [])
      yield* Effect.promise(() => emu.close())
      yield* Effect.promise(() => emu.close())
      const refused = yield* Effect.result(Effect.tryPromise(() => fetch(`${emu.url}/session`)))
      assert.strictEqual(refused._tag, "Failure")
    }))

  it.live("start failures reject with an EmulatorError: port in use, bad seed, unopenable db", () =>
    Effect.gen(function*() {
      const first = yield* Effect.promise(() => Emulator.startEmulator())
      yield* Effect.addFinalizer(() => Effect.promise(() => first.close()))
      const failure = (options: Emulator.Options) =>
        Effect.flip(Effect.tryPromise({ try: () => Emulator.startEmulator(options), catch: (e) => e as Emulator.EmulatorError }))
      const busy = yield* failure({ port: first.port })
      assert.instanceOf(busy, Emulator.EmulatorError)
      assert.strictEqual(busy.reason, "Serve")
      const seed = yield* failure({ seedData: { nope: true } })
      assert.strictEqual(seed.reason, "Seed")
      const db = yield* failure({ db: "/nonexistent-dir/cube.sqlite" })
      assert.strictEqual(db.reason, "Database")
    }).pipe(Effect.scoped))
})

layer(Emulator.layer({ apps: [{ id: 42, authKey: "layer-key" }] }))("Emulator.layer", (it) => {
  it.effect("provides the running emulator as a service (TestClock does not stall it)", () =>
    Effect.gen(function*() {
      const emu = yield* Emulator.Emulator
      const refused = yield* Effect.flip(emu.addFault({ path: "(", regex: true }))
      assert.strictEqual(refused.reason, "Fault")
      yield* emu.addFault({ path: "/session", delayMs: 20 })
      const r = yield* call(emu.url, "POST", "/session.json", { body: { application_id: 42, auth_key: "layer-key" } })
      assert.strictEqual(r.status, 201)
      assert.strictEqual(r.body.session.application_id, 42)
    }))
})
