// Entry point: follows Cockpit's light/dark style, then starts the page.
import { App } from "./app.js";

// Cockpit's shell keeps the admin's choice ("auto", "light", "dark") in localStorage under
// "shell:style" and tells its frames with a "cockpit-style" event; "auto" follows the browser.
function applyStyle(style) {
    const choice = style || localStorage.getItem("shell:style") || "auto";
    const dark = choice === "dark" ||
        (choice === "auto" && window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
    document.documentElement.classList.toggle("pf-theme-dark", dark);
}

window.addEventListener("storage", ev => { if (ev.key === "shell:style") applyStyle() });
window.addEventListener("cockpit-style", ev => applyStyle(ev.detail && ev.detail.style));
if (window.matchMedia)
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyStyle());
applyStyle();

const app = new App(window.cockpit, document.getElementById("rw-main"));
window.rolewallPage = app; // for a look from the browser's console
app.start();
