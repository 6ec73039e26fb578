/**
 * The privacy panel: a link the site places anywhere with data-lotse-privacy
 * opens the opt-out switch, even when no chat was ever offered and no slot
 * swapped; the page and its footer stay as they are.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boot } from '../src/index.js'
import { makePage, sleep } from './support/page.mjs'

const BODY = `
  <main><section data-lotse-slot="hero"><h2>Willkommen</h2></section></main>
  <footer><a id="cookies" href="/cookies">Cookie-Einstellungen</a> <a id="p" href="#" data-lotse-privacy>Personalisierung</a></footer>`

async function started(options = {}) {
  const page = makePage({ body: BODY, ...options })
  boot(page.win)
  await page.ready()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 't', optout: false, chat: null })
  return page
}
const panel = (page) => page.$('lotse-privacy')
/** Click the link; the panel is in the chat's file, which the first click loads. */
const click = async (page, el) => {
  const event = new page.win.MouseEvent('click', { bubbles: true, cancelable: true })
  el.dispatchEvent(event)
  await sleep(30)
  return event
}

test('the link opens a labelled panel with the switch, focused; the link itself is not followed or sent', async () => {
  const page = await started()
  const footer = page.$('footer').innerHTML
  const event = await click(page, page.$('#p'))
  assert.equal(event.defaultPrevented, true)
  const host = panel(page)
  assert.equal(host.parentNode, page.doc.body, 'out of the footer: the footer is not changed')
  assert.equal(page.$('footer').innerHTML, footer)
  assert.equal(host.getAttribute('role'), 'region')
  assert.equal(host.getAttribute('aria-label'), 'Personalisierung')
  const root = host.shadowRoot
  const box = root.querySelector('input[role=switch]')
  assert.equal(root.activeElement, box)
  assert.equal(box.closest('label').textContent, 'Personalisierung aus')
  assert.match(root.querySelector('p').textContent, /ohne Cookies/)
  assert.equal(page.socket.sent.filter((m) => m.type === 'click').length, 0)
})

test('the switch opts out and back in; Escape, the close button and the link close the panel', async () => {
  const page = await started()
  await click(page, page.$('#p'))
  const root = panel(page).shadowRoot
  const box = root.querySelector('input[role=switch]')
  box.click()
  assert.equal(page.win.localStorage.getItem('lotse.optout'), '1')
  assert.equal(page.socket.sent.at(-1).type, 'optout')
  assert.equal(box.checked, true)
  box.dispatchEvent(new page.win.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
  assert.equal(panel(page), null)
  assert.equal(page.doc.activeElement, page.$('#p'), 'focus back on the link')

  await click(page, page.$('#p'))
  assert.equal(panel(page).shadowRoot.querySelector('input').checked, true, 'shows the state')
  panel(page).shadowRoot.querySelector('input').click()
  assert.equal(page.win.localStorage.getItem('lotse.optout'), null)
  panel(page).shadowRoot.querySelector('button').click()
  assert.equal(panel(page), null)
  await click(page, page.$('#p'))
  await click(page, page.$('#p'))
  assert.equal(panel(page), null, 'the link toggles')
})

test('Global Privacy Control: the switch stays on', async () => {
  const page = makePage({ body: BODY, gpc: true, lang: 'en' })
  boot(page.win)
  await page.ready()
  await click(page, page.$('#p'))
  const root = panel(page).shadowRoot
  assert.equal(root.host.getAttribute('aria-label'), 'Personalisation')
  const box = root.querySelector('input')
  assert.equal(box.checked, true)
  box.click()
  assert.equal(box.checked, true, 'GPC is a standing opt-out')
  assert.deepEqual(page.errors, [])
})

test('a chat’s file that fails to load: the link is followed after all, the switch in the “why” box still opts out', async () => {
  const page = await started({ chat: 'fail' })
  const hero = page.$('[data-lotse-slot=hero]')
  page.intersect(hero, 0)
  page.socket.receive({ type: 'swap', slot: 'hero', variant: 'hcp', html: '<h2>HCP</h2>', reason: 'Grund' })
  const link = page.$('#p')
  /** Whether each click on the link would have been followed (the snippet's handler runs first). */
  const followed = []
  link.addEventListener('click', (e) => followed.push(!e.defaultPrevented))
  const event = await click(page, link)
  assert.equal(event.defaultPrevented, true, 'held while the file was on the way')
  assert.deepEqual(followed, [false, true], 'then clicked again for the visitor, and followed')
  assert.equal(panel(page), null)
  await click(page, link)
  assert.equal(followed.at(-1), true, 'an ordinary link from now on')
  assert.equal(page.scripts.length, 1, 'not loaded again')
  const box = hero.querySelector('lotse-why').shadowRoot.querySelector('input[role=switch]')
  box.click()
  assert.equal(page.win.localStorage.getItem('lotse.optout'), '1')
  assert.equal(hero.textContent, 'Willkommen', 'defaults back at once')
  assert.deepEqual(page.errors, [])
})
