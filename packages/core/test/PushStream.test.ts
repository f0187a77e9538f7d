import { assert, describe, it } from "@effect/vitest"
import * as PushStream from "@connectycube-effect/core/PushStream"
import { Cause, Effect, Result, Stream } from "effect"

describe("PushStream", () => {
  it.effect("delivers what was pushed before end, then ends; later pushes and a later halt are ignored", () =>
    Effect.gen(function*() {
      let unsubscribed = 0
      const stream = PushStream.make<number, string>((emit) =>
        Effect.sync(() => {
          emit.single(1)
          emit.single(2)
          emit.end()
          emit.single(3)
          emit.halt(Cause.fail("too late"))
          return Effect.sync(() => {
            unsubscribed++
          })
        })
      )
      assert.deepStrictEqual(yield* Stream.runCollect(stream), [1, 2])
      assert.strictEqual(unsubscribed, 1)
    }))

  it.effect("delivers what was pushed before halt, then fails with its cause; a later end is ignored", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const stream = PushStream.make<number, string>((emit) =>
        Effect.sync(() => {
          emit.single(1)
          emit.halt(Cause.fail("boom"))
          emit.end()
          return Effect.void
        })
      )
      const result = yield* Effect.result(Stream.runForEach(stream, (n) => Effect.sync(() => seen.push(n))))
      assert.deepStrictEqual(seen, [1])
      assert.deepStrictEqual(result, Result.fail("boom"))
    }))

  it.effect("waits for pushes that come later", () =>
    Effect.gen(function*() {
      const stream = PushStream.make<number>((emit) =>
        Effect.sync(() => {
          const timers = [1, 2, 3].map((n) => setTimeout(() => (n === 3 ? emit.end() : emit.single(n)), n * 5))
          return Effect.sync(() => timers.forEach(clearTimeout))
        })
      )
      assert.deepStrictEqual(yield* Stream.runCollect(stream), [1, 2])
    }))
})
