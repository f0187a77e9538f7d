import * as CubeConfig from "@connectycube-effect/core/CubeConfig"
import * as CoreBlob from "@connectycube-effect/core/Blob"
import * as CoreErrors from "@connectycube-effect/core/Errors"
import type * as Paging from "@connectycube-effect/core/Paging"
import * as CoreSession from "@connectycube-effect/core/Session"
import * as CoreUser from "@connectycube-effect/core/User"
import * as Cube from "@connectycube-effect/http/Cube"
import type * as CubeHttpClient from "@connectycube-effect/http/CubeHttpClient"
import * as Session from "@connectycube-effect/http/Session"
import * as Storage from "@connectycube-effect/storage/Storage"
import * as Users from "@connectycube-effect/users/Users"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Client from "../Client.js"
import { Aborted, ClientDisposed, NotInitialized, withCompat } from "../Errors.js"
import type * as Types from "../Types.js"

/** @internal */
export type Services = Session.Session | CubeHttpClient.CubeHttpClient | CubeConfig.CubeConfig | Storage.Storage | Users.Users

/** One `init`: its runtime and what the synchronous methods need without running it. */
interface Live {
  readonly runtime: ManagedRuntime.ManagedRuntime<Services, CoreErrors.CubeError>
  /** Set once the layer is built, so `privateUrl`/`setSession` can run synchronously. */
  built: Context.Context<Services> | undefined
  /** `setSession` before the layer is built is queued here; calls wait for it. */
  barrier: Promise<void>
  /** No setSession pending: calls need not wait for `barrier`. */
  barrierSettled: boolean
  /** Every call in flight, so `dispose` can cancel them. */
  readonly inflight: Set<Call>
  readonly apiUrl: string
  readonly initialToken: string | undefined
  readonly config: Types.Config
}

type State =
  | { readonly _tag: "Idle" }
  | { readonly _tag: "Live"; readonly live: Live }
  | { readonly _tag: "Disposed" }

const encodeSession = Schema.encodeSync(CoreSession.Session)
const encodeBlob = Schema.encodeSync(CoreBlob.Blob)
const encodeBlobPage = Schema.encodeSync(Storage.BlobPage)

/**
 * A `User`'s JSON. Its Schema has no transformations (its `Encoded` is its fields as they are), so a copy of the
 * instance's own properties equals `Schema.encodeSync(User)` (a test checks it on arbitrary users) at a
 * fraction of the cost: a page of users is the most common answer of the adapter.
 *
 * @internal
 */
export const encodeUser = (user: CoreUser.User): CoreUser.UserJson => ({ ...user })

/** @internal */
export const encodeUsersV2 = (page: Paging.PageV2<CoreUser.User>): Paging.PageV2<CoreUser.UserJson> => ({
  ...page,
  items: page.items.map(encodeUser)
})

/** @internal */
export const encodeUsersV1 = (page: Users.PageV1): Paging.PageV1<"user", CoreUser.UserJson> => ({
  ...page,
  items: page.items.map((item) => ({ ...item, user: encodeUser(item.user) }))
})

/** Is this the trailing `{ signal }` argument rather than a parameter object? */
const isCallOptions = (u: unknown): u is Types.CallOptions =>
  u !== null && typeof u === "object" && Object.keys(u).length > 0 && Object.keys(u).every((k) => k === "signal")

const apiUrlOf = (config: Types.Config | undefined): string | undefined => {
  const endpoints = config?.endpoints
  if (endpoints?.api_url !== undefined && endpoints.api_url !== "") return endpoints.api_url
  if (endpoints?.api !== undefined && endpoints.api !== "") return `https://${endpoints.api}`
  return undefined
}

