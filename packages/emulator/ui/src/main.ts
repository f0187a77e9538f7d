/**
 * The emulator web UI: hash routes, one view mounted at a time, one timer for every countdown.
 */
import * as Clock from "./clock.js"
import type { Mount, View } from "./view.js"
import { notify, parseRoute } from "./view.js"
import { faults } from "./views/faults.js"
import { mails } from "./views/mails.js"
import { overview } from "./views/overview.js"
import { requests } from "./views/requests.js"
import { sessions } from "./views/sessions.js"
import { storage } from "./views/storage.js"
import { users } from "./views/users.js"

const VIEWS: Readonly<Record<string, { readonly title: string; readonly mount: Mount }>> = {
  overview: { title: "Overview", mount: overview },
  users: { title: "Users", mount: users },
  sessions: { title: "Sessions", mount: sessions },
  storage: { title: "Storage", mount: storage },
  mails: { title: "Mails", mount: mails },
  requests: { title: "Requests", mount: requests },
  faults: { title: "Faults", mount: faults }
}

const main = document.getElementById("main")!
let mounted: { readonly name: string; readonly view: View } | undefined
let first = true

const render = () => {
  const route = parseRoute(location.hash)
  const entry = VIEWS[route.name]
  if (entry === undefined) {
    location.replace("#/overview")
    return
  }
  if (mounted?.name === route.name && mounted.view.update !== undefined) {
    mounted.view.update(route)
    return
  }
  mounted?.view.destroy?.()
  main.replaceChildren()
  notify("")
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    if (link.getAttribute("href") === `#/${route.name}`) link.setAttribute("aria-current", "page")
    else link.removeAttribute("aria-current")
  }
  document.title = `${entry.title} · ConnectyCube emulator`
  mounted = { name: route.name, view: entry.mount(main, route) }
  // after a navigation (not the first load), the keyboard lands on the new view's heading
  if (!first) main.querySelector<HTMLElement>("h1")?.focus()
  first = false
}

addEventListener("hashchange", render)
// "/" jumps to the view's search or filter field, as on most sites
addEventListener("keydown", (event) => {
  const target = event.target as HTMLElement | null
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return
  if (target !== null && target.closest("input, textarea, select, [contenteditable]") !== null) return
  const search = main.querySelector<HTMLInputElement>("input[type=search]")
  if (search !== null) {
    event.preventDefault()
    search.focus()
  }
})
setInterval(Clock.tick, 1000)
// the clock may have been moved by a test or another tab: re-read it when the page is looked at again
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") void Clock.refresh().catch(() => undefined)
})
void Clock.refresh().catch(() => undefined)
render()
