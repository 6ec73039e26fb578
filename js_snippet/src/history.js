/**
 * Page views in single-page apps: route changes through the History API.
 *
 * A router calls pushState and then renders; reading the page in between
 * would find the old slots under the new URL. So the handler runs only after
 * the change settles: after the current task's microtasks, at the next
 * animation frame (before the new route is painted, so remembered variants
 * show without a flash), or after 100 ms when frames are paused (hidden tab).
 * Several changes in one turn count once.
 */

/**
 * @param {Window & typeof globalThis} win
 * @param {() => void} onChange called once per settled change; it decides whether the URL really changed
 */
export function watchHistory(win, onChange) {
  let scheduled = false
  const settle = () => {
    if (scheduled) return
    scheduled = true
    Promise.resolve().then(() => {
      let done = false
      const run = () => {
        if (done) return
        done = true
        scheduled = false
        onChange()
      }
      win.requestAnimationFrame(run)
      win.setTimeout(run, 100)
    })
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
