/**
 * Wiring: reads the script tag, installs `window.lotse`, connects the page's
 * events, slots and the chat's file to the server. Each part lives in its
 * own module; this one only decides who tells whom.
 */

import { SLOT_ATTR } from './eligibility.js'
import {
  clickMessage,
  convertMessage,
  helloMessage,
  langOf,
  pageInfo,
  pageMessage,
  shapeUrl,
  socketUrl,
  swapEvent,
} from './events.js'
import { watchHistory } from './history.js'
import { createSlots } from './slots.js'
import { ARMS, BACK, CHAT, DOSES, OPTOUT, STICKY, TOKEN, VISIT, VISITS, area, countDose, keepArms, parse, read, write } from './storage.js'
import { stringsFor } from './strings.js'
import { banner, optoutSwitch, privacy, supported } from './ui.js'
import { createTransport } from './transport.js'

/* global __LOTSE_VERSION__, __LOTSE_CHAT_SRC__, __LOTSE_CHAT_SRI__ */
export const VERSION = typeof __LOTSE_VERSION__ === 'string' ? __LOTSE_VERSION__ : 'dev'
/**
 * The chat widget's file, relative to this script's URL, with its version
 * (`?v=`, so it can be cached for good) and its Subresource Integrity hash:
 * the build writes both in (scripts/build-options.mjs).
 */
export const CHAT_SRC = typeof __LOTSE_CHAT_SRC__ === 'string' ? __LOTSE_CHAT_SRC__ : 'lotse-chat.js'
export const CHAT_SRI = typeof __LOTSE_CHAT_SRI__ === 'string' ? __LOTSE_CHAT_SRI__ : ''

/** Anti-flicker budget when the script tag has no data-flicker-ms. */
export const FLICKER_MS = 300
/**
 * How long a page view with no slot on it yet waits for the page's own script
 * to render them (a single-page app) before it is announced without them.
 */
export const SLOT_WAIT_MS = 1000

/**
 * Start the snippet in `win`. Safe to call twice (the second call does
 * nothing) and safe in browsers that lack what it needs (it stays inert).
 *
 * @param {Window & typeof globalThis & Record<string, any>} win
 * @param {{WebSocket?: typeof WebSocket, jitter?: () => number}} [deps] injectable for tests
 */
