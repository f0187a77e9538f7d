/** @internal */
export const SECRET_KEY = /token|password|auth_?key|secret|signature/i

/**
 * Deep copy of a parsed body with the values of secret-looking keys replaced, so an error
 * that keeps the server's body can be logged without leaking a token or a password.
 * @internal
 */
export const redactBody = (body: unknown, depth = 0): unknown => {
  if (body === null || typeof body !== "object") return body
  // Past the depth bound the keys go unread, so the part is dropped rather than kept unredacted.
  if (depth > 8) return "<too deep>"
  if (Array.isArray(body)) return body.map((item) => redactBody(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    out[key] = SECRET_KEY.test(key) && value !== null && value !== undefined ? "<redacted>" : redactBody(value, depth + 1)
  }
  return out
}

/**
 * The server's error messages, flattened: `{"errors":["a"]}` and `{"errors":{"base":["a"],"login":["b"]}}`
 * both become a list of readable strings.
 * @internal
 */
export const serverMessages = (body: unknown): ReadonlyArray<string> => {
  if (body === null || typeof body !== "object") return typeof body === "string" && body.trim() !== "" ? [body.trim().slice(0, 200)] : []
  const errors = (body as { errors?: unknown }).errors
  if (Array.isArray(errors)) return errors.map(String)
  if (errors !== null && typeof errors === "object") {
    return Object.entries(errors as Record<string, unknown>).flatMap(([field, value]) => {
      const list = Array.isArray(value) ? value.map(String) : [String(value)]
      return field === "base" ? list : list.map((m) => `${field} ${m}`)
    })
  }
  if (typeof errors === "string") return [errors]
  return []
}

/**
 * Field errors of a 422 body: `{"errors":{"login":["has already been taken"]}}` → `{login: [...]}`.
 * An array body becomes `{base: [...]}`.
 * @internal
 */
export const fieldErrors = (body: unknown): Record<string, ReadonlyArray<string>> => {
  if (body === null || typeof body !== "object") return {}
  const errors = (body as { errors?: unknown }).errors
  if (Array.isArray(errors)) return { base: errors.map(String) }
  if (errors !== null && typeof errors === "object") {
    const out: Record<string, ReadonlyArray<string>> = {}
    for (const [field, value] of Object.entries(errors as Record<string, unknown>)) {
      out[field] = Array.isArray(value) ? value.map(String) : [String(value)]
    }
    return out
  }
  return {}
}
