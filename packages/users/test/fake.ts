import { Cube } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { Layer } from "effect"
import { type Captured, fakeClient } from "../../http/test/kit.js"

export type { Captured } from "../../http/test/kit.js"

export interface Reply {
  readonly status: number
  readonly body?: unknown
}

export const API_URL = "http://cube.test"
export const USER_ID = 100

export const userJson = (id: number, fields: Record<string, unknown> = {}) => ({
  id,
  full_name: `User ${id}`,
  email: `user${id}@example.com`,
  login: `user${id}`,
  phone: null,
  website: null,
  created_at: "2018-06-15T14:20:54Z",
  updated_at: "2018-12-05T11:58:02Z",
  last_request_at: null,
  external_user_id: null,
  facebook_id: null,
  twitter_id: null,
  custom_data: null,
  blob_id: null,
  avatar: null,
  user_tags: null,
  ...fields
})

/** The token of the `n`th session of a kind: `USER-TOKEN`, then `USER-TOKEN-2`, … (a renewed session has a new one). */
const tokenOf = (kind: string, n: number) => n === 1 ? kind : `${kind}-${n}`

const sessionReply = (body: string | undefined, count: (kind: string) => number): Reply => {
  const parsed = body === undefined ? {} : JSON.parse(body)
  const isUser = parsed.user !== undefined && parsed.user.guest === undefined
  const kind = isUser ? "USER-TOKEN" : "APP-TOKEN"
  return {
    status: 201,
    body: {
      session: {
        id: isUser ? 2 : 1,
        application_id: 1,
        token: tokenOf(kind, count(kind)),
        user_id: isUser ? USER_ID : null,
        created_at: "2026-01-01T00:00:00.000Z",
        updated_at: "2026-01-01T00:00:00.000Z",
        ...(isUser ? { user: userJson(USER_ID) } : {})
      }
    }
  }
}

/**
 * A fake ConnectyCube: `POST /session`, `DELETE /session` and `DELETE /login` answer like the server; every
 * other request goes to `route`. Every request is recorded in `requests`.
 */
export const fakeCube = (route: (req: Captured) => Reply = () => ({ status: 200, body: { user: userJson(USER_ID) } })) => {
  const created = new Map<string, number>()
  const count = (kind: string) => {
    const n = (created.get(kind) ?? 0) + 1
    created.set(kind, n)
    return n
  }
  const { layer: http, requests } = fakeClient((captured): Reply & { readonly headers: Record<string, string> } => ({
    ...(captured.path === "/session.json" && captured.method === "POST"
      ? sessionReply(captured.body, count)
      : (captured.path === "/session.json" || captured.path === "/login.json") && captured.method === "DELETE"
      ? { status: 200, body: "" }
      : route(captured)),
    headers: { "content-type": "application/json; charset=utf-8" }
  }))
  const layer = Users.layer.pipe(
    Layer.provideMerge(Cube.layer({ appId: 1, authKey: "AUTHKEY-abc", apiUrl: API_URL })),
    Layer.provide(http)
  )
  /** Requests other than session management. */
  const api = () => requests.filter((r) => r.path !== "/session.json" && r.path !== "/login.json")
  return { requests, api, layer }
}

export const runs = Number(process.env.FUZZ_RUNS ?? 1000)
