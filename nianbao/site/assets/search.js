// Pagefind's search UI (its files are generated into the site at build time: nothing is fetched from elsewhere).
(function () {
  var ui = new PagefindUI({ element: "#nb-search", showSubResults: true, showImages: false,
    translations: { placeholder: "搜索报告", zero_results: "没有找到与 [SEARCH_TERM] 相关的报告" } });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { ui.triggerSearch(q); }
})();
