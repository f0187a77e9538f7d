/**
 * Builds the emulator's HttpApp from the route table (`Routes.ts`): every route is mounted with and
 * without `.json`, and one wrapper around the router does what every answer needs:
 *
 * - CORS (preflight `OPTIONS` and the allow/expose headers on every answer)
 * - the emulator-clock `Date` header and `CB-Token-ExpirationDate` when a session was used
 * - route auth (`auth: "session" | "user"`) before the handler runs
 * - the error shapes: `ApiError` → its body; a store's refusal → `ApiError.fromStoreError`; unknown
 *   route → 404 `E_ROUTE_NOT_FOUND`; anything else → 500 (a bug, never bad input)
 * - fault injection and the request log
 *
 * It composes the public modules (`Route`, `Auth`, `Http`, `ApiError`, the services) and the stores, so it is
 * one of them rather than internal; `Emulator.ts` builds it with the node server.
 *
 * @since 0.1.0
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import { HttpServerError } from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { isIPv4, isIPv6 } from "node:net"
import { ApiError, Errors, fromStoreError } from "./ApiError.js"
import * as Auth from "./Auth.js"
import { EmulatorClock } from "./Clock.js"
import * as Faults from "./Faults.js"
import * as Http from "./Http.js"
import { RequestLog } from "./RequestLog.js"
import * as Route from "./Route.js"
import { Settings } from "./Settings.js"
import { isStoreError } from "./store/Errors.js"
import * as Users from "./store/Users.js"
import * as NodeServer from "./internal/NodeServer.js"
import * as RailsQuery from "./internal/RailsQuery.js"
import * as Time from "./internal/Time.js"

/**
 * The CORS headers on every answer, so a browser page can call the emulator.
 *
 * @since 0.1.0
 * @category constants
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers":
    "CB-Token, CB-AuthKey, CB-SDK, Content-Type, ConnectyCube-REST-API-Version, CB-Administration-API-Key",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "access-control-expose-headers": "CB-Token-ExpirationDate, Date"
}

const PREFLIGHT_HEADERS = { ...CORS_HEADERS, "access-control-max-age": "86400" }

const internalError = () => ApiError.messages(500, "Internal Server Error")

/** The handler behind the route's auth check: the session it found is the handler's `Auth.Caller`. */
const withAuth = (route: Route.Route): Route.Handler => {
  switch (route.auth) {
    case "none":
      return route.handler
    case "session": {
      const handler = route.handler
      return Effect.flatMap(Auth.requireSession, (session) => Effect.provideService(handler, Auth.Caller, session))
    }
    case "user": {
      const handler = route.handler
      return Effect.flatMap(Auth.requireUser, (session) => Effect.provideService(handler, Auth.Caller, session))
    }
  }
}

/**
 * The router routes of a route table: each route with its auth check, once per method (the `.json`
 * suffix is stripped before routing).
 *
 * @since 0.1.0
 * @category constructors
 */
export const routerRoutes = (routes: ReadonlyArray<Route.Route>): ReadonlyArray<HttpRouter.Route<unknown, unknown>> =>
  routes.flatMap((route) => {
    const handler = withAuth(route)
    return Route.methods(route).map((method) => HttpRouter.route(method, route.path, handler) as HttpRouter.Route<unknown, unknown>)
  })

/**
 * The router of a route table, as an HttpApp over the current request (`RouteNotFound` for an unknown route).
 *
 * @since 0.1.0
 * @category constructors
 */
export const router = (routes: ReadonlyArray<Route.Route>): Effect.Effect<
  Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, Route.Env>
> =>
  Effect.gen(function*() {
    const built = yield* HttpRouter.make
    // `addAll` tracks the routes' requirements as type markers only; `Route.Env` says what they need.
    yield* (built.addAll(routerRoutes(routes)) as Effect.Effect<void>)
    return built.asHttpEffect() as Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, Route.Env>
  })

/**
 * Strips one trailing `.json` (so `/users/12.json` routes as `/users/12`). Paths that really end
 * in `.json` are not part of the API.
 *
 * @since 0.1.0
 * @category routing
 */
export const stripJson = (pathname: string): string =>
  pathname.length > 5 && pathname.endsWith(".json") ? pathname.slice(0, -5) : pathname

const ADMIN_PREFIX = "/__emulator/"

/**
 * Whether a request path reaches the control API, in every spelling the router takes for it: an
 * absolute-form target (`http://host/__emulator/…`), percent-escapes (`/%5F%5Femulator/`), letter case
 * (`/__EMULATOR/`) and duplicate slashes (`//__emulator/`). Checking only the literal prefix would let
 * such a spelling reach the control routes as an API call: with CORS and without the Host and
 * content-type checks.
 *
 * @since 0.1.0
 * @category security
 */
