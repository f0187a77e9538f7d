/**
 * The emulator's own clock. Session expiry, timestamps and the `Date` header follow it, so tests can
 * jump two hours ahead (`POST /__emulator/clock {"advanceMs": 7200001}`) without waiting. It runs
 * with real time, shifted by an offset, unless frozen.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Current emulator time, Unix ms (synchronous: it is read on every request). */
  readonly unsafeNow: () => number
  /** Moves the clock forward (or back, with a negative value). */
  readonly advance: (ms: number) => Effect.Effect<number>
  /** Sets the clock to a point in time (Unix ms). */
  readonly set: (ms: number) => Effect.Effect<number>
  /** Stops the clock at its current time (`true`) or lets it run again (`false`). */
  readonly freeze: (frozen: boolean) => Effect.Effect<number>
  readonly isFrozen: () => boolean
  /** Back to real time. */
  readonly reset: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class EmulatorClock extends Context.Service<EmulatorClock, Service>()("@connectycube-effect/emulator/Clock") {}

/**
 * The earliest time the emulator clock can show: the Unix epoch.
 *
 * @since 0.1.0
 * @category constants
 */
export const MIN_MS = 0

/**
 * The latest time the emulator clock can show: 9999-12-31T23:59:59.999Z (dates stay four-digit years
 * in every header and JSON field).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_MS = 253402300799999

/**
 * Is `ms` a time the emulator clock can show (`MIN_MS`..`MAX_MS`)?
 *
 * @since 0.1.0
 * @category constants
 */
export const inRange = (ms: number): boolean => Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS

/**
 * A clock that starts at real time (or at `start`, Unix ms).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (start?: number): Service => {
  // Each emulator owns its state: the closure, not a module variable.
  let offset = start === undefined ? 0 : start - Date.now()
  let frozenAt: number | undefined
  const unsafeNow = () => (frozenAt !== undefined ? frozenAt : Date.now() + offset)
  const set = (wanted: number) =>
    Effect.sync(() => {
      // kept within the range every date format can show (a time out of it would break every later answer)
      const ms = Number.isNaN(wanted) ? unsafeNow() : Math.min(MAX_MS, Math.max(MIN_MS, wanted))
      if (frozenAt !== undefined) frozenAt = ms
      else offset = ms - Date.now()
      return ms
    })
  return {
    unsafeNow,
    advance: (ms) => Effect.suspend(() => set(unsafeNow() + ms)),
    set,
    freeze: (frozen) =>
      Effect.sync(() => {
        const current = unsafeNow()
        if (frozen) frozenAt = current
        else if (frozenAt !== undefined) {
          offset = frozenAt - Date.now()
          frozenAt = undefined
        }
        return current
      }),
    isFrozen: () => frozenAt !== undefined,
    reset: Effect.sync(() => {
      offset = 0
      frozenAt = undefined
      return Date.now()
    })
  }
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (start?: number): Layer.Layer<EmulatorClock> => Layer.sync(EmulatorClock, () => make(start))

/**
 * The current emulator time (Unix ms).
 *
 * @since 0.1.0
 * @category accessors
 */
export const now: Effect.Effect<number, never, EmulatorClock> = Effect.map(EmulatorClock, (c) => c.unsafeNow())
