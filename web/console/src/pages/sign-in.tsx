/** The sign-in page: username and password, the API's message when refused. */
import { type FormEvent, useState } from 'react';
import { api, type Me } from '../api.ts';
import { TextField } from '../components/text-field.tsx';

export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api.login(username, password));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <p className="brand brand-large" aria-hidden="true">
          <span className="brand-mark">P</span> Parley
        </p>
        <h1 id="sign-in-title">Sign in to the management console</h1>
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={setUsername}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
        />
        {error && (
          <p className="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="field-hint sign-in-help">
          No account yet? On the server, run{' '}
          <code>npx parley admin create --username NAME --password '…'</code>
        </p>
      </form>
    </main>
  );
}
