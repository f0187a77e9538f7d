import { describe, expect, it } from "@effect/vitest"
import { UsersQuery } from "@connectycube-effect/core"
import { Emulator } from "@connectycube-effect/emulator"
import * as UserRoutes from "@connectycube-effect/emulator/routes/Users"
import { Cube, QueryString } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer, Result, Schema } from "effect"
import * as fc from "fast-check"
// the emulator's query parser is internal to it: read from its source
import * as RailsQuery from "../packages/emulator/src/internal/RailsQuery.js"
import { ValidQuery } from "../packages/users/test/arbitraries.js"

// The V2 query is one Schema for both sides: what the SDK encodes, the emulator decodes back unchanged.

const runs = Number(process.env.FUZZ_RUNS ?? 1000)
const timeout = Math.max(30_000, runs * 30)

const encode = Schema.encodeSync(UsersQuery.UsersQuery)
const decode = Schema.decodeUnknownResult(UsersQuery.UsersQuery, { errors: "all", onExcessProperty: "error" })

/** `in`/`nin` are sets: the encoder sorts the query's parts, so their order may change on the way. */
const canonical = (query: unknown): unknown => {
  if (query instanceof Date || query === null || typeof query !== "object") return query
  if (Array.isArray(query)) return query
  return Object.fromEntries(
    Object.entries(query as Record<string, unknown>).map(([k, v]) => [
      k,
      (k === "in" || k === "nin") && Array.isArray(v) ? [...v].sort() : canonical(v)
    ])
  )
}

describe("property: V2 queries round-trip SDK encoder → query string → emulator decoder", () => {
  it(`${runs} generated valid queries decode back to themselves`, () => {
    fc.assert(
      fc.property(ValidQuery, (query) => {
        const wire = QueryString.encode(encode(query) as QueryString.Input)
        // What a server receives after `URL` normalisation (it escapes `'` as well).
        const received = new URL(`http://x/users/v2.json?${wire}`).search.slice(1)
        const parsed = UserRoutes.normalizeV2(RailsQuery.parseQuery(received))
        const decoded = decode(parsed)
        expect(Result.isSuccess(decoded)).toBe(true)
        expect(canonical(Result.getOrThrow(decoded))).toEqual(canonical(query))
      }),
      { numRuns: runs }
    )
  }, timeout)

  it.live(`${Math.ceil(runs / 10)} generated valid queries are answered 200 by the emulator over HTTP`, () =>
    Effect.gen(function*() {
      const emu = yield* Effect.orDie(Emulator.make())
      const layer = Users.layer.pipe(
        Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key", apiUrl: emu.url })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
      // built once in the test's scope: every run shares one client and its session
      const users = Context.get(yield* Layer.build(layer), Users.Users)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(ValidQuery, async (query) => {
            const page = await Effect.runPromise(users.getV2(query))
            expect(page.skip).toBe(query.offset ?? 0)
          }),
          { numRuns: Math.ceil(runs / 10) }
        )
      )
    }), timeout)
})