/** @internal */
export const make = (
  options: Client.ClientOptions,
  defaultTransport: Layer.Layer<HttpClient.HttpClient>
): Client.Client => {
  // Client-local state (one per client object, never module-level).
  let state: State = { _tag: "Idle" }

  const transport: Layer.Layer<HttpClient.HttpClient> = options.layer ??
    (options.fetch !== undefined
      ? FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, options.fetch)))
      : defaultTransport)

  const shutdown = (live: Live): Promise<void> => {
    for (const call of live.inflight) call.abort(disposedMarker)
    live.inflight.clear()
    return live.runtime.dispose()
  }

  const init = (credentials: Types.Credentials, config: Types.Config = {}): void => {
    const token = typeof credentials?.token === "string" && credentials.token !== "" ? credentials.token : undefined
    const apiUrl = apiUrlOf(config)
    const timeout = typeof config.timeout === "number" && config.timeout > 0 ? config.timeout : undefined
    const configOptions: CubeConfig.Options = {
      appId: credentials?.appId,
      // A token-only init keeps no auth key, as in the official SDK: then no session can be created.
      authKey: token === undefined && credentials?.authKey !== "" ? credentials?.authKey : undefined,
      apiUrl,
      timeout
    }
    // Validate now, so a wrong appId or api_url throws at init instead of at the first call.
    const validated = Effect.runSync(Effect.result(CubeConfig.make(configOptions)))
    if (Result.isFailure(validated)) throw withCompat(validated.failure)

    // Looked up at expiry time, so reassigning `config.on.sessionExpired` after init takes effect.
    const onSessionExpired: Session.SessionExpiredHook = (handleResponse, retry) => {
      const current = config.on?.sessionExpired
      if (typeof current !== "function") return handleResponse()
      try {
        current(handleResponse, (session) => retry(session as Parameters<typeof retry>[0]))
      } catch {
        handleResponse()
      }
    }
    const cube = Layer.mergeAll(Storage.layer, Users.layer).pipe(
      Layer.provideMerge(Cube.layer({
        ...configOptions,
        ...(options.retry !== undefined ? { retry: options.retry } : {}),
        ...(typeof config.on?.sessionExpired === "function" ? { onSessionExpired } : {})
      }))
    )
    const seeded = token === undefined
      ? cube
      : Layer.effectDiscard(Effect.flatMap(Session.Session, (session) => session.setSession({ token }))).pipe(
        Layer.provideMerge(cube)
      )
    const withTransport: Layer.Layer<Services, CoreErrors.CubeError> = seeded.pipe(Layer.provide(transport))
    // A caller's fetch is also in every call's context, for code that reads `FetchHttpClient.Fetch` at request time;
    // not with a `layer`, which wins over `fetch` (a fetch-based layer would read the caller's fetch from there).
    const runtime = ManagedRuntime.make(
      options.fetch === undefined || options.layer !== undefined
        ? withTransport
        : withTransport.pipe(Layer.provideMerge(Layer.succeed(FetchHttpClient.Fetch, options.fetch)))
    )
    const live: Live = {
      runtime,
      built: undefined,
      barrier: Promise.resolve(),
      barrierSettled: true,
      inflight: new Set(),
      apiUrl: validated.success.apiUrl,
      initialToken: token,
      config
    }
    const previous = state
    state = { _tag: "Live", live }
    if (previous._tag === "Live") void shutdown(previous.live)
    // Build now (in the background) rather than on the first call: the synchronous methods need it built.
    runtime.context().then(
      (context) => {
        live.built = context
      },
      () => undefined
    )
  }

  const refuse = (s: State): Promise<never> =>
    Promise.reject(s._tag === "Disposed" ? new ClientDisposed({ inFlight: false }) : new NotInitialized())

  const run = <A>(effect: Effect.Effect<A, CoreErrors.CubeError, Services>, options: Types.CallOptions | undefined): Promise<A> => {
    const s = state
    if (s._tag !== "Live") return refuse(s)
    const live = s.live
    const signal = options?.signal
    if (signal?.aborted) return Promise.reject(new Aborted({ reason: signal.reason }))
    const call = new Call()
    const onAbort = () => call.abort(signal?.reason)
    signal?.addEventListener("abort", onAbort, { once: true })
    live.inflight.add(call)
    const done = () => {
      signal?.removeEventListener("abort", onAbort)
      live.inflight.delete(call)
    }
    const start = () =>
      new Promise<A>((resolve, reject) => {
        // aborted (or the client disposed) while waiting for a setSession: never started
        if (call.aborted) {
          done()
          return reject(abortRejection(call))
        }
        try {
          const fiber = live.runtime.runFork(effect)
          fiber.addObserver((exit) => {
            done()
            if (Exit.isSuccess(exit)) resolve(exit.value)
            else reject(toRejection(exit.cause, call))
          })
          call.onAbort(() => fiber.interruptUnsafe())
        } catch (error) {
          done()
          reject(error)
        }
      })
    // Straight away unless a setSession is still being applied (each promise hop is a visible cost per call). A call
    // takes the session current when it is made, as the official SDK's do: a later setSession is for later calls.
    return live.barrierSettled ? start() : live.barrier.then(start)
  }

  const sync = <A>(effect: Effect.Effect<A, never, Services>): Option.Option<A> => {
    if (state._tag !== "Live" || state.live.built === undefined) return Option.none()
    return Option.some(Effect.runSyncWith(state.live.built)(effect))
  }

  const withSession = <A, E>(f: (session: Session.Session.Service) => Effect.Effect<A, E, Services>) =>
    Effect.flatMap(Session.Session, f)

  const withStorage = <A, E>(f: (storage: Storage.Storage.Service) => Effect.Effect<A, E, Services>) =>
    Effect.flatMap(Storage.Storage, f)

  /** `privateUrl`/`publicUrl` are synchronous, as in the official SDK: they run on the built runtime. */
  const blobUrl = (uid: string, kind: "private" | "public"): string => {
    const s = state
    if (s._tag !== "Live") throw s._tag === "Disposed" ? new ClientDisposed({ inFlight: false }) : new NotInitialized()
    const built = sync(Effect.result(withStorage((st) => kind === "private" ? st.privateUrl(uid) : st.publicUrl(uid))))
    if (Option.isSome(built)) {
      if (Result.isSuccess(built.value)) return built.value.success
      if (built.value.failure.field !== "session") throw withCompat(built.value.failure)
    }
    // the check the built path makes, so a call does not answer a URL or throw depending on timing
    if (!CoreBlob.isUid(uid)) throw withCompat(new CoreErrors.InvalidInput({ field: "uid", reason: CoreBlob.UID_REASON }))
    const base = `${s.live.apiUrl}/blobs/${encodeURIComponent(uid)}`
    if (kind === "public") return base
    // Before the runtime is built only an init token can be held; without any, `token=undefined` as the official SDK.
    const token = s.live.initialToken
    return `${base}?token=${token === undefined ? "undefined" : encodeURIComponent(token)}`
  }

  const withUsers = <A, E>(f: (users: Users.Users.Service) => Effect.Effect<A, E, Services>) =>
    Effect.flatMap(Users.Users, f)

  const userEnvelope = (user: CoreUser.User): Types.UserEnvelope => ({ user: encodeUser(user) as Types.User })

  const users: Client.UsersApi = {
    signup: (profile: Types.UserFields, authKey?: string | Types.CallOptions, options?: Types.CallOptions) =>
      run(
        withUsers((u) => Effect.map(u.signup(profile as Users.SignupProfile), userEnvelope)),
        typeof authKey === "object" ? authKey : options
      ),
    update: (changes, options) =>
      run(withUsers((u) => Effect.map(u.update(changes as Users.ProfileChanges), userEnvelope)), options),
    delete: (options) => run(withUsers((u) => Effect.as(u.delete(), "")), options),
    resetPassword: (email, options) => run(withUsers((u) => Effect.as(u.resetPassword(email), "")), options),
    getV2: (params?: Types.UsersQuery | Types.CallOptions, options?: Types.CallOptions) => {
      const [input, opts] = params !== undefined && isCallOptions(params) ? [undefined, params] : [params, options]
      return run(
        withUsers((u) =>
          Effect.map(u.getV2((input ?? {}) as Users.Query), (page) => encodeUsersV2(page) as unknown as Types.UsersV2Page)
        ),
        opts
      )
    },
    get: (params: Types.UsersGetParams, options?: Types.CallOptions): Promise<any> =>
      run(
        withUsers((u) =>
          Effect.map(
            u.get(params as Users.LookupParams),
            // The raw V1 body: `{user}` for an id or a lookup, the page (items `[{user}]`) for a list.
            (result: CoreUser.User | Users.PageV1): Types.UserEnvelope | Types.UsersV1Page =>
              result instanceof CoreUser.User
                ? userEnvelope(result)
                : encodeUsersV1(result) as unknown as Types.UsersV1Page
          )
        ),
        options
      )
  }

  const storage: Client.StorageApi = {
    createAndUpload: (params, options) =>
      run(
        withStorage((st) =>
          st.createAndUpload({
            name: params.name,
            file: (typeof params.file === "string" ? new TextEncoder().encode(params.file) : params.file) as Storage.FileInput,
            type: params.type,
            ...(params.size !== undefined ? { size: params.size } : {}),
            // Private unless asked: the official SDK silently defaults to public, which exposes files by accident.
            public: params.public ?? false
          })
        ).pipe(Effect.map((blob) => encodeBlob(blob) as Types.Blob)),
        options
      ),
    create: (params, options) =>
      run(
        withSession((s) =>
          s.request({
            method: "POST",
            path: "blobs",
            body: { blob: { name: params.name, content_type: params.content_type, public: params.public } },
            retry: false
          }, CoreBlob.BlobEnvelope)
        ).pipe(Effect.map(({ blob }) => ({ blob: encodeBlob(blob) as Types.Blob }))),
        options
      ),
    markUploaded: (params, options) =>
      run(
        withSession((s) =>
          s.execute({ method: "PUT", path: `blobs/${params.id}/complete`, body: { size: Number(params.size) } })
        ).pipe(Effect.as("")),
        options
      ),
    getInfo: (id, options) =>
      run(withStorage((st) => Effect.map(st.get(id), (blob) => ({ blob: encodeBlob(blob) as Types.Blob }))), options),
    getFile: (uid, options) =>
      run(withStorage((st) => Effect.map(st.getByUid(uid), (blob) => ({ blob: encodeBlob(blob) as Types.Blob }))), options),
    list: (params?: Client.ListParams | Types.CallOptions, options?: Types.CallOptions) => {
      const [input, opts] = params !== undefined && isCallOptions(params) ? [undefined, params] : [params, options]
      const list = input as Client.ListParams | undefined
      return run(
        withStorage((st) =>
          st.list({
            ...(list?.current_page !== undefined ? { page: list.current_page } : {}),
            ...(list?.per_page !== undefined ? { per_page: list.per_page } : {})
          })
        ).pipe(Effect.map((page) => encodeBlobPage(page) as unknown as Types.BlobsPage)),
        opts
      )
    },
    delete: (id, options) => run(withStorage((st) => Effect.as(st.delete(id), "")), options),
    privateUrl: (uid) => blobUrl(uid, "private"),
    publicUrl: (uid) => blobUrl(uid, "public")
  }

  const client: Client.Client = {
    init,
    createSession: (params?: Types.LoginParams | Types.CallOptions, options?: Types.CallOptions) => {
      const [input, opts] = params !== undefined && isCallOptions(params) ? [undefined, params] : [params, options]
      return run(
        withSession((s) => s.create(input as CoreSession.CredentialsInput | undefined)).pipe(
          Effect.map((session) => encodeSession(session) as Types.Session)
        ),
        opts
      )
    },
    getSession: (options?: Types.CallOptions) =>
      run(withSession((s) => Effect.map(s.get, (session) => encodeSession(session) as Types.Session)), options),
    login: (params: Types.LoginParams, options?: Types.CallOptions) =>
      run(
        withSession((s) => Effect.map(s.login(params as CoreSession.CredentialsInput), (user) => encodeUser(user) as Types.User)),
        options
      ),
    logout: (options?: Types.CallOptions) => run(withSession((s) => Effect.as(s.logout, "")), options),
    destroySession: (options?: Types.CallOptions) => run(withSession((s) => Effect.as(s.destroy, undefined)), options),
    setSession: (session: { token: string; user_id?: number | null | undefined; id?: number | undefined }) => {
      const s = state
      if (s._tag !== "Live") throw s._tag === "Disposed" ? new ClientDisposed({ inFlight: false }) : new NotInitialized()
      const set = withSession((x) => x.setSession(session))
      const live = s.live
      // at once when nothing is pending; else after what is, so that the last setSession wins
      if (live.barrierSettled && Option.isSome(sync(set))) return
      const barrier = live.barrier.then(() => live.runtime.runPromise(set)).catch(() => undefined)
      live.barrier = barrier
      live.barrierSettled = false
      void barrier.then(() => {
        if (live.barrier === barrier) live.barrierSettled = true
      })
    },
    users,
    storage,
    get config() {
      return state._tag === "Live" ? state.live.config : {}
    },
    dispose: () => {
      const s = state
      state = { _tag: "Disposed" }
      return s._tag === "Live" ? shutdown(s.live) : Promise.resolve()
    },
  } as Omit<Client.Client, typeof Symbol.asyncDispose> as Client.Client
  // Where the runtime has no `Symbol.asyncDispose` yet, under the key TypeScript's `await using` helper falls back to.
  Object.defineProperty(client, asyncDisposeKey, { value: () => client.dispose(), enumerable: false })

  // `createClient({ credentials })` is ready to use at once, like `createClient()` + `init`.
  if (options.credentials !== undefined) init(options.credentials, options.config)
  return client
}

