/**
 * "Came back" (jsdom): with consent the snippet remembers the experiment arms
 * this visit was counted in (from `swap` and `arm` messages), in localStorage
 * `lotse.arms`; when the next visit begins they move to sessionStorage
 * `lotse.returning` and go out once, in that visit's first hello with
 * consent, as `hello.returning`. Never on a reconnect or a later page of the
 * same visit; nothing without consent; deleted on withdrawal and opt-out.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boot } from '../src/index.js'
import { makePage, sleep, visitPage, welcomed } from './support/page.mjs'

const BODY = `
  <main>
    <section data-lotse-slot="hero" style="height:120px"><h1>Willkommen</h1></section>
    <aside data-lotse-slot="teaser" style="height:80px"><p>Standard</p></aside>
  </main>`

const swap = (slot, variant, experiment, arm = variant) => ({
  type: 'swap', slot, variant, html: `<p class="v">${variant}</p>`, reason: 'r', experiment, arm,
})
const control = (slot, experiment) => ({ type: 'arm', slot, experiment, arm: 'control' })
const stored = (page) => JSON.parse(page.win.localStorage.getItem('lotse.arms'))
const pending = (page) => page.win.sessionStorage.getItem('lotse.returning')

/** Reconnects happen at once (no jitter). */
const start = (win) => boot(win, { jitter: () => 0 })
/** One page load of a visitor, connected and welcomed (see `visitPage`). */
const load = (o = {}) => welcomed(visitPage({ body: BODY, ...o }), start)

/** Lose the connection and take the hello of the next one. */
async function reconnect(page) {
  const before = page.sockets.length
  page.socket.drop()
  await sleep(10)
  assert.equal(page.sockets.length, before + 1, 'reconnected')
  page.socket.open()
  return page.socket.sent[0]
}

test('with consent: the arms of swaps and arm messages are remembered for this visit', async () => {
  const page = await load()
  assert.equal(page.socket.sent[0].returning, undefined, 'a first visit sends none')
  page.socket.receive(swap('hero', 'hero-b', 'hero-test'))
  page.socket.receive(control('teaser', 'teaser-test'))
  page.socket.receive(swap('teaser', 'teaser-x')) // in no experiment: nothing to remember
  assert.deepEqual(stored(page), { 'hero-test': 'hero-b', 'teaser-test': 'control' })
  // The arm counts as learned even while the swap still waits for the slot to leave the view.
  page.intersect(page.$('[data-lotse-slot=hero]'), 1)
  page.socket.receive(swap('hero', 'hero-c', 'other-test'))
  assert.equal(stored(page)['other-test'], 'hero-c')
  // The same experiment again: its arm is the latest one named.
  page.socket.receive(swap('hero', 'hero-b', 'hero-test', 'hero-b2'))
  assert.equal(stored(page)['hero-test'], 'hero-b2')
})

test('the next visit’s first hello carries the previous visit’s arms, once', async () => {
  const first = await load()
  first.socket.receive(swap('hero', 'hero-b', 'hero-test'))
  first.socket.receive(control('teaser', 'teaser-test'))
  // A later page of the same visit: not a new visit, nothing to send.
  const second = await load({ from: first, url: 'https://www.example.de/produkte' })
  assert.equal(second.socket.sent[0].returning, undefined)
  // A new visit (a new browser session): the previous visit's arms go out with the visit count.
  const next = await load({ from: second, newVisit: true })
  const hello = next.socket.sent[0]
  assert.deepEqual(hello.returning, { 'hero-test': 'hero-b', 'teaser-test': 'control' })
  assert.equal(hello.visits, 2)
  assert.equal(hello.consent, true)
  assert.equal(pending(next), null, 'gone once sent')
  assert.equal(next.win.localStorage.getItem('lotse.arms'), null, 'this visit starts remembering afresh')
  // Never again in this visit: not on a reconnect, not on the next page.
  assert.equal((await reconnect(next)).returning, undefined)
  const later = await load({ from: next, url: 'https://www.example.de/kontakt' })
  assert.equal(later.socket.sent[0].returning, undefined)
  // This visit's own arm goes out on the visit after, alone.
  later.socket.receive(swap('hero', 'hero-a', 'hero-test'))
  const third = await load({ from: later, newVisit: true })
  assert.deepEqual(third.socket.sent[0].returning, { 'hero-test': 'hero-a' })
  assert.equal(third.socket.sent[0].visits, 3)
})

test('consent given after connecting: the arms wait for the next hello with consent', async () => {
  const first = await load()
  first.socket.receive(swap('hero', 'hero-b', 'hero-test'))
  const next = await load({ from: first, newVisit: true, consent: null })
  assert.equal(next.socket.sent[0].returning, undefined, 'no consent yet: not sent')
  next.win.lotse('consent', true)
  assert.deepEqual(next.socket.sent.at(-1), { type: 'consent', granted: true })
  assert.equal(next.win.localStorage.getItem('lotse.arms'), null)
  assert.deepEqual((await reconnect(next)).returning, { 'hero-test': 'hero-b' })
  assert.equal((await reconnect(next)).returning, undefined, 'once')
})

