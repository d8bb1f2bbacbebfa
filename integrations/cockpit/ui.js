// PatternFly 4 widgets as Cockpit 287 styles them (the markup of PatternFly's HTML/CSS
// components, which Cockpit's own pages render through PatternFly React).
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { _ } from "./i18n.js";

// variant: primary | secondary | link | plain | danger; extra: more props for h().
export function button(text, onclick, { variant = "secondary", inline = false, ...extra } = {}) {
    const cls = ["pf-c-button", "pf-m-" + variant, inline && "pf-m-inline", extra.class];
    delete extra.class;
    return h("button", { type: "button", class: cls, onclick, ...extra }, text);
}

const ALERT_NAMES = {
    success: _("Success alert:"),
    danger: _("Danger alert:"),
    warning: _("Warning alert:"),
    info: _("Info alert:"),
};

// An inline alert: type success|danger|warning|info; body: node(s) or text; actions: buttons.
export function alert(type, title, { body = null, actions = [], inline = true, close = null, id } = {}) {
    return h("div", { class: ["pf-c-alert", inline && "pf-m-inline", "pf-m-" + type], id,
                      "aria-label": ALERT_NAMES[type] },
             h("div", { class: "pf-c-alert__icon" }, icon(type === "danger" ? "danger" : type)),
             h("p", { class: "pf-c-alert__title" },
               h("span", { class: "pf-screen-reader" }, ALERT_NAMES[type] + " "), title),
             close && h("div", { class: "pf-c-alert__action" },
                        button(icon("close"), close, { variant: "plain", "aria-label": _("Close") })),
             body !== null && h("div", { class: "pf-c-alert__description" }, body),
             actions.length > 0 && h("div", { class: "pf-c-alert__action-group" }, actions));
}

// The daemon's error, as the admin reads it: its own sentence, and the error's name.
export function errorAlert(title, error, { actions = [], id } = {}) {
    const lines = String(error.message || error).split("\n");
    return alert("danger", title, {
        id,
        actions,
        body: [h("p", { class: "rw-error-message" }, lines[0]),
            lines.length > 1 && h("pre", { class: "rw-error-details" }, lines.slice(1).join("\n")),
            error.short && h("p", { class: "rw-error-name" }, error.name)],
    });
}

// Toast alerts in the top right corner, gone after 8 s (danger ones stay until closed).
export function toast(type, title, body = null) {
    let group = document.getElementById("rw-toasts");
    if (!group) {
        group = h("ul", { class: "pf-c-alert-group pf-m-toast rw-toasts", id: "rw-toasts",
                          role: "status", "aria-live": "polite" });
        document.body.append(group);
    }
    const item = h("li", { class: "pf-c-alert-group__item" });
    const close = () => item.remove();
    item.append(alert(type, title, { inline: false, body, close }));
    group.append(item);
    if (type !== "danger")
        setTimeout(close, 8000);
    return item;
}

export function emptyState(title, body = null, { iconName = "shield", actions = [], id } = {}) {
    return h("div", { class: "pf-c-empty-state pf-m-sm", id },
             h("div", { class: "pf-c-empty-state__content" },
               h("span", { class: "pf-c-empty-state__icon" }, icon(iconName)),
               h("h2", { class: "pf-c-title pf-m-lg" }, title),
               body && h("div", { class: "pf-c-empty-state__body" }, body),
               actions.length > 0 && h("div", { class: "pf-c-empty-state__primary" }, actions)));
}

export function card(title, { actions = [], body = [], id, headingLevel = "h2" } = {}) {
    return h("article", { class: "pf-c-card rw-card", id },
             h("div", { class: "pf-c-card__header" },
               h("div", { class: "pf-c-card__title" }, h(headingLevel, { class: "pf-c-title pf-m-lg" }, title)),
               actions.length > 0 && h("div", { class: "pf-c-card__actions" }, actions)),
             body);
}

// A search box (PatternFly's search input); onInput(value) on every change.
export function searchInput(label, placeholder, onInput, id) {
    const input = h("input", { class: "pf-c-text-input-group__text-input", type: "search", id,
                               "aria-label": label, placeholder,
                               oninput: ev => onInput(ev.target.value) });
    return h("div", { class: "pf-c-search-input" },
             h("div", { class: "pf-c-text-input-group" },
               h("div", { class: "pf-c-text-input-group__main pf-m-icon" },
                 h("span", { class: "pf-c-text-input-group__text" },
                   h("span", { class: "pf-c-text-input-group__icon" }, icon("search")), input))));
}

// The on/off switch; onChange(wanted) gets what the admin asked for. The switch itself keeps
// showing the daemon's state until the daemon changes it.
export function toggleSwitch(id, checked, label, onChange, { disabled = false } = {}) {
    const input = h("input", { class: "pf-c-switch__input", type: "checkbox", id, checked,
                               disabled, "aria-label": label });
    input.addEventListener("change", () => {
        const wanted = input.checked;
        input.checked = !wanted;
        onChange(wanted);
    });
    return h("label", { class: "pf-c-switch", for: id },
             input, h("span", { class: "pf-c-switch__toggle" }));
}

// A table: columns [{ title, class? }], rows of cells (node or text), aria label.
export function table(label, columns, rows, { id, compact = true } = {}) {
    return h("table", { class: ["pf-c-table", "pf-m-grid-md", compact && "pf-m-compact"], role: "grid",
                        "aria-label": label, id },
             h("thead", {}, h("tr", { role: "row" },
                              columns.map(c => h("th", { role: "columnheader", scope: "col", class: c.class },
                                                  c.title)))),
             h("tbody", { role: "rowgroup" }, rows));
}

export function row(columns, cells, props = {}) {
    return h("tr", { role: "row", ...props },
             cells.map((cell, i) => h(i === 0 && columns[0].header ? "th" : "td",
                                      { role: "cell", "data-label": columns[i].title, class: columns[i].class },
                                      cell)));
}

// A horizontal description list of [term, value] pairs (false items are left out).
export function descriptionList(items, { id, class: cls } = {}) {
    return h("dl", { class: ["pf-c-description-list pf-m-horizontal pf-m-compact", cls], id },
             items.filter(Boolean).map(([term, value]) =>
                 h("div", { class: "pf-c-description-list__group" },
                   h("dt", { class: "pf-c-description-list__term" },
                     h("span", { class: "pf-c-description-list__text" }, term)),
                   h("dd", { class: "pf-c-description-list__description" },
                     h("div", { class: "pf-c-description-list__text" }, value)))));
}

export function spinner(label = _("Loading")) {
    return h("span", { class: "pf-c-spinner pf-m-md", role: "progressbar", "aria-valuetext": label },
             h("span", { class: "pf-c-spinner__clipper" }),
             h("span", { class: "pf-c-spinner__lead-ball" }),
             h("span", { class: "pf-c-spinner__tail-ball" }));
}

// Radio buttons: options [{ value, label, description?, body?, disabled? }]; returns the
// radio nodes; onChange(value) when the admin picks one.
export function radioGroup(name, options, selected, onChange) {
    return options.map(opt => {
        const id = `${name}-${opt.value}`;
        return h("div", { class: "pf-c-radio" },
                 h("input", { class: "pf-c-radio__input", type: "radio", name, id, value: opt.value,
                              checked: opt.value === selected, disabled: opt.disabled,
                              onchange: () => onChange(opt.value) }),
                 h("label", { class: "pf-c-radio__label", for: id }, opt.label),
                 opt.description && h("span", { class: "pf-c-radio__description" }, opt.description),
                 opt.body && h("span", { class: "pf-c-radio__body" }, opt.body));
    });
}
