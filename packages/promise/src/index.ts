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
 * @packageDocumentation
 * @module @connectycube-effect/promise
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
  type CompatClass,
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
 * @example
 * ```ts
 * import { createSession, init } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * const session = await createSession({ login: "cubeuser", password: "awesomepwd" })
 * console.log(session.token, session.user_id)
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const createSession: Client["createSession"] = ConnectyCube.createSession

/**
 * The default client's `getSession`.
 *
 * @example
 * ```ts
 * import { init, getSession } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * const session = await getSession()
 * console.log(session.user_id)
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const getSession: Client["getSession"] = ConnectyCube.getSession

/**
 * The default client's `login`.
 *
 * @example
 * ```ts
 * import { createSession, init, login } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * await createSession()
 * const user = await login({ login: "cubeuser", password: "awesomepwd" })
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const login: Client["login"] = ConnectyCube.login

/**
 * The default client's `logout`.
 *
 * @example
 * ```ts
 * import { init, logout } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * await logout() // "": the session is an application session again
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const logout: Client["logout"] = ConnectyCube.logout

/**
 * The default client's `destroySession`.
 *
 * @example
 * ```ts
 * import { init, destroySession } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * await destroySession()
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const destroySession: Client["destroySession"] = ConnectyCube.destroySession

/**
 * The default client's `setSession`.
 *
 * @example
 * ```ts
 * import { init, setSession } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * // a token minted by your server
 * setSession({ token: "83153a14fb2df777c2f866178902a4bb15000001", user_id: 81 })
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const setSession: Client["setSession"] = ConnectyCube.setSession

/**
 * The default client's `users`.
 *
 * @example
 * ```ts
 * import { init, users } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * const { user } = await users.signup({ login: "marvin18", password: "supersecurepwd" })
 * const page = await users.getV2({ login: "marvin18" })
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const users: Client["users"] = ConnectyCube.users

/**
 * The default client's `storage`.
 *
 * @example
 * ```ts
 * import { init, storage } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * const blob = await storage.createAndUpload({ name: "hello.txt", file: "hello world", type: "text/plain" })
 * const url = storage.privateUrl(blob.uid)
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const storage: Client["storage"] = ConnectyCube.storage

/**
 * The default client's `dispose`.
 *
 * @example
 * ```ts
 * import { init, dispose } from "@connectycube-effect/promise"
 *
 * init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:8090" } })
 * await dispose() // later calls reject with ClientDisposed
 * ```
 *
 * @since 0.1.0
 * @category default client
 */
export const dispose: Client["dispose"] = ConnectyCube.dispose
