/**
 * A small bounded first-in-first-out queue for messages sent while the socket
 * is down. Bounded because a page left open through a long outage must not
 * grow without limit; the oldest messages go first because the newest ones
 * describe what the visitor is doing now.
 */

/** Default number of messages kept while offline. */
export const QUEUE_LIMIT = 20

/**
 * @template T
 * @param {number} [limit]
 */
export function createQueue(limit = QUEUE_LIMIT) {
  /** @type {T[]} */
  let items = []
  return {
    /** Add one item, dropping the oldest when full. @param {T} item */
    push(item) {
      items.push(item)
      if (items.length > limit) items.shift()
    },
    /** Take every item out, oldest first. @returns {T[]} */
    drain() {
      const out = items
      items = []
      return out
    },
  }
}
