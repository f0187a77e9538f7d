import { CubeConfig } from "@connectycube-effect/core"
import { CubeHttpClient } from "@connectycube-effect/http"
import * as NodeClient from "@connectycube-effect/http/NodeClient"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { executeWithDeadline } from "../src/internal/untraced.js"
import { Agent } from "@effect/platform-node/Undici"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Exit, Fiber, Layer, Metric, Stream } from "effect"
import { HttpBody, HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import * as Http from "node:http"
import * as Https from "node:https"
import { eachTracing, recording, server, type Transport } from "./transport.js"

/** What both transports must do alike; what only one does is in its own test file. */
const transports: ReadonlyArray<Transport> = [
  {
    name: "NodeClient",
    layer: NodeClient.layer,
    single: Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => ({ http: new Http.Agent({ keepAlive: true, maxSockets: 1 }), https: new Https.Agent() })),
        (a) => Effect.sync(() => a.http.destroy())
      ),
      NodeClient.make
    ),
    make: Effect.map(NodeClient.makeAgents(), NodeClient.make)
  },
  {
    name: "UndiciClient",
    layer: UndiciClient.layer,
    single: Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => new Agent({ connections: 1 })),
        (a) => Effect.promise(() => a.destroy())
      ),
      UndiciClient.make
    ),
    make: Effect.sync(() => UndiciClient.make(new Agent()))
  }
]

