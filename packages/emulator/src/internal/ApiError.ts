/**
 * The error answers' definitions: `ApiError` (a status and the exact JSON body) and the catalog of the known ones
 * (`Errors`). Here rather than in `ApiError.ts` so that the internal modules that answer errors (body reading) need
 * no public module; `ApiError.ts` re-exports both beside the two translations into them.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { MAX_DEPTH } from "./RailsQuery.js"

/**
 * A failure that becomes an HTTP answer: `status` plus the exact JSON `body` the real server sends
 * (`{"errors":[...]}` or `{"errors":{"field":[...]}}`). Route handlers fail with this; the server
 * turns it into the response, so no handler ever builds an error response by hand.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
}> {
  /**
   * `{"errors":["msg", ...]}` (the array shape: "Token is required", "Invalid password", ...).
   *
   * @since 0.1.0
   */
  static messages(status: number, ...messages: ReadonlyArray<string>): ApiError {
    return new ApiError({ status, body: { errors: messages } })
  }
  /**
   * `{"errors":{"field":["msg"]}}` (the validation shape).
   *
   * @since 0.1.0
   */
  static fields(status: number, errors: Readonly<Record<string, ReadonlyArray<string>>>): ApiError {
    return new ApiError({ status, body: { errors } })
  }
  /**
   * `{"errors":{"base":["msg"]}}` (messages that belong to no field).
   *
   * @since 0.1.0
   */
  static base(status: number, message: string): ApiError {
    return new ApiError({ status, body: { errors: { base: [message] } } })
  }
}

/**
 * The error answers the real server is known to send (rest-api.md §7), in one place so every route
 * module uses the same text.
 *
 * @since 0.1.0
 * @category errors
 */
export const Errors = {
  /** 401 `{"errors":["Token is required"]}`: no (or an empty) `CB-Token`. */
  tokenRequired: () => ApiError.messages(401, "Token is required"),
  /** 401 `{"errors":{"base":["Required session does not exist"]}}`: unknown or expired token (the SDKs match on it). */
  sessionNotFound: () => ApiError.base(401, "Required session does not exist"),
  /** 403 `{"errors":{"base":["Forbidden. Need user."]}}`: an application session on a write route. */
  needUser: () => ApiError.base(403, "Forbidden. Need user."),
  /** 401 `{"errors":["Unauthorized"]}`: wrong application id / auth key. */
  unauthorized: () => ApiError.messages(401, "Unauthorized"),
  /** 401 `{"errors":["Invalid password"]}`. */
  invalidPassword: () => ApiError.messages(401, "Invalid password"),
  /** 404 `{"errors":["User not found"]}`. */
  userNotFound: () => ApiError.messages(404, "User not found"),
  /** 404 `{"errors":{"base":["Entity you are looking for was not found."]}}`: any missing entity. */
  notFound: () => ApiError.base(404, "Entity you are looking for was not found."),
  /** 422 `{"errors":["Unexpected signature"]}`. */
  unexpectedSignature: () => ApiError.messages(422, "Unexpected signature"),
  /** 404 `{"errors":["E_ROUTE_NOT_FOUND: Route not found GET /x"]}`. */
  routeNotFound: (method: string, path: string) =>
    ApiError.messages(404, `E_ROUTE_NOT_FOUND: Route not found ${method} ${path}`),
  /** 422 `{"errors":{"<field>":["cannot be blank"]}}`. */
  blank: (field: string) => ApiError.fields(422, { [field]: ["cannot be blank"] }),
  /** 400 for a body that is not valid JSON. */
  malformedJson: () => ApiError.messages(400, "Malformed JSON in request body"),
  /** 413 for a body over the configured limit. */
  tooLarge: (limit: number) => ApiError.messages(413, `Request body is larger than ${limit} bytes`),
  /** 400 for a body in an encoding the API does not take (the server's 4xx family, not 415). */
  unsupportedMediaType: (contentType: string) =>
    ApiError.messages(400, `Unsupported Content-Type: ${contentType}`),
  /** 422 `{"errors":{"<field>":["is nested too deeply (maximum is 32 levels)"]}}`: a body or query past `MAX_DEPTH`. */
  nestedTooDeeply: (field: string) =>
    ApiError.fields(422, { [field]: [`is nested too deeply (maximum is ${MAX_DEPTH} levels)`] })
} as const
