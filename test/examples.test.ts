/**
 * The runnable examples in docs/examples, run as a reader runs them (`node --import tsx <file>`, a child
 * process each, bounded by a timeout): the tour `pnpm demo` runs and the promise adapter in Node.
 */
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** Runs an example to its end; resolves to its exit code and output. */
const runExample = (file: string, timeoutMs = 60_000) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
    const env = { ...process.env }
    // the examples pick the real API when these are set; the test always runs them against the emulator
    delete env.CONNECTYCUBE_APP_ID
    delete env.CONNECTYCUBE_AUTH_KEY
    execFile(process.execPath, ["--import", "tsx", file], { cwd: root, env, timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr }))
  })

describe("docs/examples", () => {
  it("tour.ts (pnpm demo) walks the seed's guide against the in-process emulator", async () => {
    const { code, stderr, stdout } = await runExample("docs/examples/tour.ts")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Emulator listening on http:\/\/127\.0\.0\.1:\d+/m)
    expect(stdout).toContain("▸ Sign up a user (the guide's profile)")
    expect(stdout).toMatch(/logged in as: Marvin Simon \(#\d+\)/)
    expect(stdout).toContain("full_name: Mar Sim")
    expect(stdout).toMatch(/private URL: http:\/\/127\.0\.0\.1:\d+\/blobs\/\w+\?token=<redacted>/)
    expect(stdout).toContain("the SDK re-created the session once")
    expect(stdout).toContain("mail: Reset password instructions")
    expect(stdout).toContain("done: user deleted, session destroyed")
    expect(stdout.trimEnd().endsWith("Tour complete.")).toBe(true)
  }, 90_000)

  it("promise-node.ts runs the official SDK's calls through the promise adapter", async () => {
    const { code, stderr, stdout } = await runExample("docs/examples/promise-node.ts")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(stdout).toMatch(/signed up: #\d+ marvin\w+ tags=iphone,apple/)
    expect(stdout).toContain(`second signup refused: code=422 {"errors":{"login":["has already been taken"]}}`)
    expect(stdout).toContain("updated: Mar Sim")
    expect(stdout).toContain("avatar: public=false 8 bytes back from privateUrl")
    expect(stdout).toContain("V1 by login: true")
    expect(stdout).toContain("after expiry: 1 match, session re-created automatically")
    expect(stdout).toContain("reset mail: Reset password instructions")
    expect(stdout.trimEnd().endsWith("promise example complete")).toBe(true)
  }, 90_000)
})
