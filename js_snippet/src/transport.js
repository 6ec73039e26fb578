/**
 * One WebSocket to the Lotse server, kept alive across outages.
 *
 * Reconnects with full-jitter backoff; on every (re)connect the owner sends
 * `hello` first (with the resume token), then whatever queued up while the
 * socket was down. Nothing here throws into the page: a server that is down
 * only means the page keeps its default content.
 */

import { backoff } from './backoff.js'

/**
 * Messages kept while offline. Bounded because a page left open through a
 * long outage must not grow without limit; the oldest go first because the
 * newest describe what the visitor is doing now.
 */
export const QUEUE_LIMIT = 20

/**
 * Close codes (docs/protocol.md, "Close codes"): 1000 from the server is an
 * idle close (reconnect when there is something to say); 1008 a policy
 * violation such as flooding (never reconnect automatically).
 *
 * @param {string} url ws(s):// endpoint
 * @param {{
 *   onOpen: (send: (msg: object) => void) => void,
 *   onMessage: (msg: {type: string} & Record<string, any>) => void,
 *   onClose: () => void,
 *   WebSocket: typeof WebSocket,
 *   jitter?: () => number,
 * }} o `onMessage` gets whatever JSON arrived (an object with a string `type`, from our
 *   server); it may throw
 */
export function createTransport(url, o) {
  /** @type {object[]} */
  let queue = []
  /** @type {WebSocket | null} */
  let ws = null
  let timer
  let attempt = 0
  let running = false
  /** The server closed an idle connection; the next message reconnects. */
  let idle = false

  const isOpen = () => ws?.readyState == 1
  const raw = (/** @type {object} */ msg) => /** @type {WebSocket} */ (ws).send(JSON.stringify(msg))
  /** Take the queued messages out (opt-out drops them). */
  const drain = () => queue.splice(0)

  function connect() {
    /** @type {WebSocket} */
    let sock
    try {
      sock = ws = new o.WebSocket(url)
    } catch (_) {
      o.onClose()
      return retry()
    }
    sock.onopen = () => {
      attempt = 0
      o.onOpen(raw)
      // onOpen may have stopped us (an opted-out visitor only deletes the session).
      if (ws === sock && isOpen()) drain().forEach(raw)
    }
    sock.onmessage = (e) => {
      try {
        o.onMessage(JSON.parse(e.data))
      } catch (_) {
        /* not JSON, or not a message the owner can use: nothing happens */
      }
    }
    sock.onclose = (e) => {
      if (ws !== sock) return // closed by stop(): no reconnect
      ws = null
      o.onClose()
      // An idle tab must not reconnect just to be closed again five minutes later.
      if (!running) return
      if (e.code == 1000) idle = true
      else if (e.code == 1008) running = false
      else retry()
    }
  }

  /** After an idle close: connect again, now that there is something to say. */
  function wake() {
    if (idle) {
      idle = false
      connect()
    }
  }

  function retry() {
    timer = setTimeout(connect, backoff(attempt++, o.jitter))
  }

  return {
    isOpen,

    /** Connect unless already connected or connecting. */
    start() {
      if (!running) {
        running = true
        connect()
      }
    },

    /** Close without reconnecting (pagehide, opt-out). Queued messages stay queued. */
    stop() {
      running = idle = false
      clearTimeout(timer)
      const sock = ws
      ws = null
      sock?.close(1000)
    },

    /**
     * Send now, or queue until the next connection (oldest dropped when full).
     * @param {object} msg
     */
    send(msg) {
      if (isOpen()) raw(msg)
      else {
        if (queue.push(msg) > QUEUE_LIMIT) queue.shift()
        wake()
      }
    },

    wake,
    drain,
  }
}