describe.each(transports)("$name", (transport) => {
  eachTracing(transport.layer, (withClient, traced, spans) => {
    it.effect("a call makes a client span only when a tracer is installed", () =>
      Effect.gen(function*() {
        const before = spans.names.length
        yield* Effect.scoped(Effect.flatMap(server, ({ url }) => withClient((client) => client.get(`${url}/x`))))
        // v4 names the platform's client span for the method alone (v3: "http.client GET")
        assert.deepStrictEqual(spans.names.slice(before), traced ? ["GET"] : [])
      }))

    it.effect("GET: status, headers (copied once), cookies, JSON; a body read twice gives the same text", () =>
      Effect.gen(function*() {
        const { seen, url } = yield* server
        const response = yield* withClient((client) => client.get(`${url}/users/v2.json?login=a&id[in][]=1`, { headers: { "CB-Token": "T" } }))
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers["content-type"], "application/json")
        assert.strictEqual(response.headers, response.headers)
        assert.deepStrictEqual([...Object.keys(response.cookies.cookies)].sort(), ["a", "b"])
        assert.deepStrictEqual(yield* response.json, { ok: true, path: "/users/v2.json?login=a&id[in][]=1" })
        assert.strictEqual(yield* response.text, JSON.stringify({ ok: true, path: "/users/v2.json?login=a&id[in][]=1" }))
        assert.strictEqual(seen[0]!.headers["cb-token"], "T")
      }))

    it.effect("POST: a JSON body and a streamed body arrive whole", () =>
      Effect.gen(function*() {
        const { seen, url } = yield* server
        yield* withClient((client) =>
          Effect.andThen(
            client.execute(HttpClientRequest.bodyJsonUnsafe(HttpClientRequest.post(`${url}/json`), { a: 1 })),
            client.execute(HttpClientRequest.post(`${url}/stream`).pipe(
              HttpClientRequest.setBody(HttpBody.stream(Stream.make(new TextEncoder().encode("he"), new TextEncoder().encode("llo")), "text/plain"))
            ))
          )
        )
        assert.strictEqual(seen[0]!.body, `{"a":1}`)
        assert.strictEqual(seen[0]!.headers["content-type"], "application/json")
        assert.strictEqual(seen[1]!.body, "hello")
      }))

    it.effect("a streamed response arrives in order, whole", () =>
      Effect.gen(function*() {
        const { url } = yield* server
        const chunks = yield* withClient((client) =>
          Effect.flatMap(client.get(`${url}/big`), (response) => Stream.runCollect(response.stream)))
        const bytes = Buffer.concat(chunks)
        assert.strictEqual(bytes.length, 64 * 16 * 1024)
        assert.strictEqual(bytes[16 * 1024 * 63], 63)
      }))

    for (
      const [when, path, call] of [
        ["while reading the body", "/hang", (r: HttpClientResponse.HttpClientResponse) => r.text],
        ["before the answer's headers", "/stall", Effect.succeed]
      ] as const
    ) {
      it.live(`interrupting a call ${when} aborts its request on the server`, () =>
        Effect.gen(function*() {
          const { closed, url } = yield* server
          yield* withClient((client) =>
            Effect.gen(function*() {
              const fiber = yield* Effect.forkChild(Effect.flatMap(client.get(`${url}${path}`), call))
              yield* Effect.sleep("50 millis")
              yield* Fiber.interrupt(fiber)
              const exit = yield* Fiber.await(fiber)
              assert.isTrue(Exit.hasInterrupts(exit))
              // checked while the client (and its connection pool) is still open: closing the pool would also close it
              for (let i = 0; i < 50 && closed.length === 0; i++) yield* Effect.sleep("10 millis")
              assert.deepStrictEqual(closed, [path])
            })
          )
        }))
    }

    it.live("a refused connection is an HttpClientError (TransportError)", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(withClient((client) => client.get("http://127.0.0.1:1/x")))
        assert.strictEqual(error._tag, "HttpClientError")
        assert.strictEqual(error.reason._tag, "TransportError")
      }))
  })

  describe("CubeHttpClient on the transport: the call's deadline without a child fiber", () => {
    /**
     * Counts the fibers started while a call runs: the deadline used to fork one per call. v4 has no Supervisor; its
     * fiber runtime metrics hook is told of every fiber started with it in context (a fork inherits it).
     */
    class Forks implements Metric.FiberRuntimeMetricsService {
      count = 0
      recordFiberStart() {
        this.count++
      }
      recordFiberEnd() {}
    }
    /**
     * The deadline timers armed and neither fired nor cleared. Counted by wrapping the global timer functions:
     * the timer is unref'd, so `process.getActiveResourcesInfo()` does not list it. Only long timers count (the
     * tests' deadlines are 10 s), not a transport's own (undici's).
     */
    const deadlineTimers = Effect.acquireRelease(
      Effect.sync(() => {
        const { clearTimeout, setTimeout } = globalThis
        const live = new Set<unknown>()
        globalThis.setTimeout = ((f: (...args: Array<unknown>) => void, ms?: number, ...args: Array<unknown>) => {
          const handle = setTimeout((...a: Array<unknown>) => {
            live.delete(handle)
            f(...a)
          }, ms, ...args)
          if ((ms ?? 0) >= 5_000) live.add(handle)
          return handle
        }) as typeof globalThis.setTimeout
        globalThis.clearTimeout = ((handle?: Parameters<typeof clearTimeout>[0]) => {
          live.delete(handle)
          clearTimeout(handle)
        }) as typeof globalThis.clearTimeout
        return { live: () => live.size, restore: () => Object.assign(globalThis, { clearTimeout, setTimeout }) }
      }),
      (t) => Effect.sync(t.restore)
    ).pipe(Effect.map((t) => t.live))
    const send = (
      url: string,
      request: CubeHttpClient.Request,
      forks = new Forks(),
      layer: Layer.Layer<HttpClient.HttpClient> = transport.layer,
      backoff: Duration.Input = "20 millis"
    ) =>
      Effect.flatMap(CubeHttpClient.CubeHttpClient, (client) => client.send(request, undefined)).pipe(
        Effect.provideService(Metric.FiberRuntimeMetrics, forks),
        Effect.provide(
          CubeHttpClient.layer({ retry: { baseDelay: backoff, maxDelay: backoff } }).pipe(
            Layer.provide(Layer.merge(CubeConfig.layer({ appId: 1, authKey: "k", apiUrl: url }), layer))
          )
        )
      )

    it.live("a call still queued for a connection times out at its deadline, not when it reaches a socket", () =>
      Effect.gen(function*() {
        const { url } = yield* server
        const single = Layer.succeed(HttpClient.HttpClient, yield* transport.single)
        // the only connection, held by a call that never gets an answer
        const first = yield* Effect.forkChild(send(url, { method: "GET", path: "stall", timeout: "5 seconds" }, new Forks(), single))
        yield* Effect.sleep("50 millis")
        const start = performance.now()
        const error = yield* Effect.flip(send(url, { method: "GET", path: "users/v2", timeout: "200 millis" }, new Forks(), single))
        const took = performance.now() - start
        assert.strictEqual(error._tag, "Timeout")
        assert.isBelow(took, 1500)
        yield* Fiber.interrupt(first)
      }))

    it.live("an answer in time: no fiber forked, no timer left behind", () =>
      Effect.gen(function*() {
        const { url } = yield* server
        const timers = yield* deadlineTimers
        const forks = new Forks()
        const response = yield* send(url, { method: "GET", path: "users/v2", timeout: "10 seconds" }, forks)
        assert.strictEqual(response.status, 200)
        assert.strictEqual(forks.count, 0)
        assert.strictEqual(timers(), 0)
      }))

    for (const [when, path] of [["before the answer's headers", "stall"], ["while reading the body", "hang"]] as const) {
      it.live(`past the deadline ${when}: Timeout, and the request is aborted on the server`, () =>
        Effect.gen(function*() {
          const { closed, url } = yield* server
          const error = yield* Effect.flip(send(url, { method: "GET", path, timeout: "100 millis" }))
          assert.strictEqual(error._tag, "Timeout")
          if (error._tag === "Timeout") {
            assert.strictEqual(error.timeoutMs, 100)
            assert.deepStrictEqual(error.request, { method: "GET", path: `/${path}.json` })
          }
          for (let i = 0; i < 50 && closed.length === 0; i++) yield* Effect.sleep("10 millis")
          assert.deepStrictEqual(closed, [`/${path}.json`])
        }))
    }

    it.live("a 503, then a retry that outlives the deadline: Timeout, two requests", () =>
      Effect.gen(function*() {
        const { seen, url } = yield* server
        const error = yield* Effect.flip(send(url, { method: "GET", path: "flaky", timeout: "150 millis" }))
        assert.strictEqual(error._tag, "Timeout")
        assert.strictEqual(seen.length, 2)
      }))

    it.live("a retry pause that would end past the deadline: Timeout when the deadline passes, no other request", () =>
      Effect.gen(function*() {
        const { seen, url } = yield* server
        const start = performance.now()
        const error = yield* Effect.flip(send(url, { method: "GET", path: "down", timeout: "150 millis" }, new Forks(), transport.layer, "2 seconds"))
        assert.strictEqual(error._tag, "Timeout")
        assert.isAbove(performance.now() - start, 140)
        assert.isBelow(performance.now() - start, 1000)
        assert.strictEqual(seen.length, 1)
      }))

    // Effect.timeoutOrElse (a race of fibers) rather than the transport's timer: on the TestClock. The server is real,
    // so the test waits for it in real time, never for the timeout.
    it.effect("with a tracer installed: the platform's traced path, and the deadline as a child fiber", () =>
      Effect.gen(function*() {
        const { closed, seen, url } = yield* server
        const forks = new Forks()
        const realSleep = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 10)))
        const fiber = yield* Effect.forkChild(Effect.flip(
          Effect.withTracer(send(url, { method: "GET", path: "stall", timeout: "100 millis" }, forks), recording().tracer)
        ))
        for (let i = 0; i < 200 && seen.length === 0; i++) yield* realSleep
        yield* TestClock.adjust("99 millis")
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust("1 millis")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "Timeout")
        assert.isAtLeast(forks.count, 1)
        for (let i = 0; i < 200 && closed.length === 0; i++) yield* realSleep
        assert.deepStrictEqual(closed, ["/stall.json"])
      }))

    it.live("a body read as a stream under a deadline: the timer goes when the stream ends", () =>
      Effect.gen(function*() {
        const { url } = yield* server
        const execute = executeWithDeadline(yield* transport.make)!
        const timers = yield* deadlineTimers
        const response = yield* execute(HttpClientRequest.get(`${url}/big`), { at: performance.now() + 10_000, expired: false })
        assert.strictEqual(timers(), 1)
        const chunks = yield* Stream.runCollect(response.stream)
        assert.strictEqual(Buffer.concat(chunks).length, 64 * 16 * 1024)
        assert.strictEqual(timers(), 0)
      }))

    it.live("interrupting the caller aborts the request and clears the timer", () =>
      Effect.gen(function*() {
        const { closed, url } = yield* server
        const timers = yield* deadlineTimers
        const fiber = yield* Effect.forkChild(send(url, { method: "GET", path: "stall", timeout: "10 seconds" }))
        yield* Effect.sleep("50 millis")
        assert.strictEqual(timers(), 1)
        yield* Fiber.interrupt(fiber)
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)))
        for (let i = 0; i < 50 && closed.length === 0; i++) yield* Effect.sleep("10 millis")
        assert.deepStrictEqual(closed, ["/stall.json"])
        assert.strictEqual(timers(), 0)
      }))
  })
})
