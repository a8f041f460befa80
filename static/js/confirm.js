// Forms with data-confirm ask before doing something that cannot be undone.
document.addEventListener("submit", function (event) {
  "use strict";
  var question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) { event.preventDefault(); }
});
