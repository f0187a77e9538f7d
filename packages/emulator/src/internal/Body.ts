/**
 * Reading a request body: within a size limit (refused by `Content-Length` before reading, or cut off as a
 * chunked body grows; the rest is then read and dropped so that the client gets the 413), and parsed by its
 * content type (JSON, form-urlencoded with bracket keys, within the nesting limit). `Http.body` and
 * `Http.rawBody` are built on it.
 *
 * @since 0.1.0
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Result from "effect/Result"
import type { IncomingMessage } from "node:http"
import { ApiError, Errors } from "./ApiError.js"
import { expandBracketKeys, parseQuery, tooDeep } from "./RailsQuery.js"

/** An empty body. */
export const EMPTY = Buffer.alloc(0)

/** The answer of `known` for a request without a body. */
export const NO_BODY = Effect.succeed(EMPTY)

/** The request's node message: the emulator serves HTTP/1.1 only (`node:http`), so it always is one. */
export const incomingOf = (request: HttpServerRequest.HttpServerRequest): IncomingMessage =>
  NodeHttpServerRequest.toIncomingMessage(request) as IncomingMessage

/** The body when it needs no reading (`NO_BODY`, or the 413 of a refused one), else `undefined`: then `read` it. */
export const known = (incoming: IncomingMessage, limit: number): Effect.Effect<Buffer, ApiError> | undefined => {
  const declared = Number(incoming.headers["content-length"] ?? "NaN")
  if (Number.isFinite(declared) && declared > limit) {
    // Refused before reading; the rest is read and dropped so that the client gets the answer.
    return Effect.suspend(() => {
      discardRest(incoming)
      return Effect.fail(Errors.tooLarge(limit))
    })
  }
  // A request has a body only with Content-Length or Transfer-Encoding (RFC 9112 §6.3): GETs
  // answer at once instead of waiting for an `end` event.
  if (incoming.readableEnded || declared === 0 || (!Number.isFinite(declared) && incoming.headers["transfer-encoding"] === undefined)) {
    return NO_BODY
  }
  return undefined
}

/** How much of a refused body is read and dropped before the connection is closed instead. */
const DISCARD_LIMIT = 64 * 1024 * 1024

/**
 * Reads and drops the rest of a body refused as too large, so that the 413 reaches the client: closing
 * the socket while the client still sends makes its next write fail (EPIPE/ECONNRESET), and the answer
 * may be lost with it. The connection stays usable once the body has ended. A body that goes on past
 * `DISCARD_LIMIT` bytes (counting `read`, those already read) is cut off by closing the connection; one
 * that stalls is the server's request timeout's to end.
 */
const discardRest = (incoming: IncomingMessage, read = 0) => {
  if (incoming.readableEnded) return
  let size = read
  incoming.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size > DISCARD_LIMIT) incoming.socket.destroy()
  })
  incoming.resume()
}

/** Reads the body, at most `limit` bytes (413 past it). */
export const read = (incoming: IncomingMessage, limit: number): Effect.Effect<Buffer, ApiError> =>
  Effect.callback<Buffer, ApiError>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const cleanup = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        discardRest(incoming, size)
        resume(Effect.fail(Errors.tooLarge(limit)))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    }
    const onError = () => {
      cleanup()
      resume(Effect.fail(ApiError.messages(400, "Could not read the request body")))
    }
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("error", onError)
    return Effect.sync(cleanup)
  })

/** The raw body of `request`, at most `limit` bytes. */
export const raw = (request: HttpServerRequest.HttpServerRequest, limit: number): Effect.Effect<Buffer, ApiError> => {
  const incoming = incomingOf(request)
  return known(incoming, limit) ?? read(incoming, limit)
}

/**
 * Parses a body by its content type: JSON (an object; bracket keys expanded), form-urlencoded
 * (bracket keys → nested), empty → `{}`. A body without a content type that looks like JSON is read
 * as JSON, as lenient clients send it that way.
 */
export const parse = (contentType: string, raw: Buffer): Result.Result<Record<string, unknown>, ApiError> => {
  if (raw.length === 0) return Result.succeed({})
  const ct = contentType.toLowerCase()
  const text = raw.toString("utf8")
  const looksJson = /^\s*[{[]/.test(text)
  if (ct.includes("json") || (ct === "" && looksJson) || (ct.startsWith("text/plain") && looksJson)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return Result.fail(Errors.malformedJson())
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return Result.fail(ApiError.base(422, "Request body must be a JSON object"))
    }
    return withinDepth(expandBracketKeys(parsed as Record<string, unknown>))
  }
  if (ct.includes("application/x-www-form-urlencoded") || ct === "") {
    return withinDepth(parseQuery(text))
  }
  return Result.fail(Errors.unsupportedMediaType(ct.split(";")[0]!.trim()))
}

const withinDepth = (parsed: Record<string, unknown>): Result.Result<Record<string, unknown>, ApiError> => {
  const field = tooDeep(parsed)
  return field === undefined ? Result.succeed(parsed) : Result.fail(Errors.nestedTooDeeply(field))
}
