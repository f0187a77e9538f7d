/**
 * The rights matrix of reference/rest-api.md §3, enforced by the emulator and checked as one table:
 * no token / application / user (own record) / user (another's record) / guest × every endpoint.
 * An application session reads but never writes (403 "Forbidden. Need user."), a user writes only its own
 * records, a private blob is readable by any session of the app and by nobody without a token.
 */
import { describe, expect, it } from "@effect/vitest"
import { Emulator } from "@connectycube-effect/emulator"

const KEY = "rights-key"

type Who = "none" | "app" | "alice" | "guest"
interface Cell {
  readonly name: string
  readonly method: string
  readonly path: (ids: Ids) => string
  readonly body?: (ids: Ids) => unknown
  readonly auth?: "authKey"
  readonly expect: Partial<Record<Who, number>>
}
interface Ids {
  readonly alice: number
  readonly bob: number
  readonly aliceBlob: { id: number; uid: string }
  readonly bobBlob: { id: number; uid: string }
  readonly bobPublicBlob: { id: number; uid: string }
}

let n = 0
const fresh = () => `u${Date.now().toString(36)}${n++}`

const table: ReadonlyArray<Cell> = [
  { name: "read the session", method: "GET", path: () => "/session.json", expect: { none: 401, app: 200, alice: 200, guest: 200 } },
  { name: "search users (V2)", method: "GET", path: () => "/users/v2.json?login=bob", expect: { none: 401, app: 200, alice: 200, guest: 200 } },
  { name: "read a user by id", method: "GET", path: (i) => `/users/${i.bob}.json`, expect: { none: 401, app: 200, alice: 200, guest: 200 } },
  { name: "V1 lookup by login", method: "GET", path: () => "/users/by_login.json?login=bob", expect: { none: 401, app: 200, alice: 200 } },
  { name: "sign up with a token", method: "POST", path: () => "/users.json", body: () => ({ user: { login: fresh(), password: "password1" } }), expect: { none: 401, app: 201, alice: 201 } },
  { name: "sign up with CB-AuthKey", method: "POST", path: () => "/users.json", body: () => ({ user: { login: fresh(), password: "password1" } }), auth: "authKey", expect: { none: 201 } },
  { name: "update own profile", method: "PUT", path: (i) => `/users/${i.alice}.json`, body: () => ({ user: { full_name: "Alice A" } }), expect: { none: 401, app: 403, alice: 200 } },
  { name: "update another user", method: "PUT", path: (i) => `/users/${i.bob}.json`, body: () => ({ user: { full_name: "Hacked" } }), expect: { app: 403, alice: 403, guest: 403 } },
  { name: "delete another user", method: "DELETE", path: (i) => `/users/${i.bob}.json`, expect: { none: 401, app: 403, alice: 403, guest: 403 } },
  { name: "create a blob", method: "POST", path: () => "/blobs.json", body: () => ({ blob: { name: "a.txt", content_type: "text/plain" } }), expect: { none: 401, app: 403, alice: 201, guest: 201 } },
  { name: "list own blobs", method: "GET", path: () => "/blobs.json", expect: { none: 401, app: 403, alice: 200 } },
  { name: "read own blob info", method: "GET", path: (i) => `/blobs/${i.aliceBlob.id}.json`, expect: { none: 401, alice: 200 } },
  { name: "download another's private blob", method: "GET", path: (i) => `/blobs/${i.bobBlob.uid}`, expect: { none: 401, app: 200, alice: 200, guest: 200 } },
  { name: "download a public blob", method: "GET", path: (i) => `/blobs/${i.bobPublicBlob.uid}`, expect: { none: 200, app: 200, alice: 200 } },
  { name: "delete another's blob", method: "DELETE", path: (i) => `/blobs/${i.bobBlob.id}.json`, expect: { none: 401, app: 403, alice: 403, guest: 403 } },
  { name: "downgrade (logout) an application session", method: "DELETE", path: () => "/login.json", expect: { none: 401 } }
]

const call = async (url: string, method: string, path: string, token?: string, body?: unknown, authKey?: boolean) => {
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (token) headers["CB-Token"] = token
  if (authKey) headers["CB-AuthKey"] = KEY
  const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
  const text = await res.text()
  let parsed: any = text
  try {
    parsed = text === "" ? undefined : JSON.parse(text)
  } catch {
    // a download: bytes, not JSON
  }
  return { status: res.status, body: parsed }
}

const session = async (url: string, user?: unknown) =>
  (await call(url, "POST", "/session.json", undefined, { application_id: 1, auth_key: KEY, ...(user ? { user } : {}) })).body.session

const upload = async (url: string, token: string, isPublic: boolean) => {
  const blob = (await call(url, "POST", "/blobs.json", token, { blob: { name: "f.txt", content_type: "text/plain", public: isPublic } })).body.blob
  const target = new URL(blob.blob_object_access.params)
  const form = new FormData()
  for (const [k, v] of target.searchParams) form.append(k, v)
  form.append("file", new Blob(["bytes"], { type: "text/plain" }))
  const up = await fetch(`${target.origin}${target.pathname}`, { method: "POST", body: form })
  expect(up.status).toBe(201)
  await call(url, "PUT", `/blobs/${blob.id}/complete.json`, token, { size: 5 })
  return { id: blob.id as number, uid: blob.uid as string }
}

describe("rights matrix", () => {
  it("every cell answers the status of the reference", async () => {
    const emu = await Emulator.startEmulator({ apps: [{ id: 1, authKey: KEY }] })
    try {
      const bobSession = await session(emu.url, { login: "bob", password: "bob-password" })
      const aliceSession = await session(emu.url, { login: "alice", password: "alice-password" })
      const ids: Ids = {
        alice: aliceSession.user_id,
        bob: bobSession.user_id,
        aliceBlob: await upload(emu.url, aliceSession.token, false),
        bobBlob: await upload(emu.url, bobSession.token, false),
        bobPublicBlob: await upload(emu.url, bobSession.token, true)
      }
      const tokens: Record<Who, string | undefined> = {
        none: undefined,
        app: (await session(emu.url)).token,
        alice: aliceSession.token,
        guest: (await session(emu.url, { guest: "1", full_name: "Guest" })).token
      }
      const mismatches: Array<string> = []
      for (const cell of table) {
        for (const [who, status] of Object.entries(cell.expect) as Array<[Who, number]>) {
          const res = await call(emu.url, cell.method, cell.path(ids), tokens[who], cell.body?.(ids), cell.auth === "authKey")
          if (res.status !== status) {
            mismatches.push(`${cell.name} as ${who}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`)
          }
          // refusals come in the server's error shape
          if (res.status >= 400) expect(res.body, `${cell.name} as ${who}`).toHaveProperty("errors")
          if (res.status === 403 && who === "app") expect(res.body).toEqual({ errors: { base: ["Forbidden. Need user."] } })
          if (res.status === 401 && who === "none") expect(res.body).toEqual({ errors: ["Token is required"] })
        }
      }
      expect(mismatches).toEqual([])
      // nothing the refused calls tried was stored
      const bob = await call(emu.url, "GET", `/users/${ids.bob}.json`, tokens.app)
      expect(bob.body.user.full_name).not.toBe("Hacked")
      expect((await call(emu.url, "GET", `/blobs/${ids.bobBlob.id}.json`, bobSession.token)).status).toBe(200)
    } finally {
      await emu.close()
    }
  }, 60_000)
})
