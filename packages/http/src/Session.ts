/**
 * The session lifecycle: every way to sign in, `login`/`logout`, `destroy`, and the authenticated
 * execution every service goes through.
 *
 * Expiry is handled once for all callers. The token's expiry is tracked (from `CB-Token-ExpirationDate`,
 * else 2 hours sliding from the last successful call, on `Clock`) and the session is re-created before
 * sending when it has lapsed. When a call still gets 401 "Required session does not exist", the session is
 * re-created with the credentials it was created with and the call is retried once. Re-creation is
 * single-flight: N concurrent calls holding the stale token share one `POST /session`, and a failed
 * re-creation fails every waiter and is not cached (the next call tries again). That gate is
 * `internal/sessionGate.ts`; this module holds the sign-in calls, events and persistence around it.
 *
 * @since 0.1.0
 */
import type { CubeConfig } from "@connectycube-effect/core/CubeConfig"
import * as Errors from "@connectycube-effect/core/Errors"
import * as PushStream from "@connectycube-effect/core/PushStream"
import * as CoreSession from "@connectycube-effect/core/Session"
import * as UserInput from "@connectycube-effect/core/UserInput"
import * as Span from "@connectycube-effect/core/Span"
import { UserEnvelope } from "@connectycube-effect/core/User"
import type { User } from "@connectycube-effect/core/User"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as CubeHttpClient from "./CubeHttpClient.js"
import * as Gate from "./internal/sessionGate.js"
import { SessionStore } from "./SessionStore.js"
import * as SessionStoreModule from "./SessionStore.js"

/**
 * What is known about the current session, without its token.
 *
 * @since 0.1.0
 * @category models
 */
export interface Info {
  readonly sessionId: number
  readonly userId: number | undefined
  readonly kind: "application" | "user"
  /** Epoch millis on this machine's `Clock`. */
  readonly expiresAt: number
  /** How the session would be re-created: `"application"`, `"login"`, `"email"`, `"facebook"`, …, or `"none"`. */
  readonly recreateWith: string
}

/**
 * Lifecycle events. They never carry the token.
 *
 * @since 0.1.0
 * @category models
 */
export type SessionEvent = Data.TaggedEnum<{
  /** A session was created (`create`, or a token was set). */
  Created: { readonly info: Info }
  /** An application session became a user session (`login`). */
  Upgraded: { readonly info: Info }
  /** A user session became an application session (`logout`). */
  Downgraded: { readonly info: Info }
  /** The session was re-created after it expired (or before, when its expiry had passed). */
  Renewed: { readonly info: Info; readonly reason: "expired" | "lapsed" }
  /** The session expired and could not be re-created (no credentials, or the hook gave up). */
  Expired: { readonly sessionId: number | undefined }
  /** `destroy` ended the session. */
  Destroyed: {}
}>

/**
 * @since 0.1.0
 * @category constructors
 */
export const SessionEvent = Data.taggedEnum<SessionEvent>()

/**
 * The official SDK's `config.on.sessionExpired(handleResponse, retry)` hook: call `handleResponse()` to give
 * up (the call fails with `SessionExpired`), or `retry(session)` with a new session to re-send the call.
 * When set, it replaces the automatic re-creation.
 *
 * @since 0.1.0
 * @category models
 */
export type SessionExpiredHook = (
  handleResponse: () => void,
  retry: (session: { readonly token: string; readonly user_id?: number | null | undefined; readonly id?: number }) => void
) => void

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Create an application session on demand when a call needs one and none is held (default true). */
  readonly autoCreate?: boolean | undefined
  /** Token lifetime assumed when the server sends no `CB-Token-ExpirationDate` (default 2 hours). */
  readonly ttl?: Duration.Input | undefined
  /** Renew this long before the tracked expiry (default 1 minute). */
  readonly renewBefore?: Duration.Input | undefined
  /** The compatibility hook; see `SessionExpiredHook`. */
  readonly onSessionExpired?: SessionExpiredHook | undefined
}

