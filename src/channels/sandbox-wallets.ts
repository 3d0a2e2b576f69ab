import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ChannelAccountInput, ChannelAccounts } from '../merchants/channel-accounts.ts';
import { AlipayEmulator } from './alipay/emulator.ts';
import { QqEmulator } from './qq/emulator.ts';
import { UnionpayEmulator } from './unionpay/emulator.ts';
import { testMerchantCredentials } from './unionpay/fixtures.ts';
import { WechatEmulator } from './wechat/emulator.ts';

/**
 * In sandbox mode `saoma serve` runs every wallet's emulator in its own process, each under
 * `/sandbox/<wallet>`, and the demo merchant gets an account on each: the real adapters, the code a
 * merchant with real credentials runs, then take Alipay, WeChat Pay, UnionPay and QQ Wallet payments on
 * one machine. The emulators' keys are made once and kept in the data folder, so accounts survive restarts.
 */
interface Keys {
  alipay: { appId: string; appPrivateKey: string; appPublicKey: string; alipayPrivateKey: string; alipayPublicKey: string };
  wechat: {
    mchId: string; appId: string; apiKey: string; appSecret: string; apiV3Key: string;
    merchantPrivateKey: string; merchantPublicKey: string; merchantSerialNo: string;
    platformId: string; platformPrivateKey: string; platformPublicKey: string;
  };
  qq: { mchId: string; apiKey: string; opUserId: string; opUserPassword: string };
}

function rsaPair(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const token = (bytes: number): string => randomBytes(bytes).toString('hex');

function newKeys(): Keys {
  const app = rsaPair();
  const ali = rsaPair();
  const merchant = rsaPair();
  const platform = rsaPair();
  return {
    alipay: { appId: '2021000100000001', appPrivateKey: app.priv, appPublicKey: app.pub, alipayPrivateKey: ali.priv, alipayPublicKey: ali.pub },
    wechat: {
      mchId: '1900000109', appId: 'wx0000000000demo', apiKey: token(16), appSecret: token(16), apiV3Key: token(16),
      merchantPrivateKey: merchant.priv, merchantPublicKey: merchant.pub, merchantSerialNo: token(20).toUpperCase(),
      platformId: `PUB_KEY_ID_0119000001092025${token(8)}`, platformPrivateKey: platform.priv, platformPublicKey: platform.pub,
    },
    qq: { mchId: '1900000199', apiKey: token(16), opUserId: '1900000199001', opUserPassword: token(8) },
  };
}

function loadKeys(dataDir: string): Keys {
  const file = join(dataDir, 'sandbox-wallet-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Keys;
  const keys = newKeys();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

export class SandboxWallets {
  private readonly keys: Keys;
  private readonly publicUrl: string;
  readonly alipay: AlipayEmulator;
  readonly wechat: WechatEmulator;
  readonly unionpay: UnionpayEmulator;
  readonly qq: QqEmulator;

  constructor(opts: { dataDir: string; publicUrl: string; merchantName?: string }) {
    this.keys = loadKeys(opts.dataDir);
    this.publicUrl = opts.publicUrl;
    const at = (wallet: string) => ({ dbPath: join(opts.dataDir, `sandbox-${wallet}.db`), publicUrl: this.urlOf(wallet) });
    const k = this.keys;
    this.alipay = new AlipayEmulator({ ...at('alipay'), keys: k.alipay, ...(opts.merchantName ? { merchantName: opts.merchantName } : {}) });
    this.wechat = new WechatEmulator({
      ...at('wechat'),
      merchants: [{
        mchId: k.wechat.mchId, appId: k.wechat.appId, apiKey: k.wechat.apiKey, appSecret: k.wechat.appSecret,
        v3: { apiV3Key: k.wechat.apiV3Key, merchantPublicKey: k.wechat.merchantPublicKey, merchantSerial: k.wechat.merchantSerialNo },
      }],
      platform: { id: k.wechat.platformId, privateKey: k.wechat.platformPrivateKey },
    });
    const up = testMerchantCredentials();
    this.unionpay = new UnionpayEmulator({ ...at('unionpay'), merchants: [{ merId: up.merId, cert: up.signCert, ...(opts.merchantName ? { name: opts.merchantName } : {}) }] });
    this.qq = new QqEmulator({ ...at('qq'), merchants: [{ ...k.qq, ...(opts.merchantName ? { name: opts.merchantName } : {}) }] });
  }

  private urlOf(wallet: string): string {
    return `${this.publicUrl}/sandbox/${wallet}`;
  }

  async mount(app: FastifyInstance): Promise<void> {
    for (const [wallet, emulator] of [['alipay', this.alipay], ['wechat', this.wechat], ['unionpay', this.unionpay], ['qq', this.qq]] as const) {
      await app.register(async (scope) => emulator.routes(scope), { prefix: `/sandbox/${wallet}` });
    }
  }

  /** The channel accounts that point a merchant at these emulators (what `PUT …/channels/<wallet>` would take). */
  accounts(): Record<'alipay' | 'wechat' | 'unionpay' | 'qq', ChannelAccountInput> {
    const k = this.keys;
    const up = testMerchantCredentials();
    return {
      alipay: {
        baseUrl: `${this.urlOf('alipay')}/gateway.do`,
        credentials: { appId: k.alipay.appId, privateKey: k.alipay.appPrivateKey, alipayPublicKey: k.alipay.alipayPublicKey },
      },
      wechat: {
        baseUrl: this.urlOf('wechat'),
        credentials: {
          appId: k.wechat.appId, mchId: k.wechat.mchId, apiKey: k.wechat.apiKey, appSecret: k.wechat.appSecret,
          apiV3Key: k.wechat.apiV3Key, merchantPrivateKey: k.wechat.merchantPrivateKey, merchantSerialNo: k.wechat.merchantSerialNo,
          wechatpayPublicKey: k.wechat.platformPublicKey, wechatpayPublicKeyId: k.wechat.platformId,
        },
      },
      unionpay: {
        baseUrl: this.urlOf('unionpay'),
        credentials: { merId: up.merId, signCert: up.signCert, signKey: up.signKey, rootCert: up.rootCert, middleCert: up.middleCert },
      },
      qq: {
        baseUrl: this.urlOf('qq'),
        credentials: { mchId: k.qq.mchId, apiKey: k.qq.apiKey, opUserId: k.qq.opUserId, opUserPassword: k.qq.opUserPassword },
      },
    };
  }

  /** Point a merchant's accounts at these emulators (the demo merchant, at every start: URLs follow SAOMA_PUBLIC_URL). */
  async enroll(accounts: ChannelAccounts, merchantId: string): Promise<void> {
    for (const [wallet, account] of Object.entries(this.accounts())) await accounts.put(merchantId, wallet, account);
  }

  close(): void {
    this.alipay.close();
    this.wechat.close();
    this.unionpay.close();
    this.qq.close();
  }
}
