/**
 * The emulator's command line (`connectycube-emulator`, `pnpm emulator -- ...`), built with
 * `effect/cli`. Prints exactly `listening on http://HOST:PORT` once it accepts connections and
 * runs until SIGINT/SIGTERM.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Option from "effect/Option"
import * as Emulator from "./Emulator.js"
import type { AppOptions } from "./Settings.js"
import { DEFAULT_APP } from "./Settings.js"

const port = Flag.Int("port").pipe(
  Flag.withAlias("p"),
  Flag.withDefault(8090),
  Flag.withDescription("TCP port (0 picks a free one)")
)
const host = Flag.String("host").pipe(Flag.withDefault("127.0.0.1"), Flag.withDescription("interface to listen on"))
const db = Flag.String("db").pipe(
  Flag.optional,
  Flag.withDescription("SQLite file (default: in memory); WAL, synchronous=NORMAL")
)
const synchronous = Flag.Literals("synchronous", ["NORMAL", "FULL"]).pipe(
  Flag.withDefault("NORMAL" as const),
  Flag.withDescription("FULL also survives power loss (an fsync per write)")
)
const apps = Flag.String("app").pipe(
  Flag.atLeast(0),
  Flag.withDescription("an application as id:authKey[:authSecret]; repeat for more")
)
const appId = Flag.Int("app-id").pipe(Flag.optional, Flag.withDescription("shorthand: application id"))
const authKey = Flag.String("auth-key").pipe(Flag.optional, Flag.withDescription("shorthand: auth key"))
const authSecret = Flag.String("auth-secret").pipe(
  Flag.optional,
  Flag.withDescription("shorthand: auth secret (signatures are then checked)")
)
const denyUserCreation = Flag.Boolean("deny-user-creation").pipe(
  Flag.withDefault(false),
  Flag.withDescription("POST /session with an unknown login answers 404 instead of creating the user")
)
const cidpUrl = Flag.String("cidp-url").pipe(
  Flag.optional,
  Flag.withDescription("Custom Identity Provider verify URL (GET <url>?token=...)")
)
const seed = Flag.File("seed", { mustExist: true }).pipe(
  Flag.optional,
  Flag.withDescription("JSON file loaded at start (an export, or {\"users\":[...]})")
)
const exportFile = Flag.String("export").pipe(
  Flag.optional,
  Flag.withDescription("write the whole state to this JSON file on shutdown (atomically)")
)
const bodyLimit = Flag.Int("body-limit").pipe(
  Flag.optional,
  Flag.withDescription("largest API request body in bytes (default 1048576)")
)

/**
 * Parses `id:authKey[:authSecret]`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseApp = (value: string): AppOptions | undefined => {
  const m = /^(\d+):([^:]+)(?::(.+))?$/.exec(value.trim())
  if (m === null) return undefined
  return m[3] === undefined ? { id: Number(m[1]), authKey: m[2]! } : { id: Number(m[1]), authKey: m[2]!, authSecret: m[3] }
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "connectycube-emulator",
  {
    port,
    host,
    db,
    synchronous,
    apps,
    appId,
    authKey,
    authSecret,
    denyUserCreation,
    cidpUrl,
    seed,
    exportFile,
    bodyLimit
  },
  (args) =>
    Effect.gen(function*() {
      const list: Array<AppOptions> = []
      for (const raw of args.apps) {
        const app = parseApp(raw)
        if (app === undefined) return yield* Effect.fail(new Error(`--app ${raw}: expected id:authKey[:authSecret]`))
        list.push(app)
      }
      if (Option.isSome(args.appId) || Option.isSome(args.authKey)) {
        list.unshift({
          id: Option.getOrElse(args.appId, () => DEFAULT_APP.id),
          authKey: Option.getOrElse(args.authKey, () => DEFAULT_APP.authKey),
          authSecret: Option.getOrUndefined(args.authSecret)
        })
      }
      const configured = (list.length > 0 ? list : [DEFAULT_APP]).map((app) =>
        args.denyUserCreation ? { ...app, allowUserCreation: false } : app
      )
      const emulator = yield* Emulator.make({
        port: args.port,
        host: args.host,
        db: Option.getOrUndefined(args.db),
        synchronous: args.synchronous,
        apps: configured,
        cidpUrl: Option.getOrUndefined(args.cidpUrl),
        seed: Option.getOrUndefined(args.seed),
        bodyLimit: Option.getOrUndefined(args.bodyLimit)
      })
      if (Option.isSome(args.exportFile)) {
        const file = args.exportFile.value
        // Finalizers run on SIGINT/SIGTERM too (runMain interrupts the main fiber).
        yield* Effect.addFinalizer(() =>
          emulator.exportToFile(file).pipe(
            Effect.tap(() => Console.error(`state exported to ${file}`)),
            Effect.catch((e) => Console.error(e.message))
          )
        )
      }
      yield* Console.log(`listening on ${emulator.url}`)
      return yield* Effect.never
    }).pipe(Effect.scoped)
)

/**
 * The CLI program for `process.argv` (the node binary and the script first). A literal `--` (as
 * `pnpm emulator -- --port 1` passes it through tsx) is dropped.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (argv: ReadonlyArray<string>) =>
  Command.runWith(command, { version: "0.1.0" })(argv.slice(2).filter((a) => a !== "--"))
