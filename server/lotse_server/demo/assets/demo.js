/* Lotse Demo Pharma: the demo professional login and the consent buttons.
   A same-origin file, so the pages run under script-src 'self' with no inline script. */
(function () {
  'use strict'

  var CONSENT_KEY = 'demo-pharma.consent'

  function storage () {
    try { return window.localStorage } catch (e) { return null }
  }

  /* The site's own "consent manager": remembers the choice and tells Lotse on every page. */
  function consent () {
    var store = storage()
    var status = document.getElementById('consent-status')
    var show = function (value) {
      if (status) status.textContent = status.getAttribute(value === '1' ? 'data-yes' : 'data-no')
    }
    var choice = store && store.getItem(CONSENT_KEY)
    if (choice === '1') window.lotse('consent', true)
    if (choice) show(choice)
    var bind = function (id, value) {
      var button = document.getElementById(id)
      if (!button) return
      button.addEventListener('click', function () {
        if (store) store.setItem(CONSENT_KEY, value)
        window.lotse('consent', value === '1')
        show(value)
      })
    }
    bind('consent-yes', '1')
    bind('consent-no', '0')
  }

  /* Demo professional login: a real site's login (e.g. DocCheck) would hand over the
     signed assertion after checking a licence; the demo endpoint signs one for anybody. */
  function login () {
    var button = document.getElementById('demo-login')
    var status = document.getElementById('demo-login-status')
    if (!button || !window.fetch) return
    button.addEventListener('click', function () {
      button.disabled = true
      window.fetch('/demo/login', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      }).then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status)
        return response.json()
      }).then(function (data) {
        window.lotse('verified', data.assertion)
        button.textContent = button.getAttribute('data-done')
      }).catch(function () {
        button.disabled = false
        if (status) status.textContent = button.getAttribute('data-failed')
      })
    })
  }

  consent()
  login()
})()
