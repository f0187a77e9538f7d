/**
 * What the consumer check adds around a docs sample (scripts/consumer-check.mjs): the layer the guides say to
 * provide (Getting started's `CubeLive`, on the emulator the check started), the context a block's info string
 * asks for (`session=cubeuser`: signed in as the seeded user), and the checks of `// → value` comments.
 */
import { Cube, Session } from "@connectycube-effect/http"
import { Storage } from "@connectycube-effect/storage"
import { Users } from "@connectycube-effect/users"
import ConnectyCube from "@connectycube-effect/promise"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Util from "node:util"

const url = process.env.CUBE_EMULATOR_URL!

// What a sample's `declare const x: T` stands for (a value your app has): a picture from a file input, its bytes
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
Object.assign(globalThis, { bytes: png, inputFile: new File([png], "avatar.png", { type: "image/png" }) })
const [login, password] = (process.env.CUBE_SAMPLE_SESSION ?? "").split(":")

export const CubeLive = Layer.mergeAll(Users.layer, Storage.layer).pipe(
  Layer.provideMerge(Cube.layer({ appId: 1, authKey: "emulator-auth-key", apiUrl: url })),
  Layer.provide(FetchHttpClient.layer)
)

/** The promise samples "assume `ConnectyCube.init(...)` has run" (and, with session=…, a signed-in user). */
export const initPromise = async (): Promise<void> => {
  ConnectyCube.init({ appId: 1, authKey: "emulator-auth-key" }, { endpoints: { api_url: url } })
  if (login) await ConnectyCube.createSession({ login, password: password! })
}

/** Runs a sample's `program` as the guides say: `Effect.runPromise(program.pipe(Effect.provide(CubeLive)))`. */
export const run = <A, E>(program: Effect.Effect<A, E, Users.Users | Storage.Storage | Session.Session>) => {
  const signIn = login ? Effect.flatMap(Session.Session, (s) => s.create({ login, password: password! })) : Effect.void
  return Effect.runPromise(Effect.andThen(signIn, program).pipe(Effect.provide(CubeLive)))
}

/** A value as the docs write it: strings quoted, `Some(x)`, `[a, b]`, `{ k: v }`. */
export const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (value === null || typeof value !== "object") return String(value)
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`
  const tag = (value as { _tag?: unknown })._tag
  if (tag === "Some") return `Some(${show((value as { value: unknown }).value)})`
  if (tag === "None") return "None"
  if (tag === "Success") return `Result.succeed(${show((value as { success: unknown }).success)})`
  if (tag === "Failure") return `Result.fail(${show((value as { failure: unknown }).failure)})`
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${show(v)}`)
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`
  }
  return Util.inspect(value)
}

let checked = 0
const failures: Array<string> = []
const matches = (claim: string, actual: string): boolean => {
  // a trailing ` (…)` is prose: `// → "" (as the official SDK)`
  const pattern = claim.trim().replace(/\s+\([^)]*\)$/, "").split(/(<[^>]*>|…)/).map((part, i) =>
    i % 2 === 1 ? ".*?" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("")
  return new RegExp(`^${pattern}$`).test(actual.trim())
}

/** `expr // → claim`: the value, checked against the claim; returns the value. */
export const check = <A,>(line: number, claim: string, value: A): A => {
  checked++
  if (!matches(claim, show(value))) failures.push(`line ${line}: the comment says → ${claim}, the value is ${show(value)}`)
  return value
}

/** `console.log(…) // → claim`: logs, and checks the printed line (or the values as written) against the claim. */
export const checkLog = (line: number, claim: string, ...values: Array<unknown>): void => {
  checked++
  const printed = Util.format(...values)
  console.log(printed)
  if (!matches(claim, printed) && !matches(claim, values.map(show).join(" "))) {
    failures.push(`line ${line}: the comment says → ${claim}, it printed ${printed}`)
  }
}

export const expectChecks = (count: number): void => {
  process.on("exit", (code) => {
    if (checked < count) failures.push(`${count - checked} of the ${count} \`// →\` comments were never reached`)
    if (failures.length > 0) {
      console.error(failures.map((f) => `claim failed: ${f}`).join("\n"))
      if (code === 0) process.exitCode = 1
    }
  })
}
