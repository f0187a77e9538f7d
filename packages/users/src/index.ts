/**
 * The `Users` service: signup, update, password reset, delete, V2 search, the deprecated V1 lookups, streams.
 *
 * @packageDocumentation
 * @module @connectycube-effect/users
 */

/**
 * @since 0.1.0
 */
export * as Users from "./Users.js"
