// A table wider than its box scrolls sideways inside its .table-responsive
// wrapper. A keyboard reaches such a region only if it can take the focus
// (axe: scrollable-region-focusable), so the wrapper gets tabindex="0" while,
// and only while, it actually overflows: a table that fits adds no tab stop.
// It is then a named region too, named after its table's caption, so a
// screen reader says what the focus landed on.
(function () {
  function aggiorna() {
    document.querySelectorAll(".table-responsive").forEach(function (riquadro) {
      if (riquadro.scrollWidth > riquadro.clientWidth + 1) {
        var didascalia = riquadro.querySelector("caption");
        riquadro.setAttribute("tabindex", "0");
        riquadro.setAttribute("role", "region");
        if (!riquadro.hasAttribute("aria-label")) {
          riquadro.setAttribute(
            "aria-label",
            didascalia ? didascalia.textContent.trim() : document.body.dataset.tabellaScorrevole
          );
        }
      } else {
        riquadro.removeAttribute("tabindex");
        riquadro.removeAttribute("role");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", aggiorna);
  window.addEventListener("resize", aggiorna);
  // <details> opened later may hold a table that only then has a width.
  document.addEventListener("toggle", aggiorna, true);
})();
