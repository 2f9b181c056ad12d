/** A REST request relative to the REST origin, with its cost in the exchange's rate-limit units. */
export interface RestRequest {
  path: string;
  weight: number;
}
