// Attacker's pass after issue 17: the request's Host header is the client's word, not the emulator's address.
// A password-reset mail goes to a third party (the user), so its link must not be built from it: else
// `POST /users/password/reset` with `Host: evil.example` mails the victim a link to evil.example carrying the
// reset token. The URLs handed back to the caller itself (the blob upload target) keep following the Host, so
// that a client that reaches the emulator through another name (a docker port mapping, `localhost`) can use them.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "node:http"
import { AUTH_KEY, postJson, signIn, start } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

/** A POST with a chosen Host header (fetch does not let a script set Host; node:http does). */
const postWithHost = (url: string, host: string, body: unknown, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const payload = JSON.stringify(body)
    const req = Http.request(url, {
      method: "POST",
      headers: { host, "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers }
    }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (d: string) => (text += d))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")))
    req.on("error", reject)
    req.end(payload)
  })

const appToken = async (base: string) =>
  JSON.parse((await postJson(`${base}/session`, { application_id: 1, auth_key: AUTH_KEY })).text).session.token as string

/** The emulator's mails to `to`, newest last. */
const mailsTo = async (emu: Emu, to: string) =>
  (await emu.emails()).filter((m) => m.to === to) as unknown as ReadonlyArray<{ data: { link: string; reset_password_token: string }; body: string }>

describe("attack: the Host header", () => {
  let emu: Emu
  let victim: { token: string; userId: number }
  beforeAll(async () => {
    emu = await start()
    victim = await signIn(emu.url, "reset-victim")
    const res = await fetch(`${emu.url}/users/${victim.userId}`, {
      method: "PUT",
      headers: { "content-type": "application/json", "cb-token": victim.token },
      body: JSON.stringify({ user: { email: "victim@example.com" } })
    })
    expect(res.status).toBe(200)
  })
  afterAll(() => emu.close())

  it("a password-reset mail links to the emulator, whatever Host the request named", async () => {
    const token = await appToken(emu.url)
    for (const host of ["evil.example", "evil.example:443", `localhost:${emu.port}`]) {
      const res = await postWithHost(`${emu.url}/users/password/reset`, host, { email: "victim@example.com" }, { "cb-token": token })
      expect(res.status, res.text).toBe(200)
      const mail = (await mailsTo(emu, "victim@example.com")).at(-1)!
      expect(mail.data.link, host).toBe(`${emu.url}/users/password/edit?reset_password_token=${mail.data.reset_password_token}`)
      expect(mail.body).not.toContain("evil")
    }
  })

  it("with a public URL (--public-url), the mail links there", async () => {
    const behindProxy = await start({ publicUrl: "https://cube.dev.example:8443/" })
    try {
      const token = await appToken(behindProxy.url)
      const user = await signIn(behindProxy.url, "reset-public")
      const put = await fetch(`${behindProxy.url}/users/${user.userId}`, {
        method: "PUT",
        headers: { "content-type": "application/json", "cb-token": user.token },
        body: JSON.stringify({ user: { email: "public@example.com" } })
      })
      expect(put.status).toBe(200)
      const res = await postWithHost(`${behindProxy.url}/users/password/reset`, "evil.example", { email: "public@example.com" }, {
        "cb-token": token
      })
      expect(res.status, res.text).toBe(200)
      const mail = (await behindProxy.emails()).at(-1) as { data: { link: string; reset_password_token: string } }
      expect(mail.data.link).toBe(`https://cube.dev.example:8443/users/password/edit?reset_password_token=${mail.data.reset_password_token}`)
    } finally {
      await behindProxy.close()
    }
  })

  it("a public URL that is not an http(s) origin is refused at start", async () => {
    for (const publicUrl of ["cube.dev.example", "ftp://cube.dev.example", "javascript:alert(1)", "https://cube.dev.example/x?y=1", ""]) {
      await expect(start({ publicUrl }), publicUrl).rejects.toMatchObject({ _tag: "EmulatorError", reason: "Options" })
    }
  })

  it("the upload target handed back to the caller keeps following the Host it used (docker port mapping, localhost)", async () => {
    const res = await postWithHost(
      `${emu.url}/blobs`,
      `localhost:${emu.port}`,
      { blob: { name: "a.txt", content_type: "text/plain" } },
      { "cb-token": victim.token }
    )
    expect(res.status, res.text).toBe(201)
    expect(JSON.parse(res.text).blob.blob_object_access.params).toMatch(new RegExp(`^http://localhost:${emu.port}/cb-shared-s3\\?`))
  })
})
