// Finding and marking words in rendered text (the PDF text layer, HTML and
// plain-text pages), as a delegate expects: case, accents and Arabic letter
// variants ignored, and whitespace ignored so that words split across
// text-layer fragments or lines still match (Chinese needs no spaces).
//
// Mirrors what the search index folds (plenary-core's search normaliser), so
// a word the search found is the word the reader marks.

/** Folds one code point; "" drops it. */
function foldChar(c: string): string {
  if (/\s/u.test(c) || c === "\u00ad" || c === "\u0640") return ""; // spaces, soft hyphen, tatweel
  switch (c) {
    case "\u0671": // alef wasla
      return "\u0627";
    case "\u0629": // taa marbuta -> haa
      return "\u0647";
    case "\u0649": // alef maqsura -> yaa
      return "\u064a";
  }
  // NFD splits accents (and Arabic hamza/madda on alef) off their letter.
  return c.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The folded text and, for each folded UTF-16 unit, its index in `s`. */
export function fold(s: string): { text: string; map: number[] } {
  let text = "";
  const map: number[] = [];
  let i = 0;
  for (const c of s) {
    const f = foldChar(c);
    for (let k = 0; k < f.length; k++) map.push(i);
    text += f;
    i += c.length;
  }
  return { text, map };
}

export function foldQuery(q: string): string {
  return fold(q).text;
}

/** A match as [start, end) offsets in each of the strings it spans. */
export type Match = { item: number; start: number; end: number }[];

/** Every occurrence of the folded needles in the concatenated items. */
export function findMatches(items: string[], needles: string[]): Match[] {
  const folded = items.map(fold);
  let all = "";
  const owner: { item: number; offset: number }[] = [];
  folded.forEach((f, item) => {
    for (let k = 0; k < f.text.length; k++) owner.push({ item, offset: f.map[k] });
    all += f.text;
  });
  const found: { at: number; len: number }[] = [];
  for (const needle of needles) {
    if (!needle) continue;
    for (let at = all.indexOf(needle); at !== -1; at = all.indexOf(needle, at + needle.length)) {
      found.push({ at, len: needle.length });
    }
  }
  found.sort((a, b) => a.at - b.at);
  const out: Match[] = [];
  let lastEnd = -1;
  for (const { at, len } of found) {
    if (at < lastEnd) continue; // overlapping needles: keep the first
    lastEnd = at + len;
    const parts: Match = [];
    for (let k = at; k < at + len; k++) {
      const { item, offset } = owner[k];
      const end = offset + codePointLength(items[item], offset);
      const last = parts[parts.length - 1];
      if (last && last.item === item) last.end = Math.max(last.end, end);
      else parts.push({ item, start: offset, end });
    }
    out.push(parts);
  }
  return out;
}

function codePointLength(s: string, at: number): number {
  const cp = s.codePointAt(at);
  return cp !== undefined && cp > 0xffff ? 2 : 1;
}

/**
 * Marks `matches` in `nodes` (text nodes holding `items`, in order) with
 * <mark> elements; `current` gets the class "current". Returns the marks of
 * each match, so the caller can scroll to one.
 */
export function markMatches(nodes: Text[], matches: Match[], current = -1): HTMLElement[][] {
  // Per node, the ranges to wrap (in order), with the match they belong to.
  const perNode = new Map<number, { start: number; end: number; match: number }[]>();
  matches.forEach((parts, match) => {
    for (const p of parts) {
      if (!perNode.has(p.item)) perNode.set(p.item, []);
      perNode.get(p.item)!.push({ start: p.start, end: p.end, match });
    }
  });
  const marks: HTMLElement[][] = matches.map(() => []);
  for (const [item, ranges] of perNode) {
    const node = nodes[item];
    if (!node?.parentNode) continue;
    const text = node.data;
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (const r of ranges.sort((a, b) => a.start - b.start)) {
      if (r.start < pos) continue;
      if (r.start > pos) frag.append(text.slice(pos, r.start));
      const mark = document.createElement("mark");
      mark.className = r.match === current ? "hl current" : "hl";
      mark.textContent = text.slice(r.start, r.end);
      frag.append(mark);
      marks[r.match].push(mark);
      pos = r.end;
    }
    if (pos < text.length) frag.append(text.slice(pos));
    node.parentNode.replaceChild(frag, node);
  }
  return marks;
}

/** Removes every <mark class="hl"> under `root`, restoring the text nodes. */
export function clearMarks(root: HTMLElement): void {
  for (const mark of root.querySelectorAll("mark.hl")) {
    const parent = mark.parentNode;
    if (!parent) continue;
    parent.replaceChild(document.createTextNode(mark.textContent ?? ""), mark);
    parent.normalize();
  }
}

/** The text nodes under `root`, in document order. */
export function textNodes(root: HTMLElement): Text[] {
  const out: Text[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) out.push(n as Text);
  return out;
}
