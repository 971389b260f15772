// The page of an import being applied: every few seconds it fetches itself again and
// puts the new progress in place (the section is a polite live region), until the
// import and its invitations have finished. Without JavaScript, the "Show progress" link.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.running !== "true") return;
  var tries = 0;

  function poll() {
    tries += 1;
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("import-progress");
        if (!fresh) return;
        box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
        box.dataset.running = fresh.dataset.running;
        if (fresh.dataset.running === "true" && tries < 600) window.setTimeout(poll, 3000);
      })
      .catch(function () { if (tries < 600) window.setTimeout(poll, 10000); });
  }

  window.setTimeout(poll, 3000);
})();
