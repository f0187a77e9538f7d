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
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Client from "./api.js"
import { Aborted, ClientDisposed, NotInitialized, withCompat } from "./errors.js"
import type * as Types from "./types.js"

/** @internal */
export type Services = Session.Session | CubeHttpClient.CubeHttpClient | CubeConfig.CubeConfig | Storage.Storage | Users.Users

/** One `init`: its runtime and what the synchronous methods need without running it. */
interface Live {
  readonly runtime: ManagedRuntime.ManagedRuntime<Services, CoreErrors.CubeError>
  /** Set once the layer is built, so `privateUrl`/`setSession` can run synchronously. */
  built: Context.Context<Services> | undefined
  /** The services of `built`, taken out once: a call then runs its method without looking it up. */
  resolved: Resolved | undefined
  /** `setSession` before the layer is built is queued here; calls wait for it. */
  barrier: Promise<void>
  /** No setSession pending: calls need not wait for `barrier`. */
  barrierSettled: boolean
  /** Every call in flight, so `dispose` can cancel them. */
  readonly inflight: Set<Call<any, any>>
  readonly apiUrl: string
  readonly initialToken: string | undefined
  readonly config: Types.Config
}

/** The services a call uses. */
interface Resolved {
  readonly users: Users.Users.Service
  readonly storage: Storage.Storage.Service
  readonly session: Session.Session.Service
}

const resolve = (context: Context.Context<Services>): Resolved => ({
  users: Context.get(context, Users.Users),
  storage: Context.get(context, Storage.Storage),
  session: Context.get(context, Session.Session)
})

/** Before the runtime is built (the first calls after `init`), the services are looked up by the call itself. */
const resolveServices: Effect.Effect<Resolved, never, Services> = Effect.map(Effect.context<Services>(), resolve)

/** What a call runs, given the services. */
type Program<A> = (services: Resolved) => Effect.Effect<A, CoreErrors.CubeError, Services>

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
 * A loop over its keys rather than `{ ...user }`: a decoded `User` holds its 20-odd properties in dictionary mode
 * (they are added one by one to an `Object.create(User.prototype)`), which V8's spread copies about 4x slower;
 * the copy made here is a fast-mode plain object.
 *
 * @internal
 */
export const encodeUser = (user: CoreUser.User): CoreUser.UserJson => {
  const json: Record<string, unknown> = {}
  const keys = Object.keys(user)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const value = (user as unknown as Record<string, unknown>)[key]
    // an assignment to "__proto__" would set the prototype; the spread (and the Schema) define a property
    if (key === "__proto__") Object.defineProperty(json, key, { value, enumerable: true, writable: true, configurable: true })
    else json[key] = value
  }
  return json as unknown as CoreUser.UserJson
}

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

const encodeUsersV2Page = (page: Paging.PageV2<CoreUser.User>): Types.UsersV2Page =>
  encodeUsersV2(page) as unknown as Types.UsersV2Page

/** What the official SDK resolves when its answer has no body. */
const toEmpty = (): "" => ""
const toUndefined = (): undefined => undefined

