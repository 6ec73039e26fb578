/**
 * The build shortens some property names. None of them may be a name the
 * server reads or sends, a name kept in storage, or a browser API property
 * the snippet uses; otherwise the minified snippet would silently break.
 */
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { test } from 'node:test'
import { MANGLED } from '../scripts/build-options.mjs'

const WIRE = [
  'type', 'site', 'url', 'referrer', 'lang', 'slots', 'token', 'consent', 'verified', 'visits',
  'href', 'text', 'choice', 'slot', 'variant', 'goal', 'granted', 'assertion',
  'optout', 'chat', 'prompt', 'choices', 'id', 'label', 'delay_ms', 'html', 'reason', 'code', 'message',
  'q', 'version', 'swaps', 'experiment', 'arm', 'dose', 'doses', 'returning',
  'preview', 'title', 'heading', '_w',
  // dataLayer events
  'event', 'lotse_slot', 'lotse_variant', 'lotse_experiment', 'lotse_arm',
]

test('no mangled name is a protocol, storage or API field', () => {
  for (const name of MANGLED) assert.ok(!WIRE.includes(name), name)
})

/** Browser properties the snippet uses whose names could pass for our own. */
const BROWSER = [
  'now', 'random', 'hidden', 'position', 'visibility', 'minHeight', 'send', 'close', 'remove',
  'append', 'focus', 'observe', 'unobserve', 'target', 'value', 'checked', 'code', 'data',
  'persisted', 'key', 'content', 'style', 'title', 'matches', 'height', 'top', 'bottom', 'left', 'right',
  'src', 'integrity', 'crossOrigin', 'isConnected', 'nodeType', 'addedNodes', 'lang', 'scrollTop',
]

test('no mangled name is a browser property the snippet uses', () => {
  for (const name of MANGLED) assert.ok(!BROWSER.includes(name), name)
})

test('every mangled name is one of the snippet’s own properties (the list does not rot)', () => {
  const src = readdirSync(new URL('../src/', import.meta.url))
    .map((f) => readFileSync(new URL('../src/' + f, import.meta.url), 'utf8'))
    .join('\n')
  for (const name of MANGLED) assert.match(src, new RegExp('\\b' + name + '\\b'), name)
})
