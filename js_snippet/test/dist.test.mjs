/**
 * The built files, as browsers get them: they run (minified, with shortened
 * property names shared by both) and keep the CSP promises: no eval, no
 * Function, no cookies, no unload handlers, HTML only through <template>.
 * The core loads the chat's file by its version and integrity hash.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { makePage, sleep, whyOf } from './support/page.mjs'

const DIST = readFileSync(new URL('../dist/lotse.min.js', import.meta.url), 'utf8')
const CHAT = readFileSync(new URL('../dist/lotse-chat.min.js', import.meta.url))

test('dist: connects, swaps, reports exposures, chats and opts out', async () => {
  const page = makePage({
    body: '<main><div data-lotse-slot="hero" style="height:90px"><p id="d">Standard</p></div></main><footer><a id="p" href="#" data-lotse-privacy>P</a></footer>',
    chat: 'dist',
  })
  page.win.eval(DIST)
  await page.ready()
  assert.match(page.win.lotse.version, /^\d+\.\d+\.\d+$/)
  const socket = page.socket
  socket.open()
  assert.deepEqual(socket.sent[0], { type: 'hello', site: 'demo', url: '/start?utm_source=news', lang: 'de', slots: ['hero'] })
  socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: { prompt: 'Warum hier?', choices: [{ id: 'a', label: 'A' }], delay_ms: 0 } })
  const hero = page.$('[data-lotse-slot=hero]')
  page.intersect(hero, 0)
  socket.receive({ type: 'swap', slot: 'hero', variant: 'hcp', html: '<p class="v">HCP</p>', reason: 'Grund' })
  assert.equal(hero.querySelector('.v').textContent, 'HCP')
  assert.equal(hero.style.minHeight, '90px')
  assert.equal(whyOf(hero).querySelector('.reason').textContent, 'Grund')
  page.intersect(hero, 0.8)
  assert.deepEqual(socket.sent.at(-1), { type: 'seen', slot: 'hero', variant: 'hcp' })
  await sleep(30)
  const [file] = page.scripts
  const version = createHash('sha384').update(CHAT).digest('hex').slice(0, 16)
  assert.equal(file.src, 'https://lotse.example.net/lotse-chat.js?v=' + version)
  assert.equal(file.integrity, 'sha384-' + createHash('sha384').update(CHAT).digest('base64'))
  assert.equal(file.crossOrigin, 'anonymous')
  const chat = page.$('lotse-chat').shadowRoot
  chat.querySelector('.open').click()
  chat.querySelector('.choices button').click()
  assert.deepEqual(socket.sent.at(-1), { type: 'chat', choice: 'a' })
  socket.receive({ type: 'say', text: 'Danke' })
  await sleep(800)
  assert.equal(chat.querySelector('[aria-live]').textContent, 'Danke')
  // The privacy panel, from the same (already loaded) file.
  page.$('#p').click()
  assert.equal(page.$('lotse-privacy').shadowRoot.activeElement, page.$('lotse-privacy').shadowRoot.querySelector('input[role=switch]'))
  page.win.lotse('optout')
  assert.ok(page.$('#d'))
  assert.equal(socket.sent.at(-1).type, 'optout')
  assert.deepEqual(page.errors, [])
})

test('dist: the dataLayer hand-off and what the server keeps work minified', async () => {
  const page = makePage({
    body: '<main><div data-lotse-slot="hero"><p>Standard</p></div><div data-lotse-slot="side"><p>S</p></div></main>',
    script: '<script data-site="demo" data-flicker-ms="0" data-datalayer src="https://lotse.example.net/lotse.js"></script>',
    local: { 'lotse.keep': 'v1.sig' },
    chat: 'dist',
  })
  page.win.lotse = Object.assign(() => {}, { q: [['consent', true]] })
  page.win.eval(DIST)
  await page.ready()
  const socket = page.socket
  socket.open()
  assert.equal(socket.sent[0].keep, 'v1.sig')
  socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: null })
  const [hero, side] = page.doc.querySelectorAll('[data-lotse-slot]')
  page.intersect(hero, 0)
  socket.receive({ type: 'swap', slot: 'hero', variant: 'b', html: '<p>B</p>', reason: 'r', dose: 'r1', experiment: 'r1', arm: 'b' })
  socket.receive({ type: 'arm', slot: 'side', experiment: 'r2', arm: 'control' })
  socket.receive({ type: 'keep', keep: 'v2.sig' })
  page.intersect(hero, 1)
  page.intersect(side, 1)
  await sleep(30) // the pushes are made by the chat's file, loaded with the first event
  // (JSON: the page's arrays and objects come from the page's realm)
  assert.deepEqual(JSON.parse(JSON.stringify(page.win.dataLayer)), [
    { event: 'lotse_swap', lotse_slot: 'hero', lotse_variant: 'b' },
    { event: 'lotse_exposure', lotse_experiment: 'r1', lotse_arm: 'b', lotse_variant: 'b' },
    { event: 'lotse_exposure', lotse_experiment: 'r2', lotse_arm: 'control', lotse_variant: 'default' },
  ])
  assert.equal(page.win.localStorage.getItem('lotse.keep'), 'v2.sig')
  page.win.lotse('consent', false)
  assert.equal(page.win.localStorage.getItem('lotse.keep'), null)
  assert.deepEqual(page.errors, [])
})

test('dist: the built files are current, the core without a banner, one IIFE each', () => {
  assert.match(DIST, /^\(\(\)=>\{/)
  assert.equal(DIST.split('\n').filter(Boolean).length, 1, 'code only: the banner cost 32 bytes gzipped')
  const chat = CHAT.toString()
  assert.match(chat, /^\/\*! Lotse chat widget \d+\.\d+\.\d+ \| Apache-2\.0 \*\/\n\(\(\)=>\{/)
  assert.equal(chat.split('\n').filter(Boolean).length, 2, 'banner and code')
})

test('dist: nothing a strict CSP or the privacy rules forbid', () => {
  for (const banned of ['eval(', 'Function(', 'document.cookie', '.cookie', 'unload', 'setAttribute("style"', 'insertAdjacentHTML', 'outerHTML', 'document.write', '<style']) {
    assert.ok(!DIST.includes(banned), banned)
    assert.ok(!CHAT.toString().includes(banned), banned)
  }
  assert.equal(CHAT.toString().split('innerHTML').length - 1, 0)
  // innerHTML is assigned twice: on the <template> (catalogue HTML) and on the "why"
  // control's shadow root (the server's markup, see why-box.js).
  assert.equal(DIST.split('innerHTML').length - 1, 2)
  assert.ok(/createElement\("template"\)/.test(DIST))
})