/**
 * @example
 * ```ts
 * import { Cube, Session } from "@connectycube-effect/http"
 * import { FetchHttpClient } from "effect/http"
 * import { Console, Effect, Layer, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const session = yield* Session.Session
 *   yield* Effect.forkScoped(Stream.runForEach(session.events, (event) => Console.log(event._tag)))
 *   yield* session.create() // an application session
 *   const user = yield* session.login({ login: "cubeuser", password: "awesomepwd" }) // upgraded
 *   yield* session.logout // downgraded
 *   yield* session.destroy
 *   return user.id
 * })
 *
 * const CubeLive = Cube.layer({ appId: 1, authKey: "key", apiUrl: "http://127.0.0.1:8090" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(CubeLive)))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Session extends Context.Service<Session, Session.Service>()("@connectycube-effect/http/Session") {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Session {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /**
     * `createSession()`: an application session; `createSession(credentials)`: a user session (login/email +
     * password, guest, facebook/twitter, firebase_phone/firebase_email, or a custom identity provider token as
     * `login`). Resolves to the session as the server returned it (with its token).
     */
    readonly create: (
      credentials?: CoreSession.CredentialsInput | undefined
    ) => Effect.Effect<CoreSession.Session, Errors.CubeError>
    /** Upgrades the current (application) session to a user session: `POST /login`. Resolves to the user. */
    readonly login: (credentials: CoreSession.CredentialsInput) => Effect.Effect<User, Errors.CubeError>
    /** Downgrades the user session to an application session: `DELETE /login`. The token is kept. */
    readonly logout: Effect.Effect<void, Errors.CubeError>
    /** Ends the session on the server (`DELETE /session`) and forgets it. A no-op without a session. */
    readonly destroy: Effect.Effect<void, Errors.CubeError>
    /** The session as the server sees it now: `GET /session`. */
    readonly get: Effect.Effect<CoreSession.Session, Errors.CubeError>
    /** What this client holds, without a request. */
    readonly current: Effect.Effect<Option.Option<Info>>
    /** The token held, if any (for URLs such as `privateUrl`). */
    readonly token: Effect.Effect<Option.Option<Redacted.Redacted<string>>>
    /** Uses a token obtained elsewhere (a server of yours minted it). It cannot be re-created when it expires. */
    readonly setSession: (session: {
      readonly token: string | Redacted.Redacted<string>
      readonly id?: number | undefined
      readonly user_id?: number | null | undefined
    }) => Effect.Effect<void>
    /**
     * Tells the session that its user's login, email or password changed (`Users.update` calls it), so that a
     * session re-created after expiry signs in with the new ones.
     */
    readonly credentialsChanged: (changes: {
      readonly login?: string | undefined
      readonly email?: string | undefined
      readonly password?: string | undefined
    }) => Effect.Effect<void>
    /** Every lifecycle event from now on. */
    readonly events: Stream.Stream<SessionEvent>
    /** Sends a call with the session's credential, handling expiry as described above. */
    readonly execute: (request: CubeHttpClient.Request) => Effect.Effect<CubeHttpClient.Response, Errors.CubeError>
    /** `execute`, then decode the body with a Schema. */
    readonly request: <A, I, R>(
      request: CubeHttpClient.Request,
      schema: Schema.Codec<A, I, R>
    ) => Effect.Effect<A, Errors.CubeError, R>
  }
}

type State = Gate.State

const describe = (recreate: Gate.Recreate): string =>
  recreate._tag === "Application"
    ? "application"
    : recreate._tag === "None"
    ? "none"
    : CoreSession.describeCredentials(Redacted.value(recreate.credentials))

const infoOf = (state: State): Info => ({
  sessionId: state.sessionId,
  userId: state.userId,
  kind: state.userId === undefined ? "application" : "user",
  expiresAt: state.expiry.at,
  recreateWith: describe(state.recreate)
})

const decodeCredentials = Schema.decodeUnknownEffect(CoreSession.Credentials, { errors: "first" })

/**
 * What `POST /users` checks of the fields a sign-in sends (core's `UserInput`): `login` is sign-up's login but for
 * its length, as it also carries a Custom Identity Provider token (`CoreSession.SignInLogin`).
 */
const checkSignInFields = Schema.decodeUnknownResult(
  Schema.Struct({
    login: Schema.optional(CoreSession.SignInLogin),
    email: Schema.optional(UserInput.Email),
    password: Schema.optional(UserInput.Password),
    full_name: Schema.optional(UserInput.Text)
  }),
  { errors: "first", onExcessProperty: "ignore" }
)

/**
 * Validates credential input (the typed union, or the seed's flat Firebase keys) before anything is sent.
 *
 * @since 0.1.0
 * @category validation
 */
