// leakfence HTML report: sorts and filters the credential rows rendered in the page. It
// reads nothing from the network and writes only attributes and text, never markup.
(function () {
  "use strict";
  var table = document.getElementById("credential-table");
  if (!table) {
    return;
  }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody.credential"));
  var byId = function (id) { return document.getElementById(id); };
  var rule = byId("filter-rule");
  var verdict = byId("filter-verdict");
  var head = byId("filter-head");
  var path = byId("filter-path");
  var shown = byId("shown");

  function filter() {
    var wantRule = rule.value;
    var wantVerdict = verdict.value;
    var onlyHead = head !== null && head.checked;
    var text = path.value.trim().toLowerCase();
    var visible = 0;
    rows.forEach(function (row) {
      var keep = (wantRule === "" || row.dataset.rule === wantRule) &&
        (wantVerdict === "" || row.dataset.verdict === wantVerdict) &&
        (!onlyHead || row.dataset.head === "yes") &&
        (text === "" || row.dataset.paths.indexOf(text) !== -1);
      row.hidden = !keep;
      if (keep) {
        visible += 1;
      }
    });
    shown.textContent = "showing " + visible + " of " + rows.length + " credentials";
  }

  function value(row, key, numeric) {
    var raw = row.dataset[key];
    return numeric ? Number(raw) : raw;
  }

  function sortBy(header) {
    var key = header.dataset.sort;
    var numeric = header.dataset.numeric === "true";
    var direction = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("th[data-sort]").forEach(function (other) {
      other.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = value(a, key, numeric);
      var y = value(b, key, numeric);
      var order = x < y ? -1 : (x > y ? 1 : 0);
      return order * direction || Number(a.dataset.order) - Number(b.dataset.order);
    });
    rows.forEach(function (row) { table.appendChild(row); });
  }

  table.querySelectorAll("th[data-sort] button").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button.parentNode); });
  });
  [rule, verdict, head, path].forEach(function (control) {
    if (control !== null) {
      control.addEventListener("input", filter);
      control.addEventListener("change", filter);
    }
  });
  byId("filters").addEventListener("submit", function (event) { event.preventDefault(); });
  filter();
}());
