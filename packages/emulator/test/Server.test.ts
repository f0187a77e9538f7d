import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Auth from "../src/Auth.js"
import * as Http from "../src/Http.js"
import * as Route from "../src/Route.js"
import * as SessionRoutes from "../src/routes/Sessions.js"
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

// Answers the session the server checked for the route.
const whoami = Effect.map(Auth.caller, (caller) => Http.json({ app: caller.app_id, user: caller.user_id }))

const authRoutes: ReadonlyArray<Route.Route> = [
  Route.make({ method: "GET", path: "/whoami", summary: "the caller", auth: "session", handler: whoami }),
  Route.make({ method: "GET", path: "/whoami/user", summary: "the user caller", auth: "user", handler: whoami })
]

// An open route's handler has no `Auth.Caller`: reading it is a compile error, not a defect at run time.
// @ts-expect-error `Auth.Caller` is not in the environment of an `auth: "none"` handler
const open = Route.make({ method: "GET", path: "/anyone", summary: "no caller", auth: "none", handler: whoami })

describe("authenticated routes", () => {
  it.effect("the handler reads the session the server checked (Auth.Caller); no token, no handler", () =>
    Effect.gen(function*() {
      assert.strictEqual(open.auth, "none")
      const { call } = yield* emulator({ routes: [...SessionRoutes.routes, ...authRoutes] })
      const token: string = (yield* call("POST", "/session", { body: appSession() })).body.session.token
      const answer = yield* call("GET", "/whoami", { token })
      assert.deepStrictEqual([answer.status, answer.body], [200, { app: 1, user: null }])
      assert.match(answer.headers.get("cb-token-expirationdate") ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/)
      const none = yield* call("GET", "/whoami")
      assert.deepStrictEqual([none.status, none.body], [401, { errors: ["Token is required"] }])
      // an application session on a user route: refused before the handler, with the slid session's expiry
      const app = yield* call("GET", "/whoami/user", { token })
      assert.deepStrictEqual([app.status, app.body], [403, { errors: { base: ["Forbidden. Need user."] } }])
      assert.isNotNull(app.headers.get("cb-token-expirationdate"))
    }))
})

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
