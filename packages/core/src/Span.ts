/**
 * The span every service method runs in, made only when a tracer is installed (see `isNativeTracer`).
 * `Span.fn("Users.getV2")(function*(query) { … })` is
 * `Effect.fn("Users.getV2")(…)` without the call-site stack capture: the same span per call, named for the
 * method, without an `Error` allocated on every call, and no span at all under effect's own tracer, where nobody
 * reads it. In test/bench/handwritten.bench.ts a `getV2`-like call over loopback took about 12 % (1-18 %) less
 * client CPU than in `Effect.fn`'s span (and a method's failure carries no span annotation on its cause).
 *
 * Plumbing shared by the SDK packages (http, users, storage), so not in core's index: import it as
 * `@connectycube-effect/core/Span`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"

/**
 * A function whose every call runs its generator body as an `Effect` in a span named `name`.
 *
 * @example
 * ```ts
 * import * as Span from "@connectycube-effect/core/Span"
 * import { Effect } from "effect"
 *
 * const greet = Span.fn("Greeter.greet")(function*(name: string) {
 *   yield* Effect.log(`hello ${name}`)
 *   return name.length
 * })
 *
 * Effect.runPromise(greet("world")) // 5 (in a span "Greeter.greet" when a tracer is installed)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fn = (name: string) =>
<Eff extends Effect.Effect<any, any, any>, AEff, Args extends Array<any>>(
  body: (...args: Args) => Generator<Eff, AEff, never>
) =>
(...args: Args): Effect.Effect<
  AEff,
  [Eff] extends [never] ? never : [Eff] extends [Effect.Effect<infer _A, infer E, infer _R>] ? E : never,
  [Eff] extends [never] ? never : [Eff] extends [Effect.Effect<infer _A, infer _E, infer R>] ? R : never
> =>
  Effect.flatMap(Effect.tracer, (tracer) =>
    isNativeTracer(tracer) ? Effect.gen(() => body(...args)) : Effect.withSpan(Effect.gen(() => body(...args)), name))

/**
 * Whether `tracer` is effect's built-in one. Its spans reach no exporter, so the SDK skips its spans when it is
 * the current tracer: in test/bench one span cost more than a Schema decode of the answer.
 *
 * @example
 * ```ts
 * import * as Span from "@connectycube-effect/core/Span"
 * import { Effect } from "effect"
 *
 * Effect.runSync(Effect.map(Effect.tracer, Span.isNativeTracer)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isNativeTracer = (tracer: Tracer.Tracer): boolean => tracer === Tracer.nativeTracer
