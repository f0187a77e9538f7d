import { dateTime } from "./format.js"

/**
 * A tiny element builder: the UI is plain DOM (no framework), so the whole bundle stays a few kilobytes.
 * Text always goes in as text nodes, never as HTML: user data cannot inject markup.
 */

export type Child = Node | string | number | null | undefined | false | ReadonlyArray<Child>

export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined | ((event: any) => void)>>

/** Properties set as such (an attribute would only be the initial value). */
const PROPS = new Set(["value", "checked"])

const append = (parent: Node, child: Child): void => {
  if (child === null || child === undefined || child === false) return
  if (Array.isArray(child)) {
    for (const c of child as ReadonlyArray<Child>) append(parent, c)
    return
  }
  parent.appendChild(typeof child === "object" ? child as Node : document.createTextNode(String(child)))
}

export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: ReadonlyArray<Child>
): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag)
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue
      if (typeof value === "function") el.addEventListener(key.slice(2), value)
      else if (PROPS.has(key)) (el as any)[key] = value
      else el.setAttribute(key, value === true ? "" : String(value))
    }
  }
  append(el, children)
  return el
}

/** Replaces an element's children. */
export const fill = (el: Element, ...children: ReadonlyArray<Child>): void => {
  el.replaceChildren()
  append(el, children)
}

let ids = 0
/** A fresh element id (labels point at their control by id). */
export const uid = (prefix = "f"): string => `${prefix}-${++ids}`

/** A labelled control: `<div class="field"><label for=id>…</label>control</div>`. */
export const field = (
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string
): HTMLDivElement => {
  if (control.id === "") control.id = uid()
  const isCheck = control instanceof HTMLInputElement && (control.type === "checkbox" || control.type === "radio")
  const labelEl = h("label", { for: control.id }, label)
  let hintEl: HTMLElement | null = null
  if (hint !== undefined) {
    hintEl = h("small", { id: `${control.id}-hint`, class: "hint" }, hint)
    control.setAttribute("aria-describedby", hintEl.id)
  }
  return h("div", { class: isCheck ? "field check" : "field" }, isCheck ? [control, labelEl] : [labelEl, control], hintEl)
}

export const select = (options: ReadonlyArray<readonly [value: string, text: string]>, value = ""): HTMLSelectElement =>
  h("select", null, options.map(([v, t]) => h("option", { value: v, selected: v === value }, t)))

export const button = (text: string, onclick: (event: MouseEvent) => void, attrs: Attrs = {}): HTMLButtonElement =>
  h("button", { type: "button", ...attrs, onclick }, text)

/** A table in a scrollable, keyboard-focusable region (narrow screens scroll it sideways). */
export const table = (
  caption: string,
  head: ReadonlyArray<string>,
  rows: ReadonlyArray<HTMLTableRowElement>,
  empty = "Nothing yet."
): HTMLElement =>
  h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      null,
      h("caption", { class: "sr-only" }, caption),
      h("thead", null, h("tr", null, head.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", null, rows.length > 0 ? rows : h("tr", null, h("td", { colspan: head.length, class: "empty" }, empty)))
    )
  )

export const row = (...cells: ReadonlyArray<Child>): HTMLTableRowElement => h("tr", null, cells.map((c) => h("td", null, c)))

/** A button that asks once more before it acts (no modal dialog: keyboard and tests stay simple). */
export const confirmButton = (text: string, confirmText: string, action: () => unknown, attrs: Attrs = {}) => {
  let armed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const btn = button(text, async () => {
    if (!armed) {
      armed = true
      btn.textContent = confirmText
      btn.classList.add("armed")
      timer = setTimeout(() => {
        armed = false
        btn.textContent = text
        btn.classList.remove("armed")
      }, 5000)
      return
    }
    clearTimeout(timer)
    btn.disabled = true
    try {
      await action()
    } finally {
      btn.disabled = false
      armed = false
      btn.textContent = text
      btn.classList.remove("armed")
    }
  }, { class: "danger", ...attrs })
  return btn
}

/** A UTC time, machine-readable too (`<time datetime>`), kept on one line. */
export const time = (iso: string | null | undefined): HTMLElement =>
  iso === null || iso === undefined || iso === "" ? h("span", { class: "muted" }, "–") : h("time", { datetime: iso }, dateTime(iso))