/** Is this the trailing `{ signal }` argument rather than a parameter object? */
const isCallOptions = (u: unknown): u is Types.CallOptions => {
  if (u === null || typeof u !== "object") return false
  const keys = Object.keys(u)
  return keys.length === 1 && keys[0] === "signal"
}

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
    const calls = [...live.inflight]
    live.inflight.clear()
    live.built = undefined
    live.resolved = undefined
    // A call started on the built runtime is not one of its fibers: the runtime's disposal would not wait for it.
    // Interrupt every call, and wait for them to end before the runtime (and its transport) goes away.
    const ending: Array<Promise<unknown>> = []
    for (const call of calls) {
      call.abort(disposedMarker)
      const fiber = call.fiber
      if (fiber !== undefined) ending.push(new Promise((resume) => fiber.addObserver(resume)))
    }
    return ending.length === 0
      ? live.runtime.dispose()
      : Promise.all(ending).then(() => live.runtime.dispose())
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
      resolved: undefined,
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
        // not once disposed (or replaced by another init): its calls must go through the runtime, which refuses them
        if (state._tag !== "Live" || state.live !== live) return
        live.built = context
        live.resolved = resolve(context)
      },
      () => undefined
    )
  }

  const refuse = (s: State): Promise<never> =>
    Promise.reject(s._tag === "Disposed" ? new ClientDisposed({ inFlight: false }) : new NotInitialized())

  /**
   * Runs a call: `program` on the built runtime's services, its success through `post` (plain code after the
   * fiber, rather than one more effect in it), its failure as the promise rejection. Kept lean, as it runs on
   * every call: one `Call` object, no lookup effect, no `AbortController`.
   */
  const run = <A, B = A>(
    program: Program<A>,
    options: Types.CallOptions | undefined,
    post?: (a: A) => B
  ): Promise<B> => {
    const s = state
    if (s._tag !== "Live") return refuse(s)
    const live = s.live
    const signal = options?.signal
    if (signal?.aborted) return Promise.reject(new Aborted({ reason: signal.reason }))
    const call = new Call<A, B>(live, signal, program, post)
    // Straight away unless a setSession is still being applied (each promise hop is a visible cost per call). A call
    // takes the session current when it is made, as the official SDK's do: a later setSession is for later calls.
    return live.barrierSettled ? call.start() : live.barrier.then(() => call.start())
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

  const userEnvelope = (user: CoreUser.User): Types.UserEnvelope => ({ user: encodeUser(user) as Types.User })
  const blobEnvelope = (blob: CoreBlob.Blob): { blob: Types.Blob } => ({ blob: encodeBlob(blob) as Types.Blob })

  const users: Client.UsersApi = {
    signup: (profile: Types.UserFields, authKey?: string | Types.CallOptions, options?: Types.CallOptions) =>
      run(
        ({ users }) => users.signup(profile as Users.SignupProfile),
        typeof authKey === "object" ? authKey : options,
        userEnvelope
      ),
    update: (changes, options) => run(({ users }) => users.update(changes as Users.ProfileChanges), options, userEnvelope),
    delete: (options) => run(({ users }) => users.delete(), options, toEmpty),
    resetPassword: (email, options) => run(({ users }) => users.resetPassword(email), options, toEmpty),
    getV2: (params?: Types.UsersQuery | Types.CallOptions, options?: Types.CallOptions) => {
      const [input, opts] = params !== undefined && isCallOptions(params) ? [undefined, params] : [params, options]
      const query = (input ?? {}) as Users.Query
      return run(({ users }) => users.getV2(query), opts, encodeUsersV2Page)
    },
    get: (params: Types.UsersGetParams, options?: Types.CallOptions): Promise<any> =>
      run(
        ({ users }) => users.get(params as Users.LookupParams),
        options,
        // The raw V1 body: `{user}` for an id or a lookup, the page (items `[{user}]`) for a list.
        (result: CoreUser.User | Users.PageV1): Types.UserEnvelope | Types.UsersV1Page =>
          result instanceof CoreUser.User
            ? userEnvelope(result)
            : encodeUsersV1(result) as unknown as Types.UsersV1Page
      )
  }

  const storage: Client.StorageApi = {
    createAndUpload: (params, options) =>
      run(
        ({ storage: st }) =>
          st.createAndUpload({
            name: params.name,
            file: (typeof params.file === "string" ? new TextEncoder().encode(params.file) : params.file) as Storage.FileInput,
            type: params.type,
            ...(params.size !== undefined ? { size: params.size } : {}),
            // Private unless asked: the official SDK silently defaults to public, which exposes files by accident.
            public: params.public ?? false
          }),
        options,
        (blob) => encodeBlob(blob) as Types.Blob
      ),
    create: (params, options) =>
      run(
        ({ session }) =>
          session.request({
            method: "POST",
            path: "blobs",
            body: { blob: { name: params.name, content_type: params.content_type, public: params.public } },
            retry: false
          }, CoreBlob.BlobEnvelope),
        options,
        ({ blob }) => blobEnvelope(blob)
      ),
    markUploaded: (params, options) =>
      run(
        ({ session }) =>
          session.execute({ method: "PUT", path: `blobs/${params.id}/complete`, body: { size: Number(params.size) } }),
        options,
        toEmpty
      ),
    getInfo: (id, options) => run(({ storage: st }) => st.get(id), options, blobEnvelope),
    getFile: (uid, options) => run(({ storage: st }) => st.getByUid(uid), options, blobEnvelope),
    list: (params?: Client.ListParams | Types.CallOptions, options?: Types.CallOptions) => {
      const [input, opts] = params !== undefined && isCallOptions(params) ? [undefined, params] : [params, options]
      const list = input as Client.ListParams | undefined
      return run(
        ({ storage: st }) =>
          st.list({
            ...(list?.current_page !== undefined ? { page: list.current_page } : {}),
            ...(list?.per_page !== undefined ? { per_page: list.per_page } : {})
          }),
        opts,
        (page) => encodeBlobPage(page) as unknown as Types.BlobsPage
      )
    },
    delete: (id, options) => run(({ storage: st }) => st.delete(id), options, toEmpty),
    privateUrl: (uid) => blobUrl(uid, "private"),
    publicUrl: (uid) => blobUrl(uid, "public")
  }

  const client: Client.Client = {
    init,
    createSession: (params?: Types.LoginParams | Types.CallOptions, options?: Types.CallOptions) => {
      const [input, opts] = params !== undefined && isCallOptions(params) ? [undefined, params] : [params, options]
      return run(
        ({ session }) => session.create(input as CoreSession.CredentialsInput | undefined),
        opts,
        (created) => encodeSession(created) as Types.Session
      )
    },
    getSession: (options?: Types.CallOptions) =>
      run(({ session }) => session.get, options, (current) => encodeSession(current) as Types.Session),
    login: (params: Types.LoginParams, options?: Types.CallOptions) =>
      run(
        ({ session }) => session.login(params as CoreSession.CredentialsInput),
        options,
        (user) => encodeUser(user) as Types.User
      ),
    logout: (options?: Types.CallOptions) => run(({ session }) => session.logout, options, toEmpty),
    destroySession: (options?: Types.CallOptions) => run(({ session }) => session.destroy, options, toUndefined),
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
 * `AbortController` per call, and the signal's listener itself (`handleEvent`): the call's few closures and
 * objects are a visible share of its cost in test/bench.
 */
class Call<A, B> {
  aborted = false
  reason: unknown = undefined
  /** Set once started. */
  fiber: Fiber.Fiber<A, CoreErrors.CubeError> | undefined = undefined
  private resolve: ((b: B) => void) | undefined = undefined
  private reject: ((error: unknown) => void) | undefined = undefined
  constructor(
    private readonly live: Live,
    private readonly signal: AbortSignal | undefined,
    private readonly program: Program<A>,
    private readonly post: ((a: A) => B) | undefined
  ) {
    signal?.addEventListener("abort", this, { once: true })
    live.inflight.add(this)
  }
  /** The caller's signal aborted. */
  handleEvent(): void {
    this.abort(this.signal?.reason)
  }
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.fiber?.interruptUnsafe()
  }
  start(): Promise<B> {
    return new Promise<B>((resolve, reject) => {
      // aborted (or the client disposed) while waiting for a setSession: never started
      if (this.aborted) {
        this.done()
        return reject(abortRejection(this))
      }
      this.resolve = resolve
      this.reject = reject
      try {
        const live = this.live
        const resolved = live.resolved
        // On the built runtime's context, as `ManagedRuntime.runFork` does, without registering the fiber with the
        // runtime: `dispose` interrupts and awaits the client's calls itself.
        const fiber = resolved !== undefined && live.built !== undefined
          ? Effect.runForkWith(live.built)(this.program(resolved))
          : live.runtime.runFork(Effect.flatMap(resolveServices, this.program))
        this.fiber = fiber
        fiber.addObserver((exit) => this.exit(exit))
      } catch (error) {
        this.done()
        reject(withCompat(error))
      }
    })
  }
  private exit(exit: Exit.Exit<A, CoreErrors.CubeError>): void {
    this.done()
    if (exit._tag === "Failure") return this.reject!(toRejection(exit.cause, this))
    if (this.post === undefined) return this.resolve!(exit.value as unknown as B)
    let value: B
    try {
      value = this.post(exit.value)
    } catch (error) {
      // as a throw inside the fiber would have been: a defect, rejected as is
      return this.reject!(withCompat(error))
    }
    this.resolve!(value)
  }
  private done(): void {
    this.signal?.removeEventListener("abort", this)
    this.live.inflight.delete(this)
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
