// Attacker's pass after issue 17: the node response writer (packages/emulator/src/internal/NodeServer.ts) had
// no guard. A header Node cannot send (a value outside Latin-1, a CR/LF, a bad name), a bad status line or an
// out-of-range status throws in `writeHead`, outside any fiber: the process died. The stored blob names and
// types that made such headers are sanitised (internal/UserContent.ts), so the routes here make them on
// purpose: whatever a route answers, the client gets a 500 JSON and the emulator keeps serving.
import { Http, Route } from "@connectycube-effect/emulator"
import { Effect, Stream } from "effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Net from "node:net"
import { call, start } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

const route = (path: `/${string}`, handler: Route.Handler) =>
  Route.make({ method: "GET", path, summary: path, auth: "none", handler })

const bad: ReadonlyArray<readonly [`/${string}`, () => HttpServerResponse.HttpServerResponse]> = [
  ["/non-latin1-value", () => HttpServerResponse.text("x", { headers: { "x-note": "price: 5 €" } })],
  ["/crlf-value", () => HttpServerResponse.text("x", { headers: { "x-note": "a\r\nx-injected: 1" } })],
  ["/bad-name", () => HttpServerResponse.text("x", { headers: { "x bad": "1" } })],
  ["/bad-status-text", () => HttpServerResponse.text("x", { status: 200, statusText: "OK\r\nx-injected: 1" })],
  ["/bad-status", () => HttpServerResponse.text("x", { status: 1000 })],
  ["/bad-content-type", () => HttpServerResponse.text("x", { contentType: "text/plain; name=€" })],
  [
    "/stream-bad-header",
    () =>
      HttpServerResponse.stream(Stream.make(new TextEncoder().encode("never sent")), {
        headers: { "x-note": "\u{1F600}" }
      })
  ],
  ["/json-bad-header", () => HttpServerResponse.setHeader(Http.json({ secret: "not sent" }), "x-note", "\u2028")]
]

const routes: ReadonlyArray<Route.Route> = [
  ...bad.map(([path, make]) => route(path, Effect.sync(make))),
  route("/ok", Effect.sync(() => Http.json({ ok: true })))
]

/** The raw answer to one request over a socket (headers as sent), with a bounded wait. */
const rawGet = (port: number, path: string, method = "GET") =>
  new Promise<string>((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    let data = ""
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within 10 s: ${JSON.stringify(data)}`))
    }, 10_000)
    socket.on("data", (d) => (data += d.toString("latin1")))
    socket.on("close", () => {
      clearTimeout(timer)
      resolve(data)
    })
    socket.on("error", () => undefined)
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
  })

describe("attack: the response writer", () => {
  let emu: Emu
  beforeAll(async () => {
    emu = await start({ routes })
  })
  afterAll(() => emu.close())

  it("a response Node cannot send becomes a 500 JSON, and the emulator keeps serving", async () => {
    for (const [path] of bad) {
      const res = await call(`${emu.url}${path}`)
      expect(res.status, path).toBe(500)
      expect(res.headers.get("content-type"), path).toBe("application/json; charset=utf-8")
      expect(JSON.parse(res.text), path).toEqual({ errors: ["Internal Server Error"] })
      expect(res.headers.get("x-injected"), path).toBeNull()
      expect(res.headers.get("x-note"), path).toBeNull()
      // the REST API's CORS stays on the answer (a browser page can read the 500)
      expect(res.headers.get("access-control-allow-origin"), path).toBe("*")
      const ok = await call(`${emu.url}/ok`)
      expect([ok.status, ok.text], path).toEqual([200, "{\"ok\":true}"])
    }
  })

  it("on the wire: nothing of the refused head is sent, and a HEAD gets the 500 without a body", async () => {
    const get = await rawGet(emu.port, "/crlf-value")
    expect(get).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/)
    expect(get).not.toMatch(/x-injected|x-note/i)
    expect(get.endsWith("\r\n\r\n{\"errors\":[\"Internal Server Error\"]}")).toBe(true)
    const head = await rawGet(emu.port, "/non-latin1-value", "HEAD")
    expect(head).toMatch(/^HTTP\/1\.1 500 /)
    expect(head.endsWith("\r\n\r\n")).toBe(true)
    expect((await call(`${emu.url}/ok`)).status).toBe(200)
  })
})
