import type * as Effect from "effect/Effect"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"

/**
 * Marks an `HttpClient` that already skips its client span when effect's own tracer is current (UndiciClient),
 * so CubeHttpClient need not disable tracing around each of its calls.
 *
 * @internal
 */
export const SkipsSpanWithoutTracer: unique symbol = Symbol.for("@connectycube-effect/http/SkipsSpanWithoutTracer")

/** @internal */
export const skipsSpanWithoutTracer = (client: object): boolean => SkipsSpanWithoutTracer in client

/**
 * A call's deadline, for a transport that enforces it itself: it aborts the request (headers or body) when `at`
 * (`performance.now()` millis: monotonic) passes, and sets `expired`. CubeHttpClient then needs no child fiber to time the
 * call out (a fiber per call was a visible share of a call's CPU in test/bench).
 *
 * @internal
 */
export interface Deadline {
  readonly at: number
  expired: boolean
}

/**
 * `execute` with a deadline, on a client that supports it (UndiciClient, on its path without a span).
 *
 * @internal
 */
export const ExecuteWithDeadline: unique symbol = Symbol.for("@connectycube-effect/http/ExecuteWithDeadline")

/** @internal */
export type ExecuteWithDeadline = (
  request: HttpClientRequest.HttpClientRequest,
  deadline: Deadline
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/** @internal */
export const executeWithDeadline = (client: object): ExecuteWithDeadline | undefined =>
  (client as { readonly [ExecuteWithDeadline]?: ExecuteWithDeadline })[ExecuteWithDeadline]
