/**
 * The chat widget in a page (jsdom): its file loaded only when offered (with
 * its integrity hash), offer timing, once per session, the unread badge,
 * quick replies and free text, the typing pause, text-only replies, keyboard
 * and focus, dismissal, the opt-out switch, and a chat file that fails.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TYPING_MS, siteName } from '../src/chat.js'
import { boot } from '../src/index.js'
import { chatOf, makePage, sleep } from './support/page.mjs'

const OFFER = {
  prompt: 'Was führt Sie zu uns?',
  choices: [
    { id: 'patient', label: 'Ich bin Patient:in' },
    { id: 'hcp', label: 'Ich arbeite im Gesundheitswesen' },
  ],
  delay_ms: 30,
}
const BODY = '<main><div data-lotse-slot="hero"><p>Inhalt</p></div></main>'

async function offered(options = {}, chat = OFFER) {
  const page = makePage({ body: BODY, ...options })
  boot(page.win)
  await page.ready()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat })
  return page
}

const parts = (page) => {
  const root = chatOf(page.doc)
  return {
    root,
    host: page.$('lotse-chat'),
    open: root.querySelector('.open'),
    badge: root.querySelector('.badge'),
    dialog: root.querySelector('[role=dialog]'),
    title: root.querySelector('h2'),
    close: root.querySelector('.x'),
    log: root.querySelector('.log'),
    live: root.querySelector('[aria-live]'),
    choices: [...root.querySelectorAll('.choices button')],
    input: root.querySelector('input[type=text]'),
    form: root.querySelector('form'),
    optout: root.querySelector('input[type=checkbox]'),
    dismiss: root.querySelector('.no'),
  }
}
/** Wait until the widget is on the page (its file arrives a task after the delay). */
const shown = async (page) => {
  for (let i = 0; i < 200 && !page.$('lotse-chat'); i++) await sleep(10)
  assert.ok(page.$('lotse-chat'), 'the widget did not appear')
}
const sentChats = (page) => page.socket.sent.filter((m) => m.type === 'chat')
const bubbles = (w) => [...w.log.querySelectorAll('p')].map((p) => [p.className, p.textContent])
const escape = (page, el) => el.dispatchEvent(new page.win.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))

test('the chat file is loaded when offered, with its integrity hash; the widget shows after delay_ms', async () => {
  const page = await offered()
  assert.equal(page.scripts.length, 1, 'loaded with the welcome that offers it')
  assert.equal(page.$('lotse-chat'), null, 'nothing shown before the delay')
  await shown(page)
  assert.equal(page.scripts.length, 1)
  const [file] = page.scripts
  assert.equal(file.src, 'https://lotse.example.net/lotse-chat.js', 'next to the core (the build adds ?v=)')
  assert.equal(file.crossOrigin, 'anonymous')
  assert.equal(file.integrity, '', 'the build writes the hash in')
  const w = parts(page)
  assert.equal(w.open.textContent, 'Was führt Sie zu uns? 1 neue Nachricht', 'named by its content')
  assert.equal(w.badge.textContent, '1', 'the nudge: an unread badge')
  assert.equal(w.open.getAttribute('aria-expanded'), 'false')
  assert.ok(w.dialog.hidden)
  assert.deepEqual(bubbles(w), [['bot', 'Was führt Sie zu uns?']])
  assert.equal(page.win.sessionStorage.getItem('lotse.chat'), '1')
})

test('no chat (and no chat file) when welcome.chat is null, or after opting out during the delay', async () => {
  const none = await offered({}, null)
  await sleep(60)
  assert.equal(none.$('lotse-chat'), null)
  assert.equal(none.scripts.length, 0)
  const out = await offered()
  out.win.lotse('optout')
  await sleep(60)
  assert.equal(out.$('lotse-chat'), null)
})

test('the default prompt follows <html lang> when the server sends none', async () => {
  const en = await offered({ lang: 'en-GB' }, { choices: [], delay_ms: 0 })
  await shown(en)
  assert.equal(parts(en).open.textContent, 'What brings you here today? 1 new message')
  const de = await offered({ lang: 'de' }, { choices: [], delay_ms: 0 })
  await shown(de)
  assert.equal(parts(de).open.textContent, 'Was führt Sie zu uns? 1 neue Nachricht')
})

test('offered once per session; a visitor who opened it finds it again, without the badge and at once', async () => {
  const page = await offered()
  await shown(page)
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: OFFER })
  await sleep(60)
  assert.equal(page.doc.querySelectorAll('lotse-chat').length, 1)
  const ignored = await offered({ session: { ...page.win.sessionStorage } })
  await sleep(60)
  assert.equal(ignored.$('lotse-chat'), null, 'offered and not taken up: not again')

  parts(page).open.click()
  assert.equal(page.win.sessionStorage.getItem('lotse.chat'), 'o')
  const next = await offered({ session: { ...page.win.sessionStorage } }, { ...OFFER, delay_ms: 5000 })
  await shown(next)
  const w = parts(next)
  assert.equal(w.badge, null)
  assert.equal(w.open.textContent, 'Was führt Sie zu uns? ')
})

