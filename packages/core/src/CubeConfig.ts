/**
 * The application's credentials and endpoint. Built from plain options (`layer`) or from the
 * environment (`layerConfig`, reading `CONNECTYCUBE_*`), and validated before any request is made.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { InvalidInput } from "./Errors.js"

/**
 * The production endpoint.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_API_URL = "https://api.connectycube.com"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The application id from the ConnectyCube dashboard (a positive integer, or its decimal string). */
  readonly appId: number | string
  /**
   * The application's auth key. Optional for apps that only ever receive a token minted elsewhere
   * (`Session.setSession`); then no session can be created by this client.
   */
  readonly authKey?: string | Redacted.Redacted<string> | undefined
  /** Base URL, `https://api.connectycube.com` by default; point it at the emulator in development. */
  readonly apiUrl?: string | undefined
  /** Per-call timeout, retries included. 30 seconds by default. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * @example
 * ```ts
 * import { CubeConfig } from "@connectycube-effect/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const config = yield* CubeConfig.CubeConfig
 *   return `${config.apiUrl} (app ${config.appId})`
 * })
 *
 * Effect.runPromise(Effect.provide(program, CubeConfig.layer({ appId: 1, authKey: "key" })))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class CubeConfig extends Context.Service<CubeConfig, CubeConfig.Service>()("@connectycube-effect/core/CubeConfig") {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace CubeConfig {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    readonly appId: number
    readonly authKey: Redacted.Redacted<string> | undefined
    /** Normalised: no trailing slash. */
    readonly apiUrl: string
    readonly timeout: Duration.Duration
  }
}

/**
 * Validates options into the service. Fails with `InvalidInput` naming the field.
 *
 * @example
 * ```ts
 * import { CubeConfig } from "@connectycube-effect/core"
 * import { Effect } from "effect"
 *
 * const config = Effect.runSync(CubeConfig.make({ appId: 1, authKey: "key", apiUrl: "http://127.0.0.1:8090" }))
 * console.log(config.apiUrl)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<CubeConfig.Service, InvalidInput> =>
  Effect.suspend(() => {
    const appId = typeof options.appId === "string" && /^\d+$/.test(options.appId.trim())
      ? Number(options.appId.trim())
      : options.appId
    if (typeof appId !== "number" || !Number.isSafeInteger(appId) || appId <= 0) {
      return Effect.fail(new InvalidInput({ field: "appId", reason: "must be a positive integer" }))
    }
    let authKey: Redacted.Redacted<string> | undefined
    if (options.authKey !== undefined) {
      const raw = Redacted.isRedacted(options.authKey) ? Redacted.value(options.authKey) : options.authKey
      if (typeof raw !== "string" || raw.trim() === "") {
        return Effect.fail(new InvalidInput({ field: "authKey", reason: "must be a non-empty string" }))
      }
      authKey = Redacted.isRedacted(options.authKey) ? options.authKey : Redacted.make(raw)
    }
    const apiUrl = (options.apiUrl ?? DEFAULT_API_URL).trim()
    let parsed: URL
    try {
      parsed = new URL(apiUrl)
    } catch {
      return Effect.fail(new InvalidInput({ field: "apiUrl", reason: "must be an absolute http(s) URL" }))
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return Effect.fail(new InvalidInput({ field: "apiUrl", reason: "must be an absolute http(s) URL" }))
    }
    if (parsed.search !== "" || parsed.hash !== "") {
      return Effect.fail(new InvalidInput({ field: "apiUrl", reason: "must not have a query or a fragment" }))
    }
    const timeout = Duration.fromInput(options.timeout ?? "30 seconds")
    if (timeout._tag === "None" || !Duration.isGreaterThan(timeout.value, Duration.zero)) {
      return Effect.fail(new InvalidInput({ field: "timeout", reason: "must be a positive duration" }))
    }
    return Effect.succeed(CubeConfig.of({
      appId,
      authKey,
      apiUrl: apiUrl.replace(/\/+$/, ""),
      timeout: timeout.value
    }))
  })

/**
 * A layer from plain options.
 *
 * @example
 * ```ts
 * import { CubeConfig } from "@connectycube-effect/core"
 *
 * const ConfigLive = CubeConfig.layer({ appId: 1, authKey: "key", apiUrl: "http://127.0.0.1:8090" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<CubeConfig, InvalidInput> => Layer.effect(CubeConfig, make(options))

/**
 * The `Config` read by `layerConfig` by default: `CONNECTYCUBE_APP_ID`, `CONNECTYCUBE_AUTH_KEY` (redacted),
 * `CONNECTYCUBE_API_URL` and `CONNECTYCUBE_TIMEOUT` (a duration such as `10 seconds`).
 *
 * @example
 * ```ts
 * import { CubeConfig } from "@connectycube-effect/core"
 * import { ConfigProvider, Layer } from "effect"
 *
 * // CONNECTYCUBE_APP_ID=1 CONNECTYCUBE_AUTH_KEY=... CONNECTYCUBE_API_URL=http://127.0.0.1:8090
 * const FromEnv = CubeConfig.layerConfig(CubeConfig.fromEnv)
 *
 * // the same variables from a record (tests)
 * const FromRecord = FromEnv.pipe(
 *   Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({
 *     CONNECTYCUBE_APP_ID: "1",
 *     CONNECTYCUBE_AUTH_KEY: "emulator-auth-key"
 *   })))
 * )
 * ```
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<Options> = /* @__PURE__ */ (() => {
  // The timeout string is a `Duration.Input`, validated by `make` (so a bad one names the field).
  const optional = (name: string) => Config.withDefault(Config.String(name), undefined)
  return Config.map(
    Config.all([
      Config.String("CONNECTYCUBE_APP_ID"),
      optional("CONNECTYCUBE_AUTH_KEY"),
      optional("CONNECTYCUBE_API_URL"),
      optional("CONNECTYCUBE_TIMEOUT")
    ]),
    ([appId, authKey, apiUrl, timeout]): Options => ({
      appId,
      authKey: authKey === undefined ? undefined : Redacted.make(authKey),
      apiUrl,
      timeout: timeout as Duration.Input | undefined
    })
  )
})()

/**
 * A layer from `Config` (the environment by default), validated like `layer`.
 *
 * @example
 * ```ts
 * import { CubeConfig } from "@connectycube-effect/core"
 * import { Config } from "effect"
 *
 * // CONNECTYCUBE_APP_ID, CONNECTYCUBE_AUTH_KEY, CONNECTYCUBE_API_URL
 * const FromEnv = CubeConfig.layerConfig()
 * // or field by field
 * const Custom = CubeConfig.layerConfig(Config.all({ appId: Config.String("APP"), authKey: Config.Redacted("KEY") }))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options> = fromEnv
): Layer.Layer<CubeConfig, Config.ConfigError | InvalidInput> =>
  Layer.effect(CubeConfig, Effect.flatMap(config, make))
