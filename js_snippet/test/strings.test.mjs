import assert from 'node:assert/strict'
import { test } from 'node:test'
import { stringsFor } from '../src/strings.js'

test('German pages get German words', () => {
  const de = stringsFor('de')
  assert.equal(de.off, 'Personalisierung aus')
  assert.equal(de.why, 'Warum sehe ich das?')
})

test('English and every other language get English', () => {
  for (const lang of ['en', 'fr', undefined]) {
    const s = stringsFor(lang)
    assert.equal(s.off, 'Personalisation off', 'British spelling, as everywhere on an English page')
    assert.equal(s.why, 'Why am I seeing this?')
  }
})

test('both languages label the same controls', () => {
  assert.deepEqual(Object.keys(stringsFor('de')).sort(), Object.keys(stringsFor('en')).sort())
  for (const text of [...Object.values(stringsFor('de')), ...Object.values(stringsFor('en'))]) {
    assert.ok(typeof text === 'string' && text.length > 0)
  }
})

test('one spelling: no American "personaliz" anywhere in the snippet’s words', async () => {
  const { readFileSync } = await import('node:fs')
  for (const file of ['strings.js', 'chat.js']) {
    assert.doesNotMatch(readFileSync(new URL('../src/' + file, import.meta.url), 'utf8'), /personaliz/i, file)
  }
})
