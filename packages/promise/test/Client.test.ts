import ConnectyCube, {
  Aborted,
  ClientDisposed,
  createClient,
  InvalidInput,
  NotInitialized,
  SessionExpired,
  ValidationError
} from "@connectycube-effect/promise"
import * as Errors from "@connectycube-effect/core/Errors"
import * as NodeClient from "@connectycube-effect/http/NodeClient"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { getEventListeners } from "node:events"
import * as Http from "node:http"
import * as Net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { config, creds, expired, fakeFetch, hang, sessionBody, userJson } from "./fake.js"

const route = (req: { method: string; url: URL }) => `${req.method} ${req.url.pathname}`

describe("resolve shapes (official TL;DR §5)", () => {
  it("createSession → the session object, plain, with every field the server sent", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 201, body: sessionBody("T1", null, { device_id: null, extra: "kept" }) }))
    await using cube = createClient({ credentials: creds, config, fetch })
    const session = await cube.createSession()
    expect(session).toStrictEqual(sessionBody("T1", null, { device_id: null, extra: "kept" }).session)
    expect(Object.getPrototypeOf(session)).toBe(Object.prototype)
    expect(requests.map(route)).toEqual(["POST /session.json"])
    expect(JSON.parse(requests[0]!.body!)).toEqual({ application_id: 1, auth_key: "secret-auth-key" })
  })

  it("createSession(credentials) → the session with its plain user; login → the user", async () => {
    const { fetch, requests } = fakeFetch((req) =>
      route(req) === "POST /session.json"
        ? { status: 201, body: sessionBody("T1", 81, { user: userJson(81, { custom: 1 }) }) }
        : { status: 202, body: { user: userJson(81) } }
    )
    await using cube = createClient({ credentials: creds, config, fetch })
    const session = await cube.createSession({ login: "cubeuser", password: "awesomepwd" })
    expect(session.user).toStrictEqual(userJson(81, { custom: 1 }))
    expect(Object.getPrototypeOf(session.user)).toBe(Object.prototype)
    const user = await cube.login({ login: "cubeuser", password: "awesomepwd" })
    expect(user).toStrictEqual(userJson(81))
    expect(requests.map(route)).toEqual(["POST /session.json", "POST /login.json"])
    expect(requests[1]!.headers["cb-token"]).toBe("T1")
  })

  it("getSession → the session; logout → \"\"; destroySession → undefined", async () => {
    const { fetch, requests } = fakeFetch((req) => {
      switch (route(req)) {
        case "POST /session.json":
          return { status: 201, body: sessionBody("T1", 81) }
        case "GET /session.json":
          return { status: 200, body: sessionBody("T1", 81) }
        default:
          return { status: 200 }
      }
    })
    await using cube = createClient({ credentials: creds, config, fetch })
    await cube.createSession({ login: "cubeuser", password: "awesomepwd" })
    expect(await cube.getSession()).toStrictEqual(sessionBody("T1", 81).session)
    expect(await cube.logout()).toBe("")
    expect(await cube.destroySession()).toBeUndefined()
    expect(requests.map(route)).toEqual([
      "POST /session.json",
      "GET /session.json",
      "DELETE /login.json",
      "DELETE /session.json"
    ])
  })

  it("init with a token uses it without creating a session", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 200, body: sessionBody("PRESET", 5) }))
    await using cube = createClient({ credentials: { appId: 1, token: "PRESET" }, config, fetch })
    expect((await cube.getSession()).token).toBe("PRESET")
    expect(requests.map(route)).toEqual(["GET /session.json"])
    expect(requests[0]!.headers["cb-token"]).toBe("PRESET")
    // No auth key was kept (as in the official SDK): no session can be created.
    const error = await cube.createSession().catch((e) => e)
    expect(error).toBeInstanceOf(InvalidInput)
    expect(error.code).toBe(422)
  })

  it("setSession right after init is applied before the next call", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 200, body: sessionBody("MINTED", 9) }))
    await using cube = createClient({ credentials: creds, config, fetch })
    cube.setSession({ token: "MINTED", user_id: 9 })
    await cube.getSession()
    expect(requests[0]!.headers["cb-token"]).toBe("MINTED")
  })
})

