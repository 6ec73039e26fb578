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
 * @param {number} attempt failed attempts so far (0 or more)
 * @param {() => number} [random] source of [0, 1); injectable so tests are exact
 * @returns {number} milliseconds in [0, min(CAP_MS, BASE_MS * 2^attempt))
 */
export const backoff = (attempt, random = Math.random) => random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt)
