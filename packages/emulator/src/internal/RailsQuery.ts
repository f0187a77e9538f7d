/**
 * The Rails-style query strings and bracket keys of the ConnectyCube API, as the server reads them:
 * `id[in][]=1&id[in][]=2` → `{id:{in:["1","2"]}}`, `id[in]=1,2` kept as `"1,2"` (`list` reads both forms),
 * `+` and `%20` as a space, flat bracket keys inside JSON bodies expanded, and the nesting limit. Pure
 * functions: the request accessors (`Http.query`, `Http.body`) and the server's early depth check use them.
 *
 * @since 0.1.0
 */

const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"])

const decodeComponent = (s: string): string => {
  const plus = s.includes("+") ? s.replace(/\+/g, " ") : s
  if (!plus.includes("%")) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    // A stray `%` is kept literally instead of failing the whole request.
    return plus
  }
}

/**
 * Splits `a[b][]` into `["a", "b", ""]`; a key without brackets is one segment.
 *
 * @since 0.1.0
 * @category parsing
 */
export const splitKey = (key: string): Array<string> => {
  const open = key.indexOf("[")
  if (open <= 0 || !key.endsWith("]")) return [key]
  const out = [key.slice(0, open)]
  const re = /\[([^\]]*)\]/g
  let m: RegExpExecArray | null
  let consumed = open
  while ((m = re.exec(key)) !== null) {
    if (m.index !== consumed) return [key]
    out.push(m[1]!)
    consumed = m.index + m[0].length
  }
  return consumed === key.length ? out : [key]
}

/**
 * Sets `value` at a bracket path in `target` (`["id","in",""]` appends to `target.id.in`).
 * Unsafe keys (`__proto__`, ...) are dropped.
 *
 * @since 0.1.0
 * @category parsing
 */
export const assignPath = (target: Record<string, unknown>, path: ReadonlyArray<string>, value: unknown): void => {
  if (path.some((p) => UNSAFE_KEYS.has(p))) return
  let node: any = target
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!
    const last = i === path.length - 1
    if (Array.isArray(node)) {
      if (seg !== "") return
      if (last) {
        node.push(value)
        return
      }
      // `a[][x]=1&a[][y]=2`: reuse the last element unless it already has the next key.
      const nextKey = path[i + 1]!
      let tail = node[node.length - 1]
      if (tail === null || typeof tail !== "object" || Array.isArray(tail) || nextKey in tail) {
        tail = {}
        node.push(tail)
      }
      node = tail
      continue
    }
    if (last) {
      const existing = node[seg]
      // A repeated plain key (`tags=a&tags=b`) becomes a list rather than losing values.
      if (existing !== undefined && typeof existing === "string") node[seg] = [existing, value]
      else if (Array.isArray(existing) && typeof value === "string") existing.push(value)
      else node[seg] = value
      return
    }
    const wantArray = path[i + 1] === ""
    let child = node[seg]
    if (child === null || typeof child !== "object" || Array.isArray(child) !== wantArray) {
      child = wantArray ? [] : {}
      node[seg] = child
    }
    node = child
  }
}

/**
 * Parses a query string (or a form-urlencoded body) Rails-style into a nested object:
 * `user[login]=a` → `{user:{login:"a"}}`, `id[in][]=1&id[in][]=2` → `{id:{in:["1","2"]}}`.
 * `+` and `%20` both decode to a space; lower-case escapes (`%2c`) work. Values stay strings;
 * `id[in]=1,2` stays `"1,2"` (use `list` to read either form).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseQuery = (search: string): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const s = search.startsWith("?") ? search.slice(1) : search
  if (s === "") return out
  for (const part of s.split("&")) {
    if (part === "") continue
    const eq = part.indexOf("=")
    const rawKey = eq === -1 ? part : part.slice(0, eq)
    const rawValue = eq === -1 ? "" : part.slice(eq + 1)
    const key = decodeComponent(rawKey)
    if (key === "") continue
    assignPath(out, splitKey(key), decodeComponent(rawValue))
  }
  return out
}

/**
 * Expands literal bracket keys inside a JSON object (`{"firebase_phone[project_id]":"p"}` →
 * `{"firebase_phone":{"project_id":"p"}}`), which the official SDK's `login` sends. Nested values
 * that already exist win over the flat form.
 *
 * @since 0.1.0
 * @category parsing
 */
