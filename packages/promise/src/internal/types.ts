/**
 * The plain JSON shapes of the promise API (the official SDK's names and shapes), declared here so that the
 * client's surface (`api.ts`) and its implementation (`client.ts`) need no public module; `Types.ts` re-exports
 * every one.
 *
 * @since 0.1.0
 */

/**
 * `init(credentials, config)`: the application id, and either the auth key (sessions are created by the
 * client) or a token minted elsewhere (then no session can be created by this client).
 * `authSecret` and `systemApiKey` are accepted and ignored, as by the official SDK since 4.0.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  appId: number | string
  authKey?: string | undefined
  token?: string | undefined
  authSecret?: string | undefined
  systemApiKey?: string | undefined
}

/**
 * The official `config.on.sessionExpired(handleResponse, retry)` hook. Call `handleResponse()` to give up
 * (the call rejects with `SessionExpired`, code 401), or `retry(session)` with a new session to re-send it.
 *
 * @example
 * ```ts
 * import ConnectyCube from "@connectycube-effect/promise"
 *
 * ConnectyCube.init({ appId: 1, authKey: "key" }, {
 *   on: {
 *     sessionExpired: (handleResponse, retry) => {
 *       ConnectyCube.createSession().then(retry).catch(() => handleResponse())
 *     }
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SessionExpiredHandler = (
  handleResponse: () => void,
  retry: (session: { token: string; user_id?: number | null | undefined; id?: number | undefined }) => void
) => void

/**
 * `init`'s second argument. Only the REST-relevant keys are read; the others (`chat`, `videochat`, …) are
 * accepted and ignored so an official config object can be passed unchanged.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  endpoints?: {
    /** A full base URL (any scheme, may have a path): `http://127.0.0.1:8090`. Wins over `api`. */
    api_url?: string | undefined
    /** A host (`api.connectycube.com`), always used with `https://`. */
    api?: string | undefined
    [key: string]: unknown
  } | undefined
  on?: {
    sessionExpired?: SessionExpiredHandler | undefined
    [key: string]: unknown
  } | undefined
  /** Per-call timeout in milliseconds (30 seconds when unset). */
  timeout?: number | null | undefined
  /** Accepted for compatibility; this client never logs. */
  debug?: unknown
  [key: string]: unknown
}

/**
 * The last argument of every call.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** Aborting it interrupts the call and aborts its request; the promise rejects with `Aborted`. */
  readonly signal?: AbortSignal | undefined
}

/**
 * A user as the server sends it.
 *
 * @since 0.1.0
 * @category models
 */
export interface User {
  id: number
  login?: string | null
  email?: string | null
  full_name?: string | null
  phone?: string | null
  website?: string | null
  created_at?: string | null
  updated_at?: string | null
  last_request_at?: string | null
  external_user_id?: number | string | null
  external_id?: number | string | null
  facebook_id?: number | string | null
  twitter_id?: number | string | null
  custom_data?: string | null
  blob_id?: number | null
  avatar?: string | null
  user_tags?: string | ReadonlyArray<string> | null
  timezone?: number | null
  is_guest?: boolean | null
  [key: string]: unknown
}

/**
 * A session as the server sends it (`createSession`, `getSession`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  id: number
  application_id: number
  token: string
  user_id?: number | null
  nonce?: number | null
  ts?: number | null
  created_at?: string
  updated_at?: string
  user?: User
  [key: string]: unknown
}

/**
 * What `createSession(params)` and `login(params)` accept: `{login, password}`, `{email, password}`,
 * `{guest: "1", full_name}`, `{provider: "facebook" | "twitter", keys: {token, secret?}}`, and the Firebase
 * forms, nested (`{provider: "firebase_phone", firebase_phone: {project_id, access_token}}`) or with the flat
 * bracket keys the official docs show.
 *
 * @since 0.1.0
 * @category models
 */
