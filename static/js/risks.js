// Enhancements of the risk pages; every page works without them (the server decides everything).
// Loaded as a file (no inline script) so that a strict Content-Security-Policy can forbid inline code.
(function () {
  "use strict";

  // Open the filter box on wide screens; on a phone it stays folded above the list unless filters are set.
  var wide = window.matchMedia("(min-width: 721px)");
  document.querySelectorAll("details[data-open-wide]").forEach(function (box) {
    if (wide.matches) {
      box.open = true;
    }
  });

  // Irreversible actions (retiring a risk) ask once more.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // ------------------------------------------------------------------------------------------- the risk form

  function readScoring() {
    var source = document.getElementById("risk-scoring");
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  var form = document.querySelector("form[data-risk-form]");
  var scoring = readScoring();
  if (form && scoring) {
    var methodSelect = form.querySelector("[data-method-select]");
    var groups = form.querySelectorAll("[data-factor-group]");
    var result = form.querySelector("[data-live-result]");
    var scoreOut = form.querySelector("[data-live-score]");
    var levelOut = form.querySelector("[data-live-level]");
    var controlOut = form.querySelector("[data-live-control]");

    // Without the script every method's selects are shown and the method select decides; with it only the
    // chosen method's selects are shown.
    var showMethod = function () {
      var method = methodSelect ? methodSelect.value : "";
      groups.forEach(function (group) {
        group.hidden = group.getAttribute("data-factor-group") !== method;
      });
    };

    // The product of the chosen values and its band: a preview, the service grades on saving.
    var levelOf = function (method, score) {
      var bands = (scoring.methods[method] || {}).bands || [];
      for (var i = 0; i < bands.length; i += 1) {
        if (score >= bands[i].lower) {
          return bands[i].level;
        }
      }
      return null;
    };

    var showScore = function () {
      var method = methodSelect ? methodSelect.value : "";
      var group = form.querySelector('[data-factor-group="' + method + '"]');
      if (!group || !result) {
        return;
      }
      var score = 1;
      var complete = true;
      group.querySelectorAll("select[data-factor]").forEach(function (select) {
        var value = parseFloat(select.value);
        if (select.value === "" || isNaN(value)) {
          complete = false;
        } else {
          score *= value;
        }
      });
      if (!complete) {
        result.hidden = true;
        return;
      }
      score = Math.round(score * 100) / 100;
      var level = levelOf(method, score);
      var style = scoring.levels[level];
      if (!style) {
        result.hidden = true;
        return;
      }
      scoreOut.textContent = String(score);
      levelOut.textContent = style.label;
      levelOut.className = "badge badge-" + style.color;
      controlOut.textContent = style.control;
      result.hidden = false;
    };

    if (methodSelect) {
      methodSelect.addEventListener("change", function () {
        showMethod();
        showScore();
      });
    }
    form.addEventListener("change", function (event) {
      var select = event.target;
      if (select.matches && select.matches("select[data-factor]")) {
        // The option's text is "value — criterion": show the criterion in full under the select.
        var criterion = select.parentNode.querySelector("[data-criterion]");
        if (criterion) {
          var text = select.value ? select.options[select.selectedIndex].text : "";
          var longer = parseInt(select.getAttribute("data-long-criterion"), 10) || 0;
          criterion.textContent = text.length > longer ? text : "";
        }
        showScore();
      }
    });
    showMethod();
    showScore();

    // Measure rows: "add a row" copies the template row with the next free index.
    form.querySelectorAll("[data-measure-rows]").forEach(function (rows) {
      var template = rows.querySelector("template[data-measure-template]");
      var button = rows.querySelector("[data-add-measure]");
      if (!template || !button) {
        return;
      }
      button.addEventListener("click", function () {
        var index = parseInt(rows.getAttribute("data-next-index"), 10) || 0;
        var html = template.innerHTML.split("__index__").join(String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var row = holder.firstElementChild;
        rows.insertBefore(row, template);
        rows.setAttribute("data-next-index", String(index + 1));
        var field = row.querySelector("select");
        if (field) {
          field.focus();
        }
      });
    });
  }

  // ------------------------------------------------------------------------------------- applying templates

  var applyForm = document.querySelector("form[data-apply-form]");
  if (applyForm) {
    var boxes = applyForm.querySelectorAll('input[type="checkbox"][name="equipment"]');
    var counter = applyForm.querySelector("[data-chosen-count]");
    var templates = applyForm.querySelectorAll("[data-prefixes]");

    var covers = function (prefix, category) {
      return category.indexOf(prefix.replace(/0+$/, "")) === 0;
    };

    var refresh = function () {
      var categories = [];
      var chosen = 0;
      boxes.forEach(function (box) {
        if (box.checked) {
          chosen += 1;
          if (categories.indexOf(box.getAttribute("data-category")) < 0) {
            categories.push(box.getAttribute("data-category"));
          }
        }
      });
      if (counter) {
        counter.textContent = String(chosen);
      }
      // A template none of the chosen equipment's categories takes is shown faded: it would apply to nothing.
      templates.forEach(function (item) {
        var prefixes = item.getAttribute("data-prefixes").split(" ");
        var applies = categories.some(function (category) {
          return prefixes.some(function (prefix) {
            return covers(prefix, category);
          });
        });
        item.classList.toggle("rg-idle", chosen > 0 && !applies);
      });
    };

    var setAll = function (checked) {
      return function (event) {
        event.preventDefault();
        boxes.forEach(function (box) {
          box.checked = checked;
        });
        refresh();
      };
    };
    var all = applyForm.querySelector("[data-select-all]");
    var none = applyForm.querySelector("[data-select-none]");
    if (all) {
      all.addEventListener("click", setAll(true));
    }
    if (none) {
      none.addEventListener("click", setAll(false));
    }
    applyForm.addEventListener("change", refresh);
    refresh();
  }
})();
