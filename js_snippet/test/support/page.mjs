/**
 * A page in jsdom with the browser parts jsdom lacks replaced by
 * controllable fakes: WebSocket, IntersectionObserver, matchMedia, and
 * constructed stylesheets on shadow roots. Used by the DOM tests, which run
 * either the source (boot) or the built dist/lotse.min.js.
 */
import { readFileSync } from 'node:fs'
import { JSDOM } from 'jsdom'
import { createParts } from '../../src/lazy.js'
import { WHY_CSS, whyHtml } from '../../src/why-box.js'

/** The built chat widget, for pages that run the built core (`chat: 'dist'`). */
const CHAT_DIST = readFileSync(new URL('../../dist/lotse-chat.min.js', import.meta.url), 'utf8')

export const ORIGIN = 'https://www.example.de'

/**
 * @param {{
 *   body?: string, url?: string, referrer?: string, lang?: string,
 *   script?: string, gpc?: boolean, reducedMotion?: boolean,
 *   session?: Record<string, string>, local?: Record<string, string>,
 *   head?: string, chat?: 'src' | 'dist' | 'fail',
 * }} [o] `chat`: what happens when the core adds the chat's <script> to the page
 *   (jsdom loads no scripts): the widget from the source (default), the built
 *   chat file, or a failed load (nothing runs)
 */
