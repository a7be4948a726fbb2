/* Fangguan charts: ECharts bar/line charts from specifications the server renders as JSON (never
   executed). A container [data-charts-source="ID"] names the <script type="application/json">
   holding a list of specs; each spec draws into the element with its id:

     {id, title, categories: [...], percent: bool, axes: ["left axis", "right axis"],
      series: [{name, type: "bar"|"line", axis: 0|1, data: [...], urls: [...]}]}

   A click on a bar or point opens urls[index] (the list of the records it counts). SVG renderer:
   sharp when printed. */
(function () {
  "use strict";

  var charts = [];

  function option(spec) {
    var percent = Boolean(spec.percent);
    var axes = spec.axes && spec.axes.length ? spec.axes : [""];
    var format = function (v) { return v === null || v === undefined ? "—" : (percent ? v + "%" : String(v)); };
    return {
      animation: false,
      color: ["#206bc4", "#f59f00", "#2fb344", "#d63939"],
      // richText: the tooltip is drawn in the chart's SVG, not as HTML with style attributes (CSP)
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: format },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 56, containLabel: true },
      xAxis: { type: "category", data: spec.categories,
               axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 35 : 0 } },
      yAxis: axes.map(function (name, i) {
        return { type: "value", name: name, position: i ? "right" : "left", max: percent ? 100 : null,
                 splitLine: { show: i === 0 } };
      }),
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type || "bar", data: s.data, yAxisIndex: s.axis || 0, barMaxWidth: 48,
                 cursor: s.urls && s.urls.length ? "pointer" : "default" };
      })
    };
  }

  function draw(element, spec) {
    var lang = (document.documentElement.lang || "zh").toLowerCase();
    var chart = window.echarts.init(element, null, { renderer: "svg", locale: lang.indexOf("zh") === 0 ? "ZH" : "EN" });
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var series = spec.series[params.seriesIndex];
      var url = series && series.urls ? series.urls[params.dataIndex] : null;
      if (url) { window.location.href = url; }
    });
    element.dataset.ready = "true";
    charts.push(chart);
    return chart;
  }

  function init() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-charts-source]").forEach(function (container) {
      var source = document.getElementById(container.dataset.chartsSource);
      if (!source) { return; }
      JSON.parse(source.textContent).forEach(function (spec) {
        var element = document.getElementById(spec.id);
        if (element) { draw(element, spec); }
      });
    });
  }

  function resize() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  window.FangguanCharts = { charts: charts, option: option };
  init();
})();
