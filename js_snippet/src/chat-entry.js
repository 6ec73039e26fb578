/**
 * Build entry of the chat widget's file (dist/lotse-chat.min.js): hands the
 * widget to the core that loaded it (index.js, `offerChat`). Loaded on its
 * own, without the core, it does nothing.
 */
import { mount } from './chat.js'

const lotse = /** @type {any} */ (window).lotse
if (lotse && lotse._w) lotse._w(mount)
