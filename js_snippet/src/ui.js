/**
 * What the core shows itself: the "Why am I seeing this?" control with the
 * opt-out switch. (The chat widget, the privacy panel and the preview banner
 * are in the chat's file: chat.js, panels.js.)
 *
 * Everything lives in shadow roots with a constructed stylesheet
 * (adoptedStyleSheets): a strict `style-src 'self'` CSP allows constructed
 * sheets but not `<style>` elements or style attributes, and the shadow
 * boundary keeps the site's CSS and ours from changing each other. Colours
 * come from the site's `--lotse-*` custom properties (they inherit into
 * shadow roots), with defaults for light and dark mode; the font is the
 * page's. Text is always set as textContent.
 */

/**
 * The box with a sentence and the switch, as the "why" control and the
 * privacy panel show it: colours from the site's `--lotse-*` custom
 * properties (docs/snippet.md, "Theming"), by default the system's colours
 * for the visitor's light or dark mode (`color-scheme`), which also give
 * the browser's own focus ring; the page's font.
 */
export const BOX_CSS =
  ':host{all:initial;font-family:inherit;font-size:14px;line-height:1.4;color-scheme:light dark;color:var(--lotse-text,CanvasText)}' +
  'button,div{font:inherit;color:inherit;background:var(--lotse-bg,Canvas);border:1px solid var(--lotse-border,#888);border-radius:12px;padding:6px 10px}' +
  'p{margin:0 0 8px}'

/**
 * The "why" control: its host is out of flow, so a flex or grid parent (with
 * gap) does not even get an empty item from us, and nothing moves.
 */
const CSS =
  BOX_CSS +
  ':host{position:absolute;top:4px;right:4px;z-index:2}' +
  'button{width:24px;height:24px;padding:0;border-radius:50%;font-weight:700}' +
  'div{position:absolute;right:0;width:max-content;max-width:260px;box-shadow:0 4px 16px #0003}'

/**
 * A shadow root on `host` with its own constructed stylesheet.
 * @param {HTMLElement} host
 * @param {string} css
 * @returns {ShadowRoot}
 */
export function shadow(host, css) {
  const root = host.attachShadow({ mode: 'open' })
  // The page's own constructor (not a global): the sheet must belong to this window.
  const sheet = new (/** @type {any} */ (host.ownerDocument.defaultView).CSSStyleSheet)()
  sheet.replaceSync(css)
  root.adoptedStyleSheets = [sheet]
  return root
}

/**
 * Create an element with an optional class, text and attributes. Text is
 * always set as textContent: nothing the snippet builds itself goes through
 * an HTML parser.
 *
 * @param {Document} doc
 * @param {string} tag
 * @param {string} [cls]
 * @param {string | null} [text]
 * @param {Record<string, string>} [attrs]
 * @returns {HTMLElement}
 */
export function h(doc, tag, cls, text, attrs) {
  const el = doc.createElement(tag)
  if (cls) el.className = cls
  if (text != null) el.textContent = text
  for (const name in attrs) el.setAttribute(name, attrs[name])
  return el
}

/**
 * The opt-out switch ("Personalisierung aus" / "Personalisation off"): the
 * same in every "Why am I seeing this?", the privacy panel and the chat. It
 * always shows the state the snippet is in afterwards (Global Privacy
 * Control cannot be switched off).
 *
 * @param {Document} doc
 * @param {string} text
 * @param {(on?: boolean) => boolean} setOptout returns the opt-out state now
 * @returns {[HTMLElement, HTMLInputElement]} the label and its checkbox
 */
export function optoutSwitch(doc, text, setOptout) {
  const box = /** @type {HTMLInputElement} */ (h(doc, 'input', '', null, { type: 'checkbox', role: 'switch' }))
  const label = h(doc, 'label')
  box.checked = setOptout()
  box.addEventListener('change', () => (box.checked = setOptout(box.checked)))
  label.append(box, h(doc, 'span', '', text))
  return [label, box]
}

/**
 * A box (`div`) with a sentence (`p.reason`) and the opt-out switch.
 * @param {Document} doc
 * @param {string | undefined} text
 * @param {() => [HTMLElement, HTMLInputElement]} sw the opt-out switch
 */
export const box = (doc, text, sw) => {
  const el = h(doc, 'div')
  el.append(h(doc, 'p', 'reason', text), sw()[0])
  return el
}

/**
 * Escape in `wrap` closes (when `close` says it closed something) and puts
 * focus back on `back`.
 * @param {HTMLElement} wrap
 * @param {() => unknown} close
 * @param {HTMLElement} back
 */
export const escape = (wrap, close, back) =>
  wrap.addEventListener('keydown', (e) => {
    if (e.key == 'Escape' && close()) back.focus()
  })

/**
 * The "Why am I seeing this?" control: a button that discloses the reason
 * and offers to turn personalisation off. Positioned over the slot's corner
 * so it takes no space and moves nothing; in a shadow root, so the site's
 * CSS cannot resize it and its buttons never submit a site's form.
 *
 * @param {Document} doc
 * @param {string | undefined} reason the swap's reason, shown as text
 * @param {{why: string}} strings
 * @param {() => [HTMLElement, HTMLInputElement]} sw the opt-out switch
 */
export function why(doc, reason, strings, sw) {
  const host = doc.createElement('lotse-why')
  const button = h(doc, 'button', '', 'i', { 'aria-label': strings.why })
  const panel = box(doc, reason, sw)
  const toggle = (/** @type {boolean} */ open) => {
    panel.hidden = !open
    button.setAttribute('aria-expanded', /** @type {any} */ (open)) // "true" / "false"
  }
  toggle(false)
  button.addEventListener('click', () => toggle(panel.hidden))
  const root = shadow(host, CSS)
  escape(/** @type {any} */ (root), () => !panel.hidden && !toggle(false), button)
  root.append(button, panel)
  return host
}

/**
 * Whether this browser has what the snippet relies on. Without it (browsers
 * older than about 2023) the snippet stays inert and the page keeps its
 * default content.
 * @param {Window & typeof globalThis} win
 */
export function supported(win) {
  // Constructed stylesheets on shadow roots came last (Safari 16.4, Firefox
  // 101, Chrome 73); WebSocket, IntersectionObserver and replaceChildren
  // are older everywhere, so this one test covers them.
  return !!win.ShadowRoot && 'adoptedStyleSheets' in win.ShadowRoot.prototype
}
