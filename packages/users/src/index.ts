/**
 * @since 0.1.0
 */
export * as Users from "./Users.js"
