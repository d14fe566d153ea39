// One failure in a screen never blanks the app: the boundary shows what went wrong and a way on.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Alert, Button, Group, Text } from '@mantine/core';

interface Props {
  children: ReactNode;
  /** Changing it (e.g. the route) clears a shown error. */
  resetKey?: string;
}

export class ErrorBoundary extends Component<Props, { error?: Error; key?: string }> {
  state: { error?: Error; key?: string } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: { error?: Error; key?: string }) {
    if (props.resetKey !== state.key) return { key: props.resetKey, error: undefined };
    return null;
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('screen failed:', error, info.componentStack);
  }

  // A screen that failed offline (its code or data could not load) tries again once back online.
  private retryOnline = () => this.setState({ error: undefined });

  componentDidMount() {
    window.addEventListener('online', this.retryOnline);
  }

  componentWillUnmount() {
    window.removeEventListener('online', this.retryOnline);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Alert color="red" title="Something went wrong on this screen" m="md" role="alert" data-testid="error-boundary">
        <Text size="sm" mb="sm">{this.state.error.message}</Text>
        <Group>
          <Button size="xs" variant="light" onClick={() => this.setState({ error: undefined })}>Try again</Button>
          <Button size="xs" variant="subtle" onClick={() => window.location.assign('/')}>Back to My day</Button>
        </Group>
      </Alert>
    );
  }
}
