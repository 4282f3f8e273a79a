import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { routingQuery, summaryQuery } from './api/queries';
import { AppRoutes } from './App';
import { makeQueryClient } from './queryClient';
import { useUi } from './store';
import { theme } from './theme';

document.documentElement.lang = useUi.getState().lang;
const queryClient = makeQueryClient();
// The overview is where people land: ask for its data before React's first render.
if (useUi.getState().session && window.location.pathname === '/') {
  void queryClient.prefetchQuery(summaryQuery());
  void queryClient.prefetchQuery(routingQuery);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </QueryClientProvider>
    </ThemeProvider>
  </StrictMode>,
);
