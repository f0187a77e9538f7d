/**
 * Users: search (login, email, full name, tags) and paging over the REST API's own query code; a detail
 * panel with every field, live sessions counting down, blobs and the avatar; create, edit, delete.
 */
import type { BlobView, User, UserDetail } from "../api.js"
import { blobContent, del, get, post, put, usersPage } from "../api.js"
import * as Clock from "../clock.js"
import type { Child } from "../dom.js"
import { button, confirmButton, field, fill, h, row, select, table, time } from "../dom.js"
import { bytes, plural, prettyJson, tagsOf } from "../format.js"
import type { Mount, Route } from "../view.js"
import { attempt, errorText, failed, heading, href, loading, notify, replaceHash } from "../view.js"

const PER_PAGE = ["10", "25", "50", "100"] as const
const SORTS = [
  ["", "Id, oldest first"],
  ["sort_desc=created_at", "Newest first"],
  ["sort_asc=login", "Login A–Z"],
  ["sort_asc=full_name", "Full name A–Z"]
] as const

/** Fields the edit and create forms offer, in this order. */
const EDITABLE: ReadonlyArray<readonly [key: string, label: string, type: "text" | "email" | "url" | "area"]> = [
  ["login", "Login", "text"],
  ["email", "Email", "email"],
  ["full_name", "Full name", "text"],
  ["phone", "Phone", "text"],
  ["website", "Website", "url"],
  ["tag_list", "Tags (comma separated)", "text"],
  ["custom_data", "Custom data", "area"]
]

export const isPreviewableImage = (type: string | null | undefined): boolean =>
  type !== null && type !== undefined && type.startsWith("image/") && !type.startsWith("image/svg")

