/* Fangguan map component: GeoJSON layers on Leaflet, coloured by a property the user picks, with
   a legend and popups linking to the records. The interface (config, layers, events) is in
   docs/architecture.md, "Map component"; the server half is fangguan/core/maps.py.

   Coordinates arrive in WGS84. When the configured tile source is in GCJ-02, every position is
   shifted with gcoord as it is drawn (FangguanMap.project) — the only conversion anywhere.
   Without tiles the map is drawn on a plain background: no request leaves the server.

   Under the layers, in panes of their own: the district's outline (config.outline, a static
   GeoJSON file) and the towns' names (config.towns: name and [lng, lat]); a spinner
   (#<id>-loading) shows until every layer has loaded, or failed. */
(function () {
  "use strict";

  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
                 "#e6550d", "#31a354", "#756bb1", "#636363"];
  var YES_NO = { "true": "#2ca02c", "false": "#d62728" };
  var LEGEND_ROWS = 16;

  /** [lng, lat] in WGS84 -> [lng, lat] in the tile source's datum ("wgs84" or "gcj02"). */
  function project(lnglat, crs) {
    if (crs === "gcj02") {
      if (!window.gcoord) { throw new Error("gcoord is needed for GCJ-02 tiles"); }
      return window.gcoord.transform([Number(lnglat[0]), Number(lnglat[1])], window.gcoord.WGS84, window.gcoord.GCJ02);
    }
    return [Number(lnglat[0]), Number(lnglat[1])];
  }

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined && text !== null) { el.textContent = String(text); }
    return el;
  }

  function MapComponent(element, config) {
    var self = this;
    this.element = element;
    this.config = config;
    this.crs = config.tiles ? config.tiles.crs : "wgs84";
    this.layers = {};
    this.colourSelect = document.getElementById(config.id + "-colour");
    this.legend = document.getElementById(config.id + "-legend");
    this.labels = config.labels || {};
    this.loading = document.getElementById(config.id + "-loading");
    this.map = L.map(element, { center: config.center, zoom: config.zoom, zoomSnap: 0.25, zoomControl: false,
                                attributionControl: Boolean(config.tiles) });
    // Leaflet's buttons are titled "Zoom in"/"Zoom out" whatever the page's language
    L.control.zoom({ zoomInTitle: this.labels.zoom_in || "Zoom in",
                     zoomOutTitle: this.labels.zoom_out || "Zoom out" }).addTo(this.map);
    // under the layers (overlayPane: 400): the outline above the tiles (200), the names above it
    this.map.createPane("fgOutline").style.zIndex = 250;
    this.map.createPane("fgTownNames").style.zIndex = 350;
    this.map.getPane("fgTownNames").style.pointerEvents = "none";
    if (config.tiles) {
      var options = { attribution: config.tiles.attribution || "", maxZoom: config.tiles.max_zoom || 18 };
      if (config.tiles.subdomains) { options.subdomains = config.tiles.subdomains; }
      L.tileLayer(config.tiles.url, options).addTo(this.map);
      if (config.tiles.overlay) { L.tileLayer(config.tiles.overlay, options).addTo(this.map); }
    } else {
      element.classList.add("app-map-plain");
    }
    this.setUpColourControl();
    this.addTownNames(config.towns || []);
    var loads = config.layers.map(function (layer) { return self.load(layer); });
    if (config.outline) { loads.push(this.loadOutline(config.outline)); }
    Promise.all(loads).then(function () { self.fit(); self.recolour(); self.ready(); })
      .catch(function (error) {
        element.dataset.error = String(error);
        self.legend.textContent = String(error);
        self.loaded();
      });
    window.addEventListener("beforeprint", function () { self.map.invalidateSize(); self.fit(); });
  }

  MapComponent.prototype.setUpColourControl = function () {
    var self = this, select = this.colourSelect;
    this.colourings = [];
    this.config.layers.forEach(function (layer) {
      (layer.colour_by || []).forEach(function (c) { self.colourings.push({ layer: layer.id, by: c }); });
    });
    if (!select) { return; }
    if (!this.colourings.length) { select.parentNode.classList.add("d-none"); return; }
    this.colourings.forEach(function (c, i) {
      var option = node("option", null, c.by.label);
      option.value = String(i);
      select.appendChild(option);
    });
    select.addEventListener("change", function () { self.recolour(); });
  };

  /** The district's boundary: a line, and on a plain background its land a shade lighter. */
  MapComponent.prototype.loadOutline = function (url) {
    var self = this, crs = this.crs, plain = !this.config.tiles;
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error((self.labels.outline || "outline") + ": HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        self.outline = L.geoJSON(data, {
          pane: "fgOutline", interactive: false,
          coordsToLatLng: function (coords) { var p = project(coords, crs); return L.latLng(p[1], p[0]); },
          style: function () {
            return { className: "app-map-outline", color: "#4a5d70", weight: 2, opacity: 0.9,
                     fill: plain, fillColor: "#ffffff", fillOpacity: 0.85 };
          }
        }).addTo(self.map);
      });
  };

  /** Each town's name at its area's centre (the server chose where), under the layers. */
  MapComponent.prototype.addTownNames = function (towns) {
    var crs = this.crs, map = this.map;
    this.townNames = towns.map(function (town) {
      var p = project(town.position, crs);
      var label = node("span", "app-map-town-name", town.name);
      return L.marker(L.latLng(p[1], p[0]), {
        pane: "fgTownNames", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "app-map-town-label", html: label, iconSize: null })
      }).addTo(map);
    });
  };

  MapComponent.prototype.loaded = function () {
    if (this.loading) { this.loading.hidden = true; }
    this.element.setAttribute("aria-busy", "false");
  };

  MapComponent.prototype.load = function (layer) {
    var self = this;
    return fetch(layer.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(layer.label + ": HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { self.add(layer, data); });
  };

  MapComponent.prototype.add = function (layer, data) {
    var self = this, crs = this.crs;
    var geo = L.geoJSON(data, {
      coordsToLatLng: function (coords) { var p = project(coords, crs); return L.latLng(p[1], p[0]); },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 6, weight: 1, color: "#ffffff", fillColor: PALETTE[0], fillOpacity: 0.9 });
      },
      style: function () {
        return layer.kind === "areas"
          ? { color: "#495057", weight: 1.5, dashArray: "5 4", fillColor: "#495057", fillOpacity: 0.06 }
          : {};
      },
      onEachFeature: function (feature, leafletLayer) {
        if (layer.kind === "areas") {
          var name = feature.properties[layer.title_key];
          if (name) { leafletLayer.bindTooltip(String(name), { sticky: true }); }
        } else {
          leafletLayer.bindPopup(function () { return self.popup(layer, feature); });
        }
      }
    }).addTo(this.map);
    if (layer.kind === "areas") { geo.bringToBack(); }
    this.layers[layer.id] = { spec: layer, geo: geo, features: data.features.length };
  };

  MapComponent.prototype.popup = function (layer, feature) {
    var p = feature.properties, box = node("div", "app-map-popup");
    var title = node("strong");
    var link = layer.link_key ? p[layer.link_key] : null;
    if (link) {
      var a = node("a", null, p[layer.title_key]);
      a.href = link;
      title.appendChild(a);
    } else {
      title.textContent = p[layer.title_key];
    }
    box.appendChild(title);
    var list = node("dl");
    (layer.popup || []).forEach(function (row) {
      if (p[row.key] === undefined || p[row.key] === null || p[row.key] === "") { return; }
      list.appendChild(node("dt", null, row.label));
      list.appendChild(node("dd", null, p[row.key]));
    });
    box.appendChild(list);
    return box;
  };

  MapComponent.prototype.recolour = function () {
    var choice = this.colourings[this.colourSelect ? Number(this.colourSelect.value || 0) : 0];
    this.legend.textContent = "";
    var self = this;
    this.config.layers.forEach(function (spec) {
      var layer = self.layers[spec.id];
      if (!layer) { return; }
      if (spec.kind === "areas") {
        var row = node("span");
        row.appendChild(node("span", "app-swatch app-swatch-area"));
        row.appendChild(document.createTextNode(spec.label + " (" + layer.features + ")"));
        self.legend.appendChild(row);
        if (spec.note) { self.legend.appendChild(node("span", "app-legend-note", spec.note)); }
      }
    });
    if (!choice || !this.layers[choice.layer]) { return; }
    var target = this.layers[choice.layer], by = choice.by, counts = {}, labels = {};
    target.geo.eachLayer(function (l) {
      var value = String(l.feature.properties[by.key]);
      counts[value] = (counts[value] || 0) + 1;
      labels[value] = by.label_key ? l.feature.properties[by.label_key] : value;
    });
    var values = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || String(labels[a]).localeCompare(String(labels[b])); });
    var colours = {};
    values.forEach(function (v, i) { colours[v] = YES_NO[v] && values.every(function (x) { return YES_NO[x]; }) ? YES_NO[v] : PALETTE[i % PALETTE.length]; });
    target.geo.eachLayer(function (l) { l.setStyle({ fillColor: colours[String(l.feature.properties[by.key])] }); });
    this.legend.appendChild(node("span", "app-legend-title", target.spec.label + " · " + by.label));
    values.slice(0, LEGEND_ROWS).forEach(function (v) {
      var row = node("span", "app-legend-item");
      var swatch = node("span", "app-swatch");
      swatch.style.backgroundColor = colours[v];
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(labels[v] + " (" + counts[v] + ")"));
      self.legend.appendChild(row);
    });
    if (values.length > LEGEND_ROWS) {
      this.legend.appendChild(node("span", "app-legend-note",
        "… " + (values.length - LEGEND_ROWS) + " " + (this.config.labels.more || "more")));
    }
    if (!target.features) { this.legend.appendChild(node("span", "app-legend-note", this.config.labels.no_location || "")); }
  };

  MapComponent.prototype.fit = function () {
    var bounds = null;
    Object.keys(this.layers).forEach(function (id) {
      var b = this.layers[id].geo.getBounds();
      if (b.isValid()) { bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast()); }
    }, this);
    if (!bounds && this.outline && this.outline.getBounds().isValid()) { bounds = this.outline.getBounds(); }
    if (bounds) { this.map.fitBounds(bounds, { padding: [16, 16], maxZoom: 15 }); }
  };

  MapComponent.prototype.ready = function () {
    var counts = {};
    Object.keys(this.layers).forEach(function (id) { counts[id] = this.layers[id].features; }, this);
    this.loaded();
    this.element.dataset.ready = "true";
    this.element.dataset.features = JSON.stringify(counts);
    this.element.dispatchEvent(new CustomEvent("fangguan:map-ready", { bubbles: true, detail: { counts: counts, map: this } }));
  };

  var instances = {};

  function create(element) {
    var source = document.getElementById(element.dataset.mapConfig);
    if (!source || !window.L) { return null; }
    var component = new MapComponent(element, JSON.parse(source.textContent));
    instances[element.id] = component;
    return component;
  }

  window.FangguanMap = { create: create, project: project, instances: instances };
  document.querySelectorAll("[data-map-config]").forEach(create);
})();
