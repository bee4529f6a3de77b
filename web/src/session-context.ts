import { createContext, useContext } from 'react';
import type { ApiClient } from './api/api-client';
import type { Role } from './api/types';

export interface Session {
  api: ApiClient;
  role: Role;
  /** operator and admin may run and cancel; a viewer sees no action buttons. */
  canOperate: boolean;
  canAdmin: boolean;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in app');
  return s;
}
