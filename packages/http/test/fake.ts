import { Cube } from "@connectycube-effect/http"
import { type Effect, Layer } from "effect"
import type { HttpClient } from "effect/http"
import { type Captured, fakeClient, type Reply } from "./kit.js"

export type { Captured, Reply } from "./kit.js"

/** A fake HttpClient: records every request and answers with `reply` (see `kit.ts`). */
export const fakeHttp = (reply: (req: Captured, n: number) => Reply | Effect.Effect<Reply>) => fakeClient(reply)

export const appSessionBody = (token: string, id = 1) => ({
  session: { id, application_id: 1, token, user_id: null, created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" }
})

export const cubeLayer = (
  http: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<Cube.Options> = {}
) => Cube.layer({ appId: 1, authKey: "secret-auth-key", apiUrl: "http://cube.test", ...options }).pipe(Layer.provide(http))

export const expiredBody = { errors: { base: ["Required session does not exist"] } }
