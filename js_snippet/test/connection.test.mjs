/**
 * The WebSocket, through a page (jsdom): hello first, the bounded offline
 * queue, reconnects with full-jitter backoff, close codes, stop and start.
 * (It lives in the core's closure, so it is tested as the page uses it; these
 * were transport.js's and backoff.js's unit tests.)
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BASE_MS, CAP_MS, QUEUE_LIMIT, boot } from '../src/index.js'
import { makePage, sleep } from './support/page.mjs'

const BODY = `<main><div data-lotse-slot="hero"><p id="hero-default">Willkommen</p></div></main>`

/**
 * A started page (its first socket created, not yet open), then the clock and
 * `Math.random` under the test's control: `after(ms)` advances the clock and
 * says whether a new socket was created by then.
 * @param {import('node:test').TestContext} t
 */
async function connecting(t, { random = 0.5, ...options } = {}) {
  const page = makePage({ body: BODY, ...options })
  boot(page.win)
  await page.ready()
  t.mock.timers.enable({ apis: ['setTimeout'] })
  t.mock.method(Math, 'random', () => random)
  page.after = (ms) => {
    const before = page.sockets.length
    t.mock.timers.tick(ms)
    return page.sockets.length > before
  }
  return page
}

const welcome = { type: 'welcome', token: 'tok', optout: false, chat: null, swaps: 0 }
const convert = (page, goal) => page.win.lotse('convert', goal)
const goals = (socket) => socket.sent.map((m) => m.goal || m.type)

test('connects once; hello goes first, then what queued while connecting, then live messages', async (t) => {
  const page = await connecting(t)
  convert(page, 'early')
  assert.equal(page.sockets.length, 1)
  assert.equal(page.socket.url, 'wss://lotse.example.net/ws')
  page.win.lotse('page') // the same URL: no second connection, nothing new
  assert.equal(page.sockets.length, 1)
  page.socket.open()
  convert(page, 'live')
  assert.deepEqual(goals(page.socket), ['hello', 'early', 'live'])
})

test('messages arrive parsed; junk is ignored, and the page still listens', async (t) => {
  const page = await connecting(t)
  page.socket.open()
  for (const data of ['{not json', 'null', '5', '"text"', '[]', '{"type":"swap"}']) page.socket.onmessage({ data })
  page.socket.receive(welcome)
  assert.equal(page.win.sessionStorage.getItem('lotse.token'), 'tok')
  assert.deepEqual(page.errors, [])
})

test('a dropped connection is retried with growing full-jitter delays, and hello is sent again', async (t) => {
  const page = await connecting(t)
  page.socket.drop()
  assert.equal(page.after(249), false)
  assert.equal(page.after(1), true, '0.5 of the 500 ms ceiling')
  page.socket.drop()
  assert.equal(page.after(499), false)
  assert.equal(page.after(1), true, '0.5 of 1000 ms')
  page.socket.drop()
  assert.equal(page.after(999), false)
  assert.equal(page.after(1), true, '0.5 of 2000 ms')
  page.socket.open()
  assert.deepEqual(goals(page.socket), ['hello'])
  assert.equal(page.socket.sent[0].slots[0], 'hero')
  // A successful connection resets the backoff.
  page.socket.drop()
  assert.equal(page.after(250), true)
  assert.equal(page.sockets.length, 5)
  assert.ok(page.$('#hero-default'), 'the page keeps its defaults meanwhile')
  assert.deepEqual(page.errors, [])
})

test('the ceiling doubles from 500 ms up to 30 s, however many attempts failed', async (t) => {
  const page = await connecting(t, { random: 0.999999 })
  assert.deepEqual([BASE_MS, CAP_MS], [500, 30000])
  const waits = []
  for (let attempt = 0; attempt < 12; attempt++) {
    page.socket.drop()
    let waited = 0
    while (!page.after(100)) waited += 100
    waits.push(waited + 100)
  }
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000, 30000])
})

test('full jitter: the delay is the random share of the ceiling, down to zero', async (t) => {
  const page = await connecting(t, { random: 0 })
  page.socket.drop()
  assert.equal(page.after(0), true)
  Math.random.mock.mockImplementation(() => 0.25)
  page.socket.drop() // the ceiling is 1000 ms now
  assert.equal(page.after(249), false)
  assert.equal(page.after(1), true)
})

