/**
 * Which elements may change, and when. These rules are the snippet's half of
 * the stable-navigation guarantees (docs/snippet.md), kept free of the DOM so
 * they are unit-tested with plain objects.
 */

/** The attribute that marks a slot; its value is the slot id. */
export const SLOT_ATTR = 'data-lotse-slot'

/**
 * Regions that orient the visitor. Nothing inside them is ever swapped, even
 * when a site marks it as a slot by mistake: moving the navigation costs more
 * trust than any personalisation gains. `closest` also matches the element
 * itself, so a `<nav data-lotse-slot>` is refused as well.
 */
export const PROTECTED = 'nav,header,footer,[role=navigation],[role=banner],[role=contentinfo]'

/**
 * Whether `el` is a slot the snippet may swap.
 *
 * @param {{getAttribute(name: string): string | null, closest(selector: string): unknown}} el
 */
export function isSwappable(el) {
  return !!el.getAttribute(SLOT_ATTR) && !el.closest(PROTECTED)
}

/**
 * Whether a box intersects the viewport (it is "above the fold" at load).
 * A zero-height box on the viewport edge counts, so an empty slot still gets
 * anti-flicker treatment.
 *
 * @param {{top: number, bottom: number, left: number, right: number}} rect
 * @param {number} width viewport width
 * @param {number} height viewport height
 */
export function inViewport(rect, width, height) {
  return rect.bottom >= 0 && rect.top < height && rect.right >= 0 && rect.left < width
}

/**
 * Whether a slot counts as seen (an exposure): at least half of it is
 * visible, or, for slots taller than twice the viewport, it fills at least
 * half of the viewport.
 *
 * @param {number} ratio IntersectionObserver intersectionRatio
 * @param {number} visibleHeight height of the visible part
 * @param {number} viewportHeight
 */
export function isExposed(ratio, visibleHeight, viewportHeight) {
  return ratio >= 0.5 || (viewportHeight > 0 && visibleHeight >= viewportHeight / 2)
}

/**
 * Whether a swap may happen now or must wait.
 *
 * A slot the visitor is looking at changes only inside the anti-flicker
 * window that follows a page view; later it waits until it leaves the
 * viewport or the next page view. A slot the visitor interacted with (focus
 * or input inside it) waits for the next page view, so a half-filled form is
 * never replaced.
 *
 * @param {boolean} inWindow inside the anti-flicker window
 * @param {boolean} inView the slot intersects the viewport
 * @param {boolean} [touched] the visitor interacted with the slot
 * @returns {boolean} true: swap now; false: defer
 */
export function swapNow(inWindow, inView, touched) {
  return !touched && (inWindow || !inView)
}
