// Issue 19: the web UI's control endpoints (routes/Console.ts) and assets (routes/Ui.ts) keep the control API's
// protections (no CORS, loopback Host, JSON on state changes), never show a secret unasked, and answer bad
// input with a 4xx JSON body: never a 500, never a hang.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import * as Http from "node:http"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { AUTH_KEY, call, createBlob, postJson, signIn, start, upload } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const BIN = Path.join(ROOT, "packages/emulator/src/bin.ts")

const json = { "content-type": "application/json" }

/** A 4xx whose body is JSON with `errors`. */
const expectJsonError = (res: { status: number; text: string }, what: string) => {
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeLessThan(500)
  expect(JSON.parse(res.text).errors, what).toBeDefined()
}

/** A request with a chosen Host header (fetch does not let a script set it; node:http does). */
const withHost = (url: string, method: string, host: string, body?: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    // Content-Length by hand: node:http sends a DELETE body unframed otherwise
    const framing = body === undefined ? {} : { ...json, "content-length": String(Buffer.byteLength(body)) }
    const req = Http.request(url, { method, headers: { host, ...framing } }, (res) => {
      let text = ""
      res.on("data", (d: Buffer) => (text += d.toString()))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")))
    req.on("error", reject)
    req.end(body)
  })

describe("attack: the web UI's control endpoints", () => {
  let emu: Emu
  let user: { token: string; userId: number }
  let blobId: number
  beforeAll(async () => {
    emu = await start()
    user = await signIn(emu.url, "console-target")
    const { blob, fields, uploadUrl } = await createBlob(emu.url, user.token, "secret.txt")
    expect((await upload(uploadUrl, fields, "the bytes")).status).toBe(201)
    blobId = blob.id
  })
  afterAll(() => emu.close())

  const page = { origin: "https://evil.example" }
  const reads = () => [
    "/__emulator/overview",
    "/__emulator/apps/1/auth-key",
    "/__emulator/users",
    `/__emulator/users/${user.userId}`,
    "/__emulator/sessions",
    "/__emulator/blobs",
    `/__emulator/blobs/${blobId}/content`,
    "/__emulator/requests?after=0",
    "/__emulator/ui/",
    "/__emulator/ui/index.html"
  ]
  const changes = () => [
    ["POST", "/__emulator/users", JSON.stringify({ user: { login: "csrf-made", password: "password1" } })],
    ["PUT", `/__emulator/users/${user.userId}`, JSON.stringify({ user: { full_name: "csrf" } })],
    ["DELETE", `/__emulator/users/${user.userId}`, "{}"],
    ["DELETE", "/__emulator/sessions/1", "{}"],
    ["DELETE", "/__emulator/faults/1", "{}"]
  ] as const

  it("answers no CORS, and refuses every preflight", async () => {
    for (const path of reads()) {
      const res = await call(`${emu.url}${path}`, { headers: page })
      expect(res.status, path).toBe(200)
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull()
    }
    for (const [method, path] of [...changes(), ["GET", "/__emulator/overview"] as const]) {
      const preflight = await call(`${emu.url}${path}`, {
        method: "OPTIONS",
        headers: { ...page, "access-control-request-method": method, "access-control-request-headers": "content-type" }
      })
      expect(preflight.status, `${method} ${path}`).toBe(403)
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
      expectJsonError(preflight, `preflight ${path}`)
    }
  })

  it("a foreign Host (a DNS-rebound page) is refused, for reads and changes", async () => {
    for (const path of reads()) {
      const res = await withHost(`${emu.url}${path}`, "GET", "evil.example:80")
      expect(res.status, path).toBe(403)
      expect(res.text).not.toContain(AUTH_KEY)
    }
    for (const [method, path, body] of changes()) {
      expect((await withHost(`${emu.url}${path}`, method, "rebind.evil.example", body)).status, path).toBe(403)
    }
    // the user is untouched
    expect((await call(`${emu.url}/users/${user.userId}`, { headers: { "cb-token": user.token } })).status).toBe(200)
  })

  it("a state change without a JSON body type (what a page can send without a preflight) is 415 and changes nothing", async () => {
    const simple = [{ "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded" }, {}]
    for (const [method, path, body] of changes()) {
      for (const headers of simple) {
        const res = await call(`${emu.url}${path}`, { method, headers: { ...page, ...headers }, body })
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(415)
        expectJsonError(res, path)
      }
    }
    expect((await call(`${emu.url}/users/${user.userId}`, { headers: { "cb-token": user.token } })).status).toBe(200)
    const users = JSON.parse((await call(`${emu.url}/__emulator/users?search=csrf`)).text)
    expect(users.total_entries).toBe(0)
  })

  it("shows no session token, no password hash, and the auth key only when asked for it", async () => {
    for (const path of ["/__emulator/overview", "/__emulator/users", `/__emulator/users/${user.userId}`, "/__emulator/sessions?all=true", "/__emulator/blobs"]) {
      const res = await call(`${emu.url}${path}`)
      expect(res.text, path).not.toContain(user.token)
      expect(res.text, path).not.toContain(AUTH_KEY)
      expect(res.text, path).not.toMatch(/password|scrypt|\$s0\$/)
    }
    const sessions = JSON.parse((await call(`${emu.url}/__emulator/sessions`)).text).sessions as Array<{ token: string }>
    expect(sessions.length).toBeGreaterThan(0)
    for (const s of sessions) expect(s.token).toMatch(/^.{0,4}••••$/)
    expect(JSON.parse((await call(`${emu.url}/__emulator/apps/1/auth-key`)).text).authKey).toBe(AUTH_KEY)
  })

  it("blob bytes are user content: sandboxed, never sniffed, inline only for safe types", async () => {
    const { blob, fields, uploadUrl } = await createBlob(emu.url, user.token, "x.html")
    // the blob is declared text/plain by the helper; make a second one that claims HTML
    expect((await upload(uploadUrl, fields, "<script>alert(1)</script>")).status).toBe(201)
    const html = await postJson(`${emu.url}/blobs`, { blob: { name: "page.html", content_type: "text/html" } }, { "cb-token": user.token })
    const htmlBlob = JSON.parse(html.text).blob
    const params = new URL(htmlBlob.blob_object_access.params as string)
    expect((await upload(`${params.origin}${params.pathname}`, [...params.searchParams.entries()], "<script>alert(1)</script>")).status).toBe(201)
    for (const [id, query] of [[blob.id, ""], [blob.id, "?inline=1"], [htmlBlob.id, ""], [htmlBlob.id, "?inline=1"]]) {
      const res = await call(`${emu.url}/__emulator/blobs/${id}/content${query}`)
      expect(res.status).toBe(200)
      expect(res.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'")
      expect(res.headers.get("x-content-type-options")).toBe("nosniff")
      expect(res.headers.get("content-type"), `${id}${query}`).not.toMatch(/html/)
      if (query === "") expect(res.headers.get("content-disposition")).toMatch(/^attachment;/)
    }
  })

  it("bad ids, paging, searches and asset names are a 4xx JSON answer, never a 500 or a hang", async () => {
    const badIds = ["abc", "-1", "0", "1.5", "1e3", "99999999999999999999", "%00", "%E2%80%A2", "1%20OR%201=1", "'"]
    const gets: Array<string> = []
    for (const id of badIds) {
      gets.push(`/__emulator/users/${id}`, `/__emulator/apps/${id}/auth-key`, `/__emulator/blobs/${id}/content`)
    }
    gets.push(
      "/__emulator/users/424242",
      "/__emulator/blobs/424242/content",
      "/__emulator/apps/424242/auth-key",
      ...["limit=0", "limit=-1", "limit=1001", "limit=99999999999999999999", "offset=-5", "offset=1e9", "limit=abc", "user_id=x", "user_id=-2"]
        .flatMap((q) => [`/__emulator/sessions?${q}`, `/__emulator/blobs?${q}`]),
      ...[
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=-1",
        "page=99999999999",
        "limit=101",
        "offset=-1",
        "app_id=99",
        "app_id=x",
        `search=${"x".repeat(201)}`,
        "search=a&id=1",
        "login[start_with]=ab",
        "sort_asc=password_hash",
        "created_at[gt]=not-a-date",
        `id[in]=${Array.from({ length: 1001 }, (_, i) => i + 1).join(",")}`
      ].map((q) => `/__emulator/users?${q}`),
      "/__emulator/requests?after=-1",
      "/__emulator/requests?after=x",
      "/__emulator/requests?after=99999999999999999999",
      "/__emulator/ui/nope.js",
      "/__emulator/ui/..%2F..%2Fpackage.json",
      "/__emulator/ui/%2e%2e/%2e%2e/etc/passwd",
      "/__emulator/ui/index.html%00",
      "/__emulator/ui/app.js/x"
    )
    for (const path of gets) expectJsonError(await call(`${emu.url}${path}`), path)
    // odd but harmless searches answer a page
    for (const search of ["%25", "_", "\\", "'; DROP TABLE users; --", "é", "%E2%80%A2", "a".repeat(200)]) {
      const res = await call(`${emu.url}/__emulator/users?search=${search}`)
      expect(res.status, search).toBe(200)
    }
    for (const [method, path, body] of [
      ["PUT", "/__emulator/users/abc", "{}"],
      ["DELETE", "/__emulator/users/-1", "{}"],
      ["DELETE", "/__emulator/sessions/abc", "{}"],
      ["DELETE", "/__emulator/sessions/424242", "{}"],
      ["DELETE", "/__emulator/faults/x", "{}"],
      ["DELETE", "/__emulator/faults/424242", "{}"],
      ["POST", "/__emulator/users", "{"],
      ["POST", "/__emulator/users", "[]"],
      ["POST", "/__emulator/users", JSON.stringify({ user: "x" })],
      ["POST", "/__emulator/users", JSON.stringify({ user: { login: "x".repeat(100_000), password: "p" } })],
      ["POST", "/__emulator/users?app_id=77", JSON.stringify({ user: { login: "other-app", password: "password1" } })],
      ["PUT", `/__emulator/users/${user.userId}`, JSON.stringify({ user: { email: "nope", timezone: 99999 } })],
      ["PUT", `/__emulator/users/${user.userId}`, JSON.stringify({ user: { login: null, email: null } })]
    ] as const) {
      expectJsonError(await call(`${emu.url}${path}`, { method, headers: json, body }), `${method} ${path} ${body.slice(0, 40)}`)
    }
    // still answering, the user unchanged
    const me = JSON.parse((await call(`${emu.url}/__emulator/users/${user.userId}`)).text)
    expect(me.user.login).toBe("console-target")
  })

  it("the CLI prints the UI's address right after `listening on`, and it answers", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", BIN, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        let out = ""
        const timer = setTimeout(() => reject(new Error(`no ui line within 60 s: ${out}`)), 60_000)
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString()
          if (/^ui: .*\n/m.test(out)) {
            clearTimeout(timer)
            resolve(out)
          }
        })
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)))
      })
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\nui: (\S+)\n/.exec(stdout)
      expect(m, stdout).not.toBeNull()
      expect(m![2]).toBe(`${m![1]}/__emulator/ui/`)
      const ui = await call(m![2]!)
      expect(ui.status).toBe(200)
      expect(ui.headers.get("content-type")).toMatch(/^text\/html/)
    } finally {
      child.kill("SIGKILL")
    }
  }, 90_000)
})
