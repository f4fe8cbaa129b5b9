/**
 * Markdown that the SERVER rendered and sanitized (sanitize-html allowlist, shared/markdown.ts):
 * the `html` of a post, the `descriptionHtml` of a request. Nothing else may be passed here, and
 * the app never renders user markdown itself.
 */
export function ServerHtml({ html, testId }: { html: string; testId?: string }) {
  return <div class="prose" data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}
