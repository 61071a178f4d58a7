// A TypeDoc plugin for the API reference: makes heading anchors match link anchors.
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
    if (!page.contents) return;
    page.contents = page.contents.replace(/^(#{1,6} .*) \{#([^}]+)\}$/gm, (_, heading, anchor) => `${heading} {#${slugify(anchor)}}`);
  });
}
