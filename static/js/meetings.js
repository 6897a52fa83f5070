/* Meetings: count down the current speaker's time. Elements carry data-ends-at (ISO, UTC). */
(function () {
  function tick() {
    document.querySelectorAll("[data-ends-at]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.endsAt) - Date.now()) / 1000);
      var s = Math.max(0, left);
      el.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
      el.classList.toggle("over", left <= 0);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
