/**
 * The one fake `HttpClient` of the package tests (http, users and storage import it by relative path): it
 * records every request and answers from a reply function.
 */
import { Effect, Layer, Stream } from "effect"
import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "effect/http"

/** One request as the fake server saw it. `target` is the path and raw query, as a server log shows them. */
export interface Captured {
  readonly method: string
  readonly url: string
  readonly target: string
  readonly path: string
  /** The raw query, as sent (without `?`). */
  readonly query: string
  readonly headers: Record<string, string>
  /** The body as text (JSON bodies and multipart bodies alike). */
  readonly body: string | undefined
  readonly bytes: number
  readonly signal: AbortSignal
}

export type Reply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | "network-error"

/** Reads a request body: bytes, or a stream drained chunk by chunk (as a transport would). */
const readBody = (request: HttpClientRequest.HttpClientRequest) => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((all) => {
          const out = new Uint8Array(all.reduce((n, c) => n + c.byteLength, 0))
          let at = 0
          for (const c of all) {
            out.set(c, at)
            at += c.byteLength
          }
          return out
        })
      )
    case "Raw":
      return body.body instanceof Blob
        ? Effect.promise(() => (body.body as Blob).arrayBuffer().then((b) => new Uint8Array(b)))
        : Effect.succeed(undefined)
    default:
      return Effect.succeed(undefined)
  }
}

/**
 * A fake HttpClient: records every request (reading stream bodies to the end) and answers with `reply`, which
 * gets the request's number (from 1) and the request itself. A request whose signal aborted while `reply` ran
 * is interrupted. `consume: false` on a URL leaves the body to the reply function (to test interruption
 * mid-upload).
 */
export const fakeClient = (
  reply: (
    req: Captured,
    n: number,
    request: HttpClientRequest.HttpClientRequest
  ) => Reply | Effect.Effect<Reply, unknown>,
  options: { readonly consume?: (url: string) => boolean } = {}
) => {
  const requests: Array<Captured> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, url, signal) =>
      Effect.gen(function*() {
        const consume = options.consume?.(url.toString()) ?? true
        const bytes = consume ? yield* readBody(request) : undefined
        const captured: Captured = {
          method: request.method,
          url: url.toString(),
          target: `${url.pathname}${url.search}`,
          path: url.pathname,
          // `url.search` keeps the query as sent (brackets raw)
          query: url.search.startsWith("?") ? url.search.slice(1) : url.search,
          headers: { ...request.headers },
          body: bytes === undefined ? undefined : new TextDecoder().decode(bytes),
          bytes: bytes?.byteLength ?? 0,
          signal
        }
        requests.push(captured)
        const r = reply(captured, requests.length, request)
        const answer = Effect.isEffect(r) ? yield* r : r
        if (signal.aborted) return yield* Effect.interrupt
        if (answer === "network-error") {
          return yield* Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({ request, cause: new Error("ECONNREFUSED") })
            })
          )
        }
        const text = answer.body === undefined
          ? ""
          : typeof answer.body === "string"
          ? answer.body
          : JSON.stringify(answer.body)
        return HttpClientResponse.fromWeb(
          request,
          new Response(text, { status: answer.status, headers: { "content-type": "application/json", ...answer.headers } })
        )
      }).pipe(Effect.mapError((e) => e as HttpClientError.HttpClientError))
    )
  )
  return { requests, layer }
}