export function makePage(o = {}) {
  const script = o.script ?? `<script data-site="demo" data-flicker-ms="0" src="https://lotse.example.net/lotse.js"></script>`
  const dom = new JSDOM(
    // jsdom computes only declared values; browsers default `position` to static.
    `<!doctype html><html lang="${o.lang ?? 'de'}"><head><style>*{position:static}</style>${o.head ?? ''}${script}</head><body>${o.body ?? ''}</body></html>`,
    {
      url: o.url ?? ORIGIN + '/start?utm_source=news&q=secret#top',
      referrer: o.referrer,
      pretendToBeVisual: true,
      runScripts: 'outside-only',
    },
  )
  const win = dom.window
  // As on any page after the session's first: the "why" control the server sent is kept
  // (swaps in tests often come without a welcome first).
  const why = { css: WHY_CSS, html: whyHtml(o.lang ?? 'de') }
  for (const [k, v] of Object.entries({ 'lotse.why': JSON.stringify(why), ...o.session })) win.sessionStorage.setItem(k, v)
  for (const [k, v] of Object.entries(o.local ?? {})) win.localStorage.setItem(k, v)

  const sockets = []
  class FakeSocket {
    constructor(url) {
      this.url = url
      this.readyState = 0
      this.sent = []
      sockets.push(this)
    }
    send(data) {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open')
      this.sent.push(JSON.parse(data))
    }
    close(code) {
      this.closedWith = code
      this.readyState = 3
    }
    open() {
      this.readyState = 1
      this.onopen({})
    }
    receive(msg) {
      // The server sends the "why" control with every welcome (its stylesheet and markup,
      // in the page's language); tests leave it out unless they test it.
      if (msg.type === 'welcome' && !('why' in msg)) msg = { ...msg, why }
      this.onmessage({ data: JSON.stringify(msg) })
    }
    drop(code = 1006) {
      this.readyState = 3
      this.onclose({ code })
    }
    types() {
      return this.sent.map((m) => m.type)
    }
  }
  win.WebSocket = FakeSocket

  const observers = []
  class FakeObserver {
    constructor(callback, options) {
      this.callback = callback
      this.options = options
      this.targets = new Set()
      observers.push(this)
    }
    observe(el) {
      this.targets.add(el)
    }
    unobserve(el) {
      this.targets.delete(el)
    }
    disconnect() {
      this.targets.clear()
    }
  }
  win.IntersectionObserver = FakeObserver
  /** Report a slot's visibility as the browser would. */
  const intersect = (el, ratio, height = 100 * ratio) => {
    for (const ob of observers) {
      if (!ob.targets.has(el)) continue
      ob.callback([{ target: el, isIntersecting: ratio > 0, intersectionRatio: ratio, intersectionRect: { height } }], ob)
    }
  }

  win.matchMedia = (query) => ({ matches: !!o.reducedMotion && query.includes('reduce'), media: query })
  // Browsers have constructed stylesheets on documents and shadow roots alike (the snippet's
  // feature test looks at the document).
  for (const proto of [win.ShadowRoot.prototype, win.Document.prototype]) {
    if ('adoptedStyleSheets' in proto) continue
    Object.defineProperty(proto, 'adoptedStyleSheets', {
      configurable: true,
      get() {
        return this._sheets || []
      },
      set(value) {
        this._sheets = value
      },
    })
  }
  if (!('replaceSync' in win.CSSStyleSheet.prototype)) {
    win.CSSStyleSheet.prototype.replaceSync = function (text) {
      this._text = text
    }
  }
  if (o.gpc) Object.defineProperty(win.navigator, 'globalPrivacyControl', { value: true })

  // jsdom cannot navigate; stop link and form navigation after the snippet saw it.
  win.document.addEventListener('click', (e) => e.target.closest('a[href]') && e.preventDefault())
  win.document.addEventListener('submit', (e) => e.preventDefault())

  const errors = []
  win.addEventListener('error', (e) => errors.push(e.error || e.message))

  // The chat's file: loaded "over the network" (a task later) when the core adds its <script>.
  const scripts = []
  new win.MutationObserver((records) => {
    for (const r of records) {
      for (const el of r.addedNodes) {
        if (el.nodeName !== 'SCRIPT' || !el.src) continue
        scripts.push(el)
        const how = o.chat ?? 'src'
        setTimeout(() => {
          if (how === 'fail') return el.dispatchEvent(new win.Event('error'))
          if (how === 'dist') win.eval(CHAT_DIST)
          else if (win.lotse && win.lotse._w) win.lotse._w(createParts())
          el.dispatchEvent(new win.Event('load'))
        })
      }
    }
  }).observe(win.document.head, { childList: true })

  return {
    dom,
    win,
    doc: win.document,
    sockets,
    FakeSocket,
    intersect,
    errors,
    /** The <script> elements the core added (the chat's file). */
    scripts,
    /** The socket opened last. */
    get socket() {
      return sockets.at(-1)
    },
    $: (sel) => win.document.querySelector(sel),
    /** Wait until DOMContentLoaded has run and microtasks settled. */
    ready: () =>
      new Promise((resolve) => {
        const done = () => setTimeout(resolve, 0)
        if (win.document.readyState === 'loading') win.document.addEventListener('DOMContentLoaded', done)
        else done()
      }),
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The shadow root of the "why" control inside a slot. */
export const whyOf = (slot) => slot.querySelector('lotse-why')?.shadowRoot
/** The chat widget's shadow root. */
export const chatOf = (doc) => doc.querySelector('lotse-chat')?.shadowRoot

/**
 * Start the snippet (`boot`, from the source) in `page`, connect and welcome
 * it, with every slot reported out of view, so a swap is applied at once.
 */
export async function welcomed(page, boot) {
  boot(page.win)
  await page.ready()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: null })
  for (const el of page.doc.querySelectorAll('[data-lotse-slot]')) page.intersect(el, 0)
  return page
}

/**
 * One page load of a returning visitor (not started yet): `consent` is given
 * through the queue stub, before connecting (null: the site never calls it);
 * storage carries over from `from` (a new visit when `newVisit`: sessionStorage
 * starts empty, as in a new browser session).
 * @param {{body: string, consent?: boolean | null, from?: {win: Window}, newVisit?: boolean,
 *   local?: Record<string, string>, url?: string}} o
 */
export function visitPage({ body, consent = true, from, newVisit = false, local, url }) {
  const page = makePage({
    body,
    url,
    local: local ?? (from ? { ...from.win.localStorage } : {}),
    session: from && !newVisit ? { ...from.win.sessionStorage } : {},
  })
  if (consent !== null) page.win.lotse = Object.assign(() => {}, { q: [['consent', consent]] })
  return page
}
