// Measurements of what a page looks like, run in the browser by tests/frontend/looks.py.
// Each walks the page's shadow roots, where the components render.
(() => {
  /** The document and every shadow root in it, nested ones included. */
  const allRoots = () => {
    const roots = [document];
    const visit = (root) => {
      for (const el of root.querySelectorAll("*")) {
        if (el.shadowRoot) {
          roots.push(el.shadowRoot);
          visit(el.shadowRoot);
        }
      }
    };
    visit(document);
    return roots;
  };

  const matching = (host, selector) =>
    allRoots()
      .filter((root) => !host || (root.host && root.host.localName === host))
      .flatMap((root) => [...root.querySelectorAll(selector)]);

  const ownText = (el) =>
    [...el.childNodes]
      .filter((n) => n.nodeType === 3)
      .map((n) => n.textContent.trim())
      .join(" ")
      .trim();

  /** A CSS colour as [r, g, b, alpha] (0-255, 0-1), whatever form the browser computed. */
  const parse = (text) => {
    const probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = "#000";
    probe.fillStyle = text;
    const v = probe.fillStyle;
    if (v.startsWith("#")) {
      return [1, 3, 5].map((i) => parseInt(v.slice(i, i + 2), 16)).concat([1]);
    }
    const m = v.match(/[\d.]+/g).map(Number);
    const scale = v.startsWith("color(") ? 255 : 1;
    return [m[0] * scale, m[1] * scale, m[2] * scale, m[3] ?? 1];
  };

  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + below[i] * (1 - a)).concat([1]);
  };

  /** The colours an element paints behind its text: its background colour, or each stop of
   * a gradient over it. */
  const layers = (style) => {
    const base = parse(style.backgroundColor);
    const image = style.backgroundImage;
    const stops = [];
    if (image && image !== "none") {
      for (const m of image.matchAll(/(rgba?\([^)]*\)|color\([^)]*\)|#[0-9a-f]{3,8})/gi)) {
        stops.push(parse(m[1]));
      }
    }
    return stops.length ? stops.map((c) => (c[3] < 1 ? over(c, base) : c)) : [base];
  };

  /** The element and its ancestors from the top, through shadow hosts. */
  const ancestry = (el) => {
    const out = [];
    for (let node = el; node; ) {
      if (node.nodeType === 1) out.push(node);
      node = node.parentNode;
      if (node && node.nodeType === 11) node = node.host;
    }
    return out.reverse();
  };

  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };

  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };

  return {
    /** Every visible element with text of its own and its rendered font size in px (an SVG
     * text scaled by its transform), skipping elements inside `skip` selectors or components. */
    texts: (skip) => {
      const out = [];
      for (const root of allRoots()) {
        const host = root.host ? root.host.localName : "document";
        if (skip.includes(host)) continue;
        for (const el of root.querySelectorAll("*")) {
          if (skip.some((s) => el.closest(s))) continue;
          const text = ownText(el);
          if (!text) continue;
          const rect = el.getBoundingClientRect();
          if (rect.width < 1 || rect.height < 1 || rect.bottom <= 0 || rect.top >= innerHeight) continue;
          const style = getComputedStyle(el);
          if (style.visibility === "hidden" || style.display === "none") continue;
          let size = parseFloat(style.fontSize);
          if (el instanceof SVGGraphicsElement && el.getScreenCTM()) size *= el.getScreenCTM().a;
          out.push({ where: `${host} ${el.localName}.${[...el.classList].join(".")}`, text, size });
        }
      }
      return out;
    },

    /** For each element matching `selector` in `host`: its text, whether it is clipped, and
     * over how many lines it runs. */
    cutOrWrapped: ([host, selector]) =>
      matching(host, selector).map((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        // a new line starts below everything before it
        let lines = 0;
        let bottom = -Infinity;
        for (const r of rects.sort((p, q) => p.top - q.top)) {
          if (r.top >= bottom - 1) lines++;
          bottom = Math.max(bottom, r.bottom);
        }
        const clipped = getComputedStyle(el).overflowX !== "visible";
        const cut = clipped && el.scrollWidth > el.clientWidth + 1;
        return { text: el.textContent.trim(), lines, cut };
      }),

    /** For each element matching `selector` in `host`: the least contrast of its text colour
     * with any colour behind it (the backgrounds of its ancestors composed from the page). */
    contrast: ([host, selector]) =>
      matching(host, selector).map((el) => {
        let behind = [[0, 0, 0, 1]];
        for (const node of ancestry(el)) {
          const own = layers(getComputedStyle(node));
          behind = behind.flatMap((b) => own.map((l) => (l[3] >= 1 ? l : over(l, b))));
        }
        const fg = parse(getComputedStyle(el).color);
        const worst = Math.min(...behind.map((b) => ratio(fg[3] < 1 ? over(fg, b) : fg, b)));
        return { text: el.textContent.trim(), ratio: worst };
      }),
  };
})()
