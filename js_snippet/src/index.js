/**
 * Wiring: reads the script tag, installs `window.lotse`, connects the page's
 * events, slots and chat to the server. Each part lives in its own module;
 * this one only decides who tells whom.
 */

import { createChat } from './chat.js'
import {
  clickMessage,
  convertMessage,
  helloMessage,
  langOf,
  pageMessage,
  shapeUrl,
  socketUrl,
  swapEvent,
} from './events.js'
import { watchHistory } from './history.js'
import { createSlots } from './slots.js'
import { ARMS, BACK, DOSES, OPTOUT, STICKY, TOKEN, VISIT, VISITS, area, countDose, keepArms, parse, read, write } from './storage.js'
import { stringsFor } from './strings.js'
import { supported } from './style.js'
import { createTransport } from './transport.js'

/* global __LOTSE_VERSION__ */
export const VERSION = typeof __LOTSE_VERSION__ === 'string' ? __LOTSE_VERSION__ : 'dev'

/** Anti-flicker budget when the script tag has no data-flicker-ms. */
export const FLICKER_MS = 300

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
  const session = area(win, 'sessionStorage')
  const local = area(win, 'localStorage')
  const gpc = /** @type {any} */ (win.navigator).globalPrivacyControl === true
  const lang = langOf(doc.documentElement.getAttribute('lang'))
  const strings = stringsFor(lang)
  const flickerAttr = script.getAttribute('data-flicker-ms')
  const flickerMs = flickerAttr && +flickerAttr >= 0 ? +flickerAttr : FLICKER_MS
  /** data-datalayer: the name of the site's analytics array ("" or no value: dataLayer). */
  const layer = script.getAttribute('data-datalayer')

  let optedOut = gpc || read(local, OPTOUT) === '1'
  /** @type {boolean | undefined} */
  let consent
  /** @type {string | undefined} */
  let verified
  /** @type {number | undefined} */
  let visits
  /** @type {Array<[string, number]> | undefined} the dose counters as this visit began */
  let doses
  let pageUrl = ''

  const active = () => !optedOut
  /** Every tracking message goes through here: nothing at all when opted out. */
  const emit = (/** @type {object} */ msg) => {
    if (!optedOut) transport.send(msg)
  }
  const hasToken = () => !!read(session, TOKEN)
  /** Hand an event to the site's analytics (GTM, Matomo): only with data-datalayer, never opted out. */
  const push = (/** @type {object} */ event) => {
    if (layer == null || optedOut) return
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
          slots: slots.ids(),
          token,
          consent,
          verified,
          visits,
          doses,
          returning: keepArms(parse(read(session, BACK))),
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
   * @param {boolean} on
   * @param {boolean} [fromServer] the server already knows (welcome.optout)
   */
  function setOptout(on, fromServer) {
    // Global Privacy Control is a standing opt-out that a click cannot undo.
    if (on !== optedOut && (on || !gpc)) {
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
    }
    chat.sync(optedOut)
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
  const chat = createChat({ doc, store: session, strings, send: emit, active, setOptout, shown })

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
          else if (msg.chat) chat.offer(msg.chat)
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
          chat.say(msg)
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

  const pageView = () => {
    try {
      const url = shapeUrl(win.location.href)
      if (url === pageUrl) return
      pageUrl = url
      slots.page(url, (ids) => {
        if (optedOut) return
        if (transport.isOpen()) transport.send(pageMessage(win.location.href, origin, ids))
        // Not connected: the next hello carries the current page instead.
        else transport.wake()
      })
    } catch (_) {
      /* never break the site's router */
    }
  }

  const start = () => {
    pageUrl = shapeUrl(win.location.href)
    slots.start(pageUrl)
    watchHistory(win, pageView)
    connect()
  }

  doc.addEventListener(
    'click',
    (e) => {
      const target = /** @type {Element} */ (e.target)
      if (!target || !target.closest) return
      const link = target.closest('a[href]')
      const msg = link && clickMessage(/** @type {string} */ (link.getAttribute('href')), origin, doc.baseURI)
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
