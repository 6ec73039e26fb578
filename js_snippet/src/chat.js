/**
 * The "reason for your visit" chat widget and the opt-out switch.
 *
 * Offered at most once per session, after the delay the server asks for, in
 * a corner, and gone for good when dismissed. Everything shown is set with
 * textContent: chat replies are plain text, never HTML. Buttons need no
 * type="button": they live in a shadow root, outside any form of the site.
 */

import { CHAT, read, write } from './storage.js'
import { h, optoutSwitch, shadow } from './style.js'

/**
 * @typedef {{id: string, label: string}} Choice
 * @typedef {{prompt?: string, choices?: Choice[], delay_ms?: number, dose?: string}} Offer
 */

/**
 * @param {{
 *   doc: Document, store: Storage | null, strings: import('./strings.js').Strings,
 *   send: (msg: object) => void, active: () => boolean,
 *   setOptout: (on: boolean) => void, shown: (offer: Offer) => void,
 * }} o
 */
export function createChat(o) {
  const { doc, strings } = o
  /** @type {{sync: (optedOut: boolean) => void, say: (text: string, choices?: Choice[]) => void} | null} */
  let widget = null

  /** @param {Offer} offer */
  function build(offer) {
    const prompt = offer.prompt || strings.prompt
    const host = doc.createElement('lotse-chat')
    const wrap = h(doc, 'div', 'chat')
    const dialog = h(doc, 'div', 'dialog', null, { role: 'dialog', 'aria-label': prompt })
    const log = h(doc, 'div', 'log', null, { role: 'log', 'aria-live': 'polite' })
    const choices = h(doc, 'div', 'choices')
    const form = h(doc, 'form')
    const input = /** @type {HTMLInputElement} */ (
      h(doc, 'input', '', null, { type: 'text', maxlength: '500', autocomplete: 'off', 'aria-label': strings.answer })
    )
    const [label, box] = optoutSwitch(doc, strings.off, o.setOptout)
    const launch = h(doc, 'div', 'launch')
    const open = h(doc, 'button', 'open', prompt, { 'aria-expanded': 'false' })
    const dismiss = h(doc, 'button', '', '×', { 'aria-label': strings.dismiss })
    dialog.hidden = true

    /**
     * Open or close: the launcher (which shows the prompt) toggles the dialog
     * and Escape closes it. Focus moves into the dialog (first quick reply,
     * else the text field, else the switch) and back to the launcher.
     */
    const toggle = (/** @type {boolean} */ show) => {
      dialog.hidden = !show
      open.setAttribute('aria-expanded', /** @type {any} */ (show)) // "true" / "false"
      const target = /** @type {HTMLElement} */ (
        show ? (form.hidden ? box : choices.querySelector('button') || input) : open
      )
      target.focus()
    }
    const line = (/** @type {string} */ cls, /** @type {string} */ text) => {
      log.append(h(doc, 'p', cls, text))
      log.scrollTop = log.scrollHeight
    }
    const answer = (/** @type {object} */ msg, /** @type {string} */ shown) => {
      line('me', shown)
      choices.replaceChildren()
      o.send(Object.assign({ type: 'chat' }, msg))
    }
    const replies = (/** @type {unknown} */ list) => {
      choices.replaceChildren()
      if (Array.isArray(list)) {
        for (const c of list) {
          if (!c || typeof c.id !== 'string' || typeof c.label !== 'string') continue
          const b = h(doc, 'button', '', c.label)
          b.addEventListener('click', () => answer({ choice: c.id }, c.label))
          choices.append(b)
        }
      }
    }

    open.addEventListener('click', () => toggle(dialog.hidden))
    dismiss.addEventListener('click', () => host.remove())
    wrap.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !dialog.hidden) toggle(false)
    })
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const text = input.value.trim()
      if (!text) return
      input.value = ''
      answer({ text }, text)
    })

    form.append(input, h(doc, 'button', '', strings.send))
    dialog.append(log, choices, form, label)
    launch.append(open, dismiss)
    wrap.append(dialog, launch)
    shadow(host).append(wrap)
    doc.body.append(host)

    line('bot', prompt)
    replies(offer.choices)
    widget = {
      sync(optedOut) {
        box.checked = optedOut
        // Opted out: no answers are taken, only the switch remains.
        form.hidden = choices.hidden = optedOut
      },
      say(text, list) {
        line('bot', text)
        replies(list)
      },
    }
    widget.sync(!o.active())
  }

  return {
    /**
     * The server offers the chat (welcome.chat). Shown after `delay_ms`,
     * unless it was already offered in this session or the visitor opted out.
     * @param {Offer} offer
     */
    offer(offer) {
      const due = () => !widget && !read(o.store, CHAT) && o.active()
      if (!due() || typeof offer !== 'object') return
      setTimeout(() => {
        if (!due()) return
        write(o.store, CHAT, '1')
        build(offer)
        o.shown(offer)
      }, offer.delay_ms) // a missing, negative or non-numeric delay counts as 0
    },

    /**
     * A chatbot message (`say`), shown as text with its quick replies.
     * @param {{text?: unknown, choices?: Choice[]}} msg
     */
    say(msg) {
      if (widget && typeof msg.text === 'string') widget.say(msg.text, msg.choices)
    },

    /** Reflect the opt-out state in the switch. @param {boolean} optedOut */
    sync(optedOut) {
      if (widget) widget.sync(optedOut)
    },
  }
}
