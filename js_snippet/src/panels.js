/**
 * The privacy panel of a `data-lotse-privacy` link and the preview banner:
 * in the chat's file, since few visitors ever see them (the core loads the
 * file when one is due). Both sit in the bottom-left corner, out of the
 * page's flow, so nothing moves; text is set as textContent.
 */

import { stringsFor } from './strings.js'
import { BOX_CSS } from './why-box.js'
import { box, escape, h, optoutSwitch, shadow } from './ui.js'

const CSS = BOX_CSS + ':host{position:fixed;left:16px;bottom:16px;z-index:2147483000}'

const DE = {
  privacy: 'Personalisierung',
  about: 'Einige Inhalte dieser Website passen sich Ihrem Besuch an, ohne Cookies.',
  close: 'Schließen',
}

const EN = {
  privacy: 'Personalisation',
  about: 'Some content on this website adapts to your visit, without cookies.',
  close: 'Close',
}

/**
 * The privacy panel a `data-lotse-privacy` link opens: a labelled region
 * with a sentence, the opt-out switch and a close button. Focus moves to the
 * switch, and back to the link when it closes (button or Escape).
 *
 * @param {{doc: Document, lang?: string, opt: (on?: boolean) => boolean}} o `opt`: the core's opt-out
 * @param {HTMLElement} link
 * @returns {HTMLElement} the panel's host (removing it closes the panel)
 */
export function privacy(o, link) {
  const doc = o.doc
  const t = o.lang == 'de' ? DE : EN
  const host = h(doc, 'lotse-privacy', '', null, { role: 'region', 'aria-label': t.privacy })
  const panel = box(doc, t.about, optoutSwitch(doc, stringsFor(o.lang).off, o.opt)[0])
  const close = () => host.remove()
  const button = h(doc, 'button', '', t.close)
  button.addEventListener('click', () => (close(), link.focus()))
  escape(panel, () => !close(), link)
  panel.append(button)
  shadow(host, CSS).append(panel)
  doc.body.append(host)
  const input = /** @type {HTMLElement} */ (panel.querySelector('input'))
  input.focus()
  return host
}

/**
 * The preview banner (welcome.preview): a status line, so a reviewer knows
 * what they are seeing. Once per page, however often the server says welcome.
 * @param {Document} doc
 * @param {string} text
 */
export function banner(doc, text) {
  if (doc.querySelector('lotse-preview')) return
  const host = h(doc, 'lotse-preview', '', null, { role: 'status' })
  shadow(host, CSS).append(h(doc, 'div', '', text))
  doc.body.append(host)
}
