/**
 * Reconnect delays for the WebSocket.
 *
 * "Full jitter" (a random delay between 0 and the exponential ceiling) rather
 * than plain exponential backoff: when a Lotse server restarts, every open page
 * reconnects at once, and full jitter spreads those reconnects evenly instead
 * of sending them in synchronised waves.
 */

/** First ceiling in milliseconds; doubles with every failed attempt. */
export const BASE_MS = 500
/** Highest ceiling, so a page that outlives a long outage still retries twice a minute. */
export const CAP_MS = 30000

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry).
 *
 * @param {number} attempt failed attempts so far
 * @param {() => number} [random] source of [0, 1); injectable so tests are exact
 * @param {number} [base]
 * @param {number} [cap]
 * @returns {number} whole milliseconds in [0, min(cap, base * 2^attempt))
 */
export function backoff(attempt, random = Math.random, base = BASE_MS, cap = CAP_MS) {
  return Math.floor(random() * Math.min(cap, base * 2 ** Math.max(0, attempt)))
}