describe("call order around setSession and dispose", () => {
  it("a call takes the session current when it is made; a setSession after it is for later calls", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 200, body: sessionBody("ANY", 9) }))
    await using cube = createClient({ credentials: creds, config, fetch })
    cube.setSession({ token: "OLD", user_id: 9 })
    await cube.getSession()
    const pending = cube.getSession()
    cube.setSession({ token: "NEW", user_id: 9 })
    await pending
    await cube.getSession()
    expect(requests.map((r) => r.headers["cb-token"])).toEqual(["OLD", "OLD", "NEW"])
  })

  it("dispose while a call waits for a setSession rejects it with ClientDisposed, and sends nothing", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 200, body: sessionBody("ANY", 9) }))
    const cube = createClient({ credentials: creds, config, fetch })
    cube.setSession({ token: "MINTED", user_id: 9 })
    const pending = cube.getSession().catch((e) => e)
    await cube.dispose()
    const error = await pending
    expect(error).toBeInstanceOf(ClientDisposed)
    expect(requests).toHaveLength(0)
  })
})

describe("errors: tagged, and the official {code, info}", () => {
  it("a 422 rejects with ValidationError carrying code 422 and the parsed body as info", async () => {
    const body = { errors: { login: ["has already been taken"] } }
    const { fetch } = fakeFetch(() => ({ status: 422, body }))
    await using cube = createClient({ credentials: creds, config, fetch })
    const error = await cube.createSession({ login: "dup", password: "x12345678" }).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toBeInstanceOf(Errors.ValidationError)
    expect(error).toBeInstanceOf(Error)
    expect(error._tag).toBe("ValidationError")
    expect(error.code).toBe(422)
    expect(error.info).toEqual(body)
    expect(error.errors).toEqual({ login: ["has already been taken"] })
  })

  it("a non-JSON error body gives info \" \" (the official sentinel)", async () => {
    const { fetch } = fakeFetch(() => ({ status: 500, body: "<html>oops</html>" }))
    await using cube = createClient({ credentials: creds, config, fetch, retry: { times: 0 } })
    const error = await cube.createSession().catch((e) => e)
    expect(error._tag).toBe("ServerError")
    expect({ code: error.code, info: error.info }).toEqual({ code: 500, info: " " })
  })

  it("config.timeout (ms) bounds a call: Timeout with code ETIMEDOUT", async () => {
    const { fetch, requests } = fakeFetch((req) => hang(req.signal))
    await using cube = createClient({ credentials: creds, config: { ...config, timeout: 50 }, fetch })
    const error = await cube.createSession().catch((e) => e)
    expect(error._tag).toBe("Timeout")
    expect({ code: error.code, info: error.info }).toEqual({ code: "ETIMEDOUT", info: " " })
    expect(requests[0]!.signal?.aborted).toBe(true)
  })

  it("invalid input is refused before sending, with a 422-like info", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 500 }))
    await using cube = createClient({ credentials: creds, config, fetch })
    const error = await cube.login({ email: "not-an-address", password: "x" }).catch((e) => e)
    expect(error).toBeInstanceOf(InvalidInput)
    expect(error.code).toBe(422)
    expect(error.info).toEqual({ errors: { email: ["not an address"] } })
    expect(requests).toHaveLength(0)
  })

  it("init throws InvalidInput for a bad appId or api_url", () => {
    const cube = createClient()
    expect(() => cube.init({ appId: "abc", authKey: "k" })).toThrow(InvalidInput)
    expect(() => cube.init(creds, { endpoints: { api_url: "not a url" } })).toThrow(/apiUrl/)
  })
})

