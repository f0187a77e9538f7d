import * as NodeClient from "@connectycube-effect/http/NodeClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { HttpBody, HttpClientRequest } from "effect/http"
import { eachTracing, server } from "./transport.js"

// What NodeClient alone does (its request bodies); what it does as UndiciClient does is in Transports.test.ts.
describe("NodeClient", () => {
  eachTracing(NodeClient.layer, (withClient) => {
    it.effect("FormData, Blob and Uint8Array bodies arrive whole, FormData with its multipart boundary", () =>
      Effect.gen(function*() {
        const { seen, url } = yield* server
        const form = new FormData()
        form.append("key", "uploads/a.txt")
        form.append("file", new Blob(["file body"], { type: "text/plain" }), "a.txt")
        yield* withClient((client) =>
          Effect.all([
            client.execute(HttpClientRequest.post(`${url}/form`).pipe(HttpClientRequest.bodyFormData(form))),
            client.execute(HttpClientRequest.post(`${url}/blob`).pipe(
              HttpClientRequest.setBody(HttpBody.raw(new Blob(["a ", "blob"]), { contentType: "text/plain", contentLength: 6 }))
            )),
            client.execute(HttpClientRequest.post(`${url}/bytes`).pipe(HttpClientRequest.bodyUint8Array(new TextEncoder().encode("bytes"))))
          ])
        )
        const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(seen[0]!.headers["content-type"]!)![1]!
        assert.include(seen[0]!.body, `--${boundary}`)
        assert.include(seen[0]!.body, "uploads/a.txt")
        assert.include(seen[0]!.body, `filename="a.txt"`)
        assert.include(seen[0]!.body, "file body")
        assert.strictEqual(seen[1]!.body, "a blob")
        assert.strictEqual(seen[1]!.headers["content-length"], "6")
        assert.strictEqual(seen[2]!.body, "bytes")
        assert.strictEqual(seen[2]!.headers["connection"], "keep-alive")
      }))

    it.live("a streamed body that fails fails the call (TransportError) and aborts the request", () =>
      Effect.gen(function*() {
        const { url } = yield* server
        const body = Stream.concat(Stream.make(new TextEncoder().encode("he")), Stream.fail(new Error("source failed")))
        const error = yield* Effect.flip(withClient((client) =>
          client.execute(HttpClientRequest.post(`${url}/stream`).pipe(HttpClientRequest.setBody(HttpBody.stream(body, "text/plain"))))
        ))
        assert.strictEqual(error.reason._tag, "TransportError")
      }))
  })
})
