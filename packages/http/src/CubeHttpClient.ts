/**
 * The transport every service uses: the ConnectyCube URL and header rules, the bracket query encoding,
 * JSON bodies, decoding through the core Schemas, status → typed error mapping, and a transient retry
 * policy for idempotent calls. It knows nothing of sessions: it sends the token it is given (the `Session`
 * service decides which).
 *
 * The `HttpClient` is a requirement, never hard-wired: provide `FetchHttpClient.layer` (any runtime)
 * or, in Node, `UndiciClient.layer` from `@connectycube-effect/http/UndiciClient` (the fastest; any
 * `HttpClient` works).
 *
 * @since 0.1.0
 */
import { CubeConfig } from "@connectycube-effect/core/CubeConfig"
import * as Errors from "@connectycube-effect/core/Errors"
import * as Span from "@connectycube-effect/core/Span"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type * as Clock from "effect/Clock"
import * as Tracer from "effect/Tracer"
import { type Deadline, executeWithDeadline, skipsSpanWithoutTracer } from "./internal/untraced.js"
import * as QueryString from "./QueryString.js"

/**
 * The value of the `CB-SDK` header this SDK sends.
 *
 * @since 0.1.0
 * @category constants
 */
export const SDK_HEADER = "JS Effect 0.1.0 - Client"

/**
 * Header names whose values must never be logged or put in spans.
 *
 * @since 0.1.0
 * @category constants
 */
export const REDACTED_HEADERS: ReadonlyArray<string> = ["cb-token", "cb-authkey"]

/**
 * One API call, described as data.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  /** Path below the base URL, without the leading slash and without `.json`: `"users/v2"`. */
  readonly path: string
  /** Query parameters (bracket-encoded, sorted), or an already encoded query string. */
  readonly query?: QueryString.Input | string | undefined
  readonly queryOptions?: QueryString.Options | undefined
  /** JSON body (POST and PUT). */
  readonly body?: unknown
  /**
   * Which credential the call carries. `"session"` (default): the session token, created on demand by the
   * `Session` service. `"session-or-auth-key"`: the token when one is held, else `CB-AuthKey` (signup).
   * `"none"`: neither (creating a session).
   */
  readonly auth?: "session" | "session-or-auth-key" | "none" | undefined
  /** Retry transient failures (408, 429, 5xx, network). Defaults to true for every method but POST. */
  readonly retry?: boolean | undefined
  /** Overrides the configured timeout for this call. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A successful answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly status: number
  /** The parsed JSON body; `undefined` for an empty body; the text when it was not JSON. */
  readonly body: unknown
  /**
   * When the session token expires, on this machine's `Clock`, from `CB-Token-ExpirationDate`
   * (made relative to the server's `Date` header so clock skew does not matter).
   */
  readonly tokenExpiresAt: number | undefined
}

/**
 * How transient failures of idempotent calls are retried.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /** Retries after the first attempt (default 2). */
  readonly times: number
  /** First backoff delay (default 300 ms), doubled each retry, with ±25 % jitter. */
  readonly baseDelay: Duration.Input
  /** Longest backoff delay (default 5 seconds). */
  readonly maxDelay: Duration.Input
  /** A `Retry-After` longer than this is not waited for: the call fails with `RateLimited` (default 30 seconds). */
  readonly maxRetryAfter: Duration.Input
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultRetryPolicy: RetryPolicy = {
  times: 2,
  baseDelay: "300 millis",
  maxDelay: "5 seconds",
  maxRetryAfter: "30 seconds"
}

