/**
 * What the chat's file (dist/lotse-chat.min.js) hands the core that loaded
 * it: one `run` for each job the core asks of it (index.js, `load`), in the
 * order asked:
 *
 * - `['chat', offer]`: a welcome offers the chat: the widget, when the offer is due
 *   (its `say` and `sync` then join the parts);
 * - `['privacy', link]`: the privacy panel of a `data-lotse-privacy` link, opened or closed again;
 * - `['banner', text]`: the preview banner;
 * - `['layer', name, kind, ...]`: the dataLayer hand-off (data-datalayer), which
 *   pushes to `window[name || 'dataLayer']`: `swap` (slot, variant: applied,
 *   pushed at once), `arm` (slot, the swap or `arm` message naming its
 *   experiment), `seen` (slot, variant: seen now; the exposure of its arm),
 *   `page` (a new page view: experiments forgotten) and `view` (a new page
 *   view or a return from the back/forward cache: exposures counted afresh).
 */

import { mount } from './chat.js'
import { langOf } from './events.js'
import { banner, privacy } from './panels.js'
import { read } from './storage.js'

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
  /** slot id -> its experiment and arm on this page view (a swap applied, or an `arm` message) */
  /** @type {Record<string, {experiment: string, arm?: string, variant?: string}>} */
  let arms = {}
  /** "slot\nexperiment" exposures pushed on this page view */
  let exposed = new Set()
  /** The chat was offered on this page (see `run`). */
  let offered = false
  const parts = {
    /**
     * @param {any[]} job [how, ...arguments]
     * @param {any} o what the core hands over: doc, lang, store, send, opt, active
     */
    run([how, arg, kind, a, b], o) {
      const win = o.doc.defaultView
      /** @param {string} kind @param {unknown[]} args */
      const push = (kind, ...args) => {
        try {
          ;(win[arg || 'dataLayer'] ||= []).push(layerEvent(kind, args))
        } catch (_) {
          /* the site's analytics must not break the page */
        }
      }
      o.lang = langOf(o.lang)
      if (how == 'chat') {
        // Offered (a welcome with `chat`), once per page however often the server says
        // welcome. The offer (the launcher with an unread badge) is made at most once per
        // browser session (sessionStorage `lotse.chat`: "1"); a visitor who opened it
        // ("o") finds the launcher again, at once and without the badge; one who
        // dismissed it ("x") sees it no more. A missing, negative or non-numeric delay
        // counts as 0. An opt-out meanwhile: no chat.
        const state = read(o.store, 'chat')
        if (!offered && (!state || state == 'o')) {
          setTimeout(() => o.active() && Object.assign(parts, mount({ ...o, offer: arg })), state ? 0 : arg.delay_ms)
        }
        offered = true
      }
      else if (how == 'privacy') panel = panel?.isConnected ? void panel.remove() : privacy(o, arg)
      else if (how == 'banner') banner(o.doc, arg)
      else if (kind == 'page') arms = {}
      else if (kind == 'view') exposed = new Set()
      else if (kind == 'arm') {
        if (typeof a == 'string' && typeof b.experiment == 'string') arms[a] = b
      } else if (o.active()) {
        if (kind == 'swap') push(kind, a, b)
        else {
          // Seen: an exposure when the slot shows its arm's variant ("default" in the
          // control arm), once per slot and experiment per page view.
          const arm = arms[a]
          const key = a + '\n' + arm?.experiment
          if (arm && (arm.variant || 'default') == b && !exposed.has(key)) {
            exposed.add(key)
            push('exposure', arm.experiment, arm.arm, b)
          }
        }
      }
    },
  }
  return parts
}
