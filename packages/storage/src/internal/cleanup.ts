import * as Effect from "effect/Effect"

/**
 * Best-effort clean-up of a blob a failed call leaves behind (Storage's upload, Avatar's update), bounded to
 * 10 seconds. Interruptible because it runs in a finalizer (`onExit`), which is not: without that, the timeout
 * could not stop a hanging DELETE. Its outcome is ignored; the caller's own failure is what it reports.
 *
 * @internal
 */
export const cleanUp = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<void, never, R> =>
  // timeoutOrElse and catch rather than timeout and ignore: those two bring the logger (~2 KB gz) to the bundle
  Effect.catch(
    Effect.timeoutOrElse(Effect.asVoid(Effect.interruptible(effect)), { duration: "10 seconds", orElse: () => Effect.void }),
    () => Effect.void
  )
