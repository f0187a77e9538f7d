import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Emulator from "../src/Emulator.js"
import * as Sessions from "../src/store/Sessions.js"
import * as UsersSearch from "../src/store/UsersSearch.js"
import { appSession, call, emulator } from "./helpers.js"

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

describe("two emulators in one process", () => {
  it.live("share no state: header dates, pending session slides, decoded V2 queries", () =>
    Effect.gen(function*() {
      const a = yield* emulator({ clockStart: new Date("2020-01-01T00:00:00.000Z") })
      const b = yield* emulator({ clockStart: new Date("2030-06-15T12:00:00.000Z") })
      // frozen clocks: every request of a test lands in the same emulator second
      yield* a.emu.clock.freeze(true)
      yield* b.emu.clock.freeze(true)
      const stateOf = (emu: Emulator.Service) =>
        emu.run(Effect.all({ pending: Sessions.PendingSlides, search: UsersSearch.SearchCache }))
      const stateA = yield* stateOf(a.emu)
      const stateB = yield* stateOf(b.emu)
      assert.notStrictEqual(stateA.pending, stateB.pending)
      assert.notStrictEqual(stateA.search, stateB.search)

      const tokenA = (yield* a.call("POST", "/session", { body: appSession() })).body.session.token
      const tokenB = (yield* b.call("POST", "/session", { body: appSession() })).body.session.token
      // each answers its own clock's Date and expiry, interleaved
      const [ra, rb, ra2] = [
        yield* a.call("GET", "/users/v2?user_tags=a", { token: tokenA }),
        yield* b.call("GET", "/session", { token: tokenB }),
        yield* a.call("GET", "/users/v2?user_tags=a", { token: tokenA })
      ]
      assert.strictEqual(ra.status, 200)
      assert.strictEqual(ra.headers.get("date"), "Wed, 01 Jan 2020 00:00:00 GMT")
      assert.strictEqual(ra.headers.get("cb-token-expirationdate"), "2020-01-01 02:00:00 UTC")
      assert.strictEqual(rb.headers.get("date"), "Sat, 15 Jun 2030 12:00:00 GMT")
      assert.strictEqual(rb.headers.get("cb-token-expirationdate"), "2030-06-15 14:00:00 UTC")
      assert.strictEqual(ra2.headers.get("date"), "Wed, 01 Jan 2020 00:00:00 GMT")

      // the requests in the session's second are slides kept in memory: each in its own emulator's map
      assert.deepStrictEqual([...stateA.pending.keys()], [tokenA])
      assert.deepStrictEqual([...stateB.pending.keys()], [tokenB])
      // the V2 query string was decoded (and planned) by the emulator that served it only
      assert.deepStrictEqual([...stateA.search.decoded.keys()], ["user_tags=a"])
      assert.deepStrictEqual([...stateB.search.decoded.keys()], [])
    }).pipe(Effect.scoped))
})
