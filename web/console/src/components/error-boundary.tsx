/**
 * Keeps one page's failure from blanking the whole console: the menu and Apply changes stay usable, and
 * the page says what went wrong in plain words.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** A new key (the page's path) clears the error. */
  resetKey: string;
  children: ReactNode;
}

interface State {
  error?: Error;
  key: string;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { key: '' };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey === state.key ? null : { key: props.resetKey, error: undefined };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('console page failed', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="alert alert-error" role="alert">
        <p>This page ran into a problem and cannot be shown: {this.state.error.message}</p>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
    );
  }
}
