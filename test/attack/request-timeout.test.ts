// Issue 17, item 4 (the "never a hang" half) made configurable: a request whose body never arrives gets the
// emulator's JSON 408 after `requestTimeoutMs` (30 s by default; Node's own default is 5 minutes), over a real
// loopback port.
import { assert, describe, it } from "@effect/vitest"
import { Emulator } from "@connectycube-effect/emulator"
import { Effect } from "effect"
import * as Net from "node:net"
import { signIn } from "./helpers.js"

/** Writes `request` and keeps the connection open: what came back and when, or nothing within `waitMs`. */
const stall = (port: number, request: string, waitMs: number) =>
  Effect.promise(() =>
    new Promise<{ readonly text: string; readonly afterMs: number }>((resolve) => {
      const start = Date.now()
      const socket = Net.connect(port, "127.0.0.1")
      let text = ""
      const done = () => {
        clearTimeout(timer)
        socket.destroy()
        resolve({ text, afterMs: Date.now() - start })
      }
      const timer = setTimeout(done, waitMs)
      socket.on("data", (d) => (text += d.toString("latin1")))
      socket.on("end", done)
      socket.on("error", done)
      socket.write(request)
    })
  )

describe("attack: a body that never arrives", () => {
  it.live("is answered 408 with a JSON body once requestTimeoutMs has passed", () =>
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.make({ host: "127.0.0.1", port: 0, requestTimeoutMs: 1_000 })
      const { token, userId } = yield* Effect.promise(() => signIn(emulator.url, "stalled"))
      const answer = yield* stall(
        emulator.port,
        `PUT /users/${userId}.json HTTP/1.1\r\nHost: 127.0.0.1\r\nCB-Token: ${token}\r\nContent-Type: application/json\r\n` +
          `Content-Length: 100\r\n\r\n{"user":`,
        8_000
      )
      assert.match(answer.text, /^HTTP\/1\.1 408 /, `after ${answer.afterMs} ms: ${JSON.stringify(answer.text)}`)
      assert.isDefined(JSON.parse(answer.text.slice(answer.text.indexOf("\r\n\r\n") + 4)).errors)
      assert.isAtLeast(answer.afterMs, 900)
      assert.isBelow(answer.afterMs, 5_000)
      // the server goes on answering
      const res = yield* Effect.promise(() => fetch(`${emulator.url}/users/${userId}.json`, { headers: { "CB-Token": token } }))
      assert.strictEqual(res.status, 200)
    })), 30_000)

  it.live("headers that never end are cut off by the same timeout", () =>
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.make({ host: "127.0.0.1", port: 0, requestTimeoutMs: 1_000 })
      const answer = yield* stall(emulator.port, "GET /users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n", 8_000)
      assert.match(answer.text, /^HTTP\/1\.1 408 /, `after ${answer.afterMs} ms: ${JSON.stringify(answer.text)}`)
      assert.isBelow(answer.afterMs, 5_000)
    })), 30_000)
})
