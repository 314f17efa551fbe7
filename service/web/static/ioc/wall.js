// The IOC's video wall (templates/ioc_wall.html): one panel at a time, in turn, every
// `?every=` seconds, with no one at the keyboard. It must outlive a server restart: the live
// stream reconnects by itself (EventSource), and once per turn of the panels the wall fetches
// itself again and takes the fresh figures from it; a fetch that fails is retried, later and
// later, while the panels keep turning on what they last had.
"use strict";

(function () {
  const body = document.body;
  if (!body.classList.contains("ioc-wall")) return;
  const every = Math.max(2, Number(body.dataset.every) || 20) * 1000;
  const panels = Array.from(document.querySelectorAll("[data-wall-panel]"));
  const offline = document.querySelector("[data-wall-offline]");
  const clock = document.querySelector("[data-wall-clock]");
  const lang = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  let shown = 0;

  function show(index) {
    panels.forEach((panel, i) => panel.classList.toggle("is-shown", i === index));
    body.dataset.wallShown = panels[index].dataset.wallPanel;
    // Charts and the map measure themselves again now they are in view.
    document.dispatchEvent(new CustomEvent("phananh:shown"));
    window.dispatchEvent(new Event("resize"));
  }

  function tick() {
    clock.textContent = time.format(new Date());
  }

  // Takes the panels that have no live refresh of their own out of a fresh copy of the wall.
  function take(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html");
    for (const region of document.querySelectorAll("[data-wall-refresh], #summary")) {
      const selector = region.id ? `#${region.id}` : `[data-wall-refresh="${region.dataset.wallRefresh}"]`;
      const replacement = fresh.querySelector(selector);
      if (replacement) region.innerHTML = replacement.innerHTML;
    }
  }

  let retry = null;
  async function refresh(wait = 2000) {
    clearTimeout(retry);
    try {
      const answer = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
      // Sent to the login page: the session ended. Reload after a pause, which logs in again
      // if the login can be renewed and otherwise shows why the wall stopped.
      if (answer.redirected && new URL(answer.url).pathname === "/web/login") {
        setTimeout(() => window.location.reload(), 10000);
        return;
      }
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      take(await answer.text());
      offline.hidden = true;
      body.dataset.wallRefreshed = String(Number(body.dataset.wallRefreshed || 0) + 1);
      // The charts (charts.js) and the map fetch their own figures on this.
      document.dispatchEvent(new CustomEvent("phananh:changed"));
    } catch (error) {
      offline.hidden = false;
      retry = setTimeout(() => refresh(Math.min(wait * 2, 60000)), wait);
    }
  }

  show(shown);
  tick();
  setInterval(tick, 1000);
  setInterval(() => {
    shown = (shown + 1) % panels.length;
    show(shown);
    if (shown === 0) refresh();
  }, every);
})();
