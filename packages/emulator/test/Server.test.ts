import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Http from "../src/Http.js"
import * as Route from "../src/Route.js"
import { appSession, emulator } from "./helpers.js"

// Answers what a handler sees: the parsed search params and the path params.
const echo = Effect.map(
  Effect.zip(Effect.service(HttpServerRequest.ParsedSearchParams), HttpRouter.params),
  ([search, params]) => Http.json({ search, params })
)

const routes: ReadonlyArray<Route.Route> = [
  Route.make({ method: "GET", path: "/echo", summary: "static", auth: "none", handler: echo }),
  Route.make({ method: "GET", path: "/echo/:id", summary: "with a parameter", auth: "none", handler: echo })
]

describe("routing", () => {
  it.effect("a static route found without the router sees the same search params as a routed one", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator({ routes })
      const queries = [
        "",
        "a=1&a=2&a=3&b",
        "x=%E2%9C%93&y=a+b&z=%2B",
        "k%5Bin%5D=1,2&k[nin][]=3",
        "bad=%E0%A4%A&ok=1",
        "__proto__=1&constructor=2",
        "p=//x//y",
        "=v&&k=&a=b=c"
      ]
      for (const query of queries) {
        const suffix = query === "" ? "" : `?${query}`
        const fast = yield* call("GET", `/echo.json${suffix}`)
        // `/ECHO` and `/echo/` are not the registered spelling: the router finds them (case- and slash-insensitive).
        for (const routed of [`/ECHO${suffix}`, `/echo/${suffix}`]) {
          const answer = yield* call("GET", routed)
          assert.deepStrictEqual([answer.status, answer.body], [fast.status, fast.body], `${routed} vs /echo.json${suffix}`)
        }
        const withId = yield* call("GET", `/echo/7${suffix}`)
        assert.deepStrictEqual(withId.body, { search: fast.body.search, params: { id: "7" } }, query)
      }
      assert.deepStrictEqual((yield* call("GET", "/echo?a=1&a=2&b")).body, { search: { a: ["1", "2"], b: "" }, params: {} })
    }))

  it.effect("a HEAD or another method on a static path still goes through the router", () =>
    Effect.gen(function*() {
      const { call } = yield* emulator({ routes })
      assert.strictEqual((yield* call("HEAD", "/echo")).status, 200)
      const post = yield* call("POST", "/echo")
      assert.deepStrictEqual([post.status, post.body], [404, { errors: ["E_ROUTE_NOT_FOUND: Route not found POST /echo"] }])
    }))

  it.effect("a client that hangs up stops a static route's work, even with the emulator started uninterruptibly", () =>
    Effect.gen(function*() {
      // acquireRelease acquires uninterruptibly: request fibers inherit that unless the handler restores it
      const { call, url } = yield* Effect.acquireRelease(emulator(), () => Effect.void)
      const session = yield* call("POST", "/session", { body: appSession() })
      const token: string = session.body.session.token
      yield* call("POST", "/__emulator/faults", { body: { path: "/session", method: "DELETE", delayMs: 300 } })
      yield* Effect.promise(async () => {
        const aborted = new AbortController()
        const pending = fetch(`${url}/session.json`, { method: "DELETE", headers: { "CB-Token": token }, signal: aborted.signal })
          .catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 50))
        aborted.abort()
        await pending
        await new Promise((resolve) => setTimeout(resolve, 400))
      })
      // the DELETE never ran: the session is still there
      assert.strictEqual((yield* call("GET", "/session", { token })).status, 200)
    }))
})
