/**
 * Slots in a page (jsdom): stable navigation, anti-flicker, deferral,
 * restore, the "why" control, exposures and sticky variants.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boot } from '../src/index.js'
import { makePage, sleep, whyOf } from './support/page.mjs'

const BODY = `
  <header><div data-lotse-slot="brand"><span id="brand">Logo</span></div></header>
  <nav><ul><li data-lotse-slot="menu"><a href="/a">A</a></li></ul></nav>
  <div role="navigation"><p data-lotse-slot="crumbs">Home</p></div>
  <main>
    <section data-lotse-slot="hero" style="height:120px"><h1 id="hero-default">Willkommen</h1></section>
    <aside data-lotse-slot="teaser" style="height:80px"><p id="teaser-default">Standard</p></aside>
  </main>
  <footer><p data-lotse-slot="legal">Impressum</p></footer>`

const swap = (slot, variant, html = `<p class="v">${variant}</p>`, reason = 'Weil Sie Fachkreise-Seiten lesen') => ({
  type: 'swap',
  slot,
  variant,
  html,
  reason,
})

/** Put an element below the fold, as layout would. */
const below = (el) => {
  el.getBoundingClientRect = () => ({ top: 2000, bottom: 2080, left: 0, right: 800, width: 800, height: 80 })
}

async function started(options = {}, prepare = () => {}) {
  const page = makePage({ body: BODY, ...options })
  prepare(page)
  boot(page.win)
  await page.ready()
  page.socket.open()
  return page
}

/** A page whose anti-flicker window outlasts the test, booted but not connected. */
async function longWindow() {
  const page = makePage({
    body: BODY,
    script: '<script data-site="demo" data-flicker-ms="5000" src="https://lotse.example.net/lotse.js"></script>',
  })
  boot(page.win)
  await page.ready()
  return page
}

test('hello lists only the slots outside navigation, header and footer', async () => {
  const page = await started()
  const hello = page.socket.sent[0]
  assert.equal(hello.type, 'hello')
  assert.deepEqual(hello.slots, ['hero', 'teaser'])
})

test('a swap for a slot inside nav, header, footer or role=navigation changes nothing', async () => {
  const page = await started()
  for (const id of ['brand', 'menu', 'crumbs', 'legal']) page.socket.receive(swap(id, 'x'))
  await sleep(5)
  assert.equal(page.doc.querySelectorAll('.v').length, 0)
  assert.equal(page.$('#brand').textContent, 'Logo')
  assert.equal(page.doc.querySelectorAll('lotse-why').length, 0)
})

test('a below-the-fold slot is swapped at once, in its locked box, from a template', async () => {
  const page = await started({}, (p) => below(p.$('[data-lotse-slot=teaser]')))
  const teaser = page.$('[data-lotse-slot=teaser]')
  page.socket.receive(swap('teaser', 'hcp', '<p class="v">Für <b>Fachkreise</b></p><script>window.ran = 1</script>'))
  assert.equal(teaser.querySelector('.v').textContent, 'Für Fachkreise')
  assert.equal(teaser.style.minHeight, '80px', 'the current height is reserved before the swap')
  assert.equal(teaser.style.position, 'relative', 'so the why control can sit in the corner')
  assert.equal(page.win.ran, undefined)
  assert.ok(teaser.querySelector('lotse-why'))
})

test('restore puts the very same default nodes back and removes the why control', async () => {
  const page = await started({}, (p) => below(p.$('[data-lotse-slot=teaser]')))
  const teaser = page.$('[data-lotse-slot=teaser]')
  const original = page.$('#teaser-default')
  original.addEventListener('click', () => (original.clicked = true))
  page.socket.receive(swap('teaser', 'hcp'))
  assert.equal(page.$('#teaser-default'), null)
  page.socket.receive({ type: 'restore', slots: ['teaser'] })
  assert.equal(page.$('#teaser-default'), original)
  assert.equal(teaser.querySelector('lotse-why'), null)
  assert.equal(teaser.style.position, '')
  original.click()
  assert.ok(original.clicked, 'listeners of the default content survive')
})

test('a swap to variant "default" restores the slot', async () => {
  const page = await started({}, (p) => below(p.$('[data-lotse-slot=teaser]')))
  page.socket.receive(swap('teaser', 'hcp'))
  page.socket.receive(swap('teaser', 'default', ''))
  assert.ok(page.$('#teaser-default'))
})

test('after the window, a slot in view is not swapped until it leaves the viewport', async () => {
  const page = await started()
  const hero = page.$('[data-lotse-slot=hero]')
  page.intersect(hero, 1)
  page.socket.receive(swap('hero', 'patient'))
  assert.ok(page.$('#hero-default'), 'the visitor is looking at it')
  page.intersect(hero, 0.3)
  assert.ok(page.$('#hero-default'), 'still partly visible')
  page.intersect(hero, 0)
  assert.equal(hero.querySelector('.v').textContent, 'patient')
})

