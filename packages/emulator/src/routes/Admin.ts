/**
 * Emulator control under `/__emulator/` (never part of the real API): reset, clock, request log,
 * outbox, faults, export/import and the OpenAPI document.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { ApiError, Errors, fromParseError } from "../ApiError.js"
import * as Clock from "../Clock.js"
import { EmulatorClock } from "../Clock.js"
import * as Faults from "../Faults.js"
import * as Http from "../Http.js"
import * as OpenApi from "../internal/OpenApi.js"
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

const CLOCK_RANGE_MESSAGE = "must keep the clock between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"

const ClockView = Schema.Struct({ now: Schema.String, nowMs: Schema.Number, frozen: Schema.Boolean })

const clockView = Effect.map(EmulatorClock, (clock) => {
  const ms = clock.unsafeNow()
  return { now: new Date(ms).toISOString(), nowMs: ms, frozen: clock.isFrozen() }
})

// Import bodies can hold a whole database: they get their own, larger limit.
const IMPORT_LIMIT = 256 * 1024 * 1024

const tag = "emulator"

/** Tables that are nothing but secrets (a session row is its token). */
const SECRET_TABLES = new Set(["sessions"])
/** Columns that hold a secret, whatever their table. */
const SECRET_COLUMN = /password|secret|token|auth_key|digest|hash/i

/**
 * An export without secrets (what `GET /__emulator/export` answers unless asked with `?secrets=true`):
 * no session rows, and every secret-looking column (auth secrets, password hashes, tokens) set to
 * `null`, auth keys to `"[redacted]"`. Importing it keeps the configured apps' keys
 * (they are re-added after an import) but its users cannot sign in with a password.
 *
 * @since 0.1.0
 * @category export
 */
export const withoutSecrets = (snapshot: State.Snapshot): State.Snapshot => {
  const tables: Record<string, ReadonlyArray<Record<string, unknown>>> = {}
  for (const [name, rows] of Object.entries(snapshot.tables)) {
    if (SECRET_TABLES.has(name)) continue
    tables[name] = rows.map((row) => {
      let out: Record<string, unknown> | undefined
      for (const [column, value] of Object.entries(row)) {
        if (!SECRET_COLUMN.test(column) || value === null) continue
        out ??= { ...row }
        // auth_key is NOT NULL (an import re-adds the configured apps over it); a null hash signs in nobody
        out[column] = column === "auth_key" ? "[redacted]" : null
      }
      return out ?? row
    })
  }
  return { ...snapshot, tables }
}

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
      const outOfRange = (field: string) =>
        Effect.fail(ApiError.fields(422, { [field]: [CLOCK_RANGE_MESSAGE] }))
      // every check before any change: a refused call moves nothing
      const at = input.now === undefined ? undefined : typeof input.now === "number" ? input.now : Date.parse(input.now)
      if (at !== undefined && Number.isNaN(at)) return yield* Effect.fail(ApiError.fields(422, { now: ["is not a date"] }))
      if (at !== undefined && !Clock.inRange(at)) return yield* outOfRange("now")
      if (input.advanceMs !== undefined && !Clock.inRange((at ?? clock.unsafeNow()) + input.advanceMs)) {
        return yield* outOfRange("advanceMs")
      }
      if (input.freeze !== undefined) yield* clock.freeze(input.freeze)
      if (at !== undefined) yield* clock.set(at)
      if (input.advanceMs !== undefined) yield* clock.advance(input.advanceMs)
      return Http.json(yield* clockView)
    })
  }),
  Route.make({
    method: "GET",
    path: "/__emulator/requests",
    tag,
    summary: "The request log, oldest first (secrets redacted); `after=<seq>`: only the later entries",
    auth: "none",
    errors: [422],
    handler: Effect.gen(function*() {
      const log = yield* RequestLog
      const after = (yield* Http.query).after
      if (after === undefined) return Http.json({ requests: yield* log.list })
      const seq = typeof after === "string" && /^\d{1,15}$/.test(after) ? Number(after) : undefined
      if (seq === undefined) return yield* Effect.fail(ApiError.fields(422, { after: ["must be a non-negative integer"] }))
      return Http.json({ requests: yield* log.after(seq) })
    })
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
        (e) => ApiError.fields(422, { path: [`is not a valid regular expression: ${e.message}`] })
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
    summary: "The whole state as JSON (the import/seed format); secrets only with ?secrets=true",
    description: "Without `?secrets=true`: no sessions, no password hashes, auth keys and secrets replaced.",
    auth: "none",
    response: { status: 200, body: State.Snapshot },
    handler: Effect.gen(function*() {
      const now = yield* Http.now
      const query = yield* Http.query
      const snapshot = yield* State.exportState(now)
      return Http.json(query.secrets === "true" || query.secrets === "1" ? snapshot : withoutSecrets(snapshot))
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
        return yield* Effect.fail(Errors.malformedJson())
      }
      const decoded = State.decodeSeed(parsed)
      if (Result.isFailure(decoded)) return yield* Effect.fail(fromParseError(decoded.failure))
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
