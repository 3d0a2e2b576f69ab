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
  | 'display:sign'
  /** Reports, charts and exports of the books (sales, takings, fees). */
  | 'report:read'
  /** Reconciliation with the wallets' bills: read runs and mismatches; run, upload and repair. */
  | 'reconcile:read'
  | 'reconcile:manage'
  /** Settlement accounts, fee plans, rent, statements: read; change and run settlement. */
  | 'settlement:read'
  | 'settlement:manage'
  /** Ask for a withdrawal (提现) to the verified settlement account. */
  | 'payout:create'
  /** Risk rules and their decisions: read; edit and approve. */
  | 'risk:read'
  | 'risk:manage'
  /** The alert centre: read; acknowledge and resolve. */
  | 'alert:read'
  | 'alert:manage'
  /** The audit log. */
  | 'audit:read'
  /** Staff, terminals and credentials: operators, PINs, terminal tokens, API keys. */
  | 'staff:manage'
  /** Take the security training modules (every person at the counter). */
  | 'training:take';

const BACK_OFFICE_READ: readonly Permission[] = ['report:read', 'reconcile:read', 'settlement:read', 'risk:read', 'alert:read', 'audit:read'];
const BACK_OFFICE_MANAGE: readonly Permission[] = ['reconcile:manage', 'settlement:manage', 'payout:create', 'risk:manage', 'alert:manage', 'staff:manage'];

const GRANTS: Record<string, readonly Permission[]> = {
  platform: ['merchant:create', 'merchant:read', 'merchant:admin', 'payment:read', 'ledger:read', 'webhook:manage', ...BACK_OFFICE_READ, 'reconcile:manage', 'settlement:manage', 'alert:manage'],
  merchant: ['merchant:read', 'merchant:admin', 'payment:create', 'payment:read', 'payment:cancel', 'refund:create', 'ledger:read', 'webhook:manage', ...BACK_OFFICE_READ, ...BACK_OFFICE_MANAGE],
  terminal: ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'display:push'],
  'operator:cashier': ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'display:push', 'training:take'],
  'operator:supervisor': ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'refund:create', 'display:push', 'training:take', 'report:read', 'alert:read'],
  'operator:manager': ['merchant:read', 'payment:create', 'payment:read', 'payment:cancel', 'refund:create', 'ledger:read', 'display:push', 'training:take', ...BACK_OFFICE_READ, 'alert:manage'],
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
