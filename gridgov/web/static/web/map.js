/* The grid map: draws /map/data.json (communities, grids, buildings) with Leaflet.
 *
 * No tile layer unless the deployment configures one (data-tile-url): the
 * intranet has no internet, so the polygons are drawn on a plain background.
 * State for tests and assistive tools is kept on the map element:
 *   data-state="loading|ready|error", data-highlighted-grids="id,id".
 */
(function () {
  "use strict";

  var element = document.getElementById("grid-map");
  if (!element || typeof L === "undefined") {
    return;
  }
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var status = document.getElementById("map-status");

  var map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(element.dataset.tileUrl) });
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, {
      maxZoom: 19,
      attribution: element.dataset.tileAttribution || "",
    }).addTo(map);
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function gridStyle(feature) {
    var mine = feature.properties.mine;
    return {
      className: mine ? "grid-shape grid-mine" : "grid-shape",
      color: mine ? "#b45309" : "#1d4ed8",
      weight: mine ? 3 : 1.5,
      fillColor: mine ? "#f59e0b" : "#60a5fa",
      fillOpacity: mine ? 0.35 : 0.15,
    };
  }

  // "宜昌路社区第一网格" is "第一网格" on a map already divided by community.
  function shortName(properties) {
    var name = properties.name || "";
    var community = properties.community || "";
    return community && name.indexOf(community) === 0 && name.length > community.length
      ? name.slice(community.length)
      : name;
  }

  function gridLabel(properties) {
    var branch = properties.branch || labels.noBranch;
    return (
      '<span class="grid-label-name">' + escapeHtml(properties.name) + "</span>" +
      '<span class="grid-label-short">' + escapeHtml(shortName(properties)) + "</span>" +
      '<span class="grid-label-branch">' + escapeHtml(branch) + "</span>"
    );
  }

  function draw(collection) {
    var byKind = { community: [], grid: [], building: [] };
    collection.features.forEach(function (feature) {
      (byKind[feature.properties.kind] || []).push(feature);
    });


    var highlighted = [];
    var grids = L.geoJSON(byKind.grid, {
      style: gridStyle,
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        if (p.mine) {
          highlighted.push(p.id);
        }
        // Above the centre rather than on it: a building often stands in the middle.
        layer.bindTooltip(gridLabel(p), {
          permanent: true,
          direction: "top",
          offset: [0, -6],
          className: p.mine ? "grid-label grid-label-mine" : "grid-label",
        });
        layer.on("click", function () {
          window.location.href = p.url;
        });
        layer.on("add", function () {
          var path = layer.getElement();
          if (path) {
            path.setAttribute("data-grid-id", p.id);
            path.setAttribute("aria-label", p.name + " · " + (p.branch || labels.noBranch));
          }
        });
      },
    }).addTo(map);

    // Community outlines over the grids: they run along grid edges and would
    // otherwise be hidden by the grids' own outlines.
    L.geoJSON(byKind.community, {
      interactive: false,
      style: { className: "community-shape", color: "#111827", weight: 3.5, dashArray: "8 5", fill: false },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(escapeHtml(feature.properties.name), {
          permanent: true,
          direction: "center",
          className: "community-label",
        });
      },
    }).addTo(map);

    // Buildings sit in their own pane above the grid labels (a label is centred
    // on its grid and would otherwise hide a building standing in the middle).
    // SVG, not canvas: the pane lets clicks through to the grids below except
    // on the building dots themselves (app.css), which a canvas cannot do.
    map.createPane("buildings").style.zIndex = 660;
    var renderer = L.svg({ pane: "buildings" });
    var buildings = L.geoJSON(byKind.building, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          pane: "buildings",
          renderer: renderer,
          radius: 5,
          color: "#ffffff",
          weight: 1.5,
          fillColor: "#374151",
          fillOpacity: 0.9,
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindPopup(
          "<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(p.address) +
            '<br><a href="' + encodeURI(p.url) + '">' + escapeHtml(labels.building) + " →</a>"
        );
      },
    }).addTo(map);

    var bounds = grids.getBounds();
    if (!bounds.isValid()) {
      bounds = buildings.getBounds();
    }
    if (bounds.isValid()) {
      // No animation: the map is "ready" only once it stands still, so a click
      // (a person's or a test's) lands on the grid that was under the pointer.
      map.fitBounds(bounds, { padding: [12, 12], animate: false });
      // At the zoom that shows the whole street, full labels would overlap:
      // show short grid names there and the full name with the branch from
      // three quarters of a zoom step closer in.
      var fullLabelsFrom = map.getZoom() + 0.75;
      var updateLabels = function () {
        element.classList.toggle("labels-brief", map.getZoom() < fullLabelsFrom);
      };
      var mineBounds = L.latLngBounds([]);
      grids.eachLayer(function (layer) {
        if (layer.feature.properties.mine) {
          mineBounds.extend(layer.getBounds());
        }
      });
      // A grid worker or resident starts at their own grid, with its
      // neighbours around it, and full labels there.
      if (mineBounds.isValid()) {
        map.fitBounds(mineBounds.pad(0.35), { padding: [12, 12], animate: false });
        fullLabelsFrom = Math.min(fullLabelsFrom, map.getZoom());
      }
      map.on("zoomend", updateLabels);
      updateLabels();
    } else {
      map.setView([36.07, 120.38], 12);
      status.textContent = labels.empty;
    }
    // Put my grids on top so their thicker outline is not hidden by neighbours.
    grids.eachLayer(function (layer) {
      if (layer.feature.properties.mine) {
        layer.bringToFront();
      }
    });
    element.dataset.highlightedGrids = highlighted.join(",");
    element.dataset.state = "ready";
  }

  fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      element.dataset.state = "error";
      status.textContent = labels.error;
      map.setView([36.07, 120.38], 12);
    });
})();