export const validateCredentials = (
  input: unknown
): Effect.Effect<CoreSession.Credentials, Errors.InvalidInput> =>
  decodeCredentials(CoreSession.normalizeCredentials(input)).pipe(
    Effect.mapError((error) => {
      const o = (input ?? {}) as Record<string, unknown>
      const field = typeof o.provider === "string"
        ? "provider" in o && !["facebook", "twitter", "firebase_phone", "firebase_email"].includes(o.provider)
          ? "provider"
          : o.provider.startsWith("firebase") ? o.provider : "keys"
        : "guest" in o
        ? "guest"
        : "email" in o && !("login" in o)
        ? "email"
        : "login" in o
        ? "login|password"
        : "credentials"
      const reason = field === "credentials"
        ? "expected {login, password}, {email, password}, {guest: \"1\"}, or a provider with its keys"
        : /must not be empty|not an address/.exec(error.message)?.[0] ?? "does not match any credential form"
      return new Errors.InvalidInput({ field, reason })
    }),
    // then sign-up's rules for the fields that make a user (issue 17): a 1 MB login or a lone surrogate is not sent
    Effect.flatMap((credentials) =>
      Effect.fromResult(
        Result.map(
          Result.mapError(checkSignInFields(credentials), (error) => UserInput.toInvalidInput(error)),
          () => credentials
        )
      )
    )
  )

const sessionBody = (appId: number, authKey: string, credentials: CoreSession.Credentials | undefined) => {
  const base = { application_id: appId, auth_key: authKey }
  if (credentials === undefined) return base
  if ("guest" in credentials) {
    return { ...base, user: { guest: "1", ...(credentials.full_name !== undefined ? { full_name: credentials.full_name } : {}) } }
  }
  if ("provider" in credentials) return { ...base, ...credentials }
  return { ...base, user: credentials }
}

const loginBody = (credentials: CoreSession.Credentials) => {
  if ("guest" in credentials) return undefined
  return credentials
}

const decodeSession = CubeHttpClient.decode(CoreSession.SessionEnvelope)
const decodeUser = CubeHttpClient.decode(UserEnvelope)

