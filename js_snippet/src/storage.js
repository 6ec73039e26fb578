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
/** Dose counters (and experiment arms) kept, the most recent, and the largest count: the server's limits. */
export const MAX_DOSES = 32
export const MAX_DOSE = 10000

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

/**
 * The dose counters (consent only): `[[key, count], ...]`, least recently
 * counted first. With `key`, that key is counted once more and moves to the
 * end. Only the `MAX_DOSES` most recent are kept, counts stop at `MAX_DOSE`,
 * and anything malformed (another script or version wrote the key) is
 * dropped, so `hello.doses` always passes the server's checks. An array, not
 * an object: objects put integer-like keys first, whatever the recency.
 *
 * @param {unknown} list as stored
 * @param {unknown} [key] a swap's or chat offer's `dose`
 * @returns {Array<[string, number]>}
 */
export function countDose(list, key) {
  let n = 0
  /** @type {Array<[string, number]>} */
  const out = []
  for (const [k, c] of Array.isArray(list) ? list.filter(Array.isArray) : []) {
    if (typeof k == 'string' && k.length <= 64 && Number.isInteger(c) && c >= 0) {
      if (k === key) n = c
      else out.push([k, Math.min(c, MAX_DOSE)])
    }
  }
  if (typeof key == 'string' && key && key.length <= 64) out.push([key, Math.min(n + 1, MAX_DOSE)])
  return out.slice(-MAX_DOSES)
}

/**
 * The experiment arms of a visit (consent only): `{experiment: arm}`, with
 * `add` merged in (an experiment learned again keeps its place, with the new
 * arm). Only the `MAX_DOSES` entries added last are kept, and anything
 * malformed (another script or version wrote the key) is dropped: ids of at
 * most 64 characters, arms strings of at most 128, so `hello.returning`
 * always passes the server's checks.
 *
 * @param {object} [map] as stored, through `parse` (any object, or nothing)
 * @param {Record<string, unknown>} [add] e.g. `{[swap.experiment]: swap.arm}`
 * @returns {Record<string, string>}
 */
export const keepArms = (map, add) =>
  Object.fromEntries(
    Object.entries({ ...map, ...add })
      .filter(([k, v]) => k.length <= 64 && typeof v == 'string' && v.length <= 128)
      .slice(-MAX_DOSES),
  )
