/**
 * User-written markdown (discussion posts, custom-development request descriptions) to HTML that
 * the console may insert with innerHTML / dangerouslySetInnerHTML.
 *
 * Two stages, and the second is the one that carries the safety:
 *  1. `marked` turns markdown into HTML. It is configured so raw HTML in the input is never passed
 *     through (it becomes visible, escaped text), but marked does not validate link targets and is
 *     a parser, not a sanitizer, so nothing it emits is trusted.
 *  2. `sanitize-html` re-parses that HTML and keeps only a small allowlist of tags and attributes,
 *     with link schemes checked. An allowlist fails closed: a tag or attribute nobody thought of
 *     (new browser features, parser quirks, a marked bug) is dropped rather than let through.
 */
import { Marked, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * Longest accepted input, in UTF-16 code units (`string.length`) — the unit a textarea's
 * `maxlength` counts, so the form and the server agree on what "too long" means. The cap bounds
 * the parse time and the stored size of one post; callers map the RangeError to HTTP 400.
 */
export const MAX_MARKDOWN_CHARS = 20_000;

/** What every rendered link carries, see `transformTags.a` below. */
const LINK_REL = 'nofollow noopener noreferrer';

/**
 * A link must be absolute http(s) or mailto. sanitize-html's scheme check alone would also let
 * scheme-less (relative) URLs through; those resolve against the console's own origin, which lets a
 * post dress a link as a first-party console action ("revoke your key here"). User content has no
 * reason to link into the console relatively, so they are dropped too.
 */
const ABSOLUTE_LINK = /^(?:https?:\/\/|mailto:)/i;

/** Escapes text for an HTML text node or a double- or single-quoted attribute value. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The private marked instance. A `new Marked` rather than the shared `marked` singleton, so these
 * settings neither leak into nor get changed by any other use of marked in the process.
 */
const markdown = new Marked({
  async: false,
  // GitHub-flavoured markdown: tables, ~~strikethrough~~, task lists and bare-URL autolinks, the
  // dialect people writing developer-facing posts expect.
  gfm: true,
  // Posts are typed in a plain textarea where Enter means "new line"; GitHub comments behave the
  // same way, so a single newline becomes <br> instead of being folded into the paragraph.
  breaks: true,
  tokenizer: {
    // Raw HTML (blocks such as `<div>` and inline tags such as `<img onerror=…>`) is never
    // recognised as HTML: returning undefined means "no match", so the characters fall through to
    // ordinary text, which marked escapes. A user who types `<script>` sees `<script>`, and any
    // markdown around or inside the tags is still rendered.
    html: () => undefined,
    tag: () => undefined,
  },
  renderer: {
    // Not reachable with the tokenizers above; kept so that if a marked upgrade ever produces an
    // html token some other way, it is shown as text, not interpreted.
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    // No images, by design: an <img> in a post makes every visitor's browser fetch a URL the author
    // chose, which leaks the visitor's IP address, user agent and reading time to that third party
    // (a tracking pixel), and can be used to probe internal hosts. The image becomes an ordinary
    // link (alt text as the label), so nothing loads until the reader decides to click; the link
    // then goes through the same scheme checks as any other link.
    image({ href, text, tokens }: Tokens.Image): string {
      const label = tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : text;
      return `<a href="${escapeHtml(href)}">${escapeHtml(label || href)}</a>`;
    },
    // GFM task lists would render <input type="checkbox">, and form controls are not allowed; the
    // box is kept as the text the author typed.
    checkbox({ checked }: Tokens.Checkbox): string {
      return checked ? '[x] ' : '[ ] ';
    },
  },
});

/**
 * The allowlist. Everything not named here is removed: the tag is dropped (its text is kept,
 * except for script/style/textarea/option/noscript, whose content sanitize-html discards whole),
 * and so is every attribute except those listed per tag.
 */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    // Text structure and inline emphasis, what markdown produces.
    'p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr',
    // h3 and below only: h1/h2 are renamed to h3 (transformTags) so a post never outranks the
    // page's own headings, visually or in the document outline screen readers navigate by.
    'h3', 'h4', 'h5', 'h6',
    // GFM tables.
    'table', 'thead', 'tbody', 'tr', 'th', 'td',
  ],
  // Deliberately absent, each for its own reason: img (third-party requests, see the image renderer),
  // iframe/object/embed (foreign documents and plugins), form/input/button (phishing a credential
  // form inside the trusted console), svg/math (foreign-content parsing is where mutation-XSS lives),
  // style/link/meta/base (restyling or redirecting the whole page), script (obviously).
  allowedAttributes: {
    // href only from the author; rel and target are set by transformTags, never taken from input.
    a: ['href', 'rel', 'target'],
  },
  // No style, class or id on anything: style allows overlaying the page (fake dialogs, clickjacking)
  // and CSS exfiltration tricks; class would let a post borrow the console's own UI styles; id could
  // clobber DOM globals (`window.someId`) and collide with the page's ids and anchors.
  allowedClasses: {},
  allowedStyles: {},
  // Schemes that cannot run code or smuggle a document: no javascript:, vbscript:, data:, file:,
  // nor ftp/tel (not needed for posts, so not allowed).
  allowedSchemes: ['http', 'https', 'mailto'],
  // The same list for every tag, explicitly: no per-tag exceptions can widen it.
  allowedSchemesByTag: {},
  // Only href carries a URL among the allowed attributes; naming exactly that keeps the intent clear
  // (the library default lists many more, all on attributes that are not allowed anyway).
  allowedSchemesAppliedToAttributes: ['href'],
  // `//evil.example/x` inherits the page's scheme and looks like a path at a glance; refuse it
  // (it would also fail ABSOLUTE_LINK, this is the library-level guard).
  allowProtocolRelative: false,
  // Remove disallowed tags instead of escaping them into visible text: the input's own HTML was
  // already turned into text by marked, so anything disallowed reaching this stage is marked's
  // output and not something the author typed.
  disallowedTagsMode: 'discard',
  // Never allow tags that sanitize-html itself calls vulnerable (script, style, …), even by mistake.
  allowVulnerableTags: false,
  // Deeply nested markup (thousands of `>` or list levels) is legal markdown but gives the browser
  // a pathological DOM; past this depth tags are dropped and only their text remains.
  nestingLimit: 64,
  transformTags: {
    h1: 'h3',
    h2: 'h3',
    // Every link opens in a new tab (a post never navigates the console away, losing unsaved
    // input), with noopener/noreferrer (the target gets no `window.opener` to redirect the console
    // with, and no Referer revealing the console URL) and nofollow (links in user content earn no
    // search ranking, which takes the point out of link spam). Attributes other than href are
    // replaced, not merged, so input can never choose its own rel or target.
    a: (_tagName, attribs) => {
      const href = attribs.href;
      const kept: sanitizeHtml.Attributes =
        href === undefined || !ABSOLUTE_LINK.test(href) ? {} : { href, rel: LINK_REL, target: '_blank' };
      return { tagName: 'a', attribs: kept };
    },
  },
  // A link whose href was refused (bad scheme, relative) would be an <a> that goes nowhere but still
  // looks clickable: drop the tag and keep its text. `exclusiveFilter` runs after attribute filtering,
  // so `frame.attribs` is what would be emitted.
  exclusiveFilter: (frame) => (frame.tag === 'a' && frame.attribs.href === undefined ? 'excludeTag' : false),
};