export const expandBracketKeys = (input: Record<string, unknown>): Record<string, unknown> => {
  let out: Record<string, unknown> | undefined
  for (const key of Object.keys(input)) {
    if (UNSAFE_KEYS.has(key)) {
      out ??= { ...input }
      delete out[key]
      continue
    }
    if (!key.includes("[")) continue
    const path = splitKey(key)
    if (path.length === 1) continue
    out ??= { ...input }
    delete out[key]
    const existing = out[path[0]!]
    if (existing !== undefined && (typeof existing !== "object" || existing === null)) continue
    const probe: Record<string, unknown> = {}
    assignPath(probe, path, input[key])
    out[path[0]!] = mergeMissing(existing as Record<string, unknown> | undefined, probe[path[0]!])
  }
  return out ?? input
}

const mergeMissing = (existing: Record<string, unknown> | undefined, incoming: unknown): unknown => {
  if (existing === undefined) return incoming
  if (incoming === null || typeof incoming !== "object" || Array.isArray(incoming)) return existing
  const merged: Record<string, unknown> = { ...existing }
  for (const [k, v] of Object.entries(incoming)) if (!(k in merged)) merged[k] = v
  return merged
}

/**
 * Reads a list parameter in any of the forms clients send: `["1","2"]` (`k[]=1&k[]=2`), `"1,2"`
 * (`k=1,2`), a single value, or nothing.
 *
 * @since 0.1.0
 * @category parsing
 */
export const list = (value: unknown): Array<string> => {
  if (value === undefined || value === null) return []
  const items = Array.isArray(value) ? value : [value]
  const out: Array<string> = []
  for (const item of items) {
    if (item === null || item === undefined || typeof item === "object") continue
    for (const piece of String(item).split(",")) {
      const t = piece.trim()
      if (t !== "") out.push(t)
    }
  }
  return out
}

/**
 * How deep a body or a query may nest objects and lists (`a[b][c]` is 3 levels). The reference is
 * silent; the API's own shapes nest 3 deep at most. Past it: 422 `{"errors":{"<field>":["is nested
 * too deeply (maximum is 32 levels)"]}}`.
 *
 * @since 0.1.0
 * @category limits
 */
export const MAX_DEPTH = 32

/** Wrappers whose first key names the field (`{"user":{"custom_data":…}}` → `custom_data`). */
const ENVELOPES: ReadonlySet<string> = new Set(["user", "blob", "session"])

const fieldOf = (path: ReadonlyArray<string>): string =>
  path.length > 1 && ENVELOPES.has(path[0]!) ? path[1]! : path[0] ?? "base"

/**
 * The field of a value nested deeper than `MAX_DEPTH` (an iterative walk: a deep value cannot overflow
 * the stack here), or `undefined`.
 *
 * @since 0.1.0
 * @category limits
 */
export const tooDeep = (value: unknown, max = MAX_DEPTH): string | undefined => {
  const stack: Array<{ readonly value: unknown; readonly path: ReadonlyArray<string> }> = [{ value, path: [] }]
  while (stack.length > 0) {
    const item = stack.pop()!
    if (item.value === null || typeof item.value !== "object") continue
    if (item.path.length >= max) return fieldOf(item.path)
    for (const [key, child] of Object.entries(item.value)) {
      if (child !== null && typeof child === "object") stack.push({ value: child, path: [...item.path, key] })
    }
  }
  return undefined
}

/**
 * The field of a query string key nested past `MAX_DEPTH` (`a[b][c]=` is 3 levels), or `undefined`.
 * Cheap: only keys with brackets are looked at.
 *
 * @since 0.1.0
 * @category limits
 */
export const queryTooDeep = (search: string): string | undefined => {
  if (!search.includes("[") && !/%5b/i.test(search)) return undefined
  for (const part of search.split("&")) {
    const eq = part.indexOf("=")
    const key = decodeComponent(eq === -1 ? part : part.slice(0, eq))
    let depth = 0
    for (let i = key.indexOf("["); i !== -1; i = key.indexOf("[", i + 1)) depth++
    if (depth < MAX_DEPTH) continue
    const base = key.slice(0, key.indexOf("["))
    const inner = /^\[([^\]]*)\]/.exec(key.slice(base.length))?.[1]
    return fieldOf(inner === undefined ? [base] : [base, inner])
  }
  return undefined
}
