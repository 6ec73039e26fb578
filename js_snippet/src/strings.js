/**
 * The few words the core shows itself, in German and English (the chat
 * widget has its own, in chat.js). Everything else (reasons, chat replies,
 * the preview banner) comes from the server in the visitor's language. Any
 * language other than German gets English: British spelling, as on the
 * demo site ("personalisation"), one spelling throughout.
 */

const DE = {
  why: 'Warum sehe ich das?',
  off: 'Personalisierung aus',
  privacy: 'Personalisierung',
  about: 'Einige Inhalte dieser Website passen sich Ihrem Besuch an, ohne Cookies.',
  close: 'Schließen',
}

const EN = {
  why: 'Why am I seeing this?',
  off: 'Personalisation off',
  privacy: 'Personalisation',
  about: 'Some content on this website adapts to your visit, without cookies.',
  close: 'Close',
}

/** @typedef {typeof EN} Strings */

/**
 * @param {string | undefined} lang two-letter code from `<html lang>`
 * @returns {Strings}
 */
export const stringsFor = (lang) => (lang === 'de' ? DE : EN)
