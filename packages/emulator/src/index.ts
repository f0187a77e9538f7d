/**
 * A local ConnectyCube-compatible REST emulator on SQLite: `Emulator.make` / `Emulator.layer` / `Emulator.startEmulator` in-process, `connectycube-emulator` on the command line.
 *
 * @packageDocumentation
 * @module @connectycube-effect/emulator
 */

/**
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"

/**
 * @since 0.1.0
 */
export * as Clock from "./Clock.js"

/**
 * @since 0.1.0
 */
export * as Db from "./Db.js"

/**
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.js"

/**
 * @since 0.1.0
 */
export * as Faults from "./Faults.js"

/**
 * @since 0.1.0
 */
export * as Http from "./Http.js"

/**
 * @since 0.1.0
 */
export * as Identity from "./Identity.js"

/**
 * @since 0.1.0
 */
export * as OpenApi from "./OpenApi.js"

/**
 * @since 0.1.0
 */
export * as RequestLog from "./RequestLog.js"

/**
 * @since 0.1.0
 */
export * as Route from "./Route.js"

/**
 * @since 0.1.0
 */
export * as Routes from "./Routes.js"

/**
 * @since 0.1.0
 */
export * as Server from "./Server.js"

/**
 * @since 0.1.0
 */
export * as Settings from "./Settings.js"

/**
 * @since 0.1.0
 */
export * as Signature from "./Signature.js"

/**
 * @since 0.1.0
 */
export * as State from "./State.js"
