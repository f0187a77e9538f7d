/**
 * The default transport in Node: undici through the SDK's `UndiciClient` (its own connection pool, released
 * with the client; lighter per call than `NodeHttpClient.layerUndici`). `@effect/platform-node` is an optional peer, so it is loaded on demand and the
 * global `fetch` is used when it is not installed. Selected by the `#transport` import's `node` condition.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * @example
 * ```ts
 * import { layer } from "@connectycube-effect/promise/transport.node"
 * import { createClient } from "@connectycube-effect/promise"
 *
 * const client = createClient({ credentials: { appId: 1, authKey: "key" }, layer })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.tryPromise(() => import("@connectycube-effect/http/UndiciClient")).pipe(
    Effect.map((UndiciClient): Layer.Layer<HttpClient.HttpClient> => UndiciClient.layer),
    Effect.orElseSucceed(() => FetchHttpClient.layer)
  )
)

/**
 * Which transport this is, for diagnostics and tests.
 *
 * @since 0.1.0
 * @category constants
 */
export const name: string = "undici"
