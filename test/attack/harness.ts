/**
 * The attack suite's harness: an emulator on 127.0.0.1, port 0 (a real loopback port), and a `fetch` helper that
 * answers `{ status, body }` (the body parsed as JSON when it is JSON).
 */
import { Emulator } from "@connectycube-effect/emulator"
import { Effect } from "effect"

export const AUTH_KEY = "attack-key"

export interface Answer {
  readonly status: number
  readonly body: any
}

export const call = (url: string, init: RequestInit = {}): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const res = await fetch(url, init)
    const text = await res.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: the text
    }
    return { status: res.status, body }
  })

export const json = (method: string, body: unknown, token?: string): RequestInit => ({
  method,
  headers: { "content-type": "application/json", ...(token === undefined ? {} : { "CB-Token": token }) },
  body: JSON.stringify(body)
})

/** An emulator on loopback with one app (id 1). */
export const emulator = (options: Emulator.Options = {}) =>
  Emulator.make({ host: "127.0.0.1", port: 0, apps: [{ id: 1, authKey: AUTH_KEY }], ...options })

/** `POST /session` with the app's credentials and `extra` (a `user`, a `provider`, ...). */
export const signIn = (base: string, extra: Record<string, unknown>) =>
  call(`${base}/session.json`, json("POST", { application_id: 1, auth_key: AUTH_KEY, ...extra }))

/** An unsigned Firebase-style ID token, as the Firebase Auth emulator issues them. */
export const idToken = (payload: Record<string, unknown>) =>
  ["eyJhbGciOiJub25lIn0", Buffer.from(JSON.stringify(payload)).toString("base64url"), ""].join(".")

export const inAnHour = () => Math.floor(Date.now() / 1000) + 3600
