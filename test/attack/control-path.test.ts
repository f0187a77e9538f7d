// The control API's protections hold for every spelling of its path the router routes to /__emulator/*:
// letter case, percent-encoding, duplicate slashes, the absolute-form request target. A browser page
// sends the first three as they are (fetch keeps them), so one of them must not turn the control API
// into a CORS-open, text/plain-accepting, any-Host API.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Net from "node:net"
import { call, signIn, start } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

/** One raw HTTP/1.1 request (fetch would normalize an absolute-form target), answered as status line and body. */
const raw = (port: number, request: string) =>
  new Promise<{ status: number; headers: string; body: string }>((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1", () => socket.write(request))
    let out = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => (out += chunk))
    socket.on("error", reject)
    socket.on("close", () => {
      const [head = "", body = ""] = out.split("\r\n\r\n")
      resolve({ status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body })
    })
    socket.setTimeout(5_000, () => socket.destroy())
  })

const SPELLINGS = [
  "/__EMULATOR/reset",
  "/__Emulator/Reset",
  "/%5F%5Femulator/reset",
  "/%5f%5femulator/reset",
  "/__%65mulator/reset",
  "//__emulator/reset",
  "///__emulator//reset"
]

describe("attack: control API path spellings", () => {
  let emu: Emu
  beforeAll(async () => {
    emu = await start()
  })
  afterAll(() => emu.close())

  it("a text/plain POST from a page to any spelling of /__emulator/reset is refused and resets nothing", async () => {
    const user = await signIn(emu.url, "path-survivor")
    for (const path of SPELLINGS) {
      const res = await call(`${emu.url}${path}`, {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "text/plain" },
        body: "{}"
      })
      expect(res.status, path).toBe(415)
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull()
    }
    const me = await call(`${emu.url}/users/${user.userId}`, { headers: { "cb-token": user.token } })
    expect(me.status).toBe(200)
  })

  it("a cross-origin page cannot read the export with secrets through another spelling (no CORS)", async () => {
    for (const path of ["/__EMULATOR/export?secrets=true", "/%5F%5Femulator/export?secrets=true", "//__emulator/export?secrets=true"]) {
      const res = await call(`${emu.url}${path}`, { headers: { origin: "https://evil.example" } })
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull()
    }
  })

  it("a rebound host name is refused on every spelling and on an absolute-form target", async () => {
    const targets = [...SPELLINGS, "http://evil.example/__emulator/reset", `http://127.0.0.1:${emu.port}/__emulator/reset`]
    for (const target of targets) {
      const res = await raw(
        emu.port,
        `POST ${target} HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`
      )
      expect(res.status, target).toBe(403)
      expect(res.headers, target).not.toContain("access-control-allow-origin")
    }
  })
})
