import { describe, expect, it } from "@effect/vitest"
import { Emulator } from "@connectycube-effect/emulator"
import * as Grants from "../src/store/Grants.js"
import { Effect } from "effect"
import { fetchAnswer } from "./helpers.js"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

// Over a real loopback port, with plain fetch, the way the official SDK talks to the server.

const AUTH = { application_id: 1, auth_key: "emulator-auth-key" }

const call = fetchAnswer

const jsonInit = (method: string, body: unknown, token?: string): RequestInit => ({
  method,
  headers: { "content-type": "application/json", ...(token !== undefined ? { "cb-token": token } : {}) },
  body: JSON.stringify(body)
})

const userToken = (base: string, login: string) =>
  Effect.map(
    call(`${base}/session.json`, jsonInit("POST", { ...AUTH, user: { login, password: "password1" } })),
    (a) => a.json.session.token as string
  )

const appToken = (base: string) =>
  Effect.map(call(`${base}/session.json`, jsonInit("POST", AUTH)), (a) => a.json.session.token as string)

/** The official SDK's upload: every query pair of `params` as a field, in order, then `file`. */
const uploadForm = (params: string, file: Uint8Array<ArrayBuffer> | Blob, override: Record<string, string> = {}) => {
  const url = new URL(params)
  const form = new FormData()
  for (const [k, v] of url.searchParams) form.append(k, override[k] ?? v)
  form.append("file", file instanceof Blob ? file : new Blob([file], { type: "application/octet-stream" }))
  return { target: `${url.origin}${url.pathname}`, form }
}

const createBlob = (base: string, token: string, blob: Record<string, unknown>) =>
  call(`${base}/blobs.json`, jsonInit("POST", { blob }, token))

/** Create, upload, complete: the three requests of `createAndUpload`. */
const createAndUpload = (base: string, token: string, bytes: Uint8Array<ArrayBuffer>, blob: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const created = yield* createBlob(base, token, { name: "hello.txt", content_type: "text/plain", public: false, ...blob })
    const { form, target } = uploadForm(created.json.blob.blob_object_access.params, bytes)
    const uploaded = yield* call(target, { method: "POST", body: form })
    expect(uploaded.status).toBe(201)
    const completed = yield* call(`${base}/blobs/${created.json.blob.id}/complete.json`, jsonInit("PUT", { size: bytes.byteLength }, token))
    expect(completed.status).toBe(200)
    return created.json.blob as { id: number; uid: string }
  })

const hello = new TextEncoder().encode("hello world")

const withEmulator = <A, E>(
  f: (emu: Emulator.Service) => Effect.Effect<A, E>,
  options: Emulator.Options = {}
) => Effect.scoped(Effect.flatMap(Effect.orDie(Emulator.make(options)), f))

