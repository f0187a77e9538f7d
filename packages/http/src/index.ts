/**
 * `Cube.layer` (config + transport + session in one layer; `CubeEnv.layer` reads the config from the environment), `CubeHttpClient` (the wire rules), the `Session` service (every sign-in form, single-flight expiry recovery, events, persistence) and `NodeClient` (an `HttpClient` on Node's built-in `node:http`).
 *
 * @packageDocumentation
 * @module @connectycube-effect/http
 */

/**
 * @since 0.1.0
 */
export * as Cube from "./Cube.js"

/**
 * @since 0.1.0
 */
export * as CubeEnv from "./CubeEnv.js"

/**
 * @since 0.1.0
 */
export * as CubeHttpClient from "./CubeHttpClient.js"

/**
 * @since 0.1.0
 */
export * as NodeClient from "./NodeClient.js"

/**
 * @since 0.1.0
 */
export * as QueryString from "./QueryString.js"

/**
 * @since 0.1.0
 */
export * as Session from "./Session.js"

/**
 * @since 0.1.0
 */
export * as SessionStore from "./SessionStore.js"