describe("session expiry", () => {
  it("without a handler: re-created automatically, once for concurrent callers", async () => {
    let sessions = 0
    const { fetch, requests } = fakeFetch((req) => {
      if (route(req) === "POST /session.json") return { status: 201, body: sessionBody(`T${++sessions}`, 81, { user: userJson(81) }) }
      return req.headers["cb-token"] === "T1" ? { status: 401, body: expired } : { status: 200, body: sessionBody("T2", 81) }
    })
    await using cube = createClient({ credentials: creds, config, fetch })
    await cube.createSession({ login: "cubeuser", password: "awesomepwd" })
    const results = await Promise.all([cube.getSession(), cube.getSession(), cube.getSession()])
    expect(results.map((s) => s.token)).toEqual(["T2", "T2", "T2"])
    expect(requests.filter((r) => route(r) === "POST /session.json")).toHaveLength(2)
    expect(JSON.parse(requests.filter((r) => route(r) === "POST /session.json")[1]!.body!).user).toEqual({
      login: "cubeuser",
      password: "awesomepwd"
    })
  })

  it("with config.on.sessionExpired: the handler decides (retry with a new session)", async () => {
    let sessions = 0
    const { fetch } = fakeFetch((req) => {
      if (route(req) === "POST /session.json") return { status: 201, body: sessionBody(`T${++sessions}`) }
      return req.headers["cb-token"] === "T1" ? { status: 401, body: expired } : { status: 200, body: sessionBody("T2") }
    })
    const calls: Array<string> = []
    const cube = createClient({ fetch })
    cube.init(creds, {
      ...config,
      on: {
        sessionExpired: (handleResponse, retry) => {
          calls.push("expired")
          cube.createSession().then(retry).catch(() => handleResponse())
        }
      }
    })
    await cube.createSession()
    expect((await cube.getSession()).token).toBe("T2")
    expect(calls).toEqual(["expired"])
    await cube.dispose()
  })

  it("with a handler that calls handleResponse(): rejects with SessionExpired {code: 401, info}", async () => {
    const { fetch } = fakeFetch((req) =>
      route(req) === "POST /session.json" ? { status: 201, body: sessionBody("T1") } : { status: 401, body: expired }
    )
    await using cube = createClient({
      fetch,
      credentials: creds,
      config: { ...config, on: { sessionExpired: (handleResponse) => handleResponse() } }
    })
    await cube.createSession()
    const error = await cube.getSession().catch((e) => e)
    expect(error).toBeInstanceOf(SessionExpired)
    expect({ code: error.code, info: error.info }).toEqual({ code: 401, info: expired })
  })
})

describe("session expiry: the handler", () => {
  const expiring = () =>
    fakeFetch((req) => route(req) === "POST /session.json" ? { status: 201, body: sessionBody("T1") } : { status: 401, body: expired })

  it("that throws: the call rejects with SessionExpired (it is not left pending)", async () => {
    const { fetch } = expiring()
    await using cube = createClient({
      fetch,
      credentials: creds,
      config: {
        ...config,
        on: {
          sessionExpired: () => {
            throw new Error("handler bug")
          }
        }
      }
    })
    await cube.createSession()
    const error = await cube.getSession().catch((e) => e)
    expect(error).toBeInstanceOf(SessionExpired)
    expect(error.code).toBe(401)
  }, 5_000)

  it("is looked up at expiry time: config.on.sessionExpired reassigned after init is the one called", async () => {
    const { fetch } = expiring()
    const calls: Array<string> = []
    const initial = {
      ...config,
      on: {
        sessionExpired: (handleResponse: () => void) => {
          calls.push("initial")
          handleResponse()
        }
      }
    }
    await using cube = createClient({ fetch, credentials: creds, config: initial })
    expect(cube.config).toBe(initial)
    cube.config.on!.sessionExpired = (handleResponse) => {
      calls.push("reassigned")
      handleResponse()
    }
    await cube.createSession()
    expect(await cube.getSession().catch((e) => e)).toBeInstanceOf(SessionExpired)
    expect(calls).toEqual(["reassigned"])
  })
})

