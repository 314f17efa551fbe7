// The console's behaviour: live refresh from the SSE stream, and maps drawn from our own
// GeoJSON (ward outlines need no tile server; one is added only when configured).
"use strict";

function liveRefresh() {
  const region = document.querySelector("[data-live]");
  if (!region || !window.EventSource) return;
  const source = new EventSource("/api/v1/stream");
  let pending = null;
  source.addEventListener("complaint", () => {
    // A burst of changes is one refresh.
    clearTimeout(pending);
    pending = setTimeout(() => {
      htmx.ajax("GET", region.dataset.live, { target: region, swap: "innerHTML" });
      // The page's other panels (the IOC's tables, map and charts) refresh themselves on this.
      document.dispatchEvent(new CustomEvent("phananh:changed"));
    }, 150);
  });
  // The login ran out: reload, which renews it (or asks to log in again).
  source.addEventListener("expired", () => { source.close(); window.location.reload(); });
}

function drawMap(element) {
  const data = JSON.parse(document.getElementById(element.dataset.map).textContent);
  const map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
  // Layers are built first and added once the view is set: Leaflet's SVG renderer needs one.
  const layers = [];
  const framing = [];
  if (data.wards) {
    const wards = L.geoJSON(data.wards, {
      style: (f) => ({
        color: "#123a63", weight: 1,
        fillColor: (f.properties && f.properties.overdue) ? "#c0392b" : "#1f6fb2",
        fillOpacity: f.properties && f.properties.open ? Math.min(0.1 + f.properties.open / 40, 0.7) : 0.06,
      }),
      onEachFeature: (f, layer) => {
        if (f.properties && f.properties.name) {
          layer.bindTooltip(`${f.properties.name}: ${f.properties.open} / ${f.properties.overdue}`);
        }
      },
    });
    layers.push(wards);
    framing.push(wards.getBounds());
  }
  if (data.hotspots) {
    layers.push(L.geoJSON(data.hotspots, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: 5 + Math.sqrt(f.properties.reports) * 2, color: "#c0392b", weight: 2, fillOpacity: 0.4,
      }).bindTooltip(`${f.properties.category_name}: ${f.properties.reports}`),
    }));
  }
  (data.taken || []).forEach((gps) => {
    // Where a photo was taken (its GPS), against the pin: the dispatcher judges the distance.
    const taken = L.latLng(gps.lat, gps.lon);
    layers.push(L.circleMarker(taken, { radius: 7, color: "#e67e22", weight: 3, fillOpacity: 0.5 }));
    if (data.point) layers.push(L.polyline([taken, [data.point.lat, data.point.lon]], { color: "#e67e22", dashArray: "4 4" }));
    // A photo taken in another province would shrink the ward to a dot: frame only near ones.
    if (!data.point || taken.distanceTo([data.point.lat, data.point.lon]) < 30000) framing.push(L.latLngBounds(taken, taken));
  });
  if (data.point) {
    const spot = L.latLng(data.point.lat, data.point.lon);
    layers.push(L.circleMarker(spot, { radius: 8, color: "#c0392b", weight: 3 }));
    framing.push(L.latLngBounds(spot, spot));
  }
  const bounds = framing.reduce((all, b) => all.extend(b), L.latLngBounds([]));
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], maxZoom: 16 });
  else map.setView([21.59, 105.84], 10);
  if (data.tiles) L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
  layers.forEach((layer) => layer.addTo(map));
  element.dataset.ready = "true";
}

// A delete asks once more (the page's language is on <html lang>).
function confirmDeletes() {
  const question = document.documentElement.lang === "en" ? "Delete this for good?" : "Xoá vĩnh viễn mục này?";
  document.querySelectorAll("button.danger").forEach((button) => {
    button.addEventListener("click", (event) => { if (!window.confirm(question)) event.preventDefault(); });
  });
}

// A photo opens large in a dialog; without script the link opens the 1280 px picture itself.
function lightbox() {
  const dialog = document.querySelector("dialog.lightbox");
  if (!dialog || !dialog.showModal) return;
  // The picture is made on the first click: an empty image would be a broken one.
  const picture = document.createElement("img");
  document.querySelectorAll("a.zoom").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const thumb = link.querySelector("img");
      picture.src = link.dataset.large;
      picture.alt = thumb ? thumb.alt : "";
      if (!picture.isConnected) dialog.prepend(picture);
      dialog.showModal();
    });
  });
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
}

// A search box narrows a long picker (units, officers) to the options whose words match,
// with or without Vietnamese marks ("bach quang" finds "Bách Quang").
function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

