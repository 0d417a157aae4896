/* The four-colour map (四色图) and the risk notification card.  No inline script or style anywhere (the
   Content-Security-Policy forbids them): behaviour hangs on data- attributes, chart data comes from
   <script type="application/json"> blocks.  Every page works without this file: the map's markers are links, the
   points are placed with plain forms, and the figures are tables. */
(function () {
  "use strict";

  // <button data-print>: print the page (the card has its own A4 print style).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      window.print();
    }
  });

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    // The cookie may be unreadable (HttpOnly): base.html also hands the token to htmx on <body>.
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // ---------------------------------------------------------------- placing points by clicking the plan

  function setUpPlacing(map) {
    var svg = map.querySelector("[data-map-svg]");
    var status = document.querySelector("[data-place-status]");
    var width = parseFloat(map.getAttribute("data-width"));
    var height = parseFloat(map.getAttribute("data-height"));
    var sitePlan = parseInt(map.getAttribute("data-site-plan"), 10);
    var idleText = status ? status.textContent : "";
    var selected = null;
    var busy = false;

    function say(text, isError) {
      if (!status) {
        return;
      }
      status.textContent = text;
      status.classList.toggle("rk-status-error", Boolean(isError));
    }

    function choose(button) {
      if (selected) {
        selected.setAttribute("aria-pressed", "false");
      }
      if (button === selected || button === null) {
        selected = null;
        map.classList.remove("rk-map-placing");
        say(idleText, false);
        return;
      }
      selected = button;
      button.setAttribute("aria-pressed", "true");
      map.classList.add("rk-map-placing");
      say(map.getAttribute("data-text-click").replace("{name}", button.getAttribute("data-name")), false);
      map.scrollIntoView({ behavior: "smooth", block: "center" });
    }

    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-place-point]") : null;
      if (button) {
        choose(button);
      }
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && selected) {
        choose(null);
      }
    });

    function errorText(body) {
      if (!body || typeof body !== "object") {
        return "";
      }
      if (body.detail) {
        return String(body.detail);
      }
      var parts = [];
      Object.keys(body).forEach(function (name) {
        var value = body[name];
        parts.push(Array.isArray(value) ? value.join(" ") : String(value));
      });
      return parts.join(" ");
    }

    svg.addEventListener("click", function (event) {
      if (!selected) {
        return;
      }
      // While placing, a click on a marker places the point there rather than opening the marker's card.
      event.preventDefault();
      if (busy) {
        return;
      }
      var matrix = svg.getScreenCTM();
      if (!matrix) {
        return;
      }
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var inPlan = point.matrixTransform(matrix.inverse());
      var x = Math.min(Math.max(inPlan.x / width, 0), 1);
      var y = Math.min(Math.max(inPlan.y / height, 0), 1);
      busy = true;
      say(map.getAttribute("data-text-saving"), false);
      fetch(selected.getAttribute("data-place-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken()
        },
        body: JSON.stringify({
          version: parseInt(selected.getAttribute("data-version"), 10),
          site_plan: sitePlan,
          plan_x: x.toFixed(5),
          plan_y: y.toFixed(5)
        })
      })
        .then(function (response) {
          if (response.ok) {
            window.location.reload();
            return null;
          }
          return response.json().then(
            function (body) {
              throw new Error(errorText(body) || String(response.status));
            },
            function () {
              throw new Error(String(response.status));
            }
          );
        })
        .catch(function (error) {
          busy = false;
          say(map.getAttribute("data-text-failed") + error.message, true);
        });
    });
  }

  // ---------------------------------------------------------------- the four-colour distribution pie

  function colour(name) {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--" + name).trim();
    return value || name;
  }

  var charts = [];

  // <div data-pie-source="ID" hidden>: a pie of {"items": [{"name", "value", "color"}]}; without ECharts the box
  // stays hidden and the table under it gives the same figures.
  function drawPies() {
    if (!window.echarts) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-pie-source]"), function (box) {
      var source = document.getElementById(box.getAttribute("data-pie-source"));
      var data;
      try {
        data = JSON.parse(source.textContent);
      } catch (error) {
        return;
      }
      var total = data.items.reduce(function (sum, item) {
        return sum + item.value;
      }, 0);
      if (total === 0) {
        return;
      }
      box.hidden = false;
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0 },
        series: [
          {
            name: data.title,
            type: "pie",
            radius: ["35%", "65%"],
            center: ["50%", "45%"],
            label: { formatter: "{b}\n{c}" },
            data: data.items
              .filter(function (item) {
                return item.value > 0;
              })
              .map(function (item) {
                return { name: item.name, value: item.value, itemStyle: { color: colour(item.color) } };
              })
          }
        ]
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

  function start() {
    var map = document.querySelector("[data-map]");
    if (map && document.querySelector("[data-place-point]")) {
      setUpPlacing(map);
    }
    drawPies();
  }

  // After the load event every deferred script has run, ECharts included.
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
