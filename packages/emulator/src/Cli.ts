/**
 * The emulator's command line (`connectycube-emulator`, `pnpm emulator -- ...`), built with
 * `effect/cli`. Prints exactly `listening on http://HOST:PORT` (`https://` with `--tls`) once it
 * accepts connections, then `ui: <that URL>/__emulator/ui/` (the web UI), and runs until SIGINT/SIGTERM.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Option from "effect/Option"
import { execFileSync } from "node:child_process"
import { X509Certificate } from "node:crypto"
import * as Fs from "node:fs"
import { isIP } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Emulator from "./Emulator.js"
import * as UiRoutes from "./routes/Ui.js"
import type { AppOptions } from "./Settings.js"
import { DEFAULT_APP } from "./Settings.js"

const port = Flag.Int("port").pipe(
  Flag.withAlias("p"),
  Flag.withDefault(8090),
  Flag.withDescription("TCP port (0 picks a free one)")
)
const host = Flag.String("host").pipe(
  Flag.optional,
  Flag.withDescription("interface to listen on (default 127.0.0.1: loopback only; any other must be given here)")
)
const allowHosts = Flag.String("allow-host").pipe(
  Flag.atLeast(0),
  Flag.withDescription(
    "a host name the control API (/__emulator/*, the web UI) also answers to, e.g. a docker service name; repeat for more. " +
      "It always answers to IP addresses, localhost and *.localhost, and refuses other names (DNS rebinding)"
  )
)
const publicUrl = Flag.String("public-url").pipe(
  Flag.optional,
  Flag.withDescription(
    "the emulator's address for links it mails (password reset), e.g. http://cube.dev.lan:8090 (default: the listening URL; never the request's Host)"
  )
)
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
const requestTimeout = Flag.Int("request-timeout").pipe(
  Flag.optional,
  Flag.withDescription("milliseconds a request may take to arrive, headers and body, before a 408 (default 30000; 0: no limit)")
)
const tls = Flag.Boolean("tls").pipe(
  Flag.withDefault(false),
  Flag.withDescription(
    "serve HTTPS with a self-signed certificate for 127.0.0.1, ::1 and localhost, made with openssl next to the --db file " +
      "(or in the temp folder without one) and reused; its path is printed for NODE_EXTRA_CA_CERTS"
  )
)
const tlsCert = Flag.String("tls-cert").pipe(
  Flag.optional,
  Flag.withDescription("serve HTTPS with this certificate (PEM file; with --tls-key)")
)
const tlsKey = Flag.String("tls-key").pipe(
  Flag.optional,
  Flag.withDescription("the private key of --tls-cert (PEM file)")
)
const bodyLimit = Flag.Int("body-limit").pipe(
  Flag.optional,
  Flag.withDescription("largest API request body in bytes (default 1048576)")
)

/**
 * Is `host` a loopback interface (`127.x.x.x`, `::1`, `localhost`)?
 *
 * @since 0.1.0
 * @category parsing
 */
export const isLoopback = (host: string): boolean =>
  /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i.test(host.replace(/^\[|\]$/g, ""))

