/* The case map: open cases as points coloured by status over the grid polygons.
 *
 * Grids come from /map/data.json (the same data as the grid map); cases from
 * /cases/map/cases.json with the page's filters.  No tile layer: the intranet
 * has none, so the polygons are the background.  State for tests and
 * assistive tools is kept on the map element: data-state="loading|ready|error"
 * and data-count (the points drawn).
 */
(function () {
  "use strict";

  var element = document.getElementById("case-map");
  if (!element || typeof L === "undefined") {
    return;
  }
  var labels = JSON.parse(document.getElementById("case-map-labels").textContent);
  var statuses = JSON.parse(document.getElementById("case-map-statuses").textContent);
  var status = document.getElementById("case-map-status");
  var colours = {};
  statuses.forEach(function (s) {
    colours[s.value] = s.colour;
  });

  var map = L.map(element, { zoomSnap: 0.25, attributionControl: false });
  map.createPane("cases").style.zIndex = 650;
  var layers = {};

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      }
    );
  }

  function drawGrids(collection) {
    var grids = collection.features.filter(function (f) {
      return f.properties.kind === "grid";
    });
    var communities = collection.features.filter(function (f) {
      return f.properties.kind === "community";
    });
    var layer = L.geoJSON(grids, {
      interactive: false,
      style: function (feature) {
        var mine = feature.properties.mine;
        return {
          color: mine ? "#b45309" : "#64748b",
          weight: mine ? 2.5 : 1,
          fillColor: mine ? "#fde68a" : "#cbd5e1",
          fillOpacity: 0.25,
        };
      },
      onEachFeature: function (feature, l) {
        l.bindTooltip(escapeHtml(feature.properties.name), {
          direction: "center",
          className: "grid-label",
        });
      },
    }).addTo(map);
    L.geoJSON(communities, {
      interactive: false,
      style: { color: "#111827", weight: 2.5, dashArray: "8 5", fill: false },
    }).addTo(map);
    return layer;
  }

  function popup(p) {
    return (
      "<strong>" + escapeHtml(p.number) + "</strong> " + escapeHtml(p.status_label) +
      (p.overdue ? ' <span class="badge text-bg-danger">' + escapeHtml(labels.overdue) + "</span>" : "") +
      "<br>" + escapeHtml(p.category) +
      (p.lead_unit ? "<br>" + escapeHtml(labels.lead) + ": " + escapeHtml(p.lead_unit) : "") +
      (p.due ? "<br>" + escapeHtml(p.due) : "") +
      '<br><a href="' + encodeURI(p.url) + '">' + escapeHtml(labels.open) + " →</a>"
    );
  }

  function drawCases(collection) {
    var counts = {};
    var renderer = L.svg({ pane: "cases" });
    collection.features.forEach(function (feature) {
      var p = feature.properties;
      var c = feature.geometry.coordinates;
      counts[p.status] = (counts[p.status] || 0) + 1;
      if (!layers[p.status]) {
        layers[p.status] = L.layerGroup().addTo(map);
      }
      L.circleMarker([c[1], c[0]], {
        pane: "cases",
        renderer: renderer,
        radius: 6,
        color: p.overdue ? "#dc2626" : "#ffffff",
        weight: p.overdue ? 3 : 1.5,
        fillColor: colours[p.status] || "#4b5563",
        fillOpacity: 0.95,
      })
        .bindPopup(popup(p))
        .addTo(layers[p.status]);
    });
    document.querySelectorAll("[data-status-count]").forEach(function (span) {
      var n = counts[span.dataset.statusCount] || 0;
      span.textContent = "(" + n + ")";
    });
    element.dataset.count = String(collection.features.length);
    if (!collection.features.length) {
      status.textContent = labels.empty;
    } else {
      status.textContent = labels.shown
        .replace("%(shown)s", collection.features.length)
        .replace("%(total)s", collection.total);
    }
  }

  document.querySelectorAll("input[data-status]").forEach(function (box) {
    box.addEventListener("change", function () {
      var layer = layers[box.dataset.status];
      if (!layer) {
        return;
      }
      if (box.checked) {
        layer.addTo(map);
      } else {
        map.removeLayer(layer);
      }
    });
  });

  Promise.all([getJson(element.dataset.gridsUrl), getJson(element.dataset.casesUrl)])
    .then(function (results) {
      var grids = drawGrids(results[0]);
      drawCases(results[1]);
      var bounds = grids.getBounds();
      Object.keys(layers).forEach(function (key) {
        layers[key].eachLayer(function (marker) {
          bounds.extend(marker.getLatLng());
        });
      });
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [12, 12] });
      } else {
        map.setView([36.07, 120.38], 12);
      }
      element.dataset.state = "ready";
    })
    .catch(function () {
      element.dataset.state = "error";
      status.textContent = labels.error;
      map.setView([36.07, 120.38], 12);
    });
})();
