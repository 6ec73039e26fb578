/**
 * What the chat's file (dist/lotse-chat.min.js) hands the core that loaded
 * it: one `run` for each job the core asks of it (index.js, `load`), in the
 * order asked:
 *
 * - `['chat', offer]`: the chat widget (its `say` and `sync` then join the parts);
 * - `['privacy', link]`: the privacy panel of a `data-lotse-privacy` link, opened or closed again;
 * - `['banner', text]`: the preview banner;
 * - `['layer', name, 'swap', slot, variant]` and
 *   `['layer', name, 'exposure', experiment, arm, variant]`: an event for the
 *   site's analytics (data-datalayer), pushed to `window[name || 'dataLayer']`.
 */

import { mount } from './chat.js'
import { banner, privacy } from './panels.js'

/**
 * What the site's analytics get: a swap shown in the page, and an
 * experiment's exposure. Only ids from the site's configuration: no URL, no
 * chat text, no visitor type, no reason.
 * @param {string} kind
 * @param {unknown[]} a
 */
export const layerEvent = (kind, [a, b, c]) =>
  kind == 'swap'
    ? { event: 'lotse_swap', lotse_slot: a, lotse_variant: b }
    : { event: 'lotse_exposure', lotse_experiment: a, lotse_arm: b, lotse_variant: c }

/** @returns {{run: (job: any[], o: any) => void}} */
export function createParts() {
  /** @type {HTMLElement | undefined} */
  let panel
  const parts = {
    /**
     * @param {any[]} job [how, ...arguments]
     * @param {any} o what the core hands over: doc, lang, store, send, shown, sw, active
     */
    run([how, arg, kind, ...rest], o) {
      const win = o.doc.defaultView
      // An opt-out while the file was on the way: no chat, and nothing for the analytics.
      if (how == 'chat') o.active() && Object.assign(parts, mount({ ...o, offer: arg }))
      else if (how == 'privacy') panel = panel?.isConnected ? void panel.remove() : privacy(o, arg)
      else if (how == 'banner') banner(o.doc, arg)
      else if (o.active()) {
        try {
          ;(win[arg || 'dataLayer'] ||= []).push(layerEvent(kind, rest))
        } catch (_) {
          /* the site's analytics must not break the page */
        }
      }
    },
  }
  return parts
}
