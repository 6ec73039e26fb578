import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTransport } from '../src/transport.js'

/** A controllable stand-in for the browser WebSocket. */
function fakes() {
  const sockets = []
  class FakeSocket {
    constructor(url) {
      this.url = url
      this.readyState = 0
      this.sent = []
      sockets.push(this)
    }
    send(data) {
      assert.equal(this.readyState, 1, 'send only on an open socket')
      this.sent.push(JSON.parse(data))
    }
    close(code) {
      this.closedWith = code
      this.readyState = 3
    }
    // test controls
    open() {
      this.readyState = 1
      this.onopen()
    }
    receive(data) {
      this.onmessage({ data: typeof data === 'string' ? data : JSON.stringify(data) })
    }
    drop(code = 1006) {
      this.readyState = 3
      this.onclose({ code })
    }
  }
  const timers = []
  const setTimeout = (fn, ms) => timers.push({ fn, ms }) - 1
  const clearTimeout = (id) => {
    if (id !== undefined && timers[id]) timers[id].fn = null
  }
  const fire = () => {
    const t = timers.findLast((x) => x.fn)
    const fn = t.fn
    t.fn = null
    fn()
    return t.ms
  }
  return { sockets, FakeSocket, timers, setTimeout, clearTimeout, fire }
}

function setup(extra = {}) {
  const f = fakes()
  const got = []
  let closes = 0
  const t = createTransport('wss://lotse.example/ws', {
    WebSocket: f.FakeSocket,
    setTimeout: f.setTimeout,
    clearTimeout: f.clearTimeout,
    jitter: () => 0.5,
    onOpen: (send) => send({ type: 'hello', n: f.sockets.length }),
    onMessage: (msg) => got.push(msg),
    onClose: () => closes++,
    ...extra,
  })
  return { ...f, t, got, closes: () => closes }
}

test('connects once on start; hello goes first, then what queued while connecting', () => {
  const s = setup()
  s.t.send({ type: 'seen', slot: 'hero', variant: 'default' })
  s.t.start()
  s.t.start()
  assert.equal(s.sockets.length, 1)
  assert.equal(s.sockets[0].url, 'wss://lotse.example/ws')
  s.t.send({ type: 'click', href: '/a' })
  assert.equal(s.t.isOpen(), false)
  s.sockets[0].open()
  assert.equal(s.t.isOpen(), true)
  assert.deepEqual(
    s.sockets[0].sent.map((m) => m.type),
    ['hello', 'seen', 'click'],
  )
  s.t.send({ type: 'convert', goal: 'g' })
  assert.deepEqual(s.sockets[0].sent.at(-1), { type: 'convert', goal: 'g' })
})

test('messages arrive as parsed objects; junk and type-less frames are ignored', () => {
  const s = setup()
  s.t.start()
  s.sockets[0].open()
  s.sockets[0].receive({ type: 'welcome', token: 't' })
  s.sockets[0].receive('{not json')
  s.sockets[0].receive({ token: 'no type' })
  s.sockets[0].receive('null')
  s.sockets[0].receive({ type: 42 })
  assert.deepEqual(s.got, [{ type: 'welcome', token: 't' }])
})

test('a dropped connection is retried with growing full-jitter delays, and hello is sent again', () => {
  const s = setup()
  s.t.start()
  s.sockets[0].drop()
  assert.equal(s.closes(), 1)
  assert.equal(s.fire(), 250) // 0.5 of 500 ms
  assert.equal(s.sockets.length, 2)
  s.sockets[1].drop()
  assert.equal(s.fire(), 500) // 0.5 of 1000 ms
  s.sockets[2].drop()
  assert.equal(s.fire(), 1000)
  s.sockets[3].open()
  assert.deepEqual(s.sockets[3].sent, [{ type: 'hello', n: 4 }])
  // A successful connection resets the backoff.
  s.sockets[3].drop()
  assert.equal(s.fire(), 250)
})

test('the offline queue is bounded: the oldest messages are dropped', () => {
  const s = setup({ limit: 3 })
  for (let i = 0; i < 6; i++) s.t.send({ type: 'click', href: '/' + i })
  s.t.start()
  s.sockets[0].open()
  assert.deepEqual(
    s.sockets[0].sent.map((m) => m.href || m.type),
    ['hello', '/3', '/4', '/5'],
  )
})

test('stop closes with 1000 and does not reconnect; start connects again', () => {
  const s = setup()
  s.t.start()
  s.sockets[0].open()
  s.t.stop()
  assert.equal(s.sockets[0].closedWith, 1000)
  assert.equal(s.t.isOpen(), false)
  // The close event of a socket we closed ourselves changes nothing.
  s.sockets[0].onclose({ code: 1000 })
  assert.equal(s.timers.filter((t) => t.fn).length, 0)
  s.t.send({ type: 'click', href: '/later' })
  s.t.start()
  s.sockets[1].open()
  assert.deepEqual(s.sockets[1].sent.at(-1), { type: 'click', href: '/later' })
})

test('stop during a backoff wait cancels the pending reconnect', () => {
  const s = setup()
  s.t.start()
  s.sockets[0].drop()
  s.t.stop()
  assert.equal(s.timers.filter((t) => t.fn).length, 0)
  assert.equal(s.sockets.length, 1)
})

test('a policy-violation close (e.g. origin refused) is not retried', () => {
  const s = setup()
  s.t.start()
  s.sockets[0].drop(1008)
  assert.equal(s.timers.filter((t) => t.fn).length, 0)
  s.t.start()
  assert.equal(s.sockets.length, 2, 'an explicit start may try again')
})

test('a constructor that throws (bad URL, blocked by CSP) is retried, never thrown', () => {
  let fail = true
  const s = setup()
  const t = createTransport('wss://x/ws', {
    WebSocket: class extends s.FakeSocket {
      constructor(url) {
        if (fail) throw new SyntaxError('blocked')
        super(url)
      }
    },
    setTimeout: s.setTimeout,
    clearTimeout: s.clearTimeout,
    jitter: () => 0,
    onOpen: () => {},
    onMessage: () => {},
  })
  assert.doesNotThrow(() => t.start())
  assert.equal(s.timers.filter((x) => x.fn).length, 1)
  fail = false
  s.fire()
  assert.equal(s.sockets.length, 1)
})

test('onOpen may stop the transport; then nothing queued is sent', () => {
  const s = setup({
    onOpen: (send) => {
      send({ type: 'optout' })
      s.t.stop()
    },
  })
  s.t.send({ type: 'click', href: '/x' })
  s.t.start()
  s.sockets[0].open()
  assert.deepEqual(s.sockets[0].sent, [{ type: 'optout' }])
})

test('drain hands out and forgets the queued messages', () => {
  const s = setup()
  s.t.send({ type: 'click', href: '/a' })
  assert.deepEqual(s.t.drain(), [{ type: 'click', href: '/a' }])
  s.t.start()
  s.sockets[0].open()
  assert.deepEqual(s.sockets[0].sent.map((m) => m.type), ['hello'])
})
