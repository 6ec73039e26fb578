/**
 * The hand-off to the site's analytics (jsdom): with data-datalayer the
 * snippet pushes `lotse_swap` when a swap is applied in the page and
 * `lotse_exposure` when a slot in an experiment is reported seen; never
 * without the attribute, never opted out, nothing personal. The pushes are
 * made by the chat's file, which the core loads with the first event.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boot } from '../src/index.js'
import { makePage, sleep, welcomed } from './support/page.mjs'

const BODY = `
  <main>
    <section data-lotse-slot="hero" style="height:120px"><h1 id="hero-default">Willkommen</h1></section>
    <aside data-lotse-slot="teaser" style="height:80px"><p id="teaser-default">Standard</p></aside>
  </main>`

const tag = (attrs = 'data-datalayer') =>
  `<script data-site="demo" data-flicker-ms="0" ${attrs} src="https://lotse.example.net/lotse.js"></script>`

const swap = (slot, variant, extra = {}) => ({
  type: 'swap',
  slot,
  variant,
  html: `<p class="v">${variant}</p>`,
  reason: 'Sie haben den Bereich für Fachkreise besucht',
  ...extra,
})
const armMsg = (slot, experiment, arm = 'control') => ({ type: 'arm', slot, experiment, arm })
const swapEvent = (slot, variant) => ({ event: 'lotse_swap', lotse_slot: slot, lotse_variant: variant })
const exposure = (experiment, arm, variant) => ({
  event: 'lotse_exposure',
  lotse_experiment: experiment,
  lotse_arm: arm,
  lotse_variant: variant,
})

/** A connected page; every slot starts out of view (so swaps apply at once). */
async function started(options = {}) {
  const page = makePage({ body: BODY, script: tag(), ...options })
  if (options.prepare) options.prepare(page)
  return welcomed(page, boot)
}
const hero = (page) => page.$('[data-lotse-slot=hero]')
const seen = (page) => page.socket.sent.filter((m) => m.type === 'seen')
/** The site's array, once the chat's file (which pushes to it) has had a turn to load. */
const layer = async (page, name = 'dataLayer') => {
  await sleep(30)
  return page.win[name]
}

test('data-datalayer: an applied swap is pushed to window.dataLayer, created if missing', async () => {
  const page = await started()
  assert.equal(await layer(page), undefined, 'nothing before a swap')
  page.socket.receive(swap('hero', 'hero-hcp', { dose: 'r1' }))
  assert.equal(hero(page).querySelector('.v').textContent, 'hero-hcp')
  assert.deepEqual(await layer(page), [swapEvent('hero', 'hero-hcp')])
  assert.ok(Array.isArray(await layer(page)))
  // The same variant again changes nothing and pushes nothing; "default" is no swap either.
  page.socket.receive(swap('hero', 'hero-hcp'))
  page.socket.receive(swap('hero', 'default'))
  assert.deepEqual(await layer(page), [swapEvent('hero', 'hero-hcp')])
  assert.deepEqual(page.errors, [])
})

test('an existing dataLayer (GTM) is appended to, with its own push', async () => {
  const gtm = []
  const page = await started({
    prepare: (p) => {
      p.win.dataLayer = [{ event: 'gtm.js' }]
      p.win.dataLayer.push = function (e) {
        gtm.push(e)
        return Array.prototype.push.call(this, e)
      }
    },
  })
  page.socket.receive(swap('teaser', 'teaser-hcp'))
  assert.deepEqual((await layer(page)).slice(), [{ event: 'gtm.js' }, swapEvent('teaser', 'teaser-hcp')])
  assert.deepEqual(gtm, [swapEvent('teaser', 'teaser-hcp')])
})

test('data-datalayer="name" pushes to that global array instead', async () => {
  const page = await started({ script: tag('data-datalayer="_mtm"') })
  page.socket.receive(swap('hero', 'hero-hcp'))
  assert.deepEqual(await layer(page, '_mtm'), [swapEvent('hero', 'hero-hcp')])
  assert.equal(await layer(page), undefined)
})

test('without data-datalayer nothing is pushed and no global is created', async () => {
  const page = await started({ script: tag('') })
  page.socket.receive(swap('hero', 'hero-hcp', { experiment: 'r1', arm: 'hero-hcp' }))
  page.intersect(hero(page), 1)
  assert.equal(seen(page).length, 1)
  assert.equal(await layer(page), undefined)
  assert.ok(!Object.keys(page.win).some((k) => /layer|mtm/i.test(k)))
})

test('a deferred swap is pushed when it is applied, not when it arrives', async () => {
  const page = await started()
  page.intersect(hero(page), 1) // the visitor is looking at it: the swap waits
  page.socket.receive(swap('hero', 'hero-hcp'))
  assert.ok(page.$('#hero-default'))
  assert.deepEqual((await layer(page)) ?? [], [])
  page.intersect(hero(page), 0)
  assert.deepEqual(await layer(page), [swapEvent('hero', 'hero-hcp')])
})

test('several elements of one slot: one push per swap', async () => {
  const page = await started({
    body: BODY + '<div data-lotse-slot="hero" style="height:40px"><p>Zweites</p></div>',
  })
  page.socket.receive(swap('hero', 'hero-hcp'))
  assert.equal(page.doc.querySelectorAll('[data-lotse-slot=hero] .v').length, 2)
  assert.deepEqual(await layer(page), [swapEvent('hero', 'hero-hcp')])
})

