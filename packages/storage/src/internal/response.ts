/**
 * Answers from outside the API client (the upload target, a download), which CubeHttpClient does not map.
 *
 * @internal
 */
import * as Errors from "@connectycube-effect/core/Errors"
import * as CubeHttpClient from "@connectycube-effect/http/CubeHttpClient"
import * as Effect from "effect/Effect"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"

/**
 * A non-2xx answer from outside the API client (upload target, download) to the error union.
 * @internal
 */
export const failResponse = (response: HttpClientResponse.HttpClientResponse, request: Errors.RequestInfo) =>
  response.text.pipe(
    // an unreadable body is read as ""
    Effect.catch(() => Effect.succeed("")),
    Effect.flatMap((text) =>
      Effect.fail(Errors.fromResponse({
        status: response.status,
        body: CubeHttpClient.parseBody(text),
        retryAfter: response.headers["retry-after"],
        request
      }))
    )
  )
