/**
 * `HttpServerRequest.ParsedSearchParams` exactly as the router builds it, for the routes the server
 * finds without the router (`Server.makeHandle`): the router (`effect/http/FindMyWay`) parses the query
 * with its internal `QueryString.parse` (from fast-querystring, MIT), which is not a module the emulator
 * can import. Same rules: `+` is a space, a value that does not decode stays as sent, a repeated key
 * becomes a list, and the query is taken as sent (duplicate slashes are collapsed in the path only).
 */

// A null-prototype record, as the router's (`__proto__` is an ordinary key).
const Empty = function() {} as unknown as new() => Record<string, string | Array<string>>
Empty.prototype = Object.create(null)

const plus = /\+/g

const decode = (s: string, hasPlus: boolean, hasPercent: boolean): string => {
  const spaced = hasPlus ? s.replace(plus, " ") : s
  if (!hasPercent) return spaced
  try {
    return decodeURIComponent(spaced) || spaced
  } catch {
    return spaced
  }
}

/**
 * The search params of the query string `input` (the part after `?`).
 */
export const parse = (input: string): Record<string, string | Array<string>> => {
  const result = new Empty()
  const length = input.length
  let start = -1
  let equals = -1
  let keyPercent = false
  let valuePercent = false
  let keyPlus = false
  let valuePlus = false
  for (let i = 0; i < length + 1; i++) {
    const c = i !== length ? input.charCodeAt(i) : 38
    if (c === 38) {
      // `&` or the end: one pair
      const hasValue = equals > start
      if (!hasValue) equals = i
      let key = input.slice(start + 1, equals)
      if (hasValue || key.length > 0) {
        key = decode(key, keyPlus, keyPercent)
        const value = hasValue ? decode(input.slice(equals + 1, i), valuePlus, valuePercent) : ""
        const current = result[key]
        if (current === undefined) result[key] = value
        else if (Array.isArray(current)) current.push(value)
        else result[key] = [current, value]
      }
      start = i
      equals = i
      keyPercent = valuePercent = keyPlus = valuePlus = false
    } else if (c === 61) {
      // `=`: the first one ends the key; another one means the value is decoded
      if (equals <= start) equals = i
      else valuePercent = true
    } else if (c === 43) {
      if (equals > start) valuePlus = true
      else keyPlus = true
    } else if (c === 37) {
      if (equals > start) valuePercent = true
      else keyPercent = true
    }
  }
  return result
}
