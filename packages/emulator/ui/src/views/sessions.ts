/** Sessions: app, user and guest sessions with their expiry counting down; destroy one. */
import type { SessionView } from "../api.js"
import { del, get } from "../api.js"
import * as Clock from "../clock.js"
import { button, field, fill, h, row, table, time } from "../dom.js"
import { plural } from "../format.js"
import type { Mount } from "../view.js"
import { attempt, failed, heading, href, loading, notify } from "../view.js"

/** The most sessions listed (the newest). */
const LIMIT = 500

export const sessions: Mount = (root, route) => {
  const all = h("input", { type: "checkbox", name: "all", checked: route.params.get("all") === "true" })
  const list = h("div", null, loading())
  const summary = h("p", { class: "muted", "aria-live": "polite" })
  let alive = true

  const load = async () => {
    try {
      const [answer] = await Promise.all([
        get<{ sessions: ReadonlyArray<SessionView>; total?: number }>(`sessions?limit=${LIMIT}${all.checked ? "&all=true" : ""}`),
        Clock.refresh()
      ])
      if (!alive) return
      const total = answer.total ?? answer.sessions.length
      const what = plural(total, all.checked ? "session" : "live session")
      summary.textContent = total > answer.sessions.length ? `The newest ${answer.sessions.length} of ${what}` : what
      fill(
        list,
        table(
          "Sessions",
          ["Id", "Kind", "App", "User", "Created", "Expires at", "Expires in", "Token", ""],
          answer.sessions.map((s) => {
            const tr = row(
              String(s.id),
              h("span", { class: `badge kind-${s.kind}` }, s.kind),
              String(s.application_id),
              s.user_id === null ? h("span", { class: "muted" }, "–") : h("a", { href: href("users", [s.user_id]) }, String(s.user_id)),
              time(s.created_at),
              time(s.expires_at),
              Clock.countdown(s.expires_at),
              h("code", null, s.token),
              button("Destroy", () =>
                attempt("Destroy", async () => {
                  await del(`sessions/${s.id}`)
                  notify(`Session ${s.id} destroyed`)
                  await load()
                }), { class: "danger", "aria-label": `Destroy session ${s.id}` })
            )
            tr.dataset.sessionId = String(s.id)
            return tr
          }),
          "No live session. Sign in through the API and it shows here."
        )
      )
    } catch (error) {
      if (alive) fill(list, failed(error))
    }
  }

  all.addEventListener("change", () => {
    history.replaceState(null, "", all.checked ? href("sessions", [], new URLSearchParams("all=true")) : href("sessions"))
    void load()
  })

  root.append(
    heading("Sessions", button("Refresh", () => void load())),
    h("div", { class: "filters" }, field("Include expired sessions", all)),
    summary,
    list
  )
  void load()
  return { destroy: () => void (alive = false) }
}
