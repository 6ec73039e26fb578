import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BASE_MS, CAP_MS, backoff } from '../src/backoff.js'

test('the ceiling doubles from 500 ms with each attempt', () => {
  const top = () => 0.999999
  assert.equal(backoff(0, top), BASE_MS - 1)
  assert.equal(backoff(1, top), 2 * BASE_MS - 1)
  assert.equal(backoff(3, top), 8 * BASE_MS - 1)
})

test('the ceiling is capped at 30 s, however many attempts failed', () => {
  assert.equal(backoff(6, () => 0.999999), CAP_MS - 1)
  assert.equal(backoff(50, () => 0.999999), CAP_MS - 1)
  assert.equal(backoff(5000, () => 0.5), CAP_MS / 2)
})

test('full jitter: the delay is the random share of the ceiling, down to zero', () => {
  assert.equal(backoff(2, () => 0), 0)
  assert.equal(backoff(2, () => 0.25), 500)
  assert.equal(backoff(2, () => 0.5), 1000)
})

test('delays are whole milliseconds and never negative', () => {
  for (let attempt = -1; attempt < 20; attempt++) {
    const delay = backoff(attempt, Math.random)
    assert.ok(Number.isInteger(delay) && delay >= 0 && delay < CAP_MS, `attempt ${attempt}: ${delay}`)
  }
})

test('base and cap can be chosen', () => {
  assert.equal(backoff(2, () => 0.5, 100, 250), 125)
})
