import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { eachTracing, server } from "./transport.js"

// What UndiciClient alone does (undici's options); what it does as NodeClient does is in Transports.test.ts.
describe("UndiciClient", () => {
  eachTracing(UndiciClient.layer, (withClient) => {
    it.effect("NodeHttpClient.UndiciOptions in context reach undici, as with NodeHttpClient.layerUndici", () =>
      Effect.gen(function*() {
        const { seen, url } = yield* server
        yield* withClient((client) =>
          Effect.andThen(
            client.get(`${url}/plain`),
            client.get(`${url}/reset`).pipe(Effect.provideService(NodeHttpClient.UndiciOptions, { reset: true }))
          )
        )
        assert.strictEqual(seen[0]!.headers["connection"], "keep-alive")
        assert.strictEqual(seen[1]!.headers["connection"], "close")
      }))
  })
})
