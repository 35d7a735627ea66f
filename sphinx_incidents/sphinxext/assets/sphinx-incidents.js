/* sphinx-incidents: sort tables of class "incident-sortable" by clicking a header.
 * Offline, no dependencies.  A cell sorts by the data-sort-value of its first element
 * that has one (the build puts numbers there for times, durations and levels), else by its
 * text; numbers compare as numbers, other text in code point order; empty values sort last
 * in both directions.  Headers carry aria-sort and respond to Enter and Space. */
(function () {
  "use strict";

  function sortKey(cell) {
    if (!cell) return "";
    var holder = cell.querySelector("[data-sort-value]");
    var value = holder ? holder.getAttribute("data-sort-value") : cell.textContent;
    return (value || "").trim();
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === "") return 1;
    if (b === "") return -1;
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    return a < b ? -1 : 1; // code point order, as the build sorted (ids, dates, keys)
  }

  function sortBy(table, headers, index) {
    var header = headers[index];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
      return { row: row, key: sortKey(row.cells[index]), position: position };
    });
    rows.sort(function (p, q) {
      var order = compare(p.key, q.key);
      if (order !== 0 && p.key !== "" && q.key !== "") order = ascending ? order : -order;
      return order || p.position - q.position;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
    headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function setUp(table) {
    if (!table.tHead || !table.tHead.rows.length) return;
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (header, index) {
      header.setAttribute("aria-sort", "none");
      header.setAttribute("tabindex", "0");
      header.setAttribute("title", "Sort by this column");
      header.addEventListener("click", function () { sortBy(table, headers, index); });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, headers, index);
        }
      });
    });
    // The build sorted the rows already: class "incident-sorted-<column index>-<asc|desc>".
    var match = /(?:^|\s)incident-sorted-(\d+)-(asc|desc)(?:\s|$)/.exec(table.className);
    if (match && headers[Number(match[1])]) {
      headers[Number(match[1])].setAttribute(
        "aria-sort", match[2] === "asc" ? "ascending" : "descending");
    }
  }

  function init() {
    var tables = document.querySelectorAll("table.incident-sortable");
    Array.prototype.forEach.call(tables, setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
