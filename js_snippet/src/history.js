/**
 * Page views in single-page apps: route changes through the History API.
 *
 * A router calls pushState and then renders; reading the page in between
 * would find the old slots under the new URL. So the handler runs only after
 * the change settles: at the next animation frame (which comes after the
 * current task and its microtasks, and before the new route is painted, so
 * remembered variants show without a flash), or after 100 ms when frames are
 * paused (hidden tab). Several changes before then count once.
 */

/**
 * @param {Window & typeof globalThis} win
 * @param {() => void} onChange called once per settled change; it decides whether the URL really changed
 */
export function watchHistory(win, onChange) {
  /** The pending change's handler: its frame or its timeout, whichever comes first, runs it. */
  /** @type {(() => void) | null} */
  let due = null
  const settle = () => {
    if (!due) {
      // One per change, so a late timeout of an earlier change does not run a later one early.
      const run = () => {
        if (due == run) {
          due = null
          onChange()
        }
      }
      due = run
      win.requestAnimationFrame(run)
      win.setTimeout(run, 100)
    }
  }
  for (const name of /** @type {const} */ (['pushState', 'replaceState'])) {
    const original = win.history[name]
    win.history[name] = function () {
      const result = original.apply(this, /** @type {any} */ (arguments))
      settle()
      return result
    }
  }
  win.addEventListener('popstate', settle)
}
