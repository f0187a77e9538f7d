// Issue 17, item 7 (second bullet): the emulator over HTTPS (`--tls`, or `tls` in-process) with a self-signed
// certificate: our SDK reaches it on both Node transports given the certificate, and an official SDK that
// hard-codes `https://` + `endpoints.api` reaches it with configuration only (NODE_EXTRA_CA_CERTS).
import { assert, describe, it } from "@effect/vitest"
import { Emulator } from "@connectycube-effect/emulator"
import * as Cli from "@connectycube-effect/emulator/Cli"
import { Cube, Session } from "@connectycube-effect/http"
import * as NodeClient from "@connectycube-effect/http/NodeClient"
import * as UndiciClient from "@connectycube-effect/http/UndiciClient"
import { Users } from "@connectycube-effect/users"
import { Agent } from "@effect/platform-node/Undici"
import { Effect, Layer } from "effect"
import { HttpClient } from "effect/http"
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const AUTH_KEY = "emulator-auth-key"
const TEST_DIR = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

const certificate = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-emu-tls-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.flatMap((dir) => Effect.orDie(Cli.ensureCertificate(dir))))

const tlsEmulator = Effect.flatMap(certificate, (cert) =>
  Effect.map(
    Effect.orDie(Emulator.make({ host: "127.0.0.1", port: 0, tls: { cert: cert.cert, key: cert.key } })),
    (emulator) => ({ emulator, cert })
  ))

describe("attack: the emulator over TLS", () => {
  const transports: ReadonlyArray<readonly [string, (ca: string) => Layer.Layer<HttpClient.HttpClient>]> = [
    ["NodeClient", (ca) =>
      Layer.succeed(HttpClient.HttpClient, NodeClient.make({ http: new Http.Agent(), https: new Https.Agent({ ca }) }))],
    ["UndiciClient", (ca) => Layer.succeed(HttpClient.HttpClient, UndiciClient.make(new Agent({ connect: { ca } })))]
  ]
  for (const [name, transport] of transports) {
    it.live(`${name} with the certificate trusted: sign-up, sign-in and a search over https`, () =>
      Effect.scoped(Effect.gen(function*() {
        const { cert, emulator } = yield* tlsEmulator
        assert.match(emulator.url, /^https:\/\/127\.0\.0\.1:\d+$/)
        yield* Effect.gen(function*() {
          const users = yield* Users.Users
          const session = yield* Session.Session
          yield* users.signup({ login: "tlsuser", password: "password1" })
          yield* session.create({ login: "tlsuser", password: "password1" })
          const found = yield* users.getV2({ login: "tlsuser" })
          assert.strictEqual(found.items[0]?.login, "tlsuser")
        }).pipe(
          Effect.provide(
            Users.layer.pipe(
              Layer.provideMerge(Cube.layer({ appId: 1, authKey: AUTH_KEY, apiUrl: emulator.url })),
              Layer.provide(transport(cert.cert))
            )
          )
        )
      })), 30_000)
  }

  it.live("an official SDK that builds `https://` + endpoints.api reaches it with NODE_EXTRA_CA_CERTS only", () =>
    Effect.scoped(Effect.gen(function*() {
      const { cert, emulator } = yield* tlsEmulator
      // endpoints.api without api_url: the URL the 3.x-5.x SDKs always build
      const script = `
        const ConnectyCube = require("connectycube").default
        ConnectyCube.init({ appId: 1, authKey: ${JSON.stringify(AUTH_KEY)} }, { endpoints: { api: ${
        JSON.stringify(`127.0.0.1:${emulator.port}`)
      } }, debug: { mode: 0 } })
        ConnectyCube.createSession({ login: "official", password: "password1" }).then(
          (session) => console.log("RESULT " + JSON.stringify({ ok: session.user_id })),
          (error) => console.log("RESULT " + JSON.stringify({ error: String(error?.message ?? error), code: error?.code }))
        )`
      const run = (env: Record<string, string>) =>
        Effect.promise(() =>
          new Promise<{ readonly ok?: number; readonly code?: string }>((resolve) =>
            execFile(process.execPath, ["-e", script], { cwd: TEST_DIR, env: { ...process.env, ...env }, timeout: 30_000 }, (_e, out, err) =>
              resolve(JSON.parse(/^RESULT (.*)$/m.exec(out)?.[1] ?? JSON.stringify({ output: out + err }))))
          )
        )
      const trusted = yield* run({ NODE_EXTRA_CA_CERTS: cert.certFile })
      assert.isNumber(trusted.ok, JSON.stringify(trusted))
      // and without it the certificate is refused (what NODE_EXTRA_CA_CERTS is for)
      const untrusted = yield* run({ NODE_EXTRA_CA_CERTS: "" })
      assert.deepInclude(untrusted, { code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
    })), 60_000)
})