test(`the offline queue is bounded (${QUEUE_LIMIT}): the oldest messages are dropped`, async (t) => {
  const page = await connecting(t)
  assert.equal(QUEUE_LIMIT, 20)
  for (let i = 0; i < QUEUE_LIMIT + 3; i++) convert(page, 'g' + i)
  page.socket.open()
  const sent = goals(page.socket)
  assert.equal(sent.length, 1 + QUEUE_LIMIT)
  assert.deepEqual(sent.slice(0, 3), ['hello', 'g3', 'g4'])
  assert.equal(sent.at(-1), 'g' + (QUEUE_LIMIT + 2))
  // Sent once: the next connection starts with hello only.
  page.socket.drop()
  page.after(250)
  page.socket.open()
  assert.deepEqual(goals(page.socket), ['hello'])
})

test('stop (pagehide) closes with 1000 and does not reconnect; pageshow connects again with what queued', async (t) => {
  const page = await connecting(t)
  page.socket.open()
  page.win.dispatchEvent(new page.win.PageTransitionEvent('pagehide', { persisted: true }))
  assert.equal(page.socket.closedWith, 1000)
  // The close event of a socket closed by the page changes nothing.
  page.socket.onclose({ code: 1000 })
  assert.equal(page.after(60000), false)
  convert(page, 'later')
  assert.equal(page.sockets.length, 1, 'stopped: queued, no connection')
  page.win.dispatchEvent(new page.win.PageTransitionEvent('pageshow', { persisted: true }))
  assert.equal(page.sockets.length, 2)
  page.socket.open()
  assert.deepEqual(goals(page.socket), ['hello', 'later'])
})

test('stop during a backoff wait cancels the pending reconnect', async (t) => {
  const page = await connecting(t)
  page.socket.drop()
  page.win.dispatchEvent(new page.win.PageTransitionEvent('pagehide', { persisted: true }))
  assert.equal(page.after(60000), false)
  assert.equal(page.sockets.length, 1)
})

test('a policy-violation close (1008, e.g. origin refused) is not retried; an explicit start may try again', async (t) => {
  const page = await connecting(t)
  page.socket.open()
  page.socket.drop(1008)
  assert.equal(page.after(60000), false)
  convert(page, 'g')
  assert.equal(page.sockets.length, 1, 'nor by a message')
  page.win.dispatchEvent(new page.win.PageTransitionEvent('pageshow', { persisted: true }))
  assert.equal(page.sockets.length, 2)
})

test('a constructor that throws (bad URL, blocked by CSP) is retried, never thrown, and shows the defaults', async () => {
  const page = makePage({
    body: BODY,
    script: '<script data-site="demo" data-flicker-ms="5000" src="https://lotse.example.net/lotse.js"></script>',
  })
  page.$('[data-lotse-slot=hero]').getBoundingClientRect = () => ({ top: 0, bottom: 100, left: 0, right: 800 })
  let fail = true
  const Fake = page.win.WebSocket
  page.win.WebSocket = class extends Fake {
    constructor(url) {
      if (fail) throw new SyntaxError('blocked')
      super(url)
    }
  }
  boot(page.win)
  await page.ready()
  assert.equal(page.sockets.length, 0)
  assert.equal(page.$('[data-lotse-slot=hero]').style.visibility, '', 'not held for the window')
  fail = false
  await sleep(600) // the first retry: under 500 ms
  assert.equal(page.sockets.length, 1)
  assert.deepEqual(page.errors, [])
})

test('an idle close from the server (1000) reconnects only when there is something to send', async (t) => {
  const page = await connecting(t)
  page.socket.open()
  page.socket.receive(welcome)
  page.socket.drop(1000)
  assert.equal(page.after(60000), false, 'an idle tab stays disconnected')
  convert(page, 'g')
  assert.equal(page.sockets.length, 2)
  convert(page, 'h')
  assert.equal(page.sockets.length, 2, 'connecting: nothing more')
  page.socket.open()
  assert.deepEqual(goals(page.socket), ['hello', 'g', 'h'])
  assert.equal(page.socket.sent[0].token, 'tok')
})

test('an opt-out made while connecting drops what queued; hello and optout only', async (t) => {
  const page = await connecting(t, { session: { 'lotse.token': 'old' } })
  convert(page, 'before')
  page.win.lotse('optout')
  convert(page, 'after')
  page.socket.open()
  assert.deepEqual(goals(page.socket), ['hello', 'optout'])
  assert.equal(page.socket.closedWith, 1000)
  assert.equal(page.after(60000), false)
  assert.equal(page.sockets.length, 1)
})
