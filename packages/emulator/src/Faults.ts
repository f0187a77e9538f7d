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
 * The longest `path` regular expression a fault takes.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_REGEX_LENGTH = 500

/** `{n}`, `{n,}`, `{n,m}` at `i` (else a literal `{`): its length, and whether it can repeat (more than once). */
const braces = (pattern: string, i: number): { readonly length: number; readonly repeats: boolean } | undefined => {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24))
  if (m === null) return undefined
  const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3])
  return { length: m[0].length, repeats: max > 1 }
}

/**
 * Whether a regular expression has a nested quantifier: a group repeated by a quantifier (`*`, `+`, `{n,}`,
 * `{n,m}` with m > 1) that itself holds a quantifier (`(a+)+`, `(a?){30}`, `((ab)*c)*`): the shape whose
 * backtracking grows exponentially with the input (`^/(a+)+$` held the server for seconds on a 30-character
 * path). A star-height check, so it errs on the safe side (`(\d+-)+` is refused too) and does not catch every
 * slow pattern (overlapping alternatives such as `(a|a)*` pass). Escapes and character classes are skipped.
 *
 * @since 0.1.0
 * @category validation
 */
export const hasNestedQuantifier = (pattern: string): boolean => {
  // per open group: whether it holds a quantifier so far
  const open: Array<boolean> = [false]
  // the atom a quantifier would apply to: a group that held a quantifier, or anything else
  let lastGroupQuantified = false
  let i = 0
  while (i < pattern.length) {
    const c = pattern[i]!
    if (c === "\\") {
      const next = pattern[i + 1]
      // `\p{...}`, `\u{...}`, `\k<...>`: their braces are not a quantifier
      const close = (next === "p" || next === "P" || next === "u") && pattern[i + 2] === "{" ?
        pattern.indexOf("}", i) :
        next === "k" && pattern[i + 2] === "<" ?
        pattern.indexOf(">", i) :
        -1
      i = close === -1 ? i + 2 : close + 1
      lastGroupQuantified = false
      continue
    }
    if (c === "[") {
      i++
      while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1
      i++
      lastGroupQuantified = false
      continue
    }
    if (c === "(") {
      open.push(false)
      i++
      // `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`: the `?` is not a quantifier
      if (pattern[i] === "?") {
        i++
        if (pattern[i] === "<" && pattern[i + 1] !== "=" && pattern[i + 1] !== "!") {
          const end = pattern.indexOf(">", i)
          i = end === -1 ? pattern.length : end + 1
        } else {
          i++
        }
      }
      lastGroupQuantified = false
      continue
    }
    if (c === ")") {
      const held = open.length > 1 ? open.pop()! : false
      if (held) open[open.length - 1] = true
      lastGroupQuantified = held
      i++
      continue
    }
    const brace = c === "{" ? braces(pattern, i) : undefined
    if (c === "*" || c === "+" || c === "?" || brace !== undefined) {
      const repeats = c === "*" || c === "+" || (brace?.repeats ?? false)
      if (repeats && lastGroupQuantified) return true
      open[open.length - 1] = true
      i += brace?.length ?? 1
      if (pattern[i] === "?") i++ // lazy
      lastGroupQuantified = false
      continue
    }
    lastGroupQuantified = false
    i++
  }
  return false
}

/**
 * Why a fault's `path` cannot be a regular expression (too long, a nested quantifier, or a syntax error), or
 * `undefined` when it can.
 *
 * @since 0.1.0
 * @category validation
 */
export const regexProblem = (pattern: string): string | undefined => {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return `is too long for a regular expression (maximum is ${MAX_REGEX_LENGTH} characters)`
  }
  if (hasNestedQuantifier(pattern)) {
    return "has a nested quantifier (a repeated group holding a quantifier, as in (a+)+), which can backtrack for seconds"
  }
  try {
    new RegExp(pattern)
    return undefined
  } catch (error) {
    return `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`
  }
}

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
  /** A final status: a 1xx is not an answer (the client would wait for the real one forever). */
  status: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 200, maximum: 599 }))),
  body: Schema.optional(Schema.Unknown),
  /** Seconds, sent as `Retry-After`. */
  retryAfter: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))),
  delayMs: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 60_000 }))),
  drop: Schema.optional(Schema.Boolean)
}).check(
  // a `regex` path is checked before it is compiled: the route answers 422 naming `path`
  Schema.makeFilter((input) => {
    if (input.regex !== true || input.path === undefined) return undefined
    const problem = regexProblem(input.path)
    return problem === undefined ? undefined : { path: ["path"], issue: problem }
  })
)

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
            const problem = regexProblem(pattern)
            if (problem !== undefined) throw new Error(`path ${problem}`)
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
