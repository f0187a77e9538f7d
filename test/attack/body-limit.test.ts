// Issue 17, item 6 (last bullet): a request body over the emulator's limit surfaces in the SDK as the server's
// 413 (a `BadRequest` with status 413), not `TransportError(EPIPE)`: the server answers and reads the rest of the
// body (bounded) instead of closing the socket under the client. Over a real loopback port, with both Node
// transports.
import { assert, describe, it } from "@effect/vitest"
import { Errors } from "@connectycube-effect/core"
import { Emulator } from "@connectycube-effect/emulator"
import { Cube, Session } from "@connectycube-effect/http"
import * as NodeClient from "@connectycube-effect/http/NodeClient"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { Users } from "@connectycube-effect/users"
import { Effect, Layer } from "effect"
import type { HttpClient } from "effect/http"
import * as Net from "node:net"
import { signIn } from "./helpers.js"

const AUTH_KEY = "emulator-auth-key"
const LIMIT = 64 * 1024

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeClient", NodeClient.layer],
  ["UndiciClient", UndiciClient.layer]
]

/** A raw HTTP/1.1 connection: what was read so far, whether it ended or failed, and a write that reports its error. */
const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.callback<{
      readonly socket: Net.Socket
      readonly read: () => string
      readonly state: () => string
      readonly write: (data: string | Buffer) => Promise<void>
    }>((resume) => {
      const socket = Net.connect(port, "127.0.0.1")
      let data = ""
      let state = "open"
      socket.on("data", (d) => (data += d.toString("latin1")))
      socket.on("end", () => (state = state === "open" ? "ended" : state))
      socket.on("error", (e: NodeJS.ErrnoException) => (state = `error ${e.code}`))
      socket.on("connect", () =>
        resume(Effect.succeed({
          socket,
          read: () => data,
          state: () => state,
          write: (chunk) => new Promise<void>((done, fail) => socket.write(chunk, (e) => (e ? fail(e) : done())))
        })))
    }),
    ({ socket }) => Effect.sync(() => socket.destroy())
  )

/** Waits (at most 10 s) until `test` holds for the connection. */
const until = (test: () => boolean, what: string) =>
  Effect.promise(async () => {
    const end = Date.now() + 10_000
    while (!test()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 5))
    }
  })

// an answer's status line follows the previous answer's body directly
const answers = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))

describe("attack: a body over the server's limit", () => {
  it.live("the server answers 413 and reads the rest of the body (no reset under the client); the connection stays usable", () =>
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.make({ host: "127.0.0.1", port: 0, bodyLimit: LIMIT })
      const { token, userId } = yield* Effect.promise(() => signIn(emulator.url, "rawbody"))
      for (const chunked of [false, true]) {
        const conn = yield* connect(emulator.port)
        const size = 16 * LIMIT
        const head = `PUT /users/${userId}.json HTTP/1.1\r\nHost: x\r\nCB-Token: ${token}\r\nContent-Type: application/json\r\n` +
          (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : `Content-Length: ${size}\r\n\r\n`)
        const piece = Buffer.alloc(LIMIT / 4, 0x20)
        const frame = (b: Buffer) => (chunked ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from("\r\n")]) : b)
        yield* Effect.promise(() => conn.write(head))
        let sent = 0
        // enough for the server to decide (declared size, or the limit passed), then wait for its answer
        while (sent <= LIMIT && chunked) {
          yield* Effect.promise(() => conn.write(frame(piece)))
          sent += piece.length
        }
        yield* until(() => answers(conn.read()).length === 1 && /\r\n\r\n\{"errors"[^]*\}$/.test(conn.read()), "the 413")
        assert.deepStrictEqual(answers(conn.read()), [413])
        // the client goes on sending what it declared: the server reads it, nothing is reset
        while (sent < size) {
          yield* Effect.promise(() => conn.write(frame(piece)))
          sent += piece.length
          yield* Effect.sleep("1 millis")
        }
        if (chunked) yield* Effect.promise(() => conn.write("0\r\n\r\n"))
        assert.strictEqual(conn.state(), "open")
        // and the same connection answers the next request
        yield* Effect.promise(() => conn.write(`GET /users/${userId}.json HTTP/1.1\r\nHost: x\r\nCB-Token: ${token}\r\n\r\n`))
        yield* until(() => answers(conn.read()).length === 2 || conn.state() !== "open", "the second answer")
        assert.deepStrictEqual(answers(conn.read()), [413, 200], `${chunked ? "chunked" : "Content-Length"}: ${conn.state()}`)
      }
    })), 30_000)

  it.live("a body far past the limit is read up to a bound, then the connection is closed", () =>
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.make({ host: "127.0.0.1", port: 0, bodyLimit: LIMIT })
      const { token, userId } = yield* Effect.promise(() => signIn(emulator.url, "hugebody"))
      const conn = yield* connect(emulator.port)
      yield* Effect.promise(() =>
        conn.write(
          `PUT /users/${userId}.json HTTP/1.1\r\nHost: x\r\nCB-Token: ${token}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${1024 ** 4}\r\n\r\n`
        )
      )
      yield* until(() => answers(conn.read()).length === 1, "the 413")
      assert.deepStrictEqual(answers(conn.read()), [413])
      const piece = Buffer.alloc(1024 * 1024, 0x20)
      let sent = 0
      yield* Effect.promise(async () => {
        try {
          while (sent < 1024 ** 3) {
            await conn.write(piece)
            sent += piece.length
          }
        } catch {
          // the server closed the connection
        }
      })
      yield* until(() => conn.state() !== "open", "the close")
      assert.isBelow(sent, 256 * 1024 * 1024)
    })), 30_000)

  for (const [name, transport] of transports) {
    it.live(`${name}: users.update with a body over the limit fails with the server's 413, and the client still works`, () =>
      Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make({ host: "127.0.0.1", port: 0, bodyLimit: LIMIT })
        yield* Effect.gen(function*() {
          const users = yield* Users.Users
          const session = yield* Session.Session
          yield* users.signup({ login: "bigbody", password: "password1" })
          yield* session.create({ login: "bigbody", password: "password1" })
          for (const size of [LIMIT + 1, 4 * LIMIT, 64 * LIMIT, 512 * LIMIT]) {
            const error = yield* Effect.flip(users.update({ custom_data: "x".repeat(size) }))
            assert.strictEqual(error._tag, "BadRequest", `${size} bytes: ${error.message}`)
            assert.strictEqual(Errors.statusOf(error), 413, `${size} bytes`)
            // the same client (and its kept-alive connections) goes on working
            const me = yield* users.update({ full_name: "Big Body" })
            assert.strictEqual(me.full_name, "Big Body")
          }
        }).pipe(
          Effect.provide(
            Users.layer.pipe(
              Layer.provideMerge(Cube.layer({ appId: 1, authKey: AUTH_KEY, apiUrl: emulator.url })),
              Layer.provide(transport)
            )
          )
        )
      })), 30_000)
  }
})
