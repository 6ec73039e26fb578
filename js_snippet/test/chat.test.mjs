/**
 * The chat widget in a page (jsdom): offer timing, once per session,
 * quick replies and free text, text-only replies, keyboard and focus,
 * dismissal, and the opt-out switch.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
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

async function offered(options = {}, chat = OFFER) {
  const page = makePage({ body: '<main><p>Inhalt</p></main>', ...options })
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
    open: root.querySelector('.open'),
    dialog: root.querySelector('[role=dialog]'),
    log: root.querySelector('[role=log]'),
    choices: [...root.querySelectorAll('.choices button')],
    input: root.querySelector('input[type=text]'),
    form: root.querySelector('form'),
    optout: root.querySelector('input[type=checkbox]'),
    dismiss: root.querySelector('.launch button:last-child'),
  }
}
const sentChats = (page) => page.socket.sent.filter((m) => m.type === 'chat')

test('offered only after delay_ms, as a launcher in the corner with the prompt', async () => {
  const page = await offered()
  assert.equal(page.$('lotse-chat'), null, 'not before the delay')
  await sleep(50)
  const w = parts(page)
  assert.equal(w.open.textContent, 'Was führt Sie zu uns?')
  assert.equal(w.open.getAttribute('aria-expanded'), 'false')
  assert.ok(w.dialog.hidden)
  assert.equal(page.win.sessionStorage.getItem('lotse.chat'), '1')
})

test('no chat when welcome.chat is null', async () => {
  const page = await offered({}, null)
  await sleep(50)
  assert.equal(page.$('lotse-chat'), null)
})

test('the default prompt follows <html lang> when the server sends none', async () => {
  const en = await offered({ lang: 'en-GB' }, { choices: [], delay_ms: 0 })
  await sleep(10)
  assert.equal(parts(en).open.textContent, 'What brings you here today?')
  const de = await offered({ lang: 'de' }, { choices: [], delay_ms: 0 })
  await sleep(10)
  assert.equal(parts(de).open.textContent, 'Was führt Sie zu uns?')
})

test('at most once per session: not offered again on the next page', async () => {
  const page = await offered()
  await sleep(50)
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: OFFER })
  await sleep(50)
  assert.equal(page.doc.querySelectorAll('lotse-chat').length, 1)
  const next = await offered({ session: { ...page.win.sessionStorage } })
  await sleep(50)
  assert.equal(next.$('lotse-chat'), null)
})

test('opening moves focus to the first quick reply; Escape closes and returns focus', async () => {
  const page = await offered()
  await sleep(50)
  const w = parts(page)
  w.open.click()
  assert.equal(w.dialog.hidden, false)
  assert.equal(w.open.getAttribute('aria-expanded'), 'true')
  assert.equal(w.root.activeElement, w.choices[0])
  w.choices[0].dispatchEvent(new page.win.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
  assert.equal(w.dialog.hidden, true)
  assert.equal(w.open.getAttribute('aria-expanded'), 'false')
  assert.equal(w.root.activeElement, w.open)
})

test('a quick reply sends its id and shows the visitor’s answer', async () => {
  const page = await offered()
  await sleep(50)
  const w = parts(page)
  w.open.click()
  w.choices[1].click()
  assert.deepEqual(sentChats(page), [{ type: 'chat', choice: 'hcp' }])
  const lines = [...w.log.querySelectorAll('p')].map((p) => [p.className, p.textContent])
  assert.deepEqual(lines, [
    ['bot', 'Was führt Sie zu uns?'],
    ['me', 'Ich arbeite im Gesundheitswesen'],
  ])
  assert.equal(w.root.querySelectorAll('.choices button').length, 0, 'answered: quick replies go')
})

test('free text is sent trimmed; empty input sends nothing', async () => {
  const page = await offered()
  await sleep(50)
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

test('say: shown as text only, with its quick replies', async () => {
  const page = await offered()
  await sleep(50)
  const w = parts(page)
  w.open.click()
  page.socket.receive({
    type: 'say',
    text: 'Danke! <img src=x onerror=alert(1)> Meinen Sie:',
    choices: [{ id: 'rx', label: 'Rezept' }, { id: 7 }, { id: 'otc', label: 'Selbstmedikation' }],
  })
  const last = w.log.lastElementChild
  assert.equal(last.textContent, 'Danke! <img src=x onerror=alert(1)> Meinen Sie:')
  assert.equal(w.log.querySelector('img'), null)
  const labels = [...w.root.querySelectorAll('.choices button')].map((b) => b.textContent)
  assert.deepEqual(labels, ['Rezept', 'Selbstmedikation'], 'malformed choices are skipped')
  page.socket.receive({ type: 'say', text: 'Alles klar.' })
  assert.equal(w.root.querySelectorAll('.choices button').length, 0)
})

test('the log is a polite live region and every control is labelled', async () => {
  const page = await offered()
  await sleep(50)
  const w = parts(page)
  assert.equal(w.log.getAttribute('aria-live'), 'polite')
  assert.equal(w.dialog.getAttribute('aria-label'), 'Was führt Sie zu uns?')
  assert.equal(w.dismiss.getAttribute('aria-label'), 'Nicht mehr anzeigen')
  assert.equal(w.optout.closest('label').textContent, 'Personalisierung aus')
  assert.equal(w.optout.getAttribute('role'), 'switch')
  for (const button of w.root.querySelectorAll('button')) {
    assert.ok(button.textContent.trim() || button.getAttribute('aria-label'), button.outerHTML)
  }
})

test('dismissing removes the widget for the rest of the session', async () => {
  const page = await offered()
  await sleep(50)
  parts(page).dismiss.click()
  assert.equal(page.$('lotse-chat'), null)
  page.socket.receive({ type: 'welcome', token: 'tok', optout: false, chat: OFFER })
  await sleep(50)
  assert.equal(page.$('lotse-chat'), null)
})

test('the opt-out switch: optout sent, answers disabled, and back on with optin', async () => {
  const page = await offered()
  await sleep(50)
  const w = parts(page)
  const first = page.socket
  w.open.click()
  w.optout.click()
  assert.equal(first.sent.at(-1).type, 'optout')
  assert.equal(page.win.localStorage.getItem('lotse.optout'), '1')
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
  await sleep(50)
  page.win.lotse('optout')
  assert.equal(parts(page).optout.checked, true)
  page.win.lotse('optin')
  assert.equal(parts(page).optout.checked, false)
})

test('the widget is styled by a constructed stylesheet in its shadow root, not inline', async () => {
  const page = await offered()
  await sleep(50)
  const host = page.$('lotse-chat')
  assert.equal(host.shadowRoot.adoptedStyleSheets.length, 1)
  assert.equal(page.doc.querySelectorAll('style').length, 1, 'only the test page’s own <style>')
  assert.equal(host.shadowRoot.querySelectorAll('[style]').length, 0)
  assert.equal(host.getAttribute('style'), null)
})
