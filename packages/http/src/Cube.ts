/**
 * One layer with everything a program needs to talk to ConnectyCube: `CubeConfig`, `CubeHttpClient` and
 * `Session`. Bring your own `HttpClient` (`FetchHttpClient.layer` anywhere, `NodeHttpClient.layerUndici` in Node).
 * The same from the environment: `CubeEnv.layer`.
 *
 * @since 0.1.0
 */
import * as CubeConfig from "@connectycube-effect/core/CubeConfig"
import type * as Errors from "@connectycube-effect/core/Errors"
import type * as HttpClient from "effect/http/HttpClient"
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
 * import { FetchHttpClient } from "effect/http"
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

