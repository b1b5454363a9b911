"use strict";
document.getElementById("js-state").textContent = "JavaScript is on.";
