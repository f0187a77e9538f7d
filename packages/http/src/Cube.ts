/**
 * One layer with everything a program needs to talk to ConnectyCube: `CubeConfig`, `CubeHttpClient` and
 * `Session`. Bring your own `HttpClient` (`FetchHttpClient.layer` anywhere, `NodeHttpClient.layerUndici` in Node).
 *
 * @since 0.1.0
 */
import * as CubeConfig from "@connectycube-effect/core/CubeConfig"
import type * as Errors from "@connectycube-effect/core/Errors"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as CubeHttpClient from "./CubeHttpClient.js"
import * as Session from "./Session.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends CubeConfig.Options, Session.Options, CubeHttpClient.Options {}

const split = (options: Options) => {
  const { apiUrl, appId, authKey, retry, timeout, ...session } = options
  return { config: { apiUrl, appId, authKey, timeout }, http: { retry }, session }
}

/**
 * @example
 * ```ts
 * import { Cube, Session } from "@connectycube-effect/http"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 *
 * const CubeLive = Cube.layer({ appId: 1, authKey: "key", apiUrl: "http://127.0.0.1:8090" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * const program = Effect.flatMap(Session.Session, (session) => session.create())
 * Effect.runPromise(Effect.provide(program, CubeLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  CubeConfig.CubeConfig | CubeHttpClient.CubeHttpClient | Session.Session,
  Errors.InvalidInput,
  HttpClient.HttpClient
> => {
  const { config, http, session } = split(options)
  return Session.layer(session).pipe(
    Layer.provideMerge(CubeHttpClient.layer(http)),
    Layer.provideMerge(CubeConfig.layer(config))
  )
}

/**
 * The same from `Config` (`CONNECTYCUBE_APP_ID`, `CONNECTYCUBE_AUTH_KEY`, `CONNECTYCUBE_API_URL`, `CONNECTYCUBE_TIMEOUT`).
 *
 * @example
 * ```ts
 * import { Cube } from "@connectycube-effect/http"
 * import { Users } from "@connectycube-effect/users"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 *
 * // CONNECTYCUBE_APP_ID and CONNECTYCUBE_AUTH_KEY; CONNECTYCUBE_API_URL=http://127.0.0.1:8090 for the emulator
 * const Live = Users.layer.pipe(
 *   Layer.provideMerge(Cube.layerConfig()),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<CubeConfig.Options> = CubeConfig.fromEnv,
  options: Session.Options & CubeHttpClient.Options = {}
): Layer.Layer<
  CubeConfig.CubeConfig | CubeHttpClient.CubeHttpClient | Session.Session,
  Errors.InvalidInput | ConfigError.ConfigError,
  HttpClient.HttpClient
> => {
  const { retry, ...session } = options
  return Session.layer(session).pipe(
    Layer.provideMerge(CubeHttpClient.layer({ retry })),
    Layer.provideMerge(CubeConfig.layerConfig(config))
  )
}
