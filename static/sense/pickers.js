// Searchable pickers: a filter box in front of every <select data-searchable>.  Typing narrows the
// options (name or code, Chinese or English) and picks the first match; the select stays the real
// form control, so the page works without JavaScript and with a screen reader.
(function () {
  "use strict";
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var all = Array.prototype.map.call(select.options, function (option) {
      var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
      return { value: option.value, text: option.text, group: group, search: (option.text + " " + option.value).toLowerCase() };
    });
    var label = document.querySelector('label[for="' + select.id + '"]');
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-filter";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("aria-label", (label ? label.textContent.trim() + " · " : "") + (select.getAttribute("data-filter-label") || "filter"));
    input.placeholder = document.documentElement.lang.indexOf("zh") === 0 ? "输入筛选…" : "Type to filter…";
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var query = input.value.trim().toLowerCase();
      var current = select.value;
      select.textContent = "";
      var keep = false;
      var groups = {};
      all.forEach(function (item) {
        if (!query || item.search.indexOf(query) !== -1) {
          var option = new Option(item.text, item.value);
          if (item.value === current) { option.selected = true; keep = true; }
          if (item.group) {  // keep "recently used" and the other groups as they were
            if (!groups[item.group]) {
              groups[item.group] = document.createElement("optgroup");
              groups[item.group].label = item.group;
              select.appendChild(groups[item.group]);
            }
            groups[item.group].appendChild(option);
          } else {
            select.appendChild(option);
          }
        }
      });
      if (!keep && select.options.length) { select.selectedIndex = 0; }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
  });
})();
