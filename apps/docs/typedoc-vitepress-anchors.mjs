// A TypeDoc plugin for the API reference: makes heading anchors match link anchors, and
// unique.
//
// typedoc-plugin-markdown writes each heading's anchor as `{#anchor}` (useCustomAnchors)
// from TypeDoc's slugger, which keeps `_` (`IR_VERSION` -> `ir_version`); the VitePress
// theme rewrites every link's anchor with VitePress's slugify (`#ir-version`). Slugging
// the heading anchors the same way makes both agree; TypeDoc's anchors are unique per
// page, so duplicate names (`Foo` the type and `Foo` the constant) keep distinct ids.
import { MarkdownPageEvent } from 'typedoc-plugin-markdown';

/** VitePress's default heading slug (as in test/check-docs.mjs). */
function slugify(text) {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036F]/g, '')
    .replace(/[\u0000-\u001f]/g, '')
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, '_$1')
    .toLowerCase();
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.on(MarkdownPageEvent.END, (page) => {
    if (page.contents) page.contents = explicitAnchors(page.contents);
  });
}

/**
 * Gives every heading of a page an explicit `{#id}`: TypeDoc's own anchors slugged the
 * VitePress way, and for the headings TypeDoc gives none (parameters, nested members)
 * the slug of their text with `-1`, `-2` added as needed. Without this, VitePress's
 * automatic id of an un-anchored `port` heading collides with an explicit `{#port}` and
 * the build fails.
 */
function explicitAnchors(markdown) {
  const heading = /^(#{1,6} )(.*?)(?: \{#([^}]+)\})?$/;
  const lines = markdown.split('\n');
  let fence = false;
  const isHeading = lines.map((line) => {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    return !fence && heading.test(line);
  });
  const taken = new Set();
  lines.forEach((line, i) => {
    const anchor = isHeading[i] ? heading.exec(line)[3] : undefined;
    if (anchor) taken.add(slugify(anchor));
  });
  return lines
    .map((line, i) => {
      if (!isHeading[i]) return line;
      const [, hashes, title, anchor] = heading.exec(line);
      if (anchor) return `${hashes}${title} {#${slugify(anchor)}}`;
      const base = slugify(title.replace(/\\(.)/g, '$1').replace(/[`*]/g, '')) || 'section';
      let id = base;
      for (let n = 1; taken.has(id); n++) id = `${base}-${n}`;
      taken.add(id);
      return `${hashes}${title} {#${id}}`;
    })
    .join('\n');
}
