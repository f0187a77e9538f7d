/**
 * Fault injection (`POST /__emulator/faults`): the next N requests matching a method and a path
 * (prefix, or a regular expression) answer a chosen status/body (with `Retry-After`), are delayed,
 * or have their connection destroyed. `/__emulator/*` itself is never faulted.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

/**
 * The body of `POST /__emulator/faults`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FaultInput = Schema.Struct({
  method: Schema.optional(Schema.String),
  /** A path prefix (`/users`), matched with and without `.json`; a regular expression with `regex: true`. */
  path: Schema.optional(Schema.String),
  regex: Schema.optional(Schema.Boolean),
  /** How many matching requests it applies to (default 1). */
  times: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0))),
  status: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 599 }))),
  body: Schema.optional(Schema.Unknown),
  /** Seconds, sent as `Retry-After`. */
  retryAfter: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))),
  delayMs: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 60_000 }))),
  drop: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category models
 */
export type FaultInput = typeof FaultInput.Type

/**
 * @since 0.1.0
 * @category models
 */
export interface Fault extends FaultInput {
  readonly id: number
  remaining: number
  readonly matcher: (method: string, path: string) => boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly add: (input: FaultInput) => Effect.Effect<Fault, Error>
  readonly list: Effect.Effect<ReadonlyArray<Fault>>
  readonly clear: Effect.Effect<void>
  /** Removes one pending rule (`DELETE /__emulator/faults/:id`): `false` when no pending rule has that id. */
  readonly remove: (id: number) => Effect.Effect<boolean>
  /** The rule that applies to this request (its count is used up), if any. Synchronous: hot path. */
  readonly take: (method: string, path: string) => Fault | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Faults extends Context.Service<Faults, Service>()("@connectycube-effect/emulator/Faults") {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Service => {
  let rules: Array<Fault> = []
  let ids = 0
  return {
    add: (input) =>
      Effect.try({
        try: () => {
          const method = input.method?.toUpperCase()
          const pattern = input.path
          let pathMatch: (path: string) => boolean = () => true
          if (pattern !== undefined && input.regex === true) {
            const re = new RegExp(pattern)
            pathMatch = (path) => re.test(path)
          } else if (pattern !== undefined) {
            const prefix = pattern.endsWith(".json") ? pattern.slice(0, -5) : pattern
            pathMatch = (path) => path.startsWith(prefix)
          }
          const fault: Fault = {
            ...input,
            id: ++ids,
            remaining: input.times ?? 1,
            matcher: (m, path) => (method === undefined || method === m) && pathMatch(path)
          }
          rules.push(fault)
          return fault
        },
        catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
      }),
    list: Effect.sync(() => rules.filter((r) => r.remaining > 0)),
    clear: Effect.sync(() => {
      rules = []
    }),
    remove: (id) =>
      Effect.sync(() => {
        const pending = rules.some((r) => r.id === id && r.remaining > 0)
        rules = rules.filter((r) => r.id !== id)
        return pending
      }),
    take: (method, path) => {
      if (rules.length === 0) return undefined
      for (const rule of rules) {
        if (rule.remaining > 0 && rule.matcher(method, path)) {
          rule.remaining--
          if (rule.remaining === 0) rules = rules.filter((r) => r.remaining > 0)
          return rule
        }
      }
      return undefined
    }
  }
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Faults> = Layer.sync(Faults, make)

/**
 * The JSON view of a rule (for `GET /__emulator/faults`).
 *
 * @since 0.1.0
 * @category conversions
 */
export const toJson = (fault: Fault): Record<string, unknown> => {
  const { matcher: _matcher, ...rest } = fault
  return rest
}
