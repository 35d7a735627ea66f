/* sphinx-incidents: the open-incident banner.
 *
 * _static/incidents-banner.js (generated with the site, loaded before this script) sets
 * window.sphinxIncidentsBanner to the open incidents at or above the configured severity,
 * or null.  This script puts one short banner at the top of the page's main content:
 * "<project> is experiencing a Severity 1 incident: <title>, <status>, since <time>",
 * linking to the incident's page.  Record text only ever becomes text nodes. */
(function () {
  "use strict";

  function link(root, url, text) {
    if (!url) return document.createTextNode(text);
    var anchor = document.createElement("a");
    anchor.href = root + url;
    anchor.textContent = text;
    return anchor;
  }

  function render() {
    var data = window.sphinxIncidentsBanner;
    if (!data || !data.incidents || !data.incidents.length) return;
    if (document.querySelector(".incident-banner")) return;
    var root = data.root || "";
    var first = data.incidents[0];
    var banner = document.createElement("div");
    banner.className = "incident-banner incident-banner-sev-" + Number(first.severity);
    banner.setAttribute("role", "status");
    var text = document.createElement("p");
    text.appendChild(document.createTextNode(
      data.project + " is experiencing a Severity " + first.severity + " incident: "));
    text.appendChild(link(root, first.url, first.title));
    text.appendChild(document.createTextNode(", " + first.status + ", since " + first.since));
    if (first["private"]) {
      var mark = document.createElement("span");
      mark.className = "incident-badge incident-private";
      mark.textContent = "private";
      text.appendChild(document.createTextNode(" "));
      text.appendChild(mark);
    }
    text.appendChild(document.createTextNode("."));
    var others = Number(data.count) - 1;
    if (others > 0) {
      text.appendChild(document.createTextNode(" "));
      text.appendChild(link(root, data.index,
        others === 1 ? "1 more open incident" : others + " more open incidents"));
      text.appendChild(document.createTextNode("."));
    }
    banner.appendChild(text);
    var main = document.querySelector('[role="main"]') || document.querySelector("main") ||
      document.body;
    main.insertBefore(banner, main.firstChild);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
