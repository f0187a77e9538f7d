// Issue 17, item 3: the control API (/__emulator/*) is not open to web pages: no CORS, JSON-only state
// changes, no secrets in the export unless asked, loopback-only unless --host is explicit.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { AUTH_KEY, call, postJson, signIn, start } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const BIN = Path.join(ROOT, "packages/emulator/src/bin.ts")

describe("attack: control API", () => {
  let emu: Emu
  beforeAll(async () => {
    emu = await start()
  })
  afterAll(() => emu.close())

  const page = { origin: "https://evil.example" }

  it("answers no CORS on /__emulator/*, and refuses its preflight; the REST API keeps its CORS", async () => {
    for (const path of ["/__emulator/export", "/__emulator/clock", "/__emulator/requests"]) {
      const res = await call(`${emu.url}${path}`, { headers: page })
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull()
    }
    const preflight = await call(`${emu.url}/__emulator/reset`, {
      method: "OPTIONS",
      headers: { ...page, "access-control-request-method": "POST", "access-control-request-headers": "content-type" }
    })
    expect(preflight.status).toBeGreaterThanOrEqual(400)
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
    expect(JSON.parse(preflight.text).errors).toBeDefined()
    // REST: the browser example's CORS
    const api = await call(`${emu.url}/session`, {
      method: "OPTIONS",
      headers: { ...page, "access-control-request-method": "POST", "access-control-request-headers": "content-type,cb-token" }
    })
    expect(api.status).toBe(204)
    expect(api.headers.get("access-control-allow-origin")).toBe("*")
    const rest = await postJson(`${emu.url}/session`, { application_id: 1, auth_key: AUTH_KEY }, page)
    expect(rest.headers.get("access-control-allow-origin")).toBe("*")
  })

  it("a no-preflight (text/plain, form, no type) state change is refused and changes nothing", async () => {
    const user = await signIn(emu.url, "control-survivor")
    const simple: ReadonlyArray<RequestInit> = [
      { method: "POST", headers: { ...page, "content-type": "text/plain" }, body: "{}" },
      { method: "POST", headers: { ...page, "content-type": "application/x-www-form-urlencoded" }, body: "a=1" },
      { method: "POST", headers: { ...page, "content-type": "multipart/form-data; boundary=x" }, body: "--x--" },
      { method: "POST", headers: page }
    ]
    const targets = ["/__emulator/reset", "/__emulator/clock", "/__emulator/faults", "/__emulator/import"]
    for (const path of targets) {
      for (const init of simple) {
        const res = await call(`${emu.url}${path}`, init)
        expect(res.status, `${path} ${JSON.stringify(init.headers)}`).toBe(415)
        expect(JSON.parse(res.text).errors).toBeDefined()
        expect(res.headers.get("access-control-allow-origin")).toBeNull()
      }
    }
    for (const path of ["/__emulator/requests", "/__emulator/emails", "/__emulator/faults"]) {
      expect((await call(`${emu.url}${path}`, { method: "DELETE" })).status).toBe(415)
    }
    // the user is still there: no reset happened
    const me = await call(`${emu.url}/users/${user.userId}`, { headers: { "cb-token": user.token } })
    expect(me.status).toBe(200)
    // with JSON it works
    expect((await postJson(`${emu.url}/__emulator/clock`, {})).status).toBe(200)
  })

  it("a DNS-rebound page (a foreign Host) is refused", async () => {
    // fetch does not let a script set Host; node:http does
    const Http = await import("node:http")
    const status = await new Promise<number>((resolve, reject) => {
      const req = Http.request(`${emu.url}/__emulator/export`, { headers: { host: "evil.example:80" } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.setTimeout(10_000, () => req.destroy(new Error("timeout")))
      req.on("error", reject)
      req.end()
    })
    expect(status).toBe(403)
  })

  it("the export leaves out secrets unless asked with ?secrets=true", async () => {
    const user = await signIn(emu.url, "control-export")
    const plain = await call(`${emu.url}/__emulator/export`)
    expect(plain.status).toBe(200)
    expect(plain.text).not.toContain(user.token)
    expect(plain.text).not.toContain(AUTH_KEY)
    expect(plain.text).not.toMatch(/scrypt|\$s0\$|password_hash":"[^"]/)
    const body = JSON.parse(plain.text)
    expect(body.tables.users.some((u: { login: string }) => u.login === "control-export")).toBe(true)
    const full = await call(`${emu.url}/__emulator/export?secrets=true`)
    expect(full.text).toContain(user.token)
    expect(full.text).toContain(AUTH_KEY)
  })

  it("the CLI binds loopback by default and says so; --host is the only way to another interface", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", BIN, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let out = ""
        const timer = setTimeout(() => reject(new Error(`no notice within 60 s: ${out}`)), 60_000)
        const onData = (d: Buffer) => {
          out += d.toString()
          if (/listening on/.test(out) && /loopback/.test(out)) {
            clearTimeout(timer)
            resolve(out)
          }
        }
        child.stdout.on("data", onData)
        child.stderr.on("data", onData)
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)))
      })
      expect(output).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n/)
      expect(output).toMatch(/bound to loopback \(127\.0\.0\.1\) only.*--host/)
    } finally {
      child.kill("SIGKILL")
    }
  }, 90_000)
})
