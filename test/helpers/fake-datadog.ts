import type { IncomingMessage, ServerResponse } from 'node:http';

/** The keys the fake accepts; anything else gets Datadog's 403. */
export const DATADOG_TEST_KEYS = { apiKey: 'dd-api-0123456789abcdef', appKey: 'dd-app-fedcba9876543210' };

/** What one query answers: a value (one point at `to`), no point in the window (null), no series, or an HTTP answer. */
export type DatadogAnswer = number | null | 'no-series' | { status: number; body: unknown } | 'hang';

export interface DatadogQuery {
  query: string;
  from: number;
  to: number;
}

/**
 * `GET /api/v1/query` as Datadog documents it ("Query timeseries points", docs.datadoghq.com/api/latest/metrics):
 * `from`, `to` (seconds) and `query` required, else 400 `{"errors": [...]}`; the `DD-API-KEY` and
 * `DD-APPLICATION-KEY` headers checked, else 403 `{"errors": ["Forbidden"]}`; a 200 carries `status: "ok"` and one
 * series per group with its `pointlist` of `[milliseconds, value]`. Answers true when it handled the request.
 */
export function datadogQueryRoute(
  path: string,
  answerFor: (query: DatadogQuery) => DatadogAnswer,
  seen: DatadogQuery[] = [],
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://datadog');
    if (url.pathname !== path) return false;
    if (req.method !== 'GET') {
      send(res, 405, { errors: ['Method Not Allowed'] });
      return true;
    }
    if (
      req.headers['dd-api-key'] !== DATADOG_TEST_KEYS.apiKey ||
      req.headers['dd-application-key'] !== DATADOG_TEST_KEYS.appKey
    ) {
      send(res, 403, { errors: ['Forbidden'] });
      return true;
    }
    for (const name of ['from', 'to', 'query']) {
      if (!url.searchParams.get(name)) {
        send(res, 400, { errors: [`Missing required parameter '${name}'`] });
        return true;
      }
    }
    const query: DatadogQuery = {
      query: url.searchParams.get('query') ?? '',
      from: Number(url.searchParams.get('from')),
      to: Number(url.searchParams.get('to')),
    };
    if (!Number.isInteger(query.from) || !Number.isInteger(query.to) || query.from > query.to) {
      send(res, 400, { errors: ["Invalid 'from' or 'to' parameter"] });
      return true;
    }
    seen.push(query);
    const answer = answerFor(query);
    if (answer === 'hang') return true;
    if (typeof answer === 'object' && answer !== null) {
      send(res, answer.status, answer.body);
      return true;
    }
    const envelope = {
      status: 'ok',
      res_type: 'time_series',
      resp_version: 1,
      query: query.query,
      from_date: query.from * 1_000,
      to_date: query.to * 1_000,
      group_by: [],
      message: '',
    };
    if (answer === 'no-series') {
      send(res, 200, { ...envelope, series: [] });
      return true;
    }
    const start = query.from * 1_000;
    const end = query.to * 1_000;
    send(res, 200, {
      ...envelope,
      series: [
        {
          metric: query.query.split('{')[0],
          display_name: query.query,
          expression: query.query,
          scope: 'env:test',
          query_index: 0,
          aggr: 'avg',
          unit: null,
          tag_set: [],
          interval: 20,
          start,
          end,
          length: 2,
          // An older point and the newest one; a source must read the newest.
          pointlist: [
            [start, answer === null ? null : answer / 2],
            [end, answer],
          ],
        },
      ],
    });
    return true;
  };
}
