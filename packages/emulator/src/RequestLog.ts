/**
 * The request log behind `GET /__emulator/requests`: a ring buffer (10 000 entries by default) of
 * method, path, status and time. Secrets never enter it: headers and bodies are not recorded, and
 * query values of secret-looking keys (`token`, `auth_key`, `password`, `signature`, ...) are
 * replaced by `[REDACTED]`.
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
export interface Entry {
  readonly seq: number
  /** ISO time on the emulator clock. */
  readonly time: string
  readonly method: string
  /** The path as sent (with `.json` when it had one), without the query. */
  readonly path: string
  /** The query string with secret values redacted (`""` when none). */
  readonly query: string
  /** The status answered; 499 when the client went away first (a timeout, an aborted call). */
  readonly status: number
  readonly durationMs: number
  /** Set when a fault rule answered (or dropped/delayed) the request. */
  readonly fault?: "status" | "drop" | "delay" | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Records a request; `timeMs` is formatted and `query` redacted when the log is read (this runs per
   * request, the log is read rarely; the raw query only lives in this process's memory).
   */
  readonly push: (entry: Omit<Entry, "seq" | "time"> & { readonly timeMs: number }) => void
  readonly list: Effect.Effect<ReadonlyArray<Entry>>
  /** The entries with `seq` greater than `seq`, oldest first (polling: `GET /__emulator/requests?after=`). */
  readonly after: (seq: number) => Effect.Effect<ReadonlyArray<Entry>>
  readonly clear: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RequestLog extends Context.Service<RequestLog, Service>()("@connectycube-effect/emulator/RequestLog") {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (capacity = 10_000): Service => {
  type Raw = Omit<Entry, "time"> & { readonly timeMs: number }
  const buffer: Array<Raw | undefined> = new Array(capacity)
  let next = 0
  let seq = 0
  // seq only grows (also across `clear`), so a poller's `after` never skips an entry
  const read = (after: number) =>
    Effect.sync(() => {
      const out: Array<Entry> = []
      for (let i = 0; i < capacity; i++) {
        const e = buffer[(next + i) % capacity]
        if (e === undefined || e.seq <= after) continue
        const { query, seq, timeMs, ...rest } = e
        out.push({ seq, time: new Date(timeMs).toISOString(), ...rest, query: redactQuery(query) })
      }
      return out
    })
  return {
    push: (entry) => {
      buffer[next] = { seq: ++seq, ...entry }
      next = (next + 1) % capacity
    },
    list: read(0),
    after: read,
    clear: Effect.sync(() => {
      buffer.fill(undefined)
      next = 0
    })
  }
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (capacity?: number): Layer.Layer<RequestLog> => Layer.sync(RequestLog, () => make(capacity))

const SECRET_KEY = /token|auth_?key|password|secret|signature/i

/**
 * Redacts the values of secret-looking query keys (`?token=abc` → `?token=[REDACTED]`).
 *
 * @since 0.1.0
 * @category redaction
 */
export const redactQuery = (query: string): string => {
  if (query === "") return ""
  return query.split("&").map((pair) => {
    const eq = pair.indexOf("=")
    if (eq === -1) return pair
    let key = pair.slice(0, eq)
    try {
      key = decodeURIComponent(key)
    } catch {
      // keep the raw key for matching
    }
    return SECRET_KEY.test(key) ? `${pair.slice(0, eq)}=[REDACTED]` : pair
  }).join("&")
}
