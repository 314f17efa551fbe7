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
    pending = setTimeout(() => htmx.ajax("GET", region.dataset.live, { target: region, swap: "innerHTML" }), 150);
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
