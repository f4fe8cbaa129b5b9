/**
 * The developer page's "Recent errors": the last errors of the developer's own features (what they
 * threw, with the stack trace, their timeouts and crashes), each with its invocation id, to find
 * the call in `faascape logs --invocation`. Only what the feature wrote and the id: never the
 * client. The texts are the feature's own: shown as text (Preact escapes them), control characters
 * as `\xNN`.
 */
import type { DeveloperError } from '../../../api-types.ts';
import { escapeControlChars } from '../../../../../shared/control-chars.ts';
import { LoadView } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { api } from '../endpoints.ts';
import { formatCount } from '../format.ts';
import { useLoad } from '../use-load.ts';

/** The time to the second (several errors may share a minute). */
const when = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

function ErrorRow({ e }: { e: DeveloperError }) {
  return (
    <tr data-testid="developer-error" data-feature={e.feature}>
      <td>{when(e.time)}</td>
      <td>
        <code>{e.feature}</code>
      </td>
      <td>{e.invocationId ? <code data-testid="developer-error-invocation">{e.invocationId}</code> : <span class="muted">outside a call</span>}</td>
      <td>
        <span class="error-message">{escapeControlChars(e.message)}</span>
        {e.stack ? (
          <details>
            <summary>Stack trace</summary>
            <pre class="error-stack" data-testid="developer-error-stack">{escapeControlChars(e.stack)}</pre>
          </details>
        ) : null}
      </td>
    </tr>
  );
}

export function RecentErrors() {
  const loader = useLoad(() => api.developerErrors(), []);
  return (
    <>
      <h2 id="recent-errors">Recent errors</h2>
      <LoadView loader={loader} loading="Loading your features' recent errors…">
        {({ errors }) =>
          errors.length === 0 ? (
            <p data-testid="developer-errors-none">No error in your features' logs over the last 7 days.</p>
          ) : (
            <>
              <p class="muted">
                The {formatCount(errors.length)} latest of the last 7 days, newest first: throws with their stack traces, timeouts and crashes. Find a call's lines with{' '}
                <code>npx faascape logs &lt;slug&gt; --invocation &lt;id&gt;</code> (add <code>--stage &lt;stage&gt;</code> in AWS).
              </p>
              <Table columns={['Time', 'Feature', 'Invocation', 'Error']} testId="developer-errors">
                <tbody>
                  {errors.map((e, i) => (
                    <ErrorRow key={`${e.time}-${e.invocationId ?? ''}-${i}`} e={e} />
                  ))}
                </tbody>
              </Table>
            </>
          )
        }
      </LoadView>
    </>
  );
}
