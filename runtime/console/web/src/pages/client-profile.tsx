/**
 * Who the client is: its billing details, the buyer printed on its invoices (issue #16), and its
 * public name, what discussions and requests show instead of the client id (issue #17; empty
 * means anonymous, shown as "a client"). The server checks the rules and says why not.
 */
import { useState } from 'preact/hooks';
import type { ClientBilling, ClientProfile, InvoiceParty } from '../../../api-types.ts';
import { Field, TextAreaField } from '../components/field.tsx';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { api } from '../endpoints.ts';
import { useLoad } from '../use-load.ts';
import { useSaving } from '../use-saving.ts';

/** Same limit as the server (shared/display-name.ts). */
const MAX_DISPLAY_NAME = 40;

function ProfileForm({ p, onChange }: { p: ClientProfile; onChange: (p: ClientProfile) => void }) {
  const [text, setText] = useState(p.displayName ?? '');
  const { busy, message, run } = useSaving();

  const save = (displayName: string | null) =>
    run(
      () => api.setClientProfile({ displayName }),
      (updated) => {
        onChange(updated);
        setText(updated.displayName ?? '');
        return updated.displayName === null ? 'Name removed: others see you as “a client”.' : `Others now see you as “${updated.displayName}”.`;
      },
    );

  const submit = (e: Event) => {
    e.preventDefault();
    void save(text.trim() === '' ? null : text);
  };

  return (
    <form class="form inline-form" onSubmit={submit}>
      <label for="display-name">Public display name</label>
      <p class="hint" id="display-name-hint">
        Shown as the author of your threads, posts and requests. Leave it empty to appear as “a client”; your client id is never shown to others.
      </p>
      <div class="row">
        <input
          id="display-name"
          autocomplete="organization"
          maxLength={MAX_DISPLAY_NAME}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="e.g. Acme Logistics"
          aria-describedby="display-name-hint"
          data-testid="display-name-input"
        />
        <button type="submit" disabled={busy} data-testid="display-name-save">
          Save name
        </button>
        {p.displayName !== null ? (
          <button type="button" class="secondary" disabled={busy} onClick={() => void save(null)} data-testid="display-name-remove">
            Remove name
          </button>
        ) : null}
      </div>
      <LiveStatus message={message.text} error={message.error} />
    </form>
  );
}

function BillingForm({ b, onChange }: { b: InvoiceParty | null; onChange: (b: ClientBilling) => void }) {
  const [legalName, setLegalName] = useState(b?.legalName ?? '');
  const [address, setAddress] = useState((b?.address ?? []).join('\n'));
  const [country, setCountry] = useState(b?.country ?? '');
  const [vatNumber, setVatNumber] = useState(b?.vatNumber ?? '');
  const { busy, message, run } = useSaving();

  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      () => api.setBilling({ legalName, address: address.split('\n'), country, ...(vatNumber.trim() ? { vatNumber } : {}) }),
      (saved) => {
        onChange(saved);
        if (saved.billing) {
          setLegalName(saved.billing.legalName);
          setAddress(saved.billing.address.join('\n'));
          setCountry(saved.billing.country);
          setVatNumber(saved.billing.vatNumber ?? '');
        }
        return 'Billing details saved: your next invoices carry them. Invoices already issued keep theirs.';
      },
    );
  };

  return (
    <form class="form" onSubmit={submit} data-testid="billing-form">
      <Field id="billing-legal-name" label="Legal name" value={legalName} onValue={setLegalName} autocomplete="organization" maxLength={140} required testId="billing-legal-name" />
      <TextAreaField
        id="billing-address"
        label="Address"
        hint="One to four lines, e.g. street, postcode and city."
        value={address}
        onValue={setAddress}
        rows={4}
        autocomplete="street-address"
        required
        testId="billing-address"
      />
      <label for="billing-country">Country</label>
      <p class="hint" id="billing-country-hint">
        Two-letter ISO code, e.g. FR, DE, US.
      </p>
      <input
        id="billing-country"
        value={country}
        onInput={(e) => setCountry(e.currentTarget.value.toUpperCase())}
        autocomplete="country"
        maxLength={2}
        required
        aria-describedby="billing-country-hint"
        data-testid="billing-country"
      />
      <label for="billing-vat-number">VAT number (optional)</label>
      <p class="hint" id="billing-vat-number-hint">
        With a VAT number of another EU country than the operator&apos;s, invoices are reverse charge: 0 % VAT, which you account for.
      </p>
      <input
        id="billing-vat-number"
        value={vatNumber}
        onInput={(e) => setVatNumber(e.currentTarget.value)}
        placeholder="e.g. DE136695976"
        aria-describedby="billing-vat-number-hint"
        data-testid="billing-vat-number"
      />
      <button type="submit" disabled={busy} data-testid="billing-save">
        {busy ? 'Saving…' : 'Save billing details'}
      </button>
      <div data-testid="billing-message" data-error={String(message.error)}>
        <LiveStatus message={message.text} error={message.error} />
      </div>
    </form>
  );
}

/** The buyer of the client's invoices, as stored. */
export function BillingDetailsSection() {
  const billing = useLoad(() => api.billing(), []);
  return (
    <>
      <h2 id="billing-details">Billing details</h2>
      <LoadView loader={billing} loading="Loading your billing details…">
        {({ billing: b }) => (
          <>
            {b ? (
              <p data-testid="billing-shown">
                Your invoices are made out to <strong>{b.legalName}</strong>, {b.country}
                {b.vatNumber ? `, VAT number ${b.vatNumber}` : ''}.
              </p>
            ) : (
              <p data-testid="billing-shown">
                Not filled in yet: your invoices name your client id and carry the VAT of the operator&apos;s country. Fill them in before the month closes.
              </p>
            )}
            <BillingForm b={b} onChange={billing.replace} />
          </>
        )}
      </LoadView>
    </>
  );
}

export function ClientProfileSection() {
  const profile = useLoad(() => api.clientProfile(), []);
  return (
    <>
      <BillingDetailsSection />
      <h2>In the community</h2>
      <LoadView loader={profile} loading="Loading your public name…">
        {(p) => (
          <>
            <p>
              Others see you as <strong data-testid="display-name-shown">{p.shownAs}</strong>.
            </p>
            <ProfileForm p={p} onChange={profile.replace} />
          </>
        )}
      </LoadView>
    </>
  );
}
