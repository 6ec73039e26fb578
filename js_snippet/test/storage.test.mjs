import assert from 'node:assert/strict'
import { test } from 'node:test'
import { STICKY_PAGES, area, parse, read, remember, write } from '../src/storage.js'

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