test('a deferred swap happens at the next page view (SPA route change)', async () => {
  const page = await started()
  page.socket.receive(swap('hero', 'patient'))
  assert.ok(page.$('#hero-default'))
  page.win.history.pushState(null, '', '/produkte')
  await sleep(150)
  assert.equal(page.$('[data-lotse-slot=hero] .v').textContent, 'patient')
})

test('anti-flicker: slots in view are hidden (only they) until swapped or the window ends', async () => {
  const page = makePage({
    body: BODY,
    script: '<script data-site="demo" data-flicker-ms="120" src="https://lotse.example.net/lotse.js"></script>',
  })
  below(page.$('[data-lotse-slot=teaser]'))
  boot(page.win)
  await page.ready()
  const hero = page.$('[data-lotse-slot=hero]')
  const teaser = page.$('[data-lotse-slot=teaser]')
  assert.equal(hero.style.visibility, 'hidden')
  assert.equal(teaser.style.visibility, '', 'below the fold: not hidden')
  assert.equal(page.doc.body.style.visibility, '', 'never the page')
  assert.equal(page.$('nav').style.visibility, '')
  page.socket.open()
  page.socket.receive(swap('hero', 'hcp'))
  assert.equal(hero.querySelector('.v').textContent, 'hcp', 'in view but inside the window: swapped')
  assert.equal(hero.style.visibility, '')
})

test('anti-flicker: the hidden slot comes back shortly after welcome when nothing is swapped', async () => {
  const page = await longWindow()
  const hero = page.$('[data-lotse-slot=hero]')
  assert.equal(hero.style.visibility, 'hidden')
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null })
  await sleep(80)
  assert.equal(hero.style.visibility, '')
})

test('anti-flicker: with welcome.swaps the held slots wait for the whole batch, however late', async () => {
  const page = await longWindow()
  const hero = page.$('[data-lotse-slot=hero]')
  const teaser = page.$('[data-lotse-slot=teaser]')
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null, swaps: 2 })
  await sleep(120)
  assert.equal(hero.style.visibility, 'hidden', 'a slow batch is still inside the window')
  page.socket.receive(swap('teaser', 'pharmacist'))
  assert.equal(hero.style.visibility, 'hidden', 'one of two swaps in')
  page.socket.receive(swap('hero', 'pharmacist'))
  assert.equal(hero.querySelector('.v').textContent, 'pharmacist')
  assert.equal(hero.style.visibility, '')
  assert.equal(teaser.querySelector('.v').textContent, 'pharmacist')
})

test('anti-flicker: welcome.swaps = 0 shows the defaults at once', async () => {
  const page = await longWindow()
  const hero = page.$('[data-lotse-slot=hero]')
  assert.equal(hero.style.visibility, 'hidden')
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null, swaps: 0 })
  assert.equal(hero.style.visibility, '')
})

test('anti-flicker: the window closes on time without a server', async () => {
  const page = makePage({
    body: '<div data-lotse-slot="hero" style="visibility:visible">x</div>',
    script: '<script data-site="demo" data-flicker-ms="40" src="https://lotse.example.net/lotse.js"></script>',
  })
  boot(page.win)
  await page.ready()
  const hero = page.$('[data-lotse-slot=hero]')
  assert.equal(hero.style.visibility, 'hidden')
  await sleep(70)
  assert.equal(hero.style.visibility, 'visible', "the site's own inline value comes back")
})

test('server unreachable: hidden slots show their defaults at once, nothing throws', async () => {
  const page = await longWindow()
  page.socket.drop()
  assert.equal(page.$('[data-lotse-slot=hero]').style.visibility, '')
  assert.ok(page.$('#hero-default'))
  assert.deepEqual(page.errors, [])
})

test('the why control discloses the reason as text and closes with Escape', async () => {
  const page = await started({}, (p) => below(p.$('[data-lotse-slot=teaser]')))
  page.socket.receive(swap('teaser', 'hcp', '<p>x</p>', 'Weil Sie <b>Fachkreise</b>-Seiten lesen'))
  const root = whyOf(page.$('[data-lotse-slot=teaser]'))
  const button = root.querySelector('button')
  const reason = root.querySelector('.reason')
  assert.equal(button.getAttribute('aria-label'), 'Warum sehe ich das?')
  assert.equal(button.getAttribute('aria-expanded'), 'false')
  assert.ok(reason.closest('[hidden]'))
  button.click()
  assert.equal(button.getAttribute('aria-expanded'), 'true')
  assert.equal(reason.closest('[hidden]'), null)
  assert.equal(reason.textContent, 'Weil Sie <b>Fachkreise</b>-Seiten lesen')
  assert.equal(reason.querySelector('b'), null, 'reasons are text, never HTML')
  // As a key press is: composed, so the host outside the shadow root hears it.
  button.dispatchEvent(new page.win.KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }))
  assert.equal(button.getAttribute('aria-expanded'), 'false')
})

