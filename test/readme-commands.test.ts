/**
 * Every `npx faascape …` line that README and the docs show is a command the CLI has, with options
 * it knows and as many arguments as it takes: the docs cannot drift from `--help` unnoticed.
 * Synopsis lines are read as written: `[…]` is optional, `a|b` is a choice, `<id>` a placeholder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from '../runtime/cli/program.ts';

const root = new URL('../', import.meta.url);
const DOCS = ['README.md', 'bench/README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The commands in a Markdown file's shell and synopsis blocks, each with its line number. */
function documentedCommands(markdown: string): { line: number; words: string[] }[] {
  const found: { line: number; words: string[] }[] = [];
  let inBlock = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^```/.test(text)) {
      inBlock = !inBlock;
      return;
    }
    if (!inBlock) return;
    // A command ends at a comment, a `;`, `&&`, a redirect or the `)` closing a `$(…)`.
    for (const m of text.matchAll(/npx faascape((?:\s+[^\s#;&>)]+)*)/g)) {
      const words = (m[1] ?? '')
        .replace(/[[\]]/g, ' ')
        .replace(/\|--/g, ' --')
        .split(/\s+/)
        .filter((w) => w !== '' && w !== '|' && w !== '...');
      found.push({ line: i + 1, words: unquote(words) });
    }
  });
  return found;
}

/** Rejoins quoted words ("Acme GmbH") into one argument. */
function unquote(words: string[]): string[] {
  const out: string[] = [];
  let open: string[] | null = null;
  for (const w of words) {
    if (open) {
      open.push(w);
      if (/["']$/.test(w)) {
        out.push(open.join(' '));
        open = null;
      }
    } else if (/^["']/.test(w) && !/^(["']).*\1$/.test(w) && w.length > 1) open = [w];
    else out.push(w);
  }
  if (open) out.push(open.join(' '));
  return out;
}

/** Why the words are not a command line the CLI accepts, or null. */
function problem(words: string[]): string | null {
  let command: Command = program;
  let i = 0;
  for (let word = words[i]; word !== undefined && !word.startsWith('-'); word = words[++i]) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    command = sub;
  }
  const first = words[0] ?? '';
  if (command === program && first !== '--version' && first !== '--help') return `no command "${first}"`;
  // Commander keeps whether a command runs by itself (`usage`) or only groups others (`keys`) private.
  const runsAlone = (command as unknown as { _actionHandler: unknown })._actionHandler != null;
  if (command.commands.length > 0 && !runsAlone && i === words.length) return `"${command.name()}" needs a subcommand`;
  const positional: string[] = [];
  for (; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('-')) {
      positional.push(word);
      continue;
    }
    const [flag = word, inline] = word.split('=', 2);
    if (flag === '--help' || flag === '-h' || (command === program && (flag === '--version' || flag === '-V'))) continue;
    const option = command.options.find((o) => o.long === flag || o.short === flag);
    if (!option) return `"${command.name()}" has no option ${flag}`;
    const next = words[i + 1];
    if ((option.required || option.optional) && inline === undefined) {
      if (option.required && (next === undefined || next.startsWith('--'))) return `${flag} needs a value`;
      if (next !== undefined && !next.startsWith('--')) i++;
    }
  }
  const args = command.registeredArguments;
  const needed = args.filter((a) => a.required).length;
  const most = args.some((a) => a.variadic) ? Infinity : args.length;
  if (positional.length < needed || positional.length > most) return `"${command.name()}" takes ${needed}–${most} arguments, not ${positional.length} (${positional.join(' ')})`;
  return null;
}

describe('the commands the docs show', () => {
  it('finds them: README shows the CLI', () => {
    const readme = documentedCommands(readFileSync(new URL('README.md', root), 'utf8'));
    expect(readme.length).toBeGreaterThan(40);
  });

  it('would catch a drift: an unknown command, option or argument count is a problem', () => {
    expect(problem(['keys', 'create', '--client', 'acme', '--quiet'])).toBeNull();
    expect(problem(['keys', 'mint', '--client', 'acme'])).toMatch(/keys/);
    expect(problem(['keys', 'create', '--customer', 'acme'])).toMatch(/--customer/);
    expect(problem(['keys', 'revoke'])).toMatch(/arguments/);
    expect(problem(['keys'])).toMatch(/subcommand/);
  });

  it.each(DOCS)('%s: each exists, with options it knows and the arguments it takes', (file) => {
    const text = readFileSync(new URL(file, root), 'utf8');
    const wrong = documentedCommands(text).flatMap(({ line, words }) => {
      const why = problem(words);
      return why ? [`${file}:${line}: npx faascape ${words.join(' ')}: ${why}`] : [];
    });
    expect(wrong).toEqual([]);
  });
});
