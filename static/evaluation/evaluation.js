// A rule's evaluation charts: treated vs control around go-live, windows shaded (ECharts).
// Data comes from the json_script "eval-chart-data" (CSP: no inline scripts).
(function () {
  "use strict";
  var source = document.getElementById("eval-chart-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", system-ui, sans-serif';
  var TREATED = "#0b5cad", CONTROL = "#868e96";

  function area(name, range, color) {
    if (!range) { return null; }
    return [{ name: name, xAxis: range[0], itemStyle: { color: color } }, { xAxis: range[1] }];
  }

  document.querySelectorAll("[data-eval-chart]").forEach(function (element) {
    var code = element.getAttribute("data-eval-chart");
    var measure = data.measures.filter(function (m) { return m.code === code; })[0];
    if (!measure) { return; }
    var areas = [
      area(data.labels.pre, data.windows.pre, "rgba(11, 92, 173, 0.07)"),
      area(data.labels.post, data.windows.post, "rgba(43, 138, 62, 0.09)")
    ].filter(Boolean);
    var series = [{
      name: data.labels.treated, type: "line", data: measure.treated, showSymbol: false,
      connectNulls: false, lineStyle: { width: 2, color: TREATED }, itemStyle: { color: TREATED },
      markArea: { silent: true, label: { color: "#495057", fontSize: 11, position: "insideTop" }, data: areas },
      markLine: {
        silent: true, symbol: "none", lineStyle: { color: "#d9480f", type: "dashed" },
        label: { formatter: data.labels.go_live, color: "#d9480f", position: "insideStartTop" },
        data: [{ xAxis: data.go_live }]
      }
    }];
    if (measure.control) {
      series.push({
        name: data.labels.control, type: "line", data: measure.control, showSymbol: false,
        lineStyle: { width: 1.5, color: CONTROL, type: "dashed" }, itemStyle: { color: CONTROL }
      });
    }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      textStyle: { fontFamily: FONT },
      animation: false,
      grid: { left: 48, right: 16, top: 36, bottom: 48 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.days, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", scale: true },
      dataZoom: [{ type: "inside" }],
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
