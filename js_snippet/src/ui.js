/**
 * What the core shows itself: the "Why am I seeing this?" control with the
 * opt-out switch. (The chat widget, the privacy panel and the preview banner
 * are in the chat's file: chat.js, panels.js.)
 *
 * Everything lives in shadow roots with a constructed stylesheet
 * (adoptedStyleSheets): a strict `style-src 'self'` CSP allows constructed
 * sheets but not `<style>` elements or style attributes, and the shadow
 * boundary keeps the site's CSS and ours from changing each other. The "why"
 * control's stylesheet and words come from the server (`welcome.why`, built
 * from why-box.js and strings.js), since a swap needs the server anyway.
 * Text is always set as textContent.
 */

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
 * @param {HTMLElement} label the opt-out switch (its label, with the checkbox)
 */
export const box = (doc, text, label) => {
  const el = h(doc, 'div')
  el.append(h(doc, 'p', 'reason', text), label)
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
 * Its stylesheet and markup are the server's (`welcome.why`, see
 * why-box.js): a button (`aria-expanded="false"`) and a hidden box with
 * `p.reason` and the switch's checkbox. The host is `hidden` until that
 * stylesheet shows it; without them (a server that sends none) there is
 * no control, rather than an unstyled one in the slot's flow.
 *
 * @param {Document} doc
 * @param {string | undefined} reason the swap's reason, shown as text
 * @param {{css?: string, html?: string}} ui welcome.why
 * @param {(on?: boolean) => boolean} setOptout returns the opt-out state now
 * @returns {HTMLElement | string} the host, or "" (nothing) without the server's markup
 */
export function why(doc, reason, ui, setOptout) {
  if (!ui.html) return ''
  const host = doc.createElement('lotse-why')
  const root = shadow(host, /** @type {string} */ (ui.css))
  host.hidden = true
  root.innerHTML = ui.html
  const button = /** @type {HTMLElement} */ (root.firstChild)
  const panel = /** @type {HTMLElement} */ (root.lastChild)
  const input = /** @type {HTMLInputElement} */ (root.querySelector('input'))
  const toggle = (/** @type {boolean} */ open) => {
    panel.hidden = !open
    button.setAttribute('aria-expanded', /** @type {any} */ (open)) // "true" / "false"
  }
  /** @type {HTMLElement} */ (root.querySelector('p')).textContent = /** @type {string} */ (reason)
  // The switch shows the state after each click (Global Privacy Control cannot be undone).
  // (Handler properties, not attributes: the page's CSP allows them.)
  input.checked = setOptout()
  input.onchange = () => (input.checked = setOptout(input.checked))
  button.onclick = () => toggle(panel.hidden)
  // Escape closes the box and puts focus back on the button (keyboard events cross the
  // shadow boundary, so the host hears them).
  host.onkeydown = (e) => e.key == 'Escape' && !panel.hidden && (toggle(false), button.focus())
  return host
}