function pickerFilters() {
  document.querySelectorAll("input[data-filter]").forEach((box) => {
    const select = document.getElementById(box.dataset.filter);
    if (!select) return;
    box.addEventListener("input", () => {
      const words = fold(box.value).split(/\s+/).filter(Boolean);
      select.querySelectorAll("option:not([disabled])").forEach((option) => {
        const group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "";
        option.hidden = !words.every((w) => fold(`${group} ${option.textContent}`).includes(w));
      });
      select.querySelectorAll("optgroup").forEach((group) => {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  liveRefresh();
  confirmDeletes();
  lightbox();
  pickerFilters();
  document.querySelectorAll("[data-map]").forEach(drawMap);
});

// A reply template goes into the result or the question where the cursor is, for the officer
// to edit before sending. The texts were filled in for this report on the server (#reply-texts).
function replyPickers() {
  const data = document.getElementById("reply-texts");
  if (!data) return;
  const texts = JSON.parse(data.textContent);
  document.querySelectorAll("[data-reply-picker]").forEach((picker) => {
    const field = picker.closest("form").querySelector(`[name="${picker.dataset.field}"]`);
    const choice = picker.querySelector("[data-reply-choice]");
    if (!field || !choice) return;
    picker.hidden = false;
    picker.querySelector("[data-reply-insert]").addEventListener("click", () => {
      const text = texts[choice.value];
      if (!text) return;
      field.setRangeText(text, field.selectionStart ?? field.value.length, field.selectionEnd ?? field.value.length, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.focus();
    });
  });
}

document.addEventListener("DOMContentLoaded", replyPickers);

// The intake form's map: a click sets the report's point (the form's hidden lat and lon) and
// picks the ward it falls in; choosing a ward in the picker shows that ward.
function pickPoint(element) {
  const data = JSON.parse(document.getElementById(element.dataset.pick).textContent);
  const form = element.closest("form");
  const lat = form.querySelector('input[name="lat"]');
  const lon = form.querySelector('input[name="lon"]');
  const ward = form.querySelector('select[name="area_code"]');
  const shown = form.querySelector("output[data-picked]");
  const english = document.documentElement.lang === "en";
  const map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
  const outlines = {};
  const wards = L.geoJSON(data.wards, {
    style: () => ({ color: "#123a63", weight: 1, fillColor: "#1f6fb2", fillOpacity: 0.06 }),
    onEachFeature: (f, layer) => {
      outlines[f.properties.code] = layer;
      layer.bindTooltip(english ? f.properties.name_en : f.properties.name);
      layer.on("click", (event) => {
        if (ward) ward.value = f.properties.code;
        // A clicked outline would keep the browser's focus ring around the whole ward.
        if (event.originalEvent.target.blur) event.originalEvent.target.blur();
      });
    },
  });
  let marker = null;
  const place = (latlng) => {
    if (marker) marker.setLatLng(latlng);
    else marker = L.circleMarker(latlng, { radius: 8, color: "#c0392b", weight: 3 }).addTo(map);
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    if (shown) shown.textContent = `${lat.value}, ${lon.value}`;
  };
  const frame = () => {
    const chosen = ward && outlines[ward.value];
    if (chosen) map.fitBounds(chosen.getBounds(), { padding: [10, 10] });
    else if (wards.getLayers().length) map.fitBounds(wards.getBounds(), { padding: [10, 10] });
    else map.setView([21.59, 105.84], 10);
  };
  if (lat.value && lon.value) map.setView([+lat.value, +lon.value], 16);
  else frame();
  if (data.tiles) L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
  wards.addTo(map);
  if (lat.value && lon.value) place(L.latLng(+lat.value, +lon.value));
  map.on("click", (event) => place(event.latlng));
  if (ward) ward.addEventListener("change", frame);
  const clear = form.querySelector("[data-clear-point]");
  if (clear) {
    clear.addEventListener("click", () => {
      if (marker) { marker.remove(); marker = null; }
      lat.value = "";
      lon.value = "";
      if (shown) shown.textContent = shown.dataset.none;
    });
  }
  element.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("[data-pick]").forEach(pickPoint));

// The queue's bulk form: its checkboxes sit in the live table, which a refresh redraws; what
// was ticked stays ticked, "choose all" ticks the page, and the form says how many are chosen.
function bulkSelection() {
  const form = document.getElementById("bulk");
  const region = document.querySelector("[data-live]");
  if (!form || !region) return;
  const english = document.documentElement.lang === "en";
  const chosen = form.querySelector("[data-chosen]");
  const boxes = () => [...region.querySelectorAll('input[type="checkbox"][name="ids"]')];
  let kept = new Set();
  const count = () => {
    const n = boxes().filter((box) => box.checked).length;
    if (chosen) chosen.textContent = n ? (english ? `${n} chosen.` : `Đã chọn ${n} phản ánh.`) : "";
  };
  region.addEventListener("change", (event) => {
    if (event.target.matches("[data-select-all]")) boxes().forEach((box) => { box.checked = event.target.checked; });
    count();
  });
  region.addEventListener("htmx:beforeSwap", () => {
    kept = new Set(boxes().filter((box) => box.checked).map((box) => box.value));
  });
  region.addEventListener("htmx:afterSwap", () => {
    boxes().forEach((box) => { box.checked = kept.has(box.value); });
    count();
  });
  count();
}

// The print view's button (no inline script: the page's policy forbids it).
function printButtons() {
  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
}

document.addEventListener("DOMContentLoaded", () => {
  bulkSelection();
  printButtons();
});
