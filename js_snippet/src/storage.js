/**
 * Web Storage without surprises. Storage can be missing, full, or throw on
 * access (blocked third-party storage, some private modes); the snippet must
 * then behave as if nothing was stored, never throw into the page.
 * No cookies are ever used.
 *
 * Keys are named without their `lotse.` prefix: `read(session, 'token')` reads
 * `lotse.token`. sessionStorage (this tab, this visit): token, sticky, chat,
 * why. localStorage (across visits): optout, keep. See docs/snippet.md,
 * "Storage".
 */

/** Slots (on any page) whose variant is remembered; the oldest is forgotten first. */
export const STICKY_LIMIT = 50

/**
 * @param {Window} win
 * @param {'sessionStorage' | 'localStorage'} name
 * @returns {Storage | undefined} undefined when the browser refuses it
 */
export function area(win, name) {
  try {
    return win[name]
  } catch (_) {
    /* blocked: no storage */
  }
}

/**
 * @param {Storage | null | undefined} store
 * @param {string} key without the `lotse.` prefix
 * @returns {string | undefined} undefined when missing (or unreadable)
 */
export function read(store, key) {
  try {
    return /** @type {Storage} */ (store).getItem('lotse.' + key) ?? undefined
  } catch (_) {
    /* no storage: nothing stored */
  }
}

/**
 * Store `value`, or remove the key when `value` is null or undefined.
 * @param {Storage | null | undefined} store
 * @param {string} key without the `lotse.` prefix
 * @param {string | null} [value]
 */
export function write(store, key, value) {
  try {
    if (value == null) /** @type {Storage} */ (store).removeItem('lotse.' + key)
    else /** @type {Storage} */ (store).setItem('lotse.' + key, value)
  } catch (_) {
    /* missing, full or blocked: the snippet works without memory */
  }
}

/**
 * Parse a JSON object that we wrote ourselves, with an empty object for
 * anything unexpected (nothing stored, or another script or an older snippet
 * version wrote the key).
 * @param {string | null | undefined} text
 * @returns {Record<string, any>}
 */
export function parse(text) {
  try {
    const value = JSON.parse(/** @type {string} */ (text))
    if (value && typeof value == 'object') return value
  } catch (_) {
    /* not JSON */
  }
  return {}
}

/**
 * Remember (or, with `entry` null, forget) the variant shown in a slot on a
 * page: one flat map keyed by "page slot" (the page's URL as the snippet
 * sends it, which has no space, a space, and the slot id). The entry just
 * touched moves to the end, and the oldest beyond `limit` are dropped so
 * sessionStorage stays small. Changes `map` (a copy just read from storage)
 * and returns the map to store.
 *
 * @typedef {{slot: string, variant: string, html: string, reason: string}} Shown
 * @param {Record<string, Shown>} map
 * @param {string} key "page slot"
 * @param {Shown | null} entry
 * @param {number} [limit]
 */
export function remember(map, key, entry, limit = STICKY_LIMIT) {
  delete map[key]
  if (entry) map[key] = entry
  return Object.fromEntries(Object.entries(map).slice(-limit))
}
