/** A simulated exchange's reading of a client's text message as a JSON request. */

/** The message as a JSON object; undefined when the text is not JSON or not an object. */
export function requestObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
