/* People & roles: offer only the places and units that fit the chosen role.
 * Without JavaScript every option stays visible; the server checks the fit anyway. */
(function () {
  "use strict";
  var data = document.getElementById("role-groups");
  if (!data) return;
  var groups = JSON.parse(data.textContent);

  document.querySelectorAll("[data-role-fields]").forEach(function (box) {
    var role = box.querySelector("select[name='role']");
    var target = box.querySelector("select[name='target']");
    var targetBox = box.querySelector("[data-target-box]");
    var householdBox = box.querySelector("[data-household-box]");
    if (!role || !target || !targetBox || !householdBox) return;

    function update() {
      var group = groups[role.value] || "";
      var resident = group === "household";
      householdBox.hidden = !resident;
      targetBox.hidden = resident;
      var fitting = [];
      Array.prototype.forEach.call(target.options, function (option) {
        if (!option.value) return;
        var fits = !group || option.value.indexOf(group + ":") === 0;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits) fitting.push(option);
      });
      target.querySelectorAll("optgroup").forEach(function (optgroup) {
        optgroup.hidden = !optgroup.querySelector("option:not([disabled])");
      });
      var chosen = target.options[target.selectedIndex];
      if (chosen && chosen.disabled) target.value = "";
      // One fitting choice (the street, for a street admin): take it.
      if (group && fitting.length === 1) target.value = fitting[0].value;
    }

    role.addEventListener("change", update);
    update();
  });
})();
