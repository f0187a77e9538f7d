/**
 * The default transport in Node: undici through the SDK's `UndiciClient` (its own connection pool, released
 * with the client; lighter per call than `NodeHttpClient.layerUndici`). Selected by the `#transport` import's
 * `node` condition.
 *
 * It never falls back silently. When undici cannot be loaded, the global `fetch` is used and a warning that
 * says why, and how to fix it, is logged once per process (to stderr):
 * - `@effect/platform-node` (an optional peer) is not installed: install it, or pass `layer` to `createClient`;
 * - the adapter was bundled into one ES module (esbuild, …): undici is CommonJS and `require`s Node's built-ins,
 *   which an ES module has no `require` for. Give the bundle one with a banner, e.g. with esbuild:
 *   `banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }`
 *   (a CommonJS bundle has one).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"

/** The banner that gives an ES module bundle the `require` undici needs (esbuild's `banner.js`). */
const requireBanner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

const codeOf = (error: unknown): unknown =>
  error !== null && typeof error === "object" && "code" in error ? error.code : undefined

/** Why undici could not be loaded, and what to do about it. */
const diagnose = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error)
  const code = codeOf(error)
  if (/Dynamic require of .* is not supported/.test(text)) {
    return "@connectycube-effect/promise: undici cannot load in this bundle (" + text + "): it is CommonJS and " +
      "requires Node's built-ins, and an ES module bundle has no `require`. Requests go through the global fetch " +
      "(slower, and failures carry other codes). Fix: give the bundle a `require`, e.g. esbuild " +
      `\`banner: { js: "${requireBanner}" }\`, or bundle as CommonJS; or pass \`layer: FetchHttpClient.layer\` ` +
      "to createClient to choose fetch."
  }
  if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && /platform-node|undici/.test(text)) {
    return "@connectycube-effect/promise: @effect/platform-node is not installed, so requests go through the " +
      "global fetch instead of undici. Fix: install @effect/platform-node (an optional peer dependency), or pass " +
      "`layer: FetchHttpClient.layer` to createClient to choose fetch."
  }
  return "@connectycube-effect/promise: undici could not be loaded (" + text + "); requests go through the " +
    "global fetch. Pass `layer` to createClient to choose a transport."
}

const load = Effect.tryPromise({
  // `Undici` is imported here, not when the first request needs it: in a bundle without `require` it throws
  // at load, and this is the place that can answer with a diagnosis rather than a defect on every call.
  try: () =>
    Promise.all([import("@connectycube-effect/http/UndiciClient"), import("@effect/platform-node/Undici")]).then(
      ([UndiciClient, Undici]) => {
        if (typeof Undici.Agent !== "function") throw new TypeError("undici's Agent is missing")
        return UndiciClient.layer
      }
    ),
  catch: (error) => error
}).pipe(
  Effect.catch((error) =>
    Effect.as(
      Effect.logWarning(diagnose(error)).pipe(Effect.provideService(Logger.LogToStderr, true)),
      FetchHttpClient.layer
    )
  )
)

/**
 * Loaded once per process: a bundle runs undici's module body once (a second load answers its half-built
 * exports), and the warning is for the process, not for each client.
 */
const loadOnce: Effect.Effect<Layer.Layer<HttpClient.HttpClient>> = Effect.runSync(Effect.cached(load))

/**
 * @example
 * ```ts
 * import { layer } from "@connectycube-effect/promise/transport.node"
 * import { createClient } from "@connectycube-effect/promise"
 *
 * const client = createClient({ credentials: { appId: 1, authKey: "key" }, layer })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.unwrap(loadOnce)

/**
 * Which transport this is, for diagnostics and tests.
 *
 * @since 0.1.0
 * @category constants
 */
export const name: string = "undici"
