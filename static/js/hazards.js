// Small enhancements of the hazard pages; every page works without them.
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

  // Actions that end a hazard's handling ask once more.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // The confirm form: the six contents of the 治理方案 concern a major hazard only. Without the script they are always
  // shown, under a heading that says so.
  document.querySelectorAll("select[data-grade-select]").forEach(function (select) {
    var form = select.form;
    var plan = form && form.querySelector("[data-plan-for-major]");
    if (!plan) {
      return;
    }
    var sync = function () {
      plan.hidden = select.value !== "major";
    };
    select.addEventListener("change", sync);
    sync();
  });

  // A task's checklist: "全部符合" ticks "ok" on every item not answered yet. Nothing is ticked before the checker
  // asks for it, and an item already answered otherwise keeps its answer.
  document.querySelectorAll("[data-all-ok-box]").forEach(function (box) {
    var button = box.querySelector("[data-all-ok]");
    var form = box.closest("form");
    if (!button || !form) {
      return;
    }
    box.hidden = false;
    button.addEventListener("click", function () {
      form.querySelectorAll(".hz-outcomes").forEach(function (group) {
        if (group.querySelector("input[type=radio]:checked")) {
          return;
        }
        var ok = group.querySelector("input[type=radio][value=ok]");
        if (ok) {
          ok.checked = true;
        }
      });
    });
  });
})();
