/**
 * Wire Schemas (Session, User, Blob, paged envelopes, queries), `CubeConfig` and the typed error union of the ConnectyCube Effect SDK.
 *
 * Not in this index: `Span` and `PushStream` (`@connectycube-effect/core/Span`, `@connectycube-effect/core/PushStream`),
 * the plumbing the other SDK packages share (a method's span, a callback-fed `Stream`).
 *
 * @packageDocumentation
 * @module @connectycube-effect/core
 */

/**
 * @since 0.1.0
 */
export * as Blob from "./Blob.js"

/**
 * @since 0.1.0
 */
export * as CubeConfig from "./CubeConfig.js"

/**
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"

/**
 * @since 0.1.0
 */
export * as Paging from "./Paging.js"

/**
 * @since 0.1.0
 */
export * as Session from "./Session.js"

/**
 * @since 0.1.0
 */
export * as User from "./User.js"

/**
 * @since 0.1.0
 */
export * as UserInput from "./UserInput.js"

/**
 * @since 0.1.0
 */
export * as UsersQuery from "./UsersQuery.js"

/**
 * @since 0.1.0
 */
export * as UsersQueryV1 from "./UsersQueryV1.js"
