/**
 * A `Stream` fed by callbacks (session events, upload progress). It does what `Stream.callback` does for these
 * uses (an unbounded buffer, the subscription ended with the stream) with a plain array and one waiting
 * callback, instead of the `Queue` `Stream.callback` pulls in.
 *
 * @since 0.1.0
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Pull from "effect/Pull"
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
 * Effect.runPromise(Stream.runCollect(ticks)) // [1, 2, 3]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, E = never, R = never>(
  register: (emit: Emit<A, E>) => Effect.Effect<Effect.Effect<void>, never, R>
): Stream.Stream<A, E, R> =>
  Stream.unwrap(Effect.map(
    Effect.acquireRelease(
      Effect.suspend(() => {
        let buffer: Array<A> = []
        let done: Effect.Effect<never, E | Cause.Done> | undefined
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
            done ??= Cause.done()
            notify()
          },
          halt: (cause) => {
            done ??= Effect.failCause(cause)
            notify()
          }
        })
        const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E> = Effect.suspend(() => {
          if (buffer.length > 0) {
            const chunk = buffer as unknown as Arr.NonEmptyReadonlyArray<A>
            buffer = []
            return Effect.succeed(chunk)
          }
          if (done !== undefined) return done
          return Effect.flatMap(Effect.callback<void>((resume) => {
            wake = () => resume(Effect.void)
          }), () => pull)
        })
        return Effect.map(subscribe, (unsubscribe) => ({ pull, unsubscribe }))
      }),
      ({ unsubscribe }) => unsubscribe
    ),
    ({ pull }) => Stream.fromPull(Effect.succeed(pull))
  ))