export const users: Mount = (root, initial) => {
  let params = new URLSearchParams(initial.params)
  let detailId: string | undefined = initial.rest[0]
  let alive = true
  let listSeq = 0
  /** The user whose row gets the keyboard back once the list shows (the panel was closed). */
  let refocus: string | undefined

  const search = h("input", { type: "search", name: "search", value: params.get("search") ?? "", autocomplete: "off" })
  const perPage = select(PER_PAGE.map((n) => [n, n]), params.get("limit") ?? "10")
  const sort = select(SORTS.map(([v, t]) => [v, t]), params.get("sort") ?? "")
  const results = h("div", { class: "results" }, loading())
  const pageInfo = h("p", { class: "page-info", "aria-live": "polite" })
  const prev = button("Previous page", () => go(-1))
  const next = button("Next page", () => go(1))
  const detail = h("aside", { class: "detail", "aria-labelledby": "detail-h", hidden: true })
  const split = h("div", { class: "split" })
  const newUser = h("a", { href: href("users", ["new"], params), class: "button primary" }, "New user")

  root.append(
    heading("Users", newUser),
    split
  )
  split.append(
    h(
      "section",
      { class: "list", "aria-label": "User list" },
      h(
        "form",
        { role: "search", class: "filters", onsubmit: (e: SubmitEvent) => e.preventDefault() },
        field("Search login, email, full name or tags", search),
        field("Per page", perPage),
        field("Sort", sort)
      ),
      results,
      h("nav", { class: "pager", "aria-label": "Pages" }, prev, pageInfo, next)
    ),
    detail
  )

  const offset = () => Math.max(0, Number(params.get("offset") ?? "0") || 0)
  const limit = () => Number(perPage.value)

  const syncHash = () => replaceHash(href("users", detailId === undefined ? [] : [detailId], params))

  const setParam = (key: string, value: string, empty = "") => {
    if (value === empty) params.delete(key)
    else params.set(key, value)
  }

  const go = (direction: number) => {
    setParam("offset", String(Math.max(0, offset() + direction * limit())), "0")
    syncHash()
    void loadList()
  }

  const focusRow = () => {
    if (refocus === undefined) return
    const link = results.querySelector<HTMLElement>(`tr[data-user-id="${CSS.escape(refocus)}"] a`)
    refocus = undefined
    if (link !== null && (document.activeElement === null || document.activeElement === document.body)) link.focus()
  }

  const loadList = async () => {
    const seq = ++listSeq
    const query = new URLSearchParams(sort.value)
    query.set("limit", perPage.value)
    query.set("offset", String(offset()))
    const text = search.value.trim()
    if (text !== "") query.set("search", text)
    results.setAttribute("aria-busy", "true")
    try {
      const page = await usersPage(query)
      if (!alive || seq !== listSeq) return
      const from = page.total === 0 ? 0 : offset() + 1
      const to = offset() + page.users.length
      pageInfo.textContent = page.total === 0 ?
        (text === "" ? "No users" : `No user matches “${text}”`) :
        `${from}–${to} of ${plural(page.total, "user")}`
      prev.disabled = offset() === 0
      next.disabled = to >= page.total
      fill(
        results,
        table(
          "Users",
          ["Id", "Login", "Email", "Full name", "Tags", "Created"],
          page.users.map((user) => {
            const tr = row(
              String(user.id),
              h("a", { href: href("users", [user.id], params) }, String(user.login ?? `user ${user.id}`)),
              String(user.email ?? ""),
              String(user.full_name ?? ""),
              tagsOf(user.user_tags).map((t) => h("span", { class: "tag" }, t)),
              time(user.created_at as string)
            )
            tr.dataset.userId = String(user.id)
            if (String(user.id) === detailId) tr.setAttribute("aria-current", "true")
            return tr
          }),
          text === "" ? "No users yet: create one, sign up through the API or import a seed." : "No match."
        )
      )
      focusRow()
    } catch (error) {
      if (alive && seq === listSeq) fill(results, failed(error))
    } finally {
      results.removeAttribute("aria-busy")
    }
  }

  let typing: ReturnType<typeof setTimeout> | undefined
  search.addEventListener("input", () => {
    clearTimeout(typing)
    typing = setTimeout(() => {
      setParam("search", search.value.trim())
      params.delete("offset")
      syncHash()
      void loadList()
    }, 200)
  })
  perPage.addEventListener("change", () => {
    setParam("limit", perPage.value, "10")
    params.delete("offset")
    syncHash()
    void loadList()
  })
  sort.addEventListener("change", () => {
    setParam("sort", sort.value)
    params.delete("offset")
    syncHash()
    void loadList()
  })

  // -- the detail panel -------------------------------------------------------------------------------
  const closeLink = () => h("a", { href: href("users", [], params), class: "button", "aria-label": "Close the details" }, "Close")

  const showDetail = async (focus: boolean) => {
    for (const tr of results.querySelectorAll<HTMLElement>("tr[data-user-id]")) {
      if (tr.dataset.userId === detailId) tr.setAttribute("aria-current", "true")
      else tr.removeAttribute("aria-current")
    }
    split.classList.toggle("with-detail", detailId !== undefined)
    if (detailId === undefined) {
      detail.hidden = true
      detail.replaceChildren()
      return
    }
    detail.hidden = false
    if (detailId === "new") {
      renderForm(undefined)
    } else {
      fill(detail, h("h2", { id: "detail-h" }, `User ${detailId}`), loading())
      const id = detailId
      try {
        const data = await get<UserDetail>(`users/${encodeURIComponent(id)}`)
        if (!alive || id !== detailId) return
        renderDetail(data)
      } catch (error) {
        if (alive && id === detailId) fill(detail, h("h2", { id: "detail-h" }, `User ${id}`), failed(error), closeLink())
      }
    }
    if (focus) detail.querySelector<HTMLElement>("h2")?.focus()
  }

  const avatarOf = (user: User, blobs: ReadonlyArray<BlobView>): BlobView | undefined =>
    blobs.find((b) => (user.blob_id !== null && b.id === user.blob_id) || (user.avatar !== null && b.uid === user.avatar))

  const renderDetail = ({ blobs, sessions, user }: UserDetail) => {
    const avatar = avatarOf(user, blobs)
    const fields = Object.entries(user).map(([key, value]): Child => [
      h("dt", null, key),
      h(
        "dd",
        null,
        key === "custom_data" && typeof value === "string" && value !== "" ?
          h("pre", null, prettyJson(value)) :
          value === null || value === undefined || value === "" ?
          h("span", { class: "muted" }, "–") :
          key === "user_tags" ?
          tagsOf(value).map((t) => h("span", { class: "tag" }, t)) :
          typeof value === "object" ?
          h("pre", null, JSON.stringify(value, null, 2)) :
          String(value)
      )
    ])
    fill(
      detail,
      h(
        "div",
        { class: "detail-head" },
        avatar !== undefined && avatar.completed && isPreviewableImage(avatar.content_type) ?
          h("img", { class: "avatar", src: blobContent(avatar.id, true), alt: `Avatar of ${user.login ?? user.id}`, width: 64, height: 64 }) :
          h("div", { class: "avatar placeholder", "aria-hidden": "true" }, String(user.login ?? user.email ?? "?").slice(0, 1).toUpperCase()),
        h("h2", { id: "detail-h", tabindex: -1 }, String(user.full_name ?? user.login ?? `User ${user.id}`))
      ),
      h(
        "div",
        { class: "buttons" },
        button("Edit", () => renderForm(user)),
        confirmButton("Delete user", "Really delete?", () =>
          attempt("Delete", async () => {
            await del(`users/${user.id}`)
            notify(`User ${user.id} deleted`)
            location.hash = href("users", [], params)
            void loadList()
          }), { "aria-label": `Delete user ${user.id}` }),
        closeLink()
      ),
      h("h3", null, "Fields"),
      h("dl", { class: "fields" }, fields),
      h("h3", null, `Live sessions (${sessions.length})`),
      table(
        `Sessions of user ${user.id}`,
        ["Id", "Kind", "Created", "Expires in", "Token"],
        sessions.map((s) => row(String(s.id), s.kind, time(s.created_at), Clock.countdown(s.expires_at), h("code", null, s.token))),
        "No live session."
      ),
      h("h3", null, `Blobs (${blobs.length})`),
      blobs.length === 0 ?
        h("p", { class: "muted" }, "No blob.") :
        h(
          "ul",
          { class: "plain" },
          blobs.map((b) =>
            h(
              "li",
              null,
              h("a", { href: blobContent(b.id), download: b.name ?? b.uid }, b.name ?? b.uid),
              ` · ${bytes(b.size)} · ${b.content_type ?? "?"} · ${b.public ? "public" : "private"}${b.completed ? "" : " · not completed"}`
            )
          )
        )
    )
  }

  /** The create form (`user` undefined) or the edit form. */
  const renderForm = (user: User | undefined) => {
    const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>()
    const initialOf = (key: string): string => {
      if (user === undefined) return ""
      if (key === "tag_list") return tagsOf(user.user_tags).join(", ")
      if (key === "custom_data") return user.custom_data === null || user.custom_data === undefined ? "" : prettyJson(user.custom_data)
      const v = user[key]
      return v === null || v === undefined ? "" : String(v)
    }
    const controls = EDITABLE.map(([key, label, type]) => {
      const control = type === "area" ?
        h("textarea", { name: key, rows: 4, spellcheck: "false" }) :
        h("input", { type, name: key, autocomplete: "off" })
      control.value = initialOf(key)
      inputs.set(key, control)
      return field(label, control, key === "custom_data" ? "Any text; JSON is kept as typed" : undefined)
    })
    const password = h("input", { type: "password", name: "password", autocomplete: "new-password", required: user === undefined })
    const error = h("p", { class: "error", role: "alert", hidden: true })
    const title = user === undefined ? "New user" : `Edit ${String(user.login ?? user.id)}`
    const form = h(
      "form",
      {
        class: "user-form",
        novalidate: true,
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault()
          const body: Record<string, unknown> = {}
          for (const [key, input] of inputs) {
            const value = input.value.trim()
            if (user !== undefined && value === initialOf(key).trim()) continue
            if (value === "") {
              if (user !== undefined) body[key] = null
              continue
            }
            body[key] = key === "tag_list" ? tagsOf(value) : value
          }
          if (password.value !== "") body.password = password.value
          if (user !== undefined && Object.keys(body).length === 0) {
            notify("Nothing changed")
            return
          }
          error.hidden = true
          void (async () => {
            try {
              const saved = user === undefined ?
                await post<{ user: User }>("users", { user: body }) :
                await put<{ user: User }>(`users/${user.id}`, { user: body })
              notify(user === undefined ? `User ${saved.user.id} created` : `User ${saved.user.id} saved`)
              void loadList()
              const target = href("users", [saved.user.id], params)
              if (location.hash === target) void showDetail(true)
              else location.hash = target
            } catch (e) {
              error.textContent = errorText(e)
              error.hidden = false
              error.focus()
            }
          })()
        }
      },
      controls,
      // the operator is not the user: the control API takes a new password without the old one
      field(user === undefined ? "Password" : "New password (empty: unchanged)", password),
      error,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "submit", class: "primary" }, user === undefined ? "Create" : "Save"),
        user === undefined ? closeLink() : button("Cancel", () => void showDetail(true))
      )
    )
    error.tabIndex = -1
    fill(detail, h("h2", { id: "detail-h", tabindex: -1 }, title), form)
    detail.hidden = false
    split.classList.add("with-detail")
    inputs.get("login")?.focus()
  }

  // Escape closes the panel, from anywhere in it
  detail.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && detailId !== undefined) {
      location.hash = href("users", [], params)
    }
  })

  void loadList()
  void showDetail(false)

  return {
    update: (route: Route) => {
      const before = detailId
      const beforeQuery = params.toString()
      params = new URLSearchParams(route.params)
      detailId = route.rest[0]
      // back on the list: the keyboard returns to the row it left
      if (detailId === undefined && before !== undefined) refocus = before
      const reload = params.toString() !== beforeQuery
      if (reload) {
        search.value = params.get("search") ?? ""
        perPage.value = params.get("limit") ?? "10"
        sort.value = params.get("sort") ?? ""
        void loadList()
      }
      newUser.setAttribute("href", href("users", ["new"], params))
      if (before !== detailId) {
        void showDetail(detailId !== undefined)
        if (!reload) focusRow()
      }
    },
    destroy: () => {
      alive = false
      clearTimeout(typing)
    }
  }
}
