/**
 * The "reason for your visit" chat widget, in a file of its own
 * (dist/lotse-chat.min.js): the core loads it only when the server offers
 * the chat, and hands it what it needs (`mount`). When to offer is the
 * core's business (index.js); this file only draws and talks.
 *
 * Like a messenger: a small launcher in the corner with an unread badge (the
 * nudge), a dialog with a header (the site's name, a close button), the
 * question and the answers as message bubbles, quick replies as pills, a
 * short typing pause before the bot answers, a text field, and the opt-out
 * switch. On a phone the dialog is a bottom sheet. Everything is out of the
 * page's flow and of fixed size, so opening, answering and closing move
 * nothing on the page; new messages scroll inside the log.
 *
 * Accessible: a labelled dialog, bot messages announced through a live
 * region, focus moved in on open and back on close, Escape closes, native
 * buttons and fields only. Text is set with textContent: replies are plain
 * text, never HTML. Buttons need no type="button": they live in a shadow
 * root, outside any form of the site.
 */

import { read, write } from './storage.js'
import { stringsFor } from './strings.js'
import { h, optoutSwitch, shadow } from './ui.js'

const DE = {
  prompt: 'Was führt Sie zu uns?',
  unread: 'neue Nachricht',
  dismiss: 'Nicht mehr anzeigen',
  answer: 'Ihre Antwort',
  send: 'Senden',
  close: 'Schließen',
}

const EN = {
  prompt: 'What brings you here today?',
  unread: 'new message',
  dismiss: 'Do not show again',
  answer: 'Your answer',
  send: 'Send',
  close: 'Close',
}

/** The bot "types" at least this long (milliseconds) before its answer shows. */
export const TYPING_MS = 700

/**
 * The theme: internal short names for the site's documented custom
 * properties (docs/snippet.md, "Theming"), with defaults for light and dark
 * mode; the page's font.
 */
const CSS =
  ':host{all:initial;font-family:inherit;font-size:15px;line-height:1.45;color:var(--fg);' +
  '--a:var(--lotse-accent,#0b57d0);--on:var(--lotse-on-accent,#fff);--bg:var(--lotse-bg,#fff);--fg:var(--lotse-text,#1f1f1f);' +
  '--bu:var(--lotse-bubble,#eceff1);--ln:var(--lotse-border,#747775);--r:var(--lotse-radius,16px)}' +
  '@media(prefers-color-scheme:dark){:host{--a:var(--lotse-accent,#a8c7fa);--on:var(--lotse-on-accent,#062e6f);' +
  '--bg:var(--lotse-bg,#1f1f1f);--fg:var(--lotse-text,#e3e3e3);--bu:var(--lotse-bubble,#303134);--ln:var(--lotse-border,#8e918f)}}' +
  '[hidden]{display:none!important}' +
  'button,input{font:inherit;color:inherit}' +
  'button{cursor:pointer;background:var(--bg);border:1px solid var(--ln);border-radius:99px;padding:4px 12px}' +
  ':focus-visible{outline:2px solid var(--a);outline-offset:2px}' +
  'p{margin:0 0 8px}' +
  'label{display:flex;gap:8px;align-items:center}' +
  'input{accent-color:var(--a)}' +
  '.box{background:var(--bg);border:1px solid var(--ln);border-radius:var(--r);box-shadow:0 4px 16px #0003}' +
  ':host(lotse-chat){position:fixed;right:16px;bottom:16px;z-index:2147483000}' +
  '.launch{position:relative}' +
  '.open{display:grid;place-items:center;width:56px;height:56px;padding:0;border:0;background:var(--a);color:var(--on);box-shadow:0 4px 12px #0004}' +
  'svg{width:26px;height:26px;fill:currentColor}' +
  '.badge{position:absolute;top:-4px;right:-4px;min-width:20px;border-radius:10px;background:#b3261e;color:#fff;font:700 12px/20px sans-serif;animation:pop .3s}' +
  '.no{position:absolute;top:-10px;left:-10px;width:24px;height:24px;padding:0;line-height:1}' +
  // The dialog: above the launcher, out of the host's flow, of fixed size.
  '.dialog{position:absolute;right:0;bottom:72px;width:min(360px,calc(100vw - 32px));height:min(480px,calc(100vh - 120px));' +
  'display:flex;flex-direction:column;padding:0;overflow:hidden;z-index:1;animation:up .2s}' +
  '.head{display:flex;align-items:center;padding:4px 4px 4px 16px;border-bottom:1px solid var(--ln)}' +
  'h2{flex:1;margin:0;font-size:16px}' +
  '.x{width:44px;height:44px;border:0;padding:0;font-size:22px}' +
  '.log{flex:1;min-height:0;overflow:auto;padding:12px 16px}' +
  '.log p{width:fit-content;max-width:85%;padding:8px 12px;border-radius:18px;overflow-wrap:anywhere}' +
  '.bot{background:var(--bu);border-bottom-left-radius:4px}' +
  '.me{margin-left:auto;background:var(--a);color:var(--on);border-bottom-right-radius:4px}' +
  '.choices{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:8px}' +
  '.choices button{border-color:var(--a);color:var(--a);padding:6px 14px}' +
  '.typing i{display:inline-block;width:6px;height:6px;margin:0 2px;border-radius:50%;background:currentColor;animation:blink 1s infinite}' +
  '.typing i+i{animation-delay:.3s}' +
  'form{display:flex;gap:8px;padding:8px 12px;border-top:1px solid var(--ln)}' +
  'input[type=text]{flex:1;min-width:0;background:var(--bg);border:1px solid var(--ln);border-radius:99px;padding:8px 14px}' +
  '::placeholder{color:inherit;opacity:.7}' +
  'form button{background:var(--a);color:var(--on);border-color:var(--a)}' +
  'label{padding:0 16px 10px;font-size:13px}' +
  '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);margin:0}' +
  '@keyframes pop{from{transform:scale(0)}}' +
  '@keyframes up{from{opacity:0;transform:translateY(12px)}}' +
  '@keyframes blink{50%{opacity:.3}}' +
  '@media(prefers-reduced-motion:reduce){*{animation:none!important}}' +
  // A phone: a bottom sheet over the lower part of the page; the navigation and most
  // of the page stay visible, and one tap on the close button closes it.
  '@media(max-width:600px){:host(lotse-chat){right:12px;bottom:12px}.open{width:48px;height:48px}' +
  '.dialog{position:fixed;left:0;right:0;bottom:0;width:auto;height:min(45vh,420px);border-radius:var(--r) var(--r) 0 0}}'

