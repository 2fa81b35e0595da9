/**
 * @module lib/console/web/request
 * Calls to the console API with the session cookie. A 4xx or 5xx becomes an ApiError with the
 * API's sentence and field; a 401 (the session ended) also tells whoever listens, so the page
 * can go back to the sign-in form.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let signedOut: () => void = () => {};
export const onSignedOut = (handler: () => void) => {
  signedOut = handler;
};

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const init: RequestInit = { method, credentials: "same-origin", headers };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const response = await fetch(path, init);
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : {};
  if (response.status === 401 && path !== "/api/session") signedOut();
  if (!response.ok) throw new ApiError(response.status, data.error ?? `${response.status} ${response.statusText}`, data.field);
  return data as T;
}
