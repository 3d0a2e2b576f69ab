export declare const WEBHOOK_SIGNATURE_HEADER = 'saoma-signature';
export declare function signWebhook(secret: string, body: string, timestamp: number): string;
export declare class WebhookVerificationError extends Error {}
export declare function verifyWebhook<T = { id: string; type: string; created_at: string; data: unknown }>(
  rawBody: string | Buffer,
  header: string | string[] | undefined,
  secret: string,
  opts?: { toleranceSeconds?: number; nowSeconds?: number },
): T;
