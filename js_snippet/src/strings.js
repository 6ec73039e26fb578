/**
 * The few words the core shows itself, in German and English (the chat
 * widget and the privacy panel have their own, in chat.js and panels.js).
 * Everything else (reasons, chat replies, the preview banner) comes from the
 * server in the visitor's language. Any language other than German gets
 * English: British spelling, as on the demo site ("personalisation"), one
 * spelling throughout.
 */

const DE = {
  why: 'Warum sehe ich das?',
  off: 'Personalisierung aus',
}

const EN = {
  why: 'Why am I seeing this?',
  off: 'Personalisation off',
}

/** @typedef {typeof EN} Strings */

/**
 * @param {string | undefined} lang two-letter code from `<html lang>`
 * @returns {Strings}
 */
export const stringsFor = (lang) => (lang == 'de' ? DE : EN)
