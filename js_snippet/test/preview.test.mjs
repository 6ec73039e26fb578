/**
 * Preview links (`lotse preview`): the page URL's lotse_preview parameter
 * goes out as hello.preview instead of the resume token, nothing of the
 * session is stored in the browser, and welcome.preview shows as a banner.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boot } from '../src/index.js'
import { makePage, sleep } from './support/page.mjs'

const BODY = '<main><section data-lotse-slot="hero"><h2>Willkommen</h2></section></main>'
const URL = 'https://www.example.de/fachkreise?lotse_preview=eyJ0.sig&utm_source=x'
const SWAP = { type: 'swap', slot: 'hero', variant: 'hcp', html: '<h2>HCP</h2>', reason: 'r', experiment: 'e', arm: 'hcp', dose: 'd' }

async function previewed(options = {}) {
  const page = makePage({ body: BODY, url: URL, session: { 'lotse.token': 'old-session' }, ...options })
  page.win.lotse = Object.assign(() => {}, { q: [['consent', true]] })
  boot(page.win)
  await page.ready()
  page.socket.open()
  return page
}

test('hello carries the preview token, never the resume token, and the URL without it', async () => {
  const page = await previewed()
  const hello = page.socket.sent[0]
  assert.equal(hello.preview, 'eyJ0.sig')
  assert.equal(hello.token, undefined)
  assert.equal(hello.url, '/fachkreise?utm_source=x')
  assert.ok(!hello.doses && !hello.returning, 'nothing remembered from earlier visits')
})

test('nothing of a preview session is stored: token, variants, chat, counts, arms', async () => {
  const page = await previewed({ script: '<script data-site="demo" data-flicker-ms="0" data-datalayer src="https://lotse.example.net/lotse.js"></script>' })
  const before = { session: { ...page.win.sessionStorage }, local: { ...page.win.localStorage } }
  page.socket.receive({ type: 'welcome', token: 'preview-token', optout: false, chat: null, swaps: 1, preview: 'Vorschau: diese Seite, wie Fachkreise sie sehen.' })
  page.intersect(page.$('[data-lotse-slot=hero]'), 0)
  page.socket.receive(SWAP)
  assert.equal(page.$('[data-lotse-slot=hero] h2').textContent, 'HCP')
  assert.deepEqual({ session: { ...page.win.sessionStorage }, local: { ...page.win.localStorage } }, before)
  assert.equal(page.win.dataLayer, undefined, 'the site’s analytics hear nothing of it')
})

test('the banner shows welcome.preview, once, out of the page’s flow, as a status', async (t) => {
  t.mock.method(Math, 'random', () => 0) // the reconnect below at once
  const page = await previewed()
  const text = 'Vorschau: diese Seite, wie Fachkreise sie sehen.'
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null, swaps: 0, preview: text })
  page.socket.drop(1001)
  await sleep(5)
  const again = page.sockets.at(-1)
  again.open()
  assert.equal(again.sent[0].preview, 'eyJ0.sig', 'a reconnect is a preview again')
  again.receive({ type: 'welcome', token: 't', optout: false, chat: null, swaps: 0, preview: text })
  const banners = page.doc.querySelectorAll('lotse-preview')
  assert.equal(banners.length, 1)
  assert.equal(banners[0].getAttribute('role'), 'status')
  assert.equal(banners[0].shadowRoot.textContent, text)
})

test('an ignored link (no welcome.preview) shows no banner; a page without the parameter is no preview', async () => {
  const page = await previewed()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null, swaps: 0 })
  assert.equal(page.$('lotse-preview'), null)
  const plain = makePage({ body: BODY, session: { 'lotse.token': 'mine' } })
  boot(plain.win)
  await plain.ready()
  plain.socket.open()
  assert.equal(plain.socket.sent[0].preview, undefined)
  assert.equal(plain.socket.sent[0].token, 'mine')
  plain.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null, preview: 'x' })
  assert.equal(plain.$('lotse-preview'), null, 'only a page opened from a preview link')
})

test('a visitor who opted out stays opted out, even on a preview link', async () => {
  const page = makePage({ body: BODY, url: URL, local: { 'lotse.optout': '1' } })
  boot(page.win)
  await page.ready()
  await sleep(10)
  assert.equal(page.sockets.length, 0)
})
