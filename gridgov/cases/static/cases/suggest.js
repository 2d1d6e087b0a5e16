// The report form: as the resident types, the classifier's top three categories
// appear under the category list; a tap chooses one. Choosing is optional: a
// report without a category is classified again when it is sent.
(function () {
  "use strict";
  var box = document.getElementById("category-suggestions");
  if (!box) return;
  var text = document.getElementById(box.dataset.textInput);
  var select = document.getElementById(box.dataset.categoryInput);
  if (!text || !select) return;
  var timer = null;
  var asked = "";

  function show(top) {
    Array.prototype.slice.call(box.querySelectorAll("button")).forEach(function (b) { b.remove(); });
    top.forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-primary ms-1 mb-1 category-suggestion";
      button.dataset.category = item.category;
      button.textContent = item.name;
      button.addEventListener("click", function () {
        select.value = item.category;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      box.appendChild(button);
    });
    box.hidden = top.length === 0;
  }

  function ask() {
    var value = text.value.trim();
    if (value === asked) return;
    asked = value;
    fetch(box.dataset.url + "?text=" + encodeURIComponent(value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { top: [] }; })
      .then(function (data) { if (asked === value) show(data.top || []); })
      .catch(function () { show([]); });
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
  if (text.value.trim()) ask();
})();
