/**
 * The span every service method runs in. `Span.fn("Users.getV2")(function*(query) { … })` is
 * `Effect.fn("Users.getV2")(…)` without the call-site stack capture: the same span per call, named for the
 * method, at a fraction of the bundle (`Effect.fn` costs ~0.6 KB gz in a browser bundle) and without an
 * `Error` allocated on every call.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { YieldWrap } from "effect/Utils"

/**
 * A function whose every call runs its generator body as an `Effect` in a span named `name`.
 *
 * @example
 * ```ts
 * import { Span } from "@connectycube-effect/core"
 * import { Effect } from "effect"
 *
 * const greet = Span.fn("Greeter.greet")(function*(name: string) {
 *   yield* Effect.log(`hello ${name}`)
 *   return name.length
 * })
 *
 * Effect.runPromise(greet("world")) // 5, in a span "Greeter.greet"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fn = (name: string) =>
<Eff extends YieldWrap<Effect.Effect<any, any, any>>, AEff, Args extends Array<any>>(
  body: (...args: Args) => Generator<Eff, AEff, never>
) =>
(...args: Args): Effect.Effect<
  AEff,
  [Eff] extends [never] ? never : [Eff] extends [YieldWrap<Effect.Effect<infer _A, infer E, infer _R>>] ? E : never,
  [Eff] extends [never] ? never : [Eff] extends [YieldWrap<Effect.Effect<infer _A, infer _E, infer R>>] ? R : never
> => Effect.withSpan(Effect.gen(() => body(...args)), name)
