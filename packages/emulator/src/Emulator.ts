/**
 * The emulator as a value: start it in-process (port 0 by default, host 127.0.0.1), get its `url`,
 * control it (reset, clock, faults, export/import) and stop it with its scope.
 *
 * @example
 * ```ts
 * import { Emulator } from "@connectycube-effect/emulator"
 *
 * const emu = await Emulator.startEmulator()
 * // ConnectyCube.init({ appId: 1, authKey: "emulator-auth-key" }, { endpoints: { api_url: emu.url } })
 * await emu.close()
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Cause from "effect/Cause"
import * as EffectClock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Fs from "node:fs"
import * as NodeHttp from "node:http"
import * as NodeHttps from "node:https"
import * as Clock from "./Clock.js"
import * as Faults from "./Faults.js"
import { fromStoreError } from "./ApiError.js"
import { BodyLimit, PublicUrl } from "./Http.js"
import * as Db from "./internal/Db.js"
import * as NodeServer from "./internal/NodeServer.js"
import * as RequestLog from "./RequestLog.js"
import * as Route from "./Route.js"
import * as Routes from "./Routes.js"
import * as Server from "./Server.js"
import * as Settings from "./Settings.js"
import * as State from "./State.js"
import * as Apps from "./store/Apps.js"
import * as Emails from "./store/Emails.js"
import { isStoreError } from "./store/Errors.js"
import * as Sessions from "./store/Sessions.js"
import * as UsersSearch from "./store/UsersSearch.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** TCP port; `0` (default) picks a free one. */
  readonly port?: number | undefined
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string | undefined
  /**
   * Host names the control API (`/__emulator/*`, the web UI) answers to besides IP addresses, `localhost`,
   * `*.localhost` and `host` (CLI: repeatable `--allow-host <name>`): e.g. a docker service name, or a name in
   * `/etc/hosts`. Any other `Host` gets a 403, whatever interface is bound, because a DNS-rebinding page sends
   * its own name. Names only (no port, no wildcard); an invalid one fails the start (`reason: "Options"`).
   *
   * @since 0.1.0
   */
  readonly allowHosts?: ReadonlyArray<string> | undefined
  /**
   * The emulator's address as others should reach it (CLI: `--public-url`), for links it sends to a third
   * party: the password-reset mail. An `http(s)` URL, optionally with a path, without a query; default: `url`
   * (the address it printed at start). The request's `Host` is never used for such a link (anyone can send
   * `Host: evil.example`). An invalid one fails the start (`reason: "Options"`).
   *
   * @example
   * ```ts
   * import { Emulator } from "@connectycube-effect/emulator"
   *
   * // bound to every interface, reached by the team as http://cube.dev.lan:8090
   * const emu = await Emulator.startEmulator({
   *   host: "0.0.0.0",
   *   port: 8090,
   *   allowHosts: ["cube.dev.lan"],
   *   publicUrl: "http://cube.dev.lan:8090"
   * })
   * await emu.close()
   * ```
   *
   * @since 0.1.0
   */
  readonly publicUrl?: string | undefined
  /** Applications (default: one app, id `1`, auth key `"emulator-auth-key"`). */
  readonly apps?: ReadonlyArray<Settings.AppOptions> | undefined
  /** SQLite file, or `":memory:"` (default). */
  readonly db?: string | undefined
  /** `"NORMAL"` (default; survives a killed process) or `"FULL"` (also survives power loss). */
  readonly synchronous?: "NORMAL" | "FULL" | undefined
  /**
   * Serve HTTPS (`node:https`, the same routes) with this certificate and private key (PEM); `url` is then
   * `https://...`. The CLI's `--tls` generates a self-signed pair.
   */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined
  /** Largest API request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number | undefined
  /**
   * How long a request may take to arrive, headers and body (default 30 s; Node's own default is 5 min):
   * past it the answer is 408 `{"errors":[...]}` and the connection is closed. Raise it for large
   * uploads over a slow link; `0` sets no limit.
   */
  readonly requestTimeoutMs?: number | undefined
  /** Custom Identity Provider verify URL for apps that don't set their own. */
  readonly cidpUrl?: string | undefined
  /** A JSON file to load at start (an export, or `{"users":[...]}`). */
  readonly seed?: string | undefined
  /** The same as `seed`, as a value. */
  readonly seedData?: unknown
  /** Where the emulator clock starts (default: now). */
  readonly clockStart?: Date | number | undefined
  /** Capacity of the request log ring buffer (default 10 000). */
  readonly requestLogSize?: number | undefined
  /** Session lifetime after the last request (default 2 h). */
  readonly sessionTtlMs?: number | undefined
  /** Guest session lifetime (default 1 day); a guest idle this long, with no live session, is deleted. */
  readonly guestSessionTtlMs?: number | undefined
  /** Replaces the route table (tests of single modules). */
  readonly routes?: ReadonlyArray<Route.Route> | undefined
}

