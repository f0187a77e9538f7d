/**
 * Hand-written pieces against the library piece they replace, under Effect 4, in one process and one run:
 * the candidates of each figure take turns (the order rotates every round) and each figure is the median of
 * the rounds. Small differences are noise (the machine may be shared): a hand-written piece earns its place only
 * by a clear gain in the SDK's terms (a share of a call, of a page, of the bundle), not by its own ratio alone.
 *
 * - the `User` decode fast path (`User.UserFromWire`, `internal/guard.ts`) against v4's own decode of `User`;
 * - the hand-written push stream (PushStream.make as it was) against `Stream.callback`, and the session's
 *   listener set against a `PubSub`;
 * - the hand-written `Span.fn` (no span under effect's own tracer) against `Effect.fn` and
 *   `Effect.fnUntraced` + `Effect.withSpan`, with effect's own tracer and with a tracer installed;
 * - CubeHttpClient's hand-written retry loop and deadline (a timer fiber, or a timer inside UndiciClient) against
 *   `Effect.retry` + `Schedule` and `Effect.timeoutOrElse`: alone, and inside an SDK call over loopback (this
 *   process's CPU per call, which is where the fiber race shows: it costs far more there than alone).
 *
 * Hand-written pieces are copied here as they were, so that the comparison can be run again whichever the SDK
 * uses. Bundle figures: esbuild (browser, minified) + gzip of a small program on effect's floor with each
 * candidate.
 */
import { Paging, User } from "@connectycube-effect/core"
import * as PushStream from "@connectycube-effect/core/PushStream"
import { Cube, CubeHttpClient } from "@connectycube-effect/http"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import type { Array as Arr, Pull } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { Cause, Duration, Effect, Fiber, Layer, ManagedRuntime, PubSub, Queue, Random, Redacted, Schedule, Schema, Stream, Tracer } from "effect"
import { build } from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import { fmt, median, ratio, ROOT, type Row, startProcess, tmpDir } from "./lib.js"

const gc = (globalThis as { gc?: () => void }).gc

interface Candidate {
  readonly name: string
  /** Runs the measured operation `n` times. */
  readonly run: (n: number) => unknown
}

/** µs per operation of each candidate: median over `rounds` interleaved rounds of `n` operations each. */
const compare = async (
  candidates: ReadonlyArray<Candidate>,
  options: { readonly n: number; readonly rounds: number; readonly warmup?: number; readonly cpu?: boolean }
): Promise<Record<string, number>> => {
  for (const c of candidates) await c.run(options.warmup ?? options.n)
  const samples: Record<string, Array<number>> = Object.fromEntries(candidates.map((c) => [c.name, []]))
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(r + k) % candidates.length]!
      gc?.()
      const start = performance.now()
      const cpu = process.cpuUsage()
      await c.run(options.n)
      const { system, user } = process.cpuUsage(cpu)
      samples[c.name]!.push(options.cpu ? (user + system) / options.n : ((performance.now() - start) * 1000) / options.n)
    }
  }
  return Object.fromEntries(candidates.map((c) => [c.name, median(samples[c.name]!)]))
}

const us = (n: number) => `${fmt(n, n < 10 ? 2 : 1)} µs`

/** Runs `self` `n` times in one fiber: the per-call figure is then the effect's own cost, not `runPromise`'s. */
const times = <A, E, R>(n: number, self: Effect.Effect<A, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function*() {
    for (let i = 0; i < n; i++) yield* self
  })

// ---------------------------------------------------------------------------------------------------------------
// 1. The User decode fast path
// ---------------------------------------------------------------------------------------------------------------

/** A page of 100 users as the API (and the emulator) sends them, with two keys the Schema does not declare. */
const usersPage = (): unknown =>
  JSON.parse(JSON.stringify({
    limit: 100,
    skip: 0,
    total_entries: 100_000,
    items: Array.from({ length: 100 }, (_, i) => ({
      _id: i.toString(16).padStart(24, "0"),
      id: 1000 + i,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-02T00:00:00Z",
      login: `bench${i}`,
      full_name: `Bench User ${i}`,
      last_request_at: i % 3 === 0 ? null : "2026-01-03T00:00:00Z",
      timezone: null,
      email: `bench${i}@example.com`,
      phone: null,
      website: null,
      twitter_id: null,
      external_user_id: i % 2 === 0 ? null : 50_000 + i,
      facebook_id: null,
      custom_data: i % 4 === 0 ? "{\"middle_name\":\"x\"}" : null,
      user_tags: i % 2 === 0 ? "bench,ios" : null,
      avatar: "",
      external_id: null,
      blob_id: null,
      is_guest: false,
      added_later: { x: i },
      another_new_field: "y"
    }))
  }))

