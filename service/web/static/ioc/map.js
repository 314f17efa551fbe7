// The IOC dashboard: the map panel (see templates/_ioc_map.html, service/web/ioc_map.py).
// Drawn here rather than by app.js's drawMap: it has layers of its own (clustered markers
// fetched from /api/v1/ioc/map/markers, a choropleth of the wards, hotspots), a layer
// switcher, a legend and filters, and it refreshes on the live stream's "phananh:changed".
"use strict";

(function () {
  // Past this zoom the wards' names are written on the map, not only shown on hover.
  const LABEL_ZOOM = 13;
  // Bands from the most to the least urgent: a cluster takes the colour of its worst.
  const URGENCY = ["overdue", "soon", "later", "paused", "none"];
  const SCALES = {
    open: ["#eef4fb", "#c6dbef", "#85b5dc", "#3f86c4", "#12508f"],
    overdue: ["#fdf0ee", "#f6c4bc", "#ea8a7d", "#d14b3c", "#8e1d12"],
  };

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Five classes from 0 to the largest count: 0, then four equal steps (at least 1 wide).
  function breaks(counts) {
    const step = Math.max(1, Math.ceil(Math.max(0, ...counts) / 4));
    return [0, 1, 1 + step, 1 + 2 * step, 1 + 3 * step];
  }

  function classOf(value, limits) {
    let index = 0;
    limits.forEach((limit, i) => { if (value >= limit) index = i; });
    return index;
  }

  function draw(canvas, data) {
    const english = document.documentElement.lang === "en";
    const words = data.words;
    const panel = canvas.closest("section");
    const form = panel.querySelector("form.ioc-map-filters");
    const counter = panel.querySelector("[data-test=ioc-map-count]");
    const failure = panel.querySelector("[data-test=ioc-map-error]");
    // markercluster needs a maximum zoom, which a map without tiles otherwise lacks.
    const map = L.map(canvas, { attributionControl: false, zoomSnap: 0.25, maxZoom: 19 });

    // ------------------------------------------------------------ the wards, as a choropleth
    const measures = {};
    const wardLayers = {};
    const wardNames = L.layerGroup();
    const wardName = (f) => (english ? f.properties.name_en : f.properties.name) || f.properties.name;
    ["open", "overdue"].forEach((measure) => {
      measures[measure] = { limits: breaks(data.wards.features.map((f) => f.properties[measure])) };
      const limits = () => measures[measure].limits;
      const layer = L.geoJSON(data.wards, {
        style: (f) => ({
          color: "#123a63", weight: 1, fillOpacity: 0.6,
          fillColor: SCALES[measure][classOf(f.properties[measure], limits())],
        }),
        onEachFeature: (f, ward) => {
          ward.bindTooltip(() => `${wardName(f)}: ${f.properties.open} ${words.open}, ${f.properties.overdue} ${words.overdue}`, { sticky: true });
        },
      });
      wardLayers[measure] = layer;
    });
    // The names at higher zoom: one label per ward at the middle of its outline.
    wardLayers.open.eachLayer((ward) => {
      L.marker(ward.getBounds().getCenter(), {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "ioc-map-ward-label", html: "", iconSize: L.point(140, 14), iconAnchor: L.point(70, 7) }),
      }).on("add", function () { this.getElement().textContent = wardName(ward.feature); }).addTo(wardNames);
    });

    // ------------------------------------------------------------ hotspots
    const hotspots = L.geoJSON(data.hotspots, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: 6 + Math.sqrt(f.properties.reports) * 2, color: "#6c3483", weight: 2, fillOpacity: 0.25,
      }).bindTooltip(`${words.hotspots}: ${f.properties.category_name}, ${f.properties.reports} ${words.reports}`),
    });

    // ------------------------------------------------------------ the markers
    const clusters = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      iconCreateFunction: (cluster) => {
        const bands = cluster.getAllChildMarkers().map((m) => m.options.band);
        const worst = URGENCY.find((band) => bands.includes(band)) || "none";
        const count = cluster.getChildCount();
        return L.divIcon({
          className: `marker-cluster ioc-map-cluster ioc-map-band-${worst}`,
          html: `<div style="background:${data.bands[worst].colour}"><span>${count}</span></div>`,
          iconSize: L.point(40, 40),
        });
      },
    });

    function popup(code, marker) {
    // The popup fills in once the report is read: pan again so the whole of it is in view.
    const fit = () => { if (marker.isPopupOpen()) marker.getPopup().update(); };
      const box = element("div", "ioc-map-popup");
      box.append(element("strong", "ioc-map-popup-code", code));
      fetch(`${data.markers}/${encodeURIComponent(code)}`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((report) => {
          box.append(element("div", "ioc-map-popup-category", english ? report.category.name_en : report.category.name));
          box.append(element("div", "ioc-map-popup-state", data.statuses[report.status] || ""));
          if (report.band) box.append(element("div", `ioc-map-popup-band ioc-map-band-${report.band}`, data.bands[report.band].label));
          if (report.thumbnail) {
            const picture = element("img", "ioc-map-popup-thumb");
            picture.src = report.thumbnail;
            picture.alt = code;
            picture.width = 160;
            picture.addEventListener("load", fit);
            box.append(picture);
          } else {
            box.append(element("div", "ioc-map-popup-nophoto", words.no_photo));
          }
          const link = element("a", "ioc-map-popup-link", words.open_report);
          link.href = report.url;
          box.append(link);
          fit();
        })
        .catch(() => box.append(element("div", "ioc-map-popup-failed", words.failed)));
      return box;
    }

    function markersOf(body) {
      const made = [];
      for (let i = 0; i < body.count; i += 1) {
        const band = body.band ? body.bands[body.band[i]] : "none";
        const code = `PA-${body.years[body.year[i]]}-${String(body.number[i]).padStart(6, "0")}`;
        const marker = L.marker([body.lat[i], body.lon[i]], {
          band, code,
          title: code,
          icon: L.divIcon({
            className: `ioc-map-marker ioc-map-band-${band}`,
            html: `<span style="background:${data.bands[band].colour}"></span>`,
            iconSize: L.point(16, 16),
          }),
        });
        // One popup's content while it is open (Leaflet asks again on each update); read
        // afresh the next time it opens, the report may have moved on.
        let content = null;
        marker.bindPopup(() => content || (content = popup(code, marker)), { minWidth: 180 });
        marker.on("popupclose", () => { content = null; });
        made.push(marker);
      }
      return made;
    }

    let asked = 0;
    function loadMarkers() {
      const query = new URLSearchParams();
      new FormData(form).forEach((value, key) => { if (value) query.set(key, value); });
      const ticket = ++asked;
      canvas.dataset.loading = "true";
      return fetch(`${data.markers}?${query}`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((body) => {
          // A slower, older answer must not replace a newer one.
          if (ticket !== asked) return;
          clusters.clearLayers();
          clusters.addLayers(markersOf(body));
          canvas.dataset.markers = String(body.count);
          counter.textContent = `${body.count.toLocaleString(english ? "en" : "vi")} ${words.reports}`;
          failure.hidden = true;
        })
        .catch(() => { failure.textContent = words.failed; failure.hidden = false; })
        .finally(() => { if (ticket === asked) { delete canvas.dataset.loading; canvas.dataset.ready = "true"; } });
    }

    // The wards' counts change with the reports: re-read them and restyle.
    function reloadWards() {
      fetch("/api/v1/ioc/wards", { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((fresh) => {
          const byCode = {};
          fresh.features.forEach((f) => { byCode[f.properties.code] = f.properties; });
          ["open", "overdue"].forEach((measure) => {
            measures[measure].limits = breaks(fresh.features.map((f) => f.properties[measure]));
            wardLayers[measure].eachLayer((ward) => {
              const now = byCode[ward.feature.properties.code];
              if (now) Object.assign(ward.feature.properties, { open: now.open, overdue: now.overdue });
            });
            wardLayers[measure].setStyle(wardLayers[measure].options.style);
          });
          legend.refresh();
        })
        .catch(() => {});
    }

    // ------------------------------------------------------------ legend and switcher
    let shown = "open";
    const legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = element("div", "ioc-map-legend");
      box.dataset.test = "ioc-map-legend";
      legend.box = box;
      legend.refresh();
      return box;
    };
    legend.refresh = () => {
      const box = legend.box;
      if (!box) return;
      box.replaceChildren();
      box.append(element("strong", "", words.bands));
      URGENCY.forEach((band) => {
        const row = element("div", "ioc-map-legend-row");
        const swatch = element("span", "ioc-map-legend-dot");
        swatch.style.background = data.bands[band].colour;
        row.append(swatch, document.createTextNode(data.bands[band].label));
        box.append(row);
      });
      const scale = element("div", "ioc-map-legend-scale");
      scale.dataset.test = "ioc-map-choropleth-legend";
      scale.append(element("strong", "", shown === "open" ? words.choropleth_open : words.choropleth_overdue));
      const limits = measures[shown].limits;
      limits.forEach((limit, i) => {
        const row = element("div", "ioc-map-legend-row");
        const swatch = element("span", "ioc-map-legend-box");
        swatch.style.background = SCALES[shown][i];
        const upper = i + 1 < limits.length ? limits[i + 1] - 1 : null;
        const range = upper === null ? `≥ ${limit}` : upper === limit ? `${limit}` : `${limit}–${upper}`;
        row.append(swatch, document.createTextNode(range));
        scale.append(row);
      });
      box.append(scale);
    };

    const bounds = wardLayers.open.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], maxZoom: 16 });
    else map.setView([21.59, 105.84], 10);
    if (data.tiles) L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
    wardLayers.open.addTo(map);
    hotspots.addTo(map);
    clusters.addTo(map);
    legend.addTo(map);
    L.control.layers(
      { [words.wards_open]: wardLayers.open, [words.wards_overdue]: wardLayers.overdue },
      { [words.markers]: clusters, [words.hotspots]: hotspots },
      { collapsed: false, position: "topright" },
    ).addTo(map);
    map.on("baselayerchange", (event) => {
      shown = event.layer === wardLayers.overdue ? "overdue" : "open";
      legend.refresh();
    });
    const names = () => {
      if (map.getZoom() >= LABEL_ZOOM) wardNames.addTo(map);
      else wardNames.remove();
    };
    map.on("zoomend", names);
    names();

    // For the browser tests (tests/web/test_ioc_map.py), which read Leaflet's own state.
    canvas.iocMap = { map, clusters };
    form.addEventListener("change", loadMarkers);
    form.addEventListener("submit", (event) => { event.preventDefault(); loadMarkers(); });
    document.addEventListener("phananh:changed", () => { loadMarkers(); reloadWards(); });
    loadMarkers();
  }

  // The wards and hotspots come by their own calls, not in the page: the page is shown at
  // once and each layer's query runs beside the others. A server still restarting is asked
  // again a little later.
  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : Promise.reject(r.status)));
  }

  async function start(canvas, wait = 1000) {
    const data = JSON.parse(document.getElementById(canvas.dataset.iocMap).textContent);
    try {
      if (!data.wards) [data.wards, data.hotspots] = await Promise.all([fetchJson(data.wards_src), fetchJson(data.hotspots_src)]);
    } catch (error) {
      setTimeout(() => start(canvas, Math.min(wait * 2, 30000)), wait);
      return;
    }
    draw(canvas, data);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-ioc-map]").forEach((canvas) => start(canvas));
  });
})();
