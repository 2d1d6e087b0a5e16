/* The place of a report: a Leaflet map with one pin, over the grids of /map/data.json.
 *
 * The pin fills two hidden inputs (lat, lng).  On the resident's form it
 * starts at the home building ("at my home building" ticked: the building is
 * sent, not the point); moving the pin unticks it.  On the patrol form
 * (data-gps) the phone's position is asked for at once; without it the pin
 * stays at the grid and the worker may tap the map.  Without JavaScript the
 * forms still work: the home building, or the grid's own point.
 * State for tests: data-state="loading|ready|error" on the map element,
 * data-source="home|start|gps|tap" once the pin is placed.
 */
(function () {
  "use strict";

  var element = document.getElementById("place-map");
  var photo = document.querySelector(".photo-input");
  if (photo) {
    photo.addEventListener("change", function () {
      var preview = document.getElementById("photo-preview");
      var text = document.querySelector(".photo-button-text");
      var file = photo.files && photo.files[0];
      if (!file) {
        return;
      }
      if (text) {
        text.textContent = "✓ " + file.name;
      }
      if (preview && window.URL && URL.createObjectURL) {
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
      }
    });
  }
  if (!element || typeof L === "undefined") {
    return;
  }
  var labels = JSON.parse(document.getElementById("place-labels").textContent);
  var start = JSON.parse(document.getElementById("place-start").textContent);
  var latInput = document.getElementById(element.dataset.latInput);
  var lngInput = document.getElementById(element.dataset.lngInput);
  var home = element.dataset.homeInput ? document.getElementById(element.dataset.homeInput) : null;
  var status = document.getElementById("place-status");
  var hasStart = start && start.lat != null && start.lng != null;

  var map = L.map(element, { zoomSnap: 0.25, attributionControl: false });
  var marker = null;
  var grids = null;

  // Show the whole grid the point lies in (no tiles on the intranet: the grid is the context).
  function frame(latlng) {
    var around = null;
    if (grids) {
      grids.eachLayer(function (layer) {
        if (!around && layer.getBounds().contains(latlng)) {
          around = layer.getBounds();
        }
      });
    }
    if (around) {
      map.fitBounds(around.pad(0.1));
    } else {
      map.setView(latlng, 16);
    }
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function say(text) {
    if (status && text) {
      status.textContent = text;
    }
  }

  function put(latlng, source) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: labels.pin, alt: labels.pin });
      marker.addTo(map);
      marker.on("dragend", function () {
        record(marker.getLatLng(), "tap");
        say(labels.moved);
      });
    } else {
      marker.setLatLng(latlng);
    }
    element.dataset.source = source;
  }

  // The point goes into the form, except "at my home building", which sends the building.
  function record(latlng, source) {
    put(latlng, source);
    if (source === "home") {
      latInput.value = "";
      lngInput.value = "";
      return;
    }
    latInput.value = latlng.lat.toFixed(7);
    lngInput.value = latlng.lng.toFixed(7);
    if (home && source !== "start") {
      home.checked = false;
    }
  }

  map.on("click", function (event) {
    record(event.latlng, "tap");
    say(labels.moved);
  });

  if (home) {
    home.addEventListener("change", function () {
      if (home.checked && hasStart) {
        record(L.latLng(start.lat, start.lng), "home");
        frame(L.latLng(start.lat, start.lng));
      }
    });
  }

  // The starting pin: a bound form keeps the point that was posted.
  if (latInput.value && lngInput.value) {
    put(L.latLng(parseFloat(latInput.value), parseFloat(lngInput.value)), "start");
  } else if (hasStart) {
    if (home && home.checked) {
      record(L.latLng(start.lat, start.lng), "home");
    } else {
      record(L.latLng(start.lat, start.lng), "start");
    }
  }
  if (marker) {
    frame(marker.getLatLng());
  } else {
    map.setView([36.07, 120.38], 12);
  }

  if (element.dataset.gps && navigator.geolocation) {
    say(labels.locating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
        record(latlng, "gps");
        frame(latlng);
        say(labels.located.replace("%(metres)s", String(Math.round(position.coords.accuracy || 0))));
      },
      function () {
        say(labels.noGps);
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  } else if (element.dataset.gps) {
    say(labels.noGps);
  }

  fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (collection) {
      grids = L.geoJSON(
        collection.features.filter(function (f) {
          return f.properties.kind === "grid";
        }),
        {
          style: function (feature) {
            var mine = feature.properties.mine;
            return {
              className: "grid-shape",
              color: mine ? "#b45309" : "#1d4ed8",
              weight: mine ? 2.5 : 1,
              fillColor: mine ? "#f59e0b" : "#60a5fa",
              fillOpacity: mine ? 0.2 : 0.08,
            };
          },
          onEachFeature: function (feature, layer) {
            // The name at the top edge: the pin usually stands in the middle.
            var bounds = layer.getBounds();
            L.tooltip({ permanent: true, direction: "bottom", className: "place-grid-label", offset: [0, 2] })
              .setLatLng([bounds.getNorth(), bounds.getCenter().lng])
              .setContent(escapeHtml(feature.properties.name))
              .addTo(map);
            layer.on("click", function (event) {
              record(event.latlng, "tap");
              say(labels.moved);
            });
          },
        }
      ).addTo(map);
      if (marker) {
        frame(marker.getLatLng());
      } else if (grids.getBounds().isValid()) {
        map.fitBounds(grids.getBounds(), { padding: [8, 8] });
      }
      element.dataset.state = "ready";
    })
    .catch(function () {
      element.dataset.state = "error";
      say(labels.error);
    });
})();
