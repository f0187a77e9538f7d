import { describe } from "@effect/vitest"
import { Effect, type Layer, type Scope, Tracer } from "effect"
import { HttpClient } from "effect/http"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** A transport under test (NodeClient, UndiciClient): the suite in Transports.test.ts runs for each. */
export interface Transport {
  readonly name: string
  readonly layer: Layer.Layer<HttpClient.HttpClient>
  /** A client with a single connection, closed with the scope. */
  readonly single: Effect.Effect<HttpClient.HttpClient, never, Scope.Scope>
  /** A client of its own (its connections closed with the scope, where the transport has a close). */
  readonly make: Effect.Effect<HttpClient.HttpClient, never, Scope.Scope>
}

export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A real loopback server: answers by path, records what it received, notes requests aborted by the client. */
export const server = Effect.acquireRelease(
  Effect.callback<{ url: string; seen: Array<Seen>; closed: Array<string> }>((resume) => {
    const seen: Array<Seen> = []
    const closed: Array<string> = []
    let flaky = 0
    const srv = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() })
        if (req.url === "/down.json" || (req.url === "/flaky.json" && flaky++ === 0)) {
          res.writeHead(503, { "content-type": "application/json" })
          return res.end("{}")
        }
        if (req.url === "/stall" || req.url!.startsWith("/stall.") || req.url === "/flaky.json") {
          // never answers: the client is interrupted before the headers
          res.on("close", () => closed.push(req.url!))
          return
        }
        if (req.url === "/hang" || req.url!.startsWith("/hang.")) {
          res.on("close", () => closed.push(req.url!))
          res.writeHead(200)
          res.write("partial")
          return
        }
        if (req.url === "/big") {
          res.writeHead(200, { "content-type": "application/octet-stream" })
          for (let i = 0; i < 64; i++) res.write(Buffer.alloc(16 * 1024, i))
          return res.end()
        }
        res.writeHead(req.url === "/missing" ? 404 : 200, {
          "content-type": "application/json",
          "set-cookie": ["a=1; Path=/", "b=2; Path=/"],
          "x-multi": ["one", "two"]
        })
        res.end(JSON.stringify({ ok: true, path: req.url }))
      })
    })
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo
      resume(Effect.succeed(Object.assign({ url: `http://127.0.0.1:${port}`, seen, closed }, { srv })))
    })
  }),
  (s) => Effect.callback<void>((resume) => {
    ;(s as unknown as { srv: Http.Server }).srv.close(() => resume(Effect.void))
  })
)

/** A tracer that records span names (on top of effect's own), so the client takes its traced path. */
export const recording = () => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span(options) {
      names.push(options.name)
      return Tracer.nativeTracer.span(options)
    }
  })
  return { names, tracer }
}

/** Runs an effect with the client under test. */
export type WithClient = <A, E>(f: (client: HttpClient.HttpClient) => Effect.Effect<A, E>) => Effect.Effect<A, E>

/**
 * Declares `body`'s tests twice, on the client of `layer`: under effect's own tracer (the client's path without a
 * span) and with a recording tracer installed (its traced path: the platform's client span).
 */
export const eachTracing = (
  layer: Layer.Layer<HttpClient.HttpClient>,
  body: (withClient: WithClient, traced: boolean, spans: ReturnType<typeof recording>) => void
): void => {
  for (const traced of [false, true]) {
    const spans = recording()
    const withClient: WithClient = (f) =>
      Effect.flatMap(HttpClient.HttpClient, f).pipe(
        Effect.provide(layer),
        (effect) => traced ? Effect.withTracer(effect, spans.tracer) : effect
      )
    describe(traced ? "a tracer installed: the platform's client span" : "effect's own tracer: no span", () =>
      body(withClient, traced, spans))
  }
}
