// The confirmation page after paying: asks the server every few seconds whether
// Stripe's webhook has landed, and shows the member's standing as soon as it has.
(function () {
  "use strict";
  var box = document.getElementById("checkout-status");
  if (!box || box.dataset.confirmed === "true") return;
  var url = box.dataset.statusUrl;
  var tries = 0;
  var maxTries = 90;

  function paragraph(text, className) {
    var p = document.createElement("p");
    if (className) p.className = className;
    p.textContent = text;
    return p;
  }

  function showConfirmed(status) {
    var lead = paragraph("", "lead");
    var badge = document.createElement("span");
    badge.className = "badge badge-" + status.standing;
    badge.textContent = status.standing_label;
    lead.appendChild(badge);
    // The words come from the server, translated: a renewal is greeted as a renewal.
    lead.appendChild(document.createTextNode(" " + status.greeting));
    // The page holds its words translated: this script writes none of its own.
    box.replaceChildren(lead, paragraph(box.dataset.receiptText));
    box.dataset.confirmed = "true";
  }

  function showSlow() {
    box.replaceChildren(paragraph(box.dataset.slowText, "lead"));
  }

  function ask() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.confirmed) return showConfirmed(status);
        if (tries >= maxTries) return showSlow();
        window.setTimeout(ask, tries < 10 ? 1500 : 4000);
      })
      .catch(function () {
        if (tries >= maxTries) return showSlow();
        window.setTimeout(ask, 4000);
      });
  }

  window.setTimeout(ask, 1000);
})();
