/**
 * The shell: header and nav for the signed-in role, the route → page switch, and the two guards
 * every page shares (not signed in → sign-in; wrong role, or any 403 → the 403 page).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Role } from '../../api-types.ts';
import { onAuthProblems } from './api.ts';
import { Forbidden } from './components/forbidden.tsx';
import { Loading } from './components/status.tsx';
import { api } from './endpoints.ts';
import { CataloguePage } from './pages/catalogue.tsx';
import { ClientAlertsPage } from './pages/client-alerts.tsx';
import { ClientPage } from './pages/client.tsx';
import { DeveloperProfilePage, DevelopersPage } from './pages/developer-profile.tsx';
import { DeveloperPage } from './pages/developer.tsx';
import { DiscussionsPage } from './pages/discussions.tsx';
import { FeaturePage } from './pages/feature.tsx';
import { FinanceMonthPage } from './pages/finance-month.tsx';
import { FinancePage } from './pages/finance.tsx';
import { RequestPage } from './pages/request.tsx';
import { RequestsPage } from './pages/requests.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { ThreadPage } from './pages/thread.tsx';
import { WelcomePage } from './pages/welcome.tsx';
import { homeOf, navigate, parseHash, roleOf, signInHref, useRoute, type Route } from './router.ts';
import { currentSession, setSession, useSession } from './session.ts';
import { asApiError } from './use-load.ts';

const HOME_LABEL: Record<Role, string> = { client: 'Usage & billing', developer: 'My features', finance: 'Months & statements' };

const TITLE: Record<Route['page'], string> = {
  catalogue: 'Catalogue',
  feature: 'Feature',
  'sign-in': 'Sign in',
  welcome: 'Welcome',
  client: 'Usage & billing',
  'client-alerts': 'Alerts & webhooks',
  developer: 'My features',
  finance: 'Finance',
  'finance-month': 'Month',
  requests: 'Requests',
  request: 'Request',
  discussions: 'Discussions',
  thread: 'Thread',
  developers: 'Developers',
  'developer-profile': 'Developer',
  'not-found': 'Not found',
};

/**
 * To sign-in, coming back here afterwards, when the page at the current location (not the one of
 * a render that may be a hashchange behind) is for signed-in accounts.
 */
function toSignInIfPrivate(): void {
  if (!roleOf(parseHash(location.hash))) return;
  navigate(signInHref(location.hash));
}

/**
 * A call answered 401 while someone was signed in: the session ended (expired, signed out in
 * another tab, account disabled). Whatever the page, public or not, say so on the sign-in page
 * and come back here afterwards, instead of a silent bounce that loses what they were doing.
 */
function toSignInSessionEnded(): void {
  const page = parseHash(location.hash).page;
  if (page === 'sign-in' || page === 'welcome') return;
  navigate(signInHref(location.hash, true));
}

function Header({ route }: { route: Route }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    try {
      await api.signOut();
    } catch {
      // Signed out on this side regardless: the cookie is HttpOnly and the session expires anyway.
    }
    setBusy(false);
    setSession(null);
    navigate('#/catalogue');
  };
  const current = (page: Route['page'] | Route['page'][]) => ([page].flat().includes(route.page) ? 'page' : undefined);
  return (
    <header class="top">
      <a class="brand" href="#/catalogue">
        Faascape
      </a>
      <nav aria-label="Main">
        <a href="#/catalogue" aria-current={current(['catalogue', 'feature'])}>
          Catalogue
        </a>
        <a href="#/requests" aria-current={current(['requests', 'request'])} data-testid="nav-requests">
          Requests
        </a>
        <a href="#/discussions" aria-current={current(['discussions', 'thread'])} data-testid="nav-discussions">
          Discussions
        </a>
        {session.status === 'signed-in' ? (
          <a href={homeOf(session.info.role)} aria-current={current(session.info.role === 'finance' ? ['finance', 'finance-month'] : session.info.role === 'client' ? ['client', 'client-alerts'] : session.info.role)} data-testid="nav-home">
            {HOME_LABEL[session.info.role]}
          </a>
        ) : null}
      </nav>
      <div class="who">
        {session.status === 'signed-in' ? (
          <>
            <span data-testid="signed-in-as">
              {session.info.email} <span class="role">{session.info.role}</span>
            </span>
            <button type="button" class="secondary" onClick={signOut} disabled={busy} data-testid="sign-out">
              Sign out
            </button>
          </>
        ) : session.status === 'signed-out' && route.page !== 'sign-in' ? (
          <a href="#/sign-in" data-testid="nav-sign-in">
            Sign in
          </a>
        ) : null}
      </div>
    </header>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'catalogue':
      return <CataloguePage />;
    case 'feature':
      return <FeaturePage slug={route.slug} />;
    case 'sign-in':
      return <SignInPage key={`${route.next}${route.ended}`} next={route.next} ended={route.ended} />;
    case 'welcome':
      return <WelcomePage token={route.token} />;
    case 'client':
      return <ClientPage />;
    case 'client-alerts':
      return <ClientAlertsPage />;
    case 'developer':
      return <DeveloperPage />;
    case 'finance':
      return <FinancePage />;
    case 'finance-month':
      return <FinanceMonthPage key={route.month} month={route.month} />;
    case 'requests':
      return <RequestsPage />;
    case 'request':
      return <RequestPage key={route.id} id={route.id} />;
    case 'discussions':
      return <DiscussionsPage />;
    case 'thread':
      return <ThreadPage key={route.id} id={route.id} />;
    case 'developers':
      return <DevelopersPage />;
    case 'developer-profile':
      return <DeveloperProfilePage key={route.id} id={route.id} />;
    case 'not-found':
      return (
        <section>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            Nothing lives at “{route.path}”. <a href="#/catalogue">Go to the catalogue</a>.
          </p>
        </section>
      );
  }
}

export function App() {
  const { route, hash } = useRoute();
  const session = useSession();
  const [forbidden, setForbidden] = useState<{ hash: string; message: string } | null>(null);
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    onAuthProblems({
      notSignedIn: () => {
        const wasSignedIn = currentSession().status === 'signed-in';
        setSession(null);
        if (wasSignedIn) toSignInSessionEnded();
        else toSignInIfPrivate();
      },
      forbidden: (e) => setForbidden({ hash: location.hash, message: e.message }),
    });
    api.session().then(
      (info) => setSession(info),
      (e: unknown) => {
        // 401 is the normal "not signed in"; the listener above already handled it.
        if (asApiError(e).status !== 401) setSession(null);
      },
    );
  }, []);

  const role = roleOf(route);
  useEffect(() => {
    if (session.status === 'signed-out') toSignInIfPrivate();
  }, [role, session.status]);

  // On a page change, move focus to the new heading so screen readers and keyboards start there.
  useEffect(() => {
    document.title = `${TITLE[route.page]} — Faascape`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const h1 = main.current?.querySelector<HTMLElement>('h1');
    (h1 ?? main.current)?.focus();
  }, [hash]);

  let content;
  if (forbidden && forbidden.hash === hash) content = <Forbidden role={role} message={forbidden.message} />;
  else if (!role) content = <Page route={route} />;
  else if (session.status === 'loading') content = <Loading what="Checking your session…" />;
  else if (session.status === 'signed-out') content = <Loading what="Taking you to sign-in…" />;
  else if (session.info.role !== role) content = <Forbidden role={role} />;
  else content = <Page route={route} />;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" ref={main} tabIndex={-1}>
        {content}
      </main>
    </>
  );
}
