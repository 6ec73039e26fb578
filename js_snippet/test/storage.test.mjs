import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_DOSE, MAX_DOSES, STICKY_PAGES, area, countDose, keepArms, parse, read, remember, write } from '../src/storage.js'

function memory() {
  const data = new Map()
  return {
    data,
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
  }
}

const broken = {
  getItem() {
    throw new Error('SecurityError')
  },
  setItem() {
    throw new Error('QuotaExceededError')
  },
  removeItem() {
    throw new Error('SecurityError')
  },
}

test('read and write under the lotse. prefix; writing null (or nothing) removes the key', () => {
  const s = memory()
  write(s, 'k', 'v')
  assert.equal(read(s, 'k'), 'v')
  assert.deepEqual([...s.data.keys()], ['lotse.k'])
  write(s, 'k', null)
  assert.equal(read(s, 'k'), undefined)
  assert.equal(s.data.size, 0)
  write(s, 'k', 'v')
  write(s, 'k')
  assert.equal(s.data.size, 0)
})

test('missing or throwing storage behaves as empty and never throws', () => {
  assert.equal(read(null, 'k'), undefined)
  assert.doesNotThrow(() => write(null, 'k', 'v'))
  assert.equal(read(broken, 'k'), undefined)
  assert.doesNotThrow(() => write(broken, 'k', 'v'))
  assert.doesNotThrow(() => write(broken, 'k', null))
})

test('area: a storage getter that throws gives null', () => {
  const win = {
    get sessionStorage() {
      throw new Error('denied')
    },
    localStorage: memory(),
  }
  assert.equal(area(win, 'sessionStorage'), null)
  assert.equal(area(win, 'localStorage'), win.localStorage)
})

test('parse: our JSON back, anything else gives the fallback', () => {
  assert.deepEqual(parse('{"a":1}', {}), { a: 1 })
  assert.deepEqual(parse('[1]', []), [1])
  assert.deepEqual(parse(null, {}), {})
  assert.deepEqual(parse('{broken', {}), {})
  assert.deepEqual(parse('"text"', {}), {})
  assert.deepEqual(parse('null', {}), {})
})

const shown = (variant) => ({ slot: 'hero', variant, html: '<p>' + variant + '</p>', reason: 'r' })

test('remember: variants per page and slot, without changing the input', () => {
  const before = { '/a': { hero: shown('x') } }
  const after = remember(before, '/a', 'side', shown('y'))
  assert.deepEqual(Object.keys(after['/a']).sort(), ['hero', 'side'])
  assert.deepEqual(before, { '/a': { hero: shown('x') } })
})

test('remember: forgetting the last slot of a page forgets the page', () => {
  const map = remember({ '/a': { hero: shown('x') }, '/b': { hero: shown('y') } }, '/a', 'hero', null)
  assert.deepEqual(Object.keys(map), ['/b'])
})

test('remember: the most recently touched pages are kept, the oldest dropped', () => {
  let map = {}
  for (let i = 0; i < STICKY_PAGES + 5; i++) map = remember(map, '/p' + i, 'hero', shown('v' + i))
  assert.equal(Object.keys(map).length, STICKY_PAGES)
  assert.ok(!('/p0' in map) && '/p' + (STICKY_PAGES + 4) in map)
  // Touching an old page moves it to the end, so it survives the next eviction.
  map = remember(map, '/p5', 'side', shown('s'))
  map = remember(map, '/new', 'hero', shown('n'))
  assert.ok('/p5' in map)
  assert.ok(!('/p6' in map))
})

test('countDose: counts a key once more and moves it to the end, without changing the input', () => {
  const before = [['a', 1], ['b', 4]]
  assert.deepEqual(countDose(before, 'a'), [['b', 4], ['a', 2]])
  assert.deepEqual(countDose(before, 'c'), [['a', 1], ['b', 4], ['c', 1]])
  assert.deepEqual(before, [['a', 1], ['b', 4]])
  assert.deepEqual(countDose([], 'chat'), [['chat', 1]])
  // Recency, not key order: integer-like keys keep their place (an object would sort them first).
  assert.deepEqual(countDose([['z', 1], ['7', 1]], 'z'), [['7', 1], ['z', 2]])
})

