import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { pickLocale } from '../../core/messages.ts';
import type { Runtime } from '../../runtime.ts';
import { csvContentType } from '../../reports/csv.ts';
import { summaryCsv } from '../../reports/export.ts';
import { ReportSummary, salesSummary } from '../../reports/summary.ts';
import { requestMerchant } from '../scope.ts';

const E = { 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' } };
const Query = Type.Object({
  period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { description: 'day (per hour), week or month (per day)' }),
  date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A day in the period, in the merchant\'s time zone' }),
  storeId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });

/** Reports a merchant looks at: one summary object for the charts, the same object as CSV. */
export function reportRoutes(rt: Runtime): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    app.get('/v1/reports/summary', {
      config: { permission: 'report:read' },
      schema: { tags: ['reports'], summary: 'Takings of a day, week or month: per hour or day, per wallet, store and terminal; refunds, fees, average ticket, cash against wallets', querystring: Query, response: { 200: ReportSummary, ...E } },
    }, async (req) => salesSummary(rt.store, requestMerchant(req), req.query));

    app.get('/v1/reports/summary.csv', {
      config: { permission: 'report:read' },
      schema: {
        tags: ['reports'], summary: 'The same summary as CSV for Excel: UTF-8 with a byte-order mark (opens right on Chinese Windows); encoding=gb18030 for older Excel or WPS',
        querystring: Type.Object({ ...Query.properties, encoding: Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('gb18030')])), lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh-Hans'), Type.Literal('zh-Hant')])) }, { additionalProperties: false }),
        response: { 200: Type.String({ description: 'text/csv' }), ...E },
      },
    }, async (req, reply) => {
      const { encoding = 'utf8', lang, ...q } = req.query;
      const r = await salesSummary(rt.store, requestMerchant(req), q);
      return reply.type(csvContentType(encoding)).header('content-disposition', `attachment; filename="saoma-${r.period}-${r.date}.csv"`)
        .send(summaryCsv(r, lang ?? pickLocale(req.headers['accept-language'], 'zh-Hans'), encoding));
    });
  };
}
