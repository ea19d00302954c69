// The API client: same origin, bearer token from sessionStorage. The token never goes into a
// URL (where it would end up in history, logs and Referer headers) nor into localStorage
// (where it would outlive the tab).

const TOKEN_KEY = 'herald.token';

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  save: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

// ApiError is an API error response: {"error": {"code", "message", "field"}}.
export class ApiError extends Error {
  constructor(status, { code = 'error', message, field } = {}) {
    super(message || `The request failed (HTTP ${status}).`);
    this.status = status;
    this.code = code;
    this.field = field || '';
  }
}

// request calls the API and returns the decoded JSON body (null for 204). It throws ApiError
// for an error response and for a network failure (status 0). A 401 also fires
// "herald:unauthorized" on window, so the app can send the user back to sign in.
export async function request(method, path, { body, token = session.token() } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, { code: 'network', message: 'Herald could not be reached. Check your connection and try again.' });
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    // Not JSON: a gateway error page, say. The status says enough.
  }
  if (!res.ok) {
    // API Gateway's own errors are {"message": "..."}; Herald's are {"error": {...}}.
    const err = new ApiError(res.status, data?.error || { message: data?.message });
    if (res.status === 401) window.dispatchEvent(new CustomEvent('herald:unauthorized', { detail: err }));
    throw err;
  }
  return data;
}

const enc = encodeURIComponent;

export const api = {
  me: (token) => request('GET', '/v1/me', { token }),
  eventTypes: () => request('GET', '/v1/event-types'),
  list: () => request('GET', '/v1/notifications'),
  show: (name) => request('GET', `/v1/notifications/${enc(name)}`),
  create: (rule) => request('POST', '/v1/notifications', { body: rule }),
  update: (name, patch) => request('PATCH', `/v1/notifications/${enc(name)}`, { body: patch }),
  remove: (name) => request('DELETE', `/v1/notifications/${enc(name)}`),
  deliveries: (name, { limit = 20, cursor = '' } = {}) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return request('GET', `/v1/notifications/${enc(name)}/deliveries?${q}`);
  },
  // test sends a sample event of type event (default: the rule's first) now; the answer says
  // how it went, and a failed delivery is still a 200.
  test: (name, event) => request('POST', `/v1/notifications/${enc(name)}/test`, { body: event ? { event } : {} }),
  redeliver: (name, id) => request('POST', `/v1/notifications/${enc(name)}/deliveries/${enc(id)}/redeliver`),
  rotateSecret: (name) => request('POST', `/v1/notifications/${enc(name)}/rotate-secret`),
};

// localSession asks the local stack for an admin token. Only herald-local serves
// /local/session; anywhere else it is a 404 and the portal offers token sign-in only.
export const localSession = {
  async available() {
    try {
      const res = await fetch('/local/session', { method: 'HEAD', cache: 'no-store', credentials: 'omit' });
      return res.ok;
    } catch {
      return false;
    }
  },
  async token() {
    const res = await fetch('/local/session', { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) throw new ApiError(res.status, { message: 'The local stack did not issue a session.' });
    return (await res.json()).token;
  },
};