export function boot(win, deps = {}) {
  const doc = win.document
  const prior = win.lotse
  if (prior && prior.version) return

  /** @type {(args: any[]) => void} */
  let command = () => {}
  /** The public API: `lotse('convert', 'newsletter')` and friends. Never throws. */
  const api = function () {
    try {
      command(Array.from(arguments))
    } catch (_) {
      /* a bad call from the site must not break the page */
    }
  }
  api.version = VERSION
  win.lotse = api

  const script = /** @type {HTMLScriptElement | null} */ (
    doc.currentScript || doc.querySelector('script[data-site]')
  )
  const site = script && script.getAttribute('data-site')
  if (!script || !site || !supported(win)) return

  const origin = win.location.origin
  // A preview link (`lotse preview`): the page as one visitor type sees it. Nothing of
  // it is stored in the browser (no token, no variants, no counts): storage reads as
  // empty and writes go nowhere; only a standing opt-out is still honoured.
  const preview = new URLSearchParams(win.location.search).get('lotse_preview')
  const session = preview ? null : area(win, 'sessionStorage')
  const optin = area(win, 'localStorage')
  const local = preview ? null : optin
  const gpc = /** @type {any} */ (win.navigator).globalPrivacyControl === true
  const lang = langOf(doc.documentElement.getAttribute('lang'))
  const strings = stringsFor(lang)
  const flickerAttr = script.getAttribute('data-flicker-ms')
  const flickerMs = flickerAttr && +flickerAttr >= 0 ? +flickerAttr : FLICKER_MS
  /** data-datalayer: the name of the site's analytics array ("" or no value: dataLayer). */
  const layer = script.getAttribute('data-datalayer')

  let optedOut = gpc || read(optin, OPTOUT) === '1'
  /** @type {boolean | undefined} */
  let consent
  /** @type {string | undefined} */
  let verified
  /** @type {number | undefined} */
  let visits
  /** @type {Array<[string, number]> | undefined} the dose counters as this visit began */
  let doses
  let pageUrl = ''
  /** @type {string[]} the slot ids the server was told of for this page view */
  let announced = []
  /** @type {(() => void) | null} a page view waiting for the page to render its slots */
  let waiting = null
  let timer
  /** The chat: 1 while its file is on the way, then the widget. */
  /** @type {any} */
  let chat
  /** @type {HTMLElement | undefined} the privacy panel of a data-lotse-privacy link */
  let panel

  const active = () => !optedOut
  /** Every tracking message goes through here: nothing at all when opted out. */
  const emit = (/** @type {object} */ msg) => {
    if (!optedOut) transport.send(msg)
  }
  const hasToken = () => !!read(session, TOKEN)
  /** Hand an event to the site's analytics (GTM, Matomo): only with data-datalayer, never opted out. */
  const push = (/** @type {object} */ event) => {
    if (layer == null || optedOut || preview) return
    try {
      const name = layer || 'dataLayer'
      ;(win[name] = win[name] || []).push(event)
    } catch (_) {
      /* the site's analytics must not break the swap */
    }
  }
  /**
   * A swap applied in the page, or the chat offer shown: its dose is counted
   * (consent only), and a swap goes to the site's analytics.
   * @param {{dose?: unknown, slot?: string, variant?: string}} m
   */
  const shown = (m) => {
    if (consent && m.dose) write(local, DOSES, JSON.stringify(countDose(parse(read(local, DOSES)), m.dose)))
    if (m.slot) push(swapEvent(/** @type {any} */ (m)))
  }
  /** Consent withdrawn, or opt-out: the visit count, the dose counters and the arms are deleted. */
  const forget = () => {
    write(local, VISITS, null)
    write(local, DOSES, null)
    write(local, ARMS, null)
    write(session, VISIT, null)
    write(session, BACK, null)
    visits = doses = undefined
  }
  /** Connect, unless opted out with no server-side session left to delete. */
  const connect = () => {
    if (!optedOut || hasToken()) transport.start()
  }

  const transport = createTransport(socketUrl(script.src || win.location.href, script.getAttribute('data-endpoint')), {
    WebSocket: deps.WebSocket || win.WebSocket,
    jitter: deps.jitter,
    onOpen(send) {
      const token = read(session, TOKEN)
      if (optedOut) {
        // Connected only to delete the session of an opt-out made while offline.
        // The hello says no more than finds the session: no slots, referrer or language.
        if (token) {
          send(helloMessage({ site, href: win.location.href, origin, slots: [], token }))
          send({ type: 'optout' })
        }
        write(session, TOKEN, null)
        transport.drain()
        transport.stop()
        return
      }
      send(
        helloMessage({
          site,
          href: win.location.href,
          origin,
          referrer: doc.referrer,
          lang,
          slots: (announced = slots.ids()),
          token,
          consent,
          verified,
          visits,
          doses,
          returning: keepArms(parse(read(session, BACK))),
          preview,
          ...pageInfo(doc),
        }),
      )
      // The previous visit's arms go out once: in the first hello with consent.
      if (consent) write(session, BACK, null)
    },
    onMessage: receive,
    // No server: stop hiding slots and show the defaults now.
    onClose: () => slots.release(),
  })

  /**
   * Opt out (or back in). Opting out restores defaults on the client at once,
   * without waiting for the server, and forgets everything remembered.
   * @param {boolean} [on] nothing: only tell the state
   * @param {boolean} [fromServer] the server already knows (welcome.optout)
   * @returns {boolean} whether the visitor is opted out now
   */
  function setOptout(on, fromServer) {
    // Global Privacy Control is a standing opt-out that a click cannot undo.
    if (on != null && on !== optedOut && (on || !gpc)) {
      optedOut = on
      write(local, OPTOUT, on ? '1' : null)
      if (on) {
        forget()
        slots.restore()
        write(session, STICKY, null)
        transport.drain()
        if (fromServer || transport.isOpen()) {
          if (!fromServer) transport.send({ type: 'optout' })
          write(session, TOKEN, null)
          transport.stop()
        } else if (!hasToken()) {
          transport.stop()
        } // else: still connecting; onOpen delivers the opt-out.
      } else {
        transport.send({ type: 'optin' })
        transport.start()
      }
      if (chat && chat.sync) chat.sync(optedOut)
    }
    return optedOut
  }

  const slots = createSlots({
    win,
    doc,
    store: session,
    flickerMs,
    clock: () => win.performance.now(),
    send: emit,
    active,
    setOptout,
    strings,
    shown,
    exposure: push,
  })

  /**
   * The server offers the chat (welcome.chat). Its file is loaded only now,
   * after `delay_ms`, with its integrity hash; a slow or failing file delays
   * nothing else. The offer (the launcher with an unread badge) is made at
   * most once per browser session (sessionStorage `lotse.chat`: "1"); a
   * visitor who opened it ("o") finds the launcher again on the next pages,
   * without the badge; one who dismissed it ("x") sees it no more.
   * @param {any} offer
   */
  function offerChat(offer) {
    const state = read(session, CHAT)
    if (chat || typeof offer != 'object' || (state && state !== 'o')) return
    chat = 1
    setTimeout(() => {
      /** Called by the chat's file once it runs. @param {(o: object) => object} mount */
      api._w = (mount) => {
        if (chat === 1 && !optedOut) {
          chat = mount({ doc, lang, offer, store: session, send: emit, shown, sw: () => optoutSwitch(doc, strings.off, setOptout) })
        }
      }
      const file = doc.createElement('script')
      file.src = new URL(CHAT_SRC, script.src).href
      file.integrity = CHAT_SRI
      file.crossOrigin = 'anonymous'
      doc.head.append(file)
    }, state ? 0 : offer.delay_ms) // a missing, negative or non-numeric delay counts as 0
  }

  /** A message from the server. @param {Record<string, any>} msg */
  function receive(msg) {
    try {
      // This visit's arm of an experiment (a swap or an arm message): remembered, with
      // consent, for the next visit's hello.
      if (visits && msg.experiment) write(local, ARMS, JSON.stringify(keepArms(parse(read(local, ARMS)), { [msg.experiment]: msg.arm })))
      switch (msg.type) {
        case 'welcome':
          if (typeof msg.token === 'string') write(session, TOKEN, msg.token)
          verified = undefined // bound to the session now; the token carries it
          if (msg.optout === true) setOptout(true, true)
          else if (msg.chat) offerChat(msg.chat)
          if (preview && typeof msg.preview == 'string' && !doc.querySelector('lotse-preview')) banner(doc, msg.preview)
          slots.settle(msg.swaps)
          break
        case 'swap':
          slots.swap(/** @type {any} */ (msg))
          break
        case 'arm':
          slots.control(/** @type {any} */ (msg))
          break
        case 'restore':
          slots.restore(Array.isArray(msg.slots) ? msg.slots : undefined)
          break
        case 'say':
          if (chat && chat.say) chat.say(msg)
          break
        // 'error' and unknown types: nothing for the page to do.
      }
    } catch (_) {
      /* a malformed message changes nothing on the page */
    }
  }

  command = ([name, value]) => {
    if (name === 'convert') emit(convertMessage(value))
    else if (name === 'optout') setOptout(true)
    else if (name === 'optin') setOptout(false)
    else if (name === 'page') pageView()
    else if (name === 'consent') {
      consent = value === true
      if (!consent) forget()
      else if (!optedOut) {
        // A returning-visitor count, kept only with consent; one visit per browser
        // session. The session keeps the dose counters as they stood when the visit
        // began: hello sends those (the server counts this session's doses itself).
        // The previous visit's experiment arms move from localStorage into the session,
        // to go out once, in the next hello with consent; this visit remembers its own.
        visits = +read(local, VISITS)
        let began = read(session, VISIT)
        if (!began) {
          write(local, VISITS, String(++visits))
          write(session, VISIT, (began = read(local, DOSES) || '[]'))
          write(session, BACK, read(local, ARMS))
          write(local, ARMS, null)
        }
        visits = visits || 1
        doses = countDose(parse(began))
      }
      if (transport.isOpen()) emit({ type: 'consent', granted: consent })
    } else if (name === 'verified') {
      verified = String(value).slice(0, 1024)
      if (transport.isOpen()) emit({ type: 'verify', assertion: verified })
    }
  }

  /** Send `page` for the page view now shown (when not connected, the next hello carries it). */
  const sendPage = () => {
    slots.start()
    if (optedOut) return
    if (transport.isOpen()) transport.send(pageMessage(win.location.href, origin, (announced = slots.ids()), pageInfo(doc)))
    else transport.wake()
  }
  /** The first page view: hide what waits for a decision, and connect. */
  const begin = () => {
    slots.start(true)
    connect()
  }
  /**
   * Announce a page view once the page shows slots: at once when it does, or
   * when the page's own script renders the first one, or after SLOT_WAIT_MS.
   * @param {() => void} announce
   */
  const whenSlots = (announce) => {
    clearTimeout(timer)
    waiting = announce
    if (slots.ids().length) flush()
    else timer = setTimeout(flush, SLOT_WAIT_MS)
  }
  const flush = () => {
    clearTimeout(timer)
    const announce = waiting
    waiting = null
    if (announce) announce()
  }
  /**
   * Slots may appear at any time (a router, a lazy component, a consent banner
   * closing): new ones show their remembered variant at once, and the server
   * hears of them as the current page's slots (`slots`).
   */
  const found = () => {
    // A route change under way: its page view (after it settles) finds them.
    if (shapeUrl(win.location.href) !== pageUrl) return
    const ids = slots.scan()
    if (!ids.some((id) => !announced.includes(id))) return
    if (waiting) flush()
    else if (!optedOut && transport.isOpen()) transport.send({ type: 'slots', slots: (announced = ids) })
  }

  /** A route change, or lotse('page'): a page view when the URL changed, else a look for new slots. */
  const pageView = () => {
    try {
      const url = shapeUrl(win.location.href)
      if (url === pageUrl) return found()
      pageUrl = url
      announced = []
      // A first page view still waiting for its slots stays the one to announce.
      slots.page(url, () => whenSlots(waiting === begin ? begin : sendPage))
    } catch (_) {
      /* never break the site's router */
    }
  }

  const start = () => {
    pageUrl = shapeUrl(win.location.href)
    slots.page(pageUrl)
    watchHistory(win, pageView)
    const selector = '[' + SLOT_ATTR + ']'
    new win.MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          const el = /** @type {Element} */ (n)
          if (el.nodeType === 1 && (el.matches(selector) || el.querySelector(selector))) return found()
        }
      }
    }).observe(doc.body, { childList: true, subtree: true })
    whenSlots(begin)
  }

  doc.addEventListener(
    'click',
    (e) => {
      const target = /** @type {Element} */ (e.target)
      if (!target || !target.closest) return
      // The site's own link to the privacy panel (e.g. in the footer): opens or closes it.
      const own = /** @type {HTMLElement | null} */ (target.closest('[data-lotse-privacy]'))
      if (own) {
        e.preventDefault()
        if (panel && panel.isConnected) panel.remove()
        else panel = privacy(doc, strings, setOptout, own)
        return
      }
      const link = /** @type {HTMLElement | null} */ (target.closest('a[href]'))
      const msg =
        link && clickMessage(/** @type {string} */ (link.getAttribute('href')), origin, doc.baseURI, link.innerText || link.textContent)
      if (msg) emit(msg)
      const goal = target.closest('[data-lotse-goal]')
      if (goal && goal.tagName !== 'FORM') emit(convertMessage(goal.getAttribute('data-lotse-goal')))
    },
    true,
  )
  doc.addEventListener(
    'submit',
    (e) => {
      const form = /** @type {Element} */ (e.target)
      const goal = form && form.getAttribute && form.getAttribute('data-lotse-goal')
      if (goal) emit(convertMessage(goal))
    },
    true,
  )

  // Close on pagehide (an open WebSocket keeps a page out of the back/forward
  // cache) and reconnect when it comes back. No unload handlers, no cookies.
  win.addEventListener('pagehide', transport.stop)
  win.addEventListener('pageshow', (e) => {
    if (!e.persisted) return
    slots.reshow()
    connect()
  })

  // Calls made before the script loaded, through the queue stub. Handled
  // before connecting so that consent and opt-out shape the first hello.
  if (prior && Array.isArray(prior.q)) for (const args of prior.q) api.apply(null, args)

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start)
  else start()
}
