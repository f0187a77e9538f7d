import { Cube } from "@connectycube-effect/http"
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "effect/http"

export interface Captured {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "network-error"

/** A fake HttpClient: records every request and answers with `reply`. */
export const fakeHttp = (reply: (req: Captured, n: number) => Reply | Effect.Effect<Reply>) => {
  const requests: Array<Captured> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request: HttpClientRequest.HttpClientRequest, url, signal) =>
      Effect.gen(function*() {
        const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : undefined
        const captured: Captured = { method: request.method, url: url.toString(), headers: { ...request.headers }, body }
        requests.push(captured)
        const r = reply(captured, requests.length)
        const answer = Effect.isEffect(r) ? yield* r : r
        if (signal.aborted) return yield* Effect.interrupt
        if (answer === "network-error") {
          return yield* Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({ request, cause: new Error("ECONNREFUSED") })
            })
          )
        }
        const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)
        return HttpClientResponse.fromWeb(
          request,
          new Response(text, { status: answer.status, headers: { "content-type": "application/json", ...answer.headers } })
        )
      })
    )
  )
  return { requests, layer }
}

export const appSessionBody = (token: string, id = 1) => ({
  session: { id, application_id: 1, token, user_id: null, created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" }
})

export const cubeLayer = (
  http: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<Cube.Options> = {}
) => Cube.layer({ appId: 1, authKey: "secret-auth-key", apiUrl: "http://cube.test", ...options }).pipe(Layer.provide(http))

export const expiredBody = { errors: { base: ["Required session does not exist"] } }
