// A long form's summary follows what is typed: each element marked data-summary="<field id>"
// shows that field's value (a list's chosen label), or data-summary-empty when it is blank.
(function () {
  "use strict";
  function shown(field) {
    if (field.tagName === "SELECT") {
      var option = field.options[field.selectedIndex];
      return option ? option.text : "";
    }
    if (field.type === "datetime-local" && field.value) {
      var moment = new Date(field.value);
      if (!isNaN(moment)) {
        return moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      }
    }
    return field.value.trim();
  }
  document.querySelectorAll("[data-summary]").forEach(function (target) {
    var field = document.getElementById(target.getAttribute("data-summary"));
    if (!field) {
      return;
    }
    var empty = target.getAttribute("data-summary-empty") || "Not given yet";
    function update() {
      target.textContent = shown(field) || empty;
    }
    field.addEventListener("input", update);
    field.addEventListener("change", update);
  });
})();
