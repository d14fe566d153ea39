// One failure in a screen never blanks the app: the boundary shows what went wrong and a way on.
import { Component, createContext, type ErrorInfo, type ReactNode } from 'react';
import { Alert, Button, Group, Text } from '@mantine/core';

interface Props {
  children: ReactNode;
  /** Changing it (e.g. the route) clears a shown error. */
  resetKey?: string;
}

/** How many times the boundary was reset after an error: a screen whose code failed to load
 * loads again when this changes (App.tsx). */
export const RetryContext = createContext(0);

interface State {
  error?: Error;
  key?: string;
  retries: number;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { retries: 0 };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State) {
    if (props.resetKey !== state.key) return { key: props.resetKey, error: undefined, retries: state.retries + (state.error ? 1 : 0) };
    return null;
  }

  private retry = () => this.setState((s) => (s.error ? { error: undefined, retries: s.retries + 1 } : null));

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('screen failed:', error, info.componentStack);
  }

  // A screen that failed offline (its code or data could not load) tries again once back online.
  componentDidMount() {
    window.addEventListener('online', this.retry);
  }

  componentWillUnmount() {
    window.removeEventListener('online', this.retry);
  }

  render() {
    if (!this.state.error) return <RetryContext.Provider value={this.state.retries}>{this.props.children}</RetryContext.Provider>;
    return (
      <Alert color="red" title="Something went wrong on this screen" m="md" role="alert" data-testid="error-boundary">
        <Text size="sm" mb="sm">{this.state.error.message}</Text>
        <Group>
          <Button size="xs" variant="light" onClick={this.retry}>Try again</Button>
          <Button size="xs" variant="subtle" onClick={() => window.location.assign('/')}>Back to My day</Button>
        </Group>
      </Alert>
    );
  }
}
