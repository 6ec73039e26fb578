/**
 * The words of the "why" control and of the opt-out switch, in German and
 * English: the server sends the "why" control's in `welcome.why` (the build
 * writes them to dist/lotse-why.json), and the chat's file has them for the
 * switch in the chat and in the privacy panel (which work without the
 * server). The chat widget and the privacy panel have more words of their
 * own (chat.js, panels.js). Everything else (reasons, chat replies, the
 * preview banner) comes from the server in the visitor's language. Any
 * language other than German gets English: British spelling, as on the demo
 * site ("personalisation"), one spelling throughout.
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
