// Issue 17, item 1: forged upload grants. The grant is signed with a per-emulator secret no client sees;
// the policy must pin the key, an expiry, success_action_status and the content-length range.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { AUTH_KEY, b64, call, createBlob, hmac, postJson, signIn, start, upload } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

describe("attack: upload grants", () => {
  let emu: Emu
  beforeAll(async () => {
    emu = await start()
  })
  afterAll(() => emu.close())

  const forge = (key: string, policy: unknown, signingKey = `connectycube-emulator-s3:${AUTH_KEY}`) => {
    const encoded = b64(policy)
    return [
      ["key", key],
      ["policy", encoded],
      ["success_action_status", "204"],
      ["x-amz-signature", hmac(signingKey, encoded)]
    ] as const
  }

  it("a policy signed with the public auth key is refused, and the victim's blob keeps its bytes", async () => {
    const victim = await signIn(emu.url, "grant-victim")
    const attacker = await signIn(emu.url, "grant-attacker")
    const own = await createBlob(emu.url, victim.token)
    // the attacker learns the uid from the blob's id (any session of the app may read it)
    const info = await call(`${emu.url}/blobs/${own.blob.id}`, { headers: { "cb-token": attacker.token } })
    const uid = JSON.parse(info.text).blob.uid as string
    const cases = [
      { expiration: "2999-01-01T00:00:00Z", conditions: [] },
      {
        expiration: "2999-01-01T00:00:00Z",
        conditions: [{ key: uid }, { success_action_status: "204" }, ["content-length-range", 0, 10]]
      }
    ]
    for (const policy of cases) {
      const forged = await upload(own.uploadUrl, forge(uid, policy), "attacker bytes")
      expect(forged.status).toBe(403)
      expect(forged.text).toContain("<Code>SignatureDoesNotMatch</Code>")
    }
    // the owner uploads and completes; the blob serves the owner's bytes
    const ok = await upload(own.uploadUrl, own.fields, "owner bytes")
    expect(ok.status).toBe(201)
    const done = await call(`${emu.url}/blobs/${own.blob.id}/complete`, {
      method: "PUT",
      headers: { "content-type": "application/json", "cb-token": victim.token },
      body: JSON.stringify({ size: 11 })
    })
    expect(done.status).toBe(200)
    const bytes = await call(`${emu.url}/blobs/${uid}?token=${victim.token}`)
    expect(bytes.text).toBe("owner bytes")
  })

  it("the fields of a real grant cannot be changed or reused for another blob", async () => {
    const user = await signIn(emu.url, "grant-tamper")
    const a = await createBlob(emu.url, user.token, "a.txt")
    const b = await createBlob(emu.url, user.token, "b.txt")
    const withField = (name: string, value: string) =>
      a.fields.map(([k, v]) => (k === name ? [k, value] as const : [k, v] as const))
    for (const [name, value] of [["key", b.blob.uid], ["success_action_status", "204"], ["Content-Type", "text/html"]]) {
      const res = await upload(a.uploadUrl, withField(name!, value!), "x")
      expect(res.status, `${name}=${value}`).toBe(403)
      expect(res.text).toMatch(/<Code>(AccessDenied|SignatureDoesNotMatch)<\/Code>/)
    }
    // a grant's policy with another signature
    const res = await upload(a.uploadUrl, withField("x-amz-signature", "0".repeat(64)), "x")
    expect(res.status).toBe(403)
    expect(res.text).toContain("<Code>SignatureDoesNotMatch</Code>")
    // nor without the signature or the policy
    for (const drop of ["x-amz-signature", "policy"]) {
      const res = await upload(a.uploadUrl, a.fields.filter(([k]) => k !== drop), "x")
      expect(res.status, `without ${drop}`).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
    }
  })

  it("an expired grant is refused (emulator clock)", async () => {
    const user = await signIn(emu.url, "grant-expired")
    const a = await createBlob(emu.url, user.token)
    await emu.advanceClock(60 * 60 * 1000 + 1000)
    const res = await upload(a.uploadUrl, a.fields, "x")
    expect(res.status).toBe(403)
    expect(res.text).toContain("<Code>AccessDenied</Code>")
  })

  it("the grant secret is kept in the database: a grant survives a restart, and is not in an export", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "attack-grants-"))
    const db = Path.join(dir, "cube.sqlite")
    try {
      const first = await start({ db })
      const user = await signIn(first.url, "grant-restart")
      const a = await createBlob(first.url, user.token)
      const exported = await call(`${first.url}/__emulator/export?secrets=true`)
      await first.close()
      const second = await start({ db })
      try {
        const res = await upload(`${second.url}/cb-shared-s3`, a.fields, "after restart")
        expect(res.status).toBe(201)
        const policy = a.fields.find(([k]) => k === "x-amz-signature")![1]
        expect(exported.text).not.toContain(policy)
      } finally {
        await second.close()
      }
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("authorization matrix of the blob routes", async () => {
    const owner = await signIn(emu.url, "matrix-owner")
    const other = await signIn(emu.url, "matrix-other")
    const app = JSON.parse((await postJson(`${emu.url}/session`, { application_id: 1, auth_key: AUTH_KEY })).text).session
      .token as string
    const blob = await createBlob(emu.url, owner.token)
    expect((await upload(blob.uploadUrl, blob.fields, "abc")).status).toBe(201)
    const id = blob.blob.id as number
    const uid = blob.blob.uid as string
    const who = { none: undefined, app, other: other.token, owner: owner.token } as const
    const matrix: ReadonlyArray<readonly [string, string, keyof typeof who, number]> = [
      ["PUT", `/blobs/${id}/complete`, "none", 401],
      ["PUT", `/blobs/${id}/complete`, "app", 403],
      ["PUT", `/blobs/${id}/complete`, "other", 403],
      ["DELETE", `/blobs/${id}`, "none", 401],
      ["DELETE", `/blobs/${id}`, "app", 403],
      ["DELETE", `/blobs/${id}`, "other", 403],
      ["POST", `/blobs`, "none", 401],
      ["POST", `/blobs`, "app", 403],
      ["GET", `/blobs`, "none", 401],
      ["GET", `/blobs/${id}`, "none", 401],
      ["GET", `/blobs/${uid}.json`, "none", 401]
    ]
    for (const [method, path, as, status] of matrix) {
      const token = who[as]
      const res = await call(`${emu.url}${path}`, {
        method,
        headers: { "content-type": "application/json", ...(token === undefined ? {} : { "cb-token": token }) },
        ...(method === "GET" ? {} : { body: JSON.stringify({ size: 3, blob: { name: "x", content_type: "text/plain" } }) })
      })
      expect(res.status, `${method} ${path} as ${as}`).toBe(status)
      expect(() => JSON.parse(res.text)).not.toThrow()
    }
  })
})
