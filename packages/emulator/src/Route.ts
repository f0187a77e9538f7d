/**
 * A route definition: the one description of an endpoint that the server mounts (with and without
 * `.json`) and the OpenAPI document is generated from. Route modules export a
 * `ReadonlyArray<Route>` and are listed in `Routes.ts`.
 *
 * @example
 * ```ts
 * import { Auth, Http, Route } from "@connectycube-effect/emulator"
 * import * as Effect from "effect/Effect"
 *
 * // in a module of src/routes/, import them as "../Auth.js", "../Http.js", "../Route.js"
 * export const routes: ReadonlyArray<Route.Route> = [
 *   Route.make({
 *     method: "GET",
 *     path: "/users/:id",
 *     summary: "A user by id",
 *     auth: "session",
 *     handler: Effect.gen(function*() {
 *       const caller = yield* Auth.caller
 *       const { id } = yield* Http.pathParams
 *       return Http.json({ user: { id: Number(id), app: caller.app_id } })
 *     })
 *   })
 * ]
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Etag from "effect/http/Etag"
import type * as HttpMethod from "effect/http/HttpMethod"
import type * as HttpPlatform from "effect/http/HttpPlatform"
import type * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Path from "effect/Path"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import type { Caller } from "./Auth.js"
import type { EmulatorClock } from "./Clock.js"
import type { ApiError } from "./ApiError.js"
import type { BodyLimit, RequestState } from "./Http.js"
import type { Faults } from "./Faults.js"
import type { Common } from "./internal/Route.js"
import type { RequestLog } from "./RequestLog.js"
import type { Settings } from "./Settings.js"
import type { StoreError } from "./store/Errors.js"
import type { PendingSlides } from "./store/Sessions.js"
import type { SearchCache } from "./store/UsersSearch.js"

/**
 * Everything a handler can use. The server provides all of it; add a service here (and provide it
 * in `Emulator.ts`) when a route module needs a new one.
 *
 * @since 0.1.0
 * @category models
 */
export type Env =
  | HttpServerRequest.HttpServerRequest
  | HttpServerRequest.ParsedSearchParams
  | HttpRouter.RouteContext
  | RequestState
  | BodyLimit
  | SqlClient.SqlClient
  | PendingSlides
  | SearchCache
  | EmulatorClock
  | Settings
  | RequestLog
  | Faults
  | RouteTable
  | HttpPlatform.HttpPlatform
  | Etag.Generator
  | FileSystem.FileSystem
  | Path.Path

/**
 * A handler answers a response or fails with an `ApiError` (the server's error body) or a store's
 * `StoreError` (answered as `ApiError.fromStoreError` says). A `SqlError` (or any defect) becomes a 500
 * `{"errors":["Internal Server Error"]}`: a bug, never bad input. `R` is what it needs besides `Env`: the
 * handler of an `auth: "session" | "user"` route may need `Auth.Caller`.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<R = never> = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  ApiError | StoreError | SqlError.SqlError,
  Env | R
>

export {
  /** @since 0.1.0 */
  type AuthMode,
  /** @since 0.1.0 */
  type Common
} from "./internal/Route.js"

/**
 * A route anyone may call: its handler authenticates by itself where it must, and has no `Auth.Caller`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Open extends Common {
  readonly auth: "none"
  readonly handler: Handler
}

/**
 * A route the server authenticates before its handler: the handler reads the session as `Auth.Caller`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Authenticated extends Common {
  readonly auth: "session" | "user"
  readonly handler: Handler<Caller>
}

/**
 * One endpoint: an `Open` or an `Authenticated` route (told apart by `auth`).
 *
 * @since 0.1.0
 * @category models
 */
export type Route = Open | Authenticated

/**
 * Identity with type checking; gives route modules one way to write routes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (route: Route): Route => route

/**
 * The methods of a route as a list.
 *
 * @since 0.1.0
 * @category getters
 */
export const methods = (route: Route): ReadonlyArray<HttpMethod.HttpMethod> =>
  typeof route.method === "string" ? [route.method] : route.method as ReadonlyArray<HttpMethod.HttpMethod>

/**
 * The route table the server was built from (for the OpenAPI document).
 *
 * @since 0.1.0
 * @category tags
 */
export class RouteTable extends Context.Service<RouteTable, ReadonlyArray<Route>>()(
  "@connectycube-effect/emulator/Route/RouteTable"
) {}
