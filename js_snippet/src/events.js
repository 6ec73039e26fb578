/**
 * Event shaping: what the snippet tells the server, reduced to what inference
 * needs. Pure functions over strings so the privacy rules (no query strings
 * except campaign parameters, no fragments, no foreign URLs) are unit-tested.
 */

/** Server-side limits (sdk/lotse/_protocol.py); exceeding them rejects the message. */
export const MAX_URL = 2048
export const MAX_SLOTS = 64
export const MAX_SLOT_ID = 64
/** Page titles, headings and link texts are cut to this many characters. */
export const MAX_TEXT = 300

/**
 * Path plus only the `utm_*` query parameters of `href`.
 *
 * Other parameters can carry search terms, e-mail addresses or session ids;
 * the fragment is client-side state. Neither is needed to infer a visitor type.
 *
 * @param {string} href absolute or relative URL
 * @param {string} [base] base for relative URLs
 * @returns {string} e.g. "/fachkreise?utm_source=newsletter"
 */
export function shapeUrl(href, base) {
  const url = new URL(href, base)
  const utm = new URLSearchParams()
  url.searchParams.forEach((value, key) => {
    if (key.toLowerCase().startsWith('utm_')) utm.append(key, value)
  })
  const query = utm.toString()
  return (url.pathname + (query ? '?' + query : '')).slice(0, MAX_URL)
}

/**
 * Whether `href` points to `origin`. Links elsewhere (and mailto:, tel:,
 * javascript:) are none of the server's business.
 *
 * @param {string} href
 * @param {string} origin e.g. "https://www.example.de"
 * @param {string} [base] base for relative links (document.baseURI); defaults to origin
 */
export function isSameOrigin(href, origin, base = origin) {
  try {
    return new URL(href, base).origin === origin
  } catch (_) {
    return false
  }
}

/**
 * The referring site as an origin, or undefined for none or our own site.
 * Only the host is used as evidence (a referrer signal matches hosts), so the
 * referring page's path and query are never sent.
 *
 * @param {string} referrer document.referrer
 * @param {string} origin our own origin
 * @returns {string | undefined}
 */
export function referrerOrigin(referrer, origin) {
  try {
    const from = new URL(referrer).origin
    return from !== origin && from !== 'null' ? from : undefined
  } catch (_) {
    return undefined
  }
}

/**
 * Two-letter language from `<html lang>`, lower case, or undefined.
 * @param {string | null | undefined} htmlLang
 */
export function langOf(htmlLang) {
  return (htmlLang || '').slice(0, 2).toLowerCase() || undefined
}

/**
 * Text for the server (a title, a heading, a link's text): whitespace
 * collapsed, trimmed, at most `MAX_TEXT` characters; undefined when empty.
 * @param {string | null | undefined} text
 */
export const clip = (text) => (text || '').replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT) || undefined

/**
 * What a page says it is about, for `hello` and `page`: its `<title>` and its
 * first `<h1>`. (On a sensitive page the server ignores them.)
 * @param {Document} doc
 * @returns {{title?: string, heading?: string}}
 */
export const pageInfo = (doc) => ({ title: clip(doc.title), heading: clip((doc.querySelector('h1') || doc).textContent) })

/**
 * Slot ids for `hello`/`page`: unique, non-empty, within the server's limits.
 * Over-long ids are left out rather than cut, because a cut id names another slot.
 *
 * @param {Array<string | null>} ids
 * @returns {string[]}
 */
export function slotIds(ids) {
  const out = []
  for (const id of ids) {
    if (id && id.length <= MAX_SLOT_ID && !out.includes(id)) out.push(id)
  }
  return out.slice(0, MAX_SLOTS)
}

/**
 * WebSocket URL: `data-endpoint` if given (resolved against the script URL),
 * else `/ws` on the origin the script was loaded from, with http(s) -> ws(s).
 *
 * @param {string} scriptSrc absolute URL of the snippet
 * @param {string | null} [endpoint] the script tag's data-endpoint
 */
export function socketUrl(scriptSrc, endpoint) {
  const url = new URL(endpoint || '/ws', scriptSrc)
  url.protocol = url.protocol.replace(/^http/, 'ws')
  return url.href
}

/**
 * The first message on every connection. `token` resumes the session; the
 * returning-visitor count, the dose counters (from `countDose`) and the
 * previous visit's arms (from `keepArms`) are sent only with consent, and
 * only when there are any. Fields left undefined are omitted by JSON.stringify.
 *
 * A preview link's token (`preview`) goes instead of the resume token.
 *
 * @param {{site: string, href: string, origin: string, referrer?: string, lang?: string,
 *   slots: string[], token?: string | null, consent?: boolean, verified?: string, visits?: number,
 *   doses?: Array<[string, number]>, returning?: Record<string, string>, preview?: string | null,
 *   title?: string, heading?: string}} o
 */
export function helloMessage(o) {
  return {
    type: 'hello',
    title: o.title,
    heading: o.heading,
    preview: o.preview || undefined,
    site: o.site,
    url: shapeUrl(o.href, o.origin),
    referrer: referrerOrigin(o.referrer || '', o.origin),
    lang: o.lang,
    slots: o.slots,
    token: o.token || undefined,
    consent: o.consent,
    verified: o.verified,
    visits: (o.consent && o.visits) || undefined,
    doses: o.consent && o.doses && o.doses.length ? Object.fromEntries(o.doses) : undefined,
    returning: o.consent && o.returning && Object.keys(o.returning).length ? o.returning : undefined,
  }
}

/**
 * @param {string} href
 * @param {string} origin
 * @param {string[]} slots
 * @param {{title?: string, heading?: string}} [info] from `pageInfo`
 */
export function pageMessage(href, origin, slots, info) {
  return { type: 'page', url: shapeUrl(href, origin), slots, ...info }
}

/**
 * A followed link, with its visible text, or null for a link to another site.
 * @param {string} href the link's href attribute
 * @param {string} origin
 * @param {string} [base] document.baseURI, for relative links
 * @param {string} [text] the link's visible text
 */
export function clickMessage(href, origin, base = origin, text) {
  return isSameOrigin(href, origin, base) ? { type: 'click', href: shapeUrl(href, base), text: clip(text) } : null
}

/** @param {unknown} goal */
export function convertMessage(goal) {
  return { type: 'convert', goal: String(goal).slice(0, 64) }
}

/**
 * What the site's analytics get (`window.dataLayer`, with data-datalayer):
 * a swap shown in the page, and an experiment's exposure. Only ids from the
 * site's configuration: no URL, no chat text, no visitor type, no reason.
 */

/** @param {{slot: string, variant: string}} swap */
export const swapEvent = (swap) => ({ event: 'lotse_swap', lotse_slot: swap.slot, lotse_variant: swap.variant })

/**
 * @param {{experiment: string, arm?: unknown}} arm a `swap` or `arm` message
 * @param {string} variant what the slot shows: "default" in the control arm
 */
export const exposureEvent = (arm, variant) => ({
  event: 'lotse_exposure',
  lotse_experiment: arm.experiment,
  lotse_arm: arm.arm,
  lotse_variant: variant,
})
