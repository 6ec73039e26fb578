import assert from 'node:assert/strict'
import { test } from 'node:test'
import { stringsFor } from '../src/strings.js'

test('German pages get German words, with the agreed prompt', () => {
  const de = stringsFor('de')
  assert.equal(de.prompt, 'Was führt Sie zu uns?')
  assert.equal(de.off, 'Personalisierung aus')
  assert.equal(de.why, 'Warum sehe ich das?')
})

test('English and every other language get English', () => {
  for (const lang of ['en', 'fr', undefined]) {
    const s = stringsFor(lang)
    assert.equal(s.prompt, 'What brings you here today?')
    assert.equal(s.off, 'Personalization off')
    assert.equal(s.why, 'Why am I seeing this?')
  }
})

test('both languages label the same controls', () => {
  assert.deepEqual(Object.keys(stringsFor('de')).sort(), Object.keys(stringsFor('en')).sort())
  for (const text of [...Object.values(stringsFor('de')), ...Object.values(stringsFor('en'))]) {
    assert.ok(typeof text === 'string' && text.length > 0)
  }
})
