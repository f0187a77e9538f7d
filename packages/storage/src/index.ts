/**
 * The `Storage` service (one-call uploads with progress, private/public URLs, downloads) and the `Avatar` flow.
 *
 * @packageDocumentation
 * @module @connectycube-effect/storage
 */

/**
 * @since 0.1.0
 */
export * as Avatar from "./Avatar.js"

/**
 * @since 0.1.0
 */
export * as Storage from "./Storage.js"
