import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QUEUE_LIMIT, createQueue } from '../src/queue.js'

test('items come out oldest first and the queue is empty afterwards', () => {
  const q = createQueue(5)
  q.push('a')
  q.push('b')
  q.push('c')
  assert.deepEqual(q.drain(), ['a', 'b', 'c'])
  assert.deepEqual(q.drain(), [])
})

test('when full, the oldest item is dropped', () => {
  const q = createQueue(3)
  for (const item of [1, 2, 3, 4, 5]) q.push(item)
  assert.deepEqual(q.drain(), [3, 4, 5])
})

test('the default bound is 20', () => {
  const q = createQueue()
  for (let i = 0; i < 100; i++) q.push(i)
  assert.equal(QUEUE_LIMIT, 20)
  const items = q.drain()
  assert.equal(items.length, 20)
  assert.equal(items[0], 80)
  assert.equal(items[19], 99)
})
