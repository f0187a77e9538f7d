/**
 * Runs the seed's samples (`seed-samples.ts`) against an SDK object and records what every call settled to,
 * so the official `connectycube` and `@connectycube-effect/promise` can be compared on the same text.
 */
import type { Sample, SampleEnv } from "./seed-samples.js"

export interface Call {
  readonly path: string
  readonly args: ReadonlyArray<unknown>
  outcome?:
    | { readonly resolved: unknown }
    | { readonly rejected: { readonly code: unknown; readonly info: unknown; readonly tag?: unknown } }
    | { readonly returned: unknown }
}

export interface Recorder {
  /** The SDK as the sample sees it. */
  readonly sdk: any
  readonly calls: Array<Call>
  /** Resolves once every recorded call (and every call those made) has settled. */
  readonly settled: () => Promise<void>
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Wraps `target` so every method call under it (`createSession`, `users.getV2`, …) is recorded with its
 * outcome. `init` gets `overrides` merged into its config: the seed's `init(CREDENTIALS, CONFIG)` has no
 * endpoint, and the harness points it at the emulator (and silences the official SDK's debug log).
 */
export const record = (target: any, overrides: Record<string, unknown>): Recorder => {
  const calls: Array<Call> = []
  const pending = new Set<Promise<unknown>>()
  const wrap = (object: any, prefix: string): any =>
    new Proxy(object, {
      get(obj, key, receiver) {
        const value = Reflect.get(obj, key, receiver)
        if (typeof key !== "string") return value
        const path = prefix === "" ? key : `${prefix}.${key}`
        if (key === "init" && typeof value === "function") {
          return (credentials: unknown, config: Record<string, unknown> = {}) => {
            calls.push({ path, args: [credentials, config], outcome: { returned: undefined } })
            return value.call(obj, credentials, { ...config, ...overrides })
          }
        }
        if (typeof value === "function") {
          return (...args: Array<unknown>) => {
            const call: Call = { path, args }
            calls.push(call)
            let result: unknown
            try {
              result = value.apply(obj, args)
            } catch (error: any) {
              call.outcome = { rejected: { code: error?.code, info: error?.info, tag: error?._tag } }
              throw error
            }
            if (result !== null && typeof (result as any)?.then === "function") {
              const promise = (result as Promise<unknown>).then(
                (resolved) => {
                  call.outcome = { resolved }
                },
                (error: any) => {
                  call.outcome = { rejected: { code: error?.code, info: error?.info, tag: error?._tag } }
                }
              )
              pending.add(promise)
              void promise.finally(() => pending.delete(promise))
            } else {
              call.outcome = { returned: result }
            }
            return result
          }
        }
        if (value !== null && typeof value === "object" && (key === "users" || key === "storage")) return wrap(value, path)
        return value
      }
    })
  const settled = async () => {
    // Calls made from callbacks (the avatar's `updateUser`, the expiry hook's `createSession`) appear later.
    for (let quiet = 0; quiet < 3;) {
      await tick()
      if (pending.size === 0) quiet++
      else {
        quiet = 0
        await Promise.allSettled([...pending])
      }
    }
  }
  return { sdk: wrap(target, ""), calls, settled }
}

export const runSample = async (
  sample: Sample,
  target: any,
  env: SampleEnv,
  overrides: Record<string, unknown>
): Promise<Array<Call>> => {
  const recorder = record(target, overrides)
  sample(recorder.sdk, env)
  await recorder.settled()
  return recorder.calls
}

const VOLATILE = new Set([
  "id",
  "_id",
  "user_id",
  "blob_id",
  "token",
  "nonce",
  "ts",
  "created_at",
  "updated_at",
  "last_request_at",
  "set_completed_at",
  "expires",
  "uid",
  "params",
  "avatar"
])

/** Ids, tokens, uids and timestamps replaced by their type, so two runs compare equal. */
export const normalize = (value: unknown, key?: string): unknown => {
  if (typeof value === "function") return "<function>"
  if (Array.isArray(value)) return value.map((v) => normalize(v))
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalize(v, k)])
    )
  }
  if (key !== undefined && VOLATILE.has(key) && value !== null && value !== "") return `<${typeof value}>`
  if (typeof value === "string") {
    return value
      .replace(/token=[^&'"\s]+/g, "token=<token>")
      .replace(/\/blobs\/[0-9a-f]{20,}/g, "/blobs/<uid>")
      .replace(/guest_login_[0-9A-Za-z]+/g, "guest_login_<x>")
  }
  return value
}

/** A file like a browser's `input[type=file]` gives, usable by both SDKs in Node (a Buffer with name/type/size). */
export const fakeJquery = (name: string, type: string, content: string): SampleEnv["$"] => {
  const file = Object.assign(Buffer.from(content), { name, type, size: Buffer.byteLength(content) })
  return () => [{ files: [file] }]
}
