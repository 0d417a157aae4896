/* The regulators' cockpit: pie charts (equipment by category, risks by level) and the bar chart of hazards per
   child region.  Data come from json_script blocks; clicking a slice or a bar opens the list or the child region's
   cockpit behind it.  Without ECharts the boxes stay hidden and the tables beside them tell the same story. */
(function () {
  "use strict";

  function colour(name) {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--" + name).trim();
    return value || name;
  }

  function readData(id) {
    var source = document.getElementById(id);
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  var charts = [];

  function open(url) {
    if (url) {
      window.location.href = url;
    }
  }

  function drawPie(box) {
    var data = readData(box.getAttribute("data-cockpit-pie"));
    if (!data || data.length === 0) {
      return;
    }
    var total = data.reduce(function (sum, item) { return sum + item.value; }, 0);
    if (total === 0) {
      return;
    }
    box.hidden = false;
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        type: "pie",
        radius: ["35%", "65%"],
        top: 0,
        bottom: 32,
        label: { formatter: "{b}\n{c}" },
        data: data.map(function (item) {
          var slice = { name: item.name, value: item.value, url: item.url };
          if (item.color) {
            slice.itemStyle = { color: colour(item.color) };
          }
          return slice;
        })
      }]
    });
    chart.on("click", function (params) { open(params.data && params.data.url); });
    charts.push(chart);
  }

  function drawBars(box) {
    var data = readData(box.getAttribute("data-cockpit-bars"));
    if (!data || !data.names || data.names.length === 0) {
      return;
    }
    box.hidden = false;
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    var slanted = data.names.length * 56 > box.clientWidth;
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: slanted ? 45 : 0, fontSize: 11 } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (series) {
        return { name: series.name, type: "bar", barMaxWidth: 28, itemStyle: { color: colour(series.color) }, data: series.data };
      })
    });
    // A bar opens the cockpit of its region.
    chart.on("click", function (params) { open(data.urls[params.dataIndex]); });
    charts.push(chart);
  }

  function draw() {
    if (!window.echarts) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-cockpit-pie]"), drawPie);
    Array.prototype.forEach.call(document.querySelectorAll("[data-cockpit-bars]"), drawBars);
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (chart) { chart.resize(); });
    }, 150);
  });

  if (document.readyState === "complete") {
    draw();
  } else {
    window.addEventListener("load", draw);
  }
})();
