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