test('countDose: the 32 most recently counted keys are kept, counts stop at 10000', () => {
  assert.equal(MAX_DOSES, 32)
  assert.equal(MAX_DOSE, 10000)
  let list = []
  for (let i = 0; i < 40; i++) list = countDose(list, 'k' + i)
  assert.equal(list.length, 32)
  assert.deepEqual(list[0], ['k8', 1])
  list = countDose(list, 'k8')
  list = countDose(list, 'new')
  assert.equal(list.length, 32)
  assert.ok(list.some(([k]) => k === 'k8'), 'counted again: survives')
  assert.ok(!list.some(([k]) => k === 'k9'), 'now the oldest: dropped')
  assert.deepEqual(countDose([['a', 10000]], 'a'), [['a', 10000]])
  assert.deepEqual(countDose([['a', 99999]]), [['a', 10000]])
})

test('countDose: malformed storage and keys are dropped, never thrown on', () => {
  for (const junk of [null, 5, 'text', {}, { a: 1 }]) assert.deepEqual(countDose(junk, 'a'), [['a', 1]])
  const long = 'x'.repeat(65)
  assert.deepEqual(
    countDose([null, 3, 'ab', ['a', '3'], ['b', -1], ['c', 1.5], ['d', null], [long, 1], [7, 1], ['ok', 2]]),
    [['ok', 2]],
  )
  assert.deepEqual(countDose([['ok', 2]], long), [['ok', 2]], 'a key over 64 characters is not counted')
  assert.deepEqual(countDose([['ok', 2]], ''), [['ok', 2]])
  assert.deepEqual(countDose([['ok', 2]], 42), [['ok', 2]])
  assert.deepEqual(countDose([['a', 'junk']], 'a'), [['a', 1]], 'a junk count starts again')
  assert.deepEqual(countDose(parse('[["a",2]]', [])), [['a', 2]])
  assert.deepEqual(countDose(parse('1', [])), [], 'the old "1" in lotse.visit reads as no counters')
})

test('keepArms: sets an experiment’s arm, without changing the input; learned again, it keeps its place', () => {
  const before = { a: 'x', b: 'control' }
  assert.deepEqual(keepArms(before, { c: 'y' }), { a: 'x', b: 'control', c: 'y' })
  assert.deepEqual(Object.entries(keepArms(before, { a: 'z' })), [['a', 'z'], ['b', 'control']])
  assert.deepEqual(before, { a: 'x', b: 'control' })
  assert.deepEqual(keepArms(undefined, { a: 'x' }), { a: 'x' })
  assert.deepEqual(keepArms(before), before)
})

test('keepArms: at most 32, the ones added last', () => {
  let map = {}
  for (let i = 0; i < 40; i++) map = keepArms(map, { ['e' + i]: 'a' })
  assert.equal(Object.keys(map).length, MAX_DOSES)
  assert.deepEqual(Object.keys(map)[0], 'e8')
  map = keepArms(map, { new: 'a' })
  assert.equal(Object.keys(map).length, MAX_DOSES)
  assert.ok(!('e8' in map) && 'new' in map)
})

test('keepArms: malformed storage and arms are dropped, never thrown on', () => {
  // As stored: whatever `parse` gives, an object (of any shape) or the fallback.
  for (const junk of [undefined, null, [], [['a', 'b']], { a: 1 }, { a: null }, { a: ['b'] }, parse('"text"'), parse('5')]) {
    assert.deepEqual(keepArms(junk, { e: 'x' }), { e: 'x' })
    assert.deepEqual(keepArms(junk), {})
  }
  const long = 'x'.repeat(65)
  assert.deepEqual(keepArms({ [long]: 'a', ok: 'y'.repeat(128), big: 'y'.repeat(129) }), { ok: 'y'.repeat(128) })
  assert.deepEqual(keepArms({ ok: 'a' }, { e: undefined }), { ok: 'a' }, 'a swap without an arm adds nothing')
  assert.deepEqual(keepArms({ ok: 'a' }, { [long]: 'b' }), { ok: 'a' })
  assert.deepEqual(keepArms(parse('not json')), {})
})
