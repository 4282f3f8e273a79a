import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import { Component, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** changes (e.g. the location) reset the boundary */
  resetKey: string;
  message: string;
  retry: string;
}

/** Keeps a failed page (a chunk that did not load, a render error) from blanking the app. */
export class ErrorBoundary extends Component<Props, { error: Error | null; key: string }> {
  state = { error: null as Error | null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: { error: Error | null; key: string }) {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Alert
        severity="error"
        data-testid="page-error"
        action={
          <Button color="inherit" size="small" onClick={() => window.location.reload()}>
            {this.props.retry}
          </Button>
        }
      >
        {this.props.message}: {this.state.error.message}
      </Alert>
    );
  }
}
