/** What a view is to the router, and the helpers every view shares. */
import { ApiError } from "./api.js"
import { h } from "./dom.js"

export interface Route {
  /** `users` in `#/users/12?search=x` */
  readonly name: string
  /** `["12"]` in `#/users/12?search=x` */
  readonly rest: ReadonlyArray<string>
  readonly params: URLSearchParams
}

export interface View {
  /** The same view, another route (`#/users` → `#/users/12`): update in place, keep the focus. */
  readonly update?: (route: Route) => void
  readonly destroy?: () => void
}

export type Mount = (root: HTMLElement, route: Route) => View

export const parseRoute = (hash: string): Route => {
  const raw = hash.replace(/^#\/?/, "")
  const q = raw.indexOf("?")
  const path = q === -1 ? raw : raw.slice(0, q)
  const [name = "", ...rest] = path.split("/").filter((s) => s !== "").map((s) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  })
  return { name, rest, params: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)) }
}

export const href = (name: string, rest: ReadonlyArray<string | number> = [], params?: URLSearchParams): string => {
  const query = params?.toString() ?? ""
  return `#/${[name, ...rest.map((s) => encodeURIComponent(String(s)))].join("/")}${query === "" ? "" : `?${query}`}`
}

/** Updates the address without a navigation (typing in a search field must not re-render the view). */
export const replaceHash = (hash: string): void => {
  if (location.hash !== hash) history.replaceState(null, "", hash)
}

let fade: ReturnType<typeof setTimeout> | undefined

/** Says something in the live region (read out by screen readers); a success fades after a few seconds. */
export const notify = (message: string, kind: "ok" | "error" = "ok"): void => {
  const el = document.getElementById("status")
  if (el === null) return
  clearTimeout(fade)
  el.className = `toast ${kind}`
  el.setAttribute("role", kind === "error" ? "alert" : "status")
  el.textContent = message
  if (kind === "ok" && message !== "") fade = setTimeout(() => (el.textContent = ""), 6000)
}

export const errorText = (error: unknown): string =>
  error instanceof ApiError ? `${error.message} (HTTP ${error.status})` : error instanceof Error ? error.message : String(error)

/** Runs an action; a failure is said in the live region instead of being lost. */
export const attempt = async (what: string, action: () => Promise<unknown>): Promise<boolean> => {
  try {
    await action()
    return true
  } catch (error) {
    notify(`${what} failed: ${errorText(error)}`, "error")
    return false
  }
}

/** The heading every view starts with; the router focuses it after a navigation. */
export const heading = (text: string, ...extra: ReadonlyArray<Node>): HTMLElement =>
  h("div", { class: "view-head" }, h("h1", { tabindex: -1 }, text), extra)

/** A section's loading / error placeholder. */
export const loading = (): HTMLElement => h("p", { class: "muted", "aria-busy": "true" }, "Loading…")
export const failed = (error: unknown): HTMLElement => h("p", { class: "error", role: "alert" }, `Could not load: ${errorText(error)}`)
