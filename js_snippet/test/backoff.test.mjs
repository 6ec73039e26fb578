import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BASE_MS, CAP_MS, backoff } from '../src/backoff.js'

const top = () => 0.999999

test('the ceiling doubles from 500 ms with each attempt', () => {
  assert.equal(Math.ceil(backoff(0, top)), BASE_MS)
  assert.equal(Math.ceil(backoff(1, top)), 2 * BASE_MS)
  assert.equal(Math.ceil(backoff(3, top)), 8 * BASE_MS)
})

test('the ceiling is capped at 30 s, however many attempts failed', () => {
  assert.equal(Math.ceil(backoff(6, top)), CAP_MS)
  assert.equal(Math.ceil(backoff(50, top)), CAP_MS)
  assert.equal(backoff(5000, () => 0.5), CAP_MS / 2)
})

test('full jitter: the delay is the random share of the ceiling, down to zero', () => {
  assert.equal(backoff(2, () => 0), 0)
  assert.equal(backoff(2, () => 0.25), 500)
  assert.equal(backoff(2, () => 0.5), 1000)
})

test('delays are never negative and stay under the cap', () => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const delay = backoff(attempt, Math.random)
    assert.ok(delay >= 0 && delay < CAP_MS, `attempt ${attempt}: ${delay}`)
  }
})
