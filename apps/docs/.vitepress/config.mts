import { defineConfig } from 'vitepress';

/**
 * The StateFlow documentation site. It builds and runs offline: no web fonts, no
 * CDN scripts, no external search service (search is the built-in local index).
 */
export default defineConfig({
  title: 'StateFlow',
  description: 'Compile stateful Python entities to a dataflow IR and run them.',
  lang: 'en-US',
  cleanUrls: false,
  lastUpdated: false,
  // Fail the build on a dead link between pages (test/check-docs.mjs checks the sources too).
  ignoreDeadLinks: false,
  markdown: {
    // Stop VitePress from guessing that `localhost:8080` in prose is a link.
    linkify: false,
  },
  themeConfig: {
    search: { provider: 'local' },
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Reference', link: '/reference/cli' },
      { text: 'Contributing', link: '/contributing/architecture' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Installing with npm or pnpm', link: '/guide/installing' },
          { text: 'Programming model', link: '/guide/programming-model' },
          { text: 'How it works', link: '/guide/how-it-works' },
          { text: 'Running in production', link: '/guide/running-in-production' },
          { text: 'Typed clients', link: '/guide/clients' },
          { text: 'Writing a backend', link: '/guide/writing-a-backend' },
          { text: 'Running on Flink', link: '/guide/flink' },
          { text: 'Running on Flink Stateful Functions', link: '/guide/statefun' },
          { text: 'Running on AWS Lambda', link: '/guide/lambda' },
          { text: 'Running on Apache Beam', link: '/guide/beam' },
          { text: 'Running on Cloudburst', link: '/guide/cloudburst' },
          { text: 'State as tables', link: '/guide/state-and-arrow' },
          { text: 'Performance', link: '/guide/performance' },
          { text: 'Versioning', link: '/guide/versioning' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'CLI', link: '/reference/cli' },
          { text: 'HTTP API', link: '/reference/http-api' },
          { text: 'IR', link: '/reference/ir' },
          { text: 'Diagnostics', link: '/reference/diagnostics' },
        ],
      },
      {
        text: 'Contributing',
        items: [{ text: 'Architecture', link: '/contributing/architecture' }],
      },
    ],
    outline: { level: [2, 3] },
    footer: {
      message: 'Licensed under Apache-2.0.',
    },
  },
});
