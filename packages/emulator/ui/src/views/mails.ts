/** Mails: what the emulator "sent" (password resets), newest first, with the reset link. */
import type { Mail } from "../api.js"
import { del, get } from "../api.js"
import { confirmButton, fill, h } from "../dom.js"
import { dateTime, plural } from "../format.js"
import type { Mount } from "../view.js"
import { attempt, failed, heading, href, loading, notify } from "../view.js"

const linkOf = (mail: Mail): string | undefined => {
  const data = mail.data
  if (data !== null && typeof data === "object" && typeof (data as { link?: unknown }).link === "string") {
    return (data as { link: string }).link
  }
  return /https?:\/\/\S+/.exec(mail.body)?.[0]
}

/** Only a well-formed http(s) URL becomes a link: a mail is data (an import can hold any text), never trusted markup. */
const isWebUrl = (text: string): boolean => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

export const mails: Mount = (root) => {
  const list = h("div", { class: "mails" }, loading())
  const summary = h("p", { class: "muted", "aria-live": "polite" })
  let alive = true

  const load = async () => {
    try {
      const answer = await get<{ emails: ReadonlyArray<Mail> }>("emails")
      if (!alive) return
      const newest = [...answer.emails].reverse()
      summary.textContent = plural(newest.length, "mail")
      fill(
        list,
        newest.length === 0 ?
          h("p", { class: "muted" }, "No mail yet: call users.resetPassword(email) and the mail shows here.") :
          newest.map((mail) => {
            const link = linkOf(mail)
            return h(
              "article",
              { class: "mail", "aria-labelledby": `mail-${mail.id}`, "data-mail-id": mail.id },
              h("h2", { id: `mail-${mail.id}` }, mail.subject),
              h(
                "p",
                { class: "meta" },
                h("span", null, "To ", h("strong", null, mail.to)),
                h("span", null, dateTime(mail.created_at), " UTC"),
                h("span", { class: "badge" }, mail.kind),
                mail.user_id === null ? null : h("a", { href: href("users", [mail.user_id]) }, `user ${mail.user_id}`)
              ),
              link === undefined ? null : h(
                "p",
                null,
                "Reset link: ",
                isWebUrl(link) ? h("a", { href: link, class: "reset-link" }, link) : h("code", null, link)
              ),
              h("details", { open: true }, h("summary", null, "Body"), h("pre", null, mail.body))
            )
          })
      )
    } catch (error) {
      if (alive) fill(list, failed(error))
    }
  }

  root.append(
    heading(
      "Mails",
      confirmButton("Clear outbox", "Really clear?", () =>
        attempt("Clear", async () => {
          await del("emails")
          notify("Outbox cleared")
          await load()
        }))
    ),
    summary,
    list
  )
  void load()
  return { destroy: () => void (alive = false) }
}
