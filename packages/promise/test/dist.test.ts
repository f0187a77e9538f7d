/**
 * The built package as a consumer sees it: `require()` and `import` of the dist, through the published
 * manifests (`publishConfig` applied, as `pnpm pack` does). Runs only when the dists exist:
 * `pnpm --filter @connectycube-effect/promise check:dist` builds them and runs this file.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const workspace = ["core", "http", "users", "storage", "promise"]
const built = workspace.every((name) => fs.existsSync(path.join(root, "packages", name, "dist", "index.cjs")))

/** A node_modules with the published form of each workspace package and links to the real peers. */
const install = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cube-promise-dist-"))
  const modules = path.join(dir, "node_modules")
  for (const name of workspace) {
    const source = path.join(root, "packages", name)
    const manifest = JSON.parse(fs.readFileSync(path.join(source, "package.json"), "utf8"))
    const { access: _access, ...overrides } = manifest.publishConfig ?? {}
    const published = { ...manifest, ...overrides }
    delete published.publishConfig
    const target = path.join(modules, "@connectycube-effect", name)
    fs.mkdirSync(target, { recursive: true })
    fs.writeFileSync(path.join(target, "package.json"), JSON.stringify(published, null, 2))
    fs.cpSync(path.join(source, "dist"), path.join(target, "dist"), { recursive: true })
  }
  const from = path.join(root, "packages", "promise", "node_modules")
  for (const peer of ["effect", "@effect/platform-node"]) {
    fs.mkdirSync(path.dirname(path.join(modules, peer)), { recursive: true })
    fs.symlinkSync(fs.realpathSync(path.join(from, peer)), path.join(modules, peer), "dir")
  }
  return dir
}

const probe = `
  const out = {
    init: typeof ConnectyCube.init,
    defaultInit: typeof ConnectyCube.default?.init,
    sameInit: ConnectyCube.default?.init === ConnectyCube.init,
    createSession: typeof ConnectyCube.createSession,
    storage: typeof ConnectyCube.storage?.createAndUpload,
    createClient: typeof ConnectyCube.createClient,
    sameErrorClass: ConnectyCube.SessionExpired === core.Errors.SessionExpired
  }
  ConnectyCube.init({ appId: 1, authKey: "key" }, { endpoints: { api_url: "http://127.0.0.1:1" } })
  ConnectyCube.createSession().then(
    () => { out.error = "resolved?" },
    (e) => { out.error = { tag: e._tag, code: e.code, info: e.info, instance: e instanceof core.Errors.TransportError } }
  ).then(() => ConnectyCube.dispose()).then(() => console.log(JSON.stringify(out)))
`

const expected = {
  init: "function",
  defaultInit: "function",
  sameInit: true,
  createSession: "function",
  storage: "function",
  createClient: "function",
  sameErrorClass: true,
  // node:http (the node condition of #transport) names the errno; the global fetch would say "fetch failed".
  error: { tag: "TransportError", code: "ECONNREFUSED", info: " ", instance: true }
}

describe.skipIf(!built)("the built package", () => {
  const dir = built ? install() : ""
  afterAll(() => {
    if (dir !== "") fs.rmSync(dir, { recursive: true, force: true })
  })
  const node = (file: string, source: string) => {
    fs.writeFileSync(path.join(dir, file), source)
    return JSON.parse(execFileSync(process.execPath, [path.join(dir, file)], { cwd: dir, encoding: "utf8" }))
  }

  it("require() gives the client itself: init directly, and .default", () => {
    const result = node(
      "probe.cjs",
      `const ConnectyCube = require("@connectycube-effect/promise")
       const core = require("@connectycube-effect/core")
       ${probe}`
    )
    expect(result).toEqual(expected)
  })

  it("import gives the client as the default export, and the methods as named exports", () => {
    const result = node(
      "probe.mjs",
      `import * as ConnectyCube from "@connectycube-effect/promise"
       import Default, { init } from "@connectycube-effect/promise"
       import * as core from "@connectycube-effect/core"
       if (Default.init !== init) throw new Error("named init is not the default client's")
       ${probe}`
    )
    expect(result).toEqual(expected)
  })
})
