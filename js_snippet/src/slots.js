/**
 * Slots on the page: finding them (also those a page's own script renders
 * late), swapping their content without moving the page, putting defaults
 * back, remembering what was shown, and reporting exposures. The timing rules
 * themselves are in eligibility.js.
 */

import { SLOT_ATTR, inViewport, isExposed, isSwappable, swapNow } from './eligibility.js'
import { exposureEvent, slotIds } from './events.js'
import { STICKY, parse, remember, write, read } from './storage.js'
import { why } from './ui.js'

/**
 * @typedef {{slot: string, variant: string, html: string, reason: string, experiment?: string, arm?: string, dose?: string}} Swap
 * @typedef {{slot: string, experiment: string, arm?: string, variant?: string}} Arm a `swap` or `arm` message
 * @typedef {{
 *   el: HTMLElement, id: string, variant: string,
 *   defaults?: Node[] | null, pos?: string,
 *   inView: boolean, exposed?: boolean, held?: boolean, was?: string,
 *   touched?: boolean, pending?: Swap | null
 * }} Slot
 */

/**
 * `exposure` gets the dataLayer event (`exposureEvent`) of an experiment's exposure.
 *
 * @param {{
 *   win: Window & typeof globalThis, doc: Document, store: Storage | null,
 *   flickerMs: number, clock: () => number,
 *   send: (msg: object) => void, active: () => boolean, setOptout: (on: boolean) => boolean,
 *   strings: import('./strings.js').Strings,
 *   shown: (swap: Swap) => void, exposure: (event: object) => void,
 * }} o
 */