export const isControlPath = (rawPath: string): boolean => {
  // the common case, per API request: no escape and no such name
  if (!rawPath.includes("%") && !/__emulator/i.test(rawPath)) return false
  let path = rawPath
  if (!path.startsWith("/")) {
    const authority = path.indexOf("//")
    const slash = authority === -1 ? -1 : path.indexOf("/", authority + 2)
    path = slash === -1 ? "/" : path.slice(slash)
  }
  if (path.includes("%")) {
    try {
      path = decodeURIComponent(path)
    } catch {
      // a malformed escape: the router does not decode it either
    }
  }
  return path.replace(/\/{2,}/g, "/").toLowerCase().startsWith(ADMIN_PREFIX)
}

/** Control calls that change state: a browser sends them cross-origin only after a preflight (refused). */
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"])

const isJson = (contentType: string | undefined) =>
  contentType !== undefined && contentType.split(";")[0]!.trim().toLowerCase() === "application/json"

/** `localhost` and its subdomains: browsers resolve these to loopback themselves, never through DNS. */
const LOCALHOST = /^(?:[a-z0-9_-]+\.)*localhost$/

/** A `Host` header's host, lower case without a trailing dot, and whether it is an IP literal; `undefined` when malformed. */
const hostOf = (header: string): { readonly name: string; readonly ip: boolean } | undefined => {
  const v6 = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(header)
  if (v6 !== null) return isIPv6(v6[1]!) ? { name: v6[1]!.toLowerCase(), ip: true } : undefined
  const m = /^([^:[\]]+)(?::\d{1,5})?$/.exec(header)
  if (m === null) return undefined
  const name = normalizeHostName(m[1]!)
  return { name, ip: isIPv4(name) }
}

/**
 * A host name as the control API compares it: lower case, without brackets or one trailing dot.
 *
 * @since 0.1.0
 * @category security
 */
export const normalizeHostName = (name: string): string => name.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase()

/**
 * Whether `--allow-host` (`Emulator.Options.allowHosts`) takes a name: a DNS name (letters, digits, `-`, `_`;
 * dot-separated labels), without a port or a wildcard. IP addresses need no allowing.
 *
 * @since 0.1.0
 * @category security
 */
export const isHostName = (name: string): boolean =>
  /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/i.test(name) && name.length <= 254

/**
 * The security model of `/__emulator/*` (no credentials, as a dev tool): it answers no CORS (a page of
 * another origin cannot read it, and its preflight is refused); a call that changes state needs
 * `Content-Type: application/json` (which a page can only send after that refused preflight); and, whatever
 * interface it is bound to, the `Host` must be one a DNS-rebinding page cannot send: an IP literal (a page
 * on an IP origin is not rebound: its name is not looked up), `localhost` or a `*.localhost` name (the browser
 * resolves those to loopback itself), the host it was bound to, or a name in `allowHosts` (`--allow-host`,
 * given on purpose). A rebound page names its own DNS name. The REST API keeps its CORS for the browser example.
 *
 * @since 0.1.0
 * @category security
 */
export const controlRefusal = (
  method: string,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  boundHost: string,
  allowHosts: ReadonlyArray<string> = []
): ApiError | undefined => {
  if (method === "OPTIONS") {
    return ApiError.messages(403, "The emulator control API does not answer cross-origin requests")
  }
  const header = typeof headers.host === "string" ? headers.host : ""
  const host = hostOf(header)
  if (
    host === undefined ||
    !(host.ip || LOCALHOST.test(host.name) || host.name === normalizeHostName(boundHost) ||
      allowHosts.some((name) => normalizeHostName(name) === host.name))
  ) {
    return ApiError.messages(
      403,
      "The emulator control API answers only to a Host that is an IP address, localhost, the --host name or a name " +
        `given with --allow-host (a DNS-rebinding page sends its own name), not ${JSON.stringify(header)}`
    )
  }
  if (STATE_CHANGING.has(method) && !isJson(typeof headers["content-type"] === "string" ? headers["content-type"] : undefined)) {
    return ApiError.messages(415, "Emulator control calls that change state need Content-Type: application/json")
  }
  return undefined
}

/** How often (emulator time) the expired guest users are deleted: checked by the first API request after. */
const GUEST_SWEEP_EVERY_MS = 60_000

/**
 * The interface the server was bound to (the control API also answers to it as a `Host`); loopback
 * when absent.
 *
 * @since 0.1.0
 * @category tags
 */
