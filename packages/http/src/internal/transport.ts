/**
 * What NodeClient and UndiciClient share: the response's transport-independent part, the path without a span
 * (the URL, the tracer check, the deadline marker) and the deadline's timer. Node only in use, but it imports no
 * Node module (NodeClient must load none) and no `@effect/platform-node`.
 *
 * @internal
 */
import * as Span from "@connectycube-effect/core/Span"
import * as Effect from "effect/Effect"
import type * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as Url from "effect/http/Url"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as References from "effect/References"
import * as Result from "effect/Result"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { type Deadline, ExecuteWithDeadline, SkipsSpanWithoutTracer } from "./untraced.js"

/** @internal */
export const ignore = (_: unknown) => {}

/** @internal */
export const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })

/**
 * Arms a call's deadline: `expire` runs when `deadline.at` passes. The timer is unref'd: one left armed (a
 * response never read) must not keep the process alive.
 *
 * @internal
 */
export const armDeadline = (deadline: Deadline, expire: () => void): ReturnType<typeof setTimeout> => {
  const timer = setTimeout(expire, Math.max(0, deadline.at - performance.now()))
  timer.unref()
  return timer
}

/**
 * A response whose headers are copied once (by the subclass, from its transport's message). The subclass reads
 * the body; `release` clears the deadline's timer, if the request has one, once a body read settles or is
 * interrupted.
 *
 * @internal
 */
export abstract class Response extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: typeof HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: typeof HttpClientResponse.TypeId = HttpClientResponse.TypeId
  /** The client's name, for the upgrade error. */
  protected abstract readonly transport: string

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly url: string,
    readonly headers: Headers.Headers,
    protected readonly release: (() => void) | undefined
  ) {
    super()
  }

  abstract readonly status: number
  abstract readonly cookies: HttpClientResponse.HttpClientResponse["cookies"]
  abstract readonly remoteAddress: HttpClientResponse.HttpClientResponse["remoteAddress"]
  abstract readonly text: HttpClientResponse.HttpClientResponse["text"]
  abstract readonly json: HttpClientResponse.HttpClientResponse["json"]
  abstract readonly arrayBuffer: HttpClientResponse.HttpClientResponse["arrayBuffer"]
  abstract readonly formData: HttpClientResponse.HttpClientResponse["formData"]
  abstract readonly urlParamsBody: HttpClientResponse.HttpClientResponse["urlParamsBody"]
  abstract readonly stream: HttpClientResponse.HttpClientResponse["stream"]

  protected decodeError(cause: unknown): HttpClientError.HttpClientError {
    return new HttpClientError.HttpClientError({
      reason: new HttpClientError.DecodeError({ request: this.request, response: this, cause })
    })
  }

  /** The deadline's timer goes when the body's stream ends, fails or is interrupted, as after any other read. */
  protected released<A>(
    stream: Stream.Stream<A, HttpClientError.HttpClientError>
  ): Stream.Stream<A, HttpClientError.HttpClientError> {
    return Stream.ensuring(stream, Effect.sync(() => this.release?.()))
  }

  get upgrade(): Effect.Effect<Socket.Socket, HttpClientError.HttpClientError> {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.StatusCodeError({
          request: this.request,
          response: this,
          description: `${this.transport} does not hand over the connection of an HTTP upgrade`
        })
      })
    )
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "effect/http/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }

  pipe() {
    // as effect's own responses do: pipeArguments takes the `arguments` object
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}

/**
 * Sends a request to its parsed URL, with the call's deadline if it has one.
 *
 * @internal
 */
export type Send = (
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  deadline: Deadline | undefined
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/**
 * The client: `traced` (the platform's `HttpClient.make`: the client span, trace headers) when a tracer is
 * installed; without one, `send` without what only a span needs, and with `ExecuteWithDeadline` for
 * CubeHttpClient's calls.
 *
 * @internal
 */
export const makeClient = (traced: HttpClient.HttpClient, send: Send): HttpClient.HttpClient => {
  const quiet = (
    request: HttpClientRequest.HttpClientRequest,
    deadline?: Deadline
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
    const url = Url.make(request.url, request.urlParams, Option.getOrUndefined(request.hash))
    if (Result.isFailure(url)) {
      return Effect.fail(
        new HttpClientError.HttpClientError({
          reason: new HttpClientError.InvalidUrlError({ request, cause: url.failure })
        })
      )
    }
    return send(request, url.success, deadline)
  }

  const client = HttpClient.makeWith(
    (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
      Effect.flatMap(effect, (request) =>
        Effect.withFiber((fiber) =>
          Span.isNativeTracer(fiber.getRef(Tracer.Tracer)) || !fiber.getRef(References.TracerEnabled)
            ? quiet(request)
            : traced.execute(request)
        )),
    Effect.succeed as HttpClient.HttpClient.Preprocess<never, never>
  )
  const withDeadline: ExecuteWithDeadline = (request, deadline) => quiet(request, deadline)
  return Object.assign(client, { [SkipsSpanWithoutTracer]: true, [ExecuteWithDeadline]: withDeadline })
}
