// The query page: "Edit it" copies an example into the query box.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("query");
  for (const button of document.querySelectorAll("button.use")) {
    button.addEventListener("click", () => {
      if (box) { box.value = button.dataset.query; box.focus(); }
    });
  }
});
