/**
 * A `Stream` fed by callbacks (session events, upload progress). It does what `Stream.async` does for these
 * uses (an unbounded buffer, the subscription ended with the stream) on the primitives every bundle with a
 * platform `HttpClient` already holds, instead of the `Queue` and `Take` machinery `Stream.async` pulls in
 * (~0.7 KB gz).
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
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
 * import { PushStream } from "@connectycube-effect/core"
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
 * Effect.runPromise(Stream.runCollect(ticks)) // 1, 2, 3
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, E = never, R = never>(
  register: (emit: Emit<A, E>) => Effect.Effect<Effect.Effect<void>, never, R>
): Stream.Stream<A, E, R> =>
  Stream.unwrapScoped(Effect.map(
    Effect.acquireRelease(
      Effect.suspend(() => {
        let buffer: Array<A> = []
        let done: Effect.Effect<never, Option.Option<E>> | undefined
        let wake: (() => void) | undefined
        const notify = () => {
          const f = wake
          wake = undefined
          f?.()
        }
        const subscribe = register({
          single: (value) => {
            if (done !== undefined) return
            buffer.push(value)
            notify()
          },
          end: () => {
            done ??= Effect.fail(Option.none())
            notify()
          },
          halt: (cause) => {
            done ??= Effect.mapError(Effect.failCause(cause), Option.some)
            notify()
          }
        })
        const pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> = Effect.suspend(() => {
          if (buffer.length > 0) {
            const chunk = Chunk.unsafeFromArray(buffer)
            buffer = []
            return Effect.succeed(chunk)
          }
          if (done !== undefined) return done
          return Effect.flatMap(Effect.async<void>((resume) => {
            wake = () => resume(Effect.void)
          }), () => pull)
        })
        return Effect.map(subscribe, (unsubscribe) => ({ pull, unsubscribe }))
      }),
      ({ unsubscribe }) => unsubscribe
    ),
    ({ pull }) => Stream.repeatEffectChunkOption(pull)
  ))
