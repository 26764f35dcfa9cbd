// The site's search: phrase search over the index written by nianbao/site/search_index.py, all from this site.
// A query's bigrams name the shards to fetch; their postings give candidate pages; each candidate's own text is
// then checked for every term as an exact string (as Ctrl-F would), so no page without the words is listed.
(function () {
  "use strict";
  var root = document.getElementById("nb-search");
  if (!root) { return; }
  var base = root.getAttribute("data-index");
  var form = root.querySelector("form");
  var input = root.querySelector("input[name=q]");
  var status = root.querySelector(".nb-search-status");
  var list = root.querySelector(".nb-search-results");
  var more = root.querySelector(".nb-search-more");
  var BATCH = 10; // pages whose text is fetched at once; the first screen shows at least this many results
  var CHECKS = 40; // at most this many pages' texts per screen: the rest waits for 显示更多结果
  var cache = {};
  var current = null;

  // Same folding as search_index.fold: full-width ASCII → half-width, ideographic space → space, A–Z → a–z.
  function fold(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xFF01 && c <= 0xFF5E) { c -= 0xFEE0; }
      if (c === 0x3000) { c = 0x20; }
      if (c >= 0x41 && c <= 0x5A) { c += 32; }
      out += String.fromCharCode(c);
    }
    return out;
  }

  function get(name) {
    if (!cache[name]) {
      cache[name] = fetch(base + name).then(function (r) {
        if (!r.ok) { throw new Error(name + ": " + r.status); }
        return r.json();
      });
    }
    return cache[name];
  }

  function shardOf(gram, shards) { // FNV-1a over code points, as search_index.shard_of
    var h = 0x811C9DC5;
    Array.from(gram).forEach(function (ch) { h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0; });
    return h % shards;
  }

  function decode(runs) { // [gap, length - 1, ...] → sorted ids
    var ids = [], previous = -1;
    for (var i = 0; i + 1 < (runs || []).length; i += 2) {
      var start = previous + 1 + runs[i];
      for (var k = 0; k <= runs[i + 1]; k++) { ids.push(start + k); }
      previous = start + runs[i + 1];
    }
    return ids;
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) { i++; } else { j++; }
    }
    return out;
  }

  // The grams of a term: first the bigrams that cover it (a one-character term is its own unigram), then the
  // overlapping bigrams and the trigrams of its digit and letter runs, fetched only when the first leave more
  // candidates than one screen. Every page holding the term holds all of them; the page's own text decides.
  function grams(term) {
    var chars = Array.from(term), cover = [], extra = [];
    if (chars.length === 1) { return { cover: [term], extra: [] }; }
    for (var i = 0; i + 1 < chars.length; i++) {
      (i % 2 === 0 || i === chars.length - 2 ? cover : extra).push(chars[i] + chars[i + 1]);
    }
    (term.match(/[0-9a-z]{3,}/g) || []).forEach(function (run) {
      for (var k = 0; k + 3 <= run.length; k++) { extra.push(run.slice(k, k + 3)); }
    });
    return { cover: cover, extra: extra.filter(function (g) { return cover.indexOf(g) < 0; }) };
  }

  // Candidates: the pages in every gram's postings; `headed`: those with each gram in a heading.
  async function postings(meta, needed, found) {
    var shards = await Promise.all(needed.map(function (g) { return get("g/" + shardOf(g, meta.shards) + ".json"); }));
    needed.forEach(function (g, i) {
      var entry = shards[i][g] || [[], []];
      found.candidates = found.candidates === null ? decode(entry[0]) : intersect(found.candidates, decode(entry[0]));
      found.headed = found.headed === null ? decode(entry[1]) : intersect(found.headed, decode(entry[1]));
    });
    return found;
  }

  // Page id → {kind, agency, year}, in the order of search_index.SearchIndex.ordered.
  function pages(meta) {
    var out = [];
    meta.reports.forEach(function (entry) {
      decode(entry[1]).forEach(function (a) { out.push({ kind: "report", agency: a, year: entry[0] }); });
    });
    decode(meta.agency_pages).forEach(function (a) { out.push({ kind: "agency", agency: a, year: 0 }); });
    meta.years.forEach(function (y) { out.push({ kind: "year", agency: -1, year: y }); });
    return out;
  }

  function compare(a, b) {
    for (var i = 0; i < Math.max(a.length, b.length); i++) {
      var x = a[i] === undefined ? -Infinity : a[i], y = b[i] === undefined ? -Infinity : b[i];
      if (x !== y) { return x < y ? -1 : 1; }
    }
    return 0;
  }

  function contains(doc, term, headingsOnly) {
    return doc.b.some(function (block) { return (!headingsOnly || block[0]) && fold(block[1]).indexOf(term) >= 0; });
  }

  async function search(query) {
    var terms = fold(query).split(/\s+/).filter(function (t, i, all) { return t && all.indexOf(t) === i; });
    var state = { query: query, terms: terms, pending: [], results: [], shown: 0, exact: false, total: 0 };
    if (!terms.length) { return state; }
    var meta = await get("meta.json");
    var cover = [], extra = [];
    terms.forEach(function (t) {
      var g = grams(t);
      g.cover.forEach(function (x) { if (cover.indexOf(x) < 0) { cover.push(x); } });
      g.extra.forEach(function (x) { if (extra.indexOf(x) < 0) { extra.push(x); } });
    });
    var found = await postings(meta, cover, { candidates: null, headed: null });
    extra = extra.filter(function (x) { return cover.indexOf(x) < 0; });
    if (found.candidates.length > BATCH && extra.length) { found = await postings(meta, extra, found); }
    var candidates = found.candidates, headed = found.headed;
    var info = pages(meta);
    var names = meta.agencies.map(fold);
    // Ranking: the year's page for a year; an agency whose name holds every term (exact name first, then shorter
    // names), its agency page and then its reports newest first; then pages with the terms in a heading; then the
    // rest (ids: newest first).
    var headedSet = {};
    headed.forEach(function (id) { headedSet[id] = true; });
    // A year alone (2019, 2019年, 2019年度) puts that year's page first.
    var year = terms.length === 1 && /^(\d{4})(年度?)?$/.exec(terms[0]);
    state.pending = candidates.map(function (id) {
      var p = info[id], name = p.agency >= 0 ? names[p.agency] : null, key;
      if (year && p.kind === "year" && p.year === Number(year[1])) {
        key = [0, -1];
      } else if (name !== null && p.kind !== "year" && terms.every(function (t) { return name.indexOf(t) >= 0; })) {
        key = [0, name === terms.join(" ") ? 0 : 1, name.length, p.agency, p.kind === "agency" ? 0 : 1, -p.year];
      } else {
        key = [headedSet[id] ? 1 : 2, id];
      }
      return { id: id, key: key };
    }).sort(function (a, b) { return compare(a.key, b.key); });
    // A term of one or two characters is one posting: the candidates are then exactly the pages holding it.
    state.exact = terms.every(function (t) { return Array.from(t).length <= 2; });
    state.total = candidates.length;
    return state;
  }

  // Check candidates in ranked order until `want` more results are final: a checked page is final once no
  // unchecked candidate could rank before it (checking can only move a page down or out).
  async function fill(state, want) {
    var target = state.shown + want, checked = 0;
    while (state.pending.length && checked < CHECKS) {
      checked += Math.min(BATCH, state.pending.length);
      var batch = state.pending.splice(0, BATCH);
      var docs = await Promise.all(batch.map(function (c) { return get("d/" + c.id + ".json"); }));
      batch.forEach(function (c, i) {
        var doc = docs[i];
        if (!state.terms.every(function (t) { return contains(doc, t, false); })) { return; }
        var key = c.key;
        if (key[0] === 1 && !state.terms.every(function (t) { return contains(doc, t, true); })) { key = [2, c.id]; }
        state.results.push({ key: key, doc: doc });
      });
      state.results.sort(function (a, b) { return compare(a.key, b.key); });
      // Enough for this screen, unless so few candidates are left that checking them gives the exact count.
      if (final(state) >= target && state.pending.length > BATCH / 2) { break; }
    }
  }

  function final(state) {
    if (!state.pending.length) { return state.results.length; }
    var next = state.pending[0].key;
    return state.results.filter(function (r) { return compare(r.key, next) < 0; }).length;
  }

  function excerpt(doc, terms) {
    var best = null;
    doc.b.forEach(function (block, i) {
      var folded = fold(block[1]);
      var hits = terms.filter(function (t) { return folded.indexOf(t) >= 0; }).length;
      // The passage that holds the most terms; the page title (the first block) only when nothing else does.
      var score = hits * 2 - (i === 0 ? 1 : 0);
      if (hits && (best === null || score > best.score)) { best = { score: score, text: block[1], folded: folded }; }
    });
    var p = document.createElement("p");
    p.className = "nb-search-excerpt";
    if (!best) { return p; }
    var first = Math.min.apply(null, terms.map(function (t) {
      var at = best.folded.indexOf(t);
      return at < 0 ? Infinity : at;
    }));
    var start = Math.max(0, first - 30), end = Math.min(best.text.length, start + 140);
    var marks = [];
    terms.forEach(function (t) {
      for (var at = best.folded.indexOf(t, start); at >= 0 && at < end; at = best.folded.indexOf(t, at + 1)) {
        marks.push([at, Math.min(at + t.length, end)]);
      }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var at = start;
    if (start > 0) { p.appendChild(document.createTextNode("…")); }
    marks.forEach(function (m) {
      if (m[1] <= at) { return; }
      var from = Math.max(m[0], at);
      p.appendChild(document.createTextNode(best.text.slice(at, from)));
      var mark = document.createElement("mark");
      mark.textContent = best.text.slice(from, m[1]);
      p.appendChild(mark);
      at = m[1];
    });
    p.appendChild(document.createTextNode(best.text.slice(at, end) + (end < best.text.length ? "…" : "")));
    return p;
  }

  var KIND = { report: "报告", agency: "机构", year: "年度" };

  function render(state) {
    var done = final(state);
    for (var i = state.shown; i < done; i++) {
      var r = state.results[i];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "../" + r.doc.u;
      a.textContent = r.doc.t;
      var kind = document.createElement("span");
      kind.className = "nb-search-kind";
      kind.textContent = KIND[r.doc.u.split("/")[0] === "reports" ? "report" : r.doc.u.split("/")[0] === "agencies" ? "agency" : "year"];
      li.appendChild(kind);
      li.appendChild(a);
      li.appendChild(excerpt(r.doc, state.terms));
      list.appendChild(li);
    }
    state.shown = done;
    var quoted = "“" + state.query.trim() + "”";
    if (!state.pending.length) {
      status.textContent = done ? "共 " + done + " 个页面包含 " + quoted + "。" : "没有页面包含 " + quoted + "。";
    } else if (state.exact) {
      status.textContent = "共 " + state.total + " 个页面包含 " + quoted + "，已显示 " + done + " 个。";
    } else {
      status.textContent = "已显示 " + done + " 个包含 " + quoted + " 的页面；还有至多 " + (state.results.length - done + state.pending.length) + " 个，点“显示更多结果”查看。";
    }
    more.hidden = !state.pending.length;
    root.setAttribute("data-state", state.pending.length ? "more" : "done");
  }

  async function run(query) {
    var state = { query: query };
    current = state;
    list.textContent = "";
    more.hidden = true;
    if (!query.trim()) {
      status.textContent = "";
      root.setAttribute("data-state", "empty");
      return;
    }
    status.textContent = "正在搜索…";
    root.setAttribute("data-state", "busy");
    try {
      var found = await search(query);
      if (current !== state) { return; }
      current = found;
      await fill(found, BATCH);
      if (current === found) { render(found); }
    } catch (err) {
      status.textContent = "搜索出错：" + err.message;
      root.setAttribute("data-state", "error");
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    history.replaceState(null, "", "?q=" + encodeURIComponent(query));
    run(query);
  });
  more.addEventListener("click", async function () {
    var state = current;
    more.disabled = true;
    root.setAttribute("data-state", "busy");
    await fill(state, BATCH);
    more.disabled = false;
    if (current === state) { render(state); }
  });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) {
    input.value = q;
    run(q);
  }
})();
