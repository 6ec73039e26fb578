/**
 * Styles for the "why" control and the chat widget.
 *
 * They live in shadow roots with a constructed stylesheet (adoptedStyleSheets):
 * a strict `style-src 'self'` CSP allows constructed sheets but not `<style>`
 * elements or style attributes, and the shadow boundary keeps the site's CSS
 * and ours from changing each other.
 */

const CSS =
  ':host{all:initial;font:14px/1.4 system-ui,sans-serif;color:#222}' +
  '[hidden]{display:none!important}' +
  'button,input{font:inherit;color:inherit;background:#fff;border:1px solid #767676;border-radius:6px;padding:5px 10px;margin:0 4px 4px 0}' +
  'button{cursor:pointer}' +
  ':focus-visible{outline:2px solid #05c;outline-offset:2px}' +
  'p{margin:0 0 8px}' +
  // The hosts themselves are out of flow, so a flex or grid parent (with gap)
  // does not even get an empty item from us.
  ':host(lotse-why){position:absolute;top:4px;right:4px;z-index:2}' +
  '.why>button{border-radius:50%;width:24px;height:24px;padding:0;font-weight:700}' +
  '.box,.dialog,.launch{background:#fff;border:1px solid #767676;border-radius:8px;box-shadow:0 2px 8px #0004;padding:8px}' +
  '.box{position:absolute;right:0;width:max-content;max-width:260px}' +
  ':host(lotse-chat){position:fixed;right:16px;bottom:16px;z-index:2147483000}' +
  // The chat must not shift anything either (every layout-shift entry counts, even right
  // after input): the dialog is out of the host's flow, above the launcher, with a fixed
  // size, so opening it moves nothing; new messages scroll inside the log instead of
  // growing the box upwards, and quick replies or the hidden form only resize the log.
  '.chat{position:relative}' +
  '.dialog{position:absolute;right:0;bottom:100%;width:min(320px,80vw);height:min(340px,60vh);margin-bottom:8px;display:flex;flex-flow:column}' +
  '.log{flex:1;min-height:0;overflow:auto}' +
  '.me{text-align:right}' +
  'form{display:flex}' +
  'input[type=text]{flex:1}' +
  'label{display:flex;gap:6px;align-items:center}' +
  '.launch button{margin:0;border:0}'

/** @type {CSSStyleSheet | undefined} */
let sheet

/**
 * A shadow root on `host` that uses the shared constructed stylesheet.
 * @param {HTMLElement} host
 * @returns {ShadowRoot}
 */
export function shadow(host) {
  const root = host.attachShadow({ mode: 'open' })
  if (!sheet) {
    // The page's own constructor (not a global): the sheet must belong to this window.
    sheet = new (/** @type {any} */ (host.ownerDocument.defaultView).CSSStyleSheet)()
    sheet.replaceSync(CSS)
  }
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
 * The opt-out switch ("Personalisierung aus"), the same in the chat widget
 * and under every "Why am I seeing this?".
 *
 * @param {Document} doc
 * @param {string} text
 * @param {(on: boolean) => void} onChange
 * @returns {[HTMLElement, HTMLInputElement]} the label and its checkbox
 */
export function optoutSwitch(doc, text, onChange) {
  const box = /** @type {HTMLInputElement} */ (h(doc, 'input', '', null, { type: 'checkbox', role: 'switch' }))
  const label = h(doc, 'label')
  box.addEventListener('change', () => onChange(box.checked))
  label.append(box, h(doc, 'span', '', text))
  return [label, box]
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
