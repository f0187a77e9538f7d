import { assert, describe, it } from "@effect/vitest"
import { CubeConfig } from "@connectycube-effect/core"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"

const withProvider = (provider: ConfigProvider.ConfigProvider) =>
  Effect.provideService(ConfigProvider.ConfigProvider, provider)

describe("CubeConfig", () => {
  it.effect("normalises valid options and keeps the auth key redacted", () =>
    Effect.gen(function*() {
      const config = yield* CubeConfig.make({ appId: "42", authKey: "k3y", apiUrl: "http://127.0.0.1:8090/" })
      assert.strictEqual(config.appId, 42)
      assert.strictEqual(config.apiUrl, "http://127.0.0.1:8090")
      assert.strictEqual(Redacted.value(config.authKey!), "k3y")
      assert.notInclude(String(config.authKey), "k3y")
      assert.notInclude(JSON.stringify(config), "k3y")
    }))

  const bad: Array<[string, CubeConfig.Options]> = [
    ["appId", { appId: "abc", authKey: "k" }],
    ["appId", { appId: 0, authKey: "k" }],
    ["appId", { appId: 1.5, authKey: "k" }],
    ["authKey", { appId: 1, authKey: "" }],
    ["authKey", { appId: 1, authKey: "   " }],
    ["apiUrl", { appId: 1, authKey: "k", apiUrl: "not a url" }],
    ["apiUrl", { appId: 1, authKey: "k", apiUrl: "ftp://x" }],
    ["timeout", { appId: 1, authKey: "k", timeout: -5 }]
  ]
  for (const [field, options] of bad) {
    it.effect(`rejects a bad ${field} at layer build, naming the field`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Layer.build(CubeConfig.layer(options)).pipe(Effect.scoped))
        assert.strictEqual(error._tag, "InvalidInput")
        assert.strictEqual(error.field, field)
      }))
  }

  it.effect("layerConfig reads CONNECTYCUBE_* and validates it", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromEnvRecord(
        { CONNECTYCUBE_APP_ID: "7", CONNECTYCUBE_AUTH_KEY: "env-key", CONNECTYCUBE_API_URL: "http://x.test" }
      )
      const config = yield* CubeConfig.CubeConfig.pipe(
        Effect.provide(CubeConfig.layerConfig()),
        withProvider(provider)
      )
      assert.strictEqual(config.appId, 7)
      assert.strictEqual(config.apiUrl, "http://x.test")
      const missing = yield* Effect.flip(
        CubeConfig.CubeConfig.pipe(Effect.provide(CubeConfig.layerConfig()), withProvider(ConfigProvider.fromEnvRecord({})))
      )
      assert.include(String(missing), "CONNECTYCUBE_APP_ID")
      const invalid = yield* Effect.flip(
        CubeConfig.CubeConfig.pipe(
          Effect.provide(CubeConfig.layerConfig()),
          withProvider(ConfigProvider.fromEnvRecord({ CONNECTYCUBE_APP_ID: "x1" }))
        )
      )
      assert.strictEqual((invalid as any).field, "appId")
    }))
})
