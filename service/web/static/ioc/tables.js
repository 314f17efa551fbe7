// The IOC dashboard: the tables panel (see templates/_ioc_tables.html).
// Sorting by a column's heading (a button, so the keyboard reaches it; aria-sort says the
// order), kept when the panel is fetched again on a change the live stream reports.
"use strict";

(function () {
  const names = new Intl.Collator("vi", { sensitivity: "base", numeric: true });
  // What the reader chose last: kept across refreshes (the table is swapped whole).
  let chosen = null;

  function compare(kind, a, b) {
    if (kind === "number") {
      // Rows without a figure ("—") go last whichever the direction.
      if (a === "" || b === "") return a === b ? 0 : a === "" ? Infinity : -Infinity;
      return Number(a) - Number(b);
    }
    return names.compare(a, b);
  }

  function sort(table, key, direction) {
    const heading = table.querySelector(`th[data-key="${key}"]`);
    if (!heading) return;
    const kind = heading.querySelector("button").dataset.sort;
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).filter((row) => row.dataset.code);
    const value = (row) => row.querySelector(`td[data-key="${key}"]`).dataset.value;
    const sign = direction === "ascending" ? 1 : -1;
    rows.sort((x, y) => {
      const order = compare(kind, value(x), value(y));
      if (!Number.isFinite(order)) return order > 0 ? 1 : -1;
      return sign * order || names.compare(x.dataset.code, y.dataset.code);
    });
    rows.forEach((row) => body.appendChild(row));
    table.querySelectorAll("th[data-key]").forEach((th) => {
      if (th === heading) th.setAttribute("aria-sort", direction);
      else th.removeAttribute("aria-sort");
    });
  }

  function wire(panel) {
    const table = panel.querySelector("table[data-sortable]");
    if (table) {
      table.querySelectorAll("th[data-key] button").forEach((button) => {
        button.addEventListener("click", () => {
          const th = button.closest("th");
          const now = th.getAttribute("aria-sort");
          // Names start A→Z, figures largest first; a second press turns the order round.
          const first = button.dataset.sort === "text" ? "ascending" : "descending";
          const direction = now ? (now === "ascending" ? "descending" : "ascending") : first;
          chosen = { key: th.dataset.key, direction };
          sort(table, chosen.key, direction);
        });
      });
      if (chosen) sort(table, chosen.key, chosen.direction);
    }
    // Typing a date means the chosen range.
    const form = panel.querySelector("form[data-test='ioc-filters']");
    if (form) {
      form.querySelectorAll("input[type=date]").forEach((input) => {
        input.addEventListener("change", () => { form.elements.period.value = "range"; });
      });
    }
  }

  let refreshing = null;
  async function refresh() {
    const panel = document.getElementById("ioc-tables");
    if (!panel) return;
    // A refresh already under way answers this change too, when it ends.
    if (refreshing) { refreshing.again = true; return; }
    refreshing = { again: false };
    try {
      const response = await fetch(panel.dataset.refresh, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("ioc-tables");
        const current = document.getElementById("ioc-tables");
        // A form being filled in is not swapped from under the reader's hands.
        if (fresh && current && !current.querySelector("form").contains(document.activeElement)) {
          current.replaceWith(fresh);
          wire(fresh);
          fresh.dataset.refreshed = String(Date.now());
        }
      }
    } catch (error) {
      // The server is restarting: the next change tries again.
    } finally {
      const again = refreshing.again;
      refreshing = null;
      if (again) refresh();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const panel = document.getElementById("ioc-tables");
    if (panel) wire(panel);
  });
  document.addEventListener("phananh:changed", refresh);
})();
