/**
 * A client with the official `connectycube` SDK's REST surface (sessions, users, storage), returning plain
 * promises of plain JSON, built on the Effect SDK: one `ManagedRuntime` per client, every call a fiber that
 * the caller's `AbortSignal` interrupts, typed errors that also carry the official `{code, info}`.
 *
 * @since 0.1.0
 */
import { layer as defaultTransport } from "#transport"
import type { Client, ClientOptions } from "./internal/api.js"
import * as internal from "./internal/client.js"

export {
  /** @since 0.1.0 */
  type Client,
  /** @since 0.1.0 */
  type ClientOptions,
  /** @since 0.1.0 */
  type ListParams,
  /** @since 0.1.0 */
  type StorageApi,
  /** @since 0.1.0 */
  type UsersApi
} from "./internal/api.js"

/**
 * A new, independent client: its own runtime, session and config. Pass `credentials` to have it initialised,
 * or call `init` later.
 *
 * @example
 * ```ts
 * import { createClient } from "@connectycube-effect/promise"
 *
 * await using cube = createClient({
 *   credentials: { appId: 1, authKey: "key" },
 *   config: { endpoints: { api_url: "http://127.0.0.1:8090" } }
 * })
 * const session = await cube.createSession({ login: "cubeuser", password: "awesomepwd" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const createClient = (options: ClientOptions = {}): Client => internal.make(options, defaultTransport)
