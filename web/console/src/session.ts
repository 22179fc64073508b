/** The signed-in account, for pages that adapt to it (phone settings use its domain). */
import { createContext, useContext } from 'react';
import type { Me, Permission } from './api.ts';

export const SessionContext = createContext<Me>({ username: '', permissions: [] });

export function useSession(): Me {
  return useContext(SessionContext);
}

/** Whether the signed-in account may do what needs `permission` (`admin` implies every other one). */
export function useCan(permission: Permission): boolean {
  const { permissions } = useSession();
  return permissions.includes('admin') || permissions.includes(permission);
}
