/** Storage: blobs with name, size, type, visibility, completion; preview images and text; download. */
import type { BlobView } from "../api.js"
import { blobContent, get } from "../api.js"
import { button, field, fill, h, row, table, time } from "../dom.js"
import { bytes, plural } from "../format.js"
import type { Mount } from "../view.js"
import { errorText, failed, heading, href, loading, replaceHash } from "../view.js"
import { isPreviewableImage } from "./users.js"

/** What the emulator answers inline (as text/plain); anything else is only downloaded. */
const isText = (type: string | null) => type !== null && type.startsWith("text/")

/** The most blobs listed (the newest). */
const LIMIT = 500

/** The most of a text blob shown in the preview. */
const TEXT_PREVIEW = 64 * 1024

export const storage: Mount = (root, route) => {
  const userFilter = h("input", { type: "search", name: "user_id", inputmode: "numeric", value: route.params.get("user_id") ?? "" })
  const list = h("div", null, loading())
  const summary = h("p", { class: "muted", "aria-live": "polite" })
  const preview = h("section", { class: "preview", "aria-labelledby": "preview-h", hidden: true })
  let alive = true

  const showPreview = async (blob: BlobView) => {
    preview.hidden = false
    const title = h("h2", { id: "preview-h", tabindex: -1 }, `Preview: ${blob.name ?? blob.uid}`)
    const close = button("Close preview", () => {
      preview.hidden = true
      list.querySelector<HTMLElement>(`tr[data-blob-id="${blob.id}"] button`)?.focus()
    })
    if (isPreviewableImage(blob.content_type)) {
      fill(preview, title, h("img", { src: blobContent(blob.id, true), alt: blob.name ?? blob.uid, class: "preview-image" }), close)
    } else {
      const pre = h("pre", { class: "preview-text" }, "Loading…")
      fill(preview, title, pre, close)
      try {
        const response = await fetch(blobContent(blob.id, true))
        if (!response.ok) throw new Error(`HTTP ${response.status}`)
        const text = await response.text()
        pre.textContent = text.length > TEXT_PREVIEW ? `${text.slice(0, TEXT_PREVIEW)}\n… (${bytes(text.length)} in all)` : text
      } catch (error) {
        pre.textContent = `Could not load: ${errorText(error)}`
      }
    }
    title.focus()
    preview.scrollIntoView({ block: "nearest" })
  }

  const load = async () => {
    const user = userFilter.value.trim()
    try {
      const query = new URLSearchParams({ limit: String(LIMIT) })
      if (user !== "") query.set("user_id", user)
      const answer = await get<{ blobs: ReadonlyArray<BlobView>; total?: number }>(`blobs?${query}`)
      if (!alive) return
      const size = answer.blobs.reduce((n, b) => n + (b.size ?? 0), 0)
      const total = answer.total ?? answer.blobs.length
      summary.textContent = total > answer.blobs.length ?
        `The newest ${answer.blobs.length} of ${plural(total, "blob")} (${bytes(size)})` :
        `${plural(total, "blob")}, ${bytes(size)}`
      fill(
        list,
        table(
          "Blobs",
          ["Id", "Name", "Size", "Type", "Access", "Upload", "User", "Created", ""],
          answer.blobs.map((b) => {
            const canPreview = b.completed && (isPreviewableImage(b.content_type) || isText(b.content_type))
            const tr = row(
              String(b.id),
              b.name ?? h("span", { class: "muted" }, b.uid),
              bytes(b.size),
              b.content_type ?? "–",
              h("span", { class: b.public ? "badge warn" : "badge" }, b.public ? "public" : "private"),
              h("span", { class: b.completed ? "badge ok" : "badge warn" }, b.completed ? "completed" : "pending"),
              b.user_id === null ? "–" : h("a", { href: href("users", [b.user_id]) }, String(b.user_id)),
              time(b.created_at),
              h(
                "span",
                { class: "buttons" },
                canPreview ? button("Preview", () => void showPreview(b), { "aria-label": `Preview ${b.name ?? b.uid}` }) : null,
                b.completed ?
                  h("a", { class: "button", href: blobContent(b.id), download: b.name ?? b.uid, "aria-label": `Download ${b.name ?? b.uid}` }, "Download") :
                  null
              )
            )
            tr.dataset.blobId = String(b.id)
            return tr
          }),
          user === "" ? "No blob yet: upload one through the API." : `User ${user} has no blob.`
        )
      )
    } catch (error) {
      if (alive) fill(list, failed(error))
    }
  }

  let typing: ReturnType<typeof setTimeout> | undefined
  userFilter.addEventListener("input", () => {
    clearTimeout(typing)
    typing = setTimeout(() => {
      const user = userFilter.value.trim()
      replaceHash(href("storage", [], user === "" ? undefined : new URLSearchParams({ user_id: user })))
      void load()
    }, 200)
  })

  root.append(
    heading("Storage", button("Refresh", () => void load())),
    h("form", { role: "search", class: "filters", onsubmit: (e: SubmitEvent) => e.preventDefault() }, field("User id", userFilter)),
    summary,
    // above the list, full width: the table needs the room
    preview,
    list
  )
  void load()
  return {
    destroy: () => {
      alive = false
      clearTimeout(typing)
    }
  }
}