/**
 * @example
 * ```ts
 * import { Cube, CubeHttpClient } from "@connectycube-effect/http"
 * import { FetchHttpClient } from "effect/http"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* CubeHttpClient.CubeHttpClient
 *   return client.url("users/v2", { id: { in: [51941, 51946] } })
 *   // "https://api.connectycube.com/users/v2.json?id[in][]=51941&id[in][]=51946"
 * })
 *
 * Effect.runPromise(program.pipe(
 *   Effect.provide(Cube.layer({ appId: 1, authKey: "key" }).pipe(Layer.provide(FetchHttpClient.layer)))
 * ))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class CubeHttpClient extends Context.Service<CubeHttpClient, CubeHttpClient.Service>()(
  "@connectycube-effect/http/CubeHttpClient"
) {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace CubeHttpClient {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    readonly config: CubeConfig.Service
    /** The underlying client (tracer propagation off, secrets redacted), for calls outside the API (uploads). */
    readonly httpClient: HttpClient.HttpClient
    /** The full URL of an API path: base + `/path.json` + `?query`. */
    readonly url: (path: string, query?: QueryString.Input | string, options?: QueryString.Options) => string
    /**
     * Sends one call with the given token (or the auth key, per `request.auth`), retrying transient
     * failures when the call is idempotent, within the timeout.
     */
    readonly send: (
      request: Request,
      token: Redacted.Redacted<string> | undefined
    ) => Effect.Effect<Response, Errors.CubeError>
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly retry?: Partial<RetryPolicy> | undefined
}

/** `2023-08-25 13:29:29 UTC` → epoch millis. */
const parseExpirationDate = (value: string): number | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?\s*(?:UTC|GMT|Z)?$/i.exec(value.trim())
  if (m === null) return undefined
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
}

/**
 * The last value and its parse: the two date headers of an answer (the token's expiry, the server's `Date`)
 * repeat from call to call, and parsing them was a visible part of a call's CPU in test/bench.
 */
const lastOne = <A>(parse: (value: string) => A) => {
  let key: string | undefined
  let value: A
  return (input: string): A => {
    if (input !== key) {
      value = parse(input)
      key = input
    }
    return value
  }
}

/**
 * A response body as `Response.body` holds it: `undefined` for an empty body, the parsed JSON, or the text
 * itself when it is not JSON (a proxy's HTML error page reaches the error as text).
 *
 * @example
 * ```ts
 * import { CubeHttpClient } from "@connectycube-effect/http"
 *
 * CubeHttpClient.parseBody("") // undefined
 * CubeHttpClient.parseBody("{\"id\":1}") // { id: 1 }
 * CubeHttpClient.parseBody("<html>Bad Gateway</html>") // "<html>Bad Gateway</html>"
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseBody = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

let defaultClock: Clock.Clock | undefined

/** Effect's own clock (real time), not a `TestClock`: the only one a plain timer can stand in for. */
const isLiveClock = (clock: Clock.Clock): boolean =>
  clock === (defaultClock ??= Effect.runSync(Effect.clockWith(Effect.succeed)))

/** The current tracer, read from the fiber (v4 has no `Effect.tracerWith`). */
const tracerWith = <A, E, R>(f: (tracer: Tracer.Tracer) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => f(fiber.getRef(Tracer.Tracer)))

