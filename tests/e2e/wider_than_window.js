// Elements that stick out past the right edge of the window outside any box that scrolls
// or clips them, so that the page itself scrolls sideways. The first five, as selectors.
() => {
  const limit = document.documentElement.clientWidth + 1;
  const inScrollingBox = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(box).overflowX)) return true;
    }
    return false;
  };
  const name = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\s+/).filter(Boolean) : [];
    return el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") + classes.map((c) => `.${c}`).join("");
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > limit && !inScrollingBox(el)) found.push(name(el));
  }
  return found.slice(0, 5);
}
