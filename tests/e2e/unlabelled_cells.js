// The table values a person sees with no label beside or above them: no data-label shown
// by ::before, no header cell in the row, no visible column header above, and not a
// message spanning the whole row ("Nobody has said yes yet"). Each as its first 40 letters.
() => {
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 2 && box.height > 2;
  };
  const hasText = (el) => el.innerText.trim() !== "";
  const columnHeader = (table, column) => {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    let at = 0;
    for (const th of head ? head.cells : []) {
      if (at <= column && column < at + th.colSpan) return th;
      at += th.colSpan;
    }
    return null;
  };
  const width = (table) => {
    const rows = table.tHead ? [...table.tHead.rows] : [];
    return Math.max(0, ...rows.map((row) => [...row.cells].reduce((n, cell) => n + cell.colSpan, 0)));
  };
  const found = [];
  for (const cell of document.querySelectorAll("main td")) {
    if (!shown(cell) || !hasText(cell)) continue;
    const before = getComputedStyle(cell, "::before").content;
    if (before && !["none", "normal", '""'].includes(before)) continue;
    const row = cell.parentElement;
    if ([...row.cells].some((other) => other.tagName === "TH" && shown(other) && hasText(other))) continue;
    const table = cell.closest("table");
    if (cell.colSpan > 1 && cell.colSpan >= width(table)) continue;
    let column = 0;
    for (const other of row.cells) {
      if (other === cell) break;
      column += other.colSpan;
    }
    const header = columnHeader(table, column);
    if (header && shown(header) && hasText(header)) continue;
    found.push(cell.innerText.trim().replace(/\s+/g, " ").slice(0, 40));
  }
  return found;
}
