// Issue 17, item 4: bad input is a 4xx with a JSON body (S3's XML on the upload target), never a 500,
// never a hang. Every request has a bounded wait; the emulator must still answer normally afterwards.
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Http from "node:http"
import * as Net from "node:net"
import { AUTH_KEY, call, postJson, signIn, start } from "./helpers.js"

type Emu = Awaited<ReturnType<typeof start>>

const nested = (depth: number): unknown => {
  let value: unknown = "x"
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

/** A 4xx whose body is JSON with `errors`. */
const expectJsonError = (res: { status: number; text: string }, what: string) => {
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeLessThan(500)
  expect(JSON.parse(res.text).errors, what).toBeDefined()
}

/** One raw HTTP exchange over a socket (what fetch would not send), with a bounded wait. */
const raw = (port: number, request: string | Buffer, options: { endWrite?: boolean; timeoutMs?: number } = {}) =>
  new Promise<{ status: number; headers: string; body: string; raw: string }>((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    let data = ""
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${options.timeoutMs ?? 15_000} ms; got ${JSON.stringify(data.slice(0, 200))}`))
    }, options.timeoutMs ?? 15_000)
    socket.on("data", (d) => {
      data += d.toString("latin1")
      const end = data.indexOf("\r\n\r\n")
      if (end === -1) return
      const head = data.slice(0, end)
      const length = /content-length:\s*(\d+)/i.exec(head)
      const body = data.slice(end + 4)
      if (length !== null && Buffer.byteLength(body, "latin1") >= Number(length[1])) done()
    })
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      const end = data.indexOf("\r\n\r\n")
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0),
        headers: data.slice(0, end),
        body: end === -1 ? "" : data.slice(end + 4),
        raw: data
      })
    }
    socket.on("end", done)
    socket.on("close", done)
    socket.on("error", () => done())
    socket.write(request)
    if (options.endWrite === true) socket.end()
  })

describe("attack: bad input", () => {
  let emu: Emu
  let token: string
  let userId: number
  let appToken: string
  beforeAll(async () => {
    emu = await start()
    ;({ token, userId } = await signIn(emu.url, "bad-input"))
    appToken = JSON.parse((await postJson(`${emu.url}/session`, { application_id: 1, auth_key: AUTH_KEY })).text).session.token
  })
  afterAll(() => emu.close())

  /** A GET, with a JSON body when given (the docs' curl sends GET params with -d; fetch cannot). */
  const get = (path: string, body?: unknown) =>
    body === undefined ?
      call(`${emu.url}${path}`, { headers: { "cb-token": token } }) :
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const payload = JSON.stringify(body)
        const req = Http.request(`${emu.url}${path}`, {
          method: "GET",
          headers: { "cb-token": token, "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
        }, (res) => {
          let text = ""
          res.setEncoding("utf8")
          res.on("data", (d: string) => (text += d))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }))
        })
        req.setTimeout(15_000, () => req.destroy(new Error("no answer within 15 s")))
        req.on("error", reject)
        req.end(payload)
      })

  it("nesting 2000 deep: in a query, a JSON body, a form body", async () => {
    const key = `login${"[a]".repeat(2000)}`
    const query = await get(`/users/v2?${key}=1`)
    expectJsonError(query, "query")
    expect(JSON.parse(query.text).errors).toEqual({ login: ["is nested too deeply (maximum is 32 levels)"] })
    const put = await call(`${emu.url}/users/${userId}`, {
      method: "PUT",
      headers: { "cb-token": token, "content-type": "application/json" },
      body: JSON.stringify({ user: { custom_data: nested(2000) } })
    })
    expectJsonError(put, "PUT custom_data")
    expect(JSON.parse(put.text).errors).toEqual({ custom_data: ["is nested too deeply (maximum is 32 levels)"] })
    const form = await call(`${emu.url}/users`, {
      method: "POST",
      headers: { "cb-token": appToken, "content-type": "application/x-www-form-urlencoded" },
      body: `user[login]=deep1&user[password]=password1&user[custom_data]${"[a]".repeat(2000)}=1`
    })
    expectJsonError(form, "POST /users form")
    expect(JSON.parse(form.text).errors).toEqual({ custom_data: ["is nested too deeply (maximum is 32 levels)"] })
    // within the limit, the usual validation answers
    const shallow = await call(`${emu.url}/users/${userId}`, {
      method: "PUT",
      headers: { "cb-token": token, "content-type": "application/json" },
      body: JSON.stringify({ user: { custom_data: nested(31) } })
    })
    expect(shallow.status).toBe(422)
    expect(Object.keys(JSON.parse(shallow.text).errors)).toEqual(["custom_data"])
  })

  it("a page past the bound", async () => {
    for (const path of ["/users", "/users/by_tags?tags=a&", "/users/by_full_name?full_name=a&"]) {
      const sep = path.includes("?") ? "" : "?"
      const res = await get(`${path}${sep}page=999999999999999&per_page=100`)
      expectJsonError(res, path)
      expect(res.status).toBe(422)
      expect(Object.keys(JSON.parse(res.text).errors)).toContain("page")
    }
    const v2 = await get(`/users/v2?login=a&offset=999999999999999999999&limit=100`)
    expect(v2.status, v2.text).toBeLessThan(500)
  })

  it("long filter lists and many filters", async () => {
    const dates = Array.from({ length: 500 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString())
    const dateIn = await get(`/users?filter[]=${encodeURIComponent(`date created_at in ${dates.join(",")}`)}`)
    expect(dateIn.status, dateIn.text).toBeLessThan(500)
    const many = Array.from({ length: 500 }, (_, i) => `filter[]=${encodeURIComponent(`number id gt ${i}`)}`).join("&")
    const manyRes = await get(`/users?${many}`)
    expectJsonError(manyRes, "500 filters")
    expect(manyRes.status).toBe(422)
    const ids = Array.from({ length: 17_000 }, (_, i) => i + 1)
    const tags = ids.map((i) => `t${i}`)
    const cases: ReadonlyArray<readonly [string, unknown]> = [
      ["/users/v2", { id: { in: ids } }],
      ["/users/v2", { user_tags: { in: tags } }],
      ["/users", { filter: [`number id in ${ids.join(",")}`] }],
      ["/users/by_tags", { tags: tags.join(",") }]
    ]
    for (const [path, body] of cases) {
      const res = await get(path, body)
      expectJsonError(res, `${path} ${Object.keys(body as object)}`)
      expect(res.status).toBe(422)
    }
  })

  it("the upload target: no boundary, empty or truncated multipart", async () => {
    const noBoundary = await call(`${emu.url}/cb-shared-s3`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data" },
      body: "--x\r\n\r\n"
    })
    expect(noBoundary.status).toBe(400)
    expect(noBoundary.text).toContain("<Error>")
    const empty = await raw(
      emu.port,
      "POST /cb-shared-s3 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 0\r\n\r\n"
    )
    expect(empty.status).toBe(400)
    const part = `--xyz\r\nContent-Disposition: form-data; name="key"\r\n\r\nabc\r\n--xyz\r\nContent-Disposition: form-data; name="fi`
    const truncated = await raw(
      emu.port,
      `POST /cb-shared-s3 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: ${part.length}\r\n\r\n${part}`
    )
    expect(truncated.status).toBe(400)
    // a body shorter than its Content-Length, the client's write side closed
    const short = await raw(
      emu.port,
      `POST /cb-shared-s3 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 1000\r\n\r\n${part}`,
      { endWrite: true }
    )
    expect([0, 400]).toContain(short.status)
  })

  it("the clock: a move out of range is a 422 and the clock keeps working", async () => {
    for (const body of [{ advanceMs: 1e300 }, { advanceMs: -1e300 }, { now: 1e300 }, { now: "+275760-09-13T00:00:00.001Z" }]) {
      const res = await postJson(`${emu.url}/__emulator/clock`, body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(JSON.parse(res.text).errors).toBeDefined()
    }
    expect((await call(`${emu.url}/__emulator/clock`)).status).toBe(200)
    expect((await get(`/users/${userId}`)).status).toBe(200)
  })

  it("over Node's limits: a long URL, a big header, a bad Content-Length get a JSON body", async () => {
    const longUrl = await raw(emu.port, `GET /users?x=${"a".repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    expect(longUrl.status).toBe(431)
    expect(JSON.parse(longUrl.body).errors).toBeDefined()
    const bigHeader = await raw(emu.port, `GET /users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`)
    expect(bigHeader.status).toBe(431)
    expect(JSON.parse(bigHeader.body).errors).toBeDefined()
    const badLength = await raw(emu.port, `POST /session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}`)
    expect(badLength.status).toBe(400)
    expect(JSON.parse(badLength.body).errors).toBeDefined()
    // more bytes than Content-Length: the rest is not a request
    const extra = await raw(
      emu.port,
      `POST /session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}garbage garbage\r\n\r\n`
    )
    expect(extra.raw).not.toMatch(/HTTP\/1\.1 5\d\d/)
  })

  it("a fault's path regex: too long, or a quantified group holding a quantifier (catastrophic backtracking), is a 422", async () => {
    // `^/(a+)+$` against /aaaa…a! froze the server for seconds: refused before it is compiled
    const catastrophic = [
      "^/(a+)+$",
      "(a*)*",
      "^/(x|(y+))*$",
      "(?:\\d+)+",
      "(a{1,5}){2,}",
      "([a-z]+\\/)*x",
      "(a?){30}a{30}",
      "((ab)*c)+",
      "(?<n>a+)+",
      "(a+)*?",
      "([\\w.]+)+$"
    ]
    for (const path of [...catastrophic, `^/${"a".repeat(499)}`]) {
      const res = await postJson(`${emu.url}/__emulator/faults`, { path, regex: true, status: 503, times: 100 })
      expectJsonError(res, path.slice(0, 40))
      expect(res.status, path.slice(0, 40)).toBe(422)
      expect(Object.keys(JSON.parse(res.text).errors), path.slice(0, 40)).toEqual(["path"])
    }
    expect(JSON.parse((await postJson(`${emu.url}/__emulator/faults`, { path: "x".repeat(501), regex: true })).text).errors).toEqual({
      path: ["is too long for a regular expression (maximum is 500 characters)"]
    })
    expect(JSON.parse((await postJson(`${emu.url}/__emulator/faults`, { path: "^/(a+)+$", regex: true })).text).errors.path[0])
      .toMatch(/nested quantifier/)
    // none was added: the request the first one would have frozen answers (a 404), and no fault is pending
    const frozen = await get(`/${"a".repeat(40)}!`)
    expect(frozen.status).toBe(404)
    expect(JSON.parse((await call(`${emu.url}/__emulator/faults`)).text).faults).toEqual([])
    // in-process too
    const added = await Effect.runPromiseExit(emu.emulator.addFault({ path: "^/(a+)+$", regex: true }))
    expect(Exit.isFailure(added) && JSON.stringify(added.cause)).toMatch(/EmulatorError.*Fault|Fault.*EmulatorError/s)

    // ordinary patterns still work, each with a 500-character pattern and a prefix (not a regex) of any length
    const fine = [
      "^/users/\\d+$",
      "/blobs/.*",
      "^/users/(\\d+)$",
      "^/(users|blobs)(/\\d+)?$",
      "^/users/[(+]+$",
      "^/users/\\(a+\\)+$",
      "^/users/(?:v2)?$",
      `^/users/${"b".repeat(491)}$`
    ]
    for (const path of fine) {
      const res = await postJson(`${emu.url}/__emulator/faults`, { path, regex: true, status: 503 })
      expect(res.status, `${path.slice(0, 40)}: ${res.text.slice(0, 200)}`).toBe(201)
    }
    expect((await postJson(`${emu.url}/__emulator/faults`, { path: `/x${"y".repeat(1000)}`, status: 503 })).status).toBe(201)
    expect((await call(`${emu.url}/__emulator/faults`, { method: "DELETE", headers: { "content-type": "application/json" } })).status)
      .toBe(200)
    expect((await postJson(`${emu.url}/__emulator/faults`, { path: "^/users/\\d+$", regex: true, status: 418 })).status).toBe(201)
    expect((await get(`/users/${userId}`)).status).toBe(418)
    expect((await get(`/users/${userId}`)).status).toBe(200)
  })

  it("a fault's status is a final one (200–599): a 1xx made the client wait forever", async () => {
    for (const status of [100, 101, 103, 199]) {
      const res = await postJson(`${emu.url}/__emulator/faults`, { path: "/users", status })
      expect(res.status, String(status)).toBe(422)
      expect(Object.keys(JSON.parse(res.text).errors)).toEqual(["status"])
    }
    expect(JSON.parse((await call(`${emu.url}/__emulator/faults`)).text).faults).toEqual([])
  })

  it("still answers normally afterwards", async () => {
    const res = await get(`/users/${userId}`)
    expect(res.status).toBe(200)
  })
})
