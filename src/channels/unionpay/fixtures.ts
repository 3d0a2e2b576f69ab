import { readFileSync } from 'node:fs';

/**
 * The emulator's own PKI, made once with the openssl CLI (see NOTES.md) and committed: a test root, a
 * middle CA, "UnionPay"'s response-signing certificate (CN `041@Z12@中国银联股份有限公司@00000001`), and a
 * test merchant signing certificate (serial 69903319369, the certId of UnionPay's public test merchant)
 * over the W-2 test key, so the U-2 offline vector runs through the real signer. Test material only.
 */
const read = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

export const TEST_MER_ID = '777290058110048';

export function emulatorPki(): { rootCert: string; middleCert: string; signCert: string; signKey: string } {
  return { rootCert: read('acp-test-root.pem'), middleCert: read('acp-test-middle.pem'), signCert: read('emulator-sign.pem'), signKey: read('emulator-sign.key') };
}

/** The test merchant's credentials, as a merchant would PUT them for the emulator. */
export function testMerchantCredentials(): { merId: string; signCert: string; signKey: string; rootCert: string; middleCert: string } {
  const pki = emulatorPki();
  return { merId: TEST_MER_ID, signCert: read('merchant-sign.pem'), signKey: read('merchant-sign.key'), rootCert: pki.rootCert, middleCert: pki.middleCert };
}
