/**
 * Requests: the API request log, newest first, filtered by method, path and status, refreshed live by
 * polling `?after=<seq>` at most once a second (and not at all while the tab is hidden).
 */
import type { RequestEntry } from "../api.js"
import { del, get } from "../api.js"
import { button, field, fill, h, select } from "../dom.js"
import { dateTime, plural } from "../format.js"
import type { Mount } from "../view.js"
import { attempt, errorText, heading, href, notify, replaceHash } from "../view.js"

const POLL_MS = 1000
/** The most entries kept and shown (the emulator keeps 10 000). */
const KEEP = 1000
const METHODS = ["", "GET", "POST", "PUT", "DELETE"] as const

/** `4xx`, `404`, `>=500`, `200-299`: what the status filter accepts. */
export const statusMatcher = (text: string): ((status: number) => boolean) | undefined => {
  const t = text.trim().toLowerCase()
  if (t === "") return () => true
  let m = /^([1-5])xx$/.exec(t)
  if (m !== null) return (s) => Math.floor(s / 100) === Number(m![1])
  m = /^(\d{3})$/.exec(t)
  if (m !== null) return (s) => s === Number(m![1])
  m = /^(\d{3})\s*-\s*(\d{3})$/.exec(t)
  if (m !== null) return (s) => s >= Number(m![1]) && s <= Number(m![2])
  m = /^(>=|<=|>|<)\s*(\d{3})$/.exec(t)
  if (m !== null) {
    const n = Number(m[2])
    const op = m[1]
    return (s) => op === ">=" ? s >= n : op === "<=" ? s <= n : op === ">" ? s > n : s < n
  }
  return undefined
}

const statusClass = (s: number) => s >= 500 ? "s5" : s >= 400 ? "s4" : s >= 300 ? "s3" : "s2"

export const requests: Mount = (root, route) => {
  const method = select(METHODS.map((m) => [m, m === "" ? "Any" : m]), route.params.get("method") ?? "")
  const path = h("input", { type: "search", name: "path", value: route.params.get("path") ?? "", autocomplete: "off" })
  const status = h("input", { type: "text", name: "status", value: route.params.get("status") ?? "", autocomplete: "off", size: 8 })
  const live = h("input", { type: "checkbox", name: "live", checked: true })
  const summary = h("p", { class: "muted", "aria-live": "off" })
  const tbody = h("tbody")
  const wrap = h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": "Request log" },
    h(
      "table",
      { class: "requests" },
      h("caption", { class: "sr-only" }, "Request log, newest first"),
      h("thead", null, h("tr", null, ["#", "Time (UTC)", "Method", "Path", "Status", "ms", "Fault"].map((c) => h("th", { scope: "col" }, c)))),
      tbody
    )
  )
  const problem = h("p", { class: "error", role: "alert", hidden: true })

  let entries: Array<RequestEntry> = [] // newest first
  let lastSeq = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let alive = true

  const render = () => {
    const match = statusMatcher(status.value)
    status.setAttribute("aria-invalid", String(match === undefined))
    const m = method.value
    const p = path.value.trim().toLowerCase()
    const shown = entries.filter((e) =>
      (m === "" || e.method === m) && (p === "" || e.path.toLowerCase().includes(p)) && (match === undefined || match(e.status))
    )
    summary.textContent = `${plural(shown.length, "request")} shown of ${entries.length}${live.checked ? ", live" : ", paused"}`
    fill(
      tbody,
      shown.length === 0 ?
        h("tr", null, h("td", { colspan: 7, class: "empty" }, entries.length === 0 ? "No API request yet." : "No request matches.")) :
        shown.map((e) =>
          h(
            "tr",
            { "data-seq": e.seq },
            h("td", null, String(e.seq)),
            h("td", null, dateTime(e.time).slice(11)),
            h("td", null, h("span", { class: `method m-${e.method.toLowerCase()}` }, e.method)),
            h("td", { class: "path" }, e.path, e.query === "" ? null : h("span", { class: "muted" }, `?${e.query}`)),
            h("td", null, h("span", { class: `http-status ${statusClass(e.status)}` }, String(e.status))),
            h("td", { class: "num" }, e.durationMs.toFixed(e.durationMs < 10 ? 1 : 0)),
            h("td", null, e.fault === undefined ? null : h("span", { class: "badge warn" }, e.fault))
          )
        )
    )
  }

  const poll = async () => {
    timer = undefined
    if (!alive) return
    if (live.checked && document.visibilityState === "visible") {
      try {
        const answer = await get<{ requests: ReadonlyArray<RequestEntry> }>(`requests${lastSeq > 0 ? `?after=${lastSeq}` : ""}`)
        if (!alive) return
        problem.hidden = true
        // an emulator without `after` answers the whole log: keep only what is new
        const fresh = answer.requests.filter((e) => e.seq > lastSeq)
        if (fresh.length > 0) {
          lastSeq = fresh[fresh.length - 1]!.seq
          entries = [...fresh.reverse(), ...entries].slice(0, KEEP)
          render()
        } else if (entries.length === 0) {
          render()
        }
      } catch (error) {
        if (!alive) return
        problem.textContent = `Could not read the log: ${errorText(error)}`
        problem.hidden = false
      }
    }
    if (alive) timer = setTimeout(() => void poll(), POLL_MS)
  }

  const syncHash = () => {
    const params = new URLSearchParams()
    if (method.value !== "") params.set("method", method.value)
    if (path.value.trim() !== "") params.set("path", path.value.trim())
    if (status.value.trim() !== "") params.set("status", status.value.trim())
    replaceHash(href("requests", [], params))
  }
  for (const control of [method, path, status]) {
    control.addEventListener("input", () => {
      syncHash()
      render()
    })
  }
  live.addEventListener("change", () => {
    render()
    if (live.checked && timer === undefined) void poll()
  })

  root.append(
    heading(
      "Requests",
      button("Clear log", () =>
        attempt("Clear", async () => {
          await del("requests")
          entries = []
          render()
          notify("Request log cleared")
        }))
    ),
    h(
      "form",
      { role: "search", class: "filters", onsubmit: (e: SubmitEvent) => e.preventDefault() },
      field("Method", method),
      field("Path contains", path),
      field("Status", status, "404, 4xx, >=500, 200-299"),
      field("Live", live)
    ),
    problem,
    summary,
    wrap
  )
  void poll()
  return {
    destroy: () => {
      alive = false
      clearTimeout(timer)
    }
  }
}
