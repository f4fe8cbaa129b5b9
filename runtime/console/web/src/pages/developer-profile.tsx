/**
 * Developer profiles (public): the level, the score as usage points + help points, what the
 * next level needs, and the features. Levels are trust, never money (see docs/levels.md).
 */
import type { DeveloperLevel } from '../../../community-types.ts';
import { HELP_POINTS, LEVELS } from '../../../../../shared/levels.ts';
import { DeveloperName, LevelBadge } from '../components/level.tsx';
import { Stat } from '../components/stat.tsx';
import { LoadView } from '../components/status.tsx';
import { CountCell, numeric, Table } from '../components/table.tsx';
import { community } from '../endpoints.ts';
import { formatCount, monthName } from '../format.ts';
import { featureHref } from '../router.ts';
import { useLoad } from '../use-load.ts';

const TRUST_NOT_MONEY = 'Levels unlock trust (moderation, accepting requests), never money: every developer is paid the same share.';

/** Weighted calls can be fractional (a share of each call): one decimal at most. */
function formatCalls(n: number): string {
  return Number.isInteger(n) ? formatCount(n) : (Math.floor(n * 10) / 10).toLocaleString('en-GB', { maximumFractionDigits: 1 });
}

function NextLevel({ d }: { d: DeveloperLevel }) {
  if (!d.next) return <p data-testid="developer-next">{d.developerId} is at the top level.</p>;
  const needsHelp = LEVELS.find((l) => l.name === d.next?.level)?.minHelpPoints;
  const missingScore = Math.max(0, d.next.score - d.score);
  const missingHelp = needsHelp === undefined ? 0 : Math.max(0, needsHelp - d.helpPoints);
  return (
    <p data-testid="developer-next">
      Next level: <LevelBadge level={d.next.level} testId="developer-next-level" /> at a score of {formatCount(d.next.score)}
      {needsHelp !== undefined ? <> with at least {formatCount(needsHelp)} help points</> : null}.{' '}
      {missingScore > 0 || missingHelp > 0 ? (
        <>
          It needs{' '}
          {missingScore > 0 ? <strong>{formatCount(missingScore)} more points</strong> : null}
          {missingScore > 0 && missingHelp > 0 ? ', of which at least ' : null}
          {missingHelp > 0 ? <strong>{formatCount(missingHelp)} more help points</strong> : null}.
        </>
      ) : null}
    </p>
  );
}

function Profile({ d }: { d: DeveloperLevel }) {
  const help = [
    { label: 'Accepted answers in others’ threads', count: d.help.acceptedAnswers, each: HELP_POINTS.acceptedAnswer },
    { label: 'Co-authored features', count: d.help.coAuthoredFeatures, each: HELP_POINTS.coAuthoredFeature },
    { label: 'Reviews', count: d.help.reviews, each: HELP_POINTS.review },
  ];
  const unlocks = LEVELS.find((l) => l.name === d.level)?.unlocks;
  return (
    <>
      <h1 tabIndex={-1}>
        Developer {d.developerId} <LevelBadge level={d.level} testId="developer-level" />
      </h1>
      {unlocks ? (
        <p class="lead">
          What {d.level} unlocks: {unlocks}
        </p>
      ) : null}
      <p class="muted">{TRUST_NOT_MONEY}</p>
      <dl class="facts">
        <Stat label="Score" testId="developer-score">
          {formatCount(d.score)}
        </Stat>
        <Stat label="Usage points" testId="developer-usage-points">
          {formatCount(d.usagePoints)}
        </Stat>
        <Stat label="Help points" testId="developer-help-points">
          {formatCount(d.helpPoints)}
        </Stat>
        <Stat label="Weighted calls" testId="developer-weighted-calls">
          {formatCalls(d.weightedCalls)}
        </Stat>
      </dl>
      <p class="muted">
        Score = usage points + help points. Usage points are 100 per tenfold of weighted calls (each feature's billable calls shared by author weight,
        {d.closedThrough ? ` closed months through ${monthName(d.closedThrough)} as their statements recorded them, plus the open months so far` : ' this month so far'}).
      </p>
      <NextLevel d={d} />
      <h2>Help</h2>
      <Table columns={['Help', ...numeric('Count', 'Points each', 'Points')]} caption={<span class="sr-only">Help points by kind</span>}>
        <tbody>
          {help.map((h) => (
            <tr key={h.label}>
              <th scope="row">{h.label}</th>
              <CountCell n={h.count} />
              <CountCell n={h.each} />
              <CountCell n={h.count * h.each} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Help points
            </th>
            <CountCell n={d.helpPoints} />
          </tr>
        </tfoot>
      </Table>
      <h2>Features</h2>
      {d.features.length === 0 ? (
        <p class="muted">No feature in the catalogue lists {d.developerId} as an author.</p>
      ) : (
        <Table columns={['Feature', { label: 'Author weight', numeric: true }]}>
          <tbody>
            {d.features.map((f) => (
              <tr key={f.slug} data-testid="developer-profile-feature" data-slug={f.slug}>
                <th scope="row">
                  <a href={featureHref(f.slug)}>{f.name}</a> <code class="muted">{f.slug}</code>
                </th>
                <td class="num">{`${f.weight} / ${f.totalWeight}`}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <h2>Levels</h2>
      <Table columns={['Level', ...numeric('Minimum score', 'Minimum help points'), 'Unlocks']}>
        <tbody>
          {LEVELS.map((l) => (
            <tr key={l.name} aria-current={l.name === d.level ? 'true' : undefined} class={l.name === d.level ? 'current' : undefined}>
              <th scope="row">
                <LevelBadge level={l.name} testId="level-name" />
                {l.name === d.level ? <span class="sr-only"> (current)</span> : null}
              </th>
              <CountCell n={l.minScore} />
              <td class="num">{l.minHelpPoints === undefined ? '—' : formatCount(l.minHelpPoints)}</td>
              <td class="wrap">{l.unlocks}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      <p>
        <a href="#/developers">← All developers</a>
      </p>
    </>
  );
}

export function DeveloperProfilePage({ id }: { id: string }) {
  const loader = useLoad(() => community.developer(id), [id]);
  return (
    <section>
      <LoadView loader={loader} loading="Loading the profile…" notFound={{ title: `No developer “${id}”` }}>
        {(d) => <Profile d={d} />}
      </LoadView>
    </section>
  );
}

export function DevelopersPage() {
  const loader = useLoad(() => community.developers(), []);
  return (
    <section>
      <h1 tabIndex={-1}>Developers</h1>
      <p class="lead">Everyone who authors a feature in the catalogue, with their level.</p>
      <p class="muted">{TRUST_NOT_MONEY}</p>
      <LoadView loader={loader} loading="Loading developers…">
        {(d) => (
          <Table columns={['Developer', ...numeric('Score', 'Usage points', 'Help points', 'Features')]}>
            <tbody>
              {[...d.developers]
                .sort((a, b) => b.score - a.score || (a.developerId < b.developerId ? -1 : 1))
                .map((x) => (
                  <tr key={x.developerId} data-testid="developer-row" data-developer-id={x.developerId}>
                    <th scope="row">
                      <DeveloperName id={x.developerId} level={x.level} />
                    </th>
                    <CountCell n={x.score} />
                    <CountCell n={x.usagePoints} />
                    <CountCell n={x.helpPoints} />
                    <CountCell n={x.features.length} />
                  </tr>
                ))}
            </tbody>
          </Table>
        )}
      </LoadView>
    </section>
  );
}
