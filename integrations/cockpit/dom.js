// Building DOM nodes without innerHTML: every text the daemon sends (role titles, error
// messages, interface names) becomes a text node, never markup.

// h("button", { class: "pf-c-button", onclick: f, "aria-label": "Close" }, "text", child...)
// Keys: class, id, text, dataset (object), on<event> (listener); anything else is an attribute
// (false/null/undefined: left out; true: present and empty). Children: nodes, strings, numbers,
// arrays of them; null/false/undefined are skipped.
export function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
        if (value === undefined || value === null || value === false)
            continue;
        if (key === "class")
            el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
        else if (key === "text")
            el.textContent = value;
        else if (key === "dataset")
            Object.assign(el.dataset, value);
        else if (key.startsWith("on") && typeof value === "function")
            el.addEventListener(key.slice(2), value);
        else if (key === "checked" || key === "disabled" || key === "value")
            el[key] = value;
        else
            el.setAttribute(key, value === true ? "" : String(value));
    }
    append(el, children);
    return el;
}

export function append(el, children) {
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false)
            continue;
        el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
}

// Replaces the children of `el`, keeping keyboard focus on the element with the same id (or
// data-focus-key) in the new content, so a live update never steals a keyboard user's place.
export function replaceChildren(el, ...children) {
    const active = document.activeElement;
    const key = active && el.contains(active) ? focusKey(active) : null;
    el.replaceChildren();
    append(el, children);
    if (key) {
        const again = el.querySelector(key);
        if (again)
            again.focus();
    }
}

// The selector that finds `node` again once a live update has rebuilt it: its id or its
// data-focus-key; null when it has neither.
export function focusKey(node) {
    if (node.id)
        return "#" + CSS.escape(node.id);
    if (node.dataset && node.dataset.focusKey)
        return `[data-focus-key="${CSS.escape(node.dataset.focusKey)}"]`;
    return null;
}

// An id that is valid in HTML and CSS for any role name ("ad-dc", "my.role").
export function idFor(prefix, name) {
    return prefix + "-" + String(name).replace(/[^A-Za-z0-9_-]/g, c => "_" + c.charCodeAt(0));
}

let counter = 0;
export function uniqueId(prefix) {
    counter += 1;
    return `${prefix}-${counter}`;
}
