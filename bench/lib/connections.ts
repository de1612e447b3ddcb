import { Client } from 'undici';

/**
 * Keep-alive connections to one origin, one request at a time on each, handed out most-recently-used first.
 *
 * Not undici's `Pool`: under load it now and then queues several requests on one connection while others are free
 * (its `stats.pending` > 0 with `stats.free` > 0), and they then complete one server round trip apart, which
 * measures the generator rather than the server. Here a request waits only when all `max` connections are busy.
 */
export class Connections {
  private readonly idle: Client[] = [];
  private readonly all: Client[] = [];
  private readonly waiting: ((client: Client) => void)[] = [];

  constructor(
    private readonly origin: string,
    private readonly max: number,
  ) {}

  acquire(): Promise<Client> {
    const client = this.idle.pop();
    if (client) return Promise.resolve(client);
    if (this.all.length < this.max) {
      const created = new Client(this.origin, { pipelining: 1, keepAliveTimeout: 30_000 });
      this.all.push(created);
      return Promise.resolve(created);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(client: Client): void {
    const next = this.waiting.shift();
    if (next) next(client);
    else this.idle.push(client);
  }

  /**
   * Makes sure `count` connections are open, with one cheap request on each (a GET the app answers 404 without
   * running any listener): a keep-alive connection idle for more than the server's 5 s is closed, and opening
   * 100 of them inside a measured run would time TCP and HTTP set-up instead of the app.
   */
  async prime(path: string, count: number): Promise<void> {
    const clients = await Promise.all(
      Array.from({ length: Math.min(count, this.max) }, () => this.acquire()),
    );
    await Promise.all(
      clients.map(async (client) => {
        try {
          const response = await client.request({ path, method: 'GET' });
          await response.body.dump();
        } finally {
          this.release(client);
        }
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((client) => client.close()));
  }
}
