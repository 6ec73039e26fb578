/**
 * The one build, shared by build.mjs and check-dist.mjs so the committed
 * dist and the freshness check can never disagree.
 *
 * Two scripts: the core (dist/lotse.min.js: events, slots, swaps, the "why"
 * box, opt-out) and the chat's file (dist/lotse-chat.min.js: the chat widget,
 * the privacy panel, the preview banner, the dataLayer hand-off), which the
 * core loads only when one of them is due; and dist/lotse-why.json, the "why"
 * box's stylesheet and markup, which the server sends the core in
 * `welcome.why`. The chat is built first: the core
 * carries the chat file's version (`?v=`, for long-lived caching) and its
 * Subresource Integrity hash. Both builds share esbuild's mangle cache, so a
 * shortened property name means the same in both (the core hands the chat
 * an object, and the chat hands back one).
 *
 * esbuild bundles (and shortens the listed property names); terser then
 * minifies, because it compresses about 200 bytes (gzipped) better than
 * esbuild's own minifier, and every byte counts against the 4 KB budgets.
 * Deterministic: both are pinned exactly in package.json, and nothing time-
 * or machine-dependent (dates, absolute paths) goes into the output.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { minify } from 'terser'
import { WHY_CSS, whyHtml } from '../src/why-box.js'

export const root = fileURLToPath(new URL('..', import.meta.url))
export const outfile = 'dist/lotse.min.js'
export const chatfile = 'dist/lotse-chat.min.js'
/**
 * The "why" control's stylesheet and markup (src/why-box.js), which the server sends the
 * core in `welcome.why`: `{"css": …, "html": {"de": …, "en": …}}`.
 */
export const whyfile = 'dist/lotse-why.json'
/** The built files; each script must stay at or under 4 KB gzipped (check-size.mjs). */
export const outfiles = [outfile, chatfile, whyfile]
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/**
 * Internal property names shortened in the build (about 160 bytes gzipped).
 * Only names of the snippet's own objects belong here: never a wire-protocol
 * field, a stored field, or a browser API property (test/mangle.test.mjs
 * checks both lists, and the dist tests run the minified file).
 */
export const MANGLED = [
  'el', 'shows', 'pending', 'defaults', 'touched', 'inView', 'held', 'exposed', 'was', 'pos',
  'doc', 'store', 'opt', 'active', 'run', 'say', 'sync', 'offer',
  'about', 'privacy', 'unread', 'dismiss', 'answer',
]

/** @type {import('esbuild').BuildOptions} */
export const options = {
  absWorkingDir: root,
  entryPoints: ['src/browser.js'],
  outfile,
  bundle: true,
  minifySyntax: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  mangleProps: new RegExp('^(' + MANGLED.join('|') + ')$'),
  charset: 'ascii',
  define: { __LOTSE_VERSION__: JSON.stringify(version) },
  write: false,
  logLevel: 'warning',
}

/** The Subresource Integrity hash of a built file. @param {Buffer} code */
export const integrity = (code) => 'sha384-' + createHash('sha384').update(code).digest('base64')
/**
 * The version in a built file's URL (`lotse-chat.js?v=…`): the first 16 hex
 * digits of its SHA-384, as the server computes it (server/lotse_server/snippet.py).
 * @param {Buffer} code
 */
export const fileVersion = (code) => createHash('sha384').update(code).digest('hex').slice(0, 16)

/**
 * @param {string} entry
 * @param {string} title for the banner comment (none when empty)
 * @param {Record<string, string>} define
 * @param {Record<string, string | false>} mangleCache
 */
async function one(entry, title, define, mangleCache) {
  const result = await build({ ...options, entryPoints: [entry], define: { ...options.define, ...define }, mangleCache })
  const { code } = await minify(result.outputFiles[0].text, {
    ecma: 2020,
    // Measured on these files: three passes, inlining only simple functions (a function
    // used once is still inlined), arrows for functions without `this`, and unused
    // parameters dropped save about 25 bytes gzipped over the defaults; `unsafe` adds none.
    // Function declarations hoisted to the top of their scope (as the language hoists them
    // anyway) let the core's `let`s join one declaration: another 18 bytes.
    compress: { passes: 3, inline: 1, pure_getters: true, unsafe_arrows: true, keep_fargs: false, hoist_funs: true },
    mangle: true,
    // The banner only on the chat's file: on the core it cost 32 bytes gzipped (the version
    // is `lotse.version`; the licence is the repository's).
    format: { ascii_only: true, preamble: title ? `/*! Lotse ${title} ${version} | Apache-2.0 */` : undefined },
  })
  return { code: Buffer.from(code + '\n'), cache: /** @type {Record<string, string | false>} */ (result.mangleCache) }
}

/**
 * Build both files in memory.
 * @returns {Promise<Record<string, Buffer>>} the bytes of each of `outfiles`
 */
export async function bundle() {
  const chat = await one('src/chat-entry.js', 'chat widget', {}, {})
  const core = await one(
    'src/browser.js',
    '',
    {
      __LOTSE_CHAT_SRC__: JSON.stringify('lotse-chat.js?v=' + fileVersion(chat.code)),
      __LOTSE_CHAT_SRI__: JSON.stringify(integrity(chat.code)),
    },
    chat.cache,
  )
  const why = { css: WHY_CSS, html: { de: whyHtml('de'), en: whyHtml('en') } }
  return { [outfile]: core.code, [chatfile]: chat.code, [whyfile]: Buffer.from(JSON.stringify(why, null, 1) + '\n') }
}
