/** Helpers shared by the release checks (pack-check.mjs, consumer-check.mjs). */
import { execFileSync } from "node:child_process"

/** pnpm: the one running this script (`pnpm pack:check`), else pnpm 10 through npx. */
export const pnpm = (args, cwd) => {
  const execPath = process.env.npm_execpath
  const [command, prefix] = execPath !== undefined && /pnpm/.test(execPath)
    ? [process.execPath, [execPath]]
    : ["npx", ["-y", "pnpm@10"]]
  return execFileSync(command, [...prefix, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
}

/** Runs a command without color, and answers its output instead of throwing. */
export const run = (command, args, options = {}) => {
  try {
    const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env }
    return { ok: true, output: execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options, env }) }
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` || String(error) }
  }
}
