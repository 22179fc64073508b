/** The signed-in account, for pages that adapt to it (phone settings use its domain). */
import { createContext, useContext } from 'react';
import type { Me } from './api.ts';

export const SessionContext = createContext<Me>({ username: '', permissions: [] });

export function useSession(): Me {
  return useContext(SessionContext);
}
