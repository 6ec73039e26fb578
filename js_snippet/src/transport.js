/**
 * One WebSocket to the Lotse server, kept alive across outages.
 *
 * Reconnects with full-jitter backoff; on every (re)connect the owner sends
 * `hello` first (with the resume token), then whatever queued up while the
 * socket was down. Nothing here throws into the page: a server that is down
 * only means the page keeps its default content.
 */

import { backoff } from './backoff.js'
import { createQueue } from './queue.js'

/** Close codes that change the reconnect (docs/protocol.md, "Close codes"). */
const NORMAL = 1000 // from the server: idle; reconnect when there is something to say
const POLICY_VIOLATION = 1008 // flooding: never reconnect automatically

/**
 * @param {string} url ws(s):// endpoint
 * @param {{
 *   onOpen: (send: (msg: object) => void) => void,
 *   onMessage: (msg: {type: string} & Record<string, any>) => void,
 *   onClose: () => void,
 *   WebSocket: typeof WebSocket,
 *   jitter?: () => number,
 *   limit?: number,
 * }} o
 */
export function createTransport(url, o) {
  const Socket = o.WebSocket
  const queue = createQueue(o.limit)
  /** @type {WebSocket | null} */
  let ws = null
  let timer
  let attempt = 0
  let running = false
  /** The server closed an idle connection; the next message reconnects. */
  let idle = false

  const isOpen = () => !!ws && ws.readyState === 1
  const raw = (/** @type {object} */ msg) => /** @type {WebSocket} */ (ws).send(JSON.stringify(msg))

  function connect() {
    timer = undefined
    let sock
    try {
      sock = new Socket(url)
    } catch (_) {
      o.onClose()
      return retry()
    }
    ws = sock
    sock.onopen = () => {
      attempt = 0
      o.onOpen(raw)
      // onOpen may have stopped us (an opted-out visitor only deletes the session).
      if (ws === sock && isOpen()) for (const msg of queue.drain()) raw(msg)
    }
    sock.onmessage = (e) => {
      let msg
      try {
        msg = JSON.parse(e.data)
      } catch (_) {
        return
      }
      if (msg && typeof msg.type === 'string') o.onMessage(msg)
    }
    sock.onclose = (e) => {
      if (ws !== sock) return // closed by stop(): no reconnect
      ws = null
      o.onClose()
      if (!running) return
      // An idle tab must not reconnect just to be closed again five minutes later.
      if (e.code === NORMAL) idle = true
      else if (e.code === POLICY_VIOLATION) running = false
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
      if (running) return
      running = true
      connect()
    },

    /** Close without reconnecting (pagehide, opt-out). Queued messages stay queued. */
    stop() {
      running = idle = false
      clearTimeout(timer)
      timer = undefined
      const sock = ws
      ws = null
      if (sock) sock.close(1000)
    },

    /**
     * Send now, or queue until the next connection (oldest dropped when full).
     * @param {object} msg
     */
    send(msg) {
      if (isOpen()) raw(msg)
      else {
        queue.push(msg)
        wake()
      }
    },

    wake,

    /** Take the queued messages out (opt-out drops them). */
    drain: queue.drain,
  }
}
