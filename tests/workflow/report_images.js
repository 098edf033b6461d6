// Injected into a copy of the Snakemake report by tests/workflow/test_report.py: once the landing
// page shows the benchmark table, load every <img> on the page and every image result the report
// embeds (its global `results`: path -> {mime_type, data_uri}), plus one broken image as a control,
// and write what loaded as JSON into a pre element (id neurorecon-image-check) for `chromium --dump-dom`.
(function () {
  function report(payload) {
    var out = document.createElement("pre");
    out.id = "neurorecon-image-check";
    out.textContent = JSON.stringify(payload);
    document.body.appendChild(out);
  }
  function load(src) {
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () { resolve(img.naturalWidth > 0 && img.naturalHeight > 0); };
      img.onerror = function () { resolve(false); };
      img.src = src;
    });
  }
  function shownOk(img) {
    return img.complete ? Promise.resolve(img.naturalWidth > 0) : load(img.src);
  }
  function check() {
    if (!document.getElementById("benchmark-table")) { return false; }
    var shown = Array.prototype.slice.call(document.images);
    var figures = [];
    if (typeof results === "object") {
      Object.keys(results).forEach(function (path) {
        var entry = results[path];
        if (entry && /^image\//.test(entry.mime_type || "")) { figures.push([path, entry.data_uri]); }
      });
    }
    Promise.all([
      Promise.all(shown.map(shownOk)),
      Promise.all(figures.map(function (f) { return load(f[1]); })),
      load("data:image/png;base64,AAAA")
    ]).then(function (outcome) {
      report({
        broken_control_loaded: outcome[2],
        landing_images: shown.map(function (img, i) { return {id: img.id, alt: img.alt, ok: outcome[0][i]}; }),
        figures: figures.map(function (f, i) { return {path: f[0], ok: outcome[1][i]}; })
      });
    });
    return true;
  }
  var tries = 0;
  (function poll() {
    if (check()) { return; }
    if (++tries > 200) { report({error: "no benchmark table on the landing page after 10 s"}); return; }
    setTimeout(poll, 50);
  })();
})();
