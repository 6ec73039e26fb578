/**
 * Pages that render themselves (single-page apps): slots that appear after
 * the snippet started are found as they appear, show their remembered
 * variant at once, and are announced to the server; lotse('page') for
 * frameworks; a page view waits (bounded) for a page still rendering.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SLOT_WAIT_MS, boot } from '../src/index.js'
import { makePage, sleep } from './support/page.mjs'

const HERO = '<section data-lotse-slot="hero"><h2>Willkommen</h2></section>'

async function app(options = {}) {
  const page = makePage({ body: '<header><nav></nav></header><div id="app"></div>', url: 'https://www.example.de/fachkreise', ...options })
  boot(page.win)
  await page.ready()
  return page
}
const render = (page, html, where = '#app') => {
  page.$(where).innerHTML = html
}

test('entry: hello waits for the slots the page renders itself, then lists them', async () => {
  const page = await app()
  assert.equal(page.sockets.length, 0, 'no slot yet: the page is still rendering')
  await sleep(30)
  render(page, HERO)
  await sleep(0)
  assert.equal(page.sockets.length, 1)
  page.socket.open()
  assert.deepEqual(page.socket.sent[0].slots, ['hero'])
  assert.equal(page.socket.sent[0].url, '/fachkreise')
})

test('a page without slots says hello without them after SLOT_WAIT_MS', async () => {
  const page = await app()
  await sleep(SLOT_WAIT_MS - 200)
  assert.equal(page.sockets.length, 0)
  await sleep(300)
  page.socket.open()
  assert.deepEqual(page.socket.sent[0].slots, [])
})

test('the anti-flicker window opens when the late slots are found', async () => {
  const page = await app({ script: '<script data-site="demo" data-flicker-ms="5000" src="https://lotse.example.net/lotse.js"></script>' })
  render(page, HERO)
  await sleep(0)
  const hero = page.$('[data-lotse-slot=hero]')
  assert.equal(hero.style.visibility, 'hidden', 'in view, waiting for its decision')
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null, swaps: 1 })
  page.socket.receive({ type: 'swap', slot: 'hero', variant: 'hcp', html: '<h2>HCP</h2>', reason: 'r' })
  assert.equal(hero.textContent, 'HCP')
  assert.equal(hero.style.visibility, '')
})

test('reload: a slot rendered late shows its remembered variant at once, before any reply', async () => {
  const sticky = { '/fachkreise hero': { slot: 'hero', variant: 'hcp', html: '<h2>Für Fachkreise</h2>', reason: 'r' } }
  const page = await app({ session: { 'lotse.sticky': JSON.stringify(sticky) } })
  const seen = []
  new page.win.MutationObserver(() => seen.push(page.$('#app').textContent)).observe(page.$('#app'), { childList: true, subtree: true })
  render(page, HERO)
  await sleep(0)
  const hero = page.$('[data-lotse-slot=hero]')
  assert.equal(hero.querySelector('h2').textContent, 'Für Fachkreise')
  assert.ok(hero.querySelector('lotse-why'))
  // Swapped in the same turn as the render: no frame could show the default.
  assert.deepEqual(seen, ['Für Fachkreise'])
  assert.equal(page.sockets.length, 1, 'then hello')
})

test('a slot rendered after hello is announced as one of this page’s slots, and shown remembered', async () => {
  const sticky = { '/fachkreise side': { slot: 'side', variant: 's2', html: '<p>S2</p>', reason: 'r' } }
  const page = await app({ session: { 'lotse.sticky': JSON.stringify(sticky) } })
  render(page, HERO)
  await sleep(0)
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null, swaps: 0 })
  // A lazy component (or a consent banner closing) adds a slot.
  page.$('#app').insertAdjacentHTML('beforeend', '<aside data-lotse-slot="side"><p>S</p></aside>')
  await sleep(0)
  assert.deepEqual(page.socket.sent.at(-1), { type: 'slots', slots: ['hero', 'side'] })
  assert.equal(page.$('[data-lotse-slot=side] p').textContent, 'S2')
  // Elements that are no slots, and slots in navigation, announce nothing.
  page.$('#app').insertAdjacentHTML('beforeend', '<p>more</p>')
  page.$('nav').insertAdjacentHTML('beforeend', '<span data-lotse-slot="menu">M</span>')
  page.$('#app').insertAdjacentHTML('beforeend', '<div data-lotse-slot="hero">second hero</div>')
  await sleep(0)
  assert.equal(page.socket.sent.filter((m) => m.type === 'slots').length, 1)
})

test('route change: the page view waits for the new route’s slots, rendered after the change settled', async () => {
  const page = await app()
  render(page, HERO)
  await sleep(0)
  page.socket.open()
  page.win.history.pushState(null, '', '/apotheke')
  render(page, '<p>Laden …</p>') // the router shows a spinner while it fetches
  await sleep(150)
  assert.equal(page.socket.sent.filter((m) => m.type === 'page').length, 0)
  render(page, '<section data-lotse-slot="hero">A</section><aside data-lotse-slot="side">B</aside>')
  await sleep(0)
  const sent = page.socket.sent.filter((m) => m.type === 'page' || m.type === 'slots')
  assert.deepEqual(sent, [{ type: 'page', url: '/apotheke', slots: ['hero', 'side'] }])
})

test('lotse("page") after a render: the slots are found and announced at once', async () => {
  const page = await app()
  render(page, HERO)
  await sleep(0)
  page.socket.open()
  page.$('#app').insertAdjacentHTML('beforeend', '<aside data-lotse-slot="side"><p>S</p></aside>')
  page.win.lotse('page')
  assert.deepEqual(page.socket.sent.at(-1), { type: 'slots', slots: ['hero', 'side'] })
  page.win.lotse('page')
  assert.equal(page.socket.sent.filter((m) => m.type === 'slots').length, 1, 'nothing new: nothing sent')
  // With a new URL (a router the snippet cannot see), it is a page view.
  page.win.history.replaceState = page.win.History.prototype.replaceState
  page.win.History.prototype.replaceState.call(page.win.history, null, '', '/kontakt')
  page.win.lotse('page')
  assert.deepEqual(page.socket.sent.at(-1), { type: 'page', url: '/kontakt', slots: ['hero', 'side'] })
  assert.deepEqual(page.errors, [])
})