/**
 * Builds the service. Needs `CubeHttpClient`; uses a `SessionStore` when one is provided (memory otherwise).
 *
 * @example
 * ```ts
 * import { Session } from "@connectycube-effect/http"
 * import { Layer } from "effect"
 *
 * // what Session.layer does, with the official SDK's sessionExpired hook: give up instead of re-creating
 * const SessionLive = Layer.effect(
 *   Session.Session,
 *   Session.make({ onSessionExpired: (handleResponse) => handleResponse() })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Session.Service, never, CubeHttpClient.CubeHttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* CubeHttpClient.CubeHttpClient
    const config: CubeConfig.Service = client.config
    const store = Option.getOrUndefined(yield* Effect.serviceOption(SessionStore)) ??
      (yield* SessionStoreModule.makeMemory)
    const scope = yield* Effect.scope
    const ttl = Duration.toMillis(options.ttl ?? "2 hours")
    const renewBefore = Duration.toMillis(options.renewBefore ?? "1 minute")
    const autoCreate = options.autoCreate ?? true
    // A plain listener set rather than a PubSub: events are rare, and PubSub + Stream.fromPubSub add ~2.5 KB gz to a
    // browser bundle (test/bench/handwritten.bench.ts) for the same delivery cost.
    const listeners = new Set<(event: SessionEvent) => void>()
    const publish = (event: SessionEvent) =>
      Effect.sync(() => {
        for (const listener of listeners) listener(event)
      })
    const events = PushStream.make<SessionEvent>((emit) =>
      Effect.sync(() => {
        listeners.add(emit.single)
        return Effect.sync(() => listeners.delete(emit.single))
      })
    )

    const cell = yield* Ref.make<Gate.Cell>({ state: Option.none(), inflight: Option.none() })

    // Resume a stored session: an application session can be re-created from the config, a user session cannot
    // (its password is never stored), so it is used until the server says it expired.
    const stored = yield* store.load
    if (Option.isSome(stored)) {
      const s = stored.value
      yield* Ref.set(cell, {
        state: Option.some<State>({
          token: Redacted.make(s.token),
          sessionId: s.sessionId,
          userId: s.userId ?? undefined,
          recreate: s.kind === "application" && config.authKey !== undefined
            ? { _tag: "Application" as const }
            : { _tag: "None" as const },
          expiry: { at: s.expiresAt, saved: s.expiresAt }
        }),
        inflight: Option.none()
      })
    }

    const persist = (state: State) => {
      state.expiry.saved = state.expiry.at
      return store.save({
        token: Redacted.value(state.token),
        sessionId: state.sessionId,
        userId: state.userId ?? null,
        kind: state.userId === undefined ? "application" : "user",
        expiresAt: state.expiry.at
      })
    }

    const expiryFrom = (response: CubeHttpClient.Response) =>
      Effect.map(Clock.currentTimeMillis, (now) => response.tokenExpiresAt ?? now + ttl)

    /** POST /session; does not touch the state. */
    const postSession = (credentials: CoreSession.Credentials | undefined) =>
      Effect.gen(function*() {
        if (config.authKey === undefined) {
          return yield* new Errors.InvalidInput({ field: "authKey", reason: "not configured, so no session can be created" })
        }
        const response = yield* client.send({
          method: "POST",
          path: "session",
          body: sessionBody(config.appId, Redacted.value(config.authKey), credentials),
          auth: "none"
        }, undefined)
        const session = (yield* decodeSession(response, { method: "POST", path: "/session.json" })).session
        const state: State = {
          token: Redacted.make(session.token),
          sessionId: session.id,
          userId: CoreSession.isUserSession(session) ? (session.user_id as number) : undefined,
          recreate: credentials === undefined
            ? { _tag: "Application" }
            : "guest" in credentials
            // A guest cannot be signed in again: re-creating would make a different guest user.
            ? { _tag: "None" }
            : { _tag: "Credentials", credentials: Redacted.make(credentials) },
          expiry: { at: yield* expiryFrom(response), saved: 0 }
        }
        return [session, state] as const
      })

    const install = (state: State) =>
      Effect.andThen(
        Ref.update(cell, (c) => ({ ...c, state: Option.some(state) })),
        persist(state)
      )

    const recreate = (state: State | undefined): Effect.Effect<Option.Option<State>, Errors.CubeError> => {
      const how: Gate.Recreate = state?.recreate ?? { _tag: "Application" }
      if (how._tag === "None") return Effect.succeed(Option.none())
      return postSession(how._tag === "Credentials" ? Redacted.value(how.credentials) : undefined).pipe(
        Effect.map(([, next]) => Option.some(next))
      )
    }

    const setSession: Session.Service["setSession"] = (session) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const userId = typeof session.user_id === "number" && session.user_id > 0 ? session.user_id : undefined
        const state: State = {
          token: Redacted.isRedacted(session.token) ? session.token : Redacted.make(session.token),
          sessionId: session.id ?? userId ?? 0,
          userId,
          recreate: { _tag: "None" },
          expiry: { at: now + ttl, saved: 0 }
        }
        yield* install(state)
        yield* publish(SessionEvent.Created({ info: infoOf(state) }))
      })

    const execute = Gate.make<CubeHttpClient.Request, CubeHttpClient.Response>({
      cell,
      send: (request, token) => client.send(request, token),
      expiryFrom,
      recreate,
      renewed: (next, previous, reason) =>
        Effect.andThen(
          persist(next),
          publish(
            previous === undefined
              ? SessionEvent.Created({ info: infoOf(next) })
              : SessionEvent.Renewed({ info: infoOf(next), reason })
          )
        ),
      expired: (state) => publish(SessionEvent.Expired({ sessionId: state.sessionId })),
      persist,
      setSession,
      hook: options.onSessionExpired,
      renewBefore,
      createOnDemand: autoCreate && config.authKey !== undefined,
      scope
    })

    const create = Span.fn("Session.create")(function*(input?: CoreSession.CredentialsInput | undefined) {
      // `null` is not "no credentials": it is refused as InvalidInput below (Object.keys(null) would throw)
      const credentials = input === undefined || (typeof input === "object" && input !== null && Object.keys(input).length === 0)
        ? undefined
        : yield* validateCredentials(input)
      const [session, state] = yield* postSession(credentials)
      yield* install(state)
      yield* publish(SessionEvent.Created({ info: infoOf(state) }))
      return session
    })

    const login = Span.fn("Session.login")(function*(input: CoreSession.CredentialsInput) {
      const credentials = yield* validateCredentials(input)
      const body = loginBody(credentials)
      if (body === undefined) {
        return yield* new Errors.InvalidInput({ field: "guest", reason: "a guest session is created with createSession, not login" })
      }
      const response = yield* execute({ method: "POST", path: "login", body })
      const user = (yield* decodeUser(response, { method: "POST", path: "/login.json" })).user
      const c = yield* Ref.get(cell)
      if (Option.isSome(c.state)) {
        const state: State = {
          ...c.state.value,
          userId: user.id,
          recreate: { _tag: "Credentials", credentials: Redacted.make(credentials) }
        }
        yield* install(state)
        yield* publish(SessionEvent.Upgraded({ info: infoOf(state) }))
      }
      return user
    })

    const logout = Effect.gen(function*() {
      yield* execute({ method: "DELETE", path: "login", retry: false })
      const c = yield* Ref.get(cell)
      if (Option.isSome(c.state)) {
        const state: State = {
          ...c.state.value,
          userId: undefined,
          recreate: config.authKey !== undefined ? { _tag: "Application" } : { _tag: "None" }
        }
        yield* install(state)
        yield* publish(SessionEvent.Downgraded({ info: infoOf(state) }))
      }
    }).pipe(Effect.withSpan("Session.logout"))

    const destroy = Effect.gen(function*() {
      const c = yield* Ref.get(cell)
      if (Option.isNone(c.state)) return
      yield* client.send({ method: "DELETE", path: "session", retry: false }, c.state.value.token).pipe(
        // An already expired session is as good as destroyed.
        Effect.catchIf(Gate.isExpired, () => Effect.void)
      )
      yield* Ref.update(cell, (c2) => ({ ...c2, state: Option.none() }))
      yield* store.clear
      yield* publish(SessionEvent.Destroyed())
    }).pipe(Effect.withSpan("Session.destroy"))

    const get = Effect.flatMap(
      execute({ method: "GET", path: "session" }),
      (response) => Effect.map(decodeSession(response, { method: "GET", path: "/session.json" }), (e) => e.session)
    ).pipe(Effect.withSpan("Session.get"))

    const request = <A, I, R>(req: CubeHttpClient.Request, schema: Schema.Codec<A, I, R>) => {
      const decode = CubeHttpClient.decode(schema)
      return Effect.flatMap(execute(req), (response) => decode(response, { method: req.method, path: `/${req.path}.json` }))
    }

    const credentialsChanged: Session.Service["credentialsChanged"] = (changes) =>
      Effect.flatMap(
        Ref.modify(cell, (c): readonly [Option.Option<State>, Gate.Cell] => {
          const state = Option.getOrUndefined(c.state)
          if (state === undefined || state.recreate._tag !== "Credentials") return [Option.none(), c]
          const old = Redacted.value(state.recreate.credentials)
          if (!("password" in old)) return [Option.none(), c]
          const next = {
            ...old,
            ...(changes.password !== undefined ? { password: changes.password } : {}),
            ...("login" in old && changes.login !== undefined ? { login: changes.login } : {}),
            ...("email" in old && changes.email !== undefined ? { email: changes.email } : {})
          } as CoreSession.Credentials
          const updated: State = { ...state, recreate: { _tag: "Credentials", credentials: Redacted.make(next) } }
          return [Option.some(updated), { ...c, state: Option.some(updated) }]
        }),
        (updated) => (Option.isSome(updated) ? persist(updated.value) : Effect.void)
      )

    return Session.of({
      credentialsChanged,
      create,
      login,
      logout,
      destroy,
      get,
      current: Effect.map(Ref.get(cell), (c) => Option.map(c.state, infoOf)),
      token: Effect.map(Ref.get(cell), (c) => Option.map(c.state, (s) => s.token)),
      setSession,
      events,
      execute,
      request
    })
  })

/**
 * The layer. Needs `CubeHttpClient`; provide a `SessionStore` layer to persist the session.
 *
 * @example
 * ```ts
 * import { CubeHttpClient, Session } from "@connectycube-effect/http"
 * import { Layer } from "effect"
 *
 * const SessionLive = Session.layer({ ttl: "2 hours" }).pipe(Layer.provideMerge(CubeHttpClient.layer()))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Session, never, CubeHttpClient.CubeHttpClient> =>
  Layer.effect(Session, make(options))
