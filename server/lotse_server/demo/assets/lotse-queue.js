/* Lotse queue stub: lets the page call lotse(...) before /lotse.js has loaded.
   The snippet replays the queued calls (window.lotse.q) when it starts. */
window.lotse = window.lotse || function () {
  (window.lotse.q = window.lotse.q || []).push(arguments)
}
