/**
 * The promise adapter's runtime behaviour against the emulator (in process, real loopback port): AbortSignal,
 * dispose, automatic single-flight expiry handling, transport errors, independent clients, and the error shape
 * compared with the official SDK's.
 */
import { Aborted, ClientDisposed, createClient, TransportError, ValidationError } from "@connectycube-effect/promise"
import { Emulator } from "@connectycube-effect/emulator"
import { createRequire } from "node:module"
import * as net from "node:net"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

const Official = createRequire(import.meta.url)("connectycube").default

const APP = { appId: 1, authKey: "emulator-auth-key" }
const OTHER_APP = { appId: 2, authKey: "other-auth-key" }
const CUBEUSER = { login: "cubeuser", password: "awesomepwd" }

let emu: Emulator.Handle
beforeAll(async () => {
  emu = await Emulator.startEmulator({
    apps: [{ id: APP.appId, authKey: APP.authKey }, { id: OTHER_APP.appId, authKey: OTHER_APP.authKey }]
  })
})
afterAll(() => emu?.close())
beforeEach(() => emu.reset())

const config = () => ({ endpoints: { api_url: emu.url } })

const fault = (body: Record<string, unknown>) =>
  fetch(`${emu.url}/__emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  }).then((res) => expect(res.status).toBe(201))

describe("AbortSignal", () => {
  it("interrupts an in-flight call and aborts its request", async () => {
    await using cube = createClient({ credentials: APP, config: config() })
    await cube.createSession(CUBEUSER)
    await fault({ method: "GET", path: "/users/v2", delayMs: 10_000 })
    const controller = new AbortController()
    const started = Date.now()
    const pending = cube.users.getV2({ login: "cubeuser" }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    const error = await pending.catch((e) => e)
    expect(error).toBeInstanceOf(Aborted)
    expect(error).toMatchObject({ _tag: "Aborted", name: "AbortError", code: "ABORT_ERR" })
    expect(Date.now() - started).toBeLessThan(5_000)
    // The client is still usable after an abort.
    expect((await cube.getSession()).user_id).toEqual(expect.any(Number))
  })
})

describe("dispose", () => {
  it("cancels calls in flight; later calls reject with ClientDisposed", async () => {
    const cube = createClient({ credentials: APP, config: config() })
    await cube.createSession(CUBEUSER)
    await fault({ method: "GET", path: "/users/v2", delayMs: 10_000 })
    const inflight = cube.users.getV2({ login: "cubeuser" }).catch((e) => e)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    await cube.dispose()
    expect(await inflight).toMatchObject({ _tag: "ClientDisposed", inFlight: true })
    expect(Date.now() - started).toBeLessThan(5_000)
    const later = await cube.getSession().catch((e) => e)
    expect(later).toBeInstanceOf(ClientDisposed)
    expect(later.code).toBe("ERR_CLIENT_DISPOSED")
    expect(later.message).toMatch(/disposed/)
  })

  it("works with await using", async () => {
    let escaped: ReturnType<typeof createClient> | undefined
    {
      await using cube = createClient({ credentials: APP, config: config() })
      await cube.createSession()
      escaped = cube
    }
    expect(await escaped.getSession().catch((e) => e)).toBeInstanceOf(ClientDisposed)
  })
})

describe("session expiry without a handler", () => {
  it("is handled automatically: one new session for concurrent callers, the calls succeed", async () => {
    await using cube = createClient({ credentials: APP, config: config() })
    await cube.createSession(CUBEUSER)
    await emu.advanceClock(3 * 60 * 60 * 1000)
    const before = (await emu.requests()).length
    const pages = await Promise.all(Array.from({ length: 5 }, () => cube.users.getV2({ login: "cubeuser" })))
    expect(pages.map((p) => p.items.map((u) => u.login))).toEqual(Array.from({ length: 5 }, () => ["cubeuser"]))
    const after = (await emu.requests()).slice(before)
    expect(after.filter((r) => r.method === "POST" && r.path.startsWith("/session"))).toHaveLength(1)
  })
})

describe("errors", () => {
  it("a duplicate signup rejects like the official SDK ({code: 422, info}) and is a ValidationError", async () => {
    const profile = { login: "dup-user", password: "supersecurepwd" }
    Official.init(APP, { ...config(), debug: { mode: 0 } })
    await Official.users.signup(profile)
    const official = await Official.users.signup(profile).catch((e: any) => e)
    await emu.reset()
    await using cube = createClient({ credentials: APP, config: config() })
    await cube.users.signup(profile)
    const adapter = await cube.users.signup(profile).catch((e) => e)
    expect(adapter).toBeInstanceOf(ValidationError)
    expect({ code: adapter.code, info: adapter.info }).toEqual({ code: official.code, info: official.info })
    expect(adapter.code).toBe(422)
  })

  it("a refused connection rejects with TransportError, code ECONNREFUSED (as the official SDK)", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo
        server.close(() => resolve(port))
      })
    })
    const closed = { endpoints: { api_url: `http://127.0.0.1:${port}` } }
    Official.init(APP, { ...closed, debug: { mode: 0 } })
    const official = await Official.createSession().catch((e: any) => e)
    await using cube = createClient({ credentials: APP, config: closed })
    const adapter = await cube.createSession().catch((e) => e)
    expect(adapter).toBeInstanceOf(TransportError)
    expect({ code: adapter.code, info: adapter.info }).toEqual({ code: official.code, info: official.info })
    expect(adapter.code).toBe("ECONNREFUSED")
  })
})

describe("createClient", () => {
  it("gives independent clients (two apps, two sessions) in one process", async () => {
    await using one = createClient({ credentials: APP, config: config() })
    await using two = createClient({ credentials: OTHER_APP, config: config() })
    const [a, b] = await Promise.all([one.createSession(CUBEUSER), two.createSession(CUBEUSER)])
    expect(a.application_id).toBe(1)
    expect(b.application_id).toBe(2)
    expect(a.token).not.toBe(b.token)
    expect((await one.getSession()).token).toBe(a.token)
    expect((await two.getSession()).token).toBe(b.token)
  })
})