/**
 * Why the emulator could not start (port in use, bad seed, unreadable db file, an invalid `allowHosts` or
 * `publicUrl`: reason `"Options"`), could not export its state, or refused a fault rule (`addFault` with a
 * `regex` path that is not a regular expression, or one that could backtrack for seconds: reason `"Fault"`).
 *
 * @since 0.1.0
 * @category errors
 */
export class EmulatorError extends Data.TaggedError("EmulatorError")<{
  readonly reason: "Serve" | "Database" | "Seed" | "Export" | "Fault" | "Options"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `http://127.0.0.1:<port>` (`https://` with the `tls` option) */
  readonly url: string
  readonly port: number
  readonly host: string
  readonly clock: Clock.Service
  /** Delete all data but the apps (and clear faults). */
  readonly reset: Effect.Effect<void>
  /** Move the emulator clock; returns the new time (Unix ms). */
  readonly advanceClock: (ms: number) => Effect.Effect<number>
  readonly setClock: (at: Date | number) => Effect.Effect<number>
  readonly requests: Effect.Effect<ReadonlyArray<RequestLog.Entry>>
  readonly clearRequests: Effect.Effect<void>
  readonly emails: Effect.Effect<ReadonlyArray<Record<string, unknown>>>
  readonly addFault: (fault: Faults.FaultInput) => Effect.Effect<void, EmulatorError>
  readonly clearFaults: Effect.Effect<void>
  readonly exportState: Effect.Effect<State.Snapshot>
  readonly importState: (data: unknown) => Effect.Effect<Record<string, number>, EmulatorError>
  /** Export to a file, atomically (temp file + rename). */
  readonly exportToFile: (file: string) => Effect.Effect<void, EmulatorError>
  /** Runs an effect with the emulator's database and services (for tests that poke the store). */
  readonly run: <A, E>(
    effect: Effect.Effect<
      A,
      E,
      SqlClient.SqlClient | Sessions.PendingSlides | UsersSearch.SearchCache | Clock.EmulatorClock | Settings.Settings
    >
  ) => Effect.Effect<A, E>
}

/**
 * @example
 * ```ts
 * import { Emulator } from "@connectycube-effect/emulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.Emulator
 *   yield* emulator.advanceClock(2 * 60 * 60 * 1000 + 1) // every session has now expired
 *   return yield* emulator.emails // the password reset mails it "sent"
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Emulator.layer())))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Service<Emulator, Service>()("@connectycube-effect/emulator/Emulator") {}

/**
 * How long a request may take to arrive by default (`requestTimeoutMs`).
 *
 * @since 0.1.0
 * @category models
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/**
 * Node's server timeouts for a request timeout: the headers get the same time (at most Node's 60 s),
 * and the check runs often enough for the timeout to mean what it says (Node checks every 30 s).
 */
const serverTimeouts = (requestTimeout: number): NodeHttp.ServerOptions => {
  // 0 (or less): no limit, as in Node
  if (!(requestTimeout > 0)) return { requestTimeout: 0 }
  const timeout = Math.max(1, Math.floor(requestTimeout))
  return {
    requestTimeout: timeout,
    headersTimeout: Math.min(60_000, timeout),
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(timeout / 4)))
  }
}

/**
 * `publicUrl` as links are built on it (no trailing slash), or why it cannot be one.
 *
 * @since 0.1.0
 * @category models
 */