/**
 * The site's name for the dialog's header: the script tag's `data-name`,
 * else the page's `og:site_name` or `application-name`, else the last part of
 * its title ("Kontakt – Acme Pharma"), else its host name.
 * @param {Document} doc
 */
export function siteName(doc) {
  const named = doc.querySelector('script[data-name]')
  const meta = doc.querySelector('meta[property="og:site_name"],meta[name="application-name"]')
  return (
    (named && named.getAttribute('data-name')) ||
    (meta && meta.getAttribute('content')) ||
    doc.title.split(/\s[|–—·-]\s/).pop() ||
    doc.location.hostname
  )
}

/**
 * @typedef {{id: string, label: string}} Choice
 * @typedef {{prompt?: string, choices?: Choice[], delay_ms?: number, dose?: string}} Offer
 */

/**
 * Build the widget and show its launcher.
 *
 * The first offer in a browser session (sessionStorage `lotse.chat` empty)
 * is the nudge, with the unread badge, and counts as shown (its dose);
 * `lotse.chat` then remembers "1" (offered), "o" (opened) or "x" (dismissed).
 *
 * @param {{
 *   doc: Document, lang?: string, offer: Offer, store: Storage | null,
 *   send: (msg: object) => void,
 *   opt: (on?: boolean) => boolean,
 * }} o `opt`: the core's opt-out (nothing: only tell the state)
 * @returns {{say: (msg: {text?: unknown, choices?: unknown}) => void, sync: (optedOut: boolean) => void}}
 */
