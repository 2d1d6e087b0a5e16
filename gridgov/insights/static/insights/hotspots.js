// The hot spots map: one circle per hot spot, sized by its spread, labelled with its count.
(function () {
  "use strict";
  var element = document.getElementById("hotspots-map");
  if (!element || typeof L === "undefined") return;
  var spots = JSON.parse(document.getElementById("hotspots-data").textContent);
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(element.dataset.tileUrl) });
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.tileAttribution || "" }).addTo(map);
  }
  var bounds = [];
  spots.forEach(function (spot, i) {
    var circle = L.circle([spot.lat, spot.lng], {
      radius: spot.radius, color: "#b91c1c", weight: 2, fillOpacity: 0.25
    }).addTo(map);
    circle.bindTooltip(spot.label + " · " + spot.count, { permanent: true, direction: "top" });
    circle.on("click", function () {
      var item = document.getElementById("hotspot-" + (i + 1));
      if (item) item.scrollIntoView({ behavior: "smooth", block: "center" });
    });
    bounds.push([spot.lat, spot.lng]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [40, 40], maxZoom: 17 });
  else map.setView([36.07, 120.38], 13);
})();
