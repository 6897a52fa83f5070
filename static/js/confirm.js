/* Ask before an action that cannot be undone. A submit button (or its form) carries
   data-confirm="question"; cancelling the browser's dialog stops the post. Without JavaScript the
   form posts as it is: the server never relies on the question having been asked. */
document.addEventListener("submit", function (event) {
  var source = event.submitter && event.submitter.closest("[data-confirm]") || event.target;
  var question = source.getAttribute && source.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