const asyncDisposeKey: symbol = (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for("Symbol.asyncDispose")

/** The reason the client aborts its own calls with, to tell "disposed" from "the caller aborted". */
const disposedMarker: unique symbol = Symbol.for("@connectycube-effect/promise/disposed")

/**
 * One call in flight, abortable by the caller's signal or by `dispose`. A plain object rather than an
 * `AbortController` per call: that cost a noticeable share of a call in test/bench.
 */
class Call {
  aborted = false
  reason: unknown = undefined
  private cancel: (() => void) | undefined
  /** Runs `f` on abort (at once when already aborted). */
  onAbort(f: () => void): void {
    if (this.aborted) f()
    else this.cancel = f
  }
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.cancel?.()
  }
}

/** Aborted by the caller, or by `dispose`. */
const abortRejection = (signal: { readonly reason: unknown }): unknown =>
  signal.reason === disposedMarker ? new ClientDisposed({ inFlight: true }) : new Aborted({ reason: signal.reason })

/** An exit's failure as the promise rejection: the tagged error with `code`/`info`. */
const toRejection = (cause: Cause.Cause<unknown>, signal: { readonly aborted: boolean; readonly reason: unknown }): unknown => {
  if (Cause.hasInterruptsOnly(cause) || (signal.aborted && Cause.hasInterrupts(cause))) return abortRejection(signal)
  return withCompat(Cause.squash(cause))
}

/** @internal */
export const tokenOf = (token: Option.Option<Redacted.Redacted<string>>): string | undefined =>
  Option.getOrUndefined(Option.map(token, Redacted.value))
