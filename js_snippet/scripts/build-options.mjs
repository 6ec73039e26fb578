/**
 * The one build, shared by build.mjs and check-dist.mjs so the committed
 * dist and the freshness check can never disagree.
 *
 * esbuild bundles (and shortens the listed property names); terser then
 * minifies, because it compresses about 200 bytes (gzipped) better than
 * esbuild's own minifier, and every byte counts against the 6 KB budget.
 * Deterministic: both are pinned exactly in package.json, and nothing time-
 * or machine-dependent (dates, absolute paths) goes into the output.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { minify } from 'terser'

export const root = fileURLToPath(new URL('..', import.meta.url))
export const outfile = 'dist/lotse.min.js'
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/**
 * Internal property names shortened in the build (about 160 bytes gzipped).
 * Only names of the snippet's own objects belong here: never a wire-protocol
 * field, a stored field, or a browser API property (test/mangle.test.mjs
 * checks both lists, and the dist tests run the minified file).
 */
export const MANGLED = [
  'el', 'pending', 'defaults', 'touched', 'inView', 'held', 'exposed', 'was', 'pos',
  'isOpen', 'drain', 'wake', 'onClose', 'onOpen', 'onMessage', 'jitter', 'limit',
  'active', 'clock', 'flickerMs', 'store', 'strings', 'doc', 'win', 'setOptout',
  'sync', 'say', 'offer', 'restore', 'swap', 'ids', 'page', 'reshow', 'settle', 'release',
  'start', 'stop', 'shown', 'exposure', 'control', 'why', 'off', 'dismiss', 'answer',
]

/** @type {import('esbuild').BuildOptions} */
export const options = {
  absWorkingDir: root,
  entryPoints: ['src/browser.js'],
  outfile,
  bundle: true,
  minifySyntax: true,
  format: 'iife',
  target: 'es2018',
  legalComments: 'none',
  mangleProps: new RegExp('^(' + MANGLED.join('|') + ')$'),
  charset: 'ascii',
  define: { __LOTSE_VERSION__: JSON.stringify(version) },
  write: false,
  logLevel: 'warning',
}

/**
 * Build the snippet in memory.
 * @returns {Promise<Buffer>} the bytes of dist/lotse.min.js
 */
export async function bundle() {
  const bundled = (await build(options)).outputFiles[0].text
  const { code } = await minify(bundled, {
    ecma: 2018,
    compress: { passes: 1 },
    mangle: true,
    format: { ascii_only: true, preamble: `/*! Lotse snippet ${version} | Apache-2.0 */` },
  })
  return Buffer.from(code + '\n')
}
