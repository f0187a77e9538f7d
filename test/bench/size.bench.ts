/**
 * 3. Bundle size: esbuild (browser, minified, tree-shaken) + gzip of the auth+users+storage path, built in
 * this run beside two baselines: the official SDK and the floor of effect (with its effect/http) alone (one
 * HttpClient call with a Schema decode under a ManagedRuntime). Also checks that an app that only signs in
 * pays for no storage code.
 */
import { build } from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import { kb, type Row, ROOT, tmpDir } from "./lib.js"

/** The auth + users + storage path with the Effect API, after its imports. */
const fullProgram = `
const runtime = ManagedRuntime.make(Layer.mergeAll(Users.layer, Storage.layer).pipe(
  Layer.provideMerge(Cube.layer({ appId: 1, authKey: "k" })), Layer.provide(FetchHttpClient.layer)))
export const go = (file) => runtime.runPromise(Effect.gen(function*() {
  yield* (yield* Session.Session).create({ login: "a", password: "b" })
  const users = yield* Users.Users
  yield* users.getV2({ login: "a" })
  yield* users.update({ full_name: "x" })
  const storage = yield* Storage.Storage
  const blob = yield* storage.createAndUpload({ name: "a", file, type: "text/plain" })
  return yield* storage.privateUrl(blob.uid)
}))`

const entries: Record<string, string> = {
  official: `
import ConnectyCube from "connectycube"
ConnectyCube.init({ appId: 1, authKey: "k" }, { endpoints: { api_url: "http://127.0.0.1:1" } })
export const go = async (file) => {
  await ConnectyCube.createSession({ login: "a", password: "b" })
  await ConnectyCube.users.getV2({ login: "a" })
  await ConnectyCube.users.update({ full_name: "x" })
  const blob = await ConnectyCube.storage.createAndUpload({ name: "a", file, type: "text/plain", size: 1 })
  return ConnectyCube.storage.privateUrl(blob.uid)
}`,
  floor: `
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
const Session = Schema.Struct({ session: Schema.Struct({ id: Schema.Number, token: Schema.String }) })
const runtime = ManagedRuntime.make(FetchHttpClient.layer)
export const go = () => runtime.runPromise(
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    Effect.flatMap(client.post("http://127.0.0.1:1/session.json"), HttpClientResponse.schemaBodyJson(Session))))`,
  effectFull: `
import { Cube, Session } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { Storage } from "@connectycube-effect/storage"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
${fullProgram}`,
  // The same program written with the package indexes (import { Effect } from "effect"), as many examples are:
  // esbuild keeps a whole module for each namespace taken from an index.
  effectFullIndex: `
import { Cube, Session } from "@connectycube-effect/http"
import { Users } from "@connectycube-effect/users"
import { Storage } from "@connectycube-effect/storage"
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient } from "effect/http"
${fullProgram}`,
  effectSignIn: `
import { Cube, Session } from "@connectycube-effect/http"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
const runtime = ManagedRuntime.make(Cube.layer({ appId: 1, authKey: "k" }).pipe(Layer.provide(FetchHttpClient.layer)))
export const go = () => runtime.runPromise(Effect.flatMap(Session.Session, (s) => s.create({ login: "a", password: "b" })))`,
  promise: `
import ConnectyCube from "@connectycube-effect/promise"
ConnectyCube.init({ appId: 1, authKey: "k" }, { endpoints: { api_url: "http://127.0.0.1:1" } })
export const go = async (file) => {
  await ConnectyCube.createSession({ login: "a", password: "b" })
  await ConnectyCube.users.getV2({ login: "a" })
  await ConnectyCube.users.update({ full_name: "x" })
  const blob = await ConnectyCube.storage.createAndUpload({ name: "a", file, type: "text/plain", size: 1 })
  return ConnectyCube.storage.privateUrl(blob.uid)
}`
}

export const bundle = async (dir: string, name: string, source: string) => {
  const entry = Path.join(ROOT, "test", `.bundle-${name}.ts`)
  Fs.writeFileSync(entry, source)
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      treeShaking: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
      outfile: Path.join(dir, `${name}.js`)
    })
    const code = result.outputFiles[0]!.contents
    return { code: Buffer.from(code).toString(), min: code.length, gz: Zlib.gzipSync(code, { level: 9 }).length }
  } finally {
    Fs.rmSync(entry, { force: true })
  }
}

export const run = async (): Promise<Array<Row>> => {
  const dir = tmpDir("size")
  const out: Record<string, { code: string; min: number; gz: number }> = {}
  for (const [name, source] of Object.entries(entries)) out[name] = await bundle(dir, name, source)
  const floor = out.floor!.gz
  const official = out.official!.gz
  // Storage-only strings: their presence in the sign-in bundle would mean storage code was pulled in.
  const storageMarkers = ["blob_object_access", "success_action_status", "Storage.createAndUpload"]
  const leaked = storageMarkers.filter((m) => out.effectSignIn!.code.includes(m))
  const row = (figure: string, name: string, goal: string): Row => ({
    figure,
    value: `${kb(out[name]!.gz)} gz (${kb(out[name]!.min)} min)`,
    baseline: `floor ${kb(floor)}; official ${kb(official)}`,
    ratio: `+${kb(out[name]!.gz - floor)} over floor`,
    goal
  })
  return [
    row("bundle: official connectycube 6.1.2 (same calls)", "official", "baseline (60.7 KB measured before)"),
    row("bundle: effect + effect/http floor", "floor", "baseline (v3 with @effect/platform: 79.8 KB)"),
    row("bundle: Effect API, auth + users + storage", "effectFull", `≤ official (${kb(official)}); v3: 97.5 KB`),
    row("bundle: promise adapter, auth + users + storage", "promise", `≤ official (${kb(official)}); v3: 99.3 KB`),
    row(
      "bundle: Effect API, the same with imports from the effect and effect/http indexes",
      "effectFullIndex",
      `report: +${kb(out.effectFullIndex!.gz - out.effectFull!.gz)} for the index imports (esbuild)`
    ),
    {
      ...row("bundle: Effect API, sign-in only", "effectSignIn", "no storage code"),
      goal: leaked.length === 0 ? "no storage code: none found" : `storage code found: ${leaked.join(", ")}`
    }
  ]
}
