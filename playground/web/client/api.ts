import type {
  ApiAnswer,
  ClickRequest,
  CommandRequest,
  Lifecycle,
  SubmitRequest,
  TrafficSettings,
} from '../protocol.js';

/** Posts one of the page's actions to the playground server; a network failure reads like any refusal. */
async function post(path: string, body: unknown): Promise<ApiAnswer> {
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as ApiAnswer;
  } catch {
    return { ok: false, error: 'The playground is not answering. Is `npm run playground` still running?' };
  }
}

export const api = {
  command: (request: CommandRequest) => post('/api/command', request),
  click: (request: ClickRequest) => post('/api/click', request),
  submit: (request: SubmitRequest) => post('/api/submit', request),
  closeModal: (user: string) => post('/api/close-modal', { user }),
  home: (user: string) => post('/api/home', { user }),
  run: (id: number, action: 'fail' | 'cancel' | 'succeed') => post(`/api/runs/${id}/${action}`, {}),
  lifecycle: (lifecycle: Lifecycle) => post('/api/lifecycle', lifecycle),
  traffic: (change: Partial<TrafficSettings>) => post('/api/traffic', change),
  service: (name: string, healthy: boolean) => post('/api/service', { name, healthy }),
};
