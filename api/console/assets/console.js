// The console's own browser code: draw the run chart, and read a chosen key file into its text area.
// Everything else is htmx attributes in the server's HTML.
(function () {
  'use strict';
  function drawCharts(root) {
    root.querySelectorAll('canvas[data-chart="run-history"]').forEach(function (canvas) {
      var data = canvas.parentElement.querySelector('script[data-chart-data]');
      if (!data || !window.Chart) return;
      var runs = JSON.parse(data.textContent);
      var labels = runs.map(function (r) { return new Date(r.startedAt).toLocaleString(); });
      new window.Chart(canvas, {
        data: {
          labels: labels,
          datasets: [
            { type: 'bar', label: 'Records delivered', data: runs.map(function (r) { return r.delivered; }), yAxisID: 'records' },
            { type: 'line', label: 'Duration (s)', data: runs.map(function (r) { return r.durationMs / 1000; }), yAxisID: 'seconds' },
          ],
        },
        options: {
          animation: false,
          scales: {
            records: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'records' } },
            seconds: { type: 'linear', position: 'right', beginAtZero: true, title: { display: true, text: 'seconds' }, grid: { drawOnChartArea: false } },
          },
        },
      });
    });
  }
  document.addEventListener('change', function (e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.fills || !input.files || !input.files[0]) return;
    var target = document.getElementById(input.dataset.fills);
    input.files[0].text().then(function (text) { if (target) target.value = text; });
  });
  document.addEventListener('DOMContentLoaded', function () { drawCharts(document); });
  document.addEventListener('htmx:afterSettle', function (e) { drawCharts(e.target); });
})();
