/**
 * The few words the snippet shows itself, in German and English. Everything
 * else (the chat prompt, replies, reasons) comes from the server in the
 * visitor's language. Any language other than German gets English.
 */

const DE = {
  prompt: 'Was führt Sie zu uns?',
  why: 'Warum sehe ich das?',
  off: 'Personalisierung aus',
  dismiss: 'Nicht mehr anzeigen',
  answer: 'Ihre Antwort',
  send: 'Senden',
}

const EN = {
  prompt: 'What brings you here today?',
  why: 'Why am I seeing this?',
  off: 'Personalization off',
  dismiss: 'Do not show again',
  answer: 'Your answer',
  send: 'Send',
}

/** @typedef {typeof EN} Strings */

/**
 * @param {string | undefined} lang two-letter code from `<html lang>`
 * @returns {Strings}
 */
export const stringsFor = (lang) => (lang === 'de' ? DE : EN)
