/* Ask before an action that cannot be undone. A submit button (or its form) carries
   data-confirm="question"; cancelling the browser's dialog stops the post. Once the person said
   yes, the form gets confirmed=1, so the server acts at once. Without JavaScript the form posts
   without it and the server shows its own confirmation page (deliberation/core/confirmation.py). */
document.addEventListener("submit", function (event) {
  var source = event.submitter && event.submitter.closest("[data-confirm]") || event.target;
  var question = source.getAttribute && source.getAttribute("data-confirm");
  if (!question) return;
  if (!window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    return;
  }
  var form = event.target;
  var flag = form.querySelector("input[name=confirmed]");
  if (!flag) {
    flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "confirmed";
    form.appendChild(flag);
  }
  flag.value = "1";
}, true);
