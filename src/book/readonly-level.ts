/** One level as handed to readers that must not change it: the exchange's exact decimal strings, frozen. */
export type ReadonlyLevel = readonly [price: string, size: string];
