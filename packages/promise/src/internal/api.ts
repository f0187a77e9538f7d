/**
 * The client's surface as types (`Client`, its options, `users` and `storage`), in a module of its own so that
 * the implementation (`internal/client.ts`) and the public `Client.ts`, which re-exports them, do not import
 * each other.
 *
 * @since 0.1.0
 */
import type * as CubeHttpClient from "@connectycube-effect/http/CubeHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import type * as Layer from "effect/Layer"
import type * as Types from "./types.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  /** When given, the client is initialised at once (`init(credentials, config)`). */
  readonly credentials?: Types.Credentials | undefined
  readonly config?: Types.Config | undefined
  /** A `fetch` to send requests with (a test double, a proxy-aware fetch, …). */
  readonly fetch?: typeof globalThis.fetch | undefined
  /**
   * The `HttpClient` layer to send requests with. Wins over `fetch`. By default: `NodeClient` (Node's
   * built-in `node:http`) in Node, the global `fetch` elsewhere.
   */
  readonly layer?: Layer.Layer<HttpClient.HttpClient> | undefined
  /**
   * How transient failures (429, 5xx, network) of idempotent calls are retried. `{ times: 0 }` never retries,
   * as the official SDK.
   */
  readonly retry?: Partial<CubeHttpClient.RetryPolicy> | undefined
}

/**
 * `client.users`: the users API, as in the official SDK.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsersApi {
  /**
   * `POST /users`, with the session token when one is held, else the auth key. Resolves to `{user}`.
   * An `authKey` second argument is accepted for compatibility; the one given to `init` is sent.
   */
  readonly signup: {
    (profile: Types.UserFields, options?: Types.CallOptions): Promise<Types.UserEnvelope>
    (profile: Types.UserFields, authKey?: string, options?: Types.CallOptions): Promise<Types.UserEnvelope>
  }
  /** `PUT /users/{current user}`. Resolves to `{user}`. Needs a user session. */
  readonly update: (changes: Types.UserFields, options?: Types.CallOptions) => Promise<Types.UserEnvelope>
  /** `DELETE /users/{current user}`. Resolves to `""`; the session is forgotten (its user is gone). */
  readonly delete: (options?: Types.CallOptions) => Promise<string>
  /** `POST /users/password/reset`. Resolves to `""`. */
  readonly resetPassword: (email: string, options?: Types.CallOptions) => Promise<string>
  /** `GET /users/v2`. Resolves to `{limit, skip, total_entries, items}`. */
  readonly getV2: {
    (options?: Types.CallOptions): Promise<Types.UsersV2Page>
    (params?: Types.UsersQuery, options?: Types.CallOptions): Promise<Types.UsersV2Page>
  }
  /**
   * The deprecated V1 API. Resolves to the raw body: `{user}` for an id or a lookup, the page
   * (`{current_page, per_page, total_entries, items: [{user}]}`) for a list.
   */
  readonly get: {
    (id: number, options?: Types.CallOptions): Promise<Types.UserEnvelope>
    (lookup: Types.UsersLookup, options?: Types.CallOptions): Promise<Types.UserEnvelope>
    (params: Types.UsersGetParams, options?: Types.CallOptions): Promise<Types.UserEnvelope | Types.UsersV1Page>
  }
}

/**
 * `storage.list`'s parameters, as in the official SDK.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListParams {
  current_page?: number | undefined
  per_page?: number | undefined
}

/**
 * `client.storage`: files, as in the official SDK.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageApi {
  /**
   * Creates the blob, uploads the file and marks it complete. Resolves to the blob with its `size`.
   * `public` defaults to `false` (private); the official SDK silently defaults to `true`.
   */
  readonly createAndUpload: (params: Types.UploadParams, options?: Types.CallOptions) => Promise<Types.Blob>
  /** `POST /blobs` alone. Resolves to `{blob}` (with the upload grant in `blob_object_access`). */
  readonly create: (
    params: { name: string; content_type: string; public?: boolean | undefined },
    options?: Types.CallOptions
  ) => Promise<Types.BlobEnvelope>
  /** `PUT /blobs/{id}/complete`. Resolves to `""`. */
  readonly markUploaded: (params: { id: number; size: number | string }, options?: Types.CallOptions) => Promise<string>
  /** `GET /blobs/{id}`. Resolves to `{blob}`. */
  readonly getInfo: (id: number, options?: Types.CallOptions) => Promise<Types.BlobEnvelope>
  /** `GET /blobs/{uid}.json`. Resolves to `{blob}`. */
  readonly getFile: (uid: string, options?: Types.CallOptions) => Promise<Types.BlobEnvelope>
  /** `GET /blobs`. Resolves to `{current_page, per_page, total_entries, items: [{blob}]}`. */
  readonly list: {
    (options?: Types.CallOptions): Promise<Types.BlobsPage>
    (params?: ListParams, options?: Types.CallOptions): Promise<Types.BlobsPage>
  }
  /** `DELETE /blobs/{id}`. Resolves to `""`. */
  readonly delete: (id: number, options?: Types.CallOptions) => Promise<string>
  /** `${api_url}/blobs/${uid}?token=${token}` (no request). */
  readonly privateUrl: (uid: string) => string
  /** `${api_url}/blobs/${uid}` (no request). */
  readonly publicUrl: (uid: string) => string
}

/**
 * A client: `init`, the session methods, `users` and `storage`, as in the official SDK, plus `dispose`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Client extends AsyncDisposable {
  /**
   * Sets the credentials and the endpoint, and builds a new runtime (releasing the previous one, and
   * cancelling its calls in flight). Throws `InvalidInput` for a bad `appId` or `api_url`.
   */
  readonly init: (credentials: Types.Credentials, config?: Types.Config) => void
  /** `POST /session`: an application session, or a user session with credentials. Resolves to the session. */
  readonly createSession: {
    (options?: Types.CallOptions): Promise<Types.Session>
    (params?: Types.LoginParams, options?: Types.CallOptions): Promise<Types.Session>
  }
  /** `GET /session`: the session as the server sees it. */
  readonly getSession: (options?: Types.CallOptions) => Promise<Types.Session>
  /** `POST /login`: upgrades the session to a user session. Resolves to the user. */
  readonly login: (params: Types.LoginParams, options?: Types.CallOptions) => Promise<Types.User>
  /** `DELETE /login`: downgrades to an application session. Resolves to `""`. */
  readonly logout: (options?: Types.CallOptions) => Promise<string>
  /** `DELETE /session`. Resolves to `undefined`. */
  readonly destroySession: (options?: Types.CallOptions) => Promise<undefined>
  /** Uses a session (its `token`, and `user_id` when set) obtained elsewhere. */
  readonly setSession: (session: { token: string; user_id?: number | null | undefined; id?: number | undefined }) => void
  /** Users. */
  readonly users: UsersApi
  /** Files. */
  readonly storage: StorageApi
  /**
   * The config given to `init`. A `config.on.sessionExpired` given to `init` can be reassigned here (it is looked
   * up at expiry); one added after `init` is used from the next `init` (until then, expiry is handled automatically).
   */
  readonly config: Types.Config
  /** Releases the runtime (connection pool included) and cancels calls in flight. Later calls reject with `ClientDisposed`. */
  readonly dispose: () => Promise<void>
}
