import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SaomaError } from '../../core/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { principal } from '../app.ts';
import { requireMerchant } from '../auth.ts';
import { ChannelAccountBody, ChannelParams, ListQuery, LoginBody, MerchantBody, MerchantParams, NameBody, OperatorBody, StoreChannelsBody, StoreChannelsParams, TerminalBody, WebhookBody, limitOf } from '../schemas.ts';
import { ChannelAccounts } from '../../merchants/channel-accounts.ts';
import { knownChannels } from '../../channels/registry.ts';
import { ruleSpec } from '../../core/paycode.ts';
import { paycodeRulesFor } from '../../paycode-rules.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' } };

/** Merchants and their stores, terminals, operators and API keys. */
export function adminRoutes(rt: Runtime): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const m = rt.merchants;
    const tags = ['merchants'];

    app.post('/v1/merchants', { config: { permission: 'merchant:create' }, schema: { tags, body: MerchantBody, response: err, summary: 'Create a merchant (platform key). The webhook secret is shown once.' } },
      async (req, reply) => reply.code(201).send(await m.createMerchant(req.body)));

    app.get('/v1/merchants', { config: { permission: 'merchant:create' }, schema: { tags, querystring: ListQuery, summary: 'List merchants (platform key)' } },
      async (req) => ({ data: await m.listMerchants(limitOf(req.query)) }));

    app.get('/v1/merchant', { config: { permission: 'merchant:read' }, schema: { tags, response: err, summary: 'The caller\'s own merchant (merchant API key, terminal or operator): what a console shows after signing in' } },
      async (req) => {
        const p = principal(req);
        if (p.kind === 'platform') throw new SaomaError('invalid_request', 'A platform key has no merchant of its own: use GET /v1/merchants/:merchantId.');
        return m.getMerchant(p.merchantId);
      });

    app.get('/v1/merchants/:merchantId', { config: { permission: 'merchant:read' }, schema: { tags, params: MerchantParams, response: err } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return m.getMerchant(req.params.merchantId);
      });

    app.put('/v1/merchants/:merchantId/webhook', { config: { permission: 'webhook:manage' }, schema: { tags, params: MerchantParams, body: WebhookBody, response: err, summary: 'Set the webhook URL; rotateSecret returns a new signing secret once' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return m.updateWebhook(req.params.merchantId, req.body.url, req.body.rotateSecret ?? false);
      });

    app.post('/v1/merchants/:merchantId/stores', { config: { permission: 'merchant:admin' }, schema: { tags, params: MerchantParams, body: NameBody, response: err } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        return reply.code(201).send(await m.createStore(req.params.merchantId, req.body.name));
      });
    app.get('/v1/merchants/:merchantId/stores', { config: { permission: 'merchant:read' }, schema: { tags, params: MerchantParams, response: err } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return { data: await m.listStores(req.params.merchantId) };
      });

    app.post('/v1/merchants/:merchantId/terminals', { config: { permission: 'merchant:admin' }, schema: { tags, params: MerchantParams, body: TerminalBody, response: err, summary: 'Register a terminal; its device token is shown once' } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        return reply.code(201).send(await m.createTerminal(req.params.merchantId, req.body.storeId, req.body.name));
      });
    app.get('/v1/merchants/:merchantId/terminals', { config: { permission: 'merchant:read' }, schema: { tags, params: MerchantParams, response: err } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return { data: await m.listTerminals(req.params.merchantId) };
      });

    app.post('/v1/merchants/:merchantId/operators', { config: { permission: 'merchant:admin' }, schema: { tags, params: MerchantParams, body: OperatorBody, response: err } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        return reply.code(201).send(await m.createOperator(req.params.merchantId, req.body));
      });
    app.get('/v1/merchants/:merchantId/operators', { config: { permission: 'merchant:read' }, schema: { tags, params: MerchantParams, response: err } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return { data: await m.listOperators(req.params.merchantId) };
      });

    app.post('/v1/merchants/:merchantId/api-keys', { config: { permission: 'merchant:admin' }, schema: { tags, params: MerchantParams, response: err, summary: 'Create an API key; its secret is shown once' } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        return reply.code(201).send(await m.createApiKey(req.params.merchantId));
      });
    app.delete('/v1/merchants/:merchantId/api-keys/:keyId', { config: { permission: 'merchant:admin' }, schema: { tags, params: Type.Object({ merchantId: Type.String(), keyId: Type.String() }), response: err } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        await m.revokeApiKey(req.params.merchantId, req.params.keyId);
        rt.auth.forget(req.params.keyId);
        return reply.code(204).send();
      });

    app.put('/v1/merchants/:merchantId/channels/:channel', { config: { permission: 'merchant:admin' }, schema: { tags, params: ChannelParams, body: ChannelAccountBody, response: err, summary: 'Set up the merchant\'s account on a wallet: gateway URL, credentials (sealed), limits' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        const { channel, merchantId } = req.params;
        if (!knownChannels().includes(channel)) throw new SaomaError('invalid_request', `Unknown channel "${channel}"; known: ${knownChannels().join(', ')}.`);
        await m.getMerchant(merchantId);
        return ChannelAccounts.describe(await rt.channelAccounts.put(merchantId, channel, req.body));
      });
    app.get('/v1/merchants/:merchantId/channels', { config: { permission: 'merchant:read' }, schema: { tags, params: MerchantParams, response: err } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return { data: (await rt.channelAccounts.list(req.params.merchantId)).map(ChannelAccounts.describe) };
      });
    app.put('/v1/merchants/:merchantId/stores/:storeId/channels', { config: { permission: 'merchant:admin' }, schema: { tags, params: StoreChannelsParams, body: StoreChannelsBody, response: err, summary: 'Which wallets a store offers at its counter' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        const stores = await m.listStores(req.params.merchantId);
        if (!stores.some((st) => st.id === req.params.storeId)) throw new SaomaError('not_found', `No store ${req.params.storeId} for this merchant.`);
        const unknown = req.body.channels.filter((c) => c !== 'cash' && !knownChannels().includes(c));
        if (unknown.length) throw new SaomaError('invalid_request', `Unknown channel(s): ${unknown.join(', ')}.`);
        return { storeId: req.params.storeId, channels: await rt.channelAccounts.setStoreChannels(req.params.storeId, req.body.channels) };
      });
    app.get('/v1/merchants/:merchantId/stores/:storeId/channels', { config: { permission: 'merchant:read' }, schema: { tags, params: StoreChannelsParams, response: err } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        const stores = await m.listStores(req.params.merchantId);
        if (!stores.some((st) => st.id === req.params.storeId)) throw new SaomaError('not_found', `No store ${req.params.storeId} for this merchant.`);
        return { storeId: req.params.storeId, channels: await rt.channelAccounts.storeChannels(req.params.storeId) };
      });

    app.get('/v1/terminal', { config: { permission: 'payment:create' }, schema: { tags: ['terminal'], response: err, summary: 'The calling terminal (device token): its merchant, store, and the operators who may log in on it' } },
      async (req) => {
        const p = principal(req);
        if (p.kind !== 'terminal') throw new SaomaError('forbidden', 'Call this with the terminal\'s device token.');
        const operators = (await m.listOperators(p.merchantId)).filter((o) => !o.storeId || o.storeId === p.storeId);
        // The wallets this counter can charge: the merchant's enabled accounts the store offers (the
        // sandbox while it is on), and the payment-code rules the server detects wallets by, so the POS
        // names the wallet before charging and refuses what the server would.
        const accounts = (await rt.channelAccounts.list(p.merchantId)).filter((a) => a.enabled).map((a) => a.channel);
        const offered = await rt.channelAccounts.storeChannels(p.storeId);
        const known = new Set(knownChannels());
        const channels = [...new Set([...(rt.config.sandbox ? ['sandbox'] : []), ...accounts])]
          .filter((c) => known.has(c) && (c !== 'sandbox' || rt.config.sandbox) && (offered.length === 0 || offered.includes(c) || c === 'sandbox'));
        return {
          terminalId: p.terminalId, merchantId: p.merchantId, storeId: p.storeId,
          operators: operators.map((o) => ({ id: o.id, name: o.name, role: o.role })),
          channels, sandbox: rt.config.sandbox, paycodeRules: paycodeRulesFor(rt.config).map(ruleSpec),
        };
      });
    app.post('/v1/operators/login', { config: { permission: 'payment:create' }, schema: { tags: ['terminal'], body: LoginBody, response: { ...err, 423: { $ref: 'Error#' } }, summary: 'Operator PIN login on a terminal; returns an operator session token' } },
      async (req) => {
        const p = principal(req);
        if (p.kind !== 'terminal') throw new SaomaError('forbidden', 'Operators log in on a terminal: call this with the terminal\'s device token.');
        return m.login(p, req.body.operatorId, req.body.pin);
      });
    app.post('/v1/operators/logout', { config: { permission: 'payment:read' }, schema: { tags: ['terminal'], response: err, summary: 'End this operator session at once (its token stops working)' } },
      async (req, reply) => {
        const p = principal(req);
        if (p.kind !== 'operator') throw new SaomaError('forbidden', 'Only an operator session logs out: send its ops_… token.');
        await m.logout((req.headers.authorization ?? '').replace(/^Bearer\s+/i, ''));
        return reply.code(204).send();
      });
  };
}
