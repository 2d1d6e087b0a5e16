// The dashboard's charts (ECharts, vendored): each draws the table printed under it.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("insights-data").textContent);
  var select = document.getElementById("insights-place");
  if (select) {
    // Switching place shows it at once, keeping the period.
    select.addEventListener("change", function () { select.form.submit(); });
  }
  if (typeof echarts === "undefined") return;

  function column(table, index) { return table.rows.map(function (row) { return row[index]; }); }
  function percent(text) { return text === "—" || text === "" ? null : parseFloat(text); }

  var builders = {
    daily: function (table) {
      var channels = table.columns.slice(1, -1);
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 36, bottom: 30 },
        xAxis: { type: "category", data: column(table, 0) },
        yAxis: { type: "value", minInterval: 1 },
        series: channels.map(function (name, i) {
          return { name: name, type: "bar", stack: "cases", data: column(table, i + 1) };
        })
      };
    },
    category: function (table) {
      var rows = table.rows.slice(0, 15).reverse();
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 110, right: 16, top: 10, bottom: 24 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map(function (r) { return r[0]; }) },
        series: [{ name: table.columns[2], type: "bar", data: rows.map(function (r) { return r[2]; }) }]
      };
    },
    grid: function (table) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 40, top: 36, bottom: 50 },
        xAxis: { type: "category", data: column(table, 0), axisLabel: { rotate: 30 } },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: table.columns[2], type: "bar", data: column(table, 2) },
          { name: table.columns[5], type: "line", yAxisIndex: 1, data: column(table, 5).map(percent) }
        ]
      };
    }
  };

  document.querySelectorAll(".insights-chart").forEach(function (node) {
    var name = node.dataset.chart;
    var table = data[name];
    if (!table || !builders[name] || table.rows.length === 0) { node.hidden = true; return; }
    node.style.height = name === "category" ? "360px" : "300px";
    var chart = echarts.init(node);
    chart.setOption(builders[name](table));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();

// The grid map: the place's grids (from the map's GeoJSON) shaded by open cases or resolution rate.
(function () {
  "use strict";
  var element = document.getElementById("insights-map");
  if (!element || typeof L === "undefined") return;
  var shading = JSON.parse(document.getElementById("insights-shading").textContent);
  var inPlace = JSON.parse(document.getElementById("insights-grids").textContent);
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(element.dataset.tileUrl) });
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 19, attribution: element.dataset.tileAttribution || "" }).addTo(map);
  }
  var layer = null;
  var mostOpen = Math.max.apply(null, [1].concat(Object.keys(shading).map(function (k) { return shading[k].open; })));

  function colour(feature, by) {
    var figures = shading[String(feature.properties.id)];
    if (!figures || (by === "open" && !figures.open)) return "#ffffff";
    var share = by === "open" ? figures.open / mostOpen
      : (figures.resolution === null ? null : 1 - figures.resolution);
    if (share === null) return "#ffffff";
    var light = Math.round(95 - share * 55);  // 95 % (pale) to 40 % (dark red)
    return "hsl(0, 70%, " + light + "%)";
  }

  function draw(data, by) {
    if (layer) layer.remove();
    layer = L.geoJSON(data, {
      filter: function (f) { return f.properties.kind === "grid" && inPlace.indexOf(f.properties.id) >= 0; },
      style: function (f) { return { color: "#7f1d1d", weight: 1, fillColor: colour(f, by), fillOpacity: 0.8 }; },
      onEachFeature: function (f, shape) {
        var figures = shading[String(f.properties.id)] || { open: 0, resolution: null };
        var rate = figures.resolution === null ? "—" : (figures.resolution * 100).toFixed(1) + "%";
        shape.bindTooltip(f.properties.name + "<br>" + element.dataset.labelOpen + " " + figures.open +
          "<br>" + element.dataset.labelResolution + " " + rate);
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  }

  fetch(element.dataset.url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var current = "open";
      draw(data, current);
      document.querySelectorAll("input[name=shade]").forEach(function (radio) {
        radio.addEventListener("change", function () { current = radio.value; draw(data, current); });
      });
    });
})();
