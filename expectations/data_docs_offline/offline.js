/* Stands in for the jQuery, Bootstrap and bootstrap-table that GX Data Docs load from CDNs,
   so that the docs open offline (expectations/validate.py:make_docs_offline links it). It
   does what the pages use: the index's tables (drawn from the rows the page carries), the
   tabs and collapsible sections, showing and hiding; nothing is fetched. */
(function () {
  function Q(sel) {
    if (!(this instanceof Q)) return new Q(sel);
    if (sel === document || sel === window || (sel && sel.nodeType)) this.els = [sel];
    else if (typeof sel === "string") {
      try { this.els = Array.prototype.slice.call(document.querySelectorAll(sel)); } catch (e) { this.els = []; }
    } else this.els = [];
  }
  function each(q, fn) { q.els.forEach(fn); return q; }
  Q.prototype.ready = function (fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
    return this;
  };
  Q.prototype.on = function (name, fn) { return this; };
  Q.prototype.addClass = function (c) { return each(this, function (e) { e.classList && e.classList.add(c); }); };
  Q.prototype.removeClass = function (c) { return each(this, function (e) { e.classList && e.classList.remove(c); }); };
  Q.prototype.fadeIn = Q.prototype.show = function () { return each(this, function (e) { e.style.display = ""; }); };
  Q.prototype.fadeOut = Q.prototype.hide = function () { return each(this, function (e) { e.style.display = "none"; }); };
  Q.prototype.modal = function () { return this; };
  Q.prototype.parent = function () {
    var q = new Q(null); q.els = this.els.map(function (e) { return e.parentNode; }).filter(Boolean); return q;
  };
  function option(value) { return typeof value === "string" && typeof window[value] === "function" ? window[value] : value; }
  function draw(table, opts) {
    var columns = opts.columns || [], rows = (opts.data || []).slice();
    var sortBy = opts.sortName;
    columns.forEach(function (c) { if (c.field === sortBy && c.sortName) sortBy = c.sortName; });
    if (sortBy) rows.sort(function (a, b) {
      var x = a[sortBy], y = b[sortBy], d = x < y ? -1 : x > y ? 1 : 0;
      return opts.sortOrder === "desc" ? -d : d;
    });
    var head = "<thead><tr>" + columns.map(function (c) { return "<th>" + (c.title || "") + "</th>"; }).join("") + "</tr></thead>";
    table.innerHTML = head + "<tbody></tbody>";
    var body = table.querySelector("tbody"), attributes = option(opts.rowAttributes);
    rows.forEach(function (row, i) {
      var tr = document.createElement("tr");
      tr.innerHTML = columns.map(function (c) { return "<td>" + (row[c.field] == null ? "" : row[c.field]) + "</td>"; }).join("");
      var attrs = typeof attributes === "function" ? attributes(row, i) : {};
      if (attrs && attrs["data-href"]) {
        tr.className = "clickable-row";
        tr.addEventListener("click", function () { window.location = attrs["data-href"]; });
      }
      body.appendChild(tr);
    });
  }
  Q.prototype.bootstrapTable = function (opts) {
    if (typeof opts !== "object") return this;
    return each(this, function (table) { draw(table, opts); });
  };
  window.$ = window.jQuery = Q;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-toggle]");
    if (!link) return;
    var kind = link.getAttribute("data-toggle"), target = link.getAttribute("data-target") || link.getAttribute("href");
    if (!target || target.charAt(0) !== "#") return;
    var pane = document.getElementById(target.slice(1));
    if (!pane) return;
    event.preventDefault();
    if (kind === "tab") {
      Array.prototype.forEach.call(pane.parentNode.children, function (p) { p.classList.remove("active", "show"); });
      pane.classList.add("active", "show");
      var nav = link.closest(".nav");
      if (nav) Array.prototype.forEach.call(nav.querySelectorAll("[data-toggle=tab]"), function (a) { a.classList.remove("active"); });
      link.classList.add("active");
    } else if (kind === "collapse") {
      pane.classList.toggle("show");
    }
  });
})();
