/**
 * The plain JSON shapes the promise API takes and resolves to: the official SDK's names and shapes, with
 * no Effect type in sight. Objects coming back are plain (`JSON.stringify`-able, `constructor === Object`)
 * and keep every field the server sent.
 *
 * @since 0.1.0
 */

export type {
  /** @since 0.1.0 */
  Credentials,
  /** @since 0.1.0 */
  SessionExpiredHandler,
  /** @since 0.1.0 */
  Config,
  /** @since 0.1.0 */
  CallOptions,
  /** @since 0.1.0 */
  User,
  /** @since 0.1.0 */
  Session,
  /** @since 0.1.0 */
  LoginParams,
  /** @since 0.1.0 */
  UserEnvelope,
  /** @since 0.1.0 */
  UsersV2Page,
  /** @since 0.1.0 */
  UsersV1Page,
  /** @since 0.1.0 */
  UsersQuery,
  /** @since 0.1.0 */
  UsersLookup,
  /** @since 0.1.0 */
  UsersGetParams,
  /** @since 0.1.0 */
  UserFields,
  /** @since 0.1.0 */
  Blob,
  /** @since 0.1.0 */
  BlobEnvelope,
  /** @since 0.1.0 */
  UploadParams,
  /** @since 0.1.0 */
  BlobsPage
} from "./internal/types.js"
