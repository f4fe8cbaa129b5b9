import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import sanitizeHtml from 'sanitize-html';
import { MAX_MARKDOWN_CHARS, renderMarkdown, sanitizeMarkdownHtml } from './markdown.ts';

/** The policy as the spec states it, written out independently of the implementation's options. */
const ALLOWED_TAGS = new Set([
  'p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a',
  'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
]);
const LINK_ATTRIBUTES = new Set(['href', 'rel', 'target']);
const FORBIDDEN_TAG = /<\s*\/?\s*(?:script|iframe|object|embed|svg|math|img|style|form|input|meta|base|link)\b/i;
const EVENT_HANDLER = /\son[a-z]+\s*=/i;

/** The spec's allowlist as plain sanitize-html options (no transforms): conforming output is a fixed point. */
const SPEC_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...ALLOWED_TAGS],
  allowedAttributes: { a: [...LINK_ATTRIBUTES] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
};

/** Decodes the character references sanitize-html (or an attacker) could leave in an attribute value. */
function decodeEntities(value: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n' };
  return value.replace(/&(?:#x([0-9a-f]+)|#(\d+)|([a-z]+));?/gi, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (dec !== undefined) return String.fromCodePoint(Number.parseInt(dec, 10));
    return named[(name ?? '').toLowerCase()] ?? whole;
  });
}

/** Every tag in the output. Text `<` is always escaped to `&lt;`, so a literal `<` starts a tag. */
function tagsOf(html: string): string[] {
  return html.match(/<[^>]*>/g) ?? [];
}

/**
 * The hrefs in the output's tags, decoded the way a browser reads them before resolving the URL.
 * Only tags are searched: escaped text such as `&lt;a href="javascript:…"&gt;` is inert and shown as is.
 */
function hrefsOf(html: string): string[] {
  return tagsOf(html).flatMap((tag) =>
    [...tag.matchAll(/\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) => decodeEntities(m[1] ?? m[2] ?? m[3] ?? '')),
  );
}

/** Browsers drop ASCII whitespace and control characters inside a scheme, so compare without them. */
function squeeze(href: string): string {
  return href.replace(/[\u0000-\u0020\u007f-\u00a0]+/g, '').toLowerCase();
}

/**
 * Everything the safety contract requires of one rendered output. `anywhere` also refuses the
 * dangerous schemes anywhere inside an href, not only as its scheme: right for the fixed payloads,
 * too strict for random input, where `https://a.example/javascript:x` is a harmless https link.
 */