describe("runtime lifecycle", () => {
  it("a call before init rejects with NotInitialized", async () => {
    const error = await createClient().getSession().catch((e) => e)
    expect(error).toBeInstanceOf(NotInitialized)
    expect(error.code).toBe("ERR_NOT_INITIALIZED")
  })

  it("AbortSignal interrupts the call and aborts its request", async () => {
    const { fetch, requests } = fakeFetch((req) => hang(req.signal))
    await using cube = createClient({ credentials: creds, config, fetch })
    const controller = new AbortController()
    const pending = cube.createSession(undefined, { signal: controller.signal })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(requests).toHaveLength(1)
    controller.abort()
    const error = await pending.catch((e) => e)
    expect(error).toBeInstanceOf(Aborted)
    expect(error.name).toBe("AbortError")
    expect(error.code).toBe("ABORT_ERR")
    expect(requests[0]!.signal?.aborted).toBe(true)
  })

  it("an already aborted signal rejects without sending", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 200 }))
    await using cube = createClient({ credentials: creds, config, fetch })
    const error = await cube.getSession({ signal: AbortSignal.abort() }).catch((e) => e)
    expect(error).toBeInstanceOf(Aborted)
    expect(requests).toHaveLength(0)
  })

  it("dispose cancels calls in flight and later calls reject with ClientDisposed", async () => {
    const { fetch, requests } = fakeFetch((req) => hang(req.signal))
    const cube = createClient({ credentials: creds, config, fetch })
    const pending = cube.createSession()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await cube.dispose()
    const inflight = await pending.catch((e) => e)
    expect(inflight).toBeInstanceOf(ClientDisposed)
    expect(inflight.inFlight).toBe(true)
    expect(requests[0]!.signal?.aborted).toBe(true)
    const later = await cube.getSession().catch((e) => e)
    expect(later).toBeInstanceOf(ClientDisposed)
    expect(later.code).toBe("ERR_CLIENT_DISPOSED")
    expect(later.message).toMatch(/disposed/)
  })

  it("init again cancels the previous runtime's calls in flight (ClientDisposed, inFlight) and serves the next ones", async () => {
    const { fetch, requests } = fakeFetch((req, n) => n === 1 ? hang(req.signal) : { status: 201, body: sessionBody("T2") })
    await using cube = createClient({ credentials: creds, config, fetch })
    const pending = cube.createSession().catch((e) => e)
    await new Promise((resolve) => setTimeout(resolve, 20))
    cube.init(creds, config)
    const error = await pending
    expect(error).toBeInstanceOf(ClientDisposed)
    expect(error.inFlight).toBe(true)
    expect(error.message).toMatch(/in flight/)
    expect(requests[0]!.signal?.aborted).toBe(true)
    expect((await cube.createSession()).token).toBe("T2")
  }, 5_000)

  it("the synchronous methods throw NotInitialized before init and ClientDisposed after dispose", async () => {
    const cube = createClient()
    for (const f of [() => cube.setSession({ token: "T" }), () => cube.storage.privateUrl("UID"), () => cube.storage.publicUrl("UID")]) {
      expect(f).toThrow(NotInitialized)
    }
    cube.init(creds, config)
    await cube.dispose()
    for (const f of [() => cube.setSession({ token: "T" }), () => cube.storage.privateUrl("UID"), () => cube.storage.publicUrl("UID")]) {
      expect(f).toThrow(ClientDisposed)
    }
    const refused = await cube.getSession().catch((e) => e)
    expect(refused.inFlight).toBe(false)
    expect(refused.message).toMatch(/is disposed/)
  })

  it("a settled call leaves no listener on its signal (a long-lived signal does not collect them)", async () => {
    const { fetch } = fakeFetch(() => ({ status: 200, body: sessionBody("T1", 9) }))
    await using cube = createClient({ credentials: { appId: 1, token: "T1" }, config, fetch })
    const controller = new AbortController()
    for (let i = 0; i < 3; i++) await cube.getSession({ signal: controller.signal })
    await cube.login({ email: "not-an-address", password: "x" }, { signal: controller.signal }).catch(() => undefined)
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0)
  })

  it("the retry option reaches the HTTP client", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 503 }))
    await using cube = createClient({ credentials: { appId: 1, token: "T1" }, config, fetch, retry: { times: 1, baseDelay: 1 } })
    const error = await cube.getSession().catch((e) => e)
    expect(error._tag).toBe("ServerError")
    expect(requests.map(route)).toEqual(["GET /session.json", "GET /session.json"])
  })

  it("a layer wins over fetch", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 201, body: sessionBody("FETCH") }))
    const sent: Array<string> = []
    const layer = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request, url) => {
        sent.push(`${request.method} ${url.pathname}`)
        const body = JSON.stringify(sessionBody("LAYER"))
        return Effect.succeed(
          HttpClientResponse.fromWeb(request, new Response(body, { status: 201, headers: { "content-type": "application/json" } }))
        )
      })
    )
    await using cube = createClient({ credentials: creds, config, fetch, layer })
    expect((await cube.createSession()).token).toBe("LAYER")
    expect(sent).toEqual(["POST /session.json"])
    expect(requests).toHaveLength(0)
  })

  it("a refused connection through the fetch option is ECONNREFUSED, as with the default transport", async () => {
    // a port just freed (fetch refuses port 1 itself, as a "bad port")
    const port = await new Promise<number>((resolve) => {
      const server = Net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as Net.AddressInfo
        server.close(() => resolve(port))
      })
    })
    await using cube = createClient({ credentials: creds, config: { endpoints: { api_url: `http://127.0.0.1:${port}` } }, fetch: globalThis.fetch })
    const error = await cube.createSession().catch((e) => e)
    expect([error._tag, error.code]).toEqual(["TransportError", "ECONNREFUSED"])
  })

  it("a fetch-based layer wins over fetch too (the caller's fetch is not slipped into its calls)", async () => {
    const caller = fakeFetch(() => ({ status: 201, body: sessionBody("FETCH") }))
    const own = fakeFetch(() => ({ status: 201, body: sessionBody("LAYER") }))
    const layer = FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, own.fetch)))
    await using cube = createClient({ credentials: creds, config, fetch: caller.fetch, layer })
    expect((await cube.createSession()).token).toBe("LAYER")
    expect(caller.requests).toHaveLength(0)
    expect(own.requests.map(route)).toEqual(["POST /session.json"])
  })

  it("endpoints.api is a host reached over https; an empty api_url defers to it", async () => {
    const { fetch, requests } = fakeFetch(() => ({ status: 201, body: sessionBody("T1") }))
    await using cube = createClient({ credentials: creds, config: { endpoints: { api_url: "", api: "api.cube.test" } }, fetch })
    await cube.createSession()
    expect(requests[0]!.url.href).toBe("https://api.cube.test/session.json")
    expect(cube.storage.publicUrl("UID")).toBe("https://api.cube.test/blobs/UID")
  })

  it("two clients are independent (no module state)", async () => {
    const a = fakeFetch(() => ({ status: 201, body: sessionBody("A") }))
    const b = fakeFetch(() => ({ status: 201, body: sessionBody("B") }))
    await using one = createClient({ credentials: { appId: 1, authKey: "key-a" }, config, fetch: a.fetch })
    await using two = createClient({ credentials: { appId: 2, authKey: "key-b" }, config: { endpoints: { api_url: "http://other.test" } }, fetch: b.fetch })
    expect((await one.createSession()).token).toBe("A")
    expect((await two.createSession()).token).toBe("B")
    expect(a.requests[0]!.url.host).toBe("cube.test")
    expect(b.requests[0]!.url.host).toBe("other.test")
    expect(JSON.parse(b.requests[0]!.body!).auth_key).toBe("key-b")
  })
})

