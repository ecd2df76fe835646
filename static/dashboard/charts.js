// Draw the dashboard's charts with ECharts from the specs the server puts in json_script tags.
// Each chart element: <div class="chart" data-chart="<id of the json_script>">.  The same numbers
// are in the table next to it (for screen readers and CSV export), so the canvas is aria-hidden.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "Source Han Sans SC", system-ui, sans-serif';
  var PALETTE = ["#0b5cad", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#e67700", "#087f8c", "#5c940d", "#495057"];
  var LAYER_COLOURS = { functional: "#c92a2a", convenience: "#e67700", emotional: "#1971c2" };
  var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  var locale = lang.indexOf("en") === 0 ? "EN" : "ZH";
  var numberFormat = new Intl.NumberFormat(locale === "EN" ? "en" : "zh-CN");

  function formatNumber(value) {
    if (value === null || value === undefined || value === "-") { return "–"; }
    return typeof value === "number" ? numberFormat.format(value) : String(value);
  }

  var DATE_LIKE = /^\d{4}[-\/年]\d{1,2}/;

  function isTimeAxis(spec) {
    return !!(spec.x && spec.x.length && DATE_LIKE.test(String(spec.x[0])));
  }

  // Names (products, channels, cities, stages) are never dropped: every label is drawn, wrapped to
  // the room it has.  Only a time axis thins its labels (every date is in the table beside it).
  function categoryAxis(spec, width) {
    var axis = { type: "category", data: spec.x, boundaryGap: spec.kind === "bar" };
    if (isTimeAxis(spec)) {
      axis.axisLabel = { hideOverlap: true, fontFamily: FONT };
    } else if (spec.horizontal) {
      axis.axisLabel = { interval: 0, fontFamily: FONT, width: Math.min(160, Math.max(72, width * 0.32)), overflow: "break" };
    } else {
      var room = Math.max(36, (width - 60) / Math.max(1, spec.x.length) - 6);
      axis.axisLabel = { interval: 0, fontFamily: FONT, width: room, overflow: "break", lineHeight: 14 };
    }
    return axis;
  }

  // A bar chart of many long names reads better lying down: each name gets a row of its own.
  function preferHorizontal(spec, width) {
    if (spec.kind !== "bar" || spec.horizontal || spec.stack || isTimeAxis(spec) || !spec.x) { return false; }
    var longest = spec.x.reduce(function (m, label) { return Math.max(m, String(label).length); }, 0);
    var perBar = (width - 60) / spec.x.length;
    return spec.x.length > 4 && perBar < longest * 7;
  }

  function valueAxis(name, spec, side) {
    return {
      type: "value",
      name: name || "",
      nameTextStyle: { fontFamily: FONT, align: side === "right" ? "right" : "left" },
      max: spec.percent ? 100 : null,
      axisLabel: {
        fontFamily: FONT,
        formatter: function (v) { return spec.percent ? v + "%" : formatNumber(v); }
      },
      scale: spec.kind === "line" && !spec.stack
    };
  }

  function buildOption(spec, width) {
    width = width || 600;
    if (preferHorizontal(spec, width)) { spec.horizontal = true; }
    var horizontal = !!spec.horizontal;
    var axes = spec.axes || [];
    var series = (spec.series || []).map(function (s, i) {
      var item = {
        name: s.name,
        type: spec.kind === "bar" ? "bar" : "line",
        data: s.data,
        showSymbol: false,
        connectNulls: false,
        yAxisIndex: horizontal ? 0 : (s.axis || 0),
        emphasis: { focus: "series" }
      };
      if (spec.stack) { item.stack = "total"; }
      if (spec.stack && spec.kind === "line") { item.areaStyle = { opacity: 0.25 }; }
      if (s.code && LAYER_COLOURS[s.code]) { item.itemStyle = { color: LAYER_COLOURS[s.code] }; }
      if (s.faint) { item.lineStyle = { width: 1, opacity: 0.5 }; item.itemStyle = { opacity: 0.5 }; }
      if (spec.kind === "bar" && (spec.series || []).length === 1) {
        item.label = {
          show: (s.data || []).length <= 16, position: horizontal ? "right" : "top", fontFamily: FONT,
          formatter: function (p) { return spec.percent ? p.value + "%" : formatNumber(p.value); }
        };
        if (spec.highlight && spec.highlight.length) {
          item.data = s.data.map(function (v, index) {
            return spec.highlight.indexOf(index) >= 0 ? { value: v, itemStyle: { color: "#c92a2a" } } : v;
          });
        }
      }
      if (i === 0 && spec.mark_areas && spec.mark_areas.length) {
        item.markArea = {
          silent: true,
          itemStyle: { color: "rgba(11, 92, 173, 0.06)", borderColor: "rgba(11, 92, 173, 0.3)", borderWidth: 1 },
          label: { fontFamily: FONT, color: "#52606d" },
          data: spec.mark_areas.map(function (a) { return [{ name: a.name, xAxis: a.start }, { xAxis: a.end }]; })
        };
      }
      if (i === 0 && spec.mark_lines && spec.mark_lines.length) {
        item.markLine = {
          silent: true, symbol: "none", lineStyle: { color: "#d9480f", type: "dashed" },
          label: { formatter: "{b}", fontFamily: FONT },
          data: spec.mark_lines.map(function (m) { return { name: m.name, xAxis: m.x }; })
        };
      }
      return item;
    });
    var yAxes = [valueAxis(axes[0], spec, "left")];
    if (axes.length > 1) { yAxes.push(valueAxis(axes[1], spec, "right")); }
    var manyPoints = spec.x && spec.x.length > 60;
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      animation: false,
      grid: { left: horizontal ? 8 : 12, right: axes.length > 1 ? 16 : 24, top: 48, bottom: manyPoints ? 60 : 28, containLabel: true },
      legend: { show: series.length > 1, type: "scroll", top: 0, textStyle: { fontFamily: FONT } },
      tooltip: {
        trigger: spec.kind === "bar" && !spec.stack ? "item" : "axis",
        valueFormatter: function (v) { return spec.percent ? v + "%" : formatNumber(v); },
        textStyle: { fontFamily: FONT }
      },
      dataZoom: manyPoints ? [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }] : [],
      xAxis: horizontal ? yAxes[0] : categoryAxis(spec, width),
      yAxis: horizontal ? Object.assign(categoryAxis(spec, width), { inverse: true }) : yAxes,
      series: series
    };
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var width = element.clientWidth || 600;
    if (preferHorizontal(spec, width)) { spec.horizontal = true; }
    var height = parseInt(element.getAttribute("data-height") || "320", 10);
    if (spec.horizontal && spec.x) { height = Math.max(height, 60 + spec.x.length * 28); }
    element.style.height = height + "px";
    if (!spec.x || !spec.x.length) { element.hidden = true; return; }
    var chart = window.echarts.init(element, null, { locale: locale, renderer: "canvas" });
    chart.setOption(buildOption(spec, width));
    charts.push({ chart: chart, spec: spec, element: element });
  });
  // The chart's one export control offers its data (CSV, from the server) and this picture.
  document.querySelectorAll("[data-chart-image]").forEach(function (button) {
    button.addEventListener("click", function () {
      var found = charts.filter(function (c) { return c.element.id === button.getAttribute("data-chart-image"); })[0];
      if (!found) { return; }
      var link = document.createElement("a");
      link.href = found.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      link.download = button.getAttribute("data-file-name") || "chart.png";
      document.body.appendChild(link);
      link.click();
      link.remove();
      button.closest("details").open = false;
    });
  });
  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      charts.forEach(function (c) {
        c.chart.resize();
        c.chart.setOption(buildOption(c.spec, c.element.clientWidth || 600), { notMerge: true });
      });
    }, 150);
  });
})();
