/**
 * The console's frame: sign-in when there is no session, otherwise the left menu, the phone icon (the
 * browser phone, web/softphone), the signed-in account with Sign out, **Apply changes** in the upper-right
 * corner, and the page the address names.
 */
import { useEffect, useState } from 'react';
import { PhoneButton } from '../../softphone/phone-button.tsx';
import { ApiError, api, type Me, onUnauthorized } from './api.ts';
import { ApplyChangesButton } from './components/apply-changes.tsx';
import { ErrorBoundary } from './components/error-boundary.tsx';
import { DraftProvider } from './draft.tsx';
import { LiveEventsProvider } from './live-events.tsx';
import { ConferencesPage } from './pages/conferences.tsx';
import { HistoryPage } from './pages/history.tsx';
import { IncomingNumbersPage } from './pages/incoming-numbers.tsx';
import { LivePage } from './pages/live.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { TrunksPage } from './pages/trunks.tsx';
import { UsersPage } from './pages/users.tsx';
import { navigate, useLocation } from './router.ts';
import { SessionContext } from './session.ts';

const PAGES = [
  { path: '/users', label: 'Users', Page: UsersPage },
  { path: '/conferences', label: 'Conferences', Page: ConferencesPage },
  { path: '/incoming-numbers', label: 'Incoming numbers', Page: IncomingNumbersPage },
  { path: '/trunks', label: 'Trunks', Page: TrunksPage },
  { path: '/live', label: 'Live', Page: LivePage },
  { path: '/history', label: 'History', Page: HistoryPage },
] as const;

export function App() {
  const [me, setMe] = useState<Me | null>();
  useEffect(() => {
    api.me().then(setMe, (err: unknown) => {
      setMe(null);
      if (!(err instanceof ApiError) || err.status !== 401) console.warn('session check failed', err);
    });
    return onUnauthorized(() => setMe(null));
  }, []);
  if (me === undefined) {
    return (
      <p className="progress page-loading" role="status">
        <span className="spinner" aria-hidden="true" /> Loading…
      </p>
    );
  }
  if (me === null) return <SignIn onSignedIn={setMe} />;
  return (
    <SessionContext.Provider value={me}>
      <LiveEventsProvider>
        <DraftProvider>
          <Shell me={me} onSignedOut={() => setMe(null)} />
        </DraftProvider>
      </LiveEventsProvider>
    </SessionContext.Provider>
  );
}

function Shell({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const loc = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const page = PAGES.find((p) => loc.path === p.path || loc.path.startsWith(`${p.path}/`));
  useEffect(() => {
    if (!page) navigate('/conferences', true);
  }, [page]);
  useEffect(() => {
    document.title = page ? `${page.label} · Parley` : 'Parley';
  }, [page]);
  const signOut = async () => {
    try {
      await api.logout();
    } finally {
      onSignedOut();
    }
  };
  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <a className="skip-link" href="#main">
        Skip to the page
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-button menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-menu"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <span aria-hidden="true">☰</span>
          <span className="sr-only">Menu</span>
        </button>
        <p className="brand">
          <span className="brand-mark" aria-hidden="true">
            P
          </span>{' '}
          <span className="brand-name">Parley</span>
        </p>
        <div className="topbar-right">
          <PhoneButton defaults={me.domain ? { domain: me.domain } : {}} />
          <span className="account" title="Signed in">
            <span className="sr-only">Signed in as </span>
            {me.username}
          </span>
          <button type="button" className="button button-quiet" onClick={() => void signOut()}>
            Sign out
          </button>
          <ApplyChangesButton />
        </div>
      </header>
      <nav id="main-menu" className="sidebar" aria-label="Main menu">
        <ul>
          {PAGES.map((p) => (
            <li key={p.path}>
              <a
                href={p.path}
                aria-current={page === p ? 'page' : undefined}
                onClick={(e) => {
                  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  setMenuOpen(false);
                  navigate(p.path);
                }}
              >
                {p.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {page && (
          <ErrorBoundary resetKey={page.path}>
            <page.Page />
          </ErrorBoundary>
        )}
      </main>
    </div>
  );
}
