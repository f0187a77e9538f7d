/**
 * The default transport in Node: Node's own `node:http` / `node:https` through the SDK's `NodeClient` (keep-alive
 * agents, released with the client). Selected by the `#transport` import's `node` condition.
 *
 * It loads nothing but Node's built-ins (no npm undici, no `@effect/platform-node`), so a process starts faster,
 * and it works in any bundle as it is: an ES module bundle needs no `require` banner.
 *
 * undici stays available: pass `layer: UndiciClient.layer` (`@connectycube-effect/http/UndiciClient`, which needs
 * `@effect/platform-node`) to `createClient`; or `layer: FetchHttpClient.layer` for the global `fetch`.
 *
 * @since 0.1.0
 */
import * as NodeClient from "@connectycube-effect/http/NodeClient"
import type * as HttpClient from "effect/http/HttpClient"
import type * as Layer from "effect/Layer"

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
export const layer: Layer.Layer<HttpClient.HttpClient> = NodeClient.layer
