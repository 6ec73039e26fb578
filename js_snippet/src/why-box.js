/**
 * The "why" control as the server sends it to the core (`welcome.why`): its
 * stylesheet and its markup in the visitor's language. The build writes both
 * to dist/lotse-why.json, which the server reads; the core only puts them in
 * a shadow root, sets the reason (as text) and wires the button and the
 * switch (ui.js, `why`). They are not part of the core because it needs them
 * only once the server has answered (a swap needs the server), and every byte
 * of the core counts. The privacy panel (in the chat's file) shares the box's
 * look (`BOX_CSS`).
 *
 * Colours come from the site's `--lotse-*` custom properties
 * (docs/snippet.md, "Theming"), by default the system's colours for the
 * visitor's light or dark mode (`color-scheme`), which also give the
 * browser's own focus ring; the font is the page's.
 */

import { stringsFor } from './strings.js'

/** The box with a sentence and the switch, as the "why" control and the privacy panel show it. */
export const BOX_CSS =
  ':host{all:initial;font-family:inherit;font-size:14px;line-height:1.4;color-scheme:light dark;color:var(--lotse-text,CanvasText)}' +
  'button,div{font:inherit;color:inherit;background:var(--lotse-bg,Canvas);border:1px solid var(--lotse-border,#888);border-radius:12px;padding:6px 10px}' +
  'p{margin:0 0 8px}'

/**
 * The "why" control: its host is out of flow, so a flex or grid parent (with
 * gap) does not even get an empty item from us, and nothing moves. The core
 * creates the host `hidden`; `display:block!important` shows it (an
 * `!important` inside a shadow root wins over the page's, such as a CSS
 * reset's `[hidden]{display:none!important}`), so without this sheet the
 * control never sits unstyled in the slot's flow.
 */
export const WHY_CSS =
  BOX_CSS +
  ':host{display:block!important;position:absolute;top:4px;right:4px;z-index:2}' +
  'button{width:24px;height:24px;padding:0;border-radius:50%;font-weight:700}' +
  'div{position:absolute;right:0;width:max-content;max-width:260px;box-shadow:0 4px 16px #0003}'

/** Text for markup: the words are ours, but never trusted to be free of `<`, `&` or `"`. */
const escape = (/** @type {string} */ text) =>
  text.replace(/[&<>"]/g, (c) => '&#' + c.charCodeAt(0) + ';')

/**
 * The "why" control's markup: a button ("i", named "Why am I seeing this?",
 * collapsed) and the box it discloses, hidden: the reason (`p.reason`, empty:
 * the core sets it as text) and the opt-out switch. No script, no style
 * attribute, no event handler: it is parsed into a shadow root under the
 * page's CSP.
 * @param {string | undefined} lang
 */
export const whyHtml = (lang) => {
  const t = stringsFor(lang)
  return (
    `<button aria-label="${escape(t.why)}" aria-expanded="false">i</button>` +
    `<div hidden><p class="reason"></p><label><input type="checkbox" role="switch"><span>${escape(t.off)}</span></label></div>`
  )
}