const decodeFigures = async (): Promise<Array<Row>> => {
  const page = usersPage()
  const pages = 20
  const decoders = {
    // what the SDK decodes every page with (Users.getV2 / Users.stream)
    fast: Schema.decodeUnknownEffect(Paging.PageV2(User.UserFromWire)),
    // v4's own decode of the same Schema: the `User` class keeps unknown keys itself (a struct with a rest record)
    library: Schema.decodeUnknownEffect(Paging.PageV2(User.User))
  }
  for (const [name, decode] of Object.entries(decoders)) {
    const out = Effect.runSync(decode(page))
    if (out.items.length !== 100 || !(out.items[7] instanceof User.User) || !("added_later" in out.items[7]!)) {
      throw new Error(`${name}: not 100 Users with their unknown keys`)
    }
  }
  // context: parsing the page's JSON text, which every page costs whichever decoder follows
  const text = JSON.stringify(page)
  const m = await compare(
    [
      ...Object.entries(decoders).map(([name, decode]): Candidate => ({
        name,
        run: (n) => Effect.runSync(times(n, decode(page)))
      })),
      { name: "parse", run: (n) => { for (let i = 0; i < n; i++) JSON.parse(text) } }
    ],
    { n: pages, rounds: 41, warmup: 200 }
  )
  return [
    {
      figure: "decode a page of 100 users: the SDK's fast path (User.UserFromWire, internal/guard.ts)",
      value: us(m.fast!),
      baseline: `v4's own decode of User ${us(m.library!)}`,
      ratio: ratio(m.fast!, m.library!),
      goal: `≤ 319 µs (v3 fast path); saves ${fmt((100 * (m.library! - m.fast!)) / (m.parse! + m.library!), 0)} % of parse + decode`
    },
    {
      figure: "decode a page of 100 users: v4's own decode of User (StructWithRest class)",
      value: us(m.library!),
      baseline: `fast path ${us(m.fast!)}`,
      ratio: ratio(m.library!, m.fast!),
      goal: `JSON.parse of the page ${us(m.parse!)}`
    }
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// 2. PushStream against Stream.callback (and PubSub)
// ---------------------------------------------------------------------------------------------------------------

type Register<A> = (emit: PushStream.Emit<A, never>) => Effect.Effect<Effect.Effect<void>>

/** The hand-written push stream (PushStream.make before it moved onto `Stream.callback`): an array and a waker. */
const handWrittenPush = <A>(register: Register<A>): Stream.Stream<A> =>
  Stream.unwrap(Effect.map(
    Effect.acquireRelease(
      Effect.suspend(() => {
        let buffer: Array<A> = []
        let done: Effect.Effect<never, Cause.Done> | undefined
        let wake: (() => void) | undefined
        const notify = () => {
          const f = wake
          wake = undefined
          f?.()
        }
        const subscribe = register({
          single: (value) => {
            if (done !== undefined) return
            buffer.push(value)
            notify()
          },
          end: () => {
            done ??= Cause.done()
            notify()
          },
          halt: (cause) => {
            done ??= Effect.failCause(cause)
            notify()
          }
        })
        const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<A>> = Effect.suspend(() => {
          if (buffer.length > 0) {
            const chunk = buffer as unknown as Arr.NonEmptyReadonlyArray<A>
            buffer = []
            return Effect.succeed(chunk)
          }
          if (done !== undefined) return done
          return Effect.flatMap(Effect.callback<void>((resume) => {
            wake = () => resume(Effect.void)
          }), () => pull)
        })
        return Effect.map(subscribe, (unsubscribe) => ({ pull, unsubscribe }))
      }),
      ({ unsubscribe }) => unsubscribe
    ),
    ({ pull }) => Stream.fromPull(Effect.succeed(pull))
  ))

/** The library piece: `Stream.callback` behind the same push interface (what `PushStream.make` is now). */
const viaCallback = <A>(register: Register<A>): Stream.Stream<A> =>
  Stream.callback<A>((queue) =>
    Effect.acquireRelease(
      register({
        single: (value) => void Queue.offerUnsafe(queue, value),
        end: () => void Queue.endUnsafe(queue),
        halt: (cause) => void Queue.failCauseUnsafe(queue, cause)
      }),
      (unsubscribe) => unsubscribe
    )
  )

const makers: Record<string, <A>(register: Register<A>) => Stream.Stream<A>> = {
  push: handWrittenPush,
  callback: viaCallback
}

const streamFigures = async (): Promise<Array<Row>> => {
  // a) a short-lived subscription: subscribe, one event, end (an upload's progress, a session listener)
  const oneEvent = (make: <A>(register: Register<A>) => Stream.Stream<A>) =>
    Stream.runDrain(make<number>((emit) =>
      Effect.sync(() => {
        emit.single(1)
        emit.end()
        return Effect.void
      })
    ))
  // b) events that come later, one at a time, the consumer waiting for each (progress events)
  const pingPong = (make: <A>(register: Register<A>) => Stream.Stream<A>, n: number) => {
    let push: (i: number) => void = () => {}
    return Stream.runForEach(
      make<number>((emit) =>
        Effect.sync(() => {
          push = (i) => (i === n ? emit.end() : emit.single(i))
          queueMicrotask(() => push(0))
          return Effect.void
        })
      ),
      (i) => Effect.sync(() => queueMicrotask(() => push(i + 1)))
    )
  }
  // c) a burst pushed before the first pull: 1000 events, then the end
  const burst = (make: <A>(register: Register<A>) => Stream.Stream<A>, n: number) =>
    Stream.runDrain(make<number>((emit) =>
      Effect.sync(() => {
        for (let i = 0; i < n; i++) emit.single(i)
        emit.end()
        return Effect.void
      })
    ))

  const check = await Effect.runPromise(Effect.all(Object.values(makers).map((make) =>
    Stream.runCollect(make<number>((emit) =>
      Effect.sync(() => {
        emit.single(1)
        emit.single(2)
        emit.end()
        emit.single(3)
        emit.halt(Cause.die("late"))
        return Effect.void
      })
    ))
  )))
  if (check.some((xs) => xs.join() !== "1,2")) throw new Error(`streams disagree: ${JSON.stringify(check)}`)

  const a = await compare(
    Object.entries(makers).map(([name, make]) => ({ name, run: (n) => Effect.runPromise(times(n, oneEvent(make))) })),
    { n: 2000, rounds: 21 }
  )
  const b = await compare(
    Object.entries(makers).map(([name, make]) => ({ name, run: (n) => Effect.runPromise(pingPong(make, n)) })),
    { n: 5000, rounds: 21 }
  )
  const c = await compare(
    Object.entries(makers).map(([name, make]) => ({ name, run: (n) => Effect.runPromise(times(n / 1000, burst(make, 1000))) })),
    { n: 100_000, rounds: 21 }
  )

  // d) the session's event stream: a listener set behind PushStream.make (Session.ts), or a PubSub. Published on
  // every session change; mostly nobody listens.
  const sessionEvents = {
    push: Effect.sync(() => {
      const listeners = new Set<(n: number) => void>()
      const publish = (n: number) =>
        Effect.sync(() => {
          for (const l of listeners) l(n)
        })
      const events = PushStream.make<number>((emit) =>
        Effect.sync(() => {
          listeners.add(emit.single)
          return Effect.sync(() => listeners.delete(emit.single))
        })
      )
      return { publish, events }
    }),
    pubsub: Effect.map(PubSub.unbounded<number>(), (pubsub) => ({
      publish: (n: number) => PubSub.publish(pubsub, n),
      events: Stream.fromPubSub(pubsub)
    }))
  }
  const publishIdle = await compare(
    Object.entries(sessionEvents).map(([name, make]) => ({
      name,
      run: (n) => Effect.runPromise(Effect.flatMap(make, ({ publish }) => times(n, publish(1))))
    })),
    { n: 20_000, rounds: 21 }
  )
  const publishWatched = await compare(
    Object.entries(sessionEvents).map(([name, make]) => ({
      name,
      run: (n) =>
        Effect.runPromise(Effect.gen(function*() {
          const { events, publish } = yield* make
          let seen = 0
          const fiber = yield* Effect.forkChild(Stream.runForEach(events, () => Effect.sync(() => void seen++)))
          while (seen === 0) {
            yield* publish(0)
            yield* Effect.yieldNow
          }
          for (let i = 0; i < n; i++) {
            yield* publish(i)
            yield* Effect.yieldNow
          }
          yield* Fiber.interrupt(fiber)
        }))
    })),
    { n: 5000, rounds: 21 }
  )

  const row = (figure: string, m: Record<string, number>, goal = "keep only with a clear gain"): Row => ({
    figure: `${figure}: hand-written push stream`,
    value: us(m.push!),
    baseline: `Stream.callback ${us(m.callback!)}`,
    ratio: ratio(m.push!, m.callback!),
    goal
  })
  return [
    row("stream per subscription (subscribe, 1 event, end)", a),
    row("stream per event, pushed later one at a time", b),
    row("stream per event, a burst of 1000 before the first pull", c),
    {
      figure: "session events: publish with nobody listening (listener set + PushStream.make)",
      value: us(publishIdle.push!),
      baseline: `PubSub + Stream.fromPubSub ${us(publishIdle.pubsub!)}`,
      ratio: ratio(publishIdle.push!, publishIdle.pubsub!),
      goal: "keep only with a clear gain"
    },
    {
      figure: "session events: publish + deliver to one listener (listener set + PushStream.make)",
      value: us(publishWatched.push!),
      baseline: `PubSub + Stream.fromPubSub ${us(publishWatched.pubsub!)}`,
      ratio: ratio(publishWatched.push!, publishWatched.pubsub!),
      goal: "keep only with a clear gain"
    }
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Span.fn against Effect.fn
// ---------------------------------------------------------------------------------------------------------------

/** The hand-written `Span.fn`: the span only when a tracer other than effect's own is installed. */
const handWrittenSpanFn = (name: string) =>
<Eff extends Effect.Effect<any, any, any>, AEff, Args extends Array<any>>(
  body: (...args: Args) => Generator<Eff, AEff, never>
) =>
(...args: Args) =>
  Effect.flatMap(Effect.tracer, (tracer) =>
    tracer === Tracer.nativeTracer ? Effect.gen(() => body(...args)) : Effect.withSpan(Effect.gen(() => body(...args)), name))

const spanFigures = async (): Promise<Array<Row>> => {
  const body = function*(n: number) {
    yield* Effect.void
    return n + 1
  }
  const fns: Record<string, (n: number) => Effect.Effect<number>> = {
    span: handWrittenSpanFn("Bench.method")(body),
    effectFn: Effect.fn("Bench.method")(body),
    // Effect.fn without the call-site stack (an Error per call)
    withSpan: Effect.fnUntraced(body, Effect.withSpan("Bench.method")),
    untraced: Effect.fnUntraced(body)
  }
  // a tracer that records nothing: what an exporter's costs would be on top of
  const tracer = Tracer.make({ span: (options) => Tracer.nativeTracer.span(options) })
  const withTracer = (installed: boolean) =>
    compare(
      Object.entries(fns).map(([name, f]) => ({
        name,
        run: (n) => {
          const loop = times(n, f(1))
          return Effect.runPromise(installed ? Effect.withTracer(loop, tracer) : loop)
        }
      })),
      { n: 20_000, rounds: 21 }
    )
  const native = await withTracer(false)
  const installed = await withTracer(true)
  const row = (when: string, m: Record<string, number>): Row => ({
    figure: `a traced method per call, ${when}: hand-written Span.fn`,
    value: us(m.span!),
    baseline: `Effect.fn ${us(m.effectFn!)}; Effect.fnUntraced + Effect.withSpan ${us(m.withSpan!)} (no span ${
      us(m.untraced!)
    })`,
    ratio: ratio(m.span!, m.effectFn!),
    goal: "keep only with a clear gain"
  })
  return [row("effect's own tracer", native), row("a tracer installed", installed)]
}

// ---------------------------------------------------------------------------------------------------------------
// 4. The retry loop and the deadline against Effect.retry + Schedule and Effect.timeoutOrElse
// ---------------------------------------------------------------------------------------------------------------

class Transient extends Error {
  readonly _tag = "Transient"
}

const policy = { times: 2, baseDelay: 300, maxDelay: 5000 }
const transient = (e: unknown) => e instanceof Transient

/** The hand-written retry loop: an `Effect.catchIf` per attempt, the backoff computed by hand. */
const retryLoop = <A, E, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const loop = (retry: number): Effect.Effect<A, E, R> =>
    Effect.catchIf(
      attempt,
      (e) => retry < policy.times && transient(e),
      () =>
        Effect.flatMap(Random.nextBetween(0.75, 1.25), (jitter) =>
          Effect.andThen(Effect.sleep(Math.min(policy.maxDelay, policy.baseDelay * 2 ** retry) * jitter), loop(retry + 1)))
    )
  return loop(0)
}

/** The library's: `Effect.retry` with a `Schedule` (exponential, capped, jittered, bounded). */
const schedule = Schedule.exponential(Duration.millis(policy.baseDelay)).pipe(
  Schedule.modifyDelay(({ duration }) =>
    Effect.map(Random.nextBetween(0.75, 1.25), (jitter) => Math.min(policy.maxDelay, Duration.toMillis(duration)) * jitter)
  )
)
const retrySchedule = <A>(attempt: Effect.Effect<A, Error>): Effect.Effect<A, Error> =>
  Effect.retry(attempt, { schedule, times: policy.times, while: transient })

/** The hand-written deadline: the call in a child fiber, a plain timer, whichever settles first wins. */
const deadlineFiber = <A, E, R>(self: Effect.Effect<A, E, R>, ms: number, onTimeout: () => E): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.forkChild(self), (child) =>
    Effect.callback<A, E>((resume) => {
      let settled = false
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        child.interruptUnsafe()
        resume(Effect.fail(onTimeout()))
      }, ms)
      child.addObserver((exit) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.andThen(Effect.sync(() => clearTimeout(timer)), Fiber.interrupt(child))
    }))

/**
 * The hand-written deadline inside the transport (UndiciClient): one timer per call, armed when the request starts
 * and cleared when it settles, no fiber. Here around an answer that comes on the next turn of the event loop.
 */
const answerWithTransportDeadline = (ms: number): Effect.Effect<number, Error> =>
  Effect.callback<number, Error>((resume) => {
    const timer = setTimeout(() => resume(Effect.fail(new Error("timeout"))), ms)
    setImmediate(() => {
      clearTimeout(timer)
      resume(Effect.succeed(1))
    })
    return Effect.sync(() => clearTimeout(timer))
  })

/** An answer on the next turn of the event loop, as from a socket. */
const answer: Effect.Effect<number, Error> = Effect.callback<number, Error>((resume) => {
  setImmediate(() => resume(Effect.succeed(1)))
})

const retryFigures = async (): Promise<Array<Row>> => {
  const timeout = 30_000
  const onTimeout = () => new Error("timeout")
  // a) each piece alone, around an answer that comes on the next turn of the event loop: the CPU it adds
  const pieces: Record<string, Effect.Effect<number, Error>> = {
    bare: answer,
    loop: retryLoop(answer),
    retry: retrySchedule(answer),
    fiber: deadlineFiber(answer, timeout, onTimeout),
    transport: answerWithTransportDeadline(timeout),
    raced: Effect.timeoutOrElse(answer, { duration: timeout, orElse: () => Effect.fail(onTimeout()) })
  }
  const m = await compare(
    Object.entries(pieces).map(([name, call]) => ({ name, run: (n) => Effect.runPromise(times(n, call)) })),
    { n: 5000, rounds: 31, cpu: true }
  )
  const over = (name: string) => us(Math.max(0, m[name]! - m.bare!))

  // b) in a whole SDK call over loopback (a bare node:http server in its own process answering a 10-user page):
  // this process's CPU per call. The deadline of each candidate is 30 s; the SDK's own is switched off
  // (`timeout: Infinity`) where another one wraps the call.
  const dir = tmpDir("handwritten")
  const bodyFile = Path.join(dir, "body.json")
  const page = usersPage() as { items: Array<unknown> }
  Fs.writeFileSync(bodyFile, JSON.stringify({ ...page, limit: 10, items: page.items.slice(0, 10) }))
  const bare = await startProcess(process.execPath, [Path.join(ROOT, "test/bench/bare-server.mjs"), bodyFile])
  const runtime = (transport: Layer.Layer<HttpClient.HttpClient>) =>
    ManagedRuntime.make(Cube.layer({ appId: 1, authKey: "k", apiUrl: bare.url }).pipe(Layer.provide(transport)))
  const undici = runtime(UndiciClient.layer)
  const fetch = runtime(FetchHttpClient.layer)
  const send = (options: Partial<CubeHttpClient.Request>) =>
    Effect.flatMap(CubeHttpClient.CubeHttpClient, (client) =>
      client.send({ method: "GET", path: "users/v2", query: { limit: 10 }, ...options }, Redacted.make("token")))
  const unbounded = send({ timeout: Duration.infinity })
  type Calls = Record<string, readonly [typeof undici, Effect.Effect<unknown, unknown, CubeHttpClient.CubeHttpClient>]>
  // each group compared on its own (a fetch call leaves more garbage behind than an UndiciClient one)
  const group = (calls: Calls) =>
    compare(
      Object.entries(calls).map(([name, [rt, call]]) => ({ name, run: (n) => rt.runPromise(times(n, call)) })),
      { n: 300, rounds: 21, cpu: true, warmup: 300 }
    )
  const method = (wrap: (body: () => Generator<any, unknown, never>) => () => Effect.Effect<unknown, unknown, any>) =>
    [undici, wrap(function*() {
      return yield* send({})
    })()] as const
  const sdk = {
    ...await group({
      // CubeHttpClient as it is: on UndiciClient the transport enforces the deadline (no fiber)
      undiciTransport: [undici, send({})],
      undiciRaced: [undici, Effect.timeoutOrElse(unbounded, { duration: timeout, orElse: () => Effect.fail(onTimeout()) })]
    }),
    // the retry alone (no deadline): the SDK's Effect.retry + Schedule, the hand-written loop, none
    ...await group({
      retryLibrary: [undici, unbounded],
      retryLoop: [undici, retryLoop(send({ timeout: Duration.infinity, retry: false }))],
      retryNone: [undici, send({ timeout: Duration.infinity, retry: false })]
    }),
    // the same call as a service method, in its span (Users.getV2 and the like)
    ...await group({
      spanNone: [undici, send({})],
      spanHand: method((body) => handWrittenSpanFn("Users.getV2")(body)),
      spanFn: method((body) => Effect.fn("Users.getV2")(body)),
      spanWithSpan: method((body) => Effect.fnUntraced(body, Effect.withSpan("Users.getV2")))
    }),
    ...await group({
      // CubeHttpClient as it is: on any other client Effect.timeoutOrElse
      fetchRaced: [fetch, send({})],
      fetchFiber: [fetch, deadlineFiber(unbounded, timeout, onTimeout)]
    })
  }
  await undici.dispose()
  await fetch.dispose()
  await bare.close()

  return [
    {
      figure: "retry per call (none needed), alone: Effect.retry + Schedule",
      value: over("retry"),
      baseline: `hand-written loop ${over("loop")}`,
      ratio: "",
      goal: "keep the loop only with a clear gain"
    },
    {
      figure: "30 s deadline per call, alone: Effect.timeoutOrElse (a fiber race)",
      value: over("raced"),
      baseline: `hand-written timer fiber ${over("fiber")}; timer in the transport ${over("transport")}`,
      ratio: "",
      goal: "report"
    },
    {
      figure: "SDK call over loopback, UndiciClient, client CPU, no deadline: the retry by Effect.retry + Schedule",
      value: us(sdk.retryLibrary!),
      baseline: `hand-written loop ${us(sdk.retryLoop!)}; no retry ${us(sdk.retryNone!)}`,
      ratio: ratio(sdk.retryLibrary!, sdk.retryLoop!),
      goal: "library unless the loop shows a clear gain"
    },
    {
      figure: "SDK call over loopback, UndiciClient, client CPU: the deadline in the transport (hand-written)",
      value: us(sdk.undiciTransport!),
      baseline: `Effect.timeoutOrElse ${us(sdk.undiciRaced!)}`,
      ratio: ratio(sdk.undiciTransport!, sdk.undiciRaced!),
      goal: "keep only with a clear gain"
    },
    {
      figure: "SDK call over loopback, UndiciClient, client CPU, in a method's span: hand-written Span.fn",
      value: us(sdk.spanHand!),
      baseline: `Effect.fn ${us(sdk.spanFn!)}; Effect.fnUntraced + Effect.withSpan ${us(sdk.spanWithSpan!)}; no span ${
        us(sdk.spanNone!)
      }`,
      ratio: ratio(sdk.spanHand!, sdk.spanWithSpan!),
      goal: "keep only with a clear gain"
    },
    {
      figure: "SDK call over loopback, FetchHttpClient, client CPU: the deadline by Effect.timeoutOrElse",
      value: us(sdk.fetchRaced!),
      baseline: `hand-written timer fiber ${us(sdk.fetchFiber!)}`,
      ratio: ratio(sdk.fetchRaced!, sdk.fetchFiber!),
      goal: "library unless the fiber shows a clear gain"
    }
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// Bundle: what each candidate adds to a browser bundle of effect's floor
// ---------------------------------------------------------------------------------------------------------------

const floor = `
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
const Session = Schema.Struct({ session: Schema.Struct({ id: Schema.Number, token: Schema.String }) })
const runtime = ManagedRuntime.make(FetchHttpClient.layer)
export const go = () => runtime.runPromise(
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    Effect.flatMap(client.post("http://127.0.0.1:1/session.json"), HttpClientResponse.schemaBodyJson(Session))))
export const pages = (f) => Stream.runCollect(Stream.paginate(0, (n) => Effect.map(f(n), (a) => [a, n < 3 ? n + 1 : undefined])))
`

const bundleEntries: Record<string, string> = {
  floor,
  push: `${floor}
import * as Cause from "effect/Cause"
export const s = (register) => Stream.runCollect(Stream.unwrap(Effect.map(Effect.acquireRelease(Effect.suspend(() => {
  let buffer = []; let done; let wake
  const notify = () => { const f = wake; wake = undefined; f?.() }
  const subscribe = register({
    single: (value) => { if (done !== undefined) return; buffer.push(value); notify() },
    end: () => { done ??= Cause.done(); notify() },
    halt: (cause) => { done ??= Effect.failCause(cause); notify() }
  })
  const pull = Effect.suspend(() => {
    if (buffer.length > 0) { const chunk = buffer; buffer = []; return Effect.succeed(chunk) }
    if (done !== undefined) return done
    return Effect.flatMap(Effect.callback((resume) => { wake = () => resume(Effect.void) }), () => pull)
  })
  return Effect.map(subscribe, (unsubscribe) => ({ pull, unsubscribe }))
}), ({ unsubscribe }) => unsubscribe), ({ pull }) => Stream.fromPull(Effect.succeed(pull)))))`,
  callback: `${floor}
import * as Queue from "effect/Queue"
export const s = (r) => Stream.runCollect(Stream.callback((q) => Effect.acquireRelease(r({
  single: (a) => Queue.offerUnsafe(q, a), end: () => Queue.endUnsafe(q), halt: (c) => Queue.failCauseUnsafe(q, c) }), (u) => u)))`,
  pubsub: `${floor}
import * as PubSub from "effect/PubSub"
export const s = Effect.map(PubSub.unbounded(), (p) => ({ publish: (a) => PubSub.publish(p, a), events: Stream.fromPubSub(p) }))`,
  spanFn: `${floor}
import * as Tracer from "effect/Tracer"
const fn = (name) => (body) => (...args) => Effect.flatMap(Effect.tracer, (tracer) =>
  tracer === Tracer.nativeTracer ? Effect.gen(() => body(...args)) : Effect.withSpan(Effect.gen(() => body(...args)), name))
export const f = fn("X.y")(function*(n) { return yield* Effect.succeed(n) })`,
  effectFn: `${floor}
export const f = Effect.fn("X.y")(function*(n) { return yield* Effect.succeed(n) })`,
  withSpan: `${floor}
export const f = Effect.fnUntraced(function*(n) { return yield* Effect.succeed(n) }, Effect.withSpan("X.y"))`,
  handRetry: `${floor}
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
const policy = ${JSON.stringify(policy)}
const transient = (e) => e._tag === "Transient"
const retryLoop = (attempt) => {
  const loop = (retry) => Effect.catchIf(attempt, (e) => retry < policy.times && transient(e), () =>
    Effect.flatMap(Random.nextBetween(0.75, 1.25), (jitter) =>
      Effect.andThen(Effect.sleep(Math.min(policy.maxDelay, policy.baseDelay * 2 ** retry) * jitter), loop(retry + 1))))
  return loop(0)
}
const deadlineFiber = (self, ms, onTimeout) => Effect.flatMap(Effect.forkChild(self), (child) =>
  Effect.callback((resume) => {
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      child.interruptUnsafe()
      resume(Effect.fail(onTimeout()))
    }, ms)
    child.addObserver((exit) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(exit)
    })
    return Effect.andThen(Effect.sync(() => clearTimeout(timer)), Fiber.interrupt(child))
  }))
export const f = (a) => deadlineFiber(retryLoop(a), 30000, () => new Error("t"))`,
  libraryRetry: `${floor}
import * as Duration from "effect/Duration"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
const policy = ${JSON.stringify(policy)}
const transient = (e) => e._tag === "Transient"
const schedule = Schedule.exponential(Duration.millis(policy.baseDelay)).pipe(Schedule.modifyDelay(({ duration }) =>
  Effect.map(Random.nextBetween(0.75, 1.25), (jitter) => Math.min(policy.maxDelay, Duration.toMillis(duration)) * jitter)))
export const f = (a) => Effect.timeoutOrElse(Effect.retry(a, { schedule, times: policy.times, while: transient }),
  { duration: 30000, orElse: () => Effect.fail(new Error("t")) })`
}

const gzSize = async (source: string): Promise<number> => {
  const result = await build({
    stdin: { contents: source, resolveDir: Path.join(ROOT, "test"), loader: "ts" },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent"
  })
  return Zlib.gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length
}

const bundleFigures = async (): Promise<Array<Row>> => {
  const size: Record<string, number> = {}
  for (const [name, source] of Object.entries(bundleEntries)) size[name] = await gzSize(source)
  const add = (name: string) => `+${fmt((size[name]! - size.floor!) / 1024, 2)} KB gz`
  const row = (figure: string, hand: string, library: string, libraryName: string): Row => ({
    figure: `bundle over effect's floor (${fmt(size.floor! / 1024, 1)} KB gz, with Stream): ${figure}`,
    value: add(hand),
    baseline: `${libraryName} ${add(library)}`,
    ratio: "",
    goal: "report"
  })
  return [
    row("hand-written push stream", "push", "callback", "Stream.callback"),
    row("session events: listener set + push stream", "push", "pubsub", "PubSub + Stream.fromPubSub"),
    row("hand-written Span.fn", "spanFn", "effectFn", "Effect.fn"),
    row("hand-written Span.fn", "spanFn", "withSpan", "Effect.fnUntraced + Effect.withSpan"),
    row("hand-written retry loop + timer fiber", "handRetry", "libraryRetry", "Effect.retry(Schedule) + Effect.timeoutOrElse")
  ]
}

const pieces = { decode: decodeFigures, stream: streamFigures, span: spanFigures, retry: retryFigures, bundle: bundleFigures }

export const run = async (options: { only?: ReadonlyArray<keyof typeof pieces> } = {}): Promise<Array<Row>> => {
  const rows: Array<Row> = []
  for (const [name, figures] of Object.entries(pieces)) {
    if (options.only === undefined || options.only.includes(name as keyof typeof pieces)) rows.push(...await figures())
  }
  return rows
}