/**
 * The sanitize stage alone, applied to HTML from `renderMarkdown`. Exported so HTML rendered and
 * stored earlier can be re-checked under the current policy, and so tests can verify the policy is
 * a fixed point (sanitizing rendered output again changes nothing).
 */
export function sanitizeMarkdownHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

/**
 * Markdown to HTML safe for innerHTML. Throws a RangeError above MAX_MARKDOWN_CHARS or when the
 * input nests too deeply to parse (callers answer 400 to both), and a TypeError for a non-string
 * (JSON bodies are untyped at runtime).
 */
export function renderMarkdown(markdownText: string): string {
  if (typeof markdownText !== 'string') throw new TypeError('markdown must be a string');
  if (markdownText.length > MAX_MARKDOWN_CHARS) {
    throw new RangeError(`markdown is ${markdownText.length} characters, the limit is ${MAX_MARKDOWN_CHARS}`);
  }
  let html: string;
  try {
    html = markdown.parse(markdownText, { async: false });
  } catch (error) {
    // marked parses nested blockquotes, lists and emphasis recursively, so a few thousand levels
    // (`>>>>…`, `- - - …`, `*****x*****`), easily written within the length cap, overflow the call
    // stack. That surfaces as a RangeError; rethrow it with a message that says what is wrong with
    // the input, so callers answer 400 like for any other unacceptable markdown. Other errors are
    // bugs, not bad input, and propagate unchanged.
    if (error instanceof RangeError) throw new RangeError('markdown is nested too deeply to render', { cause: error });
    throw error;
  }
  return sanitizeMarkdownHtml(html);
}
