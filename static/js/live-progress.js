// Progress of a fan-out (invitations, messages, reminders) that updates on its own.
// Each element with data-live-progress="<url>" is refreshed from that URL, a staff-only
// GET fragment that changes nothing, every few seconds while any part of the page says
// it is still sending (data-running). The fragment holds an element with the same id
// for each part. Without script the page shows a plain "Reload" link instead.
(function () {
  "use strict";

  var EVERY_MS = 3000;
  var parts = document.querySelectorAll("[data-live-progress]");
  if (!parts.length || !window.fetch || !window.DOMParser) {
    return;
  }

  function stillRunning() {
    return document.querySelector("[data-running]:not([data-running=\"false\"])") !== null;
  }

  function refresh() {
    var url = parts[0].getAttribute("data-live-progress");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        parts.forEach(function (part) {
          var found = fresh.getElementById(part.id);
          if (found) {
            part.innerHTML = found.innerHTML;
            part.dispatchEvent(new CustomEvent("societas:replaced", { bubbles: true }));
          }
        });
        schedule();
      })
      .catch(function () {
        // Signed out or offline: leave the page as it is, with its reload link.
      });
  }

  function schedule() {
    if (stillRunning()) {
      window.setTimeout(refresh, EVERY_MS);
    }
  }

  schedule();
})();
