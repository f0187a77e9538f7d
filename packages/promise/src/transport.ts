/**
 * The default transport outside Node (browsers, Deno, Bun, workers, React Native): the global `fetch`.
 * Selected by the `#transport` import's `default` condition.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import type * as Layer from "effect/Layer"

/**
 * @example
 * ```ts
 * import { layer } from "@connectycube-effect/promise/transport"
 * import { createClient } from "@connectycube-effect/promise"
 *
 * const client = createClient({ credentials: { appId: 1, authKey: "key" }, layer })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer
