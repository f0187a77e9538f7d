import { assert, describe, it } from "@effect/vitest"
import { CubeConfig } from "@connectycube-effect/core"
import { CubeEnv, Session } from "@connectycube-effect/http"
import { ConfigProvider, Duration, Effect, Layer } from "effect"
import { appSessionBody, fakeHttp } from "./fake.js"

const env = (entries: Array<[string, string]>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(Object.fromEntries(entries)))

describe("CubeEnv", () => {
  it.effect("layer reads CONNECTYCUBE_* and builds the session on it, with the retry option", () => {
    const http = fakeHttp((req) => req.method === "POST" ? { status: 201, body: appSessionBody("T1") } : { status: 503 })
    const live = CubeEnv.layer(undefined, { retry: { times: 0 } }).pipe(
      Layer.provide(http.layer),
      Layer.provide(env([
        ["CONNECTYCUBE_APP_ID", "7"],
        ["CONNECTYCUBE_AUTH_KEY", "env-key"],
        ["CONNECTYCUBE_API_URL", "http://env.test/"],
        ["CONNECTYCUBE_TIMEOUT", "5 seconds"]
      ]))
    )
    return Effect.gen(function*() {
      const config = yield* CubeConfig.CubeConfig
      assert.strictEqual(config.appId, 7)
      assert.strictEqual(config.apiUrl, "http://env.test")
      assert.isTrue(Duration.equals(config.timeout, Duration.seconds(5)))
      const session = yield* Session.Session
      // retry: { times: 0 }: the 503 of an idempotent GET is not retried
      const error = yield* Effect.flip(session.execute({ method: "GET", path: "users/v2" }))
      assert.strictEqual(error._tag, "ServerError")
      assert.deepStrictEqual(http.requests.map((r) => r.url), ["http://env.test/session.json", "http://env.test/users/v2.json"])
      assert.strictEqual(JSON.parse(http.requests[0]!.body!).application_id, 7)
    }).pipe(Effect.provide(live))
  })

  it.effect("a missing or invalid variable fails the layer, naming it", () =>
    Effect.gen(function*() {
      const build = (entries: Array<[string, string]>) =>
        Layer.build(CubeEnv.layer().pipe(Layer.provide(fakeHttp(() => ({ status: 500 })).layer), Layer.provide(env(entries)))).pipe(
          Effect.scoped,
          Effect.flip
        )
      const missing = yield* build([])
      assert.include(String(missing), "CONNECTYCUBE_APP_ID")
      const invalid = yield* build([["CONNECTYCUBE_APP_ID", "x1"]])
      assert.strictEqual(invalid._tag, "InvalidInput")
      assert.strictEqual(invalid._tag === "InvalidInput" && invalid.field, "appId")
    }))
})
