/**
 * An exchange's instrument list, loaded once through the REST scheduler: symbols are validated and resolved
 * against it (resolve.ts). When it cannot be loaded, symbols are not validated (a connection-scoped `error` status
 * says so) and markets are named by the adapter's `toMarket`.
 */
import type { ExchangeId } from '../schema/events.js';
import { TwError } from '../errors.js';
import type { ExchangeAdapter, Instrument } from '../exchanges/types.js';
import type { RestScheduler } from '../rest/index.js';
import { InstrumentIndex, type Resolution } from './resolve.js';
import type { StatusFields } from './runtime-types.js';

export class Instruments {
  /** By native market id (the adapters' context shares this map). */
  readonly byMarket = new Map<string, Instrument>();
  /** Symbol resolution over the loaded instruments; undefined until (unless) they load. */
  private index: InstrumentIndex | undefined;
  private error: Error | undefined;
  private loaded: Promise<boolean> | undefined;

  constructor(
    private readonly id: ExchangeId,
    private readonly adapter: ExchangeAdapter,
    private readonly rest: RestScheduler,
    /** A status, unless the runtime is closing (false: not emitted). */
    private readonly status: (e: StatusFields) => boolean,
  ) {}

  /** Load once; false when they could not be loaded (symbols are then not validated). */
  load(): Promise<boolean> {
    this.loaded ??= (async () => {
      try {
        const res = await this.rest.request(this.adapter.instrumentsRequest(), { priority: 0, key: 'instruments' });
        const limit = this.adapter.parseRestWeightLimit?.(res.body);
        if (limit !== undefined && limit > 0) this.rest.setWeightLimit(limit);
        const list = this.adapter.parseInstruments(res.body);
        for (const inst of list) this.byMarket.set(inst.market, inst);
        this.index = new InstrumentIndex(this.id, list, (ref) => this.adapter.toMarket(ref));
        return true;
      } catch (e) {
        this.error = e as Error;
        this.status({
          scope: 'connection',
          state: 'error',
          code: e instanceof TwError ? e.code : 'TW_ERR_REST_FAILED',
          reason: `could not load ${this.id} instruments, symbols are not validated: ${(e as Error).message}`,
        });
        return false;
      }
    })();
    return this.loaded;
  }

  /** What `symbol` names here (undefined: the list is not loaded). */
  resolve(symbol: string): Resolution | undefined {
    return this.index?.resolve(symbol);
  }

  /** The native market id of `symbol`: resolved when possible, else the adapter's guess. */
  marketOf(symbol: string): string {
    const r = this.index?.resolve(symbol);
    return r?.ok ? r.instrument.market : this.adapter.toMarket(symbol);
  }

  listedAsTrading(market: string): boolean {
    return this.index?.market(market)?.trading === true;
  }

  /** The list, or throws when it could not be loaded. */
  async all(): Promise<Instrument[]> {
    if (!(await this.load())) throw this.error ?? new TwError('TW_ERR_REST_FAILED', `${this.id} instruments not loaded`);
    return [...this.byMarket.values()];
  }

  /** `{ sizeUnit }` where the instrument names the unit of its sizes (Deribit), else nothing. */
  sizeUnitOf(market: string): string | undefined {
    return this.byMarket.get(market)?.sizeUnit;
  }
}
