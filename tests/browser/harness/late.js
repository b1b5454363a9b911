"use strict";
// Past the 1.0 s LCP budget, a large block lands above the content: late LCP and a layout shift.
window.addEventListener("load", () => {
  setTimeout(() => {
    const banner = document.createElement("p");
    banner.id = "late";
    banner.className = "late";
    banner.textContent = "A large banner that arrives late, becomes the largest paint and "
      + "pushes everything below it down the page.";
    document.getElementById("main").prepend(banner);
  }, 1100);
});
