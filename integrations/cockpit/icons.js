// The few icons the page draws, as inline SVG (Cockpit's pages bundle their icon fonts; this page
// has no bundle). Drawn for this page on a 16x16 grid; they take the text colour.
const SVG_NS = "http://www.w3.org/2000/svg";

const SHAPES = {
    // a filled circle with a tick
    success: [["circle", { cx: 8, cy: 8, r: 8 }],
        ["path", { d: "M4.2 8.3l2.4 2.4 5-5", fill: "none", stroke: "var(--rw-icon-inner, #fff)", "stroke-width": 1.8 }]],
    // a filled circle with "!"
    danger: [["circle", { cx: 8, cy: 8, r: 8 }],
        ["path", { d: "M8 3.6v5.4M8 11v1.6", fill: "none", stroke: "var(--rw-icon-inner, #fff)", "stroke-width": 1.9 }]],
    // a filled triangle with "!"
    warning: [["path", { d: "M8 .8l7.6 14.1H.4z" }],
        ["path", { d: "M8 5.6v4.6M8 11.6v1.6", fill: "none", stroke: "var(--rw-icon-inner, #fff)", "stroke-width": 1.8 }]],
    // a filled circle with "i"
    info: [["circle", { cx: 8, cy: 8, r: 8 }],
        ["path", { d: "M8 7v5.4M8 3.6v1.7", fill: "none", stroke: "var(--rw-icon-inner, #fff)", "stroke-width": 1.9 }]],
    close: [["path", { d: "M3 3l10 10M13 3L3 13", fill: "none", stroke: "currentColor", "stroke-width": 1.8 }]],
    search: [["circle", { cx: 6.6, cy: 6.6, r: 4.8, fill: "none", stroke: "currentColor", "stroke-width": 1.8 }],
        ["path", { d: "M10.2 10.2l4.6 4.6", fill: "none", stroke: "currentColor", "stroke-width": 2 }]],
    angleRight: [["path", { d: "M5.5 2.5L11 8l-5.5 5.5", fill: "none", stroke: "currentColor", "stroke-width": 1.8 }]],
    shield: [["path", { d: "M8 .5l6.5 2.4v4.6c0 4-2.8 6.9-6.5 8-3.7-1.1-6.5-4-6.5-8V2.9z" }]],
};

export function icon(name, { label = null, className = "rw-icon" } = {}) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "1em");
    svg.setAttribute("height", "1em");
    svg.setAttribute("fill", "currentColor");
    svg.setAttribute("class", className);
    if (label) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", label);
    } else {
        svg.setAttribute("aria-hidden", "true");
    }
    for (const [tag, attrs] of SHAPES[name] || []) {
        const shape = document.createElementNS(SVG_NS, tag);
        for (const [key, value] of Object.entries(attrs))
            shape.setAttribute(key, String(value));
        svg.append(shape);
    }
    return svg;
}
