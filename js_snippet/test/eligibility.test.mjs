import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PROTECTED, inViewport, isExposed, isSwappable, swapNow } from '../src/eligibility.js'

/**
 * A minimal element: its attributes, and the chain from itself up to the
 * root as {tag, role}. `closest` understands the selectors PROTECTED uses:
 * tag names and [role=x].
 */
function fake(attrs, chain) {
  const matches = (node, selector) =>
    selector.split(',').some((part) => {
      const role = /^\[role=(\w+)\]$/.exec(part.trim())
      return role ? node.role === role[1] : node.tag === part.trim()
    })
  return {
    getAttribute: (name) => (name in attrs ? attrs[name] : null),
    closest: (selector) => chain.find((node) => matches(node, selector)) || null,
  }
}

const MAIN = [{ tag: 'section' }, { tag: 'main' }, { tag: 'body' }, { tag: 'html' }]

test('a marked element in the content is a slot', () => {
  assert.ok(isSwappable(fake({ 'data-lotse-slot': 'hero' }, [{ tag: 'div' }, ...MAIN])))
})

test('unmarked elements and empty slot ids are not', () => {
  assert.ok(!isSwappable(fake({}, [{ tag: 'div' }, ...MAIN])))
  assert.ok(!isSwappable(fake({ 'data-lotse-slot': '' }, [{ tag: 'div' }, ...MAIN])))
})

test('never inside nav, header, footer or navigation/banner/contentinfo roles, even if marked', () => {
  for (const guard of [
    { tag: 'nav' },
    { tag: 'header' },
    { tag: 'footer' },
    { tag: 'div', role: 'navigation' },
    { tag: 'div', role: 'banner' },
    { tag: 'div', role: 'contentinfo' },
  ]) {
    const el = fake({ 'data-lotse-slot': 'menu' }, [{ tag: 'div' }, { tag: 'ul' }, guard, ...MAIN])
    assert.ok(!isSwappable(el), JSON.stringify(guard))
  }
})

test('the marked element itself may not be a protected region', () => {
  assert.ok(!isSwappable(fake({ 'data-lotse-slot': 'menu' }, [{ tag: 'nav' }, ...MAIN])))
  assert.ok(!isSwappable(fake({ 'data-lotse-slot': 'top' }, [{ tag: 'div', role: 'banner' }, ...MAIN])))
})

test('the protected selector names every region', () => {
  for (const part of ['nav', 'header', 'footer', '[role=navigation]', '[role=banner]', '[role=contentinfo]']) {
    assert.ok(PROTECTED.split(',').includes(part), part)
  }
})

test('above the fold: any overlap with the viewport', () => {
  const vw = 1280
  const vh = 800
  assert.ok(inViewport({ top: 0, bottom: 300, left: 0, right: 1280 }, vw, vh))
  assert.ok(inViewport({ top: 700, bottom: 1200, left: 0, right: 100 }, vw, vh))
  assert.ok(inViewport({ top: -200, bottom: 10, left: 0, right: 100 }, vw, vh))
  assert.ok(!inViewport({ top: 800, bottom: 1200, left: 0, right: 100 }, vw, vh))
  assert.ok(!inViewport({ top: 1500, bottom: 1800, left: 0, right: 100 }, vw, vh))
  assert.ok(!inViewport({ top: -400, bottom: -1, left: 0, right: 100 }, vw, vh))
  assert.ok(!inViewport({ top: 0, bottom: 100, left: 1300, right: 1500 }, vw, vh))
})

test('above the fold: an empty slot at the top still counts', () => {
  assert.ok(inViewport({ top: 120, bottom: 120, left: 0, right: 0 }, 1280, 800))
})

test('exposure: half of the slot visible, or half the viewport for tall slots', () => {
  assert.ok(isExposed(0.5, 100, 800))
  assert.ok(isExposed(1, 200, 800))
  assert.ok(!isExposed(0.49, 98, 800))
  assert.ok(isExposed(0.3, 400, 800))
  assert.ok(!isExposed(0.3, 399, 800))
  assert.ok(!isExposed(0, 0, 0))
})

test('swap timing: inside the window anything, afterwards only out of view', () => {
  assert.equal(swapNow(true, true, false), true)
  assert.equal(swapNow(true, false, false), true)
  assert.equal(swapNow(false, false, false), true)
  assert.equal(swapNow(false, true, false), false)
})

test('swap timing: a slot the visitor interacted with waits for the next page view', () => {
  for (const inWindow of [true, false]) {
    for (const inView of [true, false]) {
      assert.equal(swapNow(inWindow, inView, true), false)
    }
  }
})
