/**
 * What the core shows itself: the "Why am I seeing this?" control, the
 * privacy panel of a `data-lotse-privacy` link, the preview banner, and the
 * opt-out switch in each. (The chat widget is in its own file, chat.js.)
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
 * Colours from the site's `--lotse-*` custom properties (docs/snippet.md,
 * "Theming"), with defaults for light and dark mode; the page's font. The
 * focus ring is in the text colour, so it contrasts in either mode.
 */
const CSS =
  ':host{all:initial;font:inherit;font-size:14px;line-height:1.4;color:var(--lotse-text,#1f1f1f);--bg:var(--lotse-bg,#fff);--ln:var(--lotse-border,#747775)}' +
  '@media(prefers-color-scheme:dark){:host{color:var(--lotse-text,#e3e3e3);--bg:var(--lotse-bg,#1f1f1f);--ln:var(--lotse-border,#8e918f)}}' +
  '[hidden]{display:none!important}' +
  'button,.box{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--ln);border-radius:12px;padding:6px 10px}' +
  ':focus-visible{outline:2px solid;outline-offset:2px}' +
  'p{margin:0 0 8px}' +
  // The hosts themselves are out of flow, so a flex or grid parent (with gap)
  // does not even get an empty item from us, and nothing moves.
  ':host(lotse-why){position:absolute;top:4px;right:4px;z-index:2}' +
  '.i{width:24px;height:24px;padding:0;border-radius:50%;font-weight:700}' +
  '.why .box{position:absolute;right:0;width:max-content;max-width:260px;box-shadow:0 4px 16px #0003}' +
  ':host(lotse-privacy),:host(lotse-preview){position:fixed;left:16px;bottom:16px;z-index:2147483000}'

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
 * @param {(on: boolean) => boolean} setOptout returns the opt-out state now
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
 * A box with a sentence and the opt-out switch.
 * @param {Document} doc
 * @param {string | undefined} text
 * @param {import('./strings.js').Strings} strings
 * @param {(on?: boolean) => boolean} setOptout
 */
const box = (doc, text, strings, setOptout) => {
  const el = h(doc, 'div', 'box')
  el.append(h(doc, 'p', 'reason', text), optoutSwitch(doc, strings.off, setOptout)[0])
  return el
}

/**
 * Close `panel` with Escape, and put focus back on `back`.
 * @param {HTMLElement} wrap
 * @param {() => boolean} isOpen
 * @param {() => void} close
 * @param {HTMLElement} back
 */
const escape = (wrap, isOpen, close, back) =>
  wrap.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && isOpen()) {
      close()
      back.focus()
    }
  })

/**
 * The "Why am I seeing this?" control: a button that discloses the reason
 * and offers to turn personalisation off. Positioned over the slot's corner
 * so it takes no space and moves nothing; in a shadow root, so the site's
 * CSS cannot resize it and its buttons never submit a site's form.
 *
 * @param {Document} doc
 * @param {string | undefined} reason the swap's reason, shown as text
 * @param {import('./strings.js').Strings} strings
 * @param {(on?: boolean) => boolean} setOptout
 */
export function why(doc, reason, strings, setOptout) {
  const host = doc.createElement('lotse-why')
  const wrap = h(doc, 'div', 'why')
  const button = h(doc, 'button', 'i', 'i', { 'aria-label': strings.why })
  const panel = box(doc, reason, strings, setOptout)
  const toggle = (/** @type {boolean} */ open) => {
    panel.hidden = !open
    button.setAttribute('aria-expanded', /** @type {any} */ (open)) // "true" / "false"
  }
  toggle(false)
  button.addEventListener('click', () => toggle(panel.hidden))
  escape(wrap, () => !panel.hidden, () => toggle(false), button)
  wrap.append(button, panel)
  shadow(host, CSS).append(wrap)
  return host
}

/**
 * The privacy panel a `data-lotse-privacy` link opens (and closes again): a
 * labelled region in the bottom-left corner, out of the page's flow, with a
 * sentence, the opt-out switch and a close button. Focus moves to the switch
 * and back to the link when it closes (button or Escape).
 *
 * @param {Document} doc
 * @param {import('./strings.js').Strings} strings
 * @param {(on?: boolean) => boolean} setOptout
 * @param {HTMLElement} link
 * @returns {HTMLElement} the panel's host (removing it closes the panel)
 */
export function privacy(doc, strings, setOptout, link) {
  const host = h(doc, 'lotse-privacy', '', null, { role: 'region', 'aria-label': strings.privacy })
  const panel = box(doc, strings.about, strings, setOptout)
  const close = () => host.remove()
  const button = h(doc, 'button', '', strings.close)
  button.addEventListener('click', () => (close(), link.focus()))
  escape(panel, () => true, close, link)
  panel.append(button)
  shadow(host, CSS).append(panel)
  doc.body.append(host)
  const input = /** @type {HTMLElement} */ (panel.querySelector('input'))
  input.focus()
  return host
}

/**
 * The preview banner (welcome.preview): a status line in the bottom-left
 * corner, out of the page's flow, so a reviewer knows what they are seeing.
 * @param {Document} doc
 * @param {string} text
 */
export function banner(doc, text) {
  const host = h(doc, 'lotse-preview', '', null, { role: 'status' })
  shadow(host, CSS).append(h(doc, 'p', 'box', text))
  doc.body.append(host)
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
