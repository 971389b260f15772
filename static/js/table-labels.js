// Label each cell of a data table with the header of its column (data-label), so that
// on a narrow screen, where phone.css lays each row out as a card, no value is a bare
// number. One script for every table: a header is written once, in the <thead>, and a
// new table is labelled without anyone remembering to. Without it a table keeps its
// columns and headers on a phone and scrolls within its box.
(function () {
  "use strict";

  function columnLabels(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) {
      return null;
    }
    var labels = [];
    Array.prototype.forEach.call(head.rows[head.rows.length - 1].cells, function (cell) {
      var text = cell.textContent.replace(/\s+/g, " ").trim();
      for (var span = 0; span < cell.colSpan; span += 1) {
        labels.push(text);
      }
    });
    return labels;
  }

  function label(table) {
    var labels = columnLabels(table);
    if (!labels) {
      return;
    }
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.colSpan >= labels.length) {
            cell.classList.add("cell-whole-row"); // "Nobody yet": a message, not a value
          } else if (cell.tagName === "TD" && labels[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", labels[column]);
          }
          column += cell.colSpan;
        });
      });
    });
    table.classList.add("labelled");
  }

  document.querySelectorAll("table.table:not(.keep-columns)").forEach(label);
  // Parts of a page that are replaced in place (live-progress.js) say so with this event.
  document.addEventListener("societas:replaced", function (event) {
    event.target.querySelectorAll("table.table:not(.keep-columns)").forEach(label);
  });
})();