test('the why control offers the opt-out switch', async () => {
  const page = await started({}, (p) => below(p.$('[data-lotse-slot=teaser]')))
  page.socket.receive(swap('teaser', 'hcp'))
  const root = whyOf(page.$('[data-lotse-slot=teaser]'))
  const box = root.querySelector('input[type=checkbox]')
  assert.equal(box.getAttribute('role'), 'switch')
  assert.equal(box.closest('label').textContent, 'Personalisierung aus')
  const socket = page.socket
  box.click()
  assert.ok(page.$('#teaser-default'), 'defaults back at once')
  assert.equal(socket.sent.at(-1).type, 'optout')
})

test('seen: once per slot and variant per page view, at half visibility, never while hidden', async () => {
  const page = makePage({
    body: BODY,
    script: '<script data-site="demo" data-flicker-ms="60" src="https://lotse.example.net/lotse.js"></script>',
  })
  boot(page.win)
  await page.ready()
  page.socket.open()
  const hero = page.$('[data-lotse-slot=hero]')
  const teaser = page.$('[data-lotse-slot=teaser]')
  const seen = () => page.socket.sent.filter((m) => m.type === 'seen')
  page.intersect(hero, 1)
  assert.deepEqual(seen(), [], 'hidden by anti-flicker: not an exposure')
  await sleep(90)
  assert.deepEqual(seen(), [{ type: 'seen', slot: 'hero', variant: 'default' }])
  page.intersect(hero, 0.7)
  page.intersect(teaser, 0.4)
  assert.equal(seen().length, 1)
  page.intersect(teaser, 0.5)
  page.intersect(hero, 0)
  page.socket.receive(swap('hero', 'hcp'))
  page.intersect(hero, 0.9)
  assert.deepEqual(seen().slice(1), [
    { type: 'seen', slot: 'teaser', variant: 'default' },
    { type: 'seen', slot: 'hero', variant: 'hcp' },
  ])
  // Tall slots: half the viewport is enough.
  page.win.history.pushState(null, '', '/lang')
  await sleep(150)
  page.intersect(teaser, 0.2, page.win.innerHeight / 2)
  assert.deepEqual(seen().at(-1), { type: 'seen', slot: 'teaser', variant: 'default' })
})

test('a slot the visitor is typing in is never swapped under them', async () => {
  const page = await started({ body: '<div data-lotse-slot="form"><input id="name"></div>' })
  const slot = page.$('[data-lotse-slot=form]')
  page.$('#name').dispatchEvent(new page.win.FocusEvent('focusin', { bubbles: true }))
  page.intersect(slot, 0)
  page.socket.receive(swap('form', 'short'))
  assert.ok(page.$('#name'), 'out of view, but touched')
  page.win.history.pushState(null, '', '/weiter')
  await sleep(150)
  assert.equal(slot.querySelector('.v').textContent, 'short')
})

test('prefers-reduced-motion: no fade; otherwise a short opacity fade', async () => {
  for (const reducedMotion of [false, true]) {
    const page = makePage({ body: BODY, reducedMotion })
    const fades = []
    page.win.HTMLElement.prototype.animate = function (frames, ms) {
      fades.push({ frames, ms })
    }
    below(page.$('[data-lotse-slot=teaser]'))
    boot(page.win)
    await page.ready()
    page.socket.open()
    page.socket.receive(swap('teaser', 'hcp'))
    assert.equal(fades.length, reducedMotion ? 0 : 1)
    if (!reducedMotion) assert.deepEqual(fades[0].frames, [{ opacity: 0 }, { opacity: 1 }])
  }
})

test('sticky: the next load of the same page shows the remembered variant before any reply', async () => {
  const first = await started({ url: 'https://www.example.de/produkte?utm_source=a&q=1' }, (p) =>
    below(p.$('[data-lotse-slot=teaser]')),
  )
  first.socket.receive(swap('teaser', 'hcp', '<p class="v">Fachkreise</p>', 'Grund'))
  const session = { ...first.win.sessionStorage }
  const again = makePage({ body: BODY, url: 'https://www.example.de/produkte?utm_source=a&q=2', session })
  boot(again.win)
  await again.ready()
  const teaser = again.$('[data-lotse-slot=teaser]')
  assert.equal(teaser.querySelector('.v').textContent, 'Fachkreise', 'shown with no server message yet')
  assert.equal(whyOf(teaser).querySelector('.reason').textContent, 'Grund')
  const other = makePage({ body: BODY, url: 'https://www.example.de/anders', session })
  boot(other.win)
  await other.ready()
  assert.ok(other.$('#teaser-default'), 'remembered per page URL')
})