/** `a`, `a or b`, `a, b or c` */
const orList = (items: ReadonlyArray<string>): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`

/**
 * What the CLI says at start (on stderr, after `listening on ...`) about who can reach it, and, off loopback,
 * which `Host` names the control API answers to (`allowHosts`: the `--allow-host` names).
 *
 * @since 0.1.0
 * @category parsing
 */
export const securityNotice = (host: string, explicit: boolean, allowHosts: ReadonlyArray<string> = []): string => {
  if (isLoopback(host)) {
    return `bound to loopback (${host}) only: the REST API and the control API (/__emulator/*) are not reachable from the network${
      explicit ? "" : "; --host <address> binds another interface"
    }${allowHosts.length === 0 ? "" : `; the control API also answers to the Host ${orList(allowHosts)}`}`
  }
  // a name given as --host is answered to as well (it was given on purpose)
  const named = isIP(host.replace(/^\[|\]$/g, "")) === 0 ? [host] : []
  return `WARNING: bound to ${host} (--host): anyone who can reach it can call the control API (/__emulator/*: reset, import, ` +
    `clock) and read users and blobs; it has no authentication. Against DNS rebinding, the control API answers only to a ` +
    `Host that is ${orList(["an IP address", "localhost", "*.localhost", ...named, ...allowHosts])} (--allow-host <name> adds a name)`
}

/**
 * The file names of the certificate `--tls` generates, in its folder.
 *
 * @since 0.1.0
 * @category tls
 */
export const CERT_FILE = "emulator-tls-cert.pem"

/**
 * @since 0.1.0
 * @category tls
 */
export const KEY_FILE = "emulator-tls-key.pem"

/**
 * Where `--tls` keeps its certificate: the folder of the `--db` file, or (in memory) the temp folder's
 * `connectycube-emulator`.
 *
 * @since 0.1.0
 * @category tls
 */
export const tlsFolder = (db: string | undefined): string =>
  db === undefined || db === ":memory:" || db === "" ?
    Path.join(Os.tmpdir(), "connectycube-emulator") :
    Path.dirname(Path.resolve(db))

/**
 * A certificate and its key (PEM) and where they are.
 *
 * @since 0.1.0
 * @category tls
 */
export interface Certificate {
  readonly certFile: string
  readonly keyFile: string
  readonly cert: string
  readonly key: string
  /** Made now (not found, or expiring within a day), rather than reused. */
  readonly generated: boolean
}

const validForADay = (pem: string, now: number): boolean => {
  try {
    const cert = new X509Certificate(pem)
    return Date.parse(cert.validFrom) <= now && Date.parse(cert.validTo) > now + 24 * 60 * 60 * 1000
  } catch {
    return false
  }
}

/**
 * The self-signed certificate of `--tls` in `folder`: reused when there (and valid for another day),
 * else made with the system's \`openssl\` (an EC P-256 key, valid 825 days, for 127.0.0.1, ::1 and
 * localhost; the key file readable by its owner only). No dependency: without \`openssl\` on the PATH
 * this fails and says to pass `--tls-cert`/`--tls-key` instead.
 *
 * @since 0.1.0
 * @category tls
 */
export const ensureCertificate = (folder: string): Effect.Effect<Certificate, Error> =>
  Effect.try({
    try: (): Certificate => {
      const certFile = Path.join(folder, CERT_FILE)
      const keyFile = Path.join(folder, KEY_FILE)
      if (Fs.existsSync(certFile) && Fs.existsSync(keyFile)) {
        const cert = Fs.readFileSync(certFile, "utf8")
        if (validForADay(cert, Date.now())) return { certFile, keyFile, cert, key: Fs.readFileSync(keyFile, "utf8"), generated: false }
      }
      Fs.mkdirSync(folder, { recursive: true })
      // made under temporary names, then renamed: a start that fails halfway leaves no half pair
      const tmpCert = `${certFile}.${process.pid}.tmp`
      const tmpKey = `${keyFile}.${process.pid}.tmp`
      try {
        execFileSync("openssl", [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", tmpKey, "-out", tmpCert, "-days", "825",
          "-subj", "/CN=ConnectyCube emulator (localhost)",
          "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
          "-addext", "basicConstraints=critical,CA:FALSE",
          "-addext", "keyUsage=critical,digitalSignature",
          "-addext", "extendedKeyUsage=serverAuth"
        ], { stdio: ["ignore", "ignore", "pipe"] })
        Fs.chmodSync(tmpKey, 0o600)
        Fs.renameSync(tmpKey, keyFile)
        Fs.renameSync(tmpCert, certFile)
      } finally {
        Fs.rmSync(tmpKey, { force: true })
        Fs.rmSync(tmpCert, { force: true })
      }
      return { certFile, keyFile, cert: Fs.readFileSync(certFile, "utf8"), key: Fs.readFileSync(keyFile, "utf8"), generated: true }
    },
    catch: (cause) => {
      const error = cause as NodeJS.ErrnoException & { readonly stderr?: Buffer }
      return new Error(
        error.code === "ENOENT" && error.path === "openssl" ?
          "--tls: openssl was not found on the PATH to make a certificate; install it, or pass --tls-cert <file> --tls-key <file>" :
          `--tls: cannot make a certificate in ${folder}: ${String(error.stderr ?? "").trim() || error.message}; ` +
            "or pass --tls-cert <file> --tls-key <file>"
      )
    }
  })

/** The certificate for the flags: given files, one made by `--tls`, or none. */
const certificateFor = (args: {
  readonly tls: boolean
  readonly tlsCert: Option.Option<string>
  readonly tlsKey: Option.Option<string>
  readonly db: Option.Option<string>
}): Effect.Effect<Certificate | undefined, Error> => {
  if (Option.isSome(args.tlsCert) !== Option.isSome(args.tlsKey)) {
    return Effect.fail(new Error("--tls-cert and --tls-key go together"))
  }
  if (Option.isSome(args.tlsCert) && Option.isSome(args.tlsKey)) {
    const certFile = args.tlsCert.value
    const keyFile = args.tlsKey.value
    return Effect.try({
      try: (): Certificate => ({
        certFile,
        keyFile,
        cert: Fs.readFileSync(certFile, "utf8"),
        key: Fs.readFileSync(keyFile, "utf8"),
        generated: false
      }),
      catch: (cause) => new Error(`--tls-cert/--tls-key: ${cause instanceof Error ? cause.message : String(cause)}`)
    })
  }
  return args.tls ? ensureCertificate(tlsFolder(Option.getOrUndefined(args.db))) : Effect.succeed(undefined)
}

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
    allowHosts,
    publicUrl,
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
    bodyLimit,
    requestTimeout,
    tls,
    tlsCert,
    tlsKey
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
      const certificate = yield* certificateFor(args)
      const emulator = yield* Emulator.make({
        port: args.port,
        host: Option.getOrElse(args.host, () => "127.0.0.1"),
        allowHosts: args.allowHosts,
        publicUrl: Option.getOrUndefined(args.publicUrl),
        db: Option.getOrUndefined(args.db),
        synchronous: args.synchronous,
        apps: configured,
        cidpUrl: Option.getOrUndefined(args.cidpUrl),
        seed: Option.getOrUndefined(args.seed),
        bodyLimit: Option.getOrUndefined(args.bodyLimit),
        requestTimeoutMs: Option.getOrUndefined(args.requestTimeout),
        tls: certificate
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
      yield* Console.log(`ui: ${emulator.url}${UiRoutes.PATH}`)
      // after the one line tools wait for: where the control API (reset, import, export) can be reached from
      yield* Console.error(securityNotice(emulator.host, Option.isSome(args.host), args.allowHosts))
      if (certificate !== undefined) {
        yield* Console.error(
          `TLS certificate: ${certificate.certFile}${certificate.generated ? " (made now)" : ""}; ` +
            `trust it with NODE_EXTRA_CA_CERTS=${certificate.certFile}`
        )
      }
      return yield* Effect.never
    }).pipe(Effect.scoped)
)

// `--version`: the package's version, put in by the build (tsup.base.ts `define`); from sources (tsx) it is unset.
declare const __CUBE_PACKAGE_VERSION__: string | undefined
const VERSION = typeof __CUBE_PACKAGE_VERSION__ === "string" ? __CUBE_PACKAGE_VERSION__ : "0.0.0 (from sources)"

/**
 * The CLI program for `process.argv` (the node binary and the script first). A literal `--` (as
 * `pnpm emulator -- --port 1` passes it through tsx) is dropped.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (argv: ReadonlyArray<string>) =>
  Command.runWith(command, { version: VERSION })(argv.slice(2).filter((a) => a !== "--"))
