#!/usr/bin/env node
/**
 * `pnpm pack:check`: what npm users would install, checked before it is published.
 *
 * 1. `pnpm build` (tsup: ESM + CJS + .d.ts/.d.cts for every package); `--no-build` reuses the dists.
 * 2. `pnpm pack` each package (publishConfig applied, as on publish) into a temp dir, and unpack it.
 * 3. `publint` on each unpacked package (errors fail; warnings and suggestions are printed).
 * 4. `attw --pack` on each (`node16` profile: ESM and CJS types must both resolve) for `.` and every
 *    top-level module subpath (`./Errors`, `./Session`, …).
 * 5. The published forms installed side by side in a temp `node_modules` (third-party dependencies linked
 *    from the workspace): every package is `require()`d and `import()`ed, and the emulator's `bin` is run
 *    (`--port 0`) until it prints `listening on …` and answers `GET /__emulator/clock`, then stopped.
 *
 * Exits 1 listing every failure.
 */
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { pnpm, run } from "./lib.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = (name) => Path.join(root, "node_modules", ".bin", name)
const SCOPE = "@connectycube-effect/"
const packages = Fs.readdirSync(Path.join(root, "packages")).filter((name) =>
  Fs.existsSync(Path.join(root, "packages", name, "package.json"))
)
const failures = []
const fail = (message) => {
  failures.push(message)
  console.error(`✗ ${message}`)
}

// 1. build
if (!process.argv.includes("--no-build")) {
  console.log("▸ pnpm build")
  pnpm(["build"], root)
}

// 2. pack and unpack
const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cube-pack-check-"))
const unpacked = {}
for (const name of packages) {
  const dir = Path.join(root, "packages", name)
  const tarballs = Path.join(tmp, "tarballs", name)
  Fs.mkdirSync(tarballs, { recursive: true })
  pnpm(["pack", "--pack-destination", tarballs], dir)
  const tarball = Fs.readdirSync(tarballs).find((f) => f.endsWith(".tgz"))
  const out = Path.join(tmp, "unpacked", name)
  Fs.mkdirSync(out, { recursive: true })
  execFileSync("tar", ["-xzf", Path.join(tarballs, tarball), "-C", out])
  unpacked[name] = Path.join(out, "package")
  const manifest = JSON.parse(Fs.readFileSync(Path.join(unpacked[name], "package.json"), "utf8"))
  const files = execFileSync("tar", ["-tzf", Path.join(tarballs, tarball)], { encoding: "utf8" }).split("\n").filter(Boolean)
  console.log(`▸ ${manifest.name}@${manifest.version}: ${tarball}, ${files.length} files, ${(Fs.statSync(Path.join(tarballs, tarball)).size / 1024).toFixed(0)} KB`)
  if (JSON.stringify(manifest.exports ?? {}).includes("./src/")) fail(`${manifest.name}: published exports point at src/`)
  if (JSON.stringify(manifest.dependencies ?? {}).includes("workspace:")) fail(`${manifest.name}: a workspace: range was published`)
}

// 3. publint
for (const name of packages) {
  const result = run(bin("publint"), ["run", unpacked[name], "--pack", "false"])
  const report = result.output.split("\n").filter((l) => l.trim() !== "" && !/^(Running publint|Linting)/.test(l))
  console.log(`▸ publint ${name}: ${result.ok ? "ok" : "FAILED"}${report.length > 0 ? `\n    ${report.join("\n    ")}` : ""}`)
  if (!result.ok) fail(`publint ${name}`)
}

// 4. attw: the root and every top-level module (src/*.ts is what tsup builds)
for (const name of packages) {
  const modules = Fs.readdirSync(Path.join(root, "packages", name, "src"))
    .filter((f) => f.endsWith(".ts") && f !== "index.ts" && f !== "bin.ts")
    .map((f) => `./${f.slice(0, -3)}`)
  const result = run(bin("attw"), [
    "--pack", unpacked[name], "--profile", "node16", "--format", "table-flipped", "--no-emoji", "--no-color",
    "--entrypoints", ".", ...modules
  ])
  const problems = result.output.split("\n").filter((l) => /problem|error|fail|❌|Resolution failed|Masquerad|Internal/i.test(l))
  console.log(`▸ attw ${name} (. and ${modules.length} subpaths, ESM + CJS): ${result.ok ? "ok" : "FAILED"}`)
  if (!result.ok) {
    console.log(result.output)
    fail(`attw ${name}: ${problems.slice(0, 5).join(" | ")}`)
  }
}

