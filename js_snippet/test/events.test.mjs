import assert from 'node:assert/strict'
import { test } from 'node:test'
import { JSDOM } from 'jsdom'
import {
  MAX_URL,
  clickMessage,
  clip,
  pageInfo,
  convertMessage,
  exposureEvent,
  helloMessage,
  isSameOrigin,
  langOf,
  pageMessage,
  referrerOrigin,
  shapeUrl,
  swapEvent,
  slotIds,
  socketUrl,
} from '../src/events.js'

const ORIGIN = 'https://www.example.de'
/** What actually goes over the wire: undefined fields disappear. */
const wire = (msg) => JSON.parse(JSON.stringify(msg))

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

test('same origin: only links to this very origin count', () => {
  assert.ok(isSameOrigin('/kontakt', ORIGIN))
  assert.ok(isSameOrigin('https://www.example.de/x', ORIGIN))
  assert.ok(!isSameOrigin('https://example.de/x', ORIGIN))
  assert.ok(!isSameOrigin('http://www.example.de/x', ORIGIN))
  assert.ok(!isSameOrigin('mailto:info@example.de', ORIGIN))
  assert.ok(!isSameOrigin('javascript:void(0)', ORIGIN))
  assert.ok(!isSameOrigin('https://[broken', ORIGIN))
})

