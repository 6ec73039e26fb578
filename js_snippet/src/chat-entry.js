/**
 * Build entry of the chat's file (dist/lotse-chat.min.js): hands the chat
 * widget, the privacy panel and the preview banner to the core that loaded
 * it (index.js, `load`). Loaded on its own, without the core, it does nothing.
 */
import { createParts } from './lazy.js'

const lotse = /** @type {any} */ (window).lotse
if (lotse && lotse._w) lotse._w(createParts())
