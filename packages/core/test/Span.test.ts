import * as Span from "@connectycube-effect/core/Span"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Tracer } from "effect"

const inner = Span.fn("Test.method")(function*(n: number) {
  const span = yield* Effect.option(Effect.currentSpan)
  return { n, span: Option.map(span, (s) => s.name) }
})

const recording = () => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span: (options) => {
      names.push(options.name)
      return Tracer.nativeTracer.span(options)
    }
  })
  return { names, tracer }
}

describe("Span", () => {
  it.effect("with effect's own tracer: no span is made (nobody could read it)", () =>
    Effect.gen(function*() {
      assert.isTrue(Span.isNativeTracer(yield* Effect.tracer))
      assert.deepStrictEqual(yield* inner(1), { n: 1, span: Option.none() })
    }))

  it.effect("with a tracer installed: the method runs in its span", () => {
    const { names, tracer } = recording()
    return Effect.gen(function*() {
      assert.isFalse(Span.isNativeTracer(yield* Effect.tracer))
      assert.deepStrictEqual(yield* inner(2), { n: 2, span: Option.some("Test.method") })
      assert.deepStrictEqual(names, ["Test.method"])
    }).pipe(Effect.withTracer(tracer))
  })
})
