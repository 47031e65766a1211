// Keyboard shortcuts of the screening card and the CSRF header of htmx requests (no build step).
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.body.dataset.csrf;
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    var card = document.getElementById("card");
    if (!card || busy) { return; }
    var button = card.querySelector('button[data-key="' + event.key.toLowerCase() + '"]');
    if (!button) { return; }
    event.preventDefault();
    button.click();
  });
  // one decision per key press: keys wait until htmx has swapped in the next record (a flag on <body>, not on
  // the card, because htmx settles a swapped element's attributes from the old one for a moment)
  var busy = false;
  document.addEventListener("htmx:beforeRequest", function () {
    busy = true;
    document.body.classList.add("busy");
  });
  function done() {
    busy = false;
    document.body.classList.remove("busy");
  }
  document.addEventListener("htmx:afterSwap", done);
  document.addEventListener("htmx:responseError", done);
  document.addEventListener("htmx:sendError", done);
})();
