import assert from 'node:assert/strict'
import { test } from 'node:test'
import { STICKY_LIMIT, area, parse, read, remember, write } from '../src/storage.js'

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

test('area: a storage getter that throws gives none', () => {
  const win = {
    get sessionStorage() {
      throw new Error('denied')
    },
    localStorage: memory(),
  }
  assert.equal(area(win, 'sessionStorage'), undefined)
  assert.equal(area(win, 'localStorage'), win.localStorage)
})

test('parse: our JSON object back, anything else an empty object', () => {
  assert.deepEqual(parse('{"a":1}'), { a: 1 })
  assert.deepEqual(parse(null), {})
  assert.deepEqual(parse(undefined), {})
  assert.deepEqual(parse('{broken'), {})
  assert.deepEqual(parse('"text"'), {})
  assert.deepEqual(parse('5'), {})
  assert.deepEqual(parse('null'), {})
})

const shown = (variant, slot = 'hero') => ({ slot, variant, html: '<p>' + variant + '</p>', reason: 'r' })

test('remember: one flat map of "page slot" keys', () => {
  let map = remember({}, '/a hero', shown('x'))
  map = remember(map, '/a side', shown('y', 'side'))
  map = remember(map, '/b hero', shown('z'))
  assert.deepEqual(map, { '/a hero': shown('x'), '/a side': shown('y', 'side'), '/b hero': shown('z') })
  // The same key again replaces the entry.
  assert.deepEqual(remember(map, '/a hero', shown('w'))['/a hero'], shown('w'))
})

test('remember: forgetting a slot forgets only that page and slot', () => {
  const map = remember({ '/a hero': shown('x'), '/a side': shown('y', 'side'), '/b hero': shown('z') }, '/a hero', null)
  assert.deepEqual(Object.keys(map), ['/a side', '/b hero'])
  assert.deepEqual(remember(map, '/c hero', null), map, 'forgetting what is not there changes nothing')
})

test('remember: the most recently shown slots are kept, the oldest dropped', () => {
  let map = {}
  for (let i = 0; i < STICKY_LIMIT + 5; i++) map = remember(map, '/p' + i + ' hero', shown('v' + i))
  assert.equal(STICKY_LIMIT, 50)
  assert.equal(Object.keys(map).length, STICKY_LIMIT)
  assert.ok(!('/p0 hero' in map) && '/p' + (STICKY_LIMIT + 4) + ' hero' in map)
  // Showing an old one again moves it to the end, so it survives the next eviction.
  map = remember(map, '/p5 hero', shown('again'))
  map = remember(map, '/new hero', shown('n'))
  assert.equal(Object.keys(map).length, STICKY_LIMIT)
  assert.deepEqual(map['/p5 hero'], shown('again'))
  assert.ok(!('/p6 hero' in map))
  assert.deepEqual(Object.keys(map).slice(-2), ['/p5 hero', '/new hero'])
})
