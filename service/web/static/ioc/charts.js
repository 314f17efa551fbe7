// The IOC dashboard: the charts panel (see templates/_ioc_charts.html), drawn with Apache
// ECharts' SVG renderer, so that axes and series are elements a test (and a screen reader's
// inspector) can find. The page carries the period and the words; the figures come from
// charts.json at once and again on each change the live stream reports, for the same period,
// and a failed fetch is retried.
"use strict";

(function () {
  const source = document.getElementById("ioc-charts-data");
  if (!source || !window.echarts) return;

  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  const locale = lang === "en" ? "en-GB" : "vi-VN";
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const one = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  // The wall (templates/ioc_wall.html) is dark and read from across a room.
  const wall = document.body.classList.contains("ioc-wall");
  const type = wall ? 22 : 12;

  let data = JSON.parse(source.textContent);
  const charts = {};

  function dayLabel(iso) {
    const [, m, d] = iso.split("-");
    return `${d}/${m}`;
  }
  function fullDay(iso) {
    const [y, m, d] = iso.split("-");
    return `${d}/${m}/${y}`;
  }
  function percent(value) {
    return value == null ? data.text.none : `${one.format(value)} %`;
  }
  // Working hours to the nearest minute, as the tables say them ("12 giờ 57 phút làm việc",
  // service/core/numbers.working_time), never "12,95"; the axis keeps decimal hours.
  function workingTime(value) {
    if (value == null) return data.text.none;
    const minutes = Math.round(value * 60);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    const parts = h ? [`${whole.format(h)} ${data.text.hour}`] : [];
    if (m || !h) parts.push(`${m} ${data.text.minute}`);
    return `${parts.join(" ")} ${data.text.working}`;
  }
  function rate(p) {
    return p.handled ? Math.round((p.on_time / p.handled) * 1000) / 10 : null;
  }
  function row(name, value, color) {
    const mark = color ? `<span class="ioc-charts-key" style="background:${color}"></span>` : "";
    return `<div>${mark}${name}: <b>${value}</b></div>`;
  }

  function base(categories, unit, formatter) {
    return {
      backgroundColor: "transparent",
      animation: false,
      textStyle: { fontSize: type },
      grid: { left: 12, right: 16, top: wall ? 64 : 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", formatter, textStyle: { fontSize: type } },
      xAxis: { type: "category", data: categories, axisLabel: { fontSize: type } },
      yAxis: {
        type: "value",
        name: unit,
        nameTextStyle: { fontSize: type, align: "left" },
        minInterval: 1,
        axisLabel: { fontSize: type, formatter: (v) => one.format(v) },
      },
      legend: { top: 0, textStyle: { fontSize: type } },
    };
  }

  function options() {
    const t = data.text;
    const days = data.days.map((p) => dayLabel(p.start));
    const weeks = data.weeks.map((p) => dayLabel(p.start));
    const dayTitle = (i) => `<b>${fullDay(data.days[i].start)}</b>`;
    const weekTitle = (i) => `<b>${t.week_of} ${fullDay(data.weeks[i].start)}</b>`;
    return {
      flow: Object.assign(base(days, t.reports, (items) => {
        const p = data.days[items[0].dataIndex];
        return dayTitle(items[0].dataIndex) + row(t.intake, whole.format(p.intake), items[0].color)
          + row(t.handled, whole.format(p.handled), items[1] && items[1].color);
      }), {
        series: [
          { name: t.intake, type: "bar", data: data.days.map((p) => p.intake) },
          { name: t.handled, type: "bar", data: data.days.map((p) => p.handled) },
        ],
      }),
      backlog: Object.assign(base(days, t.reports, (items) => {
        const p = data.days[items[0].dataIndex];
        return dayTitle(items[0].dataIndex) + row(t.backlog, whole.format(p.backlog), items[0].color);
      }), {
        series: [{ name: t.backlog, type: "line", areaStyle: { opacity: 0.15 }, data: data.days.map((p) => p.backlog) }],
      }),
      "on-time": Object.assign(base(weeks, "%", (items) => {
        const p = data.weeks[items[0].dataIndex];
        return weekTitle(items[0].dataIndex) + row(t.on_time, percent(rate(p)), items[0].color)
          + row(t.handled, `${whole.format(p.on_time)} / ${whole.format(p.handled)}`);
      }), {
        series: [{ name: t.on_time, type: "line", connectNulls: false, data: data.weeks.map(rate) }],
      }),
      hours: Object.assign(base(weeks, t.hours, (items) => {
        const p = data.weeks[items[0].dataIndex];
        return weekTitle(items[0].dataIndex) + row(t.median, workingTime(p.median_hours), items[0].color)
          + row(t.handled, whole.format(p.handled));
      }), {
        series: [{ name: t.median, type: "bar", data: data.weeks.map((p) => p.median_hours) }],
      }),
    };
  }

  function draw() {
    const all = options();
    for (const element of document.querySelectorAll("[data-chart]")) {
      const name = element.dataset.chart;
      if (!all[name]) continue;
      if (!charts[name]) {
        charts[name] = echarts.init(element, wall ? "dark" : null, { renderer: "svg" });
      }
      const option = all[name];
      if (name === "on-time") option.yAxis.max = 100;
      charts[name].setOption(option, true);
      element.dataset.drawn = String(data.days.length + data.weeks.length);
    }
  }

  // Each failed fetch waits longer before the next, up to half a minute: a restarting server
  // is not hammered, and a wall left alone catches up by itself.
  // Changes come in bursts; only the last one asked for may draw (an older, slower answer
  // arriving after it would put the charts back in the past).
  let retry = null;
  let asked = 0;
  async function refresh(wait = 1000) {
    clearTimeout(retry);
    const ticket = ++asked;
    try {
      const answer = await fetch(source.dataset.src + window.location.search, { headers: { Accept: "application/json" } });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      const fresh = await answer.json();
      if (ticket !== asked) return;
      data = fresh;
      draw();
      document.dispatchEvent(new CustomEvent("phananh:charts-drawn"));
    } catch (error) {
      if (ticket === asked) retry = setTimeout(() => refresh(Math.min(wait * 2, 30000)), wait);
    }
  }

  // The page carries the frame only: the series come by charts.json, asked for at once.
  if (data.days) draw(); else refresh();
  document.addEventListener("phananh:changed", () => refresh());
  // A chart drawn while hidden (a wall panel not yet shown) has no size: measure again.
  document.addEventListener("phananh:shown", () => Object.values(charts).forEach((c) => c.resize()));
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
})();
