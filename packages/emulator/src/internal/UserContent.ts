/**
 * Headers for uploaded bytes served on the emulator's origin, which is also the origin of the web UI and of
 * the control API (`/__emulator/*`): a document made of such bytes must never run script there, and a
 * blob's stored name and type must always make a header Node can send (it throws on one it cannot, and a
 * throw while answering ended the process).
 *
 * @since 0.1.0
 */

/**
 * Uploaded bytes rendered as a document (HTML, SVG, XML, or anything sniffed as such) get an opaque origin
 * and run no script (`sandbox`), and their type is never sniffed. An `<img>`, a `fetch` or a download of
 * them is unaffected.
 *
 * @since 0.1.0
 * @category headers
 */
export const INERT: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "sandbox"
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * `filename="<ASCII>"; filename*=UTF-8''<the name>` for a `Content-Disposition` (a header value must be
 * ASCII; quotes and backslashes would end or escape the quoted string).
 *
 * @since 0.1.0
 * @category headers
 */
export const filenameParams = (name: string): string => {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_")
  const encoded = encodeURIComponent(name)
    .replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/**
 * A stored content type as a header: as it is when printable ASCII, else its `type/subtype` alone (a
 * parameter such as `x=€` cannot be sent), else `application/octet-stream`.
 *
 * @since 0.1.0
 * @category headers
 */
export const contentType = (stored: string): string => {
  if (PRINTABLE_ASCII.test(stored) && stored.trim() !== "") return stored
  const base = stored.split(";")[0]!.trim()
  return base !== "" && PRINTABLE_ASCII.test(base) ? base : "application/octet-stream"
}