describe("the default export", () => {
  afterEach(() => ConnectyCube.dispose())

  it("is a client whose methods are also named exports", async () => {
    const mod = await import("@connectycube-effect/promise")
    expect(mod.default).toBe(ConnectyCube)
    expect(mod.init).toBe(ConnectyCube.init)
    expect(typeof mod.createSession).toBe("function")
    expect(typeof mod.createClient).toBe("function")
  })
})

describe("default transport", () => {
  it("is node:http in Node, selected by the #transport import's node condition", async () => {
    const transport = await import("#transport")
    expect(transport.layer).toBe(NodeClient.layer)
    // and the default condition is the global fetch
    expect((await import("../src/transport.js")).layer).toBe(FetchHttpClient.layer)
  })

  it("answers through node:http, not the global fetch (which adds sec-fetch-mode; node:http writes `Host`)", async () => {
    const seen: Array<string | undefined> = []
    const server = Http.createServer((req, res) => {
      seen.push(req.headers["sec-fetch-mode"] ?? req.rawHeaders.find((name) => name.toLowerCase() === "host"))
      req.resume()
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json" })
        res.end(JSON.stringify(sessionBody("T1")))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const { port } = server.address() as Net.AddressInfo
      await using cube = createClient({ credentials: creds, config: { endpoints: { api_url: `http://127.0.0.1:${port}` } } })
      expect((await cube.createSession()).token).toBe("T1")
      expect(seen).toEqual(["Host"])
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe("storage", () => {
  const blob = {
    id: 9001,
    uid: "b1d5a0f0c0ffee00000000000000000000",
    name: "hello.txt",
    content_type: "text/plain",
    public: false,
    size: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    blob_status: null,
    set_completed_at: null,
    blob_object_access: {
      id: 9001,
      blob_id: 9001,
      object_access_type: "Write",
      expires: "2026-01-01T01:00:00Z",
      params: "http://cube.test/upload?key=b1d5&policy=p%3D"
    }
  }
  const storageFetch = () =>
    fakeFetch((req) => {
      switch (route(req)) {
        case "POST /session.json":
          return { status: 201, body: sessionBody("T1", 81) }
        case "POST /blobs.json":
          return { status: 201, body: { blob } }
        case "POST /upload":
          return { status: 201, body: "<PostResponse/>", headers: { "content-type": "application/xml" } }
        case "GET /blobs/9001.json":
          return { status: 200, body: { blob: { ...blob, size: 11 } } }
        case "GET /blobs.json":
          return { status: 200, body: { current_page: 2, per_page: 5, total_entries: 1, items: [{ blob: { ...blob, size: 11 } }] } }
        case `GET /blobs/${blob.uid}.json`:
          return { status: 200, body: { blob: { ...blob, size: 11 } } }
        default:
          return { status: 200 }
      }
    })

  it("createAndUpload → the blob with its size; getInfo → {blob}; list → the raw page; delete → \"\"", async () => {
    const { fetch, requests } = storageFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    await cube.createSession({ login: "cubeuser", password: "awesomepwd" })
    const uploaded = await cube.storage.createAndUpload({ name: "hello.txt", file: Buffer.from("hello world"), type: "text/plain", size: 11, public: false })
    expect(uploaded).toStrictEqual({ ...blob, size: 11 })
    expect(Object.getPrototypeOf(uploaded.blob_object_access)).toBe(Object.prototype)
    expect(requests.map(route)).toEqual(["POST /session.json", "POST /blobs.json", "POST /upload", "PUT /blobs/9001/complete.json"])
    expect(JSON.parse(requests[1]!.body!)).toEqual({ blob: { name: "hello.txt", content_type: "text/plain", public: false } })
    expect(requests[2]!.body).toContain("hello world")
    expect(JSON.parse(requests[3]!.body!)).toEqual({ size: 11 })

    expect(await cube.storage.getInfo(9001)).toStrictEqual({ blob: { ...blob, size: 11 } })
    const page = await cube.storage.list({ current_page: 2, per_page: 5 })
    expect(page).toStrictEqual({ current_page: 2, per_page: 5, total_entries: 1, items: [{ blob: { ...blob, size: 11 } }] })
    expect(requests.at(-1)!.url.search).toBe("?page=2&per_page=5")
    expect(await cube.storage.delete(9001)).toBe("")
  })

  it("create → {blob} with its upload grant; markUploaded → \"\"; getFile → {blob}", async () => {
    const { fetch, requests } = storageFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    await cube.createSession()
    expect(await cube.storage.create({ name: "hello.txt", content_type: "text/plain", public: true })).toStrictEqual({ blob })
    expect(JSON.parse(requests.at(-1)!.body!)).toEqual({ blob: { name: "hello.txt", content_type: "text/plain", public: true } })
    expect(await cube.storage.markUploaded({ id: 9001, size: "11" })).toBe("")
    expect(route(requests.at(-1)!)).toBe("PUT /blobs/9001/complete.json")
    expect(JSON.parse(requests.at(-1)!.body!)).toEqual({ size: 11 })
    expect(await cube.storage.getFile(blob.uid)).toStrictEqual({ blob: { ...blob, size: 11 } })
  })

  it("createAndUpload defaults public to false (the official SDK defaults to true)", async () => {
    const { fetch, requests } = storageFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    await cube.createSession()
    await cube.storage.createAndUpload({ name: "hello.txt", file: "hello world", type: "text/plain" })
    expect(JSON.parse(requests.find((r) => route(r) === "POST /blobs.json")!.body!).blob.public).toBe(false)
  })

  it("privateUrl/publicUrl are synchronous strings", async () => {
    const { fetch } = storageFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    expect(cube.storage.publicUrl("UID")).toBe("http://cube.test/blobs/UID")
    expect(cube.storage.privateUrl("UID")).toBe("http://cube.test/blobs/UID?token=undefined")
    await cube.createSession()
    expect(cube.storage.privateUrl("UID")).toBe("http://cube.test/blobs/UID?token=T1")
  })

  it("privateUrl: the init token before the runtime is built; token=undefined once built without a session", async () => {
    const { fetch } = storageFetch()
    await using preset = createClient({ credentials: { appId: 1, token: "PRE/SET" }, config, fetch })
    expect(preset.storage.privateUrl("UID")).toBe("http://cube.test/blobs/UID?token=PRE%2FSET")
    await using cube = createClient({ credentials: creds, config, fetch })
    // a call refused before sending: the runtime is built by the time it settles
    await cube.login({ email: "not-an-address", password: "x" }).catch(() => undefined)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(cube.storage.privateUrl("UID")).toBe("http://cube.test/blobs/UID?token=undefined")
    expect(preset.storage.privateUrl("UID")).toBe("http://cube.test/blobs/UID?token=PRE%2FSET")
  })

  it("privateUrl/publicUrl refuse a uid that would change the path, before and after the runtime is built", async () => {
    const { fetch } = storageFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    const refused = (f: () => string) => {
      try {
        return f()
      } catch (e) {
        return (e as { _tag?: string })._tag === "InvalidInput" ? `refused ${(e as { field: string }).field}` : e
      }
    }
    for (const uid of ["a/../b", "a b", "", "x?y", "x#y"]) {
      expect(refused(() => cube.storage.privateUrl(uid))).toBe("refused uid")
      expect(refused(() => cube.storage.publicUrl(uid))).toBe("refused uid")
    }
    await cube.createSession()
    for (const uid of ["a/../b", "a b"]) expect(refused(() => cube.storage.privateUrl(uid))).toBe("refused uid")
  })
})

describe("users", () => {
  const usersFetch = () =>
    fakeFetch((req) => {
      switch (route(req)) {
        case "POST /session.json":
          return { status: 201, body: sessionBody("T1", 81, { user: userJson(81) }) }
        case "POST /users.json":
          return { status: 201, body: { user: userJson(82, { login: "marvin18", user_tags: "iphone,apple" }) } }
        case "PUT /users/81.json":
          return { status: 200, body: { user: userJson(81, { full_name: "Mar Sim" }) } }
        case "GET /users/v2.json":
          return { status: 200, body: { limit: 10, skip: 0, total_entries: 1, items: [userJson(81)] } }
        case "GET /users/by_login.json":
          return { status: 200, body: { user: userJson(81) } }
        case "GET /users.json":
          return { status: 200, body: { current_page: 1, per_page: 5, total_entries: 1, items: [{ user: userJson(81) }] } }
        default:
          return { status: 200 }
      }
    })

  it("signup/update → {user}; getV2 → the v2 envelope; get → the raw v1 body; delete/resetPassword → \"\"", async () => {
    const { fetch, requests } = usersFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    const signedUp = await cube.users.signup({ login: "marvin18", password: "supersecurepwd", tag_list: ["iphone", "apple"] })
    expect(signedUp).toStrictEqual({ user: userJson(82, { login: "marvin18", user_tags: "iphone,apple" }) })
    // No session yet: signup goes with the auth key, as in the official SDK.
    expect(requests[0]!.headers["cb-authkey"]).toBe("secret-auth-key")
    await cube.createSession({ login: "cubeuser", password: "awesomepwd" })
    expect(await cube.users.update({ full_name: "Mar Sim" })).toStrictEqual({ user: userJson(81, { full_name: "Mar Sim" }) })
    expect(await cube.users.getV2({ id: { in: [81] } })).toStrictEqual({ limit: 10, skip: 0, total_entries: 1, items: [userJson(81)] })
    expect(await cube.users.get({ login: "cubeuser" })).toStrictEqual({ user: userJson(81) })
    const page = await cube.users.get({ page: 1, per_page: 5, filter: { field: "id", param: "in", value: [81, 82] } })
    expect(page).toStrictEqual({ current_page: 1, per_page: 5, total_entries: 1, items: [{ user: userJson(81) }] })
    expect(await cube.users.resetPassword("awesomeman@gmail.com")).toBe("")
    expect(await cube.users.delete()).toBe("")
    expect(requests.map(route).slice(1)).toEqual([
      "POST /session.json",
      "PUT /users/81.json",
      "GET /users/v2.json",
      "GET /users/by_login.json",
      "GET /users.json",
      "POST /users/password/reset.json",
      "DELETE /users/81.json",
      "DELETE /session.json"
    ])
  })

  it("signup takes the signal as its second or third argument", async () => {
    const { fetch, requests } = usersFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    const profile = { login: "marvin18", password: "supersecurepwd" }
    expect(await cube.users.signup(profile, { signal: AbortSignal.abort() }).catch((e) => e)).toBeInstanceOf(Aborted)
    expect(await cube.users.signup(profile, "ignored-key", { signal: AbortSignal.abort() }).catch((e) => e)).toBeInstanceOf(Aborted)
    expect(requests).toHaveLength(0)
  })

  it("getV2 takes the signal as its only argument", async () => {
    const { fetch } = usersFetch()
    await using cube = createClient({ credentials: creds, config, fetch })
    const error = await cube.users.getV2({ signal: AbortSignal.abort() }).catch((e) => e)
    expect(error).toBeInstanceOf(Aborted)
  })
})
