/**
 * The upload request of `createAndUpload`: the presigned target parsed out of `blob_object_access.params`,
 * and a streamed `multipart/form-data` body whose length is known before the first byte is sent.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/** @internal */
export interface UploadTarget {
  /** `scheme://host/path`, the query dropped. */
  readonly url: string
  /** Every query pair, URL-decoded, in the order of the query string. */
  readonly fields: ReadonlyArray<readonly [string, string]>
}

/**
 * Parses `params` the way the official SDK does: `+` stays a `+` (only `%xx` is decoded), so a base64 policy
 * that the server left unescaped survives. Returns a reason string when the URL is unusable.
 *
 * @internal
 */
export const parseTarget = (params: string): UploadTarget | string => {
  let parsed: URL
  try {
    parsed = new URL(params)
  } catch {
    return "blob_object_access.params is not a URL"
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "blob_object_access.params is not an http(s) URL"
  }
  const hashAt = params.indexOf("#")
  const noHash = hashAt === -1 ? params : params.slice(0, hashAt)
  const queryAt = noHash.indexOf("?")
  const query = queryAt === -1 ? "" : noHash.slice(queryAt + 1)
  const fields: Array<readonly [string, string]> = []
  for (const pair of query.split("&")) {
    if (pair === "") continue
    const eq = pair.indexOf("=")
    const rawKey = eq === -1 ? pair : pair.slice(0, eq)
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1)
    try {
      fields.push([decodeURIComponent(rawKey), decodeURIComponent(rawValue)])
    } catch {
      return "blob_object_access.params has a malformed %-escape"
    }
  }
  return { url: `${parsed.protocol}//${parsed.host}${parsed.pathname}`, fields }
}

const encoder = new TextEncoder()

/** Quotes a header parameter the way browsers do for form-data names (`"`, CR and LF percent-encoded). */
const quote = (value: string) => value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")

/** @internal */
export interface MultipartBody {
  readonly contentType: string
  readonly contentLength: number
  /** Every field and the file part's header. */
  readonly preamble: Uint8Array
  /** The closing boundary. */
  readonly epilogue: Uint8Array
}

/**
 * The body: every field, then the file part (`name="file"`) last, then the closing boundary. The file bytes are
 * never copied or buffered; only the preamble and epilogue are materialised.
 *
 * @internal
 */
export const multipart = (options: {
  readonly boundary: string
  readonly fields: ReadonlyArray<readonly [string, string]>
  readonly fileName: string
  readonly fileType: string
  readonly fileSize: number
}): MultipartBody => {
  const { boundary } = options
  let head = ""
  for (const [name, value] of options.fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(options.fileName)}"\r\n` +
    `Content-Type: ${options.fileType.replace(/[\r\n]/g, "")}\r\n\r\n`
  const preamble = encoder.encode(head)
  const epilogue = encoder.encode(`\r\n--${boundary}--\r\n`)
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: preamble.byteLength + options.fileSize + epilogue.byteLength,
    preamble,
    epilogue
  }
}

/**
 * Splits a byte array into views of at most `size` bytes (no copy), one per chunk, so progress has a useful
 * granularity. @internal
 */
export const chunked = (bytes: Uint8Array, size: number): Stream.Stream<Uint8Array> =>
  Stream.unfold(0, (at) =>
    Effect.succeed(
      at < bytes.byteLength
        ? [bytes.subarray(at, Math.min(at + size, bytes.byteLength)), at + size] as const
        : undefined
    ))