export type LoginParams =
  | { login: string; password: string }
  | { email: string; password: string }
  | { guest: "1" | 1 | true; full_name?: string }
  | { provider: "facebook" | "twitter"; keys: { token: string; secret?: string } }
  | { provider: "firebase_phone"; firebase_phone: { project_id: string; access_token: string } }
  | { provider: "firebase_email"; firebase_email: { project_id: string; access_token: string } }
  | {
    provider: "firebase_phone" | "firebase_email"
    "firebase_phone[project_id]"?: string
    "firebase_phone[access_token]"?: string
    "firebase_email[project_id]"?: string
    "firebase_email[access_token]"?: string
  }

/**
 * @since 0.1.0
 * @category models
 */
export interface UserEnvelope {
  user: User
  [key: string]: unknown
}

/**
 * `users.getV2`'s answer: items are bare users.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsersV2Page {
  limit: number
  skip: number
  total_entries: number
  items: Array<User>
  [key: string]: unknown
}

/**
 * `users.get`'s answer for a list (`{full_name}`, `{tags}`, `{filter}`): items are wrapped, `{user: {...}}`.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsersV1Page {
  current_page: number
  per_page: number
  total_entries: number
  items: Array<UserEnvelope>
  [key: string]: unknown
}

/**
 * A V2 search: any user field with an operator (`{id: {in: [1, 2]}}`, `{login: "x"}`,
 * `{last_request_at: {gt: new Date()}}`), plus `limit`, `offset`, `sort_asc`, `sort_desc`.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsersQuery {
  limit?: number
  offset?: number
  sort_asc?: string
  sort_desc?: string
  [field: string]: unknown
}

/**
 * A V1 lookup that answers one user (`users.get` resolves to `{user}`).
 *
 * @since 0.1.0
 * @category models
 */
export type UsersLookup =
  | { login: string }
  | { email: string }
  | { phone: string }
  | { facebook_id: string | number }
  | { twitter_id: string | number }
  | { external: string | number }
  | { external_user_id: string | number }

/**
 * `users.get`'s parameters (deprecated V1): a user id, a lookup (`{login}`, `{email}`, `{phone}`,
 * `{facebook_id}`, `{twitter_id}`, `{external}`), or a list (`{full_name}`, `{tags}`, `{filter, order}`),
 * with `page` and `per_page`.
 *
 * @since 0.1.0
 * @category models
 */
export type UsersGetParams = number | {
  page?: number
  per_page?: number
  filter?: { field: string; param: string; value: unknown } | ReadonlyArray<{ field: string; param: string; value: unknown }>
  order?: { sort: "asc" | "desc"; field: string }
  [key: string]: unknown
}

/**
 * The profile fields of `users.signup` and `users.update`.
 *
 * @since 0.1.0
 * @category models
 */
export interface UserFields {
  login?: string
  email?: string
  password?: string
  old_password?: string
  full_name?: string
  phone?: string
  website?: string
  tag_list?: ReadonlyArray<string> | string
  custom_data?: string
  avatar?: string
  blob_id?: number | null
  external_user_id?: number | string
  facebook_id?: number | string
  twitter_id?: number | string
  timezone?: number
  [key: string]: unknown
}

/**
 * A stored file as the server sends it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Blob {
  id: number
  uid: string
  name?: string | null
  content_type?: string | null
  size?: number | null
  public?: boolean
  created_at?: string
  updated_at?: string
  blob_status?: string | null
  set_completed_at?: string | null
  blob_object_access?: {
    id?: number
    blob_id?: number
    expires?: string | null
    object_access_type?: string
    params?: string
    download_url?: string
    [key: string]: unknown
  }
  [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BlobEnvelope {
  blob: Blob
  [key: string]: unknown
}

/**
 * `storage.createAndUpload`'s input, as in the official SDK. `file` is a `File`/`Blob` (browser), a `Buffer`
 * or `Uint8Array` (Node), or a string.
 *
 * @since 0.1.0
 * @category models
 */
export interface UploadParams {
  name: string
  file: unknown
  type: string
  size?: number | undefined
  /** `true` when omitted, as in the official SDK. */
  public?: boolean | undefined
  [key: string]: unknown
}

/**
 * `storage.list`'s answer: items are wrapped, `{blob: {...}}`.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlobsPage {
  current_page: number
  per_page: number
  total_entries: number
  items: Array<BlobEnvelope>
  [key: string]: unknown
}