// 5. the published forms, installed side by side
const modules = Path.join(tmp, "install", "node_modules")
const linked = new Set()
for (const name of packages) {
  const manifest = JSON.parse(Fs.readFileSync(Path.join(unpacked[name], "package.json"), "utf8"))
  const target = Path.join(modules, manifest.name)
  Fs.mkdirSync(Path.dirname(target), { recursive: true })
  Fs.cpSync(unpacked[name], target, { recursive: true })
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (dep.startsWith(SCOPE) || linked.has(dep)) continue
    const source = Path.join(root, "packages", name, "node_modules", dep)
    if (!Fs.existsSync(source)) continue // an optional peer the workspace does not install
    Fs.mkdirSync(Path.dirname(Path.join(modules, dep)), { recursive: true })
    Fs.symlinkSync(Fs.realpathSync(source), Path.join(modules, dep), "dir")
    linked.add(dep)
  }
}
const cwd = Path.join(tmp, "install")
for (const name of packages) {
  const id = `${SCOPE}${name}`
  // From files, as users load them: `node -e` defines a global `__filename` ("[eval]") that ES modules then see.
  const cjsFile = Path.join(cwd, `check-${name}.cjs`)
  const esmFile = Path.join(cwd, `check-${name}.mjs`)
  Fs.writeFileSync(cjsFile, `const m = require(${JSON.stringify(id)}); if (Object.keys(m).length === 0) throw new Error("no exports")\n`)
  Fs.writeFileSync(esmFile, `const m = await import(${JSON.stringify(id)}); if (Object.keys(m).length === 0) throw new Error("no exports")\n`)
  const cjs = run(process.execPath, [cjsFile], { cwd })
  const esm = run(process.execPath, [esmFile], { cwd })
  console.log(`▸ require/import ${id}: ${cjs.ok && esm.ok ? "ok" : "FAILED"}`)
  if (!cjs.ok) fail(`require(${id}): ${cjs.output.split("\n").find((l) => /Error/.test(l)) ?? cjs.output}`)
  if (!esm.ok) fail(`import(${id}): ${esm.output.split("\n").find((l) => /Error/.test(l)) ?? esm.output}`)
}

/** Runs a bin until it prints `listening on <url>`, checks the url answers, then stops it with SIGTERM. */
const smokeBin = (name, file) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [file, "--port", "0"], { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const done = (problem) => {
      clearTimeout(timer)
      if (problem !== undefined) fail(`bin ${name}: ${problem}\n${output}`)
      child.kill("SIGTERM")
      resolve()
    }
    const timer = setTimeout(() => done("printed no `listening on` line in 30 s"), 30_000)
    child.stderr.on("data", (chunk) => (output += chunk))
    child.stdout.on("data", async (chunk) => {
      output += chunk
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1]
      if (url === undefined) return
      try {
        const response = await fetch(`${url}/__emulator/clock`)
        console.log(`▸ bin ${name}: ${url} answered ${response.status}`)
        done(response.ok ? undefined : `GET /__emulator/clock answered ${response.status}`)
      } catch (error) {
        done(`GET /__emulator/clock failed: ${error}`)
      }
    })
    child.on("exit", (code, signal) => {
      if (signal === null && code !== 0) done(`exited with ${code}`)
    })
  })

for (const name of packages) {
  const manifest = JSON.parse(Fs.readFileSync(Path.join(unpacked[name], "package.json"), "utf8"))
  const bins = typeof manifest.bin === "string" ? { [manifest.name]: manifest.bin } : manifest.bin ?? {}
  for (const [command, relative] of Object.entries(bins)) {
    const file = Path.join(modules, manifest.name, relative)
    if (!Fs.existsSync(file)) {
      fail(`bin ${command}: ${relative} is not in the tarball`)
      continue
    }
    if (!Fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env node")) fail(`bin ${command}: no #!/usr/bin/env node line`)
    if ((Fs.statSync(file).mode & 0o111) === 0) fail(`bin ${command}: not executable`)
    await smokeBin(command, file)
  }
}

Fs.rmSync(tmp, { recursive: true, force: true })
if (failures.length > 0) {
  console.error(`\npack:check: ${failures.length} problem(s)`)
  process.exit(1)
}
console.log("\npack:check: every package packs cleanly")