describe("POST /blobs", () => {
  it.live("answers 201 with the blob and an upload grant pointing at the emulator", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const token = yield* userToken(emu.url, "alice")
        const res = yield* createBlob(emu.url, token, { name: "cat.jpeg", content_type: "image/jpeg", public: false })
        expect(res.status).toBe(201)
        const blob = res.json.blob
        expect(Object.keys(blob)).toEqual([
          "id", "uid", "content_type", "name", "size", "created_at", "updated_at", "blob_status", "set_completed_at",
          "public", "account_id", "app_id", "blob_object_access"
        ])
        expect(blob.uid).toMatch(/^[0-9A-F]{36}$/)
        expect(blob).toMatchObject({ content_type: "image/jpeg", name: "cat.jpeg", size: null, blob_status: null, public: false, app_id: 1 })
        const access = blob.blob_object_access
        expect(access).toMatchObject({ id: blob.id, blob_id: blob.id, object_access_type: "Write" })
        expect(Date.parse(access.expires) - Date.parse(blob.created_at)).toBe(3600_000)
        const params = new URL(access.params)
        expect(`${params.origin}${params.pathname}`).toBe(`${emu.url}/cb-shared-s3`)
        expect([...params.searchParams.keys()]).toEqual([
          "Content-Type", "Expires", "acl", "key", "policy", "success_action_status",
          "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"
        ])
        expect(params.searchParams.get("key")).toBe(blob.uid)
        expect(params.searchParams.get("acl")).toBe("authenticated-read")
        expect(params.searchParams.get("Content-Type")).toBe("image/jpeg")
        expect(params.searchParams.get("success_action_status")).toBe("201")
      })))

  it.live("validates: name and content_type required (422), a user session needed (401/403)", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const token = yield* userToken(emu.url, "alice")
        const noName = yield* createBlob(emu.url, token, { content_type: "text/plain" })
        expect([noName.status, noName.json]).toEqual([422, { errors: { name: ["cannot be blank"] } }])
        const noType = yield* createBlob(emu.url, token, { name: "a.txt" })
        expect([noType.status, noType.json]).toEqual([422, { errors: { content_type: ["cannot be blank"] } }])
        const long = yield* createBlob(emu.url, token, { name: "x".repeat(101), content_type: "text/plain" })
        expect(long.status).toBe(422)
        const app = yield* createBlob(emu.url, yield* appToken(emu.url), { name: "a", content_type: "text/plain" })
        expect([app.status, app.json]).toEqual([403, { errors: { base: ["Forbidden. Need user."] } }])
        const none = yield* call(`${emu.url}/blobs`, jsonInit("POST", { blob: { name: "a", content_type: "text/plain" } }))
        expect([none.status, none.json]).toEqual([401, { errors: ["Token is required"] }])
      })))
})

