/* Shuangfang page behaviour.  Pages carry no inline script, event-handler attribute or inline style
   (the Content-Security-Policy forbids them): behaviour hangs on data- attributes, and chart data
   comes from <script type="application/json"> blocks written by Django's json_script. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
  });

  // The badge and figure colours, read from the style sheet so that they are defined in one place.
  function colour(name) {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--" + name).trim();
    return value || name;
  }

  var charts = [];

  // <div class="chart" data-chart-source="ID" hidden>: a stacked bar chart of per-child figures.
  // The data block holds {"names": [...], "series": [{"name", "color", "data": [...]}]}.  When
  // ECharts is not installed the box stays hidden and the table beside it tells the same story.
  function drawCharts(root) {
    if (!window.echarts) {
      return;
    }
    var boxes = root.querySelectorAll("[data-chart-source]");
    Array.prototype.forEach.call(boxes, function (box) {
      var source = document.getElementById(box.getAttribute("data-chart-source"));
      if (!source || box.getAttribute("data-chart-drawn")) {
        return;
      }
      var data;
      try {
        data = JSON.parse(source.textContent);
      } catch (error) {
        return;
      }
      if (!data.names || data.names.length === 0) {
        return;
      }
      box.hidden = false;
      box.setAttribute("data-chart-drawn", "1");
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      // Slant the names when they would not fit side by side (a dozen cities on a phone).
      var slanted = data.names.length * 56 > box.clientWidth;
      chart.setOption({
        animation: false,
        textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: {
          type: "category",
          data: data.names,
          axisLabel: { interval: 0, rotate: slanted ? 45 : 0, fontSize: 11 }
        },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (series) {
          return {
            name: series.name,
            type: "bar",
            stack: "states",
            barMaxWidth: 36,
            itemStyle: { color: colour(series.color) },
            data: series.data
          };
        })
      });
      charts.push(chart);
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    }, 150);
  });

  // After the window's load event: by then every deferred script, ECharts included (it comes after
  // this file in the page), has run.
  if (document.readyState === "complete") {
    drawCharts(document);
  } else {
    window.addEventListener("load", function () {
      drawCharts(document);
    });
  }

  // Content swapped in by htmx may carry charts of its own.
  document.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target || document);
  });
})();