export function createSlots(o) {
  const { win, doc, store } = o
  /** @type {Slot[]} */
  let slots = []
  let url = ''
  let windowEnd = 0
  /** Swaps still to come in the welcome's batch. */
  let awaiting = 0
  /** "slot variant" pairs already reported as seen on this page view (and "slot\nexperiment" exposures). */
  let seen = new Set()
  /** slot id -> its experiment and arm on this page view (from a swap or an `arm` message). */
  /** @type {Record<string, Arm>} */
  let arms = {}

  const observer = new win.IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        for (const slot of slots) {
          if (slot.el !== entry.target) continue
          slot.inView = entry.isIntersecting
          slot.exposed =
            entry.isIntersecting &&
            isExposed(entry.intersectionRatio, entry.intersectionRect.height, win.innerHeight)
          // A deferred swap happens once the visitor can no longer see it happen.
          if (!slot.inView && slot.pending && !slot.touched) apply(slot, slot.pending)
          report(slot)
        }
      }
    },
    { threshold: [0, 0.1, 0.2, 0.3, 0.4, 0.5] },
  )

  /** Interaction inside a slot pins it until the next page view. */
  const touch = (/** @type {Event} */ e) => {
    for (const slot of slots) if (slot.el.contains(/** @type {Node} */ (e.target))) slot.touched = true
  }
  doc.addEventListener('focusin', touch, true)
  doc.addEventListener('input', touch, true)

  /**
   * Send `seen` once per slot and variant per page view, never while hidden;
   * and an experiment's exposure once per slot and experiment, when the slot
   * shows the arm's variant ("default" in the control arm).
   */
  function report(/** @type {Slot} */ slot) {
    if (!slot.exposed || slot.held || !o.active()) return
    let key = slot.id + ' ' + slot.variant
    if (!seen.has(key)) {
      seen.add(key)
      o.send({ type: 'seen', slot: slot.id, variant: slot.variant })
    }
    const arm = arms[slot.id]
    if (arm && (arm.variant || 'default') === slot.variant && !seen.has((key = slot.id + '\n' + arm.experiment))) {
      seen.add(key)
      o.exposure(exposureEvent(arm, slot.variant))
    }
  }

  /**
   * Find the page's slots, keeping the state of elements that are still
   * there. Slots new to the page show their remembered variant at once.
   * @returns {string[]} the ids of the slots now on the page
   */
  function scan() {
    const old = slots
    slots = /** @type {HTMLElement[]} */ ([...doc.querySelectorAll('[' + SLOT_ATTR + ']')]).filter(isSwappable).map(
      (el) =>
        old.find((s) => s.el === el) || {
          el,
          id: /** @type {string} */ (el.getAttribute(SLOT_ATTR)),
          variant: 'default',
          inView: inViewport(el.getBoundingClientRect(), win.innerWidth, win.innerHeight),
        },
    )
    const fresh = slots.filter((s) => !old.includes(s))
    for (const slot of fresh) observer.observe(slot.el)
    sticky(fresh)
    return ids()
  }

  /** Show the variants remembered for this page at once, before any server reply. */
  function sticky(/** @type {Slot[]} */ list) {
    const shown = (o.active() && parse(read(store, STICKY), {})[url]) || {}
    for (const slot of list) {
      const swap = shown[slot.id]
      if (swap && typeof swap.html == 'string') apply(slot, swap, true)
    }
  }

  /** @returns {string[]} ids of the slots on this page */
  const ids = () => slotIds(slots.map((s) => s.id))

  /** Hide one slot (only that slot, never the page) during the anti-flicker window. */
  function hold(/** @type {Slot} */ slot) {
    slot.held = true
    slot.was = slot.el.style.visibility
    slot.el.style.visibility = 'hidden'
  }

  function unhold(/** @type {Slot} */ slot) {
    if (!slot.held) return
    slot.held = false
    slot.el.style.visibility = /** @type {string} */ (slot.was)
    report(slot)
  }

  /**
   * Show a variant in a slot, or the default content for variant "default".
   * @param {Slot} slot
   * @param {Swap} swap
   * @param {boolean} [quiet] no fade: a remembered variant must look as if it was always there
   */
  function apply(slot, swap, quiet) {
    slot.pending = null
    if (typeof swap.experiment == 'string') arms[slot.id] = swap
    // Already shown: only its arm may be news (an exposure for a slot seen before).
    if (swap.variant === slot.variant) return report(slot)
    if (swap.variant === 'default') return restore(slot)
    const el = slot.el
    const template = doc.createElement('template')
    try {
      template.innerHTML = swap.html
    } catch (_) {
      return // refused (Trusted Types enforced): keep what is shown
    }
    // Lock the current box first: computed `height` is in the element's own
    // box-sizing, so as min-height it reserves exactly the space used now.
    const computed = win.getComputedStyle(el)
    el.style.minHeight = computed.height
    if (!slot.defaults) slot.defaults = Array.from(el.childNodes)
    if (slot.pos === undefined && computed.position === 'static') {
      slot.pos = el.style.position
      el.style.position = 'relative'
    }
    el.replaceChildren(template.content.cloneNode(true), why(doc, swap.reason, o.strings, o.setOptout))
    // Shown: once per slot id, however many elements share it.
    if (!slots.some((s) => s.id === slot.id && s.variant === swap.variant)) o.shown(swap)
    slot.variant = swap.variant
    unhold(slot)
    if (!quiet && el.animate && !win.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      el.animate([{ opacity: 0 }, { opacity: 1 }], 200)
    }
    stick(slot.id, swap)
    report(slot)
  }

  /** Put the default children back (the original nodes, with their listeners). */
  function restore(/** @type {Slot} */ slot) {
    slot.pending = null
    unhold(slot)
    if (!slot.defaults) return
    slot.el.replaceChildren(...slot.defaults)
    slot.defaults = null
    if (slot.pos !== undefined) slot.el.style.position = slot.pos
    slot.pos = undefined
    slot.variant = 'default'
    stick(slot.id, null)
    report(slot)
  }

  /** Remember (or forget) what a slot shows on this page, for back/forward. */
  function stick(/** @type {string} */ id, /** @type {Swap | null} */ entry) {
    write(store, STICKY, JSON.stringify(remember(parse(read(store, STICKY), {}), url, id, entry)))
  }

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

  return {
    scan,
    ids,

    /**
     * A page view is announced, once the page shows its slots (or the snippet
     * gave up waiting for them): the anti-flicker window opens. On the first
     * page view (`hide`), the slots in view that still show defaults are
     * hidden until the first decisions arrive or the window ends.
     * @param {boolean} [hide]
     */
    start(hide) {
      windowEnd = o.clock() + o.flickerMs
      if (hide && o.active() && o.flickerMs) {
        for (const slot of slots) if (slot.inView && slot.variant === 'default') hold(slot)
        setTimeout(release, o.flickerMs)
      }
    },

    /**
     * A page view: this page's slots are found (remembered variants shown at
     * once) and announced (`start` opens its window then); then deferred
     * swaps happen.
     * @param {string} pageUrl
     * @param {(ids: string[]) => void} [announce] a later page view: sends `page`
     */
    page(pageUrl, announce) {
      url = pageUrl
      arms = {}
      const found = scan()
      if (!announce) return
      announce(found)
      seen = new Set()
      for (const slot of slots) {
        slot.touched = false
        if (slot.pending) apply(slot, slot.pending)
      }
      sticky(slots)
      slots.forEach(report)
    },

    /** Back from the back/forward cache: same DOM, but a new page view for exposures. */
    reshow() {
      seen = new Set()
      slots.forEach(report)
    },

    /**
     * A `swap` from the server.
     * @param {Swap} swap
     */
    swap(swap) {
      if (typeof swap.slot !== 'string' || typeof swap.variant !== 'string' || typeof swap.html !== 'string') return
      if (!o.active()) return
      const inWindow = o.clock() < windowEnd
      for (const slot of slots) {
        if (slot.id !== swap.slot) continue
        // The variant already shown changes nothing, so it need not wait (its arm may be news).
        if (swap.variant === slot.variant || swapNow(inWindow, slot.inView, slot.touched)) {
          apply(slot, swap)
        } else slot.pending = swap
      }
      if (awaiting && !--awaiting) release()
    },

    /**
     * An `arm` message: the slot stays at its default content as the control
     * arm of an experiment. (Not named `arm`: that is a wire field, and this
     * name is shortened in the build.)
     * @param {Arm} arm
     */
    control(arm) {
      if (typeof arm.slot == 'string' && typeof arm.experiment == 'string') {
        arms[arm.slot] = arm
        slots.forEach(report)
      }
    },

    /**
     * A `restore` from the server, or opt-out: defaults back at once.
     * @param {string[]} [ids] slot ids; all slots when omitted
     */
    restore(ids) {
      for (const slot of slots) if (!ids || ids.includes(slot.id)) restore(slot)
    },

    /**
     * The server answered hello: its first decisions follow the welcome in one
     * batch. With their number (`welcome.swaps`) stop hiding once they are in;
     * from an older server, shortly after the welcome.
     * @param {unknown} [expected]
     */
    settle(expected) {
      if (typeof expected !== 'number') return void setTimeout(release, 50)
      awaiting = expected > 0 ? expected : 0
      if (!awaiting) release()
    },

    /** The server is unreachable: show defaults now instead of waiting. */
    release,
  }
}
