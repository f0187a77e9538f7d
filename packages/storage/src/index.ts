/**
 * @since 0.1.0
 */
export * as Avatar from "./Avatar.js"

/**
 * @since 0.1.0
 */
export * as Storage from "./Storage.js"
