/* sphinx-incidents: sort tables of class "incident-sortable" by clicking a header, and
 * compute what depends on "now" from the timestamps, with the reader's clock.
 * Offline, no dependencies.
 *
 * Sorting: a cell sorts by the data-sort-value of its first element that has one (the build
 * puts numbers there for times, durations and levels), else by its text; numbers compare as
 * numbers, other text in code point order; empty values sort last in both directions.
 * Headers carry aria-sort and respond to Enter and Space.
 *
 * The clock: pages never depend on when they were built (see sphinxext/clock.py), so
 * - <time class="incident-elapsed" datetime=T data-incident-elapsed="open for {}"> gets
 *   the time from T to now ("3 d 4 h", as the build writes durations; or whole days with
 *   data-incident-unit="days"), plus data-incident-base seconds; the absolute time it
 *   showed moves to its title;
 * - <time class="incident-moment" datetime=T data-incident-future=" (future)"> gets that
 *   suffix when T is after now;
 * - <div class="incident-by-week" data-incident-weeks='{"2024-05-27": "alex"}'> shows the
 *   child whose data-incident-runner is the runner of this week (Monday, UTC; "" for none);
 *   weeks not listed come from data-incident-cycle='{"start": "2024-05-06", "order": [...]}'
 *   when there is one (one week each from start on, round and round, as Roster.runner_for);
 * - Mermaid Gantt charts: the line after "%% incidents-ongoing" ends at now, and the line
 *   after "%% incidents-axis <first start>" picks its axis format, before Mermaid draws
 *   them (this script is deferred, Mermaid renders on load). */
(function () {
  "use strict";

  var DAY = 86400000;

  function formatDuration(seconds) {
    // as format_duration in core/analytics/basics.py: the two largest units, truncated
    if (seconds < 0) return "-" + formatDuration(-seconds);
    seconds = Math.floor(seconds);
    if (seconds < 60) return "< 1 min";
    var units = [["d", 86400], ["h", 3600], ["min", 60]];
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1]) {
        var text = Math.floor(seconds / units[i][1]) + " " + units[i][0];
        if (i + 1 < units.length) {
          var rest = Math.floor((seconds % units[i][1]) / units[i + 1][1]);
          if (rest) text += " " + rest + " " + units[i + 1][0];
        }
        return text;
      }
    }
    return "";
  }

  function showElapsed(node, now) {
    var start = Date.parse(node.getAttribute("datetime"));
    if (isNaN(start)) return;
    var seconds = (now - start) / 1000 + Number(node.getAttribute("data-incident-base") || 0);
    var value = node.getAttribute("data-incident-unit") === "days"
      ? String(Math.max(0, Math.floor(seconds / 86400)))
      : formatDuration(seconds);
    if (!node.title) node.title = node.textContent;
    node.textContent = (node.getAttribute("data-incident-elapsed") || "{}").replace("{}", value);
  }

  function markFuture(node, now) {
    var at = Date.parse(node.getAttribute("datetime"));
    if (!isNaN(at) && at > now && !node.hasAttribute("data-incident-marked")) {
      node.setAttribute("data-incident-marked", "");
      node.appendChild(document.createTextNode(node.getAttribute("data-incident-future")));
    }
  }

  function mondayOf(now) {
    var day = new Date(now);
    var monday = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
    return monday.toISOString().slice(0, 10);
  }

  function cycleRunner(block, monday) {
    // the rotation cycle's runner of the week starting on monday ("" before its start)
    var cycle;
    try {
      cycle = JSON.parse(block.getAttribute("data-incident-cycle") || "{}");
    } catch (error) {
      return "";
    }
    if (!cycle.start || !cycle.order || !cycle.order.length || monday < cycle.start) return "";
    var weeks = Math.round((Date.parse(monday) - Date.parse(cycle.start)) / (7 * DAY));
    return cycle.order[weeks % cycle.order.length];
  }

  function chooseWeek(block, now) {
    var weeks;
    try {
      weeks = JSON.parse(block.getAttribute("data-incident-weeks") || "{}");
    } catch (error) {
      return;
    }
    var monday = mondayOf(now);
    var runner = Object.prototype.hasOwnProperty.call(weeks, monday)
      ? weeks[monday] : cycleRunner(block, monday);
    var chosen = null;
    Array.prototype.forEach.call(block.children, function (child) {
      if (child.getAttribute("data-incident-runner") === runner) chosen = child;
    });
    if (!chosen) return;
    Array.prototype.forEach.call(block.children, function (child) {
      child.hidden = child !== chosen;
    });
  }

  function stamp(now) {
    return new Date(now).toISOString().slice(0, 19) + "+00:00";
  }

  function extendGantt(chart, now) {
    var text = chart.textContent;
    if (text.indexOf("%% incidents-") < 0 || chart.getAttribute("data-processed")) return;
    var lines = text.split("\n");
    for (var i = 0; i + 1 < lines.length; i++) {
      var marker = lines[i].trim();
      if (marker === "%% incidents-ongoing") {
        var parts = lines[i + 1].replace(/\s+$/, "").split(", ");
        var start = Date.parse(parts[parts.length - 2]);
        if (parts.length > 2 && !isNaN(start) && now > start) {
          parts[parts.length - 1] = stamp(now);
          lines[i + 1] = parts.join(", ");
        }
      } else if (marker.indexOf("%% incidents-axis ") === 0) {
        var first = Date.parse(marker.slice("%% incidents-axis ".length));
        if (!isNaN(first)) {
          // as directives/timeline.py's axis_format
          var span = now - first;
          var format = span < 2 * DAY ? "%H:%M" : span < 8 * DAY ? "%m-%d %H:%M" : "%m-%d";
          lines[i + 1] = lines[i + 1].replace(/axisFormat .*/, "axisFormat " + format);
        }
      }
    }
    chart.textContent = lines.join("\n");
  }

  function applyClock() {
    var now = Date.now();
    var each = function (selector, action) {
      Array.prototype.forEach.call(document.querySelectorAll(selector), function (node) {
        action(node, now);
      });
    };
    each("time.incident-elapsed", showElapsed);
    each("time.incident-moment", markFuture);
    each("div.incident-by-week", chooseWeek);
    each(".mermaid", extendGantt);
  }

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
    applyClock();
    var tables = document.querySelectorAll("table.incident-sortable");
    Array.prototype.forEach.call(tables, setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