test('sticky: a restored slot is forgotten', async () => {
  const first = await started({}, (p) => below(p.$('[data-lotse-slot=teaser]')))
  first.socket.receive(swap('teaser', 'hcp'))
  first.socket.receive({ type: 'restore', slots: ['teaser'] })
  const again = makePage({ body: BODY, session: { ...first.win.sessionStorage } })
  boot(again.win)
  await again.ready()
  assert.ok(again.$('#teaser-default'))
})

test('sticky: kept as one flat map of "page slot" in sessionStorage, each page its own', async () => {
  const first = await started({ url: 'https://www.example.de/produkte?utm_source=a' }, (p) => {
    below(p.$('[data-lotse-slot=teaser]'))
    below(p.$('[data-lotse-slot=hero]'))
  })
  first.socket.receive(swap('teaser', 'hcp', '<p class="v">Produkte</p>', 'r'))
  first.socket.receive(swap('hero', 'hcp'))
  first.win.history.pushState(null, '', '/anders')
  await sleep(120)
  first.socket.receive(swap('teaser', 'pat', '<p class="v">Anders</p>', 'r'))
  const stored = JSON.parse(first.win.sessionStorage.getItem('lotse.sticky'))
  // In the order shown (the oldest is forgotten first), whatever page they were on.
  assert.deepEqual(Object.keys(stored), ['/produkte?utm_source=a teaser', '/produkte?utm_source=a hero', '/anders teaser'])
  assert.deepEqual(stored['/anders teaser'], swap('teaser', 'pat', '<p class="v">Anders</p>', 'r'))
  // The same slot on two pages: each page shows its own.
  const session = { ...first.win.sessionStorage }
  for (const [path, text] of [['/produkte?utm_source=a', 'Produkte'], ['/anders', 'Anders']]) {
    const again = makePage({ body: BODY, url: 'https://www.example.de' + path, session })
    boot(again.win)
    await again.ready()
    assert.equal(again.$('[data-lotse-slot=teaser] .v').textContent, text, path)
  }
  // Opting out forgets them all.
  first.win.lotse('optout')
  assert.equal(first.win.sessionStorage.getItem('lotse.sticky'), null)
})

test('sticky: what is not a remembered swap is ignored', async () => {
  for (const stored of ['{broken', '"text"', 'null', '[1]', JSON.stringify({ '/start?utm_source=news teaser': { variant: 'x', html: 5 } })]) {
    const page = makePage({ body: BODY, session: { 'lotse.sticky': stored } })
    boot(page.win)
    await page.ready()
    assert.ok(page.$('#teaser-default'), stored)
    assert.deepEqual(page.errors, [])
  }
})

test('malformed swaps and restores change nothing and throw nothing', async () => {
  const page = await started({}, (p) => below(p.$('[data-lotse-slot=teaser]')))
  page.socket.receive({ type: 'swap', slot: 'teaser', variant: 'x' })
  page.socket.receive({ type: 'swap', slot: 7, variant: 'x', html: '<p>x</p>' })
  page.socket.receive({ type: 'restore', slots: 'teaser' })
  page.socket.onmessage({ data: '{"type":' })
  page.socket.receive({ type: 'error', code: 'bad_json', message: 'x' })
  page.socket.receive({ type: 'unknown' })
  assert.ok(page.$('#teaser-default'))
  assert.deepEqual(page.errors, [])
})

test('anti-flicker: once the held slot is shown, a late decision waits until it is out of view', async () => {
  const page = await longWindow()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null })
  await sleep(80)
  const hero = page.$('[data-lotse-slot=hero]')
  page.socket.receive(swap('hero', 'late'))
  assert.ok(page.$('#hero-default'), 'shown with defaults: not replaced in front of the visitor')
  page.intersect(hero, 0)
  assert.equal(hero.querySelector('.v').textContent, 'late')
})

test('data-flicker-ms="0": nothing is ever hidden, not even for a moment', async () => {
  const page = makePage({ body: BODY })
  boot(page.win)
  let during
  // Registered after the snippet's own listener, so it runs right after start.
  page.doc.addEventListener('DOMContentLoaded', () => (during = page.$('[data-lotse-slot=hero]').style.visibility))
  await page.ready()
  assert.equal(during, '')
})
