/**
 * Where the session token is kept between process runs. In memory by default; `layerKeyValueStore`
 * keeps it in any `effect/persistence` `KeyValueStore` (a file system directory in Node, `localStorage`
 * in a browser), so a restart resumes the session instead of signing the user in again.
 *
 * Only the token and what is needed to use it are stored, never the password it was created with.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as KeyValueStore from "effect/persistence/KeyValueStore"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category schemas
 */
export const StoredSession = /* @__PURE__ */ (() =>
  // A pure IIFE: bundles that never persist the session (no layerKeyValueStore) drop the Schema.
  Schema.Struct({
    token: Schema.String,
    sessionId: Schema.Number,
    userId: Schema.NullOr(Schema.Number),
    kind: Schema.Literals(["application", "user"]),
    /** Epoch millis on the client's clock. */
    expiresAt: Schema.Number
  }))()

/**
 * @since 0.1.0
 * @category models
 */
export type StoredSession = typeof StoredSession.Type

/**
 * @example
 * ```ts
 * import { SessionStore } from "@connectycube-effect/http"
 * import { Effect, Layer, Option } from "effect"
 *
 * // a store of your own (provide it to Cube.layer): here, one that never keeps anything
 * const Forgetful = Layer.succeed(
 *   SessionStore.SessionStore,
 *   SessionStore.SessionStore.of({
 *     load: Effect.succeed(Option.none()),
 *     save: () => Effect.void,
 *     clear: Effect.void
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class SessionStore extends Context.Service<SessionStore, SessionStore.Service>()(
  "@connectycube-effect/http/SessionStore"
) {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace SessionStore {
  /**
   * Persistence failures never fail an API call: the store swallows (and logs) them.
   *
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    readonly load: Effect.Effect<Option.Option<StoredSession>>
    readonly save: (session: StoredSession) => Effect.Effect<void>
    readonly clear: Effect.Effect<void>
  }
}

/**
 * A store in memory (the default): nothing survives the process.
 *
 * @example
 * ```ts
 * import { SessionStore } from "@connectycube-effect/http"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* SessionStore.makeMemory
 *   yield* store.save({ token: "t", sessionId: 1, userId: null, kind: "application", expiresAt: Date.now() + 7_200_000 })
 *   return yield* store.load // Option.some({ token: "t", ... })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<SessionStore.Service> = Effect.map(
  Ref.make(Option.none<StoredSession>()),
  (ref) =>
    SessionStore.of({
      load: Ref.get(ref),
      save: (session) => Ref.set(ref, Option.some(session)),
      clear: Ref.set(ref, Option.none())
    })
)

/**
 * @example
 * ```ts
 * import { Cube, SessionStore } from "@connectycube-effect/http"
 * import { FetchHttpClient } from "effect/http"
 * import { Layer } from "effect"
 *
 * const CubeLive = Cube.layer({ appId: 1, authKey: "key" }).pipe(
 *   Layer.provide(SessionStore.layerMemory),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<SessionStore> = Layer.effect(SessionStore, makeMemory)

/**
 * A store over a `KeyValueStore`.
 *
 * @example
 * ```ts
 * import { SessionStore } from "@connectycube-effect/http"
 * import { NodeServices } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { KeyValueStore } from "effect/persistence"
 *
 * const Store = SessionStore.layerKeyValueStore().pipe(
 *   Layer.provide(KeyValueStore.layerFileSystem(".cube-session")),
 *   Layer.provide(NodeServices.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerKeyValueStore = (
  options: { readonly key?: string } = {}
): Layer.Layer<SessionStore, never, KeyValueStore.KeyValueStore> =>
  Layer.effect(
    SessionStore,
    Effect.gen(function*() {
      const key = options.key ?? "connectycube-session"
      const store = KeyValueStore.toSchemaStore(yield* KeyValueStore.KeyValueStore, StoredSession)
      const quiet = <A>(effect: Effect.Effect<A, unknown>, fallback: A) =>
        // Only the failure's tag is logged: a parse error would echo the stored token.
        Effect.catchCause(effect, (cause) => {
          const reason = cause.reasons[0]
          return Effect.as(
            Effect.logWarning(
              "SessionStore: persistence failed",
              reason === undefined
                ? "empty"
                : reason._tag === "Fail"
                ? String((reason.error as { _tag?: unknown })?._tag ?? "error")
                : reason._tag
            ),
            fallback
          )
        })
      return SessionStore.of({
        load: quiet(store.get(key), Option.none()),
        save: (session) => quiet(store.set(key, session), undefined),
        clear: quiet(store.remove(key), undefined)
      })
    })
  )
