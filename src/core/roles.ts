/**
 * Who may do what. Every route names one permission; the caller's principal is checked against this
 * table and against the merchant the resource belongs to.
 */
export type Principal =
  | { kind: 'platform' }
  | { kind: 'merchant'; merchantId: string; keyId: string }
  | { kind: 'terminal'; merchantId: string; storeId: string; terminalId: string }
  | { kind: 'operator'; merchantId: string; storeId: string; terminalId: string; operatorId: string; role: 'cashier' | 'supervisor' | 'manager' }
  /** A customer display paired with one terminal (`disp_…`): it may only watch that terminal's display stream. */
  | { kind: 'display'; merchantId: string; terminalId: string };

export type Permission =
  | 'merchant:create'
  | 'merchant:read'
  | 'merchant:admin'
  | 'payment:create'
  | 'payment:read'
  | 'payment:cancel'
  | 'refund:create'
  | 'ledger:read'
  | 'webhook:manage'
  /** Push what the customer display shows and pair one (terminals and operators, for their own terminal). */
  | 'display:push'
  /** Watch one terminal's customer display stream (the display token and nothing else). */
  | 'display:read'
  /** Send the customer's signature for the payment its terminal asked to be signed on the display. */
  | 'display:sign';

const GRANTS: Record<string, readonly Permission[]> = {
  platform: ['merchant:create', 'merchant:read', 'merchant:admin', 'payment:read', 'ledger:read', 'webhook:manage'],
  merchant: ['merchant:read', 'merchant:admin', 'payment:create', 'payment:read', 'payment:cancel', 'refund:create', 'ledger:read', 'webhook:manage'],
  terminal: ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'display:push'],
  'operator:cashier': ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'display:push'],
  'operator:supervisor': ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'refund:create', 'display:push'],
  'operator:manager': ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'refund:create', 'ledger:read', 'display:push'],
  display: ['display:read', 'display:sign'],
};

export function grantKey(p: Principal): string {
  return p.kind === 'operator' ? `operator:${p.role}` : p.kind;
}

export function can(p: Principal, perm: Permission): boolean {
  return GRANTS[grantKey(p)]?.includes(perm) ?? false;
}

/** Whether the principal may touch a resource owned by `merchantId` (platform sees all). */
export function ownsMerchant(p: Principal, merchantId: string): boolean {
  return p.kind === 'platform' || p.merchantId === merchantId;
}
