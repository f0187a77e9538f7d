#!/usr/bin/env node
/**
 * `node scripts/consumer-check.mjs`: the packages as a user gets them, used as the docs say.
 *
 * 1. `pnpm build` (`--no-build` reuses the dists), then `pnpm pack` every package (publishConfig applied).
 * 2. A fresh npm project outside the workspace (a temp dir, `type: module`): `npm install` of the tarballs,
 *    plus effect, @effect/platform-node, typescript and @types/node from the registry (the workspace's versions).
 * 3. Typecheck (strict TypeScript, `module: nodenext`, `skipLibCheck: false`) of scripts/consumer/types.mts
 *    (ESM resolution) and the same file as types.cts (CommonJS resolution): every service tag in a type
 *    position, the error union in `catchTags`, the promise adapter's types; and of every `ts` block of
 *    README.md, docs/getting-started.md and docs/guides/*.md, each as its own module (./samples/).
 * 4. Runs types.mts with `import` and types.cts with `require` (Node strips the types), then every sample
 *    against the installed emulator's CLI (started with the seed file from getting-started's ```json seed```
 *    block; reset and re-seeded before each sample). A sample runs as written, plus what the docs say is
 *    assumed: a `program` is run with Getting started's layer, a promise sample after `ConnectyCube.init(...)`;
 *    a block opened with ```ts session=login:password``` runs signed in as that user; ```ts norun``` blocks are
 *    typechecked only (provider logins that need a real provider). `// → value` comments are checked against
 *    the value (a return, a `const x = …`, an `await …`) or the printed `console.log` line; `<…>` and `…`
 *    match anything. A sample fails on a non-zero exit, on any stderr output, or on a failed claim.
 *
 * Exits 1 listing every failure.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { pnpm, run } from "./lib.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const fixtures = Path.join(root, "scripts", "consumer")
const started = Date.now()
const failures = []
const fail = (message) => {
  failures.push(message)
  console.error(`✗ ${message}`)
}
const step = (message) => console.log(`▸ ${message} (${((Date.now() - started) / 1000).toFixed(0)} s)`)

// pnpm's own setting, which npm (and npx) would warn about as unknown
delete process.env.npm_config_verify_deps_before_run
delete process.env.NPM_CONFIG_VERIFY_DEPS_BEFORE_RUN

const versionOf = (name) => JSON.parse(Fs.readFileSync(Path.join(root, "node_modules", name, "package.json"), "utf8")).version

// 1. build and pack
if (!process.argv.includes("--no-build")) {
  step("pnpm build")
  pnpm(["build"], root)
}
const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-consumer-"))
const packages = Fs.readdirSync(Path.join(root, "packages")).filter((n) => Fs.existsSync(Path.join(root, "packages", n, "package.json")))
const tarballs = []
for (const name of packages) {
  const out = Path.join(tmp, "tarballs")
  Fs.mkdirSync(out, { recursive: true })
  const before = new Set(Fs.readdirSync(out))
  pnpm(["pack", "--pack-destination", out], Path.join(root, "packages", name))
  tarballs.push(...Fs.readdirSync(out).filter((f) => !before.has(f)).map((f) => Path.join(out, f)))
}
step(`packed ${tarballs.length} packages`)

// 2. a fresh npm project
const project = Path.join(tmp, "project")
Fs.mkdirSync(Path.join(project, "samples"), { recursive: true })
Fs.writeFileSync(Path.join(project, "package.json"), JSON.stringify({ name: "cube-consumer", private: true, type: "module" }, null, 2))
const install = run("npm", [
  "install", "--no-audit", "--no-fund", "--loglevel=error", "--no-package-lock",
  ...tarballs,
  `effect@${versionOf("effect")}`,
  `@effect/platform-node@${versionOf("@effect/platform-node")}`,
  `typescript@${versionOf("typescript")}`,
  `@types/node@${versionOf("@types/node")}`
], { cwd: project, env: { npm_config_workspaces: "false" } })
if (!install.ok) {
  console.error(install.output)
  fail("npm install of the tarballs")
  process.exit(1)
}
step("npm install (tarballs + effect, @effect/platform-node, typescript, @types/node)")

// 3. fixtures and samples
const harness = Fs.readFileSync(Path.join(fixtures, "harness.mts"), "utf8")
Fs.writeFileSync(Path.join(project, "harness.mts"), harness)
const types = Fs.readFileSync(Path.join(fixtures, "types.mts"), "utf8")
Fs.writeFileSync(Path.join(project, "types.mts"), types)
Fs.writeFileSync(Path.join(project, "types.cts"), types)
Fs.writeFileSync(Path.join(project, "tsconfig.json"), JSON.stringify({
  compilerOptions: {
    strict: true,
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    lib: ["es2022", "dom", "dom.iterable"],
    types: ["node"],
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: false,
    esModuleInterop: true
  },
  include: ["*.mts", "*.cts", "samples/*.mts"]
}, null, 2))
// types.cts is also compiled (by tsc, to CommonJS `require` calls) and run, as a CommonJS app would
Fs.writeFileSync(Path.join(project, "tsconfig.cjs.json"), JSON.stringify({
  extends: "./tsconfig.json",
  compilerOptions: { noEmit: false, allowImportingTsExtensions: false, outDir: "cjs" },
  include: ["types.cts"]
}, null, 2))

const docs = [
  "README.md",
  "docs/getting-started.md",
  ...Fs.readdirSync(Path.join(root, "docs", "guides")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/guides/${f}`)
]
const FENCE = /```(\w+)([^\n]*)\n([\s\S]*?)```/g
const samples = []
let seed
const seeds = new Map() // ```json seed=<name>```: users a doc's samples look up (its ```ts seed=<name>``` blocks)
for (const doc of docs) {
  const text = Fs.readFileSync(Path.join(root, doc), "utf8")
  for (const block of text.matchAll(FENCE)) {
    const [, lang, info, code] = block
    const line = text.slice(0, block.index).split("\n").length
    if (lang === "json" && /\bseed\b/.test(info)) {
      const named = /\bseed=(\S+)/.exec(info)?.[1]
      if (named === undefined) seed = code
      else seeds.set(`${doc}#${named}`, code)
    }
    if (lang !== "ts" || /\b(nocheck|file=)/.test(info)) continue
    const name = `${doc.replace(/^docs\//, "").replace(/[/.]/g, "-")}-L${line}`
    samples.push({ doc, line, name, info, code })
  }
}
if (seed === undefined) fail("docs/getting-started.md has no ```json seed``` block (the samples' user)")

const CLAIM = /^(\s*)(.*?)\s*\/\/ → (.*)$/
const transform = (sample, url) => {
  let claims = 0
  const body = sample.code.replaceAll("http://127.0.0.1:8090", url).split("\n").map((text, i) => {
    const m = CLAIM.exec(text)
    if (m === null) return text
    const [, indent, code, claimText] = m
    const at = sample.line + 1 + i
    const claim = JSON.stringify(claimText.trim())
    claims++
    let r
    if ((r = /^console\.log\((.*)\)$/.exec(code))) return `${indent}__h.checkLog(${at}, ${claim}, ${r[1]})`
    if ((r = /^return (.*)$/.exec(code))) return `${indent}return __h.check(${at}, ${claim}, ${r[1]})`
    if ((r = /^((?:const|let) .+? = )(.*)$/.exec(code))) return `${indent}${r[1]}__h.check(${at}, ${claim}, ${r[2]})`
    if ((r = /^(await .*)$/.exec(code))) return `${indent}__h.check(${at}, ${claim}, ${r[1]})`
    fail(`${sample.doc}:${at}: a \`// →\` comment on a line the check cannot read: ${text.trim()}`)
    return text
  }).join("\n")
  const promise = /from "@connectycube-effect\/promise"/.test(body) && !/\.init\(/.test(body)
  const runsItself = /\bEffect\.run(Promise|Fork|Sync)\b|\brunMain\b/.test(body)
  const program = /^const program\b/m.test(body) && !runsItself
  const header = [`import * as __h from "../harness.mts"`, `__h.expectChecks(${claims})`, ...(promise ? ["await __h.initPromise()"] : [])]
  sample.header = header.length
  return [...header, body, ...(program ? ["await __h.run(program)"] : [])].join("\n") + "\n"
}

// the emulator: the installed CLI, on a free port, seeded as getting-started says
const seedFile = Path.join(project, "cube-seed.json")
Fs.writeFileSync(seedFile, seed ?? "{\"users\":[]}")
const bin = Path.join(project, "node_modules", ".bin", "connectycube-emulator")
const emulator = spawn(process.execPath, [Fs.realpathSync(bin), "--port", "0", "--seed", seedFile], { cwd: project, stdio: ["ignore", "pipe", "pipe"] })
const url = await new Promise((resolve) => {
  let output = ""
  const timer = setTimeout(() => resolve(undefined), 30_000)
  const on = (chunk) => {
    output += chunk
    const m = /listening on (http:\/\/\S+)/.exec(output)
    if (m !== null) {
      clearTimeout(timer)
      resolve(m[1])
    }
  }
  emulator.stdout.on("data", on)
  emulator.stderr.on("data", on)
  emulator.on("exit", () => resolve(undefined))
})
if (url === undefined) {
  fail("the installed connectycube-emulator did not start")
  process.exit(1)
}
step(`emulator (installed bin) at ${url}`)

// the web UI ships inside the package (no CDN): the page and every asset it links answer from the installed bin
{
  const page = await fetch(`${url}/__emulator/ui/`)
  const html = await page.text()
  const assets = [...html.matchAll(/(?:src|href)="(\/__emulator\/ui\/[^"]+)"/g)].map((m) => m[1])
  if (!page.ok || assets.length === 0) fail(`GET /__emulator/ui/: ${page.status}, ${assets.length} assets linked`)
  for (const asset of assets) {
    const response = await fetch(`${url}${asset}`)
    const size = (await response.arrayBuffer()).byteLength
    if (!response.ok || size === 0) fail(`GET ${asset}: ${response.status}, ${size} bytes`)
  }
  step(`web UI served by the installed bin (${assets.length} assets)`)
}

// the CLI's --version and --help, as a user reads them
const emulatorVersion = JSON.parse(Fs.readFileSync(Path.join(project, "node_modules", "@connectycube-effect", "emulator", "package.json"), "utf8")).version
const version = run(process.execPath, [Fs.realpathSync(bin), "--version"], { cwd: project })
if (!version.ok || !version.output.includes(emulatorVersion)) fail(`connectycube-emulator --version: ${version.output.trim()} (the package is ${emulatorVersion})`)
const help = run(process.execPath, [Fs.realpathSync(bin), "--help"], { cwd: project })
if (!help.ok || /required/i.test(help.output)) fail(`connectycube-emulator --help (no flag is required):\n${help.output}`)

for (const sample of samples) Fs.writeFileSync(Path.join(project, "samples", `${sample.name}.mts`), transform(sample, url))

// 3. typecheck
const tsc = run(process.execPath, [Path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: project })
step(`tsc: types.mts (ESM), types.cts (CJS) and ${samples.length} docs samples: ${tsc.ok ? "ok" : "FAILED"}`)
if (!tsc.ok) {
  // name the docs line for a sample's error: samples/<name>.mts(line,col) → the doc and its line
  const byName = new Map(samples.map((s) => [s.name, s]))
  for (const text of tsc.output.split("\n").filter((l) => /error TS/.test(l))) {
    const m = /^samples\/(.+?)\.mts\((\d+),\d+\)/.exec(text)
    const sample = m && byName.get(m[1])
    fail(sample ? `${sample.doc}:${sample.line + Number(m[2]) - sample.header}: ${text.replace(/^.*?error /, "error ")}` : text)
  }
}

const tscCjs = run(process.execPath, [Path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.cjs.json"], { cwd: project })
if (!tscCjs.ok) fail(`tsc to CommonJS (types.cts):\n${tscCjs.output}`)

// 4. run
const node = (args, env = {}) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: project, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c) => (stdout += c))
    child.stderr.on("data", (c) => (stderr += c))
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? signal, stdout, stderr: stderr.split("\n").filter((l) => !/ExperimentalWarning|--trace-warnings/.test(l)).join("\n").trim() })
    })
  })
for (const [file, how] of [["types.mts", "import"], ["cjs/types.cjs", "require"]]) {
  const result = await node([file])
  if (result.code !== 0 || result.stderr !== "") fail(`${how} of every package (${file}): exit ${result.code}\n${result.stderr}`)
}
step("types.mts (import) and types.cts compiled to CommonJS (require) ran")

const control = async (path, body) => {
  const response = await fetch(`${url}/__emulator/${path}`, { method: "POST", body, headers: { "content-type": "application/json" } })
  if (!response.ok) throw new Error(`POST /__emulator/${path}: ${response.status} ${await response.text()}`)
}
let ran = 0
for (const sample of samples) {
  if (/\bnorun\b/.test(sample.info)) continue
  await control("reset")
  await control("import", seed)
  const extra = /\bseed=(\S+)/.exec(sample.info)?.[1]
  if (extra !== undefined) {
    const data = seeds.get(`${sample.doc}#${extra}`)
    if (data === undefined) fail(`${sample.doc}:${sample.line}: no \`\`\`json seed=${extra}\`\`\` block in the doc`)
    else await control("import", data)
  }
  const session = /\bsession=(\S+)/.exec(sample.info)?.[1] ?? ""
  const result = await node([Path.join("samples", `${sample.name}.mts`)], { CUBE_EMULATOR_URL: url, CUBE_SAMPLE_SESSION: session })
  ran++
  const ok = result.code === 0 && result.stderr === ""
  if (!ok) fail(`${sample.doc}:${sample.line}: exit ${result.code}\n    ${result.stderr.split("\n").slice(0, 12).join("\n    ")}`)
  else if (process.argv.includes("--verbose")) console.log(`  ✓ ${sample.doc}:${sample.line}${result.stdout ? `\n    ${result.stdout.trim().split("\n").join("\n    ")}` : ""}`)
}
step(`ran ${ran} of ${samples.length} docs samples (${samples.length - ran} marked norun)`)

emulator.kill("SIGTERM")
if (process.argv.includes("--keep")) console.log(`project kept in ${project}`)
else Fs.rmSync(tmp, { recursive: true, force: true })
if (failures.length > 0) {
  console.error(`\nconsumer:check: ${failures.length} problem(s)`)
  process.exit(1)
}
console.log(`\nconsumer:check: the installed packages typecheck, load (ESM and CJS) and run every docs sample (${((Date.now() - started) / 1000).toFixed(0)} s)`)
