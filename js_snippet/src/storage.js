/**
 * Web Storage without surprises. Storage can be missing, full, or throw on
 * access (blocked third-party storage, some private modes); the snippet must
 * then behave as if nothing was stored, never throw into the page.
 * No cookies are ever used.
 *
 * Keys are named without their `lotse.` prefix: `read(session, 'token')` reads
 * `lotse.token`. sessionStorage (this tab, this visit): token, sticky, chat,
 * visit, returning. localStorage (the visitor's choices across visits):
 * optout, visits, doses, arms. See docs/snippet.md, "Storage".
 */

/** Pages remembered for sticky variants; the oldest is forgotten first. */
export const STICKY_PAGES = 20

/**
 * @param {Window} win
 * @param {'sessionStorage' | 'localStorage'} name
 * @returns {Storage | null}
 */
export function area(win, name) {
  try {
    return win[name]
  } catch (_) {
    return null
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
 * Parse JSON that we wrote ourselves, falling back on anything unexpected
 * (another script may have written the key, or an older snippet version).
 * @param {string | null | undefined} text
 * @param {*} [fallback] what to return instead (undefined when omitted)
 */
export function parse(text, fallback) {
  try {
    const value = JSON.parse(/** @type {string} */ (text))
    return value && typeof value == 'object' ? value : fallback
  } catch (_) {
    return fallback
  }
}

/**
 * Remember (or, with `entry` null, forget) the variant shown in `slot` on
 * page `url`. Returns a new map; the page just touched moves to the end, and
 * the oldest pages beyond `limit` are dropped so sessionStorage stays small.
 *
 * @typedef {{slot: string, variant: string, html: string, reason: string}} Shown
 * @param {Record<string, Record<string, Shown>>} map
 * @param {string} url
 * @param {string} slot
 * @param {Shown | null} entry
 * @param {number} [limit]
 */
export function remember(map, url, slot, entry, limit = STICKY_PAGES) {
  const { [url]: old, ...next } = map
  const page = { ...old }
  if (entry) page[slot] = entry
  else delete page[slot]
  if (Object.keys(page)[0]) next[url] = page
  return Object.fromEntries(Object.entries(next).slice(-limit))
}