test('referrer: the referring origin only, nothing for our own site or none', () => {
  assert.equal(referrerOrigin('https://www.google.de/search?q=diabetes+typ+2', ORIGIN), 'https://www.google.de')
  assert.equal(referrerOrigin('https://www.doccheck.com/de/login/path', ORIGIN), 'https://www.doccheck.com')
  assert.equal(referrerOrigin('https://www.example.de/vorher', ORIGIN), undefined)
  assert.equal(referrerOrigin('', ORIGIN), undefined)
  assert.equal(referrerOrigin('not a url', ORIGIN), undefined)
  assert.equal(referrerOrigin('about:blank', ORIGIN), undefined)
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

test('slot ids: unique, non-empty, within 64 ids of at most 64 characters', () => {
  assert.deepEqual(slotIds(['hero', 'teaser', 'hero', '', null, 'x'.repeat(65), 'cta']), ['hero', 'teaser', 'cta'])
  const many = Array.from({ length: 100 }, (_, i) => 's' + i)
  assert.equal(slotIds(many).length, 64)
  assert.deepEqual(slotIds(many).slice(0, 2), ['s0', 's1'])
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

test('hello: site, shaped url, foreign referrer origin, lang, slots, token', () => {
  const msg = helloMessage({
    site: 'demo',
    href: 'https://www.example.de/produkte?utm_source=google&session=abc#x',
    origin: ORIGIN,
    referrer: 'https://www.google.de/search?q=x',
    lang: 'de',
    slots: ['hero'],
    token: 't1',
  })
  assert.deepEqual(wire(msg), {
    type: 'hello',
    site: 'demo',
    url: '/produkte?utm_source=google',
    referrer: 'https://www.google.de',
    lang: 'de',
    slots: ['hero'],
    token: 't1',
  })
})

test('hello: optional fields are omitted when unknown, consent and verification when known', () => {
  const base = { site: 'demo', href: ORIGIN + '/', origin: ORIGIN, slots: [] }
  assert.deepEqual(wire(helloMessage({ ...base, referrer: ORIGIN + '/prev', token: null })), {
    type: 'hello',
    site: 'demo',
    url: '/',
    slots: [],
  })
  assert.deepEqual(wire(helloMessage({ ...base, consent: false, verified: 'sig' })), {
    type: 'hello',
    site: 'demo',
    url: '/',
    slots: [],
    consent: false,
    verified: 'sig',
  })
})

test('hello: the returning-visitor count goes out only with consent', () => {
  const base = { site: 'demo', href: ORIGIN + '/', origin: ORIGIN, slots: [], visits: 3 }
  assert.equal(wire(helloMessage({ ...base, consent: true })).visits, 3)
  assert.equal(wire(helloMessage({ ...base, consent: false })).visits, undefined)
  assert.equal(wire(helloMessage(base)).visits, undefined)
})

test('hello with only site, page and token: what an opted-out visitor sends to delete a session', () => {
  assert.deepEqual(wire(helloMessage({ site: 'demo', href: ORIGIN + '/a?q=1&utm_medium=x', origin: ORIGIN, slots: [], token: 'tok' })), {
    type: 'hello',
    site: 'demo',
    url: '/a?utm_medium=x',
    slots: [],
    token: 'tok',
  })
})

test('page: shaped url and the slots on the new page', () => {
  assert.deepEqual(pageMessage(ORIGIN + '/neu?x=1', ORIGIN, ['hero', 'side']), {
    type: 'page',
    url: '/neu',
    slots: ['hero', 'side'],
  })
})

test('click: same-origin links as path plus utm, other links not at all', () => {
  assert.deepEqual(clickMessage('/fachkreise?utm_source=a&ref=b#c', ORIGIN), { type: 'click', href: '/fachkreise?utm_source=a', text: undefined })
  assert.deepEqual(clickMessage('detail', ORIGIN, ORIGIN + '/produkte/', '  Zum\n  Detail '), { type: 'click', href: '/produkte/detail', text: 'Zum Detail' })
  assert.equal(clickMessage('https://www.other.de/x', ORIGIN), null)
  assert.equal(clickMessage('tel:+4930123', ORIGIN), null)
})

test('convert: goal as a string within the server limit', () => {
  assert.deepEqual(convertMessage('newsletter'), { type: 'convert', goal: 'newsletter' })
  assert.equal(convertMessage(42).goal, '42')
  assert.equal(convertMessage('g'.repeat(100)).goal.length, 64)
})

test('hello: the dose counters go out as an object, only with consent and only when there are some', () => {
  const base = { site: 'demo', href: ORIGIN + '/', origin: ORIGIN, slots: [], doses: [['hero-hcp', 2], ['chat', 1]] }
  assert.deepEqual(wire(helloMessage({ ...base, consent: true })).doses, { 'hero-hcp': 2, chat: 1 })
  assert.equal(wire(helloMessage({ ...base, consent: false })).doses, undefined)
  assert.equal(wire(helloMessage(base)).doses, undefined)
  assert.equal(wire(helloMessage({ ...base, consent: true, doses: [] })).doses, undefined)
})

test('hello: the previous visit’s arms go out as an object, only with consent and only when there are some', () => {
  const base = { site: 'demo', href: ORIGIN + '/', origin: ORIGIN, slots: [], returning: { 'hero-test': 'hero-b', t: 'control' } }
  assert.deepEqual(wire(helloMessage({ ...base, consent: true })).returning, { 'hero-test': 'hero-b', t: 'control' })
  assert.equal(wire(helloMessage({ ...base, consent: false })).returning, undefined)
  assert.equal(wire(helloMessage(base)).returning, undefined)
  assert.equal(wire(helloMessage({ ...base, consent: true, returning: {} })).returning, undefined)
})

test('dataLayer events: ids from the configuration only, exactly these keys', () => {
  const swap = { type: 'swap', slot: 'hero', variant: 'hero-hcp', html: '<p>x</p>', reason: 'Sie lesen Fachkreise-Seiten', dose: 'r1', experiment: 'r1', arm: 'hero-hcp' }
  assert.deepEqual(swapEvent(swap), { event: 'lotse_swap', lotse_slot: 'hero', lotse_variant: 'hero-hcp' })
  assert.deepEqual(exposureEvent(swap, 'hero-hcp'), {
    event: 'lotse_exposure',
    lotse_experiment: 'r1',
    lotse_arm: 'hero-hcp',
    lotse_variant: 'hero-hcp',
  })
  assert.deepEqual(exposureEvent({ type: 'arm', slot: 'hero', experiment: 'r1', arm: 'control' }, 'default'), {
    event: 'lotse_exposure',
    lotse_experiment: 'r1',
    lotse_arm: 'control',
    lotse_variant: 'default',
  })
})
