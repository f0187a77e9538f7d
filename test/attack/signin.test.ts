/**
 * Attack suite, issue 17 items 5 and 7a: sign-in (`POST /session`, `POST /login`) validates with sign-up's rules,
 * refuses control characters in login and email, does not race, and embeds the user as it was before the request.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AUTH_KEY, call, emulator, json, signIn } from "./harness.js"

describe("attack: sign-in validation", () => {
  it.live("a value sign-up refuses, sign-in refuses too (422), and no user is created", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const bad: ReadonlyArray<Record<string, unknown>> = [
        { login: "q", password: "x" },
        { login: "a".repeat(100_000), password: "x" },
        { login: "lone\uD800surrogate", password: "x" },
        { login: "nul\u0000byte", password: "x" },
        { login: "tab\tbyte", password: "x" },
        { email: "not-an-email", password: "x" },
        { email: "nul\u0000@example.com", password: "x" },
        { login: "goodlogin", password: "\uDC00" }
      ]
      for (const user of bad) {
        const answer = yield* signIn(emu.url, { user })
        assert.strictEqual(answer.status, 422, JSON.stringify(answer.body).slice(0, 200))
        assert.isObject(answer.body.errors)
      }
      // the same values through sign-up
      const app = yield* signIn(emu.url, {})
      for (const user of bad) {
        const answer = yield* call(`${emu.url}/users.json`, json("POST", { user }, app.body.session.token))
        assert.strictEqual(answer.status, 422, JSON.stringify(user).slice(0, 80))
      }
      // and through POST /login
      for (const user of bad) {
        const answer = yield* call(`${emu.url}/login.json`, json("POST", user, app.body.session.token))
        assert.strictEqual(answer.status, 422, JSON.stringify(user).slice(0, 80))
      }
      const me = yield* signIn(emu.url, { user: { login: "onlyone", password: "onlyonepwd" } })
      const page = yield* call(`${emu.url}/users.json?per_page=100`, { headers: { "CB-Token": me.body.session.token } })
      assert.strictEqual(page.body.total_entries, 1, JSON.stringify(page.body))
    }))

  it.live("logins with a NUL byte cannot collide: the second is refused, not signed in as the first", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const first = yield* signIn(emu.url, { user: { login: "victim", password: "victimpwd" } })
      assert.strictEqual(first.status, 201)
      const collide = yield* signIn(emu.url, { user: { login: "victim\u0000x", password: "victimpwd" } })
      assert.strictEqual(collide.status, 422)
    }))

  it.live("50 parallel first sign-ins of one new login: 50×201, one user", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const answers = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i),
        () => signIn(emu.url, { user: { login: "racer", password: "racerpwd" } }),
        { concurrency: 50 }
      )
      assert.deepStrictEqual(answers.map((a) => a.status), Array.from({ length: 50 }, () => 201))
      assert.strictEqual(new Set(answers.map((a) => a.body.session.user_id)).size, 1)
      const page = yield* call(`${emu.url}/users/v2.json?login=racer`, {
        headers: { "CB-Token": answers[0]!.body.session.token }
      })
      assert.strictEqual(page.body.total_entries, 1)
    }))
})

describe("attack: the user embedded in POST /session", () => {
  it.live("a user created by this sign-in has last_request_at null; an existing user shows its previous request", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ clockStart: Date.parse("2030-01-01T00:00:00Z") })
      const clock = (advanceMs: number) => call(`${emu.url}/__emulator/clock`, json("POST", { advanceMs }))
      for (const extra of [
        { user: { login: "newbie", password: "newbiepwd" } },
        { user: { guest: "1" } },
        { provider: "facebook", keys: { token: "fresh" } }
      ]) {
        const created = yield* signIn(emu.url, extra)
        assert.strictEqual(created.status, 201)
        assert.isNull(created.body.session.user.last_request_at, JSON.stringify(extra))
      }
      yield* clock(5_000)
      const again = yield* signIn(emu.url, { user: { login: "newbie", password: "newbiepwd" } })
      // the previous request (the first sign-in), not this one
      assert.strictEqual(again.body.session.user.last_request_at, "2030-01-01T00:00:00Z")
      // and the request did count: GET /session shows it
      const read = yield* call(`${emu.url}/session.json`, { headers: { "CB-Token": again.body.session.token } })
      assert.strictEqual(read.body.session.user.last_request_at, "2030-01-01T00:00:05Z")
      void AUTH_KEY
    }))
})
