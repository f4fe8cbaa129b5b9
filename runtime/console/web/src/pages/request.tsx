/**
 * One custom-development request: what the client asks for, the votes, and the steps of its life
 * for whoever may take them (plan, deliver, decline, accept for development).
 */
import { useState } from 'preact/hooks';
import type { DevRequest } from '../../../community-types.ts';
import { Dialog } from '../components/dialog.tsx';
import { TextAreaField } from '../components/field.tsx';
import { ServerHtml } from '../components/html.tsx';
import { AuthorName, DeveloperName } from '../components/level.tsx';
import { Stat } from '../components/stat.tsx';
import { Banner, LiveStatus, Loading, LoadView } from '../components/status.tsx';
import { community } from '../endpoints.ts';
import { formatCount, formatDateTime } from '../format.ts';
import { useLevels } from '../levels.ts';
import { featureHref } from '../router.ts';
import { useSession } from '../session.ts';
import { asApiError, useLoad } from '../use-load.ts';
import { budgetNote, budgetText, StatusBadge, Tags, VoteButton } from './requests.tsx';

type Say = (text: string, error: boolean) => void;

/** One button that calls the API and hands the updated request back. */
function ActionButton({
  label,
  busyLabel,
  run,
  onDone,
  say,
  testId,
  kind,
}: {
  label: string;
  busyLabel: string;
  run: () => Promise<DevRequest>;
  onDone: (r: DevRequest) => void;
  say: Say;
  testId: string;
  kind?: 'secondary' | 'danger';
}) {
  const [busy, setBusy] = useState(false);
  const press = async () => {
    if (busy) return;
    setBusy(true);
    say(busyLabel, false);
    try {
      onDone(await run());
    } catch (e) {
      say(asApiError(e).message, true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class={kind} aria-disabled={busy} onClick={() => void press()} data-testid={testId}>
      {label}
    </button>
  );
}

/** The planning developer: deliver as one of their features (a select when their features loaded). */
function DeliverForm({ r, onDone, say }: { r: DevRequest; onDone: (r: DevRequest) => void; say: Say }) {
  const mine = useLoad(() => community.myFeatures(), []);
  const features = mine.load.state === 'ok' ? mine.load.data.features : [];
  const [slug, setSlug] = useState('');
  const [busy, setBusy] = useState(false);
  // No preselection: the first of one's features is rarely the one that delivers this request.
  const chosen = slug;

  const submit = async (e: Event) => {
    e.preventDefault();
    const featureSlug = chosen.trim();
    if (!featureSlug) {
      say('Choose the feature that delivers this request.', true);
      return;
    }
    setBusy(true);
    say('Marking the request as delivered…', false);
    try {
      onDone(await community.deliver(r.requestId, featureSlug));
      say(`Delivered as ${featureSlug}.`, false);
    } catch (err) {
      say(asApiError(err).message, true);
    } finally {
      setBusy(false);
    }
  };

  if (mine.load.state === 'loading') return <Loading what="Loading your features…" />;
  return (
    <form class="form inline-form" onSubmit={submit}>
      <h3>Deliver</h3>
      <p class="muted">Publish the feature in the catalogue first, then tell the client which one it is.</p>
      <label for="deliver-slug">Delivered as feature</label>
      <div class="row">
        {features.length ? (
          <select id="deliver-slug" value={chosen} required onChange={(e) => setSlug(e.currentTarget.value)} data-testid="deliver-slug">
            <option value="" disabled>
              Choose a feature…
            </option>
            {features.map((f) => (
              <option key={f.slug} value={f.slug}>
                {f.name} ({f.slug})
              </option>
            ))}
          </select>
        ) : (
          <input id="deliver-slug" value={slug} onInput={(e) => setSlug(e.currentTarget.value)} placeholder="feature slug" autocomplete="off" data-testid="deliver-slug" />
        )}
        <button type="submit" disabled={busy} data-testid="deliver-request">
          Deliver
        </button>
      </div>
    </form>
  );
}

function DeclineDialog({ r, onClose, onDone }: { r: DevRequest; onClose: () => void; onDone: (r: DevRequest) => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (reason.trim().length < 3) {
      setError('Give the client a reason (at least 3 characters).');
      return;
    }
    setBusy(true);
    setError('');
    try {
      onDone(await community.decline(r.requestId, reason.trim()));
    } catch (err) {
      setError(asApiError(err).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Decline “${r.title}”?`} onClose={onClose} testId="decline-dialog">
      <form class="form" onSubmit={submit}>
        <p>The client sees the reason. A declined request cannot be planned again.</p>
        <TextAreaField id="decline-reason" label="Reason" rows={3} maxLength={1000} required value={reason} onValue={setReason} testId="decline-reason" />
        <div class="row">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={busy} data-testid="confirm-decline">
            Decline request
          </button>
        </div>
        <LiveStatus message={error} error />
      </form>
    </Dialog>
  );
}

function Actions({ r, onChange, say }: { r: DevRequest; onChange: (r: DevRequest) => void; say: Say }) {
  const session = useSession();
  const levels = useLevels();
  const [declining, setDeclining] = useState(false);
  if (session.status !== 'signed-in') return null;
  const me = session.info;
  const live = r.status === 'open' || r.status === 'planned';
  const planner = me.role === 'developer' && r.plannedBy !== undefined && r.plannedBy === me.developerId;
  const mentor = me.role === 'developer' && me.developerId !== undefined && levels?.get(me.developerId) === 'mentor';
  const done = (text: string) => (u: DevRequest) => {
    onChange(u);
    say(text, false);
  };
  const buttons = [
    // Its client may change its mind about showing the budget while the request can still be edited.
    r.mine && r.status === 'open' && r.budgetPublic !== undefined ? (
      <ActionButton
        key="budget"
        label={r.budgetPublic ? 'Hide my budget from others' : 'Show my budget publicly'}
        busyLabel="Saving…"
        run={() => community.editRequest(r.requestId, { budgetPublic: !r.budgetPublic })}
        onDone={(u) => done(u.budgetPublic ? 'Your budget is now shown to everyone.' : 'Your budget is now shown only to you and the operator.')(u)}
        say={say}
        testId="toggle-budget-public"
        kind="secondary"
      />
    ) : null,
    me.role === 'developer' && r.status === 'open' ? (
      <ActionButton key="plan" label="Plan it" busyLabel="Planning…" run={() => community.plan(r.requestId)} onDone={done('Planned: you committed to build it. Deliver it when the feature is in the catalogue.')} say={say} testId="plan-request" />
    ) : null,
    mentor && live && !r.acceptedBy ? (
      <ActionButton
        key="accept"
        label="Accept for development"
        busyLabel="Accepting…"
        run={() => community.acceptForDevelopment(r.requestId)}
        onDone={done('Accepted for development.')}
        say={say}
        testId="accept-request"
        kind="secondary"
      />
    ) : null,
    live && (planner || me.role === 'finance') ? (
      <button key="decline" type="button" class="danger" onClick={() => setDeclining(true)} data-testid="decline-request">
        Decline
      </button>
    ) : null,
  ].filter(Boolean);
  const deliver = planner && r.status === 'planned';
  if (!buttons.length && !deliver) return null;
  return (
    <>
      <h2>What you can do</h2>
      {buttons.length ? <div class="row">{buttons}</div> : null}
      {deliver ? <DeliverForm r={r} onDone={done('')} say={say} /> : null}
      {declining ? (
        <DeclineDialog
          r={r}
          onClose={() => setDeclining(false)}
          onDone={(u) => {
            setDeclining(false);
            done('Request declined.')(u);
          }}
        />
      ) : null}
    </>
  );
}

function Detail({ r, onChange }: { r: DevRequest; onChange: (r: DevRequest) => void }) {
  const levels = useLevels();
  const [message, setMessage] = useState({ text: '', error: false });
  const say: Say = (text, error) => setMessage({ text, error });
  return (
    <>
      <h1 tabIndex={-1}>{r.title}</h1>
      <p>
        <StatusBadge status={r.status} testId="request-status" />
      </p>
      {r.status === 'delivered' && r.deliveredSlug ? (
        <Banner kind="ok" testId="request-delivered">
          <p>
            <strong>Delivered as </strong>
            <a href={featureHref(r.deliveredSlug)} data-testid="delivered-link">
              <code>{r.deliveredSlug}</code>
            </a>
            {r.plannedBy ? <> by {r.plannedBy}</> : null}: it is in the catalogue, ready to call with your API key.
          </p>
        </Banner>
      ) : null}
      {r.status === 'declined' ? (
        <Banner kind="warning" testId="request-declined">
          <p>
            <strong>Declined.</strong> {r.declineReason ?? ''}
          </p>
        </Banner>
      ) : null}
      <dl class="facts">
        <Stat label="Votes" testId="request-votes">
          {formatCount(r.votes)}
        </Stat>
        <Stat label="Budget" testId="request-budget">
          {budgetText(r)}
          {budgetNote(r) ? <span class="muted">{budgetNote(r)}</span> : null}
        </Stat>
        <Stat label="Tags">
          <Tags tags={r.tags} />
        </Stat>
        <Stat label="Client" testId="request-author">
          <AuthorName author={r.author} />
        </Stat>
        <Stat label="Posted">{formatDateTime(r.createdAt)}</Stat>
        {r.plannedBy ? (
          <Stat label="Planned by" testId="request-planned-by">
            <DeveloperName id={r.plannedBy} level={levels?.get(r.plannedBy)} />
          </Stat>
        ) : null}
        {r.acceptedBy ? (
          <Stat label="Accepted for development by">
            <DeveloperName id={r.acceptedBy} level={levels?.get(r.acceptedBy)} />
          </Stat>
        ) : null}
      </dl>
      <h2>Description</h2>
      <ServerHtml html={r.descriptionHtml} testId="request-description" />
      {r.status === 'open' || r.status === 'planned' ? (
        <div class="row">
          <VoteButton r={r} onChange={onChange} onMessage={say} />
        </div>
      ) : null}
      <Actions r={r} onChange={onChange} say={say} />
      <LiveStatus message={message.text} error={message.error} />
      <p>
        <a href="#/requests">← All requests</a>
      </p>
    </>
  );
}

export function RequestPage({ id }: { id: string }) {
  const loader = useLoad(() => community.request(id), [id]);
  return (
    <section>
      <LoadView loader={loader} loading="Loading the request…" notFound={{ title: 'No such request', back: { href: '#/requests', label: '← All requests' } }}>
        {(r) => <Detail r={r} onChange={loader.replace} />}
      </LoadView>
    </section>
  );
}