test('opening moves focus to the first quick reply and takes the badge; Escape or the close button close', async () => {
  const page = await offered()
  await shown(page)
  const w = parts(page)
  w.open.click()
  assert.equal(w.dialog.hidden, false)
  assert.equal(w.open.getAttribute('aria-expanded'), 'true')
  assert.equal(w.root.activeElement, w.choices[0])
  assert.equal(w.root.querySelector('.badge'), null)
  assert.equal(w.open.textContent, 'Was führt Sie zu uns? ', 'read: no more unread message')
  escape(page, w.choices[0])
  assert.equal(w.dialog.hidden, true)
  assert.equal(w.open.getAttribute('aria-expanded'), 'false')
  assert.equal(w.root.activeElement, w.open)
  w.open.click()
  w.close.click()
  assert.equal(w.dialog.hidden, true)
  assert.equal(w.root.activeElement, w.open)
})

test('a quick reply sends its id, shows the answer as a bubble, and the bot types', async () => {
  const page = await offered()
  await shown(page)
  const w = parts(page)
  w.open.click()
  w.choices[1].click()
  assert.deepEqual(sentChats(page), [{ type: 'chat', choice: 'hcp' }])
  assert.deepEqual(bubbles(w), [
    ['bot', 'Was führt Sie zu uns?'],
    ['me', 'Ich arbeite im Gesundheitswesen'],
    ['bot typing', ''],
  ])
  assert.equal(w.root.querySelectorAll('.choices button').length, 0, 'answered: quick replies go')
  assert.equal(w.root.activeElement, w.input, 'focus stays in the dialog')
})

test('free text is sent trimmed; empty input sends nothing', async () => {
  const page = await offered()
  await shown(page)
  const w = parts(page)
  w.open.click()
  w.input.value = '   '
  w.form.dispatchEvent(new page.win.Event('submit', { bubbles: true, cancelable: true }))
  w.input.value = '  Ich suche Infos zu meinem Rezept  '
  w.form.dispatchEvent(new page.win.Event('submit', { bubbles: true, cancelable: true }))
  assert.deepEqual(sentChats(page), [{ type: 'chat', text: 'Ich suche Infos zu meinem Rezept' }])
  assert.equal(w.input.value, '')
  assert.equal(w.input.getAttribute('aria-label'), 'Ihre Antwort')
  assert.equal(w.input.getAttribute('maxlength'), '500')
})

test('say: after a short typing pause, as text only, announced, with its quick replies', async () => {
  const page = await offered()
  await shown(page)
  const w = parts(page)
  w.open.click()
  w.choices[0].click()
  page.socket.receive({
    type: 'say',
    text: 'Danke! <img src=x onerror=alert(1)> Meinen Sie:',
    choices: [{ id: 'rx', label: 'Rezept' }, { id: 7 }, { id: 'otc', label: 'Selbstmedikation' }],
  })
  assert.equal(w.log.querySelector('.typing') !== null, true, 'still typing')
  assert.equal(w.live.textContent, '')
  await sleep(TYPING_MS + 150)
  assert.equal(w.log.querySelector('.typing'), null)
  const last = [...w.log.querySelectorAll('p')].at(-1)
  assert.equal(last.textContent, 'Danke! <img src=x onerror=alert(1)> Meinen Sie:')
  assert.equal(last.className, 'bot')
  assert.equal(w.live.textContent, last.textContent, 'the live region announces the bot')
  assert.equal(w.log.querySelector('img'), null)
  const labels = [...w.root.querySelectorAll('.choices button')].map((b) => b.textContent)
  assert.deepEqual(labels, ['Rezept', 'Selbstmedikation'], 'malformed choices are skipped')
  assert.equal(w.log.lastElementChild.className, 'choices', 'pills under the message')
  page.socket.receive({ type: 'say', text: 'Alles klar.' })
  await sleep(5)
  assert.equal(w.root.querySelectorAll('.choices button').length, 0)
})

test('a labelled dialog with the site name, a polite live region, and every control labelled', async () => {
  const page = await offered({ head: '<title>Start – Acme Pharma</title>' })
  await shown(page)
  const w = parts(page)
  assert.equal(w.host.getAttribute('role'), 'complementary')
  assert.equal(w.host.getAttribute('aria-label'), 'Chat')
  assert.equal(w.live.getAttribute('aria-live'), 'polite')
  assert.equal(w.log.getAttribute('aria-live'), null, 'the visitor’s own words are not read back')
  assert.equal(w.root.getElementById(w.dialog.getAttribute('aria-labelledby')), w.title)
  assert.equal(w.title.textContent, 'Acme Pharma')
  assert.equal(w.open.getAttribute('aria-haspopup'), 'dialog')
  assert.equal(w.dismiss.getAttribute('aria-label'), 'Nicht mehr anzeigen')
  assert.equal(w.close.getAttribute('aria-label'), 'Schließen')
  assert.equal(w.optout.closest('label').textContent, 'Personalisierung aus')
  assert.equal(w.optout.getAttribute('role'), 'switch')
  for (const button of w.root.querySelectorAll('button')) {
    assert.ok(button.textContent.trim() || button.getAttribute('aria-label'), button.outerHTML)
  }
})

