import assert from 'node:assert/strict'
import { test } from 'node:test'
import { watchHistory } from '../src/history.js'

function fakeWindow() {
  const frames = []
  const timeouts = []
  const listeners = {}
  const calls = []
  const win = {
    history: {
      pushState(...args) {
        calls.push(['push', ...args])
      },
      replaceState(...args) {
        calls.push(['replace', ...args])
        return 'result'
      },
    },
    requestAnimationFrame: (fn) => frames.push(fn),
    setTimeout: (fn, ms) => timeouts.push({ fn, ms }),
    addEventListener: (type, fn) => (listeners[type] = fn),
  }
  return { win, frames, timeouts, listeners, calls }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

test('pushState still works, and the handler runs only after the change settles', async () => {
  const f = fakeWindow()
  let changes = 0
  watchHistory(f.win, () => changes++)
  f.win.history.pushState({ a: 1 }, '', '/next')
  assert.deepEqual(f.calls, [['push', { a: 1 }, '', '/next']])
  assert.equal(changes, 0, 'not in the middle of the route change')
  await tick()
  assert.equal(changes, 0)
  f.frames.shift()()
  assert.equal(changes, 1)
  // The timeout fallback for the same change does nothing more.
  f.timeouts.shift().fn()
  assert.equal(changes, 1)
})

test('several changes in one turn count once', async () => {
  const f = fakeWindow()
  let changes = 0
  watchHistory(f.win, () => changes++)
  f.win.history.pushState(null, '', '/a')
  f.win.history.replaceState(null, '', '/a?x')
  f.listeners.popstate()
  await tick()
  assert.equal(f.frames.length, 1)
  f.frames[0]()
  assert.equal(changes, 1)
})

test('replaceState keeps its return value and this', () => {
  const f = fakeWindow()
  watchHistory(f.win, () => {})
  assert.equal(f.win.history.replaceState(null, '', '/b'), 'result')
})

test('without animation frames (hidden tab) the 100 ms timeout runs the handler', async () => {
  const f = fakeWindow()
  let changes = 0
  watchHistory(f.win, () => changes++)
  f.listeners.popstate()
  await tick()
  assert.equal(f.timeouts[0].ms, 100)
  f.timeouts[0].fn()
  assert.equal(changes, 1)
  // A later change is handled again.
  f.win.history.pushState(null, '', '/c')
  await tick()
  f.frames.at(-1)()
  assert.equal(changes, 2)
})

test('a late timeout of an earlier change does not run a later one early', async () => {
  const f = fakeWindow()
  let changes = 0
  watchHistory(f.win, () => changes++)
  f.win.history.pushState(null, '', '/a')
  f.frames.shift()()
  assert.equal(changes, 1)
  f.win.history.pushState(null, '', '/b')
  f.timeouts.shift().fn() // the first change's fallback
  assert.equal(changes, 1, 'the second change waits for its own frame')
  f.frames.shift()()
  assert.equal(changes, 2)
})
