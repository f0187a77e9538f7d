/** Faults: the pending rules; add one (method, path or regex, times, status, body, Retry-After, delay, drop); remove. */
import type { Fault } from "../api.js"
import { del, get, post } from "../api.js"
import { button, confirmButton, field, fill, h, row, select, table } from "../dom.js"
import type { Mount } from "../view.js"
import { attempt, errorText, failed, heading, loading, notify } from "../view.js"

const METHODS = ["", "GET", "POST", "PUT", "DELETE"] as const

const effectOf = (f: Fault): string => {
  const parts: Array<string> = []
  if (f.drop === true) parts.push("drop the connection")
  if (f.delayMs !== undefined && f.delayMs > 0) parts.push(`wait ${f.delayMs} ms`)
  if (f.status !== undefined) parts.push(`answer ${f.status}`)
  if (f.retryAfter !== undefined) parts.push(`Retry-After ${f.retryAfter} s`)
  if (f.body !== undefined) parts.push(`body ${typeof f.body === "string" ? f.body : JSON.stringify(f.body)}`)
  return parts.length === 0 ? "–" : parts.join(", ")
}

/** A number input's value, or undefined when empty. */
const numberOf = (input: HTMLInputElement): number | undefined => (input.value.trim() === "" ? undefined : Number(input.value))

export const faults: Mount = (root) => {
  const list = h("div", null, loading())
  let alive = true

  const load = async () => {
    try {
      const answer = await get<{ faults: ReadonlyArray<Fault> }>("faults")
      if (!alive) return
      fill(
        list,
        table(
          "Pending faults",
          ["Id", "Method", "Path", "Left", "Effect", ""],
          answer.faults.map((f) => {
            const tr = row(
              String(f.id),
              f.method ?? "any",
              f.path === undefined ? "any" : [h("code", null, f.path), f.regex === true ? h("span", { class: "badge" }, "regex") : null],
              `${f.remaining} of ${f.times ?? 1}`,
              effectOf(f),
              button("Remove", () =>
                attempt("Remove", async () => {
                  await del(`faults/${f.id}`)
                  notify(`Fault ${f.id} removed`)
                  await load()
                }), { class: "danger", "aria-label": `Remove fault ${f.id}` })
            )
            tr.dataset.faultId = String(f.id)
            return tr
          }),
          "No pending fault: every request is answered normally."
        )
      )
    } catch (error) {
      if (alive) fill(list, failed(error))
    }
  }

  // -- the form -------------------------------------------------------------------------------------
  const method = select(METHODS.map((m) => [m, m === "" ? "Any" : m]))
  method.name = "method"
  const path = h("input", { type: "text", name: "path", placeholder: "/users", autocomplete: "off" })
  const regex = h("input", { type: "checkbox", name: "regex" })
  const times = h("input", { type: "number", name: "times", min: 1, step: 1, value: "1" })
  const status = h("input", { type: "number", name: "status", min: 100, max: 599, step: 1, placeholder: "503" })
  const body = h("textarea", { name: "body", rows: 3, spellcheck: "false", placeholder: "{\"errors\":[\"Service unavailable\"]}" })
  const retryAfter = h("input", { type: "number", name: "retryAfter", min: 0, step: 1 })
  const delayMs = h("input", { type: "number", name: "delayMs", min: 0, max: 60000, step: 1 })
  const drop = h("input", { type: "checkbox", name: "drop" })
  const error = h("p", { class: "error", role: "alert", hidden: true, tabindex: -1 })

  const form = h(
    "form",
    {
      class: "fault-form",
      novalidate: true,
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault()
        const input: Record<string, unknown> = {}
        if (method.value !== "") input.method = method.value
        if (path.value.trim() !== "") input.path = path.value.trim()
        if (regex.checked) input.regex = true
        const n = numberOf(times)
        if (n !== undefined) input.times = n
        const s = numberOf(status)
        if (s !== undefined) input.status = s
        if (body.value.trim() !== "") {
          // JSON when it parses, the text as typed otherwise
          try {
            input.body = JSON.parse(body.value)
          } catch {
            input.body = body.value
          }
        }
        const r = numberOf(retryAfter)
        if (r !== undefined) input.retryAfter = r
        const d = numberOf(delayMs)
        if (d !== undefined) input.delayMs = d
        if (drop.checked) input.drop = true
        error.hidden = true
        void (async () => {
          try {
            const answer = await post<{ fault: Fault }>("faults", input)
            notify(`Fault ${answer.fault.id} added`)
            await load()
          } catch (e) {
            error.textContent = errorText(e)
            error.hidden = false
            error.focus()
          }
        })()
      }
    },
    h(
      "fieldset",
      null,
      h("legend", null, "Which requests"),
      field("Method", method),
      field("Path", path, "A prefix such as /users, or a regular expression"),
      field("Path is a regular expression", regex),
      field("Times", times, "How many matching requests it applies to")
    ),
    h(
      "fieldset",
      null,
      h("legend", null, "What happens"),
      field("Status", status, "100–599; empty: the normal answer"),
      field("Body", body, "JSON or text; empty: a default error body"),
      field("Retry-After (seconds)", retryAfter),
      field("Delay (ms)", delayMs, "Up to 60 000"),
      field("Drop the connection", drop)
    ),
    error,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Add fault"))
  )

  root.append(
    heading(
      "Faults",
      confirmButton("Remove all", "Really remove all?", () =>
        attempt("Remove all", async () => {
          await del("faults")
          notify("All faults removed")
          await load()
        }))
    ),
    h("section", { "aria-labelledby": "pending-h" }, h("h2", { id: "pending-h" }, "Pending"), list),
    h("section", { "aria-labelledby": "add-h" }, h("h2", { id: "add-h" }, "Add a fault"), form)
  )
  void load()
  return { destroy: () => void (alive = false) }
}
