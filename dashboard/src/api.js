// Reads from the silo's /api/v1. Reads need no token unless the silo sets Mesh:ProtectReads; then the first 401
// asks the user for one, which is kept in sessionStorage (this tab only) and sent as a header, never in a URL.

const TOKEN_KEY = 'mesh.dashboard.token';

/** Thrown when the silo answers 401: the page shows the token field. */
export class AuthRequiredError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AuthRequiredError';
  }
}

/** Thrown for a 404, which for the traffic graph means "this silo has no traffic API yet". */
export class NotFoundError extends Error {
  constructor(path) {
    super(`${path}: 404`);
    this.name = 'NotFoundError';
  }
}

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function storeToken(token) {
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

/** GET a JSON document from the silo; rejects with AuthRequiredError, NotFoundError or Error (with the silo's message). */
export async function getJson(path, signal) {
  const headers = { Accept: 'application/json' };
  const token = storedToken();
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }

  const response = await fetch(path, { headers, signal, cache: 'no-store', credentials: 'omit' });
  if (response.status === 401) {
    throw new AuthRequiredError(await errorText(response));
  }
  if (response.status === 404) {
    throw new NotFoundError(path);
  }
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${await errorText(response)}`);
  }
  return response.json();
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body?.message ?? body?.title ?? '';
  } catch {
    return '';
  }
}
