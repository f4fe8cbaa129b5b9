/**
 * `faascape payouts …` and `faascape developers set-payee` (issue #16): a payout run per closed
 * month, reviewed by its developers for a few days, approved once by finance, then exported as a
 * SEPA Credit Transfer file (pain.001.001.09) that is the same file at every export.
 */
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatIbanPrint } from '../../shared/iban.ts';
import { formatCents } from '../../shared/invoice.ts';
import type { PayoutPlan } from '../../shared/payout-run.ts';
import type { PayoutFlag } from '../statements/payout-store.ts';
import { DEFAULT_REVIEW_DAYS, type PayoutRunView } from '../statements/payouts.ts';
import { type CliContext, withContext } from './context.ts';
import { printJson, safe, table } from './format.ts';

export interface PayoutCommandHelpers {
  /** parses --month */
  month(value: string): string;
  /** asks on a terminal; never confirms elsewhere */
  confirmed(question: string, expected: string): Promise<boolean>;
  /** an existing developer id, else rc 1 naming the closest */
  requireDeveloper(ctx: CliContext, developerId: string): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const eur = (cents: number) => `${formatCents(cents)} EUR`;

const REASON: Record<string, string> = { no_payee: 'no IBAN: owed by the next run', invalid_iban: 'invalid IBAN: owed by the next run' };

function printPlan(plan: PayoutPlan): void {
  console.log(
    table(
      plan.lines.map((l) => ({
        developer: l.developerId,
        payable: formatCents(l.payableCents),
        owedBefore: formatCents(l.owedBeforeCents),
        paid: formatCents(l.paidCents),
        carried: formatCents(l.carriedCents),
        payee: l.payeeName ?? '',
        iban: l.iban ? formatIbanPrint(l.iban) : '',
        note: l.reason ? REASON[l.reason] : '',
      })),
      ['developer', 'payable', 'owedBefore', 'paid', 'carried', 'payee', 'iban', 'note'],
    ),
  );
  const transfers = plan.lines.filter((l) => l.paidCents > 0).length;
  console.log(`\npays ${eur(plan.paidCents)} in ${transfers} transfer(s); carries ${eur(plan.carriedCents)} to the next run`);
}

function printFlags(flags: PayoutFlag[]): void {
  if (!flags.length) return console.log('no line flagged by its developer');
  console.log(`${flags.length} line(s) flagged by their developers:`);
  // A developer's note, any text up to 1,000 characters: after the plan, it must not rewrite it.
  for (const f of flags) console.log(`  ${safe(f.developerId)}, ${safe(f.featureId)} (${iso(f.at)}): ${safe(f.note)}`);
}

function printView(view: PayoutRunView, now: number): void {
  const a = view.approved;
  if (a) console.log(`payout run ${view.month}: approved ${iso(a.approvedAt)} by ${safe(a.approvedBy)}, executed ${a.executionDate}, message id ${a.messageId}, from ${safe(a.debtor.name)} ${formatIbanPrint(a.debtor.iban)}`);
  else if (now < view.reviewEndsAt) console.log(`payout run ${view.month}: in review by its developers until ${iso(view.reviewEndsAt)}; approve it after that (as planned now, with the payees as they stand)`);
  else console.log(`payout run ${view.month}: review over since ${iso(view.reviewEndsAt)}, awaiting approval (as planned now, with the payees as they stand)`);
  console.log('amounts in EUR\n');
  printPlan(view.plan);
  console.log('');
  printFlags(view.flags);
}

/** Who approved, as the run records it: the operator's account on this machine. */
function operator(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

const formatOption = () => new Option('--format <format>', 'output format').choices(['json', 'text']).default('text');

export function registerPayoutCommands(program: Command, developers: Command, helpers: PayoutCommandHelpers): void {
  const payouts = program
    .command('payouts')
    .description(`payout runs: one per closed month, reviewed by its developers (${DEFAULT_REVIEW_DAYS} days after the close), approved once, exported as a SEPA pain.001 file (transfers from FAASCAPE_PAYOUT_IBAN)`);

  payouts
    .command('show')
    .description("a month's payout run: each developer's payable, what earlier runs owed, paid and carried (no valid IBAN), the flags, the review end, and the approval if any")
    .requiredOption('--month <YYYY-MM>', 'a closed UTC month', helpers.month)
    .addOption(formatOption())
    .option('--json', 'same as --format json')
    .action(
      withContext(async (ctx, opts: { month: string; format: string; json?: boolean }) => {
        const view = await ctx.payouts.view(opts.month);
        if (opts.json || opts.format === 'json') return printJson(view);
        printView(view, Date.now());
      }),
    );

  payouts
    .command('approve')
    .description("approve a month's payout run once its review is over, for good: it fixes who is paid what, to which IBAN, and the payment file (months in order; approving again shows the first approval)")
    .requiredOption('--month <YYYY-MM>', 'a closed UTC month', helpers.month)
    .option('--yes', 'do not ask for confirmation (needed when not run from a terminal)')
    .option('--json', 'print {"outcome","run","flags"}')
    .action(
      withContext(async (ctx, opts: { month: string; yes?: boolean; json?: boolean }) => {
        const view = await ctx.payouts.view(opts.month);
        if (!view.approved && !opts.yes) {
          const transfers = view.plan.lines.filter((l) => l.paidCents > 0).length;
          const question = `Approve the payout run of ${opts.month} for good: ${transfers} transfer(s), ${eur(view.plan.paidCents)} in total, over ${view.flags.length} flag(s)? Type the month to confirm: `;
          if (!(await helpers.confirmed(question, opts.month))) {
            throw new InvalidArgumentError(process.stdin.isTTY ? `not confirmed: the payout run of ${opts.month} stays unapproved` : 'payouts approve decides who is paid what, for good: confirm on a terminal, or pass --yes');
          }
        }
        const res = await ctx.payouts.approve(opts.month, operator());
        if (opts.json) return printJson(res);
        printFlags(res.flags);
        console.log('');
        printPlan(res.run.plan);
        const file = res.run.plan.paidCents > 0 ? `; its file: npx faascape payouts export --month ${opts.month}` : '; it pays nobody: no file';
        console.log(`\n${res.outcome === 'approved' ? 'approved' : `already approved ${iso(res.run.approvedAt)} by ${safe(res.run.approvedBy)}, unchanged`}: message id ${res.run.messageId}, executed ${res.run.executionDate}${file}`);
      }),
    );

  payouts
    .command('export')
    .description("write an approved run's SEPA Credit Transfer file (pain.001.001.09; the same bytes at every export) and print its path and control sum")
    .requiredOption('--month <YYYY-MM>', 'a month whose payout run is approved', helpers.month)
    .option('--out <file>', 'where to write it (default: <message id>.xml in the current directory)')
    .action(
      withContext(async (ctx, opts: { month: string; out?: string }) => {
        const { xml, run } = await ctx.payouts.exportXml(opts.month);
        const path = resolve(opts.out ?? `${run.messageId}.xml`);
        writeFileSync(path, xml);
        const transfers = run.plan.lines.filter((l) => l.paidCents > 0).length;
        console.log(path);
        console.log(`control sum ${formatCents(run.plan.paidCents)} EUR, ${transfers} transfer(s), message id ${run.messageId}, execution date ${run.executionDate}`);
      }),
    );

  developers
    .command('set-payee')
    .description("set where a developer's payouts go (as the developer does in the console): the account holder and an IBAN, checked by its country's length and mod-97; runs approved before keep theirs")
    .requiredOption('--developer <developerId>', 'the developer id in feature manifests')
    .requiredOption('--name <name>', 'the account holder, as the bank knows it, in Latin letters')
    .requiredOption('--iban <iban>', 'e.g. "FR76 3000 6000 0112 3456 7890 189" (spaces allowed)')
    .option('--json', 'print {"developerId","name","iban"}')
    .action(
      withContext(async (ctx, opts: { developer: string; name: string; iban: string; json?: boolean }) => {
        await helpers.requireDeveloper(ctx, opts.developer);
        const payee = await ctx.payees.setPayee(opts.developer, { name: opts.name, iban: opts.iban }, Date.now());
        if (opts.json) return printJson({ developerId: opts.developer, ...payee });
        console.log(`payee of ${opts.developer}: ${safe(payee.name)}, ${formatIbanPrint(payee.iban)} (paid by the runs approved from now on)`);
      }),
    );
}