/** `Effect.timeoutOrElse` (a fiber race), when the deadline is finite. */
const withDeadline = <A, E, E2>(
  self: Effect.Effect<A, E>,
  timeout: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2> =>
  Number.isFinite(Duration.toMillis(timeout))
    ? Effect.timeoutOrElse(self, { duration: timeout, orElse: () => Effect.fail(onTimeout()) })
    : self

/**
 * A transport failure as the SDK's `TransportError`: the platform error's reason, and its cause's message with
 * that cause's own cause (fetch says only "fetch failed" and keeps "connect ECONNREFUSED …" one level down).
 * The reason keeps the names the SDK has always sent: `Transport`, `Encode`, `InvalidUrl`, and for a failure
 * after the answer `ResponseStatusCode`, `ResponseDecode`, `ResponseEmptyBody`.
 *
 * @example
 * ```ts
 * import { CubeHttpClient } from "@connectycube-effect/http"
 * import { HttpClientError, HttpClientRequest } from "effect/http"
 *
 * const cause = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") })
 * const error = CubeHttpClient.transportError(
 *   new HttpClientError.HttpClientError({
 *     reason: new HttpClientError.TransportError({ request: HttpClientRequest.get("http://127.0.0.1:1"), cause })
 *   }),
 *   { method: "GET", path: "/session.json" }
 * )
 * // error.description: "fetch failed: connect ECONNREFUSED 127.0.0.1:1"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const transportError = (error: HttpClientError.HttpClientError, info: Errors.RequestInfo): Errors.TransportError =>
  new Errors.TransportError({
    reason: reasonName(error.reason),
    description: describe(error),
    request: info
  })

/** v4's reason tags (`TransportError`, `StatusCodeError`, …) as the names v3 gave them. */
const reasonName = (reason: HttpClientError.HttpClientErrorReason): string => {
  const name = reason._tag.replace(/Error$/, "")
  return "response" in reason ? `Response${name}` : name
}

const describe = (error: HttpClientError.HttpClientError): string => {
  const cause = error.reason.cause
  if (!(cause instanceof Error)) return error.reason.description ?? error.message
  const inner = (cause as { readonly cause?: unknown }).cause
  return inner instanceof Error && inner.message !== "" && !cause.message.includes(inner.message)
    ? `${cause.message}: ${inner.message}`
    : cause.message
}

/**
 * Builds the service from `CubeConfig` and an `HttpClient`.
 *
 * @example
 * ```ts
 * import { CubeConfig } from "@connectycube-effect/core"
 * import { CubeHttpClient } from "@connectycube-effect/http"
 * import { FetchHttpClient } from "effect/http"
 * import { Effect, Layer } from "effect"
 *
 * // a client that never retries, as the official SDK
 * const program = Effect.gen(function*() {
 *   const client = yield* CubeHttpClient.make({ retry: { times: 0 } })
 *   const response = yield* client.send({ method: "GET", path: "users/v2", query: { login: "cubeuser" } }, undefined)
 *   return response.status
 * })
 *
 * Effect.runPromise(program.pipe(
 *   Effect.provide(Layer.merge(CubeConfig.layer({ appId: 1, authKey: "key" }), FetchHttpClient.layer))
 * ))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<CubeHttpClient.Service, never, CubeConfig | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const config = yield* CubeConfig
    const policy = { ...defaultRetryPolicy, ...options.retry }
    const baseDelay = Duration.toMillis(policy.baseDelay)
    const maxDelay = Duration.toMillis(policy.maxDelay)
    const maxRetryAfter = Duration.toMillis(policy.maxRetryAfter)
    const redactedNames: ReadonlyArray<string | RegExp> = [...(yield* Headers.CurrentRedactedNames), ...REDACTED_HEADERS]
    const base = yield* HttpClient.HttpClient
    // Context references (v4), read by the platform's client when it makes its span.
    const traced = HttpClient.transform(base, (effect) =>
      effect.pipe(
        // Trace headers would trigger CORS preflights against the API.
        Effect.provideService(HttpClient.TracerPropagationEnabled, false),
        // The platform puts the full URL in span attributes; a private blob URL carries the token in its query.
        Effect.provideService(HttpClient.TracerDisabledWhen, (request) => /[?&]token=/.test(request.url)),
        Effect.provideService(Headers.CurrentRedactedNames, redactedNames)
      ))
    // The platform's client span (a dozen attributes, two header redactions) was the largest single cost of a
    // call in test/bench. With no tracer installed nobody can see it, so it is only made when one is. A client
    // that skips it by itself (UndiciClient) is called as it is, without the context swap.
    const quietByItself = skipsSpanWithoutTracer(base)
    const direct = executeWithDeadline(base)
    const execute = (request: HttpClientRequest.HttpClientRequest) =>
      tracerWith((tracer) =>
        !Span.isNativeTracer(tracer)
          ? traced.execute(request)
          : quietByItself
          ? base.execute(request)
          : Effect.withTracerEnabled(base.execute(request), false)
      )
    const httpClient: HttpClient.HttpClient = HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) => Effect.flatMap(request, execute),
      Effect.succeed as HttpClient.HttpClient.Preprocess<never, never>
    )

    const url = (path: string, query?: QueryString.Input | string, queryOptions?: QueryString.Options): string => {
      const base = `${config.apiUrl}/${path}.json`
      if (query === undefined) return base
      const qs = typeof query === "string" ? query : QueryString.encode(query, queryOptions)
      return qs === "" ? base : `${base}?${qs}`
    }

    const expirationDate = lastOne(parseExpirationDate)
    const httpDate = lastOne(Date.parse)

    const attempt = (
      request: Request,
      token: Redacted.Redacted<string> | undefined,
      info: Errors.RequestInfo,
      deadline: Deadline | undefined,
      timedOut: () => Errors.CubeError
    ) => {
      const headers: Record<string, string> = { "CB-SDK": SDK_HEADER }
      const auth = request.auth ?? "session"
      if (auth !== "none" && token !== undefined) headers["CB-Token"] = Redacted.value(token)
      else if (auth === "session-or-auth-key" && config.authKey !== undefined) {
        headers["CB-AuthKey"] = Redacted.value(config.authKey)
      }
      let req = HttpClientRequest.make(request.method)(url(request.path, request.query, request.queryOptions), {
        headers
      })
      if (request.body !== undefined) req = HttpClientRequest.bodyJsonUnsafe(req, request.body)
      const received = Effect.mapError(
        Effect.flatMap(
          deadline === undefined ? execute(req) : direct!(req, deadline),
          (response) => Effect.map(response.text, (text) => ({ response, text }))
        ),
        (error) => deadline?.expired === true ? timedOut() : transportError(error, info)
      )
      return Effect.flatMap(received, ({ response, text }) =>
        Effect.clockWith((clock): Effect.Effect<Response, Errors.CubeError> => {
          const now = clock.currentTimeMillisUnsafe()
          const body = parseBody(text)
          // one copy: every read of `response.headers` copies them
          const headers = response.headers
          if (response.status >= 200 && response.status < 300) {
            const exp = headers["cb-token-expirationdate"]
            let tokenExpiresAt: number | undefined
            if (exp !== undefined) {
              const at = expirationDate(exp)
              const serverNow = headers["date"] !== undefined ? httpDate(headers["date"]) : NaN
              if (at !== undefined) tokenExpiresAt = Number.isNaN(serverNow) ? at : now + (at - serverNow)
            }
            return Effect.succeed({ status: response.status, body, tokenExpiresAt })
          }
          return Effect.fail(Errors.fromResponse({
            status: response.status,
            body,
            retryAfter: headers["retry-after"],
            request: info,
            now
          }))
        }))
    }

    // Exponential backoff with ±25 % jitter, never sooner than the server's `Retry-After`. A loop rather than
    // `Effect.retry` + `Schedule`: the same pauses, and a whole call on UndiciClient took 7-22 % less client CPU
    // in test/bench/handwritten.bench.ts (the schedule's state and metadata on every attempt, even a first one
    // that succeeds). Its pauses are `Effect.sleep`s, so the TestClock drives them.
    const backoff = (error: Errors.CubeError, retry: number) =>
      Effect.map(Random.nextBetween(0.75, 1.25), (jitter) => {
        const exp = Math.min(maxDelay, baseDelay * 2 ** retry) * jitter
        return error._tag === "RateLimited" && error.retryAfterMs !== undefined ? Math.max(exp, error.retryAfterMs) : exp
      })

    const send = (request: Request, token: Redacted.Redacted<string> | undefined) => {
      const info: Errors.RequestInfo = { method: request.method, path: `/${request.path}.json` }
      const retryable = request.retry ?? request.method !== "POST"
      const timeout = request.timeout !== undefined ? Duration.fromInputUnsafe(request.timeout) : config.timeout
      const ms = Duration.toMillis(timeout)
      const timedOut = () => new Errors.Timeout({ timeoutMs: ms, request: info })
      const loop = (retry: number, deadline: Deadline | undefined): Effect.Effect<Response, Errors.CubeError> =>
        attempt(request, token, info, deadline, timedOut).pipe(
          Effect.catchIf(
            (error) =>
              retryable && retry < policy.times && Errors.isTransient(error) &&
              !(error._tag === "RateLimited" && (error.retryAfterMs ?? 0) > maxRetryAfter),
            (error) =>
              Effect.flatMap(backoff(error, retry), (delay) => {
                if (deadline === undefined) return Effect.andThen(Effect.sleep(delay), loop(retry + 1, deadline))
                // the deadline falls within the pause: no other attempt, the call times out when it passes
                const left = deadline.at - performance.now()
                return delay < left
                  ? Effect.andThen(Effect.sleep(delay), loop(retry + 1, deadline))
                  : Effect.andThen(Effect.sleep(Math.max(0, left)), Effect.fail(timedOut()))
              })
          )
        )
      if (direct === undefined || !Number.isFinite(ms) || ms > 2 ** 31 - 1) {
        return withDeadline(loop(0, undefined), timeout, timedOut)
      }
      // A client that enforces the deadline itself (UndiciClient, NodeClient) needs no fiber race for it, as long as
      // nothing else decides: effect's own clock (real time) and no tracer (the traced path is the platform's client).
      // The race cost 3-18 % of such a call's client CPU in test/bench/handwritten.bench.ts; on other clients (fetch)
      // it cost about as much as the timer fiber it replaced, so they take it.
      return tracerWith((tracer) =>
        Effect.clockWith((clock) =>
          Span.isNativeTracer(tracer) && isLiveClock(clock)
            ? loop(0, { at: performance.now() + ms, expired: false })
            : withDeadline(loop(0, undefined), timeout, timedOut)
        )
      )
    }

    return CubeHttpClient.of({ config, httpClient, url, send })
  })

/**
 * Decodes a response body with a Schema, failing with `DecodeError` (which never includes the body:
 * a session body holds a token).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = <A, I, R>(schema: Schema.Codec<A, I, R>) => {
  const decodeUnknown = Schema.decodeUnknownEffect(schema)
  return (response: Response, request?: Errors.RequestInfo): Effect.Effect<A, Errors.DecodeError, R> =>
    decodeUnknown(response.body).pipe(
      Effect.mapError((error) =>
        new Errors.DecodeError({
          status: response.status,
          description: response.body === undefined
            ? "empty body where JSON was expected"
            : typeof response.body === "string"
            ? "the body is not JSON"
            : formatIssues(error.issue),
          ...(request !== undefined ? { request } : {})
        })
      )
    )
}

const formatter = /* @__PURE__ */ SchemaIssue.makeFormatterStandardSchemaV1()

/** `path: message` per issue, without the input (a session body holds a token). */
const formatIssues = (issue: SchemaIssue.Issue): string =>
  formatter(issue).issues.map((i) =>
    `${(i.path ?? []).map((key) => typeof key === "object" ? String(key.key) : String(key)).join(".") || "body"}: ${
      i.message.replace(/, got .*/s, "").trim()
    }`
  ).join("; ")

/**
 * The layer: needs `CubeConfig` and an `HttpClient`.
 *
 * @example
 * ```ts
 * import { CubeConfig } from "@connectycube-effect/core"
 * import { CubeHttpClient } from "@connectycube-effect/http"
 * import { FetchHttpClient } from "effect/http"
 * import { Layer } from "effect"
 *
 * const HttpLive = CubeHttpClient.layer().pipe(
 *   Layer.provide(CubeConfig.layer({ appId: 1, authKey: "key" })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CubeHttpClient, never, CubeConfig | HttpClient.HttpClient> =>
  Layer.effect(CubeHttpClient, make(options))
