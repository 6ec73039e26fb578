/**
 * The core: reads the script tag, installs `window.lotse`, finds the page's
 * slots (also those a page's own script renders late), swaps them without
 * moving the page, reports what was seen, holds the opt-out, and loads the
 * chat's file when something in it is due. The pure rules live in their own
 * modules (eligibility.js, events.js, storage.js, history.js); what the core
 * shows in ui.js. The WebSocket is here too (its object interface cost bytes).
 *
 * Everything here shares one closure on purpose: the core must stay at or
 * under 4 KB gzipped, and local names are the ones the minifier can shorten.
 */

import { SLOT_ATTR, inViewport, isExposed, isSwappable, swapNow } from './eligibility.js'
import { clip, pageInfo, referrerOrigin, shapeUrl, socketUrl } from './events.js'
import { watchHistory } from './history.js'
import { area, parse, read, remember, write } from './storage.js'
import { why } from './ui.js'

/* global __LOTSE_VERSION__, __LOTSE_CHAT_SRC__, __LOTSE_CHAT_SRI__ */
export const VERSION = typeof __LOTSE_VERSION__ == 'string' ? __LOTSE_VERSION__ : 'dev'
/**
 * The chat's file (the chat widget, the privacy panel, the preview banner and
 * the dataLayer hand-off), relative to this script's URL, with its version
 * (`?v=`, so it can be cached for good) and its Subresource Integrity hash:
 * the build writes both in (scripts/build-options.mjs).
 */
export const CHAT_SRC = typeof __LOTSE_CHAT_SRC__ == 'string' ? __LOTSE_CHAT_SRC__ : 'lotse-chat.js'
export const CHAT_SRI = typeof __LOTSE_CHAT_SRI__ == 'string' ? __LOTSE_CHAT_SRI__ : ''

/** Anti-flicker budget when the script tag has no data-flicker-ms. */
export const FLICKER_MS = 300
/**
 * How long a page view with no slot on it yet waits for the page's own script
 * to render them (a single-page app) before it is announced without them.
 */
export const SLOT_WAIT_MS = 1000
/**
 * Messages kept while offline. Bounded because a page left open through a
 * long outage must not grow without limit; the oldest go first because the
 * newest describe what the visitor is doing now.
 */
export const QUEUE_LIMIT = 20
/**
 * Reconnect delays: "full jitter" (a random delay between 0 and an exponential
 * ceiling) rather than plain exponential backoff, so that when a Lotse server
 * restarts, the pages that reconnect at once spread out instead of coming in
 * synchronised waves. The first ceiling doubles with every failed attempt, up to
 * the highest, so a page that outlives a long outage still retries twice a minute.
 */
export const BASE_MS = 500
export const CAP_MS = 30000

/**
 * @typedef {{slot: string, variant: string, html: string, reason: string, experiment?: string, arm?: string, dose?: string}} Swap
 * @typedef {{
 *   el: HTMLElement, id: string, shows: string,
 *   defaults?: Node[] | null, pos?: string,
 *   inView: boolean, exposed?: boolean, held?: boolean, was?: string,
 *   touched?: boolean, pending?: Swap | null
 * }} Slot
 */

/**
 * Start the snippet in `win`. Safe to call twice (the second call does
 * nothing) and safe in browsers that lack what it needs (it stays inert).
 *
 * @param {Window & typeof globalThis & Record<string, any>} win
 */
