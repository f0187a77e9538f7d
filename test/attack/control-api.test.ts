// Issue 17, item 3: the control API (/__emulator/*) is not open to web pages: no CORS, JSON-only state
// changes, no secrets in the export unless asked, loopback-only unless --host is explicit; and (attacker's pass
// after issue 17) no DNS rebinding on a non-loopback bind either: the Host must be an IP, localhost or a name
// given with --allow-host.
import * as Cli from "@connectycube-effect/emulator/Cli"
import * as Server from "@connectycube-effect/emulator/Server"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import * as Http from "node:http"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { AUTH_KEY, call, postJson, signIn, start } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const BIN = Path.join(ROOT, "packages/emulator/src/bin.ts")

/** A GET with the Host header a DNS-rebound page would send (fetch does not let a script set Host; node:http does). */
const withHost = (url: string, host: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = Http.request(url, { headers: { host } }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (d: string) => (text += d))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")))
    req.on("error", reject)
    req.end()
  })

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
    const res = await withHost(`${emu.url}/__emulator/export`, "evil.example:80")
    expect(res.status).toBe(403)
    expect(JSON.parse(res.text).errors).toBeDefined()
  })

  it("bound to every interface or a LAN address, a DNS name is still refused: only IPs, localhost and --allow-host names", () => {
    // The bind is not made here (tests listen on 127.0.0.1 only): this is the check the server runs per control call.
    const refused = [
      "rebind.evil.example",
      "rebind.evil.example:8090",
      "REBIND.EVIL.EXAMPLE:8090",
      "evil",
      "127.0.0.1.evil.example",
      "127.0.0.1.nip.io:8090",
      "localhost.evil.example",
      "0x7f.1",
      "2130706433.evil",
      "[not-an-ip]:8090",
      "[::1].evil.example",
      "dev-box.lan.evil.example",
      "dev-box.lan:port",
      ""
    ]
    const answered = [
      "127.0.0.1:8090",
      "192.168.1.5:8090",
      "10.0.0.7",
      "[::1]:8090",
      "[fe80::1]",
      "[::ffff:192.168.1.5]:80",
      "localhost:8090",
      "LOCALHOST",
      "app.localhost:8090",
      "dev-box.lan:8090",
      "Dev-Box.LAN"
    ]
    for (const bound of ["0.0.0.0", "::", "192.168.1.5", "127.0.0.1"]) {
      for (const host of refused) {
        const refusal = Server.controlRefusal("GET", { host }, bound, ["dev-box.lan"])
        expect(refusal?.status, `${bound} ${host}`).toBe(403)
        expect(refusal?.body, `${bound} ${host}`).toEqual({
          errors: [expect.stringContaining("--allow-host")]
        })
      }
      for (const host of answered) {
        expect(Server.controlRefusal("GET", { host }, bound, ["dev-box.lan"]), `${bound} ${host}`).toBeUndefined()
      }
      // without --allow-host, the name is refused like any other
      expect(Server.controlRefusal("GET", { host: "dev-box.lan:8090" }, bound)?.status, bound).toBe(403)
    }
    // a name given as --host answers as itself (it was given on purpose)
    expect(Server.controlRefusal("GET", { host: "dev-box.lan:8090" }, "dev-box.lan")).toBeUndefined()
    // the REST API is not the control API: its Host is not checked
    expect(Server.controlRefusal("POST", { host: "10.0.0.7", "content-type": "text/plain" }, "0.0.0.0")?.status).toBe(415)
  })

  it("over a real port: a foreign name is refused with a JSON 403, an IP literal and an allowed name answer", async () => {
    const allowed = await start({ allowHosts: ["dev-box.lan", "Other.Example."] })
    try {
      for (const host of ["rebind.evil.example", `rebind.evil.example:${allowed.port}`, "other.example.evil"]) {
        const res = await withHost(`${allowed.url}/__emulator/apps/1/auth-key`, host)
        expect(res.status, host).toBe(403)
        expect(res.text, host).not.toContain(AUTH_KEY)
        expect(JSON.parse(res.text).errors[0], host).toContain(JSON.stringify(host))
      }
      for (const host of [`dev-box.lan:${allowed.port}`, "other.example", `192.168.1.5:${allowed.port}`, "[::1]", "app.localhost"]) {
        const res = await withHost(`${allowed.url}/__emulator/apps/1/auth-key`, host)
        expect(res.status, `${host}: ${res.text}`).toBe(200)
        expect(res.text).toContain(AUTH_KEY)
      }
    } finally {
      await allowed.close()
    }
  })

  it("an --allow-host that is not a host name is refused at start", async () => {
    for (const name of ["evil.example:8090", "*.example", "http://x", "", "a b", "[::1]"]) {
      await expect(start({ allowHosts: [name] }), name).rejects.toMatchObject({ _tag: "EmulatorError", reason: "Options" })
    }
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

  it("the CLI's start notices: loopback by default (--host is the only way to another interface); the Host rule", () => {
    const open = Cli.securityNotice("0.0.0.0", true, [])
    expect(open).toMatch(/^WARNING: bound to 0\.0\.0\.0/)
    // what a rebinding page meets, and how to let a name in
    expect(open).toMatch(/answers only to a Host that is an IP address, localhost or \*\.localhost.*--allow-host <name>/)
    expect(Cli.securityNotice("0.0.0.0", true, ["dev-box.lan", "cube"])).toMatch(/an IP address, localhost, \*\.localhost, dev-box\.lan or cube \(/)
    expect(Cli.securityNotice("dev-box.lan", true, [])).toMatch(/an IP address, localhost, \*\.localhost or dev-box\.lan \(/)
    expect(Cli.securityNotice("127.0.0.1", false, [])).toMatch(/^bound to loopback \(127\.0\.0\.1\) only/)
    expect(Cli.securityNotice("127.0.0.1", false, ["dev-box.lan"])).toMatch(/also answers to the Host dev-box\.lan$/)
  })

  it("the CLI binds loopback by default and says so; --host is the only way to another interface; --allow-host", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", BIN, "--port", "0", "--allow-host", "dev-box.lan"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"]
    })
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
      const url = /^listening on (\S+)$/m.exec(output)![1]!
      const port = new URL(url).port
      expect((await withHost(`${url}/__emulator/clock`, `dev-box.lan:${port}`)).status).toBe(200)
      expect((await withHost(`${url}/__emulator/clock`, `rebind.evil.example:${port}`)).status).toBe(403)
    } finally {
      child.kill("SIGKILL")
    }
  }, 90_000)
})
