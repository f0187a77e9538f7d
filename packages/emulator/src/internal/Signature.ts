/**
 * The HMAC-SHA1 session signature of SDKs up to 3.x (official-sdk.md §3.2): every parameter except
 * `signature`, nested keys in bracket form, sorted, joined with `&`, values not URL-encoded,
 * signed with the app's auth secret, lower-case hex.
 *
 * @since 0.1.0
 */
import * as Crypto from "node:crypto"

const flatten = (prefix: string, value: unknown, out: Array<string>): void => {
  if (value === undefined) return
  if (value !== null && typeof value === "object") {
    if (Array.isArray(value)) {
      for (const item of value) flatten(`${prefix}[]`, item, out)
      return
    }
    for (const [k, v] of Object.entries(value)) flatten(`${prefix}[${k}]`, v, out)
    return
  }
  out.push(`${prefix}=${value === null ? "" : String(value)}`)
}

/**
 * The string that gets signed: `{ application_id: 123, auth_key: "K", nonce: 1, timestamp: 2, user: { login: "a",
 * password: "b" } }` gives `application_id=123&auth_key=K&nonce=1&timestamp=2&user[login]=a&user[password]=b`.
 *
 * @since 0.1.0
 * @category signing
 */
export const stringToSign = (params: Readonly<Record<string, unknown>>): string => {
  const parts: Array<string> = []
  for (const [key, value] of Object.entries(params)) {
    if (key === "signature") continue
    flatten(key, value, parts)
  }
  return parts.sort().join("&")
}

/**
 * HMAC-SHA1 (or SHA-256, which 3.x SDKs could be switched to) of the parameters, lower-case hex.
 *
 * @since 0.1.0
 * @category signing
 */
export const sign = (params: Readonly<Record<string, unknown>>, secret: string, algorithm: "sha1" | "sha256" = "sha1"): string =>
  Crypto.createHmac(algorithm, secret).update(stringToSign(params)).digest("hex")

/**
 * Does `signature` match the parameters? Accepts SHA-1 and SHA-256 signatures (by length).
 *
 * @since 0.1.0
 * @category signing
 */
export const verify = (params: Readonly<Record<string, unknown>>, secret: string, signature: string): boolean => {
  const given = signature.trim().toLowerCase()
  const expected = sign(params, secret, given.length === 64 ? "sha256" : "sha1")
  return given.length === expected.length && Crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))
}