export const parsePublicUrl = (value: string): string | EmulatorError => {
  const refuse = (why: string) =>
    new EmulatorError({ reason: "Options", message: `publicUrl (--public-url) ${JSON.stringify(value)}: ${why}` })
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return refuse("not a URL (e.g. http://cube.dev.lan:8090)")
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return refuse("must be http:// or https://")
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || value.includes("?")) {
    return refuse("must have no credentials, query or fragment")
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`
}

const loadSeed = (data: unknown, settings: Settings.Service, now: number) =>
  Effect.gen(function*() {
    const decoded = State.decodeSeed(data)
    if (Result.isFailure(decoded)) {
      return yield* Effect.fail(new EmulatorError({ reason: "Seed", message: `invalid seed: ${decoded.failure.message}` }))
    }
    const seed = decoded.success
    return yield* ("tables" in seed ?
      State.importState(seed, settings.apps) :
      State.importSimple(seed, settings.apps[0]?.id ?? 1, now)).pipe(
        Effect.mapError((e) =>
          new EmulatorError({
            reason: "Seed",
            message: `seed rejected: ${JSON.stringify(isStoreError(e) ? fromStoreError(e).body : e.message)}`,
            cause: e
          })
        )
      )
  })

/**
 * Starts an emulator in the current scope; closing the scope stops it (connections closed, db closed).
 *
 * @example
 * ```ts
 * import { Emulator } from "@connectycube-effect/emulator"
 * import { Console, Effect } from "effect"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const emulator = yield* Emulator.make({ apps: [{ id: 7, authKey: "k" }] })
 *   yield* Console.log(`listening on ${emulator.url}`)
 *   // ... calls against emulator.url; it stops when the scope closes
 * }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, EmulatorError, Scope.Scope> =>
  Effect.gen(function*() {
    const allowHosts = options.allowHosts ?? []
    const badHost = allowHosts.find((name) => !Server.isHostName(name))
    if (badHost !== undefined) {
      return yield* Effect.fail(
        new EmulatorError({
          reason: "Options",
          message: `allowHosts (--allow-host) ${JSON.stringify(badHost)}: not a host name (a DNS name without port or wildcard; IP addresses need no allowing)`
        })
      )
    }
    const publicUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl)
    if (publicUrl instanceof EmulatorError) return yield* Effect.fail(publicUrl)
    const apps = (options.apps !== undefined && options.apps.length > 0 ? options.apps : [Settings.DEFAULT_APP]).map((
      app
    ) => (app.cidpUrl === undefined && options.cidpUrl !== undefined ? { ...app, cidpUrl: options.cidpUrl } : app))
    const settings: Settings.Service = {
      bodyLimit: options.bodyLimit ?? Settings.DEFAULT_BODY_LIMIT,
      apps,
      sessionTtlMs: options.sessionTtlMs ?? 2 * 60 * 60 * 1000,
      guestSessionTtlMs: options.guestSessionTtlMs ?? 24 * 60 * 60 * 1000,
      cidpTimeoutMs: 5_000
    }
    const routes = options.routes ?? Routes.all
    const start = options.clockStart === undefined ? undefined : new Date(options.clockStart).getTime()

    const services = Layer.mergeAll(
      Layer.provideMerge(Sessions.layerPendingSlides, Db.layer({ filename: options.db, synchronous: options.synchronous })),
      Clock.layer(start),
      RequestLog.layer(options.requestLogSize),
      Faults.layer,
      UsersSearch.layerSearchCache,
      Layer.succeed(Settings.Settings, settings),
      Layer.succeed(BodyLimit, settings.bodyLimit),
      Layer.succeed(Route.RouteTable, routes),
      NodeHttpServer.layerHttpServices
    )
    const context = yield* Layer.build(services).pipe(
      // A path SQLite cannot open (a SqlError, or a defect): report it as a start failure.
      Effect.catchCause((cause) => {
        const error = Cause.squash(cause)
        return Effect.fail(
          new EmulatorError({
            reason: "Database",
            message: `cannot open the database ${options.db ?? ":memory:"}: ${error instanceof Error ? error.message : String(error)}`,
            cause
          })
        )
      })
    )
    const clock = Context.get(context, Clock.EmulatorClock)
    const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, context)
    const dbDie = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Sessions.PendingSlides | Settings.Settings | Clock.EmulatorClock>) =>
      Effect.orDie(provide(effect))

    yield* dbDie(Apps.upsert(apps))

    if (options.seed !== undefined || options.seedData !== undefined) {
      let data = options.seedData
      if (options.seed !== undefined) {
        const file = options.seed
        data = yield* Effect.try({
          try: () => JSON.parse(Fs.readFileSync(file, "utf8")) as unknown,
          catch: (cause) => new EmulatorError({ reason: "Seed", message: `cannot read seed file ${file}`, cause })
        })
      }
      yield* provide(loadSeed(data, settings, clock.unsafeNow()))
    }

    const host = options.host ?? "127.0.0.1"
    const handle = yield* provide(
      Server.makeHandle(routes).pipe(
        Effect.provideService(Server.BoundHost, host),
        Effect.provideService(Server.AllowedHosts, allowHosts)
      )
    )
    const timeouts = serverTimeouts(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
    const nodeServer = options.tls === undefined ?
      NodeHttp.createServer(timeouts) :
      NodeHttps.createServer({ ...timeouts, cert: options.tls.cert, key: options.tls.key })
    yield* NodeHttpServer.make(() => nodeServer, { port: options.port ?? 0, host }).pipe(
      Effect.mapError((e) => new EmulatorError({ reason: "Serve", message: `cannot listen on ${host}:${options.port ?? 0}`, cause: e.cause }))
    )
    // Runs before the server's own close: idle keep-alive sockets would otherwise hold the shutdown.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const address = nodeServer.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const url = `${options.tls === undefined ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host}:${port}`
    // The server keeps the real clock even when started from a test with a TestClock (fault delays
    // sleep in real time); the emulator clock is separate and moved explicitly.
    // Tracing is off: a span per statement costs more than the rest of a request.
    yield* provide(NodeServer.serve(nodeServer, handle)).pipe(
      Effect.provideService(EffectClock.Clock, EffectClock.Clock.defaultValue()),
      Effect.provideService(PublicUrl, publicUrl ?? url),
      Effect.withTracerEnabled(false)
    )

    const faults = Context.get(context, Faults.Faults)
    const log = Context.get(context, RequestLog.RequestLog)

    const service: Service = {
      url,
      port,
      host,
      clock,
      reset: Effect.andThen(dbDie(State.reset), faults.clear),
      advanceClock: clock.advance,
      setClock: (at) => clock.set(new Date(at).getTime()),
      requests: log.list,
      clearRequests: log.clear,
      emails: dbDie(Effect.map(Emails.list(), (rows) => rows.map(Emails.toJson))),
      addFault: (fault) =>
        Effect.asVoid(Effect.mapError(faults.add(fault), (cause) => new EmulatorError({ reason: "Fault", message: cause.message, cause }))),
      clearFaults: faults.clear,
      exportState: dbDie(State.exportState(clock.unsafeNow())),
      importState: (data) => provide(loadSeed(data, settings, clock.unsafeNow())),
      exportToFile: (file) =>
        Effect.flatMap(
          dbDie(State.exportState(clock.unsafeNow())),
          (snapshot) =>
            Effect.mapError(
              State.writeFileAtomic(file, JSON.stringify(snapshot, null, 2)),
              (cause) => new EmulatorError({ reason: "Export", message: `cannot write ${file}: ${cause.message}`, cause })
            )
        ),
      run: (effect) => provide(effect)
    }
    return service
  })