test('the header names the site: data-name, og:site_name, the title’s last part, the host', () => {
  const doc = (head, script = '') => makePage({ head, script }).doc
  assert.equal(siteName(doc('', '<script data-site="d" data-name="ACME"></script>')), 'ACME')
  assert.equal(siteName(doc('<meta property="og:site_name" content="Acme OG"><title>A | B</title>')), 'Acme OG')
  assert.equal(siteName(doc('<title>Kontakt | Acme Pharma</title>')), 'Acme Pharma')
  assert.equal(siteName(doc('<title>Acme</title>')), 'Acme')
  assert.equal(siteName(doc('')), 'www.example.de')
})

test('dismissing removes the widget and is remembered for the session', async () => {
  const page = await offered()
  await shown(page)
  parts(page).dismiss.click()
  assert.equal(page.$('lotse-chat'), null)
  assert.equal(page.win.sessionStorage.getItem('lotse.chat'), 'x')
  const next = await offered({ session: { ...page.win.sessionStorage } })
  await sleep(60)
  assert.equal(next.$('lotse-chat'), null, 'the file (cached for good) finds it dismissed')
})

test('the opt-out switch: optout sent, answers disabled, and back on with optin', async () => {
  const page = await offered()
  await shown(page)
  const w = parts(page)
  const first = page.socket
  w.open.click()
  w.optout.click()
  assert.equal(first.sent.at(-1).type, 'optout')
  assert.equal(page.win.localStorage.getItem('lotse.optout'), '1')
  assert.equal(w.optout.checked, true)
  assert.equal(w.form.hidden, true)
  assert.equal(w.root.querySelector('.choices').hidden, true)
  w.optout.click()
  assert.equal(page.win.localStorage.getItem('lotse.optout'), null)
  assert.equal(w.form.hidden, false)
  page.socket.open()
  assert.deepEqual(page.socket.types(), ['hello', 'optin'])
})

test('the switch follows lotse("optout") and lotse("optin") from the site', async () => {
  const page = await offered()
  await shown(page)
  page.win.lotse('optout')
  assert.equal(parts(page).optout.checked, true)
  page.win.lotse('optin')
  assert.equal(parts(page).optout.checked, false)
})

test('the widget is styled by a constructed stylesheet in its shadow root, not inline', async () => {
  const page = await offered()
  await shown(page)
  const host = page.$('lotse-chat')
  assert.equal(host.shadowRoot.adoptedStyleSheets.length, 1)
  assert.equal(page.doc.querySelectorAll('style').length, 1, 'only the test page’s own <style>')
  assert.equal(host.shadowRoot.querySelectorAll('[style]').length, 0)
  assert.equal(host.getAttribute('style'), null)
})

test('a chat file that fails to load changes nothing else: swaps go on, nothing throws', async () => {
  const page = await offered({ chat: 'fail' }, { ...OFFER, delay_ms: 0 })
  await sleep(20)
  assert.equal(page.scripts.length, 1)
  assert.equal(page.$('lotse-chat'), null)
  const hero = page.$('[data-lotse-slot=hero]')
  page.intersect(hero, 0)
  page.socket.receive({ type: 'swap', slot: 'hero', variant: 'v', html: '<p class="v">V</p>', reason: 'r' })
  page.socket.receive({ type: 'say', text: 'ignored' })
  assert.equal(hero.querySelector('.v').textContent, 'V')
  assert.deepEqual(page.errors, [])
})

test('one file for all it carries: the privacy panel, the chat and the dataLayer wait for the same load, in order', async () => {
  const page = makePage({
    body: BODY + '<footer><a id="p" href="#" data-lotse-privacy>Personalisierung</a></footer>',
    script: '<script data-site="demo" data-flicker-ms="0" data-datalayer src="https://lotse.example.net/lotse.js"></script>',
  })
  boot(page.win)
  await page.ready()
  page.socket.open()
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: { ...OFFER, delay_ms: 0 } })
  page.intersect(page.$('[data-lotse-slot=hero]'), 0)
  page.socket.receive({ type: 'swap', slot: 'hero', variant: 'v', html: '<p>V</p>', reason: 'r' })
  page.$('#p').click()
  assert.equal(page.$('lotse-privacy'), null, 'the file is on the way')
  await shown(page)
  assert.equal(page.scripts.length, 1)
  assert.ok(page.$('lotse-privacy'))
  assert.deepEqual(JSON.parse(JSON.stringify(page.win.dataLayer)), [{ event: 'lotse_swap', lotse_slot: 'hero', lotse_variant: 'v' }])
  // Loaded: the next job runs at once.
  page.$('#p').click()
  assert.equal(page.$('lotse-privacy'), null)
  assert.deepEqual(page.errors, [])
})