export function boot(win) {
  const doc = win.document
  const location = win.location
  const prior = win.lotse
  if (prior?.version) return

  /** @type {(name: string, value?: unknown) => void} */
  let command
  /** The public API: `lotse('convert', 'newsletter')` and friends. Never throws (nor when inert). */
  const api = (/** @type {any[]} */ ...args) => {
    try {
      command(...args)
    } catch (_) {
      /* a bad call from the site must not break the page */
    }
  }
  api.version = VERSION
  win.lotse = api

  const script = /** @type {HTMLScriptElement | null} */ (doc.currentScript || doc.querySelector('script[data-site]'))
  const attr = (/** @type {string} */ name) => /** @type {HTMLScriptElement} */ (script).getAttribute('data-' + name)
  const site = script && attr('site')
  // Whether this browser has what the snippet relies on. Without it (browsers older than
  // about 2023) the snippet stays inert and the page keeps its default content. Constructed
  // stylesheets came last (Safari 16.4, Firefox 101, Chrome 73), on documents and shadow
  // roots together; WebSocket, IntersectionObserver and replaceChildren are older
  // everywhere, so this one test covers them.
  if (!site || !('adoptedStyleSheets' in doc)) return

  const origin = location.origin
  const href = () => location.href
  const now = () => win.performance.now()
  // A preview link (`lotse preview`): the page as one visitor type sees it. Nothing of
  // it is stored in the browser (no token, no variants, no counts): storage reads as
  // empty and writes go nowhere; only a standing opt-out is still honoured.
  const preview = new URLSearchParams(location.search).get('lotse_preview') || undefined
  const optin = area(win, 'localStorage')
  const session = preview ? null : area(win, 'sessionStorage')
  const local = preview ? null : optin
  const gpc = /** @type {any} */ (win.navigator).globalPrivacyControl === true
  /** `<html lang>` as it is: the server and the chat's file read its first two letters. */
  const lang = doc.documentElement.lang
  const flickerAttr = attr('flicker-ms')
  const flickerMs = flickerAttr && +flickerAttr >= 0 ? +flickerAttr : FLICKER_MS
  /** data-datalayer: the name of the site's analytics array ("" or no value: dataLayer). */
  const layer = attr('datalayer')
  const selector = '[' + SLOT_ATTR + ']'

  let optedOut = gpc || read(optin, 'optout') == '1'
  /** @type {boolean | undefined} */
  let consent
  /** @type {string | undefined} */
  let verified
  /** The page view's URL (path and utm_* parameters): remembered variants are kept under it. */
  let pageUrl = ''
  /** @type {string[]} the slot ids the server was told of for this page view */
  let announced = []
  /** @type {(() => void) | null} a page view waiting for the page to render its slots */
  let waiting = null
  let timer
  /** The chat's file: 1 while on the way, then what it handed over, or 0 when it failed (see `load`). */
  /** @type {any} */
  let chat
  /** @type {any[][]} what waits for the chat's file: [how, ...arguments] */
  const later = []
  /** @type {Slot[]} */
  let slots = []
  /** Until when (performance.now()) swaps of slots in view happen at once. */
  let windowEnd = 0
  /** Swaps still to come in the welcome's batch. */
  let awaiting = 0
  /** "slot variant" pairs already reported as seen on this page view. */
  let seen = new Set()

  /** Listen in the capture phase, before the page's own handlers can stop the event. */
  const on = (/** @type {EventTarget} */ target, /** @type {string} */ type, /** @type {(e: any) => void} */ listener) =>
    target.addEventListener(type, listener, true)
  /** Every tracking message goes through here: nothing at all when opted out. */
  const emit = (/** @type {object} */ msg) => optedOut || send(msg)
  // (A goal of more than 64 characters is none the site declared: the server answers `error`.)
  const convert = (/** @type {unknown} */ goal) => goal && emit({ type: 'convert', goal: String(goal) })
  /** JSON in the session's storage (`why`, `sticky`): what `parse` makes of it, and back. */
  const get = (/** @type {string} */ key) => parse(read(session, key))
  const put = (/** @type {string} */ key, /** @type {unknown} */ value) => write(session, key, JSON.stringify(value))
  /**
   * The "why" control's stylesheet and markup (`welcome.why`), kept in the session for the
   * remembered variants a page shows before the server has answered.
   * @type {{css?: string, html?: string}}
   */
  let ui = get('why')
  /**
   * Tell the dataLayer hand-off (in the chat's file, lazy.js) what happened:
   * only with data-datalayer, never opted out, never in a preview. It pushes
   * `lotse_swap` for a swap applied, and `lotse_exposure` when a slot that
   * shows its experiment's arm is seen.
   * @param {...unknown} event
   */
  const dataLayer = (...event) => layer == null || optedOut || preview || load(['layer', layer, ...event])
  /**
   * What the server keeps in this browser across visits (consent only): one
   * opaque value (`keep`, signed by the server), stored and sent back as it
   * came; the browser neither reads nor counts anything in it.
   */
  const kept = () => (consent && read(local, 'keep')) || undefined
  // -- The WebSocket -----------------------------------------------------------------------
  // One connection to the Lotse server, kept alive across outages. On every (re)connect
  // `hello` goes first (with the resume token), then what queued up while it was down.
  // Nothing here throws into the page: a server that is down only means the page keeps
  // its default content. Close codes (docs/protocol.md, "Close codes"): 1000 from the
  // server is an idle close (reconnect when there is something to say); 1008 a policy
  // violation such as flooding (never reconnect automatically).

  const url = socketUrl(script.src || href(), attr('endpoint'))
  /** @type {object[]} messages kept while offline (see QUEUE_LIMIT) */
  let queue = []
  /** @type {WebSocket | null} */
  let ws = null
  let retry
  /** Failed attempts since the last connection, for the backoff. */
  let attempt = 0
  /** Connected or (re)connecting; false after stop() or a 1008 close. */
  let running = false
  /** The server closed an idle connection; the next message reconnects. */
  let idle = false

  const isOpen = () => ws?.readyState == 1
  const raw = (/** @type {object} */ msg) => /** @type {WebSocket} */ (ws).send(JSON.stringify(msg))
  /** Send now, or queue until the next connection (the oldest dropped when full). */
  const send = (/** @type {object} */ msg) => {
    if (isOpen()) raw(msg)
    else {
      if (queue.push(msg) > QUEUE_LIMIT) queue.shift()
      wake()
    }
  }
  /** After an idle close: connect again, now that there is something to say. */
  const wake = () => {
    if (idle) {
      idle = false
      dial()
    }
  }
  /** Close without reconnecting (pagehide, opt-out). Queued messages stay queued. */
  const stop = () => {
    running = idle = false
    clearTimeout(retry)
    const sock = ws
    ws = null
    sock?.close(1000)
  }
  /** Connect, unless opted out with no server-side session left to delete, or already connected or connecting. */
  const connect = () => {
    if (!running && !(optedOut && !read(session, 'token'))) {
      running = true
      dial()
    }
  }
  /** Try again after a full-jitter delay: random in [0, min(CAP_MS, BASE_MS × 2^attempt)). */
  const again = () => {
    retry = setTimeout(dial, Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt++))
  }
  const dial = () => {
    /** @type {WebSocket} */
    let sock
    try {
      sock = ws = new win.WebSocket(url)
    } catch (_) {
      // A bad URL, or blocked by the page's CSP. No server (for now): show the defaults.
      release()
      return again()
    }
    sock.onopen = () => {
      attempt = 0
      const token = read(session, 'token')
      const hello = { type: 'hello', site, url: shapeUrl(href()), slots: /** @type {string[]} */ ([]), token }
      if (optedOut) {
        // Connected only to delete the session of an opt-out made while offline.
        // The hello says no more than finds the session: no slots, referrer or language.
        if (token) {
          raw(hello)
          raw({ type: 'optout' })
        }
        write(session, 'token')
        queue = []
        stop()
      } else
        raw({
          ...hello,
          ...pageInfo(doc),
          referrer: referrerOrigin(doc.referrer, origin),
          lang,
          slots: (announced = ids()),
          preview,
          consent,
          verified,
          keep: kept(),
        })
      // (Empty after an opt-out's hello above.)
      queue.splice(0).forEach(raw)
    }
    sock.onmessage = receive
    sock.onclose = (e) => {
      if (ws != sock) return // closed by stop(): no reconnect
      ws = null
      // No server: stop hiding slots and show the defaults now.
      release()
      // An idle tab must not reconnect just to be closed again five minutes later.
      if (running) e.code == 1000 ? (idle = true) : e.code == 1008 ? (running = false) : again()
    }
  }

  /**
   * Opt out (or back in). Opting out restores defaults on the client at once,
   * without waiting for the server, and forgets everything remembered.
   * @param {boolean} [on] nothing: only tell the state
   * @param {boolean} [fromServer] the server already knows (welcome.optout)
   * @returns {boolean} whether the visitor is opted out now
   */
  function setOptout(on, fromServer) {
    // Global Privacy Control is a standing opt-out that a click cannot undo.
    if (on != null && on != optedOut && (on || !gpc)) {
      optedOut = on
      write(local, 'optout', on ? '1' : null)
      if (on) {
        write(local, 'keep')
        restoreAll()
        write(session, 'sticky')
        queue = []
        if (fromServer || isOpen()) {
          if (!fromServer) send({ type: 'optout' })
          write(session, 'token')
          stop()
        } else if (!read(session, 'token')) stop()
        // else: still connecting; the socket's open handler (`dial`) delivers the opt-out.
      } else {
        send({ type: 'optin' })
        connect()
      }
      chat?.sync?.(optedOut)
    }
    return optedOut
  }

  /**
   * The chat's file: the chat widget, the privacy panel, the preview banner
   * and the dataLayer hand-off, which most visitors never need. Loaded once,
   * with its integrity hash, when one of them is due; what is asked of it
   * meanwhile (`later`) runs in order when it has loaded. A slow or failing
   * file delays nothing else: then they simply do not happen.
   * @param {any[]} job [how, ...arguments] for the file's `run`
   */
  function load(job) {
    if (chat === 0) return
    later.push(job)
    if (chat) return chat.run && run()
    chat = 1
    /** Called by the chat's file once it runs. @param {any} parts */
    api._w = (parts) => {
      if (chat == 1) {
        chat = parts
        run()
      }
    }
    const file = doc.createElement('script')
    file.src = new URL(CHAT_SRC, script.src).href
    file.integrity = CHAT_SRI
    file.crossOrigin = 'anonymous'
    // It failed (blocked, offline, a hash that does not match): nothing more waits for it,
    // and a privacy link clicked meanwhile is followed after all (a `click()` the handler
    // below no longer stops).
    file.onerror = () => {
      chat = 0
      later.map(([how, link]) => how == 'privacy' && link.click())
    }
    doc.head.append(file)
  }
  const run = () => {
    for (const job of later.splice(0)) chat.run(job, { doc, lang, store: session, send: emit, opt: setOptout, active: () => !optedOut })
  }

  /**
   * A message from the server: whatever JSON arrived (an object with a string `type`).
   * @param {MessageEvent} e
   */
  function receive(e) {
    try {
      const msg = JSON.parse(e.data)
      const type = msg.type
      // What the server keeps here across visits (`keep`): stored as it came, with consent only.
      if (consent && msg.keep) write(local, 'keep', msg.keep)
      if (type == 'welcome') {
        write(session, 'token', msg.token)
        if (msg.why) put('why', (ui = msg.why))
        verified = undefined // bound to the session now; the token carries it
        if (msg.optout === true) setOptout(true, true)
        // The chat's file decides whether and when to show it (lazy.js).
        else if (msg.chat) load(['chat', msg.chat])
        // (Only a preview link's session has one: the server checked the link.)
        if (msg.preview) load(['banner', msg.preview])
        // The first decisions follow the welcome in one batch, `welcome.swaps` of them:
        // stop hiding once they are in.
        if (!(awaiting = msg.swaps)) release()
      } else if (type == 'swap') swap(msg)
      else if (type == 'arm') {
        // The slot stays at its default content as the control arm of an experiment:
        // its exposure, when it is seen (or at once, when it was).
        dataLayer('arm', msg.slot, msg)
        slots.forEach(report)
      } else if (type == 'restore') restoreAll(msg.slots)
      else if (type == 'say') chat?.say?.(msg)
      // 'error' and unknown types: nothing for the page to do.
    } catch (_) {
      /* not JSON, or a malformed message: nothing changes on the page */
    }
  }

  // -- Slots ------------------------------------------------------------------------------

  const observer = new win.IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        for (const slot of slots) {
          if (slot.el == entry.target) {
            slot.inView = entry.isIntersecting
            slot.exposed = slot.inView && isExposed(entry.intersectionRatio, entry.intersectionRect.height, win.innerHeight)
            // A deferred swap happens once the visitor can no longer see it happen.
            if (!slot.inView && slot.pending && !slot.touched) apply(slot, slot.pending)
            report(slot)
          }
        }
      }
    },
    { threshold: [0, 0.1, 0.2, 0.3, 0.4, 0.5] },
  )

  /** Interaction inside a slot pins it until the next page view. */
  const touch = (/** @type {Event} */ e) => {
    for (const slot of slots) if (slot.el.contains(/** @type {Node} */ (e.target))) slot.touched = true
  }
  on(doc, 'focusin', touch)
  on(doc, 'input', touch)

  /**
   * A slot is seen (exposed, not hidden): `seen` once per slot and variant per
   * page view; the dataLayer hand-off hears of it each time (for exposures).
   */
  const report = (/** @type {Slot} */ slot) => {
    const key = slot.id + ' ' + slot.shows
    if (slot.exposed && !slot.held && !optedOut) {
      if (!seen.has(key)) emit({ type: 'seen', slot: slot.id, variant: slot.shows })
      seen.add(key)
      dataLayer('seen', slot.id, slot.shows)
    }
  }

  /**
   * Find the page's slots, keeping the state of elements that are still
   * there. Slots new to the page show their remembered variant at once.
   * @returns {string[]} the ids of the slots now on the page
   */
  const scan = () => {
    const old = slots
    slots = /** @type {HTMLElement[]} */ ([...doc.querySelectorAll(selector)]).filter(isSwappable).map(
      (el) =>
        old.find((s) => s.el == el) || {
          el,
          id: /** @type {string} */ (el.getAttribute(SLOT_ATTR)),
          shows: 'default',
          inView: inViewport(el.getBoundingClientRect(), win.innerWidth, win.innerHeight),
        },
    )
    const fresh = slots.filter((s) => !old.includes(s))
    for (const slot of fresh) observer.observe(slot.el)
    sticky(fresh)
    return ids()
  }

  /** Show the variants remembered for this page at once, before any server reply. */
  const sticky = (/** @type {Slot[]} */ list) => {
    const shown = optedOut ? {} : get('sticky')
    for (const slot of list) {
      const swap = shown[pageUrl + ' ' + slot.id]
      if (typeof swap?.html == 'string') apply(slot, swap, true)
    }
  }

  /**
   * The ids of the slots on this page, each once. The server bounds them (the first 64
   * ids of at most 64 characters; longer ones name no slot of the site file).
   * @returns {string[]}
   */
  const ids = () => [...new Set(slots.map((s) => s.id))]

  const unhold = (/** @type {Slot} */ slot) => {
    if (slot.held) {
      slot.held = false
      slot.el.style.visibility = /** @type {string} */ (slot.was)
      report(slot)
    }
  }

  /**
   * Show a variant in a slot, or the default content for variant "default".
   * @param {Slot} slot
   * @param {Swap} swap
   * @param {boolean} [quiet] no fade: a remembered variant must look as if it was always there
   */
  const apply = (slot, swap, quiet) => {
    const el = slot.el
    const template = doc.createElement('template')
    slot.pending = null
    if (swap.experiment) dataLayer('arm', slot.id, swap)
    // Already shown: only its arm may be news (an exposure for a slot seen before).
    if (swap.variant == slot.shows) return report(slot)
    if (swap.variant == 'default') return restore(slot)
    try {
      template.innerHTML = swap.html
    } catch (_) {
      return // refused (Trusted Types enforced): keep what is shown
    }
    // Lock the current box first: computed `height` is in the element's own
    // box-sizing, so as min-height it reserves exactly the space used now.
    const computed = win.getComputedStyle(el)
    el.style.minHeight = computed.height
    slot.defaults ||= [...el.childNodes]
    if (slot.pos == null && computed.position == 'static') {
      slot.pos = el.style.position
      el.style.position = 'relative'
    }
    el.replaceChildren(template.content, why(doc, swap.reason, ui, setOptout))
    // Shown: once per slot id, however many elements share it.
    if (!slots.some((s) => s.id == slot.id && s.shows == swap.variant)) dataLayer('swap', swap.slot, swap.variant)
    slot.shows = swap.variant
    unhold(slot)
    if (!quiet && el.animate && !win.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      el.animate([{ opacity: 0 }, { opacity: 1 }], 200)
    }
    stick(slot.id, swap)
    report(slot)
  }

  /** Put the default children back (the original nodes, with their listeners). */
  const restore = (/** @type {Slot} */ slot) => {
    slot.pending = null
    unhold(slot)
    if (slot.defaults) {
      slot.el.replaceChildren(...slot.defaults)
      slot.defaults = null
      if (slot.pos != null) slot.el.style.position = slot.pos
      slot.pos = undefined
      slot.shows = 'default'
      stick(slot.id, null)
      report(slot)
    }
  }
  /**
   * A `restore` from the server, or opt-out: defaults back at once.
   * @param {string[]} [list] slot ids; all slots when omitted
   */
  const restoreAll = (list) => {
    for (const slot of slots) if (!list || list.includes(slot.id)) restore(slot)
  }

  /** Remember (or forget) what a slot shows on this page, for back/forward. */
  const stick = (/** @type {string} */ id, /** @type {Swap | null} */ entry) =>
    put('sticky', remember(get('sticky'), pageUrl + ' ' + id, entry))

  /**
   * End the anti-flicker window: show held slots, and from now on swap a
   * slot in view only once it leaves the viewport. Once a held slot has
   * been shown with its defaults, a late decision must not replace it in
   * front of the visitor.
   */
  const release = () => {
    windowEnd = 0
    slots.forEach(unhold)
  }

  /**
   * A page view is announced, once the page shows its slots (or the snippet
   * gave up waiting for them): the anti-flicker window opens. On the first
   * page view (`hide`), the slots in view that still show defaults are
   * hidden (that slot only, never the page) until the first decisions arrive
   * or the window ends.
   * @param {boolean} [hide]
   */
  const open = (hide) => {
    windowEnd = now() + flickerMs
    if (hide && !optedOut && flickerMs) {
      for (const slot of slots) {
        if (slot.inView && slot.shows == 'default') {
          slot.held = true
          slot.was = slot.el.style.visibility
          slot.el.style.visibility = 'hidden'
        }
      }
      setTimeout(release, flickerMs)
    }
  }

  /**
   * A `swap` from the server.
   * @param {Swap} swap
   */
  const swap = (swap) => {
    // Only HTML is ever rendered (a missing one is not "undefined"); ids that are not
    // strings name no slot.
    if (typeof swap.html != 'string' || optedOut) return
    const inWindow = now() < windowEnd
    for (const slot of slots) {
      if (slot.id == swap.slot) {
        // The variant already shown changes nothing, so it need not wait (its arm may be news).
        if (swap.variant == slot.shows || swapNow(inWindow, slot.inView, slot.touched)) apply(slot, swap)
        else slot.pending = swap
      }
    }
    if (awaiting && !--awaiting) release()
  }

  // -- Page views -------------------------------------------------------------------------

  command = (name, value) => {
    if (name == 'convert') convert(value)
    else if (name == 'optout') setOptout(true)
    else if (name == 'optin') setOptout(false)
    else if (name == 'page') pageView()
    else if (name == 'consent') {
      // Withdrawn: what the server kept here goes. Granted after connecting: it goes to
      // the server now (the visit is counted then).
      if (!(consent = value === true)) write(local, 'keep')
      if (isOpen()) emit({ type: 'consent', granted: consent, keep: kept() })
    } else if (name == 'verified') {
      verified = String(value).slice(0, 1024)
      if (isOpen()) emit({ type: 'verify', assertion: verified })
    }
  }

  /** Send `page` for the page view now shown (when not connected, the next hello carries it). */
  const sendPage = () => {
    open()
    if (optedOut) return
    if (isOpen()) send({ type: 'page', url: pageUrl, slots: (announced = ids()), ...pageInfo(doc) })
    else wake()
  }
  /** The first page view: hide what waits for a decision, and connect. */
  const begin = () => {
    open(true)
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
    if (slots[0]) flush()
    else timer = setTimeout(flush, SLOT_WAIT_MS)
  }
  const flush = () => {
    const announce = waiting
    clearTimeout(timer)
    waiting = null
    announce?.()
  }
  /**
   * Slots may appear at any time (a router, a lazy component, a consent banner
   * closing): new ones show their remembered variant at once, and the server
   * hears of them as the current page's slots (`slots`).
   */
  const found = () => {
    // A route change under way: its page view (after it settles) finds them.
    if (shapeUrl(href()) != pageUrl) return
    const list = scan()
    if (list.every((id) => announced.includes(id))) return
    if (waiting) flush()
    else if (!optedOut && isOpen()) send({ type: 'slots', slots: (announced = list) })
  }

  /**
   * A route change, or lotse('page'): a page view when the URL changed, else a
   * look for new slots. A page view finds this page's slots (remembered
   * variants shown at once), announces them (opening its anti-flicker window),
   * and then applies the swaps that were waiting.
   */
  const pageView = () => {
    try {
      const url = shapeUrl(href())
      if (url == pageUrl) return found()
      pageUrl = url
      announced = []
      dataLayer('page')
      scan()
      // A first page view still waiting for its slots stays the one to announce.
      whenSlots(waiting == begin ? begin : sendPage)
      seen = new Set()
      dataLayer('view')
      for (const slot of slots) {
        slot.touched = false
        if (slot.pending) apply(slot, slot.pending)
      }
      sticky(slots)
      slots.forEach(report)
    } catch (_) {
      /* never break the site's router */
    }
  }

  const start = () => {
    pageUrl = shapeUrl(href())
    scan()
    watchHistory(win, pageView)
    new win.MutationObserver((records) => {
      for (const r of records) {
        for (const el of /** @type {any} */ (r.addedNodes)) {
          if (el.nodeType == 1 && (el.matches(selector) || el.querySelector(selector))) return found()
        }
      }
    }).observe(doc.body, { childList: true, subtree: true })
    whenSlots(begin)
  }

  on(doc, 'click', (e) => {
    const target = /** @type {Element} */ (e.target)
    if (!target?.closest) return
    // The site's own link to the privacy panel (e.g. in the footer): opens or closes it;
    // it is an ordinary link again once the chat's file failed to load.
    const own = target.closest('[data-lotse-privacy]')
    if (own && chat !== 0) {
      e.preventDefault()
      return load(['privacy', own])
    }
    // A link to this site (its resolved address and origin: mailto:, tel:, javascript: and
    // other sites are none of the server's business).
    const link = /** @type {HTMLAnchorElement | null} */ (target.closest('a[href]'))
    if (link?.origin == origin) emit({ type: 'click', href: shapeUrl(link.href), text: clip(link.textContent) })
    const goal = target.closest('[data-lotse-goal]')
    if (goal?.tagName != 'FORM') convert(goal?.getAttribute('data-lotse-goal'))
  })
  on(doc, 'submit', (e) => convert(e.target?.getAttribute?.('data-lotse-goal')))

  // Close on pagehide (an open WebSocket keeps a page out of the back/forward
  // cache) and reconnect when it comes back: the same DOM, but a new page view
  // for exposures. No unload handlers, no cookies.
  on(win, 'pagehide', stop)
  on(win, 'pageshow', (e) => {
    if (e.persisted) {
      seen = new Set()
      dataLayer('view')
      slots.forEach(report)
      connect()
    }
  })

  // Calls made before the script loaded, through the queue stub. Handled
  // before connecting so that consent and opt-out shape the first hello.
  // (A stub that holds something else, or a call that is no list of arguments, ends the
  // replay: never the snippet.)
  try {
    for (const args of prior.q) api(...args)
  } catch (_) {
    /* no queue */
  }

  if (doc.readyState == 'loading') doc.addEventListener('DOMContentLoaded', start)
  else start()
}
