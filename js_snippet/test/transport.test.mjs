import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QUEUE_LIMIT, createTransport } from '../src/transport.js'

/** A controllable stand-in for the browser WebSocket. */
class FakeSocket {
  static all = []
  constructor(url) {
    this.url = url
    this.readyState = 0
    this.sent = []
    FakeSocket.all.push(this)
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

/** Fresh sockets and mocked timers for each test (see `mock.timers`). */
function setup(t, extra = {}) {
  FakeSocket.all = []
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const got = []
  let closes = 0
  const transport = createTransport('wss://lotse.example/ws', {
    WebSocket: FakeSocket,
    jitter: () => 0.5,
    onOpen: (send) => send({ type: 'hello', n: FakeSocket.all.length }),
    onMessage: (msg) => got.push(msg),
    onClose: () => closes++,
    ...extra,
  })
  return {
    t: transport,
    got,
    sockets: FakeSocket.all,
    closes: () => closes,
    /** Advance the clock; true when a new socket was created by then. */
    after(ms) {
      const before = FakeSocket.all.length
      t.mock.timers.tick(ms)
      return FakeSocket.all.length > before
    },
  }
}

test('connects once on start; hello goes first, then what queued while connecting', (t) => {
  const s = setup(t)
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

test('messages arrive parsed; junk is ignored, and an owner that throws breaks nothing', (t) => {
  const s = setup(t, {
    onMessage(msg) {
      s.got.push(msg)
      if (msg === null) throw new TypeError('the owner reads msg.type')
    },
  })
  s.t.start()
  s.sockets[0].open()
  s.sockets[0].receive({ type: 'welcome', token: 't' })
  s.sockets[0].receive('{not json')
  s.sockets[0].receive('null')
  s.sockets[0].receive({ type: 'say', text: 'still listening' })
  assert.deepEqual(s.got, [{ type: 'welcome', token: 't' }, null, { type: 'say', text: 'still listening' }])
})

test('a dropped connection is retried with growing full-jitter delays, and hello is sent again', (t) => {
  const s = setup(t)
  s.t.start()
  s.sockets[0].drop()
  assert.equal(s.closes(), 1)
  assert.equal(s.after(249), false)
  assert.equal(s.after(1), true, '0.5 of the 500 ms ceiling')
  s.sockets[1].drop()
  assert.equal(s.after(499), false)
  assert.equal(s.after(1), true, '0.5 of 1000 ms')
  s.sockets[2].drop()
  assert.equal(s.after(999), false)
  assert.equal(s.after(1), true, '0.5 of 2000 ms')
  s.sockets[3].open()
  assert.deepEqual(s.sockets[3].sent, [{ type: 'hello', n: 4 }])
  // A successful connection resets the backoff.
  s.sockets[3].drop()
  assert.equal(s.after(250), true)
})

test('the offline queue is bounded: the oldest messages are dropped', (t) => {
  const s = setup(t)
  for (let i = 0; i < QUEUE_LIMIT + 3; i++) s.t.send({ type: 'click', href: '/' + i })
  s.t.start()
  s.sockets[0].open()
  const sent = s.sockets[0].sent.map((m) => m.href || m.type)
  assert.equal(sent.length, 1 + QUEUE_LIMIT)
  assert.deepEqual(sent.slice(0, 3), ['hello', '/3', '/4'])
  assert.equal(sent.at(-1), '/' + (QUEUE_LIMIT + 2))
})

test('the default bound is 20 messages, oldest first', (t) => {
  const s = setup(t)
  for (let i = 0; i < 100; i++) s.t.send({ type: 'click', href: '/' + i })
  assert.equal(QUEUE_LIMIT, 20)
  const queued = s.t.drain()
  assert.equal(queued.length, 20)
  assert.deepEqual([queued[0].href, queued[19].href], ['/80', '/99'])
  assert.deepEqual(s.t.drain(), [])
})

test('stop closes with 1000 and does not reconnect; start connects again', (t) => {
  const s = setup(t)
  s.t.start()
  s.sockets[0].open()
  s.t.stop()
  assert.equal(s.sockets[0].closedWith, 1000)
  assert.equal(s.t.isOpen(), false)
  // The close event of a socket we closed ourselves changes nothing.
  s.sockets[0].onclose({ code: 1000 })
  assert.equal(s.after(60000), false)
  s.t.send({ type: 'click', href: '/later' })
  s.t.start()
  s.sockets[1].open()
  assert.deepEqual(s.sockets[1].sent.at(-1), { type: 'click', href: '/later' })
})

test('stop during a backoff wait cancels the pending reconnect', (t) => {
  const s = setup(t)
  s.t.start()
  s.sockets[0].drop()
  s.t.stop()
  assert.equal(s.after(60000), false)
  assert.equal(s.sockets.length, 1)
})

test('a policy-violation close (e.g. origin refused) is not retried', (t) => {
  const s = setup(t)
  s.t.start()
  s.sockets[0].drop(1008)
  assert.equal(s.after(60000), false)
  s.t.start()
  assert.equal(s.sockets.length, 2, 'an explicit start may try again')
})

test('a constructor that throws (bad URL, blocked by CSP) is retried, never thrown', (t) => {
  let fail = true
  const s = setup(t, {
    WebSocket: class extends FakeSocket {
      constructor(url) {
        if (fail) throw new SyntaxError('blocked')
        super(url)
      }
    },
    jitter: () => 0,
  })
  assert.doesNotThrow(() => s.t.start())
  assert.equal(s.closes(), 1)
  assert.equal(s.sockets.length, 0)
  fail = false
  assert.equal(s.after(0), true)
})

test('onOpen may stop the transport; then nothing queued is sent', (t) => {
  const s = setup(t, {
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

test('drain hands out and forgets the queued messages', (t) => {
  const s = setup(t)
  s.t.send({ type: 'click', href: '/a' })
  assert.deepEqual(s.t.drain(), [{ type: 'click', href: '/a' }])
  s.t.start()
  s.sockets[0].open()
  assert.deepEqual(s.sockets[0].sent.map((m) => m.type), ['hello'])
})

test('an idle close from the server (1000) reconnects only when there is something to send', (t) => {
  const s = setup(t)
  s.t.start()
  s.sockets[0].open()
  s.sockets[0].drop(1000)
  assert.equal(s.after(60000), false, 'an idle tab stays disconnected')
  s.t.send({ type: 'click', href: '/a' })
  assert.equal(s.sockets.length, 2)
  s.sockets[1].open()
  assert.deepEqual(s.sockets[1].sent, [{ type: 'hello', n: 2 }, { type: 'click', href: '/a' }])
})

test('wake reconnects after an idle close and does nothing otherwise', (t) => {
  const s = setup(t)
  s.t.wake()
  assert.equal(s.sockets.length, 0, 'not started: nothing')
  s.t.start()
  s.t.wake()
  assert.equal(s.sockets.length, 1, 'connecting: nothing more')
  s.sockets[0].open()
  s.sockets[0].drop(1000)
  s.t.wake()
  assert.equal(s.sockets.length, 2)
})
