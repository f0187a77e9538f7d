/**
 * Issue 17 item 6: `createSession`/`login` check login, email and password with sign-up's rules before anything is
 * sent, and `createSession(null)` is `InvalidInput` (not a `TypeError` defect).
 */
import { assert, describe, it } from "@effect/vitest"
import { Session } from "@connectycube-effect/http"
import { Effect, Exit } from "effect"
import { appSessionBody, cubeLayer, fakeHttp } from "./fake.js"

const server = () => fakeHttp(() => ({ status: 201, body: appSessionBody("TOKEN") }))

describe("sign-in input", () => {
  it.effect("what sign-up refuses is InvalidInput naming the field, nothing sent", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const bad: ReadonlyArray<readonly [unknown, string]> = [
        [{ login: "a".repeat(1_000_000), password: "pwd" }, "login"],
        [{ login: "lone\uD800", password: "pwd" }, "login"],
        [{ login: "nul\u0000byte", password: "pwd" }, "login"],
        [{ login: "ab", password: "pwd" }, "login"],
        [{ login: "gooduser", password: "\uDC00" }, "password"],
        [{ email: "a@b.c\u0000", password: "pwd" }, "email"],
        [{ email: "a@localhost.com\uD800", password: "pwd" }, "email"],
        [{ guest: "1", full_name: "\uD800" }, "full_name"]
      ]
      for (const [input, field] of bad) {
        const created = yield* Effect.flip(session.create(input as never))
        assert.strictEqual(created._tag === "InvalidInput" ? created.field : created._tag, field, JSON.stringify(input).slice(0, 60))
        // a guest cannot `login`: that is refused for its own reason
        if (field === "full_name") continue
        const login = yield* Effect.flip(session.login(input as never))
        assert.strictEqual(login._tag === "InvalidInput" ? login.field : login._tag, field, JSON.stringify(input).slice(0, 60))
      }
      assert.strictEqual(s.requests.length, 0)
    }).pipe(Effect.provide(cubeLayer(s.layer)))
  })

  it.effect("a Custom Identity Provider token longer than a login is still sent in login", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.create({ login: "eyJ".padEnd(900, "x"), password: "any" })
      assert.strictEqual(s.requests.length, 1)
    }).pipe(Effect.provide(cubeLayer(s.layer)))
  })

  it.effect("createSession(null) is InvalidInput, not a defect", () => {
    const s = server()
    return Effect.gen(function*() {
      const session = yield* Session.Session
      const exit = yield* Effect.exit(session.create(null as unknown as undefined))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(session.create(null as unknown as undefined))
      assert.strictEqual(error._tag, "InvalidInput")
      assert.strictEqual(s.requests.length, 0)
    }).pipe(Effect.provide(cubeLayer(s.layer)))
  })
})