export function mount(o) {
  const { doc, offer, store } = o
  const t = o.lang === 'de' ? DE : EN
  const nudge = !read(store, 'chat')
  const prompt = offer.prompt || t.prompt
  const host = h(doc, 'lotse-chat', '', null, { role: 'complementary', 'aria-label': 'Chat' })
  const wrap = h(doc, 'div')
  const dialog = h(doc, 'div', 'box dialog', null, { role: 'dialog', 'aria-labelledby': 't' })
  const head = h(doc, 'div', 'head')
  const close = h(doc, 'button', 'x', '×', { 'aria-label': t.close })
  const log = h(doc, 'div', 'log')
  const choices = h(doc, 'div', 'choices')
  const typing = h(doc, 'p', 'bot typing', null, { 'aria-hidden': 'true' })
  /** Bot messages are announced here; the log itself is not a live region (it holds the visitor's words too). */
  const live = h(doc, 'p', 'sr', null, { 'aria-live': 'polite' })
  const form = h(doc, 'form')
  const input = /** @type {HTMLInputElement} */ (
    h(doc, 'input', '', null, { type: 'text', maxlength: '500', autocomplete: 'off', 'aria-label': t.answer, placeholder: t.answer })
  )
  const [label, box] = optoutSwitch(doc, stringsFor(o.lang).off, o.opt)
  const launch = h(doc, 'div', 'launch')
  // Named by its content: the prompt (visually hidden) and, the first time, the badge's
  // "1" with "new message" (so the visible "1" is part of the name).
  const open = h(doc, 'button', 'open', null, { 'aria-expanded': 'false', 'aria-haspopup': 'dialog' })
  const unread = [h(doc, 'span', 'badge', '1'), h(doc, 'span', 'sr', ' ' + t.unread)]
  const dismiss = h(doc, 'button', 'no', '×', { 'aria-label': t.dismiss })
  const svg = doc.createElementNS('http://www.w3.org/2000/svg', 'svg')
  const path = doc.createElementNS('http://www.w3.org/2000/svg', 'path')
  /** When the visitor last answered: the bot's reply shows TYPING_MS after it at the earliest. */
  let asked = 0
  dialog.hidden = true
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('aria-hidden', 'true')
  path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z')
  svg.append(path)
  open.append(svg, h(doc, 'span', 'sr', prompt + ' '))
  if (nudge) open.append(...unread)
  typing.append(h(doc, 'i'), h(doc, 'i'), h(doc, 'i'))

  /**
   * Open or close. Focus moves into the dialog (first quick reply, else the
   * text field, else the switch) and back to the launcher. Opening reads the
   * unread message: the badge goes.
   */
  const toggle = (/** @type {boolean} */ show) => {
    dialog.hidden = !show
    open.setAttribute('aria-expanded', /** @type {any} */ (show)) // "true" / "false"
    if (show) {
      for (const el of unread) el.remove()
      write(store, 'chat', 'o')
    }
    /** @type {HTMLElement} */ ((show ? (form.hidden ? box : choices.querySelector('button') || input) : open)).focus()
  }
  const line = (/** @type {string} */ cls, /** @type {string} */ text) => {
    log.append(h(doc, 'p', cls, text))
    log.scrollTop = log.scrollHeight
  }
  /** Quick replies, as pills under the bot's message. */
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
    log.append(choices)
  }
  const answer = (/** @type {object} */ msg, /** @type {string} */ text) => {
    // Out of the log, not just emptied: put back at its end later, it moves nothing above.
    choices.replaceChildren()
    choices.remove()
    line('me', text)
    log.append(typing)
    log.scrollTop = log.scrollHeight
    asked = Date.now()
    input.focus()
    o.send(Object.assign({ type: 'chat' }, msg))
  }

  open.addEventListener('click', () => toggle(dialog.hidden))
  close.addEventListener('click', () => toggle(false))
  dismiss.addEventListener('click', () => {
    host.remove()
    write(store, 'chat', 'x')
  })
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

  head.append(h(doc, 'h2', '', siteName(doc), { id: 't' }), close)
  form.append(input, h(doc, 'button', '', t.send))
  dialog.append(head, log, form, label)
  launch.append(open, dismiss)
  wrap.append(dialog, launch, live)
  shadow(host, CSS).append(wrap)
  doc.body.append(host)
  line('bot', prompt)
  replies(offer.choices)
  if (nudge) write(store, 'chat', '1')

  const widget = {
    /** A chatbot message (`say`), after the typing pause, with its quick replies. */
    say(/** @type {{text?: unknown, choices?: unknown}} */ msg) {
      const text = msg.text
      if (typeof text !== 'string') return
      setTimeout(() => {
        typing.remove()
        line('bot', text)
        replies(msg.choices)
        live.textContent = text
      }, asked + TYPING_MS - Date.now())
    },
    /** Opted out: no answers are taken, only the switch remains. */
    sync(/** @type {boolean} */ optedOut) {
      box.checked = optedOut
      form.hidden = choices.hidden = optedOut
    },
  }
  widget.sync(box.checked)
  return widget
}