test('without consent nothing is remembered and nothing is sent', async () => {
  for (const consent of [null, false]) {
    const page = await load({ consent, local: { 'lotse.arms': JSON.stringify({ old: 'a' }) } })
    assert.equal(page.socket.sent[0].returning, undefined)
    page.socket.receive(swap('hero', 'hero-b', 'hero-test'))
    page.socket.receive(control('teaser', 'teaser-test'))
    assert.ok(page.$('[data-lotse-slot=hero] .v'), 'the swap itself is applied')
    const left = page.win.localStorage.getItem('lotse.arms')
    assert.equal(left, consent === false ? null : JSON.stringify({ old: 'a' }))
    assert.equal(pending(page), null)
  }
})

test('revoking consent deletes the remembered arms and those waiting to be sent', async () => {
  const first = await load()
  first.socket.receive(swap('hero', 'hero-b', 'hero-test'))
  // The next visit has them waiting (not yet connected) and learns its own.
  const next = visitPage({ body: BODY, from: first, newVisit: true })
  start(next.win)
  await next.ready()
  assert.equal(pending(next), JSON.stringify({ 'hero-test': 'hero-b' }))
  next.win.lotse('consent', false)
  assert.equal(pending(next), null)
  assert.equal(next.win.localStorage.getItem('lotse.arms'), null)
  next.socket.open()
  assert.equal(next.socket.sent[0].returning, undefined)
  next.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: null })
  next.socket.receive(control('teaser', 'teaser-test'))
  assert.equal(next.win.localStorage.getItem('lotse.arms'), null, 'nothing remembered after withdrawal')
  // Consent again: the deleted arms do not come back.
  next.win.lotse('consent', true)
  assert.equal((await reconnect(next)).returning, undefined)
})

test('opting out deletes the remembered arms and those waiting to be sent', async () => {
  const first = await load()
  first.socket.receive(swap('hero', 'hero-b', 'hero-test'))
  const page = await load({ from: first })
  page.socket.receive(control('teaser', 'teaser-test'))
  page.win.sessionStorage.setItem('lotse.returning', JSON.stringify({ waiting: 'a' }))
  page.win.lotse('optout')
  assert.equal(page.win.localStorage.getItem('lotse.arms'), null)
  assert.equal(pending(page), null)
  // Consent while opted out (the consent manager asks on every page) remembers nothing.
  page.win.lotse('consent', true)
  page.win.lotse('optin')
  page.socket.open()
  assert.equal(page.socket.sent[0].returning, undefined)
  page.socket.receive({ type: 'welcome', token: 'tok2', optout: false, chat: null })
  page.socket.receive(control('teaser', 'teaser-test'))
  assert.equal(page.win.localStorage.getItem('lotse.arms'), null)
})

test('at most 32 arms: the ones learned last', async () => {
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => ['e' + i, 'a' + i]))
  const page = await load({ local: { 'lotse.arms': JSON.stringify(many) } })
  const returning = page.socket.sent[0].returning
  assert.equal(Object.keys(returning).length, 32)
  assert.equal(returning.e7, undefined)
  assert.equal(returning.e8, 'a8')
  assert.equal(returning.e39, 'a39')
  for (let i = 0; i < 40; i++) page.socket.receive(control('teaser', 'x' + i))
  const kept = stored(page)
  assert.equal(Object.keys(kept).length, 32)
  assert.equal(kept.x7, undefined)
  assert.equal(kept.x39, 'control')
})

test('malformed storage is dropped, never sent (the server would refuse the hello)', async () => {
  const long = 'x'.repeat(65)
  const junk = {
    ok: 'arm-a',
    [long]: 'arm-b', // experiment id over 64 characters
    big: 'y'.repeat(129), // arm over 128 characters
    number: 3,
    nothing: null,
    list: ['a'],
  }
  const page = await load({ local: { 'lotse.arms': JSON.stringify(junk) } })
  assert.deepEqual(page.socket.sent[0].returning, { ok: 'arm-a' })
  for (const text of ['not json', '"text"', '42', '[["a","b"]]', '{}', JSON.stringify({ n: 1 })]) {
    const other = await load({ local: { 'lotse.arms': text } })
    assert.equal(other.socket.sent[0].returning, undefined, text)
    assert.equal(other.socket.sent[0].consent, true)
    // Remembering starts afresh over junk.
    other.socket.receive(swap('hero', 'hero-b', 'hero-test'))
    assert.deepEqual(stored(other), { 'hero-test': 'hero-b' })
  }
  // Junk in the session is dropped as well.
  const session = makePage({ body: BODY, session: { 'lotse.visit': '[]', 'lotse.returning': '{"a": 1, "b": "ok"}' } })
  session.win.lotse = Object.assign(() => {}, { q: [['consent', true]] })
  start(session.win)
  await session.ready()
  session.socket.open()
  assert.deepEqual(session.socket.sent[0].returning, { b: 'ok' })
})