describe("upload target, complete, download", () => {
  it.live("the official flow end to end: bytes back with the content type; private needs a token", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const created = yield* createBlob(emu.url, alice, { name: "hello.txt", content_type: "text/plain", public: false })
        const blob = created.json.blob
        const { form, target } = uploadForm(blob.blob_object_access.params, hello)
        // The official SDK sends CB-Token to a non-S3 upload URL: accepted.
        const uploaded = yield* call(target, { method: "POST", body: form, headers: { "cb-token": alice } })
        expect(uploaded.status).toBe(201)
        expect(uploaded.headers.get("content-type")).toContain("application/xml")
        expect(uploaded.text).toContain(`<Key>${blob.uid}</Key>`)
        expect(uploaded.text).toContain("<Bucket>cb-shared-s3</Bucket>")
        expect(uploaded.text).toMatch(/<ETag>"5eb63bbbe01eeed093cb22bb8f5acdc3"<\/ETag>/)

        // Not completed yet: nothing to download.
        expect((yield* call(`${emu.url}/blobs/${blob.uid}?token=${alice}`)).status).toBe(404)

        const completed = yield* call(`${emu.url}/blobs/${blob.id}/complete.json`, jsonInit("PUT", { size: 11 }, alice))
        expect([completed.status, completed.text]).toEqual([200, ""])

        const info = yield* call(`${emu.url}/blobs/${blob.id}.json`, { headers: { "cb-token": alice } })
        expect(info.json.blob).toMatchObject({ id: blob.id, uid: blob.uid, size: 11, blob_status: "complete" })
        expect(info.json.blob.set_completed_at).toMatch(/Z$/)
        const byUid = yield* call(`${emu.url}/blobs/${blob.uid}.json`, { headers: { "cb-token": alice } })
        expect(byUid.json).toEqual(info.json)

        const bob = yield* userToken(emu.url, "bob")
        for (const url of [`${emu.url}/blobs/${blob.uid}?token=${bob}`, `${emu.url}/blobs/${blob.uid}/download?token=${bob}`]) {
          const res = yield* call(url)
          expect([res.status, res.text, res.headers.get("content-type")]).toEqual([200, "hello world", "text/plain"])
        }
        const header = yield* call(`${emu.url}/blobs/${blob.uid}`, { headers: { "cb-token": bob } })
        expect(header.text).toBe("hello world")

        const anonymous = yield* call(`${emu.url}/blobs/${blob.uid}`)
        expect([anonymous.status, anonymous.json]).toEqual([401, { errors: ["Token is required"] }])
        const stale = yield* call(`${emu.url}/blobs/${blob.uid}?token=NOPE`)
        expect([stale.status, stale.json]).toEqual([401, { errors: { base: ["Required session does not exist"] } }])
      })))

  it.live("a public blob downloads without a token; acl is public-read", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const created = yield* createBlob(emu.url, alice, { name: "p.png", content_type: "image/png", public: true })
        expect(new URL(created.json.blob.blob_object_access.params).searchParams.get("acl")).toBe("public-read")
        const blob = yield* createAndUpload(emu.url, alice, hello, { name: "p.png", content_type: "image/png", public: true })
        const res = yield* call(`${emu.url}/blobs/${blob.uid}`)
        expect([res.status, res.text, res.headers.get("content-type")]).toEqual([200, "hello world", "image/png"])
      })))

  it.live("a private blob and a session of another application: 403", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const blob = yield* createAndUpload(emu.url, alice, hello)
        const other = yield* call(`${emu.url}/session.json`, jsonInit("POST", { application_id: 2, auth_key: "other-key" }))
        const res = yield* call(`${emu.url}/blobs/${blob.uid}?token=${other.json.session.token}`)
        expect(res.status).toBe(403)
      }), { apps: [{ id: 1, authKey: "emulator-auth-key" }, { id: 2, authKey: "other-key" }] }))

  it.live("the upload checks the grant: signature, policy conditions, expiry, and the fields before the file", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const created = yield* createBlob(emu.url, alice, { name: "a.txt", content_type: "text/plain" })
        const params = created.json.blob.blob_object_access.params as string

        const forged = uploadForm(params, hello, { "x-amz-signature": "0".repeat(64) })
        const sig = yield* call(forged.target, { method: "POST", body: forged.form })
        expect(sig.status).toBe(403)
        expect(sig.text).toContain("<Code>SignatureDoesNotMatch</Code>")

        const otherKey = uploadForm(params, hello, { key: "0123456789ABCDEF0123456789ABCDEF0123" })
        expect((yield* call(otherKey.target, { method: "POST", body: otherKey.form })).status).toBe(403)

        const acl = uploadForm(params, hello, { acl: "public-read" })
        const aclRes = yield* call(acl.target, { method: "POST", body: acl.form })
        expect(aclRes.status).toBe(403)
        expect(aclRes.text).toContain("Policy Condition failed")

        const fileFirst = new FormData()
        fileFirst.append("file", new Blob([hello]))
        const early = yield* call(forged.target, { method: "POST", body: fileFirst })
        expect(early.status).toBe(400)
        expect(early.text).toContain("<Code>InvalidArgument</Code>")

        const noFile = new FormData()
        for (const [k, v] of new URL(params).searchParams) noFile.append(k, v)
        expect((yield* call(forged.target, { method: "POST", body: noFile })).status).toBe(400)

        const notMultipart = yield* call(forged.target, { method: "POST", body: "x", headers: { "content-type": "text/plain" } })
        expect(notMultipart.status).toBe(412)

        yield* emu.advanceClock(61 * 60 * 1000)
        const late = uploadForm(params, hello)
        const expired = yield* call(late.target, { method: "POST", body: late.form })
        expect(expired.status).toBe(403)
        expect(expired.text).toContain("Policy expired")
      })))

  it.live("refuses more than 100 MB: by Content-Length at once, and a chunked body as it grows past the limit", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const created = yield* createBlob(emu.url, alice, { name: "big.bin", content_type: "application/octet-stream" })
        const url = new URL(created.json.blob.blob_object_access.params)
        const target = `${url.origin}${url.pathname}`
        const declared = yield* Effect.promise(() =>
          new Promise<number>((resolve, reject) => {
            // A raw request, so the Content-Length can lie about a body that is never sent.
            import("node:http").then((http) => {
              const req = http.request(target, {
                method: "POST",
                headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(200 * 1024 * 1024) }
              }, (res) => {
                res.resume()
                resolve(res.statusCode ?? 0)
              })
              req.on("error", reject)
              req.flushHeaders()
            }, reject)
          })
        )
        expect(declared).toBe(400)

        // 101 MB streamed chunked: the emulator stops at 100 MB without buffering it.
        const boundary = "----limit"
        const head = new TextEncoder().encode(
          [...url.searchParams].map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") +
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`
        )
        const chunk = new Uint8Array(1024 * 1024)
        let sent = 0
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent === 0) controller.enqueue(head)
            if (sent >= 101) controller.close()
            else {
              sent++
              controller.enqueue(chunk)
            }
          }
        })
        const status = yield* Effect.promise(() =>
          fetch(target, {
            method: "POST",
            body,
            headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
            duplex: "half"
          } as RequestInit).then(async (r) => (await r.text(), r.status), () => 400)
        )
        expect(status).toBe(400)
        const complete = yield* call(`${emu.url}/blobs/${created.json.blob.id}/complete`, jsonInit("PUT", { size: 101 * 1024 * 1024 }, alice))
        expect([complete.status, complete.json]).toEqual([422, { errors: { base: ["The file was not uploaded"] } }])
      })))

  it.live("complete takes {size} and {blob:{size}} (number or string), by PUT or POST, and checks it", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const created = yield* createBlob(emu.url, alice, { name: "a.txt", content_type: "text/plain" })
        const id = created.json.blob.id
        const notUploaded = yield* call(`${emu.url}/blobs/${id}/complete`, jsonInit("PUT", { size: 11 }, alice))
        expect(notUploaded.status).toBe(422)
        const { form, target } = uploadForm(created.json.blob.blob_object_access.params, hello)
        expect((yield* call(target, { method: "POST", body: form })).status).toBe(201)

        const missing = yield* call(`${emu.url}/blobs/${id}/complete`, jsonInit("PUT", {}, alice))
        expect([missing.status, missing.json]).toEqual([422, { errors: { size: ["cannot be blank"] } }])
        const wrong = yield* call(`${emu.url}/blobs/${id}/complete`, jsonInit("PUT", { size: 12 }, alice))
        expect([wrong.status, wrong.json]).toEqual([422, { errors: { size: ["does not match the uploaded file (11 bytes)"] } }])
        const bob = yield* userToken(emu.url, "bob")
        expect((yield* call(`${emu.url}/blobs/${id}/complete`, jsonInit("PUT", { size: 11 }, bob))).status).toBe(403)
        expect((yield* call(`${emu.url}/blobs/999999/complete`, jsonInit("PUT", { size: 11 }, alice))).status).toBe(404)

        const flutter = yield* call(`${emu.url}/blobs/${id}/complete`, jsonInit("POST", { blob: { size: "11" } }, alice))
        expect([flutter.status, flutter.text]).toEqual([200, ""])
        const again = yield* call(`${emu.url}/blobs/${id}/complete.json`, jsonInit("PUT", { size: "11" }, alice))
        expect(again.status).toBe(200)

        // A completed blob cannot be overwritten through its old grant.
        const { form: form2 } = uploadForm(created.json.blob.blob_object_access.params, hello)
        expect((yield* call(target, { method: "POST", body: form2 })).status).toBe(403)
      })))

  it.live("GET /blobs lists the caller's own blobs, completed or not, paged; DELETE only the owner's", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const bob = yield* userToken(emu.url, "bob")
        const done = yield* createAndUpload(emu.url, alice, hello)
        yield* createBlob(emu.url, alice, { name: "pending.txt", content_type: "text/plain" })
        yield* createBlob(emu.url, alice, { name: "third.txt", content_type: "text/plain" })
        yield* createBlob(emu.url, bob, { name: "bobs.txt", content_type: "text/plain" })

        const page1 = yield* call(`${emu.url}/blobs.json?page=1&per_page=2`, { headers: { "cb-token": alice } })
        expect(page1.json).toMatchObject({ current_page: 1, per_page: 2, total_entries: 3 })
        expect(page1.json.items.map((i: any) => [i.blob.name, i.blob.blob_status])).toEqual([
          ["hello.txt", "complete"],
          ["pending.txt", null]
        ])
        // The official SDK sends current_page.
        const page2 = yield* call(`${emu.url}/blobs.json?current_page=2&per_page=2`, { headers: { "cb-token": alice } })
        expect(page2.json.items.map((i: any) => i.blob.name)).toEqual(["third.txt"])

        expect((yield* call(`${emu.url}/blobs/${done.id}`, { method: "DELETE", headers: { "cb-token": bob } })).status).toBe(403)
        const deleted = yield* call(`${emu.url}/blobs/${done.id}.json`, { method: "DELETE", headers: { "cb-token": alice } })
        expect([deleted.status, deleted.text]).toEqual([200, ""])
        expect((yield* call(`${emu.url}/blobs/${done.id}.json`, { headers: { "cb-token": alice } })).status).toBe(404)
        expect((yield* call(`${emu.url}/blobs/${done.uid}?token=${alice}`)).status).toBe(404)
        expect((yield* call(`${emu.url}/blobs/${done.id}`, { method: "DELETE", headers: { "cb-token": alice } })).status).toBe(404)
      })))

  it.live("unknown uid → 404", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const res = yield* call(`${emu.url}/blobs/0123456789ABCDEF0123456789ABCDEF0ABC`)
        expect(res.status).toBe(404)
      })))
})

describe("bytes on disk", () => {
  it.live("with a file database: <db>.blobs/<uid>, no temp file left, served back", () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "emu-blobs-"))
    const db = Path.join(dir, "cube.sqlite")
    return withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251)
        const blob = yield* createAndUpload(emu.url, alice, bytes, { name: "data.bin", content_type: "application/octet-stream" })
        expect(Fs.readdirSync(`${db}.blobs`)).toEqual([blob.uid])
        expect(Buffer.compare(Fs.readFileSync(`${db}.blobs/${blob.uid}`), Buffer.from(bytes))).toBe(0)
        const res = yield* Effect.promise(() => fetch(`${emu.url}/blobs/${blob.uid}?token=${alice}`).then((r) => r.arrayBuffer()))
        expect(Buffer.compare(Buffer.from(res), Buffer.from(bytes))).toBe(0)

        const deleted = yield* call(`${emu.url}/blobs/${blob.id}`, { method: "DELETE", headers: { "cb-token": alice } })
        expect(deleted.status).toBe(200)
        expect(Fs.readdirSync(`${db}.blobs`)).toEqual([])
      }), { db }).pipe(Effect.ensuring(Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))))
  })

  it.live("in memory: a multi-chunk file round-trips byte for byte", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const bytes = new Uint8Array(2 * 1024 * 1024 + 17).map((_, i) => (i * 7) % 256)
        const blob = yield* createAndUpload(emu.url, alice, bytes, { name: "data.bin", content_type: "application/octet-stream" })
        const res = yield* Effect.promise(() =>
          fetch(`${emu.url}/blobs/${blob.uid}/download`, { headers: { "cb-token": alice } }).then(async (r) => ({
            length: r.headers.get("content-length"),
            body: Buffer.from(await r.arrayBuffer())
          }))
        )
        expect(res.length).toBe(String(bytes.byteLength))
        expect(Buffer.compare(res.body, Buffer.from(bytes))).toBe(0)
      })))

  it.live("a form that ends inside the file (no closing boundary) stores nothing", () =>
    withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const created = yield* createBlob(emu.url, alice, { name: "a.bin", content_type: "application/octet-stream" })
        const url = new URL(created.json.blob.blob_object_access.params)
        const boundary = "----short"
        const body = [...url.searchParams].map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n` +
          "x".repeat(100_000)
        const upload = yield* call(`${url.origin}${url.pathname}`, {
          method: "POST",
          headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
          body
        })
        expect(upload.status).toBe(400)
        const complete = yield* call(`${emu.url}/blobs/${created.json.blob.id}/complete`, jsonInit("PUT", { size: 100_000 }, alice))
        expect([complete.status, complete.json]).toEqual([422, { errors: { base: ["The file was not uploaded"] } }])
      })))

  it.live("an upload cut off mid-body stores nothing and leaves no temp file", () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "emu-blobs-"))
    const db = Path.join(dir, "cube.sqlite")
    return withEmulator((emu) =>
      Effect.gen(function*() {
        const alice = yield* userToken(emu.url, "alice")
        const created = yield* createBlob(emu.url, alice, { name: "a.bin", content_type: "application/octet-stream" })
        const url = new URL(created.json.blob.blob_object_access.params)
        const boundary = "----cut"
        const head = [...url.searchParams].map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`
        yield* Effect.promise(() =>
          import("node:http").then((http) =>
            new Promise<void>((resolve) => {
              const req = http.request(`${url.origin}${url.pathname}`, {
                method: "POST",
                headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(head.length + 1_000_000) }
              })
              req.on("error", () => resolve())
              req.write(head)
              req.write(Buffer.alloc(200_000))
              setTimeout(() => {
                req.destroy()
                resolve()
              }, 200)
            })
          )
        )
        yield* Effect.sleep("200 millis")
        const complete = yield* call(`${emu.url}/blobs/${created.json.blob.id}/complete`, jsonInit("PUT", { size: 1_000_000 }, alice))
        expect(complete.status).toBe(422)
        expect(Fs.existsSync(`${db}.blobs`) ? Fs.readdirSync(`${db}.blobs`) : []).toEqual([])
      }), { db }).pipe(Effect.ensuring(Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))))
  })
})

describe("upload grant policy (issue 17, item 1)", () => {
  const secret = "s".repeat(64)
  const now = Date.parse("2030-01-01T00:00:00Z")
  const formOf = (policy: unknown, extra: Record<string, string> = {}) => {
    const encoded = Buffer.from(JSON.stringify(policy)).toString("base64")
    return new Map<string, string>([
      ["key", "uid1"],
      ["success_action_status", "201"],
      ["policy", encoded],
      ["x-amz-signature", Grants.sign(encoded, secret)],
      ...Object.entries(extra)
    ])
  }
  const expiration = "2030-01-01T01:00:00Z"
  const full = [{ key: "uid1" }, { success_action_status: "201" }, ["content-length-range", 0, 10]]

  it("a policy signed with the secret passes, and carries its size range", () => {
    expect(Grants.verifyPolicy(formOf({ expiration, conditions: full }), secret, now)).toEqual({
      _tag: "Granted",
      grant: { minSize: 0, maxSize: 10 }
    })
  })

  it("a policy without key, success_action_status, range or expiry is refused even when signed", () => {
    const missing = [
      { expiration, conditions: [] },
      { expiration, conditions: full.filter((_, i) => i !== 0) },
      { expiration, conditions: full.filter((_, i) => i !== 1) },
      { expiration, conditions: full.filter((_, i) => i !== 2) },
      { conditions: full },
      { expiration: "2029-12-31T23:59:59Z", conditions: full }
    ]
    for (const policy of missing) {
      const verdict = Grants.verifyPolicy(formOf(policy), secret, now)
      expect(verdict._tag, JSON.stringify(policy)).toBe("Denied")
    }
  })

  it("another key or another secret is refused", () => {
    const form = formOf({ expiration, conditions: full })
    expect(Grants.verifyPolicy(form, "other", now)).toMatchObject({ denial: { code: "SignatureDoesNotMatch" } })
    form.set("key", "uid2")
    expect(Grants.verifyPolicy(form, secret, now)).toMatchObject({ denial: { code: "AccessDenied" } })
  })
})