export class BoundHost extends Context.Service<BoundHost, string>()("@connectycube-effect/emulator/Server/BoundHost") {}

/**
 * The host names the control API answers to besides IP addresses, `localhost`/`*.localhost` and the bound
 * host (`--allow-host`, `Emulator.Options.allowHosts`); none when absent.
 *
 * @since 0.1.0
 * @category tags
 */
export class AllowedHosts
  extends Context.Service<AllowedHosts, ReadonlyArray<string>>()("@connectycube-effect/emulator/Server/AllowedHosts")
{}

/**
 * One request, ready to run: the context its fiber starts with (the server's services, the request
 * and its `RequestState`, and for a static route its `RouteContext`) and the effect that answers it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Prepared {
  readonly context: Context.Context<never>
  readonly effect: Effect.Effect<HttpServerResponse.HttpServerResponse>
  /** The client went away before the answer: the request is logged with status 499 (client closed request). */
  readonly aborted?: (() => void) | undefined
}

/**
 * What the node server calls per request with its own context: `Prepared` for the request.
 *
 * @since 0.1.0
 * @category models
 */
export type Handle = (request: HttpServerRequest.HttpServerRequest, context: Context.Context<never>) => Prepared

/**
 * The per-request function behind `makeApp`: the node server starts each request's fiber with
 * `Prepared.context`, so the request's services are added in one context copy and nothing runs
 * `Effect.locally` (an acquire/release of the context per layer) around the handler.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHandle = (routes: ReadonlyArray<Route.Route>) =>
  Effect.gen(function*() {
    const routerApp = yield* router(routes)
    const clock = yield* EmulatorClock
    const log = yield* RequestLog
    const faults = yield* Faults.Faults
    const settings = yield* Settings
    const boundHost = Option.getOrElse(yield* Effect.serviceOption(BoundHost), () => "127.0.0.1")
    const allowHosts = Option.getOrElse(yield* Effect.serviceOption(AllowedHosts), (): ReadonlyArray<string> => [])
    // -Infinity: the first request sweeps (a database kept from an earlier run may hold expired guests)
    let lastSweep = -Infinity
    const sweep = (now: number) =>
      Users.removeExpiredGuests(now, settings.guestSessionTtlMs).pipe(
        Effect.catch((error) => Effect.logError("emulator: deleting expired guests failed", error)),
        Effect.asVoid
      )

    const cors = Object.entries(CORS_HEADERS).flat()
    // this server's own caches of the two per-second headers
    const dateHeader = Time.lastSecond(Time.httpDate)
    const expirationHeader = Time.lastSecond(Time.formatExpiration)

    const onError = (error: unknown) => {
      if (error instanceof ApiError) return Effect.succeed(Http.errorResponse(error))
      if (isStoreError(error)) return Effect.succeed(Http.errorResponse(fromStoreError(error)))
      if (error instanceof HttpServerError && error.reason._tag === "RouteNotFound") {
        // the path as sent (`.json` and all): the router saw it stripped
        const request = error.reason.request
        const url = request.originalUrl
        const q = url.indexOf("?")
        return Effect.succeed(Http.errorResponse(Errors.routeNotFound(request.method, q === -1 ? url : url.slice(0, q))))
      }
      return Effect.as(Effect.logError("emulator: request failed", error), Http.errorResponse(internalError()))
    }
    // One handler for every request (what `Effect.catch` then a defect handler did): a typed failure is
    // answered by `onError` unless the cause also holds a defect; a defect is a 500; an interrupt stays one.
    const onCause = (cause: Cause.Cause<unknown>) => {
      if (!Cause.hasDies(cause)) {
        const error = Cause.findError(cause)
        if (Result.isSuccess(error)) return onError(error.success)
      }
      return Cause.hasInterruptsOnly(cause) ?
        Effect.failCause(cause) :
        Effect.as(Effect.logError("emulator: handler defect", cause), Http.errorResponse(internalError()))
    }

    const applyFault = (
      fault: Faults.Fault,
      request: HttpServerRequest.HttpServerRequest,
      routed: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, any>,
      mark: (kind: "status" | "drop" | "delay") => void
    ): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, any> => {
      const answer = Effect.suspend((): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, any> => {
        if (fault.drop === true) {
          mark("drop")
          NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
          return Effect.succeed(HttpServerResponse.empty({ status: 499 }))
        }
        if (fault.status !== undefined) {
          mark("status")
          const body = fault.body ?? { errors: [`Fault injected by the emulator (${fault.status})`] }
          const response = typeof body === "string" ?
            HttpServerResponse.text(body, { status: fault.status, contentType: Http.JSON_CONTENT_TYPE }) :
            Http.json(body, fault.status)
          return Effect.succeed(
            fault.retryAfter === undefined ?
              response :
              HttpServerResponse.setHeader(response, "retry-after", String(fault.retryAfter))
          )
        }
        return routed
      })
      if (fault.delayMs === undefined || fault.delayMs <= 0) return answer
      mark("delay")
      return Effect.andThen(Effect.sleep(fault.delayMs), answer)
    }

    // Plain combinators (no generator): this runs per request.
    const handle: Handle = (request, base) => {
      const started = performance.now()
      const now = clock.unsafeNow()
      const url = request.url
      const q = url.indexOf("?")
      const rawPath = q === -1 ? url : url.slice(0, q)
      const search = q === -1 ? "" : url.slice(q + 1)
      const path = stripJson(rawPath)
      const method = request.method
      const admin = path.startsWith(ADMIN_PREFIX) || isControlPath(path)
      const state: Http.RequestState = { now, sessionExpiresAt: undefined, body: undefined, query: undefined }
      let faultKind: "status" | "drop" | "delay" | undefined

      // Context.add keeps the base and layers the request's services over it (no copy of the base).
      let context: Context.Context<never> = base
      let run: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, any>
      const deep = search === "" ? undefined : RailsQuery.queryTooDeep(search)
      const refused = admin ? controlRefusal(method, request.headers, boundHost, allowHosts) : deep !== undefined ? Errors.nestedTooDeeply(deep) : undefined
      if (refused !== undefined) {
        context = Context.add(context, HttpServerRequest.HttpServerRequest, request)
        run = Effect.succeed(Http.errorResponse(refused))
      } else if (method === "OPTIONS") {
        context = Context.add(context, HttpServerRequest.HttpServerRequest, request)
        run = Effect.succeed(HttpServerResponse.empty({ status: 204, headers: PREFLIGHT_HEADERS }))
      } else {
        context = Context.add(context, Http.RequestState, state)
        context = Context.add(
          context,
          HttpServerRequest.HttpServerRequest,
          path === rawPath ? request : request.modify({ url: q === -1 ? path : `${path}?${search}` })
        )
        // every route through the router (a lookup of the paths without parameters ahead of it measured no gain)
        const fault = admin ? undefined : faults.take(method, rawPath)
        run = fault === undefined ? routerApp : applyFault(fault, request, routerApp, (kind) => {
          faultKind = kind
        })
        // A clock moved back (set to an earlier time) sweeps at once too.
        if (!admin && (now - lastSweep >= GUEST_SWEEP_EVERY_MS || now < lastSweep)) {
          lastSweep = now
          run = Effect.andThen(sweep(now), run)
        }
      }

      // The log is the API traffic a test made; the emulator's own control calls stay out of it. Once per
      // request: a client that hangs up after its answer was made is not logged again.
      let logged = admin
      const record = (status: number) => {
        if (logged) return
        logged = true
        log.push({
          timeMs: now,
          method,
          path: rawPath,
          query: search, // redacted when the log is read
          status,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          fault: faultKind
        })
      }

      const effect = run.pipe(
        Effect.catchCause(onCause),
        Effect.map((response) => {
          // no CORS on the control API: a page of another origin can neither read it nor pass a preflight
          const head = admin ? ["date", dateHeader(now)] : [...cors, "date", dateHeader(now)]
          if (state.sessionExpiresAt !== undefined) {
            head.push("cb-token-expirationdate", expirationHeader(state.sessionExpiresAt))
          }
          // Written with the response's own head in one writeHead; another server gets them on its node response.
          if (!NodeServer.setServerHeaders(request, head)) {
            const out = NodeHttpServerRequest.toServerResponse(request)
            for (let i = 0; i < head.length; i += 2) out.setHeader(head[i]!, head[i + 1]!)
          }
          record(response.status)
          return response
        })
      ) as Effect.Effect<HttpServerResponse.HttpServerResponse>
      return { context, effect, aborted: () => record(499) }
    }
    return handle
  })

/**
 * The emulator's HttpApp for a route table. Built once; the per-request work is a clock read, a
 * fault check, the router, and a log push.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeApp = (routes: ReadonlyArray<Route.Route>) =>
  Effect.map(makeHandle(routes), (handle) =>
    Effect.withFiber<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>((fiber) => {
      const context = fiber.context
      const prepared = handle(Context.getUnsafe(context, HttpServerRequest.HttpServerRequest), context)
      return Effect.provideContext(prepared.effect, prepared.context)
    }))
