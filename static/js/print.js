// "Print" buttons (marked data-print) are shown only when scripts run, and print the page.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
