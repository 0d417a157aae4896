// Small enhancements of the equipment pages; every page works without them.
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

  // The print button of the label sheet.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // Irreversible actions (scrapping) ask once more.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