/**
 * The emulator as a layer (stopped when the layer's scope closes).
 *
 * @example
 * ```ts
 * import { Emulator } from "@connectycube-effect/emulator"
 * import { Cube } from "@connectycube-effect/http"
 * import { Users } from "@connectycube-effect/users"
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * // the SDK pointed at an emulator that lives as long as the layer
 * const TestLive = Layer.unwrap(
 *   Effect.map(Emulator.Emulator, (emulator) =>
 *     Users.layer.pipe(
 *       Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key", apiUrl: emulator.url }))
 *     ))
 * ).pipe(Layer.provideMerge(Emulator.layer()), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator, EmulatorError> => Layer.effect(Emulator, make(options))

/**
 * A started emulator for plain scripts and tests.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle {
  readonly url: string
  readonly port: number
  readonly emulator: Service
  readonly close: () => Promise<void>
  readonly reset: () => Promise<void>
  readonly advanceClock: (ms: number) => Promise<number>
  readonly requests: () => Promise<ReadonlyArray<RequestLog.Entry>>
  readonly emails: () => Promise<ReadonlyArray<Record<string, unknown>>>
}

/**
 * Starts an emulator and resolves once it listens.
 *
 * @example
 * ```ts
 * import { Emulator } from "@connectycube-effect/emulator"
 *
 * const emu = await Emulator.startEmulator({ apps: [{ id: 7, authKey: "k" }] })
 * const res = await fetch(`${emu.url}/session`, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ application_id: 7, auth_key: "k" })
 * })
 * await emu.close()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const startEmulator = async (options: Options = {}): Promise<Handle> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.provide(make(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    const failure = Cause.findErrorOption(exit.cause)
    throw Option.isSome(failure) ?
      failure.value :
      new EmulatorError({ reason: "Serve", message: Cause.pretty(exit.cause), cause: exit.cause })
  }
  const emulator = exit.value
  let closed: Promise<void> | undefined
  return {
    url: emulator.url,
    port: emulator.port,
    emulator,
    close: () => (closed ??= Effect.runPromise(Scope.close(scope, Exit.void))),
    reset: () => Effect.runPromise(emulator.reset),
    advanceClock: (ms) => Effect.runPromise(emulator.advanceClock(ms)),
    requests: () => Effect.runPromise(emulator.requests),
    emails: () => Effect.runPromise(emulator.emails)
  }
}
