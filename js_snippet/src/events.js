/**
 * Event shaping: what the snippet tells the server, reduced to what inference
 * needs. Pure functions over strings so the privacy rules (no query strings
 * except campaign parameters, no fragments, no foreign URLs) are unit-tested.
 */

/** The server's limit for a URL (sdk/lotse/_protocol.py); a longer one rejects the message. */
export const MAX_URL = 2048
/** Page titles, headings and link texts are cut to this many characters. */
export const MAX_TEXT = 300

/**
 * Path plus only the `utm_*` query parameters of `href`.
 *
 * Other parameters can carry search terms, e-mail addresses or session ids;
 * the fragment is client-side state. Neither is needed to infer a visitor type.
 *
 * @param {string | URL} href absolute or relative URL
 * @param {string} [base] base for relative URLs
 * @returns {string} e.g. "/fachkreise?utm_source=newsletter"
 */
export function shapeUrl(href, base) {
  const url = new URL(href, base)
  const utm = new URLSearchParams()
  url.searchParams.forEach((value, key) => /^utm_/i.test(key) && utm.append(key, value))
  const query = '' + utm
  return (url.pathname + (query && '?' + query)).slice(0, MAX_URL)
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
    // (An app's referrer, android-app://…, has the origin "null": the server finds no host in it.)
    if (from != origin) return from
  } catch (_) {
    /* none */
  }
}

/**
 * Two-letter language from `<html lang>`, lower case, or undefined.
 * @param {string | null | undefined} htmlLang
 */
export const langOf = (htmlLang) => (htmlLang || '').slice(0, 2).toLowerCase() || undefined

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
export const pageInfo = (doc) => ({ title: clip(doc.title), heading: clip(doc.querySelector('h1')?.textContent) })

/**
 * WebSocket URL: `data-endpoint` if given (resolved against the script URL),
 * else `/ws` on the origin the script was loaded from, with http(s) -> ws(s).
 *
 * @param {string} scriptSrc absolute URL of the snippet
 * @param {string | null} [endpoint] the script tag's data-endpoint
 */
export function socketUrl(scriptSrc, endpoint) {
  const url = new URL(endpoint || '/ws', scriptSrc)
  url.protocol = url.protocol.replace('http', 'ws')
  return url.href
}
