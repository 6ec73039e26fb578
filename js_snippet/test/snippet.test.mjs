/**
 * The snippet in a page (jsdom): connection, hello, events, the lotse() API,
 * SPA page views, opt-out, and the page lifecycle.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boot } from '../src/index.js'
import { makePage, sleep } from './support/page.mjs'

const BODY = `
  <nav><a id="nav" href="/fachkreise?utm_campaign=herbst&id=3#x">Fachkreise</a></nav>
  <main>
    <div data-lotse-slot="hero" style="height:100px"><p id="hero-default">Willkommen</p></div>
    <a id="ext" href="https://www.other.de/x">Extern</a>
    <a id="rel" href="detail?x=1">Detail</a>
    <a id="mail" href="mailto:info@example.de">Mail</a>
    <a id="dl" href="/broschuere.pdf" data-lotse-goal="download"><span id="dl-text">PDF</span></a>
    <form id="nl" data-lotse-goal="newsletter" action="/danke"><input name="email"></form>
    <button id="cta" data-lotse-goal="callback">Rückruf</button>
  </main>`

async function started(options = {}) {
  const page = makePage({ body: BODY, ...options })
  boot(page.win)
  await page.ready()
  return page
}

const below = (el) => {
  el.getBoundingClientRect = () => ({ top: 2000, bottom: 2080, left: 0, right: 800 })
}

test('connects to /ws on the script origin and says hello first', async () => {
  const page = await started({ referrer: 'https://www.google.de/search?q=diabetes' })
  assert.equal(page.sockets.length, 1)
  assert.equal(page.socket.url, 'wss://lotse.example.net/ws')
  page.socket.open()
  assert.deepEqual(page.socket.sent[0], {
    type: 'hello',
    site: 'demo',
    url: '/start?utm_source=news',
    referrer: 'https://www.google.de',
    lang: 'de',
    slots: ['hero'],
  })
})

test('data-endpoint overrides the socket URL', async () => {
  const page = await started({
    script: '<script data-site="demo" data-endpoint="wss://api.example.de/lotse/ws" src="/lotse.js"></script>',
  })
  assert.equal(page.socket.url, 'wss://api.example.de/lotse/ws')
})

test('no data-site: the snippet stays inert, lotse() is still callable', async () => {
  const page = await started({ script: '<script src="https://lotse.example.net/lotse.js"></script>' })
  assert.equal(page.sockets.length, 0)
  assert.doesNotThrow(() => page.win.lotse('convert', 'x'))
  assert.equal(typeof page.win.lotse.version, 'string')
})

test('a browser without constructed stylesheets keeps the page as it is', async () => {
  const page = makePage({ body: BODY })
  delete page.win.Document.prototype.adoptedStyleSheets
  boot(page.win)
  await page.ready()
  assert.equal(page.sockets.length, 0)
  assert.doesNotThrow(() => page.win.lotse('consent', true))
})

test('booting twice (the tag included twice) runs one snippet', async () => {
  const page = await started()
  boot(page.win)
  await page.ready()
  assert.equal(page.sockets.length, 1)
})

test('welcome stores the token in sessionStorage; a reconnect resumes with it', async () => {
  const page = await started()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 'tok-1', optout: false, chat: null })
  assert.equal(page.win.sessionStorage.getItem('lotse.token'), 'tok-1')
  page.socket.drop()
  await sleep(600) // first retry: under 500 ms with full jitter
  assert.equal(page.sockets.length, 2)
  page.socket.open()
  assert.equal(page.socket.sent[0].type, 'hello')
  assert.equal(page.socket.sent[0].token, 'tok-1')
  assert.equal(page.doc.cookie, '', 'no cookies, ever')
})

test('the queue stub: calls made before load shape the first hello and are then sent', async () => {
  const page = makePage({ body: BODY })
  const stub = function () {
    ;(stub.q = stub.q || []).push(arguments)
  }
  page.win.lotse = stub
  stub('consent', true)
  stub('verified', 'signed-assertion')
  stub('convert', 'newsletter')
  boot(page.win)
  await page.ready()
  page.socket.open()
  const [hello, convert] = page.socket.sent
  assert.equal(hello.consent, true)
  assert.equal(hello.verified, 'signed-assertion')
  assert.equal(hello.keep, undefined, 'nothing kept yet')
  assert.deepEqual(convert, { type: 'convert', goal: 'newsletter' })
  assert.notEqual(page.win.lotse, stub)
  assert.equal(typeof page.win.lotse.version, 'string')
})

test('what the server keeps across visits: stored as it came and sent back, with consent only', async () => {
  const a = makePage({ body: BODY, local: { 'lotse.keep': 'v1.sig' } })
  a.win.lotse = Object.assign(() => {}, { q: [['consent', true]] })
  boot(a.win)
  await a.ready()
  a.socket.open()
  assert.equal(a.socket.sent[0].keep, 'v1.sig')
  a.socket.receive({ type: 'keep', keep: 'v2.sig' })
  assert.equal(a.win.localStorage.getItem('lotse.keep'), 'v2.sig')
  a.win.lotse('consent', true)
  assert.deepEqual(a.socket.sent.at(-1), { type: 'consent', granted: true, keep: 'v2.sig' })
  a.win.lotse('consent', false)
  assert.equal(a.win.localStorage.getItem('lotse.keep'), null, 'withdrawn: forgotten')
  assert.deepEqual(a.socket.sent.at(-1), { type: 'consent', granted: false })
  a.socket.receive({ type: 'keep', keep: 'late' })
  assert.equal(a.win.localStorage.getItem('lotse.keep'), null, 'not stored without consent')
  // Without consent: not sent, and a server's value is not stored.
  const b = await started({ local: { 'lotse.keep': 'v1.sig' } })
  b.socket.open()
  assert.equal(b.socket.sent[0].keep, undefined)
  assert.equal(b.socket.sent[0].consent, undefined)
  b.socket.receive({ type: 'keep', keep: 'x' })
  assert.equal(b.win.localStorage.getItem('lotse.keep'), 'v1.sig')
  // Consent after connecting: the value goes to the server with it.
  b.win.lotse('consent', true)
  assert.deepEqual(b.socket.sent.at(-1), { type: 'consent', granted: true, keep: 'v1.sig' })
})

test('opting out forgets what the server kept', async () => {
  const page = makePage({ body: BODY, local: { 'lotse.keep': 'v1.sig' } })
  page.win.lotse = Object.assign(() => {}, { q: [['consent', true]] })
  boot(page.win)
  await page.ready()
  page.socket.open()
  page.win.lotse('optout')
  assert.equal(page.win.localStorage.getItem('lotse.keep'), null)
})

test('lotse(): convert, consent, verified after connecting; junk calls never throw', async () => {
  const page = await started()
  page.socket.open()
  page.win.lotse('convert', 'lead')
  page.win.lotse('consent', true)
  page.win.lotse('verified', 'sig')
  assert.doesNotThrow(() => {
    page.win.lotse()
    page.win.lotse('nonsense', 1)
    page.win.lotse({})
  })
  assert.deepEqual(page.socket.sent.slice(1), [
    { type: 'convert', goal: 'lead' },
    { type: 'consent', granted: true },
    { type: 'verify', assertion: 'sig' },
  ])
})

test('clicks: same-origin links as path + utm (even in nav), other links never', async () => {
  const page = await started()
  page.socket.open()
  for (const id of ['nav', 'ext', 'rel', 'mail']) page.$('#' + id).click()
  const clicks = page.socket.sent.filter((m) => m.type === 'click')
  assert.deepEqual(clicks, [
    { type: 'click', href: '/fachkreise?utm_campaign=herbst', text: 'Fachkreise' },
    { type: 'click', href: '/detail', text: 'Detail' },
  ])
})

test('conversions: data-lotse-goal on a link, a form or any element', async () => {
  const page = await started()
  page.socket.open()
  page.$('#dl-text').click()
  page.$('#nl').dispatchEvent(new page.win.Event('submit', { bubbles: true, cancelable: true }))
  page.$('#cta').click()
  page.$('#nl input').click() // a click inside the form is not its conversion
  const sent = page.socket.sent.slice(1)
  assert.deepEqual(sent, [
    { type: 'click', href: '/broschuere.pdf', text: 'PDF' },
    { type: 'convert', goal: 'download' },
    { type: 'convert', goal: 'newsletter' },
    { type: 'convert', goal: 'callback' },
  ])
})

test('SPA: a route change sends page with the new URL and slots, after it settles', async () => {
  const page = await started()
  page.socket.open()
  page.win.history.pushState(null, '', '/produkte/a?utm_medium=cpc&sort=asc#list')
  // The router renders after pushState, in the same task.
  page.$('main').innerHTML = '<div data-lotse-slot="product">P</div><div data-lotse-slot="side">S</div>'
  assert.equal(page.socket.sent.length, 1, 'nothing in the middle of the change')
  await sleep(150)
  assert.deepEqual(page.socket.sent.at(-1), {
    type: 'page',
    url: '/produkte/a?utm_medium=cpc',
    slots: ['product', 'side'],
  })
})

test('SPA: same URL again, other query parameters or the fragment are not page views', async () => {
  const page = await started()
  page.socket.open()
  page.win.history.replaceState({ scroll: 1 }, '', '/start?utm_source=news')
  page.win.history.pushState(null, '', '/start?utm_source=news&tab=2#x')
  page.win.dispatchEvent(new page.win.PopStateEvent('popstate'))
  await sleep(150)
  assert.deepEqual(page.socket.types(), ['hello'])
})

test('SPA: popstate (back/forward) is a page view', async () => {
  const page = await started()
  page.socket.open()
  page.win.history.pushState(null, '', '/zwei')
  await sleep(150)
  page.win.history.back()
  await sleep(200)
  const pages = page.socket.sent.filter((m) => m.type === 'page').map((m) => m.url)
  assert.deepEqual(pages, ['/zwei', '/start?utm_source=news'])
})

test('SPA: a route change while disconnected is carried by the next hello instead', async () => {
  const page = await started()
  page.win.history.pushState(null, '', '/offline')
  await sleep(150)
  page.socket.open()
  assert.deepEqual(page.socket.types(), ['hello'])
  assert.equal(page.socket.sent[0].url, '/offline')
})

test('opt-out: defaults back at once, optout sent, token and memory dropped, socket closed', async () => {
  const page = makePage({ body: BODY })
  below(page.$('[data-lotse-slot=hero]'))
  boot(page.win)
  await page.ready()
  const socket = page.socket
  socket.open()
  socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: null })
  socket.receive({ type: 'swap', slot: 'hero', variant: 'hcp', html: '<p class="v">HCP</p>', reason: 'r' })
  assert.ok(page.$('.v'))
  page.win.lotse('optout')
  assert.ok(page.$('#hero-default'), 'restored without waiting for the server')
  assert.equal(socket.sent.at(-1).type, 'optout')
  assert.equal(socket.closedWith, 1000)
  assert.equal(page.win.localStorage.getItem('lotse.optout'), '1')
  assert.equal(page.win.sessionStorage.getItem('lotse.token'), null)
  assert.equal(page.win.sessionStorage.getItem('lotse.sticky'), null)
  // Nothing is tracked any more.
  page.$('#rel').click()
  page.win.lotse('convert', 'x')
  page.win.history.pushState(null, '', '/weiter')
  await sleep(150)
  assert.equal(page.sockets.length, 1)
  assert.equal(socket.sent.at(-1).type, 'optout')
})

test('opt-in: a fresh session, then optin', async () => {
  const page = await started({ local: { 'lotse.optout': '1' } })
  assert.equal(page.sockets.length, 0, 'opted out with no session: no connection at all')
  page.win.lotse('optin')
  assert.equal(page.win.localStorage.getItem('lotse.optout'), null)
  page.socket.open()
  assert.deepEqual(page.socket.types(), ['hello', 'optin'])
  assert.equal(page.socket.sent[0].token, undefined)
  assert.deepEqual(page.socket.sent[0].slots, ['hero'])
})

test('an opt-out made while offline is delivered on the next connection, with nothing else', async () => {
  const page = await started({ session: { 'lotse.token': 'old' } })
  page.win.lotse('convert', 'before')
  page.win.lotse('optout')
  page.socket.open()
  assert.deepEqual(page.socket.sent, [
    { type: 'hello', site: 'demo', url: '/start?utm_source=news', slots: [], token: 'old' },
    { type: 'optout' },
  ])
  assert.equal(page.socket.closedWith, 1000)
  assert.equal(page.win.sessionStorage.getItem('lotse.token'), null)
})

test('Global Privacy Control counts as opt-out and cannot be switched back on', async () => {
  const page = await started({ gpc: true })
  assert.equal(page.sockets.length, 0)
  page.win.lotse('optin')
  assert.equal(page.sockets.length, 0)
  assert.equal(page.$('[data-lotse-slot=hero]').style.visibility, '')
})

test('welcome.optout: the server knows this session opted out; the page follows', async () => {
  const page = await started()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: true, chat: { prompt: 'x', choices: [], delay_ms: 0 } })
  assert.equal(page.win.localStorage.getItem('lotse.optout'), '1')
  assert.equal(page.socket.closedWith, 1000)
  assert.equal(page.socket.types().filter((t) => t === 'optout').length, 0, 'not echoed back')
  await sleep(10)
  assert.equal(page.$('lotse-chat'), null, 'no chat offer when opted out')
})

test('pagehide closes the socket (bfcache) and pageshow from the cache reconnects', async () => {
  const page = makePage({ body: BODY })
  const types = []
  const add = page.win.addEventListener.bind(page.win)
  page.win.addEventListener = (type, ...rest) => {
    types.push(type)
    return add(type, ...rest)
  }
  boot(page.win)
  await page.ready()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: null })
  page.win.dispatchEvent(new page.win.PageTransitionEvent('pagehide', { persisted: true }))
  assert.equal(page.socket.closedWith, 1000)
  page.win.dispatchEvent(new page.win.PageTransitionEvent('pageshow', { persisted: false }))
  assert.equal(page.sockets.length, 1, 'a normal load has its own boot')
  page.win.dispatchEvent(new page.win.PageTransitionEvent('pageshow', { persisted: true }))
  assert.equal(page.sockets.length, 2)
  page.socket.open()
  assert.equal(page.socket.sent[0].token, 'tok')
  assert.ok(!types.includes('unload') && !types.includes('beforeunload'), types.join())
})

test('a lost connection is retried, and no error reaches the page', async () => {
  const page = await started()
  page.socket.drop()
  await sleep(600)
  page.socket.drop()
  assert.ok(page.sockets.length >= 2)
  assert.ok(page.$('#hero-default'))
  assert.deepEqual(page.errors, [])
})

test('SPA: page goes out before the exposures of the new page view', async () => {
  const page = await started()
  page.socket.open()
  page.intersect(page.$('[data-lotse-slot=hero]'), 1)
  page.win.history.pushState(null, '', '/zwei')
  await sleep(150)
  assert.deepEqual(page.socket.types(), ['hello', 'seen', 'page', 'seen'])
})

test('SPA: a route change after an idle close reconnects, and hello carries the new page', async () => {
  const page = await started()
  page.socket.open()
  page.socket.drop(1000)
  await sleep(600)
  assert.equal(page.sockets.length, 1, 'no reconnect while idle')
  page.win.history.pushState(null, '', '/wieder-da')
  await sleep(150)
  assert.equal(page.sockets.length, 2)
  page.socket.open()
  assert.deepEqual(page.socket.types(), ['hello'])
  assert.equal(page.socket.sent[0].url, '/wieder-da')
})

test('hello and page carry the page’s title and first h1, trimmed and cut to 300 characters', async () => {
  const page = makePage({
    head: '<title>Fachkreise – Acme</title>',
    body: '<main><h1>\n  Für  Fachkreise </h1><div data-lotse-slot="hero">H</div></main>',
  })
  boot(page.win)
  await page.ready()
  page.socket.open()
  assert.equal(page.socket.sent[0].title, 'Fachkreise – Acme')
  assert.equal(page.socket.sent[0].heading, 'Für Fachkreise')
  page.win.history.pushState(null, '', '/produkte')
  page.doc.title = 'Produkte – Acme'
  page.$('h1').textContent = 'x'.repeat(400)
  await sleep(150)
  const sent = page.socket.sent.at(-1)
  assert.equal(sent.type, 'page')
  assert.equal(sent.title, 'Produkte – Acme')
  assert.equal(sent.heading, 'x'.repeat(300))
})
