/**
 * A drop-in for the official `connectycube` SDK's REST part, in plain promises:
 *
 * ```ts
 * import ConnectyCube from "@connectycube-effect/promise"
 *
 * ConnectyCube.init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * const session = await ConnectyCube.createSession({ login: "cubeuser", password: "awesomepwd" })
 * ```
 *
 * The default export is one client; `createClient` makes independent ones. Every method is also a named
 * export bound to the default client, so `require("@connectycube-effect/promise").init(…)` works from CommonJS
 * as well as `.default.init(…)`.
 *
 * @since 0.1.0
 */
import type { Client } from "./Client.js"
import { createClient } from "./Client.js"

export {
  /** @since 0.1.0 */
  type Client,
  /** @since 0.1.0 */
  type ClientOptions,
  /** @since 0.1.0 */
  createClient,
  /** @since 0.1.0 */
  type ListParams,
  /** @since 0.1.0 */
  type StorageApi,
  /** @since 0.1.0 */
  type UsersApi
} from "./Client.js"

export {
  /** @since 0.1.0 */
  Aborted,
  /** @since 0.1.0 */
  BadRequest,
  /** @since 0.1.0 */
  ClientDisposed,
  /** @since 0.1.0 */
  type Compat,
  /** @since 0.1.0 */
  DecodeError,
  /** @since 0.1.0 */
  Forbidden,
  /** @since 0.1.0 */
  InvalidInput,
  /** @since 0.1.0 */
  isCubeError,
  /** @since 0.1.0 */
  NotFound,
  /** @since 0.1.0 */
  NotInitialized,
  /** @since 0.1.0 */
  type PromiseError,
  /** @since 0.1.0 */
  RateLimited,
  /** @since 0.1.0 */
  ServerError,
  /** @since 0.1.0 */
  SessionExpired,
  /** @since 0.1.0 */
  Timeout,
  /** @since 0.1.0 */
  TransportError,
  /** @since 0.1.0 */
  Unauthorized,
  /** @since 0.1.0 */
  ValidationError
} from "./Errors.js"

/**
 * @since 0.1.0
 */
export type * as Types from "./Types.js"

/**
 * The default client, created here without a runtime: `init` builds one.
 *
 * @example
 * ```ts
 * import ConnectyCube from "@connectycube-effect/promise"
 *
 * ConnectyCube.init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * ConnectyCube.createSession().then((session) => {}).catch((error) => {})
 * ```
 *
 * @since 0.1.0
 * @category clients
 */
const ConnectyCube: Client = createClient()

export default ConnectyCube

/**
 * The default client's `init`.
 *
 * @example
 * ```ts
 * const { init } = require("@connectycube-effect/promise")
 * init({ appId: 1, authKey: "key" })
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const init: Client["init"] = ConnectyCube.init

/**
 * The default client's `createSession`.
 *
 * @since 0.1.0
 * @category default client
 */
export const createSession: Client["createSession"] = ConnectyCube.createSession

/**
 * The default client's `getSession`.
 *
 * @since 0.1.0
 * @category default client
 */
export const getSession: Client["getSession"] = ConnectyCube.getSession

/**
 * The default client's `login`.
 *
 * @since 0.1.0
 * @category default client
 */
export const login: Client["login"] = ConnectyCube.login

/**
 * The default client's `logout`.
 *
 * @since 0.1.0
 * @category default client
 */
export const logout: Client["logout"] = ConnectyCube.logout

/**
 * The default client's `destroySession`.
 *
 * @since 0.1.0
 * @category default client
 */
export const destroySession: Client["destroySession"] = ConnectyCube.destroySession

/**
 * The default client's `setSession`.
 *
 * @since 0.1.0
 * @category default client
 */
export const setSession: Client["setSession"] = ConnectyCube.setSession

/**
 * The default client's `users`.
 *
 * @since 0.1.0
 * @category default client
 */
export const users: Client["users"] = ConnectyCube.users

/**
 * The default client's `storage`.
 *
 * @since 0.1.0
 * @category default client
 */
export const storage: Client["storage"] = ConnectyCube.storage

/**
 * The default client's `dispose`.
 *
 * @since 0.1.0
 * @category default client
 */
export const dispose: Client["dispose"] = ConnectyCube.dispose
