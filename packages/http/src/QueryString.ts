/**
 * The query-string encoding the ConnectyCube API expects, byte for byte as the official SDK sends it:
 * Rails-style bracket keys (`id[in][]=1`), brackets left raw, values through `encodeURIComponent`
 * (space → `%20`), and every `key=value` part sorted before joining with `&`.
 *
 * Two deliberate differences from the official SDK: a `Date` is sent as ISO 8601 (the official SDK
 * sends `Date.prototype.toString()`, which depends on the machine's time zone), and `undefined`
 * values are left out instead of being sent as the string `undefined`.
 *
 * @since 0.1.0
 */

/**
 * A value the encoder accepts.
 *
 * @since 0.1.0
 * @category models
 */
export type Value =
  | string
  | number
  | boolean
  | bigint
  | Date
  | null
  | undefined
  | ReadonlyArray<Value>
  | { readonly [key: string]: Value }

/**
 * @since 0.1.0
 * @category models
 */
export type Input = { readonly [key: string]: Value }

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * `"brackets"` (default) writes arrays as repeated `key[]=v`; `"comma"` joins them as `key=a,b`
   * (sorted, as the official SDK does for V1 nested arrays).
   */
  readonly arrays?: "brackets" | "comma"
}

const scalar = (value: Exclude<Value, ReadonlyArray<Value> | { readonly [key: string]: Value }>): string =>
  value instanceof Date ? value.toISOString() : String(value)

const isPlainObject = (value: unknown): value is { readonly [key: string]: Value } =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)

const collect = (parts: Array<string>, key: string, value: Value, options: Options): void => {
  if (value === undefined) return
  if (Array.isArray(value)) {
    if (options.arrays === "comma") {
      parts.push(`${key}=${encodeURIComponent(value.map((v) => scalar(v as any)).sort().join(","))}`)
      return
    }
    for (const item of value as ReadonlyArray<Value>) collect(parts, `${key}[]`, item, options)
    return
  }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) collect(parts, `${key}[${encodeURIComponent(k)}]`, v, options)
    return
  }
  parts.push(`${key}=${encodeURIComponent(scalar(value as any))}`)
}

/**
 * Encodes parameters the way the API (and the official SDK) writes them.
 *
 * @example
 * ```ts
 * import { QueryString } from "@connectycube-effect/http"
 *
 * QueryString.encode({ limit: 10, offset: 50, id: { in: [1, 2] } })
 * // "id[in][]=1&id[in][]=2&limit=10&offset=50"
 * ```
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (input: Input, options: Options = {}): string => {
  const parts: Array<string> = []
  for (const [key, value] of Object.entries(input)) collect(parts, encodeURIComponent(key), value, options)
  return parts.sort().join("&")
}
