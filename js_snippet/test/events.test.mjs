import assert from 'node:assert/strict'
import { test } from 'node:test'
import { JSDOM } from 'jsdom'
import { MAX_URL, clip, langOf, pageInfo, referrerOrigin, shapeUrl, socketUrl } from '../src/events.js'
import { boot } from '../src/index.js'
import { layerEvent } from '../src/lazy.js'
import { makePage } from './support/page.mjs'

const ORIGIN = 'https://www.example.de'

test('url: path plus only utm_* parameters, never other parameters or the fragment', () => {
  assert.equal(
    shapeUrl('https://www.example.de/fachkreise/studien?q=hiv&utm_source=nl&email=a%40b.de&utm_medium=mail#top'),
    '/fachkreise/studien?utm_source=nl&utm_medium=mail',
  )
  assert.equal(shapeUrl('https://www.example.de/?q=x#frag'), '/')
  assert.equal(shapeUrl('https://www.example.de/a/b'), '/a/b')
})

test('url: utm parameters keep their order and values, matched case-insensitively', () => {
  assert.equal(
    shapeUrl('https://x.de/p?UTM_Campaign=Herbst%202024&a=1&utm_content=b'),
    '/p?UTM_Campaign=Herbst+2024&utm_content=b',
  )
  assert.equal(shapeUrl('https://x.de/p?utmsource=x&utm=y'), '/p')
})

test('url: relative links resolve against the base; the result is capped at the server limit', () => {
  assert.equal(shapeUrl('../b?utm_term=x&id=7', 'https://x.de/a/c/d'), '/a/b?utm_term=x')
  assert.equal(shapeUrl('/' + 'a'.repeat(3000), ORIGIN).length, MAX_URL)
})

test('referrer: the referring origin only, nothing for our own site or none', () => {
  assert.equal(referrerOrigin('https://www.google.de/search?q=diabetes+typ+2', ORIGIN), 'https://www.google.de')
  assert.equal(referrerOrigin('https://www.doccheck.com/de/login/path', ORIGIN), 'https://www.doccheck.com')
  assert.equal(referrerOrigin('https://www.example.de/vorher', ORIGIN), undefined)
  assert.equal(referrerOrigin('', ORIGIN), undefined)
  assert.equal(referrerOrigin('not a url', ORIGIN), undefined)
  // No host in it: the server finds none (an app's referrer, android-app://…, is one such).
  assert.equal(referrerOrigin('about:blank', ORIGIN), 'null')
})

test('clip: titles, headings and link texts trimmed, whitespace collapsed, at most 300 characters', () => {
  assert.equal(clip('  Apotheken\n   Service '), 'Apotheken Service')
  assert.equal(clip('x'.repeat(400)).length, 300)
  assert.equal(clip('   '), undefined)
  assert.equal(clip(null), undefined)
})

test('pageInfo: the title and the first h1', () => {
  const doc = new JSDOM('<title> Kontakt – Acme </title><h1>\n Kontakt <span>aufnehmen</span></h1><h1>Zwei</h1>').window.document
  assert.deepEqual(pageInfo(doc), { title: 'Kontakt – Acme', heading: 'Kontakt aufnehmen' })
  assert.deepEqual(pageInfo(new JSDOM('').window.document), { title: undefined, heading: undefined })
})

test('lang: the first two letters of <html lang>, lower case', () => {
  assert.equal(langOf('de-DE'), 'de')
  assert.equal(langOf('EN'), 'en')
  assert.equal(langOf(''), undefined)
  assert.equal(langOf(null), undefined)
})

test('socket URL: /ws on the script origin, http(s) becomes ws(s)', () => {
  assert.equal(socketUrl('https://cdn.example.net/lotse.js?v=3'), 'wss://cdn.example.net/ws')
  assert.equal(socketUrl('http://localhost:8000/lotse.js'), 'ws://localhost:8000/ws')
})

test('socket URL: data-endpoint overrides, absolute or relative to the script', () => {
  assert.equal(socketUrl('https://cdn.example.net/lotse.js', 'wss://lotse.example.de/socket'), 'wss://lotse.example.de/socket')
  assert.equal(socketUrl('https://cdn.example.net/lotse.js', '/lotse/ws'), 'wss://cdn.example.net/lotse/ws')
  assert.equal(socketUrl('https://cdn.example.net/lotse.js', 'https://api.example.de/ws'), 'wss://api.example.de/ws')
})

/** The messages of a started page (`boot`), sent on a socket opened at once. */
async function sent(o = {}) {
  const page = makePage({ body: '<main><div data-lotse-slot="hero"><a id="a" href="/fachkreise?utm_source=a&ref=b#c">  Zum\n  Detail </a></div></main>', ...o })
  if (o.queue) page.win.lotse = Object.assign(() => {}, { q: o.queue })
  boot(page.win)
  await page.ready()
  page.socket.open()
  return page
}

test('hello: site, shaped url, foreign referrer origin, lang, slots; optional fields omitted when unknown', async () => {
  const page = await sent({ url: ORIGIN + '/produkte?utm_source=google&session=abc#x', referrer: 'https://www.google.de/search?q=x' })
  assert.deepEqual(page.socket.sent[0], {
    type: 'hello',
    site: 'demo',
    url: '/produkte?utm_source=google',
    referrer: 'https://www.google.de',
    lang: 'de',
    slots: ['hero'],
  })
  const own = await sent({ referrer: ORIGIN + '/prev', session: { 'lotse.token': 't1' }, queue: [['consent', false], ['verified', 'sig']] })
  assert.deepEqual(own.socket.sent[0], {
    type: 'hello',
    site: 'demo',
    url: '/start?utm_source=news',
    lang: 'de',
    slots: ['hero'],
    token: 't1',
    consent: false,
    verified: 'sig',
  })
})

test('clicks: same-origin links as path plus utm with their text; conversions as strings', async () => {
  const page = await sent()
  page.$('#a').click()
  assert.deepEqual(page.socket.sent.at(-1), { type: 'click', href: '/fachkreise?utm_source=a', text: 'Zum Detail' })
  page.win.lotse('convert', 42)
  assert.deepEqual(page.socket.sent.at(-1), { type: 'convert', goal: '42' })
  // A goal no site can declare (over 64 characters) is the server's to refuse (`error`).
  page.win.lotse('convert', 'g'.repeat(100))
  assert.equal(page.socket.sent.at(-1).goal.length, 100)
})

test('dataLayer events: ids from the configuration only, exactly these keys', () => {
  assert.deepEqual(layerEvent('swap', ['hero', 'hero-hcp']), { event: 'lotse_swap', lotse_slot: 'hero', lotse_variant: 'hero-hcp' })
  assert.deepEqual(layerEvent('exposure', ['r1', 'control', 'default']), {
    event: 'lotse_exposure',
    lotse_experiment: 'r1',
    lotse_arm: 'control',
    lotse_variant: 'default',
  })
})