test('a remembered variant shown again on the next load is pushed on that page view', async () => {
  const first = await started()
  first.socket.receive(swap('hero', 'hero-hcp'))
  const again = makePage({ body: BODY, script: tag(), session: { ...first.win.sessionStorage } })
  boot(again.win)
  await again.ready()
  assert.deepEqual(await layer(again), [swapEvent('hero', 'hero-hcp')], 'on that load, before any server reply')
})

test('exposure: pushed with the experiment and arm when the swapped slot is reported seen, once per page view', async () => {
  const page = await started()
  page.socket.receive(swap('hero', 'hero-b', { experiment: 'hero-test', arm: 'hero-b' }))
  assert.deepEqual(await layer(page), [swapEvent('hero', 'hero-b')], 'not seen yet: no exposure')
  page.intersect(hero(page), 0.8)
  assert.deepEqual(seen(page), [{ type: 'seen', slot: 'hero', variant: 'hero-b' }])
  assert.deepEqual((await layer(page)).slice(1), [exposure('hero-test', 'hero-b', 'hero-b')])
  page.intersect(hero(page), 0)
  page.intersect(hero(page), 1)
  assert.equal((await layer(page)).length, 2, 'once per slot and experiment per page view')
  // The next page view (SPA): the server sends the sticky swap again, with its arm.
  page.win.history.pushState(null, '', '/produkte')
  await sleep(150)
  page.socket.receive(swap('hero', 'hero-b', { experiment: 'hero-test', arm: 'hero-b' }))
  assert.deepEqual((await layer(page)).slice(2), [exposure('hero-test', 'hero-b', 'hero-b')])
})

test('exposure in the control arm: the arm message, the default content, variant "default"', async () => {
  const page = await started()
  page.socket.receive(armMsg('hero', 'hero-test'))
  assert.deepEqual((await layer(page)) ?? [], [], 'not seen yet')
  page.intersect(hero(page), 0.6)
  assert.deepEqual(seen(page), [{ type: 'seen', slot: 'hero', variant: 'default' }])
  assert.deepEqual(await layer(page), [exposure('hero-test', 'control', 'default')])
  assert.ok(page.$('#hero-default'), 'the arm message changes nothing on the page')
})

test('exposure: an arm that arrives after the slot was seen is pushed at once', async () => {
  const page = await started()
  page.intersect(hero(page), 1)
  assert.equal(seen(page).length, 1)
  page.socket.receive(armMsg('hero', 'hero-test'))
  assert.deepEqual(await layer(page), [exposure('hero-test', 'control', 'default')])
  assert.equal(seen(page).length, 1, 'seen is not sent twice')
})

test('exposure: nothing for a slot that does not show its arm, or for slots in no experiment', async () => {
  const page = await started()
  // The control arm for a slot that shows a variant (of another rule): not this arm's exposure.
  page.socket.receive(swap('hero', 'hero-hcp'))
  page.socket.receive(armMsg('hero', 'hero-test'))
  page.intersect(hero(page), 1)
  // A swap of an experiment that is still waiting (slot in view) while the default is seen.
  page.intersect(page.$('[data-lotse-slot=teaser]'), 1)
  page.socket.receive(swap('teaser', 'teaser-b', { experiment: 't', arm: 'teaser-b' }))
  assert.equal(seen(page).length, 2)
  assert.deepEqual(await layer(page), [swapEvent('hero', 'hero-hcp')])
  // Malformed arm messages are ignored.
  page.socket.receive({ type: 'arm', slot: 'teaser', experiment: 5 })
  page.socket.receive({ type: 'arm', experiment: 'x' })
  assert.equal((await layer(page)).length, 1)
  assert.deepEqual(page.errors, [])
})

test('never pushed when opted out or under Global Privacy Control', async () => {
  const page = await started()
  page.socket.receive(swap('hero', 'hero-b', { experiment: 'e', arm: 'hero-b' }))
  await layer(page)
  page.win.lotse('optout')
  page.socket.receive(swap('teaser', 'teaser-hcp'))
  page.intersect(hero(page), 1)
  assert.deepEqual(await layer(page), [swapEvent('hero', 'hero-b')])

  const gpc = makePage({
    body: BODY,
    script: tag(),
    gpc: true,
    session: { 'lotse.sticky': JSON.stringify({ '/start?utm_source=news hero': swap('hero', 'hero-hcp') }) },
  })
  boot(gpc.win)
  await gpc.ready()
  assert.ok(gpc.$('#hero-default'))
  assert.equal(await layer(gpc), undefined)
})

test('a dataLayer whose push throws does not break the swap', async () => {
  const page = await started({
    prepare: (p) => {
      p.win.dataLayer = {
        push() {
          throw new Error('analytics broke')
        },
      }
    },
  })
  page.socket.receive(swap('hero', 'hero-b', { experiment: 'e', arm: 'hero-b' }))
  page.intersect(hero(page), 1)
  assert.equal(hero(page).querySelector('.v').textContent, 'hero-b')
  assert.deepEqual(seen(page), [{ type: 'seen', slot: 'hero', variant: 'hero-b' }])
  assert.deepEqual(page.errors, [])
})

test('events still waiting for the chat’s file when the visitor opts out are dropped, not pushed', async () => {
  const page = await started()
  page.socket.receive(swap('hero', 'hero-b', { experiment: 'e', arm: 'hero-b' }))
  page.win.lotse('optout') // before the file (which pushes) has loaded
  assert.equal(await layer(page), undefined)
  assert.deepEqual(page.errors, [])
})
