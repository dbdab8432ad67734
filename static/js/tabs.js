// Tabs after the WAI-ARIA tab pattern: one tab in the tab order, arrow keys / Home / End move
// between tabs and select them, each tab controls its panel.

export function wireTabs(tablist, onSelect = () => {}) {
  const tabs = [...tablist.querySelectorAll("[role=tab]")];
  const select = (tab, focus) => {
    for (const x of tabs) {
      const on = x === tab;
      x.setAttribute("aria-selected", String(on));
      x.setAttribute("tabindex", on ? "0" : "-1");
      const panel = document.getElementById(x.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    }
    if (focus) tab.focus();
    onSelect(tab.dataset.tab);
  };
  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(tab);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to == null) return;
      e.preventDefault();
      e.stopPropagation();
      select(tabs[(to + tabs.length) % tabs.length], true);
    });
  }
  return { select: (name) => select(tabs.find((x) => x.dataset.tab === name) || tabs[0], false) };
}
