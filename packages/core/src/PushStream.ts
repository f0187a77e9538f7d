/**
 * A `Stream` fed by callbacks (session events, upload progress): `Stream.callback` with an unbounded buffer, the
 * subscription made when the stream starts and ended with it, behind a small push interface (`single`, `end`,
 * `halt`) instead of a `Queue`.
 *
 * Plumbing shared by the SDK packages (the session's events, storage's upload progress), so not in core's index:
 * import it as `@connectycube-effect/core/PushStream`.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"

/**
 * What a subscription pushes with. Calls after the end are ignored.
 *
 * @since 0.1.0
 * @category models
 */
export interface Emit<in A, in E> {
  readonly single: (value: A) => void
  readonly end: () => void
  readonly halt: (cause: Cause.Cause<E>) => void
}

/**
 * A stream that subscribes when it starts (`register`, which answers how to unsubscribe) and unsubscribes
 * when it ends, fails or is interrupted. `register` runs uninterruptibly (it is the stream's acquisition): a
 * fiber it forks should be made `Effect.interruptible`, or interrupting it when unsubscribing waits for it to end.
 *
 * @example
 * ```ts
 * import * as PushStream from "@connectycube-effect/core/PushStream"
 * import { Effect, Stream } from "effect"
 *
 * const ticks = PushStream.make<number>((emit) =>
 *   Effect.sync(() => {
 *     let n = 0
 *     const timer = setInterval(() => (++n > 3 ? emit.end() : emit.single(n)), 10)
 *     return Effect.sync(() => clearInterval(timer))
 *   })
 * )
 *
 * Effect.runPromise(Stream.runCollect(ticks)) // [1, 2, 3]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, E = never, R = never>(
  register: (emit: Emit<A, E>) => Effect.Effect<Effect.Effect<void>, never, R>
): Stream.Stream<A, E, R> =>
  Stream.callback<A, E, R>((queue) =>
    Effect.acquireRelease(
      // a queue that has ended refuses later offers and a later end or failure
      register({
        single: (value) => void Queue.offerUnsafe(queue, value),
        end: () => void Queue.endUnsafe(queue),
        halt: (cause) => void Queue.failCauseUnsafe(queue, cause)
      }),
      (unsubscribe) => unsubscribe
    )
  )
