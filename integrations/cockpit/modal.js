// A PatternFly modal dialog: focus moves into it and stays there (Tab cycles), Escape and the
// close button cancel, and focus goes back to where it was when the dialog closes (to the same
// control rebuilt, when a live update replaced it meanwhile).
import { focusKey, h, uniqueId } from "./dom.js";
import { icon } from "./icons.js";
import { _ } from "./i18n.js";

const FOCUSABLE = "button:not([disabled]), input:not([disabled]), select:not([disabled]), " +
                  "textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

let open = null; // one dialog at a time

// { title, description?, body: node(s), footer: node(s), size: "sm"|"md", onClose? }
// Returns { root, body, footer, close() }.
export function openModal({ title, description = null, body = [], footer = [], size = "md", onClose = null, id }) {
    if (open)
        open.close();
    const titleId = uniqueId("rw-modal-title");
    const descId = description ? uniqueId("rw-modal-desc") : null;
    const returnTo = document.activeElement;
    const returnKey = returnTo ? focusKey(returnTo) : null;
    const bodyEl = h("div", { class: "pf-c-modal-box__body" }, body);
    const footerEl = h("footer", { class: "pf-c-modal-box__footer" }, footer);
    const box = h("div", { class: ["pf-c-modal-box", "pf-m-" + size], role: "dialog", "aria-modal": "true",
                           "aria-labelledby": titleId, "aria-describedby": descId, id },
                  h("button", { type: "button", class: "pf-c-button pf-m-plain", "aria-label": _("Close"),
                                onclick: () => handle.close() }, icon("close")),
                  h("header", { class: "pf-c-modal-box__header" },
                    h("h1", { class: "pf-c-modal-box__title", id: titleId }, title),
                    description && h("div", { class: "pf-c-modal-box__description", id: descId }, description)),
                  bodyEl, footerEl);
    const root = h("div", { class: "pf-c-backdrop rw-backdrop" }, h("div", { class: "pf-l-bullseye" }, box));
    const handle = {
        root: box,
        body: bodyEl,
        footer: footerEl,
        closed: false,
        close() {
            if (handle.closed)
                return;
            handle.closed = true;
            open = null;
            root.remove();
            document.removeEventListener("keydown", onKey, true);
            if (onClose)
                onClose();
            const back = returnTo && document.contains(returnTo)
                ? returnTo
                : returnKey && document.querySelector(returnKey);
            if (back)
                back.focus();
        },
    };
    const onKey = ev => trapKeys(ev, box, handle);
    document.addEventListener("keydown", onKey, true);
    document.body.append(root);
    open = handle;
    const first = bodyEl.querySelector(FOCUSABLE) || box.querySelector(FOCUSABLE);
    if (first)
        first.focus();
    return handle;
}

function trapKeys(ev, box, handle) {
    if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        handle.close();
    } else if (ev.key === "Tab") {
        const items = Array.from(box.querySelectorAll(FOCUSABLE)).filter(el => el.offsetParent !== null);
        if (items.length === 0)
            return;
        const first = items[0];
        const last = items[items.length - 1];
        if (ev.shiftKey && document.activeElement === first) {
            ev.preventDefault();
            last.focus();
        } else if (!ev.shiftKey && document.activeElement === last) {
            ev.preventDefault();
            first.focus();
        } else if (!box.contains(document.activeElement)) {
            ev.preventDefault();
            first.focus();
        }
    }
}

export function modalIsOpen() {
    return open !== null;
}
