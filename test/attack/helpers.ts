// Shared by the attack suite: an emulator on 127.0.0.1, port 0, and small fetch helpers.
import { Emulator } from "@connectycube-effect/emulator"
import * as Crypto from "node:crypto"
import { expect } from "vitest"

export const AUTH_KEY = "emulator-auth-key"

export const start = (options: Emulator.Options = {}) => Emulator.startEmulator({ host: "127.0.0.1", port: 0, ...options })

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

/** A request with a bounded wait (an answer that never comes fails the test instead of hanging it). */
export const call = async (url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Answer> => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })

/** A user session token (the login is created on first sign-in). */
export const signIn = async (base: string, login: string): Promise<{ token: string; userId: number }> => {
  const res = await postJson(`${base}/session`, {
    application_id: 1,
    auth_key: AUTH_KEY,
    user: { login, password: "password1" }
  })
  if (res.status !== 201) throw new Error(`sign-in ${login}: ${res.status} ${res.text}`)
  const session = JSON.parse(res.text).session
  return { token: session.token, userId: session.user_id }
}

/** A blob of the caller's, with its grant's form fields (in the order the grant lists them). */
export const createBlob = async (base: string, token: string, name = "a.txt") => {
  const res = await postJson(`${base}/blobs`, { blob: { name, content_type: "text/plain" } }, { "cb-token": token })
  if (res.status !== 201) throw new Error(`POST /blobs: ${res.status} ${res.text}`)
  const blob = JSON.parse(res.text).blob
  const params = new URL(blob.blob_object_access.params as string)
  return { blob, uploadUrl: `${params.origin}${params.pathname}`, fields: [...params.searchParams.entries()] }
}

/** S3 browser-POST: the form fields, then the file. */
export const upload = (url: string, fields: ReadonlyArray<readonly [string, string]>, bytes: Uint8Array<ArrayBuffer> | string) => {
  const form = new FormData()
  for (const [k, v] of fields) form.append(k, v)
  form.append("file", new Blob([bytes], { type: "text/plain" }), "file.txt")
  return call(url, { method: "POST", body: form })
}

export const hmac = (key: string, data: string) => Crypto.createHmac("sha256", key).update(data).digest("hex")
export const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64")

/** A blob of the caller's (private unless `public`), created, uploaded and completed through the REST API only. */
export const storeBlob = async (
  base: string,
  token: string,
  blob: { readonly name: string; readonly type: string; readonly public?: boolean; readonly body: string }
) => {
  const created = await postJson(`${base}/blobs`, {
    blob: { name: blob.name, content_type: blob.type, public: blob.public ?? false }
  }, { "cb-token": token })
  expect(created.status, created.text).toBe(201)
  const row = JSON.parse(created.text).blob
  const params = new URL(row.blob_object_access.params as string)
  const form = new FormData()
  for (const [k, v] of params.searchParams) form.append(k, v)
  form.append("file", new Blob([blob.body], { type: "application/octet-stream" }), "file")
  expect((await call(`${params.origin}${params.pathname}`, { method: "POST", body: form })).status).toBe(201)
  const done = await call(`${base}/blobs/${row.id}/complete`, {
    method: "PUT",
    headers: { "content-type": "application/json", "cb-token": token },
    body: JSON.stringify({ blob: { size: Buffer.byteLength(blob.body) } })
  })
  expect(done.status, done.text).toBe(200)
  return { id: row.id as number, uid: row.uid as string }
}
