/**
 * A local ConnectyCube-compatible REST emulator on SQLite: `Emulator.make` / `Emulator.layer` / `Emulator.startEmulator` in-process, `connectycube-emulator` on the command line.
 *
 * What a user composes: `Emulator` (start it, control it) with its `Settings`, `Clock`, `Faults`,
 * `RequestLog` and `State` (seeds, export/import). What a route author adds to: the route table (`Routes`,
 * `Route`), and what a handler uses (`Http`, `ApiError`, `Auth`). The data modules (`store/*`), the route
 * modules (`routes/*`), the server that mounts the route table (`Server`), the sign-in forms (`Identity`) and the
 * CLI (`Cli`) are subpath imports (`@connectycube-effect/emulator/store/Users`); the database, the parsers and body
 * reading are internal.
 *
 * @packageDocumentation
 * @module @connectycube-effect/emulator
 */

/**
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.js"

/**
 * @since 0.1.0
 */
export * as Settings from "./Settings.js"

/**
 * @since 0.1.0
 */
export * as Clock from "./Clock.js"

/**
 * @since 0.1.0
 */
export * as Faults from "./Faults.js"

/**
 * @since 0.1.0
 */
export * as RequestLog from "./RequestLog.js"

/**
 * @since 0.1.0
 */
export * as State from "./State.js"

/**
 * @since 0.1.0
 */
export * as Routes from "./Routes.js"

/**
 * @since 0.1.0
 */
export * as Route from "./Route.js"

/**
 * @since 0.1.0
 */
export * as Http from "./Http.js"

/**
 * @since 0.1.0
 */
export * as ApiError from "./ApiError.js"

/**
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"
