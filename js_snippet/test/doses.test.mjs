/**
 * Doses across visits (jsdom): with consent the snippet counts, per dose key,
 * the swaps it applies and the chat offers it shows, in localStorage next to
 * the visit count; `hello.doses` carries the counts as they stood when the
 * visit began. Without consent nothing is counted or sent; revoking consent
 * and opting out delete the counters.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boot } from '../src/index.js'
import { chatOf, sleep, visitPage, welcomed } from './support/page.mjs'

const BODY = `
  <main>
    <section data-lotse-slot="hero" style="height:120px"><h1 id="hero-default">Willkommen</h1></section>
    <aside data-lotse-slot="teaser" style="height:80px"><p id="teaser-default">Standard</p></aside>
  </main>`

const swap = (slot, variant, dose) => ({ type: 'swap', slot, variant, html: `<p class="v">${variant}</p>`, reason: 'r', dose })
const stored = (page) => JSON.parse(page.win.localStorage.getItem('lotse.doses'))

/** One page load of a visitor, connected and welcomed (see `visitPage`). */
const load = (o = {}) => welcomed(visitPage({ body: BODY, ...o }), boot)

test('with consent: each applied swap with a dose is counted under its key', async () => {
  const page = await load()
  assert.equal(page.socket.sent[0].doses, undefined, 'nothing counted yet')
  page.socket.receive(swap('hero', 'hero-hcp', 'r1'))
  assert.deepEqual(stored(page), [['r1', 1]])
  page.socket.receive(swap('teaser', 'teaser-hcp')) // no dose: not counted
  page.socket.receive(swap('hero', 'hero-hcp', 'r1')) // already shown: not applied again
  assert.deepEqual(stored(page), [['r1', 1]])
  page.socket.receive(swap('hero', 'hero-b', 'r2'))
  page.socket.receive(swap('hero', 'hero-hcp', 'r1'))
  assert.deepEqual(stored(page), [['r2', 1], ['r1', 2]])
})

test('a swap waiting for the slot to leave the viewport is counted only when applied', async () => {
  const page = await load()
  const hero = page.$('[data-lotse-slot=hero]')
  page.intersect(hero, 1)
  page.socket.receive(swap('hero', 'hero-hcp', 'r1'))
  assert.equal(stored(page), null)
  page.intersect(hero, 0)
  assert.deepEqual(stored(page), [['r1', 1]])
})

test('hello.doses: the counts as the visit began; this visit’s shows go out on the next visit', async () => {
  const first = await load({ local: { 'lotse.doses': JSON.stringify([['chat', 1]]) } })
  assert.deepEqual(first.socket.sent[0].doses, { chat: 1 })
  first.socket.receive(swap('hero', 'hero-hcp', 'r1'))
  // The next page of the same visit: the server counts this session's shows itself.
  const second = await load({ from: first, url: 'https://www.example.de/produkte' })
  assert.deepEqual(second.socket.sent[0].doses, { chat: 1 })
  assert.equal(second.socket.sent[0].visits, 1)
  second.socket.receive(swap('hero', 'hero-hcp', 'r1'))
  assert.deepEqual(stored(second), [['chat', 1], ['r1', 2]])
  // A new visit (a new browser session): everything counted so far.
  const next = await load({ from: second, newVisit: true })
  assert.deepEqual(next.socket.sent[0].doses, { chat: 1, r1: 2 })
  assert.equal(next.socket.sent[0].visits, 2)
})

test('hello.doses: at most 32 keys, the most recently counted, counts at most 10000', async () => {
  const list = Array.from({ length: 40 }, (_, i) => ['k' + i, i === 39 ? 123456 : 1])
  const page = await load({ local: { 'lotse.doses': JSON.stringify(list) } })
  const doses = page.socket.sent[0].doses
  assert.equal(Object.keys(doses).length, 32)
  assert.equal(doses.k7, undefined)
  assert.equal(doses.k8, 1)
  assert.equal(doses.k39, 10000)
  // Junk someone else wrote is dropped, not sent (the server would refuse the hello).
  const junk = await load({ local: { 'lotse.doses': '{"a": "x"}' } })
  assert.equal(junk.socket.sent[0].doses, undefined)
})

test('without consent nothing is counted and nothing is sent', async () => {
  for (const consent of [null, false]) {
    const page = await load({ consent, local: { 'lotse.doses': JSON.stringify([['r1', 3]]) } })
    assert.equal(page.socket.sent[0].doses, undefined)
    page.socket.receive(swap('hero', 'hero-hcp', 'r9'))
    assert.ok(page.$('[data-lotse-slot=hero] .v'), 'the swap itself is applied')
    const left = page.win.localStorage.getItem('lotse.doses')
    assert.equal(left, consent === false ? null : JSON.stringify([['r1', 3]]))
  }
})

test('revoking consent deletes the counters with the visit count; counting stops', async () => {
  const page = await load({ local: { 'lotse.doses': JSON.stringify([['r1', 3]]), 'lotse.visits': '4' } })
  page.socket.receive(swap('hero', 'hero-hcp', 'r1'))
  assert.deepEqual(stored(page), [['r1', 4]])
  page.win.lotse('consent', false)
  assert.equal(page.win.localStorage.getItem('lotse.doses'), null)
  assert.equal(page.win.localStorage.getItem('lotse.visits'), null)
  assert.equal(page.win.sessionStorage.getItem('lotse.visit'), null, 'the visit’s snapshot too')
  page.socket.receive(swap('teaser', 'teaser-hcp', 'r2'))
  assert.equal(page.win.localStorage.getItem('lotse.doses'), null)
  const next = await load({ from: page, consent: true })
  assert.equal(next.socket.sent[0].doses, undefined, 'the revoked counts are not sent again')
  assert.equal(next.socket.sent[0].visits, 1)
})

test('opting out deletes the counters and the visit count', async () => {
  const page = await load({ local: { 'lotse.doses': JSON.stringify([['r1', 3]]), 'lotse.visits': '4' } })
  page.win.lotse('optout')
  assert.equal(page.win.localStorage.getItem('lotse.doses'), null)
  assert.equal(page.win.localStorage.getItem('lotse.visits'), null)
  // Consent while opted out (the consent manager asks on every page) counts nothing.
  page.win.lotse('consent', true)
  assert.equal(page.win.localStorage.getItem('lotse.visits'), null)
  page.win.lotse('optin')
  const hello = page.sockets.at(-1)
  hello.open()
  assert.equal(hello.sent[0].doses, undefined)
})

test('the chat offer is counted under welcome.chat.dose when the launcher appears', async () => {
  const page = await load()
  const chat = { prompt: 'Was führt Sie zu uns?', choices: [], delay_ms: 20, dose: 'chat' }
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat })
  assert.equal(stored(page), null, 'not before it is shown')
  await sleep(50)
  assert.ok(chatOf(page.doc))
  assert.deepEqual(stored(page), [['chat', 1]])
  // Offered once per session: the next page does not show it, nor count it.
  const next = await load({ from: page })
  next.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat })
  await sleep(50)
  assert.equal(chatOf(next.doc), undefined)
  assert.deepEqual(stored(next), [['chat', 1]])
  // Without consent the offer is shown but not counted.
  const other = await load({ consent: false })
  other.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat })
  await sleep(50)
  assert.ok(chatOf(other.doc))
  assert.equal(stored(other), null)
})
