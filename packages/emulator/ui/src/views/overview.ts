/** Overview: apps (auth key revealed on click), the clock and its controls, counts, export and import. */
import type { Overview } from "../api.js"
import { get, post } from "../api.js"
import * as Clock from "../clock.js"
import { button, confirmButton, field, fill, h, row, table } from "../dom.js"
import { dateTime } from "../format.js"
import type { Mount } from "../view.js"
import { attempt, failed, heading, href, loading, notify } from "../view.js"

const HOUR = 3_600_000

export const overview: Mount = (root) => {
  const apps = h("section", { "aria-labelledby": "apps-h" }, h("h2", { id: "apps-h" }, "Apps"), loading())
  const counts = h("section", { "aria-labelledby": "counts-h" }, h("h2", { id: "counts-h" }, "Data"), loading())
  const clock = h("section", { "aria-labelledby": "clock-h" }, h("h2", { id: "clock-h" }, "Clock"))
  const data = h("section", { "aria-labelledby": "data-h" }, h("h2", { id: "data-h" }, "Export and import"))
  root.append(heading("Overview"), h("div", { class: "cards" }, apps, clock, counts, data))

  let alive = true
  const load = async () => {
    try {
      const view = await get<Overview>("overview")
      if (!alive) return
      Clock.set(view.clock)
      renderApps(view)
      renderCounts(view)
    } catch (error) {
      fill(apps, h("h2", { id: "apps-h" }, "Apps"), failed(error))
    }
  }

  const renderApps = (view: Overview) =>
    fill(
      apps,
      h("h2", { id: "apps-h" }, "Apps"),
      table("Apps", ["App id", "Auth key", ""], view.apps.map((app) => {
        const key = h("code", { class: "secret" }, app.authKey)
        let shown = false
        const reveal = button("Reveal", async () => {
          if (shown) {
            key.textContent = app.authKey
            reveal.textContent = "Reveal"
            reveal.setAttribute("aria-pressed", "false")
            shown = false
            return
          }
          await attempt("Reveal", async () => {
            const full = await get<{ authKey: string }>(`apps/${app.id}/auth-key`)
            key.textContent = full.authKey
            reveal.textContent = "Hide"
            reveal.setAttribute("aria-pressed", "true")
            shown = true
          })
        }, { "aria-label": `Reveal the auth key of app ${app.id}`, "aria-pressed": "false" })
        return row(String(app.id), key, reveal)
      }))
    )

  const renderCounts = (view: Overview) =>
    fill(
      counts,
      h("h2", { id: "counts-h" }, "Data"),
      h(
        "ul",
        { class: "counts" },
        ([
          ["users", view.counts.users, "user"],
          ["sessions", view.counts.sessions, "live session"],
          ["storage", view.counts.blobs, "blob"],
          ["mails", view.counts.emails, "mail"]
        ] as const).map(([name, n, label]) =>
          h(
            "li",
            null,
            h("a", { href: href(name), "data-count": name }, h("strong", null, String(n)), h("span", null, n === 1 ? label : `${label}s`))
          )
        )
      )
    )

  // -- the clock ------------------------------------------------------------------------------------
  const frozenNote = h("span", { class: "badge" })
  const freeze = button("Freeze", () =>
    attempt("Freeze", async () => {
      const frozen = !Clock.current().frozen
      await Clock.change({ freeze: frozen })
      notify(frozen ? "Clock frozen" : "Clock running")
    }))
  const syncFreeze = () => {
    const frozen = Clock.current().frozen
    freeze.textContent = frozen ? "Unfreeze" : "Freeze"
    frozenNote.textContent = frozen ? "frozen" : "running"
    frozenNote.classList.toggle("warn", frozen)
  }
  const advance = (ms: number, label: string) =>
    button(`+${label}`, () =>
      attempt(`Advance ${label}`, async () => {
        const view = await Clock.change({ advanceMs: ms })
        notify(`Clock advanced ${label}: ${dateTime(view.nowMs)} UTC`)
        void load()
      }), { "aria-label": `Advance the clock by ${label}` })
  const dateInput = h("input", { type: "datetime-local", step: 1, name: "now" })
  const setForm = h(
    "form",
    {
      class: "inline-form",
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault()
        if (dateInput.value === "") return notify("Pick a date first", "error")
        // the input has no zone: it is read as UTC, as the emulator shows every time
        const at = Date.parse(`${dateInput.value}Z`)
        void attempt("Set the clock", async () => {
          await Clock.change({ now: at })
          notify(`Clock set to ${dateTime(at)} UTC`)
          void load()
        })
      }
    },
    field("Set the date (UTC)", dateInput),
    h("button", { type: "submit" }, "Set")
  )
  const unsubscribe = Clock.onChange(() => {
    syncFreeze()
    if (document.activeElement !== dateInput) dateInput.value = new Date(Clock.now()).toISOString().slice(0, 19)
  })
  clock.append(
    h("p", { class: "now" }, h("span", { "data-clock": "plain", "aria-live": "off" }, "…"), " ", frozenNote),
    h(
      "div",
      { class: "buttons", role: "group", "aria-label": "Move the clock" },
      advance(HOUR, "1 h"),
      advance(2 * HOUR, "2 h"),
      advance(24 * HOUR, "1 day"),
      freeze
    ),
    setForm
  )
  syncFreeze()

  // -- export and import ------------------------------------------------------------------------------
  const secrets = h("input", { type: "checkbox", name: "secrets" })
  const exportButton = button("Export", () =>
    attempt("Export", async () => {
      const snapshot = await get<unknown>(`export${secrets.checked ? "?secrets=true" : ""}`)
      const url = URL.createObjectURL(new Blob([JSON.stringify(snapshot, null, 2)], { type: "application/json" }))
      const link = h("a", { href: url, download: `emulator-export-${new Date().toISOString().slice(0, 19)}.json` })
      document.body.append(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      notify("Exported")
    }))
  const file = h("input", { type: "file", accept: "application/json,.json", name: "import" })
  const importForm = h(
    "form",
    {
      class: "inline-form",
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault()
        const chosen = file.files?.[0]
        if (chosen === undefined) return notify("Choose a JSON file first", "error")
        void attempt("Import", async () => {
          let body: unknown
          try {
            body = JSON.parse(await chosen.text())
          } catch {
            throw new Error(`${chosen.name} is not JSON`)
          }
          const result = await post<{ imported?: Record<string, number> }>("import", body)
          const what = Object.entries(result.imported ?? {}).map(([k, n]) => `${n} ${k}`).join(", ")
          notify(`Imported ${what === "" ? chosen.name : what}`)
          file.value = ""
          void load()
        })
      }
    },
    field("State file (an export, or {\"users\": [...]})", file),
    h("button", { type: "submit" }, "Import")
  )
  const reset = confirmButton("Reset all data", "Really delete everything?", () =>
    attempt("Reset", async () => {
      await post("reset")
      notify("All data deleted (the apps stay)")
      void load()
    }))
  data.append(
    h("div", { class: "inline-form" }, field("Include secrets (sessions, password hashes)", secrets), exportButton),
    importForm,
    h("div", { class: "buttons" }, reset)
  )

  void load()
  return {
    destroy: () => {
      alive = false
      unsubscribe()
    }
  }
}
