/**
 * The adapter bundled by esbuild into one file, as a server app ships it, run by Node (no node_modules beside
 * it) against a `node:http` server on 127.0.0.1. The server tells the transports apart by their headers: the global
 * fetch adds `sec-fetch-mode` (and `user-agent: node`); `node:http` writes `Host` capitalised, undici's `request`
 * lowercase.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as Http from "node:http"
import type * as Net from "node:net"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sessionBody } from "./fake.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "../../..")

/** The part of esbuild's API used here (its types are not a dependency of this package). */
interface Esbuild {
  readonly build: (options: {
    readonly stdin: { readonly contents: string; readonly resolveDir: string; readonly loader: "ts" }
    readonly bundle: true
    readonly platform: "node"
    readonly format: "esm" | "cjs"
    readonly target: string
    readonly outfile: string
    readonly banner?: { readonly js: string }
    readonly logLevel: "error"
  }) => Promise<{ readonly errors: ReadonlyArray<unknown> }>
}

/** esbuild, from this package or from the workspace packages that depend on it (test/, docs/). */
const loadEsbuild = async (): Promise<Esbuild> => {
  for (const from of [here, path.join(root, "test"), path.join(root, "docs")]) {
    let resolved: string
    try {
      resolved = createRequire(path.join(from, "package.json")).resolve("esbuild")
    } catch {
      continue
    }
    const mod = await import(pathToFileURL(resolved).href)
    return (mod.build !== undefined ? mod : mod.default) as Esbuild
  }
  throw new Error("esbuild is not installed in the workspace (a devDependency of test/ and docs/)")
}

/**
 * What a server app does: two clients in one process, one call each; prints the tokens the server handed out.
 * `transport` is the `layer` the app passes to createClient, if any (an import line and the expression).
 */
const appWith = (transport?: { readonly imports: string; readonly layer: string }) => `
  import { createClient } from "../src/index.ts"
  ${transport?.imports ?? ""}
  const main = async () => {
    const tokens = []
    for (const appId of [1, 2]) {
      const cube = createClient({
        credentials: { appId, authKey: "key" },
        config: { endpoints: { api_url: process.argv[2] } }${transport !== undefined ? `,\n        layer: ${transport.layer}` : ""}
      })
      tokens.push((await cube.createSession()).token)
      await cube.dispose()
    }
    console.log(JSON.stringify(tokens))
  }
  main()
`

const app = appWith()
const withUndici = appWith({
  imports: `import * as UndiciClient from "@connectycube-effect/http/UndiciClient"`,
  layer: "UndiciClient.layer"
})

const requireBanner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

describe("the adapter bundled into one file by esbuild", () => {
  let server: Http.Server
  let apiUrl = ""
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cube-promise-bundle-"))

  beforeAll(async () => {
    server = Http.createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        const transport = req.headers["sec-fetch-mode"] !== undefined || req.headers["user-agent"] === "node"
          ? "fetch"
          : req.rawHeaders.includes("Host")
          ? "node:http"
          : "undici"
        res.writeHead(201, { "content-type": "application/json" })
        res.end(JSON.stringify(sessionBody(transport)))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    apiUrl = `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    fs.rmSync(dir, { recursive: true, force: true })
  })

  /** Bundles the app, runs it with this Node; answers the tokens (the transport per client) and its stderr. */
  const bundleAndRun = async (
    file: string,
    options: { readonly format: "esm" | "cjs"; readonly banner?: string; readonly app?: string }
  ) => {
    const esbuild = await loadEsbuild()
    const outfile = path.join(dir, file)
    const result = await esbuild.build({
      stdin: { contents: options.app ?? app, resolveDir: here, loader: "ts" },
      bundle: true,
      platform: "node",
      format: options.format,
      target: "node22",
      outfile,
      ...(options.banner !== undefined ? { banner: { js: options.banner } } : {}),
      logLevel: "error"
    })
    expect(result.errors).toEqual([])
    // async: this process serves the requests meanwhile
    const { stderr, stdout } = await promisify(execFile)(process.execPath, [outfile, apiUrl], { cwd: dir, encoding: "utf8" })
    return { transports: JSON.parse(stdout) as Array<string>, stderr }
  }

  it("an ES module answers through node:http, silently, without any banner (nothing in it needs `require`)", async () => {
    const app = await bundleAndRun("plain.mjs", { format: "esm" })
    expect(app).toEqual({ transports: ["node:http", "node:http"], stderr: "" })
  })

  it("a CommonJS bundle answers through node:http", async () => {
    const app = await bundleAndRun("app.cjs", { format: "cjs" })
    expect(app).toEqual({ transports: ["node:http", "node:http"], stderr: "" })
  })

  it("the default bundles no npm undici (it is loaded only by an app that picks UndiciClient)", async () => {
    await bundleAndRun("size.mjs", { format: "esm" })
    const bundle = fs.readFileSync(path.join(dir, "size.mjs"), "utf8")
    expect(bundle).not.toContain("node_modules/undici/")
  })

  it("UndiciClient stays selectable: an ES module with the `require` banner answers through undici", async () => {
    const app = await bundleAndRun("undici.mjs", { format: "esm", banner: requireBanner, app: withUndici })
    expect(app).toEqual({ transports: ["undici", "undici"], stderr: "" })
  })
})
