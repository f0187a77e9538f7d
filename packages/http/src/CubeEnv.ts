/**
 * `Cube.layer` from the environment: the same three services with `CubeConfig` read from `Config`
 * (`CONNECTYCUBE_*` by default). A module of its own so that apps built on `Cube.layer` never bundle
 * effect's `Config` machinery.
 *
 * @since 0.1.0
 */
import * as CubeConfig from "@connectycube-effect/core/CubeConfig"
import type * as Errors from "@connectycube-effect/core/Errors"
import type * as Config from "effect/Config"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as CubeHttpClient from "./CubeHttpClient.js"
import * as Session from "./Session.js"

/**
 * `CubeConfig`, `CubeHttpClient` and `Session` from `Config`: `CONNECTYCUBE_APP_ID`, `CONNECTYCUBE_AUTH_KEY`,
 * `CONNECTYCUBE_API_URL` and `CONNECTYCUBE_TIMEOUT` by default (`CubeConfig.fromEnv`), validated like
 * `Cube.layer`. The session and retry settings are plain options.
 *
 * @example
 * ```ts
 * import { CubeEnv } from "@connectycube-effect/http"
 * import { Users } from "@connectycube-effect/users"
 * import { FetchHttpClient } from "effect/http"
 * import { Layer } from "effect"
 *
 * // CONNECTYCUBE_APP_ID and CONNECTYCUBE_AUTH_KEY; CONNECTYCUBE_API_URL=http://127.0.0.1:8090 for the emulator
 * const Live = Users.layer.pipe(
 *   Layer.provideMerge(CubeEnv.layer()),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Config.Config<CubeConfig.Options> = CubeConfig.fromEnv,
  options: Session.Options & CubeHttpClient.Options = {}
): Layer.Layer<
  CubeConfig.CubeConfig | CubeHttpClient.CubeHttpClient | Session.Session,
  Errors.InvalidInput | Config.ConfigError,
  HttpClient.HttpClient
> => {
  const { retry, ...session } = options
  return Session.layer(session).pipe(
    Layer.provideMerge(CubeHttpClient.layer({ retry })),
    Layer.provideMerge(CubeConfig.layerConfig(config))
  )
}
