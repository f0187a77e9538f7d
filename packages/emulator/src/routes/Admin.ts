/**
 * Emulator control under `/__emulator/` (never part of the real API): reset, clock, request log,
 * outbox, faults, export/import and the OpenAPI document.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { EmulatorClock } from "../Clock.js"
import * as Faults from "../Faults.js"
import * as Http from "../Http.js"
import * as OpenApi from "../OpenApi.js"
import { RequestLog } from "../RequestLog.js"
import * as Route from "../Route.js"
import { Settings } from "../Settings.js"
import * as State from "../State.js"
import * as Emails from "../store/Emails.js"

/**
 * The body of `POST /__emulator/clock`: move by `advanceMs`, or jump to `now` (ISO or Unix ms);
 * `freeze` stops or restarts it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClockInput = Schema.Struct({
  advanceMs: Schema.optional(Schema.Finite),
  now: Schema.optional(Schema.Union([Schema.String, Schema.Number])),
  freeze: Schema.optional(Schema.Boolean)
})

const ClockView = Schema.Struct({ now: Schema.String, nowMs: Schema.Number, frozen: Schema.Boolean })

const clockView = Effect.map(EmulatorClock, (clock) => {
  const ms = clock.unsafeNow()
  return { now: new Date(ms).toISOString(), nowMs: ms, frozen: clock.isFrozen() }
})

// Import bodies can hold a whole database: they get their own, larger limit.
const IMPORT_LIMIT = 256 * 1024 * 1024

const tag = "emulator"

/**
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route.Route> = [
  Route.make({
    method: "POST",
    path: "/__emulator/reset",
    tag,
    summary: "Delete all data (users, sessions, mails, blobs...) but keep the apps; clears faults",
    auth: "none",
    response: { status: 200 },
    handler: Effect.gen(function*() {
      yield* State.reset
      yield* (yield* Faults.Faults).clear
      return Http.json({ ok: true })
    })
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/clock",
    tag,
    summary: "The emulator clock",
    auth: "none",
    response: { status: 200, body: ClockView },
    handler: Effect.map(clockView, (v) => Http.json(v))
  }),
  Route.make({
    method: "POST",
    path: "/__emulator/clock",
    tag,
    summary: "Move the emulator clock (advanceMs, now, freeze)",
    auth: "none",
    request: { body: ClockInput },
    response: { status: 200, body: ClockView },
    errors: [422],
    handler: Effect.gen(function*() {
      const input = yield* Http.schemaBody(ClockInput)
      const clock = yield* EmulatorClock
      if (input.freeze !== undefined) yield* clock.freeze(input.freeze)
      if (input.now !== undefined) {
        const ms = typeof input.now === "number" ? input.now : Date.parse(input.now)
        if (!Number.isFinite(ms)) return yield* Effect.fail(Http.ApiError.fields(422, { now: ["is not a date"] }))
        yield* clock.set(ms)
      }
      if (input.advanceMs !== undefined) yield* clock.advance(input.advanceMs)
      return Http.json(yield* clockView)
    })
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/requests",
    tag,
    summary: "The request log, oldest first (secrets redacted)",
    auth: "none",
    handler: Effect.map(Effect.flatMap(RequestLog, (log) => log.list), (requests) => Http.json({ requests }))
  }),
  Route.make({
    method: "DELETE",
    path: "/__emulator/requests",
    tag,
    summary: "Clear the request log",
    auth: "none",
    handler: Effect.as(Effect.flatMap(RequestLog, (log) => log.clear), Http.empty())
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/emails",
    tag,
    summary: "Mails the emulator sent (?to= filters by address)",
    auth: "none",
    handler: Effect.gen(function*() {
      const query = yield* Http.query
      const to = typeof query.to === "string" ? query.to : undefined
      const rows = yield* Emails.list(to)
      return Http.json({ emails: rows.map(Emails.toJson) })
    })
  }),
  Route.make({
    method: "DELETE",
    path: "/__emulator/emails",
    tag,
    summary: "Clear the outbox",
    auth: "none",
    handler: Effect.as(Emails.clear, Http.empty())
  }),
  Route.make({
    method: "POST",
    path: "/__emulator/faults",
    tag,
    summary: "Make the next N matching requests fail, wait or drop their connection",
    auth: "none",
    request: { body: Faults.FaultInput },
    response: { status: 201 },
    errors: [422],
    handler: Effect.gen(function*() {
      const input = yield* Http.schemaBody(Faults.FaultInput)
      const faults = yield* Faults.Faults
      const fault = yield* Effect.mapError(
        faults.add(input),
        (e) => Http.ApiError.fields(422, { path: [`is not a valid regular expression: ${e.message}`] })
      )
      return Http.json({ fault: Faults.toJson(fault) }, 201)
    })
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/faults",
    tag,
    summary: "Pending faults",
    auth: "none",
    handler: Effect.map(Effect.flatMap(Faults.Faults, (f) => f.list), (list) =>
      Http.json({ faults: list.map(Faults.toJson) }))
  }),
  Route.make({
    method: "DELETE",
    path: "/__emulator/faults",
    tag,
    summary: "Remove all faults",
    auth: "none",
    handler: Effect.as(Effect.flatMap(Faults.Faults, (f) => f.clear), Http.empty())
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/export",
    tag,
    summary: "The whole state as JSON (the import/seed format)",
    auth: "none",
    response: { status: 200, body: State.Snapshot },
    handler: Effect.gen(function*() {
      const now = yield* Http.now
      return Http.json(yield* State.exportState(now))
    })
  }),
  Route.make({
    method: "POST",
    path: "/__emulator/import",
    tag,
    summary: "Replace the whole state (atomically) with an export, or add users from a simple seed",
    auth: "none",
    request: { body: Schema.Union([State.Snapshot, State.SimpleSeed]) },
    errors: [400, 413, 422],
    handler: Effect.gen(function*() {
      const request = yield* Http.rawBody(IMPORT_LIMIT)
      let parsed: unknown
      try {
        parsed = JSON.parse(request.toString("utf8"))
      } catch {
        return yield* Effect.fail(Http.Errors.malformedJson())
      }
      const decoded = State.decodeSeed(parsed)
      if (Result.isFailure(decoded)) return yield* Effect.fail(Http.fromParseError(decoded.failure))
      const settings = yield* Settings
      const now = yield* Http.now
      const seed = decoded.success
      const counts = "tables" in seed ?
        yield* State.importState(seed, settings.apps) :
        yield* State.importSimple(seed, settings.apps[0]?.id ?? 1, now)
      return Http.json({ ok: true, imported: counts })
    })
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/openapi",
    tag,
    summary: "This document (also at /__emulator/openapi.json)",
    auth: "none",
    handler: Effect.gen(function*() {
      const table = yield* Route.RouteTable
      return Http.json(OpenApi.make(table, { serverUrl: yield* Http.baseUrl }))
    })
  })
]