function expectSafe(html: string, { anywhere = true }: { anywhere?: boolean } = {}): void {
  expect(html).not.toMatch(FORBIDDEN_TAG);
  for (const tag of tagsOf(html)) {
    expect(tag).not.toMatch(EVENT_HANDLER);
    const m = /^<\/?([a-z0-9]+)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>$/i.exec(tag);
    expect(m, `unparseable tag ${tag}`).not.toBeNull();
    const name = (m?.[1] ?? '').toLowerCase();
    expect(ALLOWED_TAGS.has(name), `tag <${name}>`).toBe(true);
    const attributes = [...(m?.[2] ?? '').matchAll(/\s+([^\s=>/]+)(?:="[^"]*")?/g)].map((a) => (a[1] ?? '').toLowerCase());
    for (const attribute of attributes) {
      expect(name === 'a' && LINK_ATTRIBUTES.has(attribute), `attribute ${attribute} on <${name}>`).toBe(true);
    }
  }
  for (const href of hrefsOf(html)) {
    expect(squeeze(href)).not.toMatch(anywhere ? /javascript:|vbscript:|data:/ : /^(?:javascript|vbscript|data):/);
    expect(href).toMatch(/^(?:https?:\/\/|mailto:)/i);
  }
  expect(sanitizeMarkdownHtml(html)).toBe(html);
  expect(sanitizeHtml(html, SPEC_OPTIONS)).toBe(html);
}

const REL = 'rel="nofollow noopener noreferrer" target="_blank"';

describe('renderMarkdown: ordinary markdown', () => {
  it('renders emphasis, strikethrough and inline code', () => {
    const html = renderMarkdown('**bold** _em_ ~~gone~~ `a < b`');
    expect(html).toBe('<p><strong>bold</strong> <em>em</em> <del>gone</del> <code>a &lt; b</code></p>\n');
    expectSafe(html);
  });

  it('renders bullet and numbered lists, and task lists as text boxes instead of form inputs', () => {
    const html = renderMarkdown('- one\n- two\n\n1. first\n2. second\n\n- [ ] todo\n- [x] done');
    expect(html).toContain('<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
    expect(html).toContain('<ol>\n<li>first</li>\n<li>second</li>\n</ol>');
    expect(html).toContain('<li>[ ] todo</li>\n<li>[x] done</li>');
    expectSafe(html);
  });

  it('renders fenced code with <, > and & escaped and no language class', () => {
    const html = renderMarkdown('```ts\nif (a < b && c > d) { return "<div>"; }\n```');
    expect(html).toBe('<pre><code>if (a &lt; b &amp;&amp; c &gt; d) { return "&lt;div&gt;"; }\n</code></pre>\n');
    expectSafe(html);
  });

  it('gives every link rel="nofollow noopener noreferrer" and target="_blank", and drops titles', () => {
    const html = renderMarkdown('[docs](https://docs.example/a?b=1&c=2 "Docs") <https://x.example> www.y.example me@z.example');
    expect(html).toContain(`<a href="https://docs.example/a?b=1&amp;c=2" ${REL}>docs</a>`);
    expect(html).toContain(`<a href="https://x.example" ${REL}>https://x.example</a>`);
    expect(html).toContain(`<a href="http://www.y.example" ${REL}>www.y.example</a>`);
    expect(html).toContain(`<a href="mailto:me@z.example" ${REL}>me@z.example</a>`);
    expect(html).not.toContain('title=');
    expectSafe(html);
  });

  it('keeps the text of links it refuses: relative, protocol-relative, fragment and unknown schemes', () => {
    const html = renderMarkdown('[rel](/console/keys) [frag](#top) [pr](//evil.example) [ftp](ftp://f.example) [tel](tel:+331)');
    expect(html).toBe('<p>rel frag pr ftp tel</p>\n');
    expectSafe(html);
  });

  it('renders GFM tables without alignment attributes', () => {
    const html = renderMarkdown('| Name | Calls |\n|:-----|------:|\n| ocr | 12 |\n| **tts** | 3 |');
    expect(html).toBe(
      '<table>\n<thead>\n<tr>\n<th>Name</th>\n<th>Calls</th>\n</tr>\n</thead>\n' +
        '<tbody><tr>\n<td>ocr</td>\n<td>12</td>\n</tr>\n<tr>\n<td><strong>tts</strong></td>\n<td>3</td>\n</tr>\n</tbody></table>\n',
    );
    expectSafe(html);
  });

  it('maps h1 and h2 to h3 so posts never outrank the page headings, and keeps h3-h6', () => {
    const html = renderMarkdown('# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six\n\nSetext\n======');
    expect(html).toBe('<h3>One</h3>\n<h3>Two</h3>\n<h3>Three</h3>\n<h4>Four</h4>\n<h5>Five</h5>\n<h6>Six</h6>\n<h3>Setext</h3>\n');
    expectSafe(html);
  });

  it('renders blockquotes, rules and single newlines as line breaks', () => {
    const html = renderMarkdown('> quoted\n\n---\n\nline one\nline two');
    expect(html).toBe('<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr />\n<p>line one<br />line two</p>\n');
    expectSafe(html);
  });

  it('turns an image into a plain link, so nothing is fetched from the author-chosen host', () => {
    const html = renderMarkdown('![diagram](https://evil.example/pixel.png)');
    expect(html).toBe(`<p><a href="https://evil.example/pixel.png" ${REL}>diagram</a></p>\n`);
    expectSafe(html);
  });

  it('returns an empty string for empty input', () => {
    expect(renderMarkdown('')).toBe('');
  });
});

describe('renderMarkdown: text is escaped, not dropped', () => {
  it('keeps < and & in plain text as visible characters', () => {
    const html = renderMarkdown('if a < b & b > c then 5 &lt; 6, AT&T, x<y, 1 <2');
    expect(html).toBe('<p>if a &lt; b &amp; b &gt; c then 5 &lt; 6, AT&amp;T, x&lt;y, 1 &lt;2</p>\n');
    expectSafe(html);
  });

  it('shows HTML the author typed as text instead of interpreting or deleting it', () => {
    expect(renderMarkdown('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
    expect(renderMarkdown('Use <b>**bold**</b>')).toBe('<p>Use &lt;b&gt;<strong>bold</strong>&lt;/b&gt;</p>\n');
    expect(renderMarkdown('<div>\nblock\n</div>')).toBe('<p>&lt;div&gt;<br />block<br />&lt;/div&gt;</p>\n');
  });
});

describe('renderMarkdown: limits', () => {
  it('accepts exactly MAX_MARKDOWN_CHARS characters and throws a RangeError above', () => {
    expect(MAX_MARKDOWN_CHARS).toBe(20_000);
    expect(renderMarkdown('a'.repeat(MAX_MARKDOWN_CHARS))).toBe(`<p>${'a'.repeat(MAX_MARKDOWN_CHARS)}</p>\n`);
    expect(() => renderMarkdown('a'.repeat(MAX_MARKDOWN_CHARS + 1))).toThrow(RangeError);
  });

  it('throws a RangeError, not a generic crash, for nesting too deep to parse', () => {
    expect(() => renderMarkdown('> '.repeat(MAX_MARKDOWN_CHARS / 2))).toThrow(/nested too deeply/);
    expect(() => renderMarkdown('> '.repeat(MAX_MARKDOWN_CHARS / 2))).toThrow(RangeError);
  });

  it('caps the depth of the emitted DOM but keeps all the text of deeply nested lists', () => {
    const markdown = Array.from({ length: 100 }, (_, i) => `${' '.repeat(2 * i)}- item${i}`).join('\n');
    const html = renderMarkdown(markdown);
    expect(html.match(/item\d+/g)).toHaveLength(100);
    expect((html.match(/<ul>/g) ?? []).length).toBeLessThan(100);
    expectSafe(html);
  });

  it('refuses a non-string at runtime', () => {
    expect(() => renderMarkdown(42 as unknown as string)).toThrow(TypeError);
  });
});

/**
 * XSS payloads in the style of the OWASP XSS filter evasion cheat sheet, plus markdown-specific
 * vectors (link destinations, reference definitions, autolinks, images, titles).
 */
const PAYLOADS: string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC=JaVaScRiPt:alert(1)>',
  '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
  '<svg onload=alert(1)>',
  '<svg/onload=alert(1)>',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](javascript&#58;alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))',
  '[x](  javascript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x](javascript\\:alert(1))',
  '[x](javascript://%0aalert(1))',
  '[x](\u0001javascript:alert(1))',
  '[x](java\tscript:alert(1))',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
  '<a href="javascript:alert(1)"',
  '<iframe src="https://evil.example"></iframe>',
  '<iframe src=javascript:alert(1)>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="https://evil.example/x.swf">',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<body onload=alert(1)>',
  '<body/onload=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<div onmouseover="alert(1)">hover</div>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<style>@import "https://evil.example/x.css";</style>',
  '<form action=javascript:alert(1)><button>go</button></form>',
  '<input onfocus=alert(1) autofocus>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<link rel=import href="https://evil.example/x.html">',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](data:text/html,<script>alert(1)</script>)',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '[x](vbscript:msgbox(1))',
  '[x]( VBScript:msgbox(1) )',
  '<javascript:alert(1)>',
  '<vbscript:msgbox(1)>',
  '<data:text/html,alert(1)>',
  '[x][1]\n\n[1]: javascript:alert(1)',
  '[x][1]\n\n[1]: <data:text/html,alert(1)> "t"',
  '![x](javascript:alert(1))',
  '![x](https://evil.example/x.png)',
  '![x][img]\n\n[img]: https://evil.example/pixel.gif',
  '[x](https://a.example "\\"><script>alert(1)</script>")',
  "[x](https://a.example '\\'><img src=x onerror=alert(1)>')",
  '[x](https://a.example" onclick="alert(1))',
  "[x](https://a.example'onmouseover=alert(1)//)",
  '<https://a.example/"onmouseover="alert(1)>',
  'www.evil.example/"onclick="alert(1)',
  '[<img src=x onerror=alert(1)>](https://a.example)',
  '**<svg onload=alert(1)>**',
  '| a |\n|---|\n| <img src=x onerror=alert(1)> |',
  '```\n</code></pre><script>alert(1)</script>\n```',
  '`</code><script>alert(1)</script>`',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<<script>script>alert(1)<</script>/script>',
  '<img src="x',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<template><script>alert(1)</script></template>',
  '<svg><p><style><img src=x onerror=alert(1)></style></p></svg>',
  '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
  '<textarea><script>alert(1)</script></textarea>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<![CDATA[<script>alert(1)</script>]]>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;img src=x onerror=alert(1)&#62;',
  '<a href="//evil.example">x</a>',
  '[x](file:///etc/passwd)',
  '# <h1 onclick=alert(1)>heading</h1>',
  '> <blockquote cite="javascript:alert(1)">q</blockquote>',
  '- [x] <input type=checkbox onclick=alert(1)>',
];

describe('renderMarkdown: XSS payloads', () => {
  it('has at least 40 payloads', () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(PAYLOADS.map((payload) => [JSON.stringify(payload), payload]))('neutralises %s', (_label, payload) => {
    const html = renderMarkdown(payload);
    expectSafe(html);
    // Embedded in a paragraph and a list too: context must not change the outcome.
    expectSafe(renderMarkdown(`Before\n\n${payload}\n\nafter`));
    expectSafe(renderMarkdown(`- ${payload}`));
  });

  // Defence in depth: marked turns typed HTML into text, so most payloads above never reach the
  // sanitizer as markup. Feed them to the sanitize stage directly, as if marked had passed them through.
  it.each(PAYLOADS.map((payload) => [JSON.stringify(payload), payload]))('the sanitize stage alone neutralises %s', (_label, payload) => {
    expectSafe(sanitizeMarkdownHtml(payload));
  });

  it('stays safe for random concatenations of markdown and HTML fragments', () => {
    const fragments = [
      ...PAYLOADS,
      '<', '>', '"', "'", '&', '&#', ';', '(', ')', '[', ']', '`', '*', '_', '~', '|', '\n', ' ', '\t', ':', '!',
      'javascript:', 'data:', 'https://a.example', '<a href=', 'onerror=', '# ', '> ', '- ', '```', '---',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 12 }), (parts) => {
        expectSafe(renderMarkdown(parts.join('')), { anywhere: false });
      }),
      { numRuns: 400 },
    );
  });
});
